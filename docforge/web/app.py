"""The drafting committee's workbench: a Starlette app with server-rendered Jinja pages and htmx.

Every page is rendered here; htmx (served from this package's ``static/``) swaps fragments for the
live preview, the inline article edits, the form's checks and the bundle's progress. The app calls
the engine through :mod:`docforge.web.engine` only.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .base import HERE
from .guards import BodyLimit, Gate
from .shared import esc
from .downloads import DownloadPages
from .drafts import DraftPages
from .rosters import RosterPages


# --------------------------------------------------------------------------- the app


class Workbench(DraftPages, DownloadPages, RosterPages):
    """The workbench: its store, templates and pages (:class:`~docforge.web.base.WorkbenchBase` and
    the pages by area), and the ASGI app they make."""

    # ---------------------------------------------------------------- errors

    async def http_error(self, request: Request, exc: Exception) -> Response:
        """The page for an HTTPException (the only exception it is registered for in :meth:`build`)."""
        if not isinstance(exc, HTTPException):
            raise exc
        if request.headers.get("hx-request"):
            return HTMLResponse(f"<p class=refusal>{esc(exc.detail)}</p>", status_code=exc.status_code)
        return self.page(request, "error.html", status=exc.status_code, message=exc.detail)

    def build(self) -> Gate:
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


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def create_app(data_dir: Path | str, password: str | None = None, lang: str = "zh") -> Gate:
    """The ASGI app over ``data_dir`` (created on first use); ``password`` guards every page;
    ``lang``: the language of the engine's messages (the pages themselves are Chinese)."""
    wb = Workbench(Path(data_dir), password, lang)
    app = wb.build()
    app.workbench = wb
    return app
