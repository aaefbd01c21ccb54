"""The drafting committee's workbench: a Starlette app with server-rendered Jinja pages and htmx.

Every page is rendered here; htmx (served from this package's ``static/``) swaps fragments for the
live preview, the inline article edits, the form's checks and the bundle's progress. The app calls
the engine through :mod:`docforge.web.engine` only.
"""

from __future__ import annotations

import ipaddress
import json
import threading
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ..i18n import _
from ..errors import mask_id
from . import engine as E
from . import security as S
from .store import Store
from .guards import BodyLimit, Gate
from .shared import KINDS, esc
from .downloads import DownloadPages
from .drafts import DraftPages
from .rosters import RosterPages


HERE = Path(__file__).parent
_NAV = {"village": "village", "document": "doc", "versions": "versions", "compare": "versions",
         "roster": "roster", "downloads": "downloads"}


# --------------------------------------------------------------------------- the app


class Workbench(DraftPages, DownloadPages, RosterPages):
    """The workbench: its store, templates and pages, and the ASGI app they make."""

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

        raise HTTPException(404, _("No such file"))

    # ---------------------------------------------------------------- errors

    async def http_error(self, request: Request, exc: HTTPException) -> Response:
        if request.headers.get("hx-request"):
            return HTMLResponse(f"<p class=refusal>{esc(exc.detail)}</p>", status_code=exc.status_code)
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
