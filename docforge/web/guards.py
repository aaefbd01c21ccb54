"""The workbench's ASGI guards: the upload size limit, the password gate and CSRF protection."""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Awaitable, Callable, TypeVar

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from .. import i18n
from ..i18n import _
from . import security as S
from .shared import esc

if TYPE_CHECKING:
    from .base import WorkbenchBase


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
            return await too_large(self.limit, int(length))(scope, receive, send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise HTTPException(413, too_large_text(self.limit, seen))
            return message

        return await self.app(scope, limited, send)


def too_large_text(limit: int, size: int) -> str:
    return _("The upload is too large ({size} MB): at most {limit} MB at a time. Keep only this village's "
             "households in the roster, or split it into several files.", size=round(size / 1024 / 1024),
             limit=limit // 1024 // 1024)


def too_large(limit: int, size: int) -> Response:
    title, back = esc(_("File too large")), esc(_("Back to the start page"))
    return HTMLResponse(f"<!doctype html><meta charset=utf-8><title>{title}</title>"
                        f"<p class=refusal>{esc(too_large_text(limit, size))}</p><p><a href='/'>{back}</a></p>",
                        status_code=413)


class Gate:
    """CSRF cookie for every visitor, and (when a password is set) the login gate."""

    def __init__(self, app, password: str | None, limiter: S.RateLimiter, lang: str = "zh"):
        self.app, self.password, self.limiter, self.lang = app, password, limiter, lang
        self.sessions: set[str] = set()
        self.workbench: WorkbenchBase | None = None  # the pages behind the gate (set by create_app)

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


Pages = TypeVar("Pages")


def csrf_protected(handler: Callable[[Pages, Request], Awaitable[Response]]) -> Callable[[Pages, Request], Awaitable[Response]]:
    """Every POST handler: the form's (or htmx's header) token must equal the cookie's."""

    @wraps(handler)
    async def wrapper(self: Pages, request: Request) -> Response:
        cookie = request.cookies.get(S.CSRF_COOKIE)
        sent: str | UploadFile | None = request.headers.get(S.CSRF_HEADER)
        if not sent:
            form = await request.form()
            sent = form.get(S.CSRF_FIELD)
        if not S.same(cookie, sent if isinstance(sent, str) else None):
            refusal = _("The form has expired or comes from elsewhere (CSRF check failed): reload the page and try again.")
            return HTMLResponse("<p class=refusal>" + esc(refusal) + "</p>", status_code=403)
        return await handler(self, request)

    wrapper.__dict__["csrf_protected"] = True  # a mark that the test of every POST route looks for
    return wrapper
