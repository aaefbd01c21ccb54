"""The workbench's rosters and bundles: a roster's upload and check, a packet bundle's run, progress and
files."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .. import i18n
from ..i18n import _
from ..errors import DocforgeError
from . import engine as E
from . import security as S
from .guards import csrf_protected
from .base import WorkbenchBase
from .shared import attachment, file_response, internal_error, zip_folder


class RosterPages(WorkbenchBase):
    """The rosters and bundles (a part of :class:`~docforge.web.app.Workbench`)."""

    # ---------------------------------------------------------------- rosters

    def _roster_report(self, d):
        row = self.store.roster(d.id)
        if row is None:
            return None, None, None
        got = self.store.upload(row["sha256"])
        if got is None:
            return row, None, None
        data, kind = got
        try:
            village = E.village_of(d.state)
        except E.VillageInvalid:
            return row, None, None
        report, sheet = E.roster_check(village, data, "." + kind, E.as_of(d.state), row["filename"])
        return row, report, sheet

    async def roster(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        row, report, _ = self._roster_report(d)
        return self.page(request, "roster.html", draft=d, roster=row, report=report)

    @csrf_protected
    async def roster_upload(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return self.page(request, "roster.html", status=400, draft=d, roster=None, report=None,
                             refusal=_("Choose the roster file (.xlsx or .csv)"))
        data = await upload.read(S.MAX_ROSTER_BYTES + 1)
        filename = Path(upload.filename or "").name[:200]
        try:
            kind = S.check_roster_upload(filename, data)
            E.village_of(d.state)
        except S.UploadRefused as e:
            return self.page(request, "roster.html", status=400, draft=d, roster=self.store.roster(d.id),
                             report=None, refusal=str(e))
        except E.VillageInvalid:
            return self.page(request, "roster.html", status=400, draft=d, roster=None, report=None,
                             refusal=_("Fill in the village first (the roster is checked against its groups)"))
        digest = self.store.put_upload(data, kind.lstrip("."))
        self.store.add_roster(d.id, digest, filename or f"roster{kind}")
        return RedirectResponse(f"/drafts/{d.id}/roster", status_code=303)

    async def problems_sheet(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        row, report, sheet = self._roster_report(d)
        if sheet is None:
            raise HTTPException(404, _("The roster has no problems: there is no problems sheet"))
        stem = Path(row["filename"]).stem
        return Response(sheet, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers=attachment(E.safe_filename(f"{stem}-问题.xlsx")))

    # ---------------------------------------------------------------- bundles

    @csrf_protected
    async def bundle_start(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        form = await request.form()
        which = str(form.get("version") or "draft")
        state, adopted, draft, _label = self.download_state(d, which)
        v = self.version_of(d, which)
        roster = self.store.roster(d.id)
        skip = form.get("skip_bad_rows") == "1"
        try:
            village = E.village_of(state, adopted)
        except E.VillageInvalid as e:
            return self.page(request, "_bundle.html", draft=d,
                             error=_("The village data is incomplete: {problems}", problems=e), bundle=None)
        got = self.store.upload(roster["sha256"]) if roster is not None else None
        if roster is None or got is None:
            return self.page(request, "_bundle.html", draft=d, bundle=None, error=_("Upload the roster first"))
        with self.bundle_lock:
            running = self.store.latest_bundle(d.id)
            if running is not None and running["status"] == "running":
                return self.page(request, "_bundle.html", draft=d, bundle=running)
            bid = self.store.start_bundle(d.id, v.id if v else None, roster["id"])
        data, kind = got
        folder = self.bundle_dir(bid)
        threading.Thread(target=self._run_bundle, name=f"bundle-{bid}", daemon=True,
                         args=(bid, folder, state, adopted, draft, village, data, kind, skip)).start()
        return self.page(request, "_bundle.html", draft=d, bundle=self.store.bundle(bid))

    def _run_bundle(self, bid: int, folder: Path, state, adopted, draft: bool, village, data: bytes, kind: str,
                    skip: bool) -> None:
        store = self.store
        with i18n.using(self.lang):  # a thread starts without the request's context
            self._bundle_in_lang(bid, folder, state, adopted, draft, village, data, kind, skip, store)

    def _bundle_in_lang(self, bid, folder, state, adopted, draft, village, data, kind, skip, store) -> None:
        from ..bundle import BundleOptions, InputFile, Reporter, RosterHouseholds, RosterRefusedError, write_bundle

        class Progress(Reporter):
            def __init__(self):
                super().__init__()
                self.total: int | None = None
                self.done = 0
                self.docs = 0

            def start(self, label, total):
                self.total = total
                store.bundle_progress(bid, 0, total, _("Generating the documents"))

            def advance(self, households=0, documents=0):
                self.done += households
                self.docs += documents
                store.bundle_progress(bid, self.done, self.total, _("{households} households laid out, {documents} documents",
                                                                    households=self.done, documents=self.docs))

            def detail(self, msg):
                if "converted" in msg or "written" in msg or "PDF" in msg:
                    store.bundle_progress(bid, self.done, self.total,
                                          _("Converting to PDF ({documents} documents)", documents=self.docs))

        try:
            shutil.rmtree(folder, ignore_errors=True)
            inputs = folder / "inputs"
            inputs.mkdir(parents=True)
            vfile = inputs / "village.yaml"
            vfile.write_text(E.village_yaml(state, adopted), encoding="utf-8")
            rfile = inputs / f"roster.{kind}"
            rfile.write_bytes(data)
            on = E.as_of(state)
            options = BundleOptions(as_of=on, formats=("docx", "pdf"), draft=draft, jobs=1)
            report = write_bundle(village, InputFile.of("village", vfile), RosterHouseholds(rfile, skip),
                                  folder / "bundle", options, reporter=Progress(),
                                  pm=E.plugin_manager(village, state.get("edits") or []))
            t = report.totals
            store.bundle_progress(bid, t.households, t.households,
                                  _("Done: {households} households, {packets} packets, {documents} documents, {pages} pages",
                                    households=t.households, packets=t.packets, documents=t.documents, pages=t.pages)
                                  + (_(", {rows} rows skipped", rows=t.skipped_rows) if t.skipped_rows else ""), status="done")
        except RosterRefusedError as e:  # the CLI's words name a server path and a command-line flag
            store.bundle_progress(bid, 0, None, _(
                "Not generated: the roster has {errors} errors. Download the problems sheet on the roster page, "
                "correct it and upload it again, or tick 跳过户花名册中有错误的行 to leave those rows out.",
                errors=len(e.report.errors)), status="failed")
        except DocforgeError as e:
            first = str(e).splitlines()[0]
            store.bundle_progress(bid, 0, None, _("Not generated: {reason}", reason=first), status="failed")
        except Exception as e:  # noqa: BLE001 - shown to the committee, the server goes on
            store.bundle_progress(bid, 0, None, _("Not generated (internal error {error})", error=internal_error(e)),
                                  status="failed")

    async def bundle_status(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        b = self.store.bundle(int(request.path_params["bundle_id"]))
        if b is None or b["draft_id"] != d.id:
            raise HTTPException(404, _("No such bundle run"))
        return self.page(request, "_bundle.html", draft=d, bundle=b, files=self.bundle_files(b))

    async def bundle_file(self, request: Request) -> Response:
        """The village packet, a household's packet (by its place in the manifest, never by a path
        from the request), or the whole bundle as a zip."""
        d = self.draft_or_404(request)
        b = self.store.bundle(int(request.path_params["bundle_id"]))
        if b is None or b["draft_id"] != d.id or b["status"] != "done":
            raise HTTPException(404, _("The bundle has not been generated yet"))
        out = (self.bundle_dir(b["id"]) / "bundle").resolve()
        what = request.path_params["what"]
        village = d.name
        if what == "village.pdf":
            return file_response(out / "village" / "packet.pdf", E.safe_filename(f"{village}-村级文件包.pdf"), out)
        if what == "bundle.zip":
            return Response(zip_folder(out, out), media_type="application/zip",
                            headers=attachment(E.safe_filename(f"{village}-全部文件.zip")))
        if what.startswith("household-") and what.endswith(".pdf"):
            files = self.bundle_files(b) or {"households": []}
            try:
                h = files["households"][int(what[len("household-"):-4])]
            except (ValueError, IndexError):
                raise HTTPException(404, _("No packet for this household")) from None
            return file_response(out / h["packet"] / "packet.pdf", E.safe_filename(f"{village}-{h['id']}户文件包.pdf"), out)
        raise HTTPException(404, _("No such file"))
