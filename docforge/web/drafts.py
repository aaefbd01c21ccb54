"""The workbench's pages for drafts and their editing: login, the drafts, the village form, a document
and its inline edits, versions and the comparison."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ..i18n import _
from ..errors import DocforgeError
from ..models import DocumentKind
from . import engine as E
from . import forms
from . import security as S
from .base import WorkbenchBase
from .guards import csrf_protected
from .shared import KINDS
from .store import Draft


class DraftPages(WorkbenchBase):
    """The pages for drafts and their editing (a part of :class:`~docforge.web.app.Workbench`)."""

    # ---------------------------------------------------------------- login

    async def login(self, request: Request) -> Response:
        if self.password is None:
            return RedirectResponse("/", status_code=303)
        if request.method == "GET":
            return self.page(request, "login.html")
        who = request.client.host if request.client else "?"
        wait = self.limiter.blocked_for(who)
        if wait:
            return self.page(request, "login.html", status=429,
                             error=_("Too many wrong passwords: try again in {seconds} seconds", seconds=int(wait) + 1))
        form = await request.form()
        sent = form.get(S.CSRF_FIELD)
        if not S.same(request.cookies.get(S.CSRF_COOKIE), sent if isinstance(sent, str) else None):
            return self.page(request, "login.html", status=403, error=_("The form has expired: reload the page and try again"))
        if not S.same(str(form.get("password") or ""), self.password):
            self.limiter.failed(who)
            return self.page(request, "login.html", status=401, error=_("Wrong password"))
        self.limiter.succeeded(who)
        token = S.new_token()
        self.gate.sessions.add(token)
        r = RedirectResponse("/", status_code=303)
        r.set_cookie(S.SESSION_COOKIE, token, path="/", samesite="strict", httponly=True)
        return r

    # ---------------------------------------------------------------- drafts

    async def home(self, request: Request) -> Response:
        return self.page(request, "home.html", drafts=self.store.drafts(), today=dt.date.today().isoformat())

    @csrf_protected
    async def create(self, request: Request) -> Response:
        form = await request.form()
        name = str(form.get("name") or "").strip() or "新草稿"
        state = E.new_state()
        draft_id = self.store.create_draft(name[:100], state)
        return RedirectResponse(f"/drafts/{draft_id}/village", status_code=303)

    @csrf_protected
    async def import_yaml(self, request: Request) -> Response:
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return self.page(request, "home.html", status=400, drafts=self.store.drafts(),
                             import_error=_("Choose the village file (.yaml) to import"))
        data = await upload.read()
        try:
            text = S.check_yaml_upload(upload.filename or "", data)
            state = E.state_from_yaml(text)
        except S.UploadRefused as e:
            return self.page(request, "home.html", status=400, drafts=self.store.drafts(), import_error=str(e))
        except E.VillageInvalid as e:
            return self.page(request, "home.html", status=400, drafts=self.store.drafts(),
                             import_error=f"{upload.filename}: invalid village file:",
                             import_errors=[f"{k}: {m}" for k, ms in e.errors.items() for m in ms])
        self.store.put_upload(data, "yaml")
        name = (state["village"].get("village") or {}).get("name") or "导入的草稿"
        draft_id = self.store.create_draft(str(name)[:100], state)
        return RedirectResponse(f"/drafts/{draft_id}", status_code=303)

    async def overview(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        problems = None
        try:
            E.village_of(d.state)
        except E.VillageInvalid as e:
            problems = e.errors
        return self.page(request, "overview.html", draft=d, problems=problems,
                         versions=self.store.versions(d.id)[:5], roster=self.store.roster(d.id))

    # ---------------------------------------------------------------- the village form

    def _form_ctx(self, d, values: dict[str, str], errors: dict[str, list[str]]) -> dict[str, Any]:
        return {"draft": d, "steps": forms.steps(), "values": values, "errors": errors,
                "choices": E.jurisdiction_choices(), "as_of": values.get("as_of") or d.state.get("as_of")}

    def _check_form(self, form) -> tuple[dict[str, Any], dict[str, str], dict[str, list[str]]]:
        values = {k: str(v) for k, v in form.items() if isinstance(v, str) and k != S.CSRF_FIELD}
        data = forms.village_data(values)
        errors: dict[str, list[str]] = {}
        try:
            E.village_of({"village": data})
        except E.VillageInvalid as e:
            errors = forms.errors_by_field(e.errors)
        raw = values.get("as_of", "")
        try:
            dt.date.fromisoformat(raw)
        except ValueError:
            errors["as_of"] = [f"'{raw}' is not a date; write it as YYYY-MM-DD, e.g. 2026-11-30"]
        return data, values, errors

    async def village_form(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        values = forms.form_values(d.state.get("village") or {})
        values["as_of"] = d.state.get("as_of", "")
        errors: dict[str, list[str]] = {}
        if d.state.get("village"):
            _, _, errors = self._check_form(values)
        return self.page(request, "village.html", **self._form_ctx(d, values, errors))

    @csrf_protected
    async def village_save(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        form = await request.form()
        data, values, errors = self._check_form(form)
        state = {**d.state, "village": data}
        if "as_of" not in errors:
            state["as_of"] = values["as_of"]
        name = (data.get("village") or {}).get("name") or d.name
        self.store.update_draft(d.id, state, name=str(name)[:100])
        if errors:
            return self.page(request, "village.html", status=422, saved=True,
                             **self._form_ctx(self.store.draft(d.id), values, errors))
        return RedirectResponse(f"/drafts/{d.id}/doc/charter", status_code=303)

    @csrf_protected
    async def village_check(self, request: Request) -> Response:
        """htmx: the form's errors as it is filled in, each swapped beside its field."""
        form = await request.form()
        _, values, errors = self._check_form(form)
        errors = forms.untouched(errors, values)
        names = [s.name for _, _, specs in forms.steps() for s in specs] + ["as_of"]
        return self.page(request, "_errors_oob.html", names=names, errors=errors,
                         dom_ids={n: "f-" + n.replace(".", "-").replace("_", "-") for n in names})

    # ---------------------------------------------------------------- documents

    def _households(self, d) -> list[tuple[int, Any]]:
        """The valid households of the draft's roster (for an agreement's preview)."""
        row = self.store.roster(d.id)
        got = self.store.upload(row["sha256"]) if row is not None else None
        if got is None:
            return []
        try:
            village = E.village_of(d.state)
        except E.VillageInvalid:
            return []
        data, kind = got
        return E.roster_households(village, data, "." + kind, E.as_of(d.state))

    def _doc_ctx(self, d, kind: str, household_id: str = "", state: dict[str, Any] | None = None) -> dict[str, Any]:
        """The preview of ``kind`` for the draft (or for ``state``, its state about to be saved)."""
        state = d.state if state is None else state
        households = self._households(d) if DocumentKind(kind).is_agreement else []
        household = next((h for _, h in households if h.id == household_id), None)
        try:
            r = E.resolver(state)
            doc, rows, general = E.preview(r, kind, household)
            selection = r.selection(household)[0] if household is not None else None
        except E.VillageInvalid as e:
            return {"invalid": e.errors}
        except DocforgeError as e:
            return {"engine_error": str(e)}
        findings = sum(len(x.findings) for x in rows) + len(general)
        edits = [e for e in state.get("edits") or [] if e.get("document") == kind]
        replaced = {e.get("id") for e in edits if e.get("op") == "replace"}
        removed = []
        if any(e.get("op") == "remove" for e in edits):  # shown as in the default text, to restore
            try:
                before = {b.id: b.display for b in E.document(E.resolver(E.default_state(state)), kind, household).blocks}
            except DocforgeError:
                before = {}
            removed = [(e["id"], before.get(e["id"], e["id"])) for e in edits if e.get("op") == "remove"]
        return {"doc": doc, "rows": rows, "general": general, "finding_count": findings, "replaced": replaced,
                "removed": removed,
                "households": [h for _, h in households], "household": household, "selection": selection}

    async def document(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        kind = self.kind_or_404(request.path_params["kind"])
        return self.page(request, "document.html", draft=d, kind=kind, kinds=KINDS,
                         **self._doc_ctx(d, kind, request.query_params.get("household", "")))

    def _doc_fragment(self, request: Request, d, kind: str, message: str = "", focus: str = "",
                      household: str = "") -> Response:
        d = self.store.draft(d.id)
        return self.page(request, "_document.html", draft=d, kind=kind, message=message, focus=focus,
                         **self._doc_ctx(d, kind, household))

    async def edit_form(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        kind = self.kind_or_404(request.path_params["kind"])
        cid = request.query_params.get("id", "")
        mode = request.query_params.get("mode", "edit")
        ctx = self._doc_ctx(d, kind)
        row = next((x for x in ctx.get("rows", []) if x.id == cid), None)
        if row is None:
            raise HTTPException(404, _("No such clause"))
        return self.page(request, "_edit.html", draft=d, kind=kind, row=row, mode=mode)

    @csrf_protected
    async def edit_save(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        kind = self.kind_or_404(request.path_params["kind"])
        form = await request.form()
        action = str(form.get("action") or "")
        cid = str(form.get("id") or "")
        ctx = self._doc_ctx(d, kind)
        rows = {x.id: x for x in ctx.get("rows", [])}
        if cid not in rows:
            raise HTTPException(404, _("No such clause"))
        tags = [t for t in form.getlist("tags") if t in E.TAG_LABELS]
        edits = d.state.get("edits") or []
        focus = cid
        try:
            if action == "edit":
                edits = E.edit_text(edits, kind, cid, str(form.get("text") or ""), tags)
                message = _("Changed {clause}", clause=rows[cid].label or cid)
            elif action == "remove":
                edits = E.remove(edits, kind, cid)
                message = _("Removed {clause}", clause=rows[cid].label or cid)
                focus = ""
            elif action == "add":
                type_ = rows[cid].type if rows[cid].type in ("article", "item", "para") else "article"
                edits, focus = E.add_after(edits, kind, cid, str(form.get("text") or ""), type_, tags)
                message = _("Added a clause after {clause}", clause=rows[cid].label or cid)
            else:
                raise HTTPException(400, _("Unknown action"))
        except E.EditError as e:
            row = rows[cid]
            return self.page(request, "_edit.html", draft=d, kind=kind, row=row, mode=action, error=str(e),
                             text=str(form.get("text") or ""), status=422)
        state = {**d.state, "edits": edits}
        household = str(form.get("household") or "")
        after = self._doc_ctx(d, kind, household, state=state)
        if "engine_error" in after:  # the engine must accept the layer (e.g. an anchor that no longer exists)
            return self.page(request, "_edit.html", draft=d, kind=kind, row=rows[cid], mode=action,
                             error=after["engine_error"], text=str(form.get("text") or ""), status=422)
        self.store.update_draft(d.id, state)
        return self.page(request, "_document.html", draft=self.store.draft(d.id), kind=kind, message=message,
                         focus=focus, **after)

    @csrf_protected
    async def revert(self, request: Request) -> Response:
        """Undo the committee's change to one clause (back to the plugins' text)."""
        d = self.draft_or_404(request)
        kind = self.kind_or_404(request.path_params["kind"])
        form = await request.form()
        cid = str(form.get("id") or "")
        edits = [e for e in d.state.get("edits") or [] if not (e.get("id") == cid and e.get("document") == kind
                                                               and e.get("op") in ("replace", "remove"))]
        self.store.update_draft(d.id, {**d.state, "edits": edits})
        return self._doc_fragment(request, d, kind, _("Restored the text"), cid, str(form.get("household") or ""))

    # ---------------------------------------------------------------- versions

    async def versions(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        return self.page(request, "versions.html", draft=d, versions=self.store.versions(d.id),
                         kinds=KINDS, today=dt.date.today().isoformat())

    @csrf_protected
    async def save_version(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        form = await request.form()
        author = str(form.get("author") or "").strip()
        if not author:
            return self.page(request, "versions.html", status=422, draft=d, versions=self.store.versions(d.id),
                             kinds=KINDS, author_error=_("Write the name of who saves this version"),
                             today=dt.date.today().isoformat())
        self.store.save_version(d.id, author[:50], str(form.get("note") or "").strip()[:200])
        return RedirectResponse(f"/drafts/{d.id}/versions", status_code=303)

    @csrf_protected
    async def restore(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        v = self.version_or_404(d, request.path_params["version_id"])
        self.store.restore(v.id)
        return RedirectResponse(f"/drafts/{d.id}/versions?restored={v.number}", status_code=303)

    @csrf_protected
    async def adopt(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        v = self.version_or_404(d, request.path_params["version_id"])
        form = await request.form()
        try:
            on = dt.date.fromisoformat(str(form.get("adopted_on") or ""))
        except ValueError:
            return self.page(request, "versions.html", status=422, draft=d, versions=self.store.versions(d.id),
                             kinds=KINDS, adopt_error=_("Write the adoption date as 2026-11-30"),
                             today=dt.date.today().isoformat())
        self.store.mark_adopted(v.id, on)
        return RedirectResponse(f"/drafts/{d.id}/versions", status_code=303)

    def _state_of(self, d: Draft, which: str) -> tuple[dict[str, Any], str]:
        if which == "default":
            return E.default_state(d.state), "默认文本（国家及县级规定）"
        v = self.version_of(d, which)
        if v is None:  # "draft" (or nothing chosen): the working copy
            return d.state, "当前草稿"
        return v.state, f"第 {v.number} 版（{v.author}，{v.created_at[:16].replace('T', ' ')}）"

    @staticmethod
    def _differs(ra, rb, kind: str) -> bool:
        try:
            return bool(E.compare(E.document(ra, kind), E.document(rb, kind)))
        except (E.VillageInvalid, DocforgeError):  # e.g. an agreement not signed on that date
            return False

    async def compare(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        q = request.query_params
        kind = self.kind_or_404(q.get("kind", "charter"))
        a, b = q.get("a", "default"), q.get("b", "draft")
        (sa, la), (sb, lb) = self._state_of(d, a), self._state_of(d, b)
        others: list[str] = []
        try:
            ra, rb = E.resolver(sa), E.resolver(sb)
            old = E.document(ra, kind)
            new = E.document(rb, kind)
            rows = E.compare(old, new)
            if not rows:  # say where the two do differ, so that "the same" is not misread for the whole draft
                others = [k for k in KINDS if k != kind and self._differs(ra, rb, k)]
        except (E.VillageInvalid, DocforgeError) as e:
            return self.page(request, "compare.html", draft=d, error=str(e), kind=kind, kinds=KINDS,
                             versions=self.store.versions(d.id), a=a, b=b)
        return self.page(request, "compare.html", draft=d, rows=rows, kind=kind, kinds=KINDS, a=a, b=b,
                         la=la, lb=lb, versions=self.store.versions(d.id), others=others)

    # ---------------------------------------------------------------- downloads
