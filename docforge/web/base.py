"""What every page of the workbench stands on: its store, templates and guards, and the helpers the
pages share (a page's response, the draft, version or document a URL names, a bundle's folder and
files). The pages by area (:mod:`.drafts`, :mod:`.downloads`, :mod:`.rosters`) derive from
:class:`WorkbenchBase`, and :class:`~docforge.web.app.Workbench` from them."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from ..errors import mask_id
from ..i18n import _
from . import engine as E
from . import security as S
from .guards import Gate
from .shared import KINDS
from .store import Draft, Store, Version


HERE = Path(__file__).parent
_NAV = {"village": "village", "document": "doc", "versions": "versions", "compare": "versions",
        "roster": "roster", "downloads": "downloads"}


class WorkbenchBase:
    """The workbench's state and the helpers its pages share."""

    #: The password gate in front of the app (set when the app is built: ``Workbench.build``).
    gate: Gate

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
        self.bundle_lock = threading.Lock()

    # ---------------------------------------------------------------- pages

    def page(self, request: Request, name: str, status: int = 200, **ctx: Any) -> Response:
        ctx.setdefault("draft", None)
        ctx.setdefault("nav", _NAV.get(name.lstrip("_").split(".")[0]))
        return self.templates.TemplateResponse(request, name, {"csrf": request.state.csrf, **ctx}, status_code=status)

    def draft_or_404(self, request: Request) -> Draft:
        try:
            draft_id = int(request.path_params["draft_id"])
        except (KeyError, ValueError):
            raise HTTPException(404, _("No such draft")) from None
        d = self.store.draft(draft_id)
        if d is None:
            raise HTTPException(404, _("No such draft"))
        return d

    def version_of(self, draft: Draft, raw: str | None) -> Version | None:
        """A version of the draft chosen by its id in the query (None: the working copy)."""
        if not raw or raw == "draft":
            return None
        try:
            return self.version_or_404(draft, int(raw))
        except ValueError:
            raise HTTPException(404, _("No such version")) from None

    def version_or_404(self, draft: Draft, version_id: int) -> Version:
        """The version of the draft that a URL names by its id."""
        v = self.store.version(version_id)
        if v is None or v.draft_id != draft.id:
            raise HTTPException(404, _("No such version"))
        return v

    @staticmethod
    def kind_or_404(kind: str) -> str:
        if kind not in KINDS:
            raise HTTPException(404, _("No such document"))
        return kind

    def download_state(self, d: Draft, which: str | None) -> tuple[dict[str, Any], dt.date | None, bool, str]:
        """The state to generate from (the draft's, or a version's chosen by ``which``), its adoption
        date, whether it is a draft (征求意见稿) and its label in a file name."""
        v = self.version_of(d, which)
        if v is None:
            return d.state, None, True, "草稿"
        adopted = dt.date.fromisoformat(v.adopted_on) if v.adopted_on else None
        return v.state, adopted, adopted is None, f"第{v.number}版"

    # ---------------------------------------------------------------- bundles

    def bundle_dir(self, bundle_id: int) -> Path:
        return self.data_dir / "bundles" / str(int(bundle_id))

    def bundle_files(self, bundle: sqlite3.Row | None) -> dict[str, Any] | None:
        """What a finished bundle run offers for download: the village packet and each household's."""
        if bundle is None or bundle["status"] != "done":
            return None
        out = self.bundle_dir(bundle["id"]) / "bundle"
        try:
            manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        households = [h for h in manifest.get("households", []) if h.get("packet")]
        return {"village": (out / "village" / "packet.pdf").exists(), "households": households}
