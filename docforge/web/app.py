"""The drafting committee's workbench: a Starlette app with server-rendered Jinja pages and htmx.

Every page is rendered here; htmx (served from this package's ``static/``) swaps fragments for the
live preview, the inline article edits, the form's checks and the bundle's progress. The app calls
the engine through :mod:`docforge.web.engine` only.
"""

from __future__ import annotations

import datetime as dt
import io
import ipaddress
import json
import shutil
import threading
import zipfile
from functools import wraps
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from .. import i18n
from ..i18n import _
from ..errors import DocforgeError, mask_id
from ..models import DocumentKind
from . import engine as E
from . import forms
from . import security as S
from .store import Store

HERE = Path(__file__).parent
_NAV = {"village": "village", "document": "doc", "versions": "versions", "compare": "versions",
        "roster": "roster", "downloads": "downloads"}
KINDS = [k.value for k in DocumentKind]


# --------------------------------------------------------------------------- ASGI guards


class BodyLimit:
    """Refuses a request body over ``limit`` bytes: before reading it when Content-Length says so,
    and while reading it otherwise (a 200 MB upload never reaches the disk)."""

    def __init__(self, app, limit: int = S.MAX_BODY_BYTES):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await _too_large(self.limit, int(length))(scope, receive, send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise HTTPException(413, _too_large_text(self.limit, seen))
            return message

        return await self.app(scope, limited, send)


def _too_large_text(limit: int, size: int) -> str:
    return _("The upload is too large ({size} MB): at most {limit} MB at a time. Keep only this village's "
             "households in the roster, or split it into several files.", size=round(size / 1024 / 1024),
             limit=limit // 1024 // 1024)


def _too_large(limit: int, size: int) -> Response:
    title, back = _esc(_("File too large")), _esc(_("Back to the start page"))
    return HTMLResponse(f"<!doctype html><meta charset=utf-8><title>{title}</title>"
                        f"<p class=refusal>{_esc(_too_large_text(limit, size))}</p><p><a href='/'>{back}</a></p>",
                        status_code=413)


class Gate:
    """CSRF cookie for every visitor, and (when a password is set) the login gate."""

    def __init__(self, app, password: str | None, limiter: S.RateLimiter, lang: str = "zh"):
        self.app, self.password, self.limiter, self.lang = app, password, limiter, lang
        self.sessions: set[str] = set()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        with i18n.using(self.lang):  # the engine's messages in the workbench's language
            return await self._call(scope, receive, send)

    async def _call(self, scope, receive, send):
        request = Request(scope)
        token = request.cookies.get(S.CSRF_COOKIE) or S.new_token()
        scope.setdefault("state", {})["csrf"] = token
        scope["state"]["password"] = self.password is not None
        path = scope["path"]
        open_path = path.startswith("/static/") or path == "/login"
        if self.password is not None and not open_path and request.cookies.get(S.SESSION_COOKIE) not in self.sessions:
            response: Response = RedirectResponse("/login", status_code=303)
            return await self._send(response, token, request, scope, receive, send)
        fresh = request.cookies.get(S.CSRF_COOKIE) != token

        async def send_with_cookie(message):
            if message["type"] == "http.response.start" and fresh:
                cookie = (f"{S.CSRF_COOKIE}={token}; Path=/; SameSite=Strict; HttpOnly").encode()
                message.setdefault("headers", []).append((b"set-cookie", cookie))
            if message["type"] == "http.response.start":
                h = message.setdefault("headers", [])
                h.append((b"x-content-type-options", b"nosniff"))
                h.append((b"x-frame-options", b"DENY"))
                h.append((b"content-security-policy",
                          b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                          b"connect-src 'self'; frame-ancestors 'none'; form-action 'self'"))
            await send(message)

        return await self.app(scope, receive, send_with_cookie)

    async def _send(self, response, token, request, scope, receive, send):
        if request.cookies.get(S.CSRF_COOKIE) != token:
            response.set_cookie(S.CSRF_COOKIE, token, path="/", samesite="strict", httponly=True)
        await response(scope, receive, send)


def csrf_protected(handler: Callable[[Any, Request], Awaitable[Response]]):
    """Every POST handler: the form's (or htmx's header) token must equal the cookie's."""

    @wraps(handler)
    async def wrapper(self, request: Request) -> Response:
        cookie = request.cookies.get(S.CSRF_COOKIE)
        sent = request.headers.get(S.CSRF_HEADER)
        if not sent:
            form = await request.form()
            sent = form.get(S.CSRF_FIELD)
        if not S.same(cookie, sent if isinstance(sent, str) else None):
            refusal = _("The form has expired or comes from elsewhere (CSRF check failed): reload the page and try again.")
            return HTMLResponse("<p class=refusal>" + _esc(refusal) + "</p>", status_code=403)
        return await handler(self, request)

    wrapper.csrf_protected = True  # type: ignore[attr-defined]
    return wrapper


# --------------------------------------------------------------------------- the app


class Workbench:
    def __init__(self, data_dir: Path, password: str | None = None, lang: str = "zh"):
        self.lang = lang
        self.data_dir = Path(data_dir)
        self.store = Store(self.data_dir)
        self.store.fail_interrupted_bundles()
        self.password = password
        self.limiter = S.RateLimiter()
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        env = self.templates.env
        env.globals.update(KIND_LABELS=E.KIND_LABELS, TAG_LABELS=E.TAG_LABELS, mask_id=mask_id)
        env.filters["tojson_attr"] = lambda v: json.dumps(v, ensure_ascii=False)
        self._bundle_lock = threading.Lock()

    # ---------------------------------------------------------------- helpers

    def page(self, request: Request, name: str, status: int = 200, **ctx: Any) -> Response:
        ctx.setdefault("draft", None)
        ctx.setdefault("nav", _NAV.get(name.lstrip("_").split(".")[0]))
        return self.templates.TemplateResponse(request, name, {"csrf": request.state.csrf, **ctx}, status_code=status)

    def draft_or_404(self, request: Request):
        try:
            draft_id = int(request.path_params["draft_id"])
        except (KeyError, ValueError):
            raise HTTPException(404, _("No such draft")) from None
        d = self.store.draft(draft_id)
        if d is None:
            raise HTTPException(404, _("No such draft"))
        return d

    def version_of(self, draft, raw: str | None):
        """A version of the draft chosen by its id in the query (None: the working copy)."""
        if not raw or raw == "draft":
            return None
        try:
            v = self.store.version(int(raw))
        except ValueError:
            raise HTTPException(404, _("No such version")) from None
        if v is None or v.draft_id != draft.id:
            raise HTTPException(404, _("No such version"))
        return v

    @staticmethod
    def kind_or_404(kind: str) -> str:
        if kind not in KINDS:
            raise HTTPException(404, _("No such document"))
        return kind

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
        if not S.same(request.cookies.get(S.CSRF_COOKIE), form.get(S.CSRF_FIELD)):
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
        if upload is None or not hasattr(upload, "read"):
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
        v = self.version_of(d, request.path_params["version_id"])
        self.store.restore(v.id)
        return RedirectResponse(f"/drafts/{d.id}/versions?restored={v.number}", status_code=303)

    @csrf_protected
    async def adopt(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        v = self.version_of(d, request.path_params["version_id"])
        form = await request.form()
        try:
            on = dt.date.fromisoformat(str(form.get("adopted_on") or ""))
        except ValueError:
            return self.page(request, "versions.html", status=422, draft=d, versions=self.store.versions(d.id),
                             kinds=KINDS, adopt_error=_("Write the adoption date as 2026-11-30"),
                             today=dt.date.today().isoformat())
        self.store.mark_adopted(v.id, on)
        return RedirectResponse(f"/drafts/{d.id}/versions", status_code=303)

    def _state_of(self, d, which: str) -> tuple[dict[str, Any], str]:
        if which == "default":
            return E.default_state(d.state), "默认文本（国家及县级规定）"
        if which == "draft":
            return d.state, "当前草稿"
        v = self.version_of(d, which)
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
        return Response(data, media_type=media, headers=_attachment(name))

    async def export(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        state, adopted, _, label = self._download_state(d, request.query_params.get("version"))
        try:
            text = E.village_yaml(state, adopted)
        except E.VillageInvalid as e:
            return PlainTextResponse(_("The village data is incomplete; nothing was exported:") + "\n" + str(e), status_code=422)
        name = E.safe_filename(f"{(state.get('village') or {}).get('village', {}).get('name', 'village')}-{label}.yaml")
        return Response(text.encode("utf-8"), media_type="application/yaml; charset=utf-8", headers=_attachment(name))

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
        if upload is None or not hasattr(upload, "read"):
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
                        headers=_attachment(E.safe_filename(f"{stem}-问题.xlsx")))

    # ---------------------------------------------------------------- bundles

    def _bundle_dir(self, bundle_id: int) -> Path:
        return self.data_dir / "bundles" / str(int(bundle_id))

    def _bundle_files(self, bundle) -> dict[str, Any] | None:
        if bundle is None or bundle["status"] != "done":
            return None
        out = self._bundle_dir(bundle["id"]) / "bundle"
        try:
            manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        households = [h for h in manifest.get("households", []) if h.get("packet")]
        return {"village": (out / "village" / "packet.pdf").exists(), "households": households}

    @csrf_protected
    async def bundle_start(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        form = await request.form()
        which = str(form.get("version") or "draft")
        state, adopted, draft, _ = self._download_state(d, which)
        v = self.version_of(d, which)
        roster = self.store.roster(d.id)
        skip = form.get("skip_bad_rows") == "1"
        try:
            village = E.village_of(state, adopted)
        except E.VillageInvalid as e:
            return self.page(request, "_bundle.html", draft=d,
                             error=_("The village data is incomplete: {problems}", problems=e), bundle=None)
        if roster is None:
            return self.page(request, "_bundle.html", draft=d, bundle=None, error=_("Upload the roster first"))
        with self._bundle_lock:
            running = self.store.latest_bundle(d.id)
            if running is not None and running["status"] == "running":
                return self.page(request, "_bundle.html", draft=d, bundle=running)
            bid = self.store.start_bundle(d.id, v.id if v else None, roster["id"])
        data, kind = self.store.upload(roster["sha256"])
        folder = self._bundle_dir(bid)
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
            store.bundle_progress(bid, 0, None, _("Not generated (internal error {error})", error=_internal(e)), status="failed")

    async def bundle_status(self, request: Request) -> Response:
        d = self.draft_or_404(request)
        b = self.store.bundle(int(request.path_params["bundle_id"]))
        if b is None or b["draft_id"] != d.id:
            raise HTTPException(404, _("No such bundle run"))
        return self.page(request, "_bundle.html", draft=d, bundle=b, files=self._bundle_files(b))

    async def bundle_file(self, request: Request) -> Response:
        """The village packet, a household's packet (by its place in the manifest, never by a path
        from the request), or the whole bundle as a zip."""
        d = self.draft_or_404(request)
        b = self.store.bundle(int(request.path_params["bundle_id"]))
        if b is None or b["draft_id"] != d.id or b["status"] != "done":
            raise HTTPException(404, _("The bundle has not been generated yet"))
        out = (self._bundle_dir(b["id"]) / "bundle").resolve()
        what = request.path_params["what"]
        village = d.name
        if what == "village.pdf":
            return _file(out / "village" / "packet.pdf", E.safe_filename(f"{village}-村级文件包.pdf"), out)
        if what == "bundle.zip":
            return Response(_zip(out, out), media_type="application/zip",
                            headers=_attachment(E.safe_filename(f"{village}-全部文件.zip")))
        if what.startswith("household-") and what.endswith(".pdf"):
            files = self._bundle_files(b) or {"households": []}
            try:
                h = files["households"][int(what[len("household-"):-4])]
            except (ValueError, IndexError):
                raise HTTPException(404, _("No packet for this household")) from None
            return _file(out / h["packet"] / "packet.pdf", E.safe_filename(f"{village}-{h['id']}户文件包.pdf"), out)
        raise HTTPException(404, _("No such file"))

    # ---------------------------------------------------------------- errors

    async def http_error(self, request: Request, exc: HTTPException) -> Response:
        if request.headers.get("hx-request"):
            return HTMLResponse(f"<p class=refusal>{_esc(exc.detail)}</p>", status_code=exc.status_code)
        return self.page(request, "error.html", status=exc.status_code, message=exc.detail)

    def build(self) -> Starlette:
        d = "/drafts/{draft_id:int}"
        routes = [
            Route("/", self.home),
            Route("/login", self.login, methods=["GET", "POST"]),
            Route("/drafts", self.create, methods=["POST"]),
            Route("/import", self.import_yaml, methods=["POST"]),
            Route(d, self.overview),
            Route(d + "/village", self.village_form),
            Route(d + "/village", self.village_save, methods=["POST"]),
            Route(d + "/village/check", self.village_check, methods=["POST"]),
            Route(d + "/doc/{kind}", self.document),
            Route(d + "/doc/{kind}/edit", self.edit_form),
            Route(d + "/doc/{kind}/edit", self.edit_save, methods=["POST"]),
            Route(d + "/doc/{kind}/revert", self.revert, methods=["POST"]),
            Route(d + "/versions", self.versions),
            Route(d + "/versions", self.save_version, methods=["POST"]),
            Route(d + "/versions/{version_id:int}/restore", self.restore, methods=["POST"]),
            Route(d + "/versions/{version_id:int}/adopt", self.adopt, methods=["POST"]),
            Route(d + "/compare", self.compare),
            Route(d + "/downloads", self.downloads),
            Route(d + "/download/{kind}.{fmt}", self.download),
            Route(d + "/export.yaml", self.export),
            Route(d + "/roster", self.roster),
            Route(d + "/roster", self.roster_upload, methods=["POST"]),
            Route(d + "/roster/problems.xlsx", self.problems_sheet),
            Route(d + "/bundle", self.bundle_start, methods=["POST"]),
            Route(d + "/bundle/{bundle_id:int}", self.bundle_status),
            Route(d + "/bundle/{bundle_id:int}/{what}", self.bundle_file),
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        ]
        app = Starlette(routes=routes, exception_handlers={HTTPException: self.http_error})
        self.routes = routes
        self.gate = Gate(BodyLimit(app), self.password, self.limiter, self.lang)
        return self.gate


def _internal(e: Exception) -> str:
    return f"{type(e).__name__}: {e}"


def _esc(text: Any) -> str:
    from markupsafe import escape

    return str(escape(str(text)))


def _attachment(name: str) -> dict[str, str]:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    return {"content-disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"}


def _file(path: Path, name: str, root: Path) -> Response:
    path = path.resolve()
    if root not in path.parents or not path.is_file():
        raise HTTPException(404, _("No such file"))
    media = "application/pdf" if path.suffix == ".pdf" else "application/octet-stream"
    return Response(path.read_bytes(), media_type=media, headers=_attachment(name))


def _zip(folder: Path, root: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file() and not p.name.startswith(".") and root in p.resolve().parents:
                z.write(p, p.relative_to(folder).as_posix())
    return buf.getvalue()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def create_app(data_dir: Path | str, password: str | None = None, lang: str = "zh"):
    """The ASGI app over ``data_dir`` (created on first use); ``password`` guards every page;
    ``lang``: the language of the engine's messages (the pages themselves are Chinese)."""
    wb = Workbench(Path(data_dir), password, lang)
    app = wb.build()
    app.workbench = wb  # type: ignore[attr-defined]
    return app
