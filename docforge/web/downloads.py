"""The workbench's downloads: a draft's or version's documents (DOCX, PDF) and its village file."""

from __future__ import annotations

import datetime as dt

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ..i18n import _
from ..errors import DocforgeError
from ..models import DocumentKind
from . import engine as E
from .shared import KINDS, attachment


class DownloadPages:
    """The downloads (a part of :class:`~docforge.web.app.Workbench`)."""

    def _download_state(self, d, which: str | None):
        v = self.version_of(d, which)
        if v is None:
            return d.state, None, True, "草稿"
        adopted = dt.date.fromisoformat(v.adopted_on) if v.adopted_on else None
        return v.state, adopted, adopted is None, f"第{v.number}版"

    async def downloads(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        bundle = self.store.latest_bundle(d.id)
        versions = self.store.versions(d.id)
        # an agreement with no text on the signing date (withdrawn by the law layer): say so, not a dead link
        unsigned = {col: self._not_offered(state) for col, state in
                    [("draft", d.state)] + [(str(v.id), v.state) for v in versions]}
        return self.page(request, "downloads.html", draft=d, kinds=KINDS, versions=versions, unsigned=unsigned,
                         roster=self.store.roster(d.id), bundle=bundle, files=self._bundle_files(bundle))

    @staticmethod
    def _not_offered(state) -> set[str]:
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
        state, adopted, draft, label = self._download_state(d, request.query_params.get("version"))
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
        state, adopted, _, label = self._download_state(d, request.query_params.get("version"))
        try:
            text = E.village_yaml(state, adopted)
        except E.VillageInvalid as e:
            return PlainTextResponse(_("The village data is incomplete; nothing was exported:") + "\n" + str(e), status_code=422)
        name = E.safe_filename(f"{(state.get('village') or {}).get('village', {}).get('name', 'village')}-{label}.yaml")
        return Response(text.encode("utf-8"), media_type="application/yaml; charset=utf-8", headers=attachment(name))
