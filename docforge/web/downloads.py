"""The workbench's downloads: a draft's or version's documents (DOCX, PDF) and its village file."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ..i18n import _
from ..errors import DocforgeError
from ..models import DocumentKind
from . import engine as E
from .base import WorkbenchBase
from .shared import KINDS, attachment


class DownloadPages(WorkbenchBase):
    """The downloads (a part of :class:`~docforge.web.app.Workbench`)."""

    async def downloads(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        bundle = self.store.latest_bundle(d.id)
        versions = self.store.versions(d.id)
        # an agreement with no text on the signing date (withdrawn by the law layer): say so, not a dead link
        unsigned = {col: self._not_offered(state) for col, state in
                    [("draft", d.state)] + [(str(v.id), v.state) for v in versions]}
        return self.page(request, "downloads.html", draft=d, kinds=KINDS, versions=versions, unsigned=unsigned,
                         roster=self.store.roster(d.id), bundle=bundle, files=self.bundle_files(bundle))

    @staticmethod
    def _not_offered(state: dict[str, Any]) -> set[str]:
        try:
            r = E.resolver(state)
        except (E.VillageInvalid, DocforgeError):
            return set()
        return {k for k in KINDS if DocumentKind(k).is_agreement and not r.clause_tree(DocumentKind(k)).numbered()}

    async def download(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        kind = self.kind_or_404(request.path_params["kind"])
        fmt = request.path_params["fmt"]
        if fmt not in ("docx", "pdf"):
            raise HTTPException(404, _("No such format"))
        state, adopted, draft, label = self.download_state(d, request.query_params.get("version"))
        try:
            doc = E.document(E.resolver(state, adopted), kind)
            data = E.docx_bytes(doc, draft) if fmt == "docx" else E.pdf_bytes(doc, draft)
        except E.VillageInvalid as e:
            return PlainTextResponse(_("The village data is incomplete; nothing was generated:") + "\n" + str(e), status_code=422)
        except DocforgeError as e:
            return PlainTextResponse(str(e), status_code=422)
        mark = "征求意见稿" if draft else "通过稿"
        name = E.safe_filename(f"{doc.village}{E.KIND_LABELS[kind]}（{label}{mark}）.{fmt}")
        media = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document" if fmt == "docx"
                 else "application/pdf")
        return Response(data, media_type=media, headers=attachment(name))

    async def export(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        state, adopted, _draft, label = self.download_state(d, request.query_params.get("version"))
        try:
            text = E.village_yaml(state, adopted)
        except E.VillageInvalid as e:
            return PlainTextResponse(_("The village data is incomplete; nothing was exported:") + "\n" + str(e), status_code=422)
        name = E.safe_filename(f"{(state.get('village') or {}).get('village', {}).get('name', 'village')}-{label}.yaml")
        return Response(text.encode("utf-8"), media_type="application/yaml; charset=utf-8", headers=attachment(name))
