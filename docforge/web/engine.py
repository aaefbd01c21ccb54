"""The workbench's bridge to the engine: it calls docforge's public functions and adds nothing of
its own to resolution, numbering, checking or rendering.

A draft's *state* is plain JSON::

    {"village": {...the village file's fields...}, "as_of": "2026-11-30", "edits": [Clause, ...]}

``edits`` are the committee's changes to the documents, each with exactly the shape of
:class:`docforge.models.Clause` (op add/replace/remove, id, document, type, text, after, tags).
They are the village's own layer: contributed for the village's jurisdiction (the most specific of
its chain) under the plugin name :data:`LAYER_NAME`, so they take precedence over every plugin and
carry that provenance. When the village file itself carries a ``clauses:`` section (the engine
reads it as the village's layer), the edits go there; otherwise a small plugin object registered
for the request returns them from ``docforge_clauses``. Either way the village YAML the workbench
exports holds them under ``clauses:``.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..hookspecs import hookimpl
from ..inputs import describe_errors, error_texts
from ..models import Clause, Document, DocumentKind, Household, Jurisdiction, Level, Village
from ..plugins import PluginManager, get_plugin_manager, make_plugin_manager
from ..resolve import Resolver

VILLAGE_CLAUSES = "clauses" in Village.model_fields  # the village file carries the village's own layer
try:
    from ..resolve import VILLAGE_FILE as LAYER_NAME  # the provenance the engine gives the village's clauses
except ImportError:  # an engine without village clauses: the edits come from a plugin object
    LAYER_NAME = "village draft"

KIND_LABELS = {
    "charter": "自治章程", "convention": "自治公约", "contraception": "落实避孕节育措施协议书",
    "birth-spacing": "生育间隔协议书", "outflow": "流出人口计划生育管理协议", "inflow": "流入人口计划生育管理协议",
}
LEVEL_LABELS = {lv.value: lv.label for lv in Level}
#: What the engine's legal checks look for in a clause's tags, as a committee reads it.
TAG_LABELS = {
    "deposit_forfeit": "没收保证金", "sanction": "处罚、罚款", "social_maintenance_fee": "收取社会抚养费",
    "contraception_duty": "规定必须采取节育措施",
}


def new_state(as_of: dt.date | None = None) -> dict[str, Any]:
    return {"village": {}, "as_of": (as_of or dt.date.today()).isoformat(), "edits": []}


def as_of(state: dict[str, Any]) -> dt.date:
    try:
        return dt.date.fromisoformat(state.get("as_of") or "")
    except ValueError:
        return dt.date.today()


class VillageInvalid(Exception):
    """The draft's village data does not validate: ``errors`` maps a field path to the CLI's words."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))


def field_errors(e: ValidationError) -> dict[str, list[str]]:
    """Pydantic's errors by field path, each in the words ``docforge`` prints (no input values)."""
    out: dict[str, list[str]] = {}
    for text, err in zip(error_texts(e), e.errors(), strict=False):
        loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
        out.setdefault(loc, []).append(str(text.values["reason"]))
    return out


def village_of(state: dict[str, Any], adopted_on: dt.date | None = None) -> Village:
    data = dict(state.get("village") or {})
    if VILLAGE_CLAUSES:
        data["clauses"] = list(state.get("edits") or [])
    if adopted_on is not None:  # an adopted version: the adoption sheet records the date
        for doc in ("charter", "convention"):
            adoption = dict(data.get(doc) or {})
            adoption.setdefault("adopted_on", adopted_on.isoformat())
            if not adoption.get("adopted_on"):
                adoption["adopted_on"] = adopted_on.isoformat()
            data[doc] = adoption
    try:
        return Village.model_validate(data)
    except ValidationError as e:
        raise VillageInvalid(field_errors(e)) from None


class VillageLayer:
    """The committee's edits as the village's own layer: a plugin object for one request."""

    def __init__(self, village: Village, edits: list[dict[str, Any]]):
        self.__name__ = LAYER_NAME
        self.jurisdiction = village.places()[-1]
        self.clauses = [Clause.model_validate({**e, "jurisdiction": self.jurisdiction.model_dump()}) for e in edits]

    @hookimpl
    def docforge_jurisdictions(self) -> list[Jurisdiction]:
        return [self.jurisdiction]

    @hookimpl
    def docforge_clauses(self, document, places, as_of):
        return [c for c in self.clauses if c.document == DocumentKind(document)] or None


def plugin_manager(village: Village, edits: list[dict[str, Any]]) -> PluginManager:
    if VILLAGE_CLAUSES or not edits:
        return get_plugin_manager()
    return make_plugin_manager(extra=(VillageLayer(village, edits),))


def resolver(state: dict[str, Any], adopted_on: dt.date | None = None) -> Resolver:
    village = village_of(state, adopted_on)
    return Resolver(village, as_of(state), plugin_manager(village, state.get("edits") or []))


def document(r: Resolver, kind: str, household: Household | None = None) -> Document:
    return r.document(kind, household, blank=household is None)


# --------------------------------------------------------------------------- the preview


@dataclass
class Row:
    """One block of a preview: the engine's block, where it came from, its findings, and whether
    the committee may edit it."""

    id: str
    type: str
    label: str
    text: str
    display: str
    depth: int
    source: str
    level: str
    legal_basis: str | None
    raw: str
    tags: list[str]
    findings: list[Any] = field(default_factory=list)
    village: bool = False


def preview(r: Resolver, kind: str, household: Household | None = None) -> tuple[Document, list[Row], list[Any]]:
    """The document, its blocks as rows (with the clause's raw text, placeholders kept, for
    editing), and the findings that concern no single clause."""
    doc = document(r, kind, household)
    tree = r.clause_tree(DocumentKind(kind))
    by_clause: dict[str, list[Any]] = {}
    general = []
    for f in doc.findings:
        if f.clause:
            by_clause.setdefault(f.clause, []).append(f)
        else:
            general.append(f)
    rows = []
    for b in doc.blocks:
        p = b.provenance
        node = tree.nodes.get(b.id)
        rows.append(Row(id=b.id, type=b.type, label=b.label, text=b.text, display=b.display, depth=b.depth,
                        source=f"{p.plugin}{' ' + p.version if p.version else ''}",
                        level=f"{p.jurisdiction.name}（{LEVEL_LABELS.get(p.jurisdiction.level.value, '')}）",
                        legal_basis=p.legal_basis, raw=(node.clause.text if node else b.text) or "",
                        tags=list(b.tags), findings=by_clause.get(b.id, []),
                        village=p.jurisdiction.level == Level.village))
    return doc, rows, general


# --------------------------------------------------------------------------- edits


class EditError(ValueError):
    pass


def _find(edits: list[dict[str, Any]], kind: str, cid: str, op: str | None = None) -> int | None:
    for i, e in enumerate(edits):
        if e.get("id") == cid and e.get("document") == kind and (op is None or e.get("op") == op):
            return i
    return None


def _clean(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise EditError("条文不能为空（删除条文请用“删除”）")
    if "\n" in text:
        text = " ".join(x.strip() for x in text.split("\n") if x.strip())
    return text


def edit_text(edits: list[dict[str, Any]], kind: str, cid: str, text: str, tags: list[str] | None) -> list[dict[str, Any]]:
    """Change a clause's text (and what the legal checks look for): the village layer's own added
    clause is changed in place; another's gets a ``replace`` by the same id."""
    edits = [dict(e) for e in edits]
    text = _clean(text)
    i = _find(edits, kind, cid, "add")
    if i is not None:
        edits[i]["text"] = text
        if tags is not None:
            edits[i]["tags"] = tags
        return edits
    j = _find(edits, kind, cid, "replace")
    e: dict[str, Any] = {"op": "replace", "id": cid, "document": kind, "text": text}
    if tags is not None:
        e["tags"] = tags
    if j is not None:
        edits[j] = e
    else:
        edits.append(e)
    return edits


def remove(edits: list[dict[str, Any]], kind: str, cid: str) -> list[dict[str, Any]]:
    """Remove a clause: the layer's own addition is dropped (with clauses placed after it moved to
    its place); another's gets a ``remove`` by the same id."""
    edits = [dict(e) for e in edits]
    i = _find(edits, kind, cid, "add")
    if i is not None:
        gone = edits.pop(i)
        for e in edits:  # what was placed after the removed addition now follows its anchor
            if e.get("after") == cid and e.get("document") == kind:
                e["after"] = gone.get("after")
                if gone.get("after") is None:
                    e.pop("after")
                    if gone.get("parent"):
                        e["parent"] = gone["parent"]
        return [e for e in edits if not (e.get("id", "").startswith(cid + ".") and e.get("document") == kind)]
    edits = [e for e in edits if not (e.get("id") == cid and e.get("document") == kind)]
    edits.append({"op": "remove", "id": cid, "document": kind})
    return edits


def add_after(edits: list[dict[str, Any]], kind: str, after: str, text: str, type_: str,
              tags: list[str] | None) -> tuple[list[dict[str, Any]], str]:
    """A new clause after ``after`` (same parent), with an id of the village layer."""
    edits = [dict(e) for e in edits]
    text = _clean(text)
    taken = {e["id"] for e in edits}
    n = 1
    while f"village.{kind}.{n}" in taken:
        n += 1
    cid = f"village.{kind}.{n}"
    e: dict[str, Any] = {"op": "add", "id": cid, "document": kind, "type": type_, "text": text, "after": after}
    if tags:
        e["tags"] = tags
    Clause.model_validate(e)
    edits.append(e)
    return edits, cid


# --------------------------------------------------------------------------- YAML in and out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def village_yaml(state: dict[str, Any], adopted_on: dt.date | None = None) -> str:
    """The village file the CLI reads, with the committee's edits under ``clauses:``."""
    village = village_of(state, adopted_on)
    data = village.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    data.pop("clauses", None)
    first = ("province", "prefecture", "county", "township", "village", "committee")
    data = {**{k: data[k] for k in first if k in data}, **{k: v for k, v in data.items() if k not in first}}
    edits = state.get("edits") or []
    if edits:
        data["clauses"] = [{k: v for k, v in e.items() if v not in (None, [])} for e in edits]
    head = (f"# 村规民约草稿，由 docforge serve 导出；签订日期 {as_of(state).isoformat()}\n"
            f"# docforge render charter --village THIS.yaml --as-of {as_of(state).isoformat()} --draft -o charter.docx\n"
            f"# （已通过的版本不加 --draft）\n")
    return head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def state_from_yaml(text: str, as_of_date: dt.date | None = None) -> dict[str, Any]:
    """A draft's state from a village file's text; raises VillageInvalid with the CLI's words."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise VillageInvalid({"(文件)": [f"not valid YAML: {e}"]}) from None
    if not isinstance(data, dict):
        raise VillageInvalid({"(文件)": [f"expected a mapping of fields at the top level, found {type(data).__name__}"]})
    data = _plain(data)  # YAML dates become the ISO text the form and the JSON store hold
    edits = data.pop("clauses", None) or []
    if not isinstance(edits, list):
        raise VillageInvalid({"clauses": ["must be a list of clause operations"]})
    problems: dict[str, list[str]] = {}
    for n, edit in enumerate(edits):
        try:
            Clause.model_validate(edit)
        except ValidationError as err:
            problems.setdefault(f"clauses.{n}", []).extend(describe_errors(err))
    state = {"village": data, "as_of": (as_of_date or dt.date.today()).isoformat(), "edits": edits}
    try:
        Village.model_validate({k: v for k, v in data.items()})
    except ValidationError as err:
        problems.update(field_errors(err))
    if problems:
        raise VillageInvalid(problems)
    return state


# --------------------------------------------------------------------------- downloads


def docx_bytes(doc: Document, draft: bool) -> bytes:
    """The DOCX that ``docforge render KIND --village FILE [--draft]`` writes for the same inputs."""
    from ..render.docx import render_docx_fast

    return render_docx_fast(doc, draft=draft)


def pdf_bytes(doc: Document, draft: bool) -> bytes:
    from ..render.pdf import convert

    with tempfile.TemporaryDirectory(prefix="docforge-web-") as tmp:
        src = Path(tmp) / f"{doc.kind.value}.docx"
        src.write_bytes(docx_bytes(doc, draft))
        out = convert(src, Path(tmp) / f"{doc.kind.value}.pdf", date=doc.as_of)
        return out.read_bytes()


def safe_filename(text: str) -> str:
    """A download's name from a village's name: no path separators, no control characters."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", text).strip(". ") or "document"


# --------------------------------------------------------------------------- comparison


def compare(old: Document, new: Document) -> list[dict[str, Any]]:
    """The 修订对照表 rows of :func:`docforge.compare.compare_documents`: each unit's passages as
    printed, what changed and its 修订依据 in words."""
    from ..compare import compare_documents

    out = []
    for row in compare_documents(old, new, include_unchanged=False).rows:
        lines = row.basis_lines
        out.append({"id": row.id, "old": "\n".join(p.text for p in row.old),
                    "new": "\n".join(p.text for p in row.new), "change": lines[0].rstrip("。"),
                    "basis": "；".join(lines[1:])})
    return out


def default_state(state: dict[str, Any]) -> dict[str, Any]:
    """The same village without the committee's edits: the national and county text."""
    return {**state, "edits": []}


def jurisdiction_choices() -> list[dict[str, Any]]:
    """The places the installed plugins speak for, most specific first, with their province."""
    pm = get_plugin_manager()
    provinces = [j for i in pm.infos.values() for j in i.jurisdictions if j.level == Level.province]
    out = []
    for info in pm.infos.values():
        if info.default or info.error:
            continue
        for j in info.jurisdictions:
            if j.level in (Level.national, Level.province):
                continue
            same = [p for p in info.jurisdictions if p.level == Level.province]
            code_prov = [p for p in provinces if p.code and j.code and p.code[:2] == j.code[:2]]
            prov = next(iter(code_prov or same), None)
            out.append({"level": j.level.value, "name": j.name, "code": j.code or "", "plugin": info.name,
                        "province": prov.name if prov else "", "province_code": (prov.code or "") if prov else ""})
    seen = set()
    for info in pm.infos.values():
        if info.default or info.error:
            continue
        for j in info.jurisdictions:
            if j.level == Level.province and j.key() not in seen:
                seen.add(j.key())
    return sorted(out, key=lambda x: (x["province"], x["name"]))


def roster_check(village: Village, data: bytes, suffix: str, on: dt.date, display_name: str):
    """The roster's report (``docforge check --roster``) and the problems sheet's bytes."""
    from ..roster import check_roster, write_problem_sheet

    with tempfile.TemporaryDirectory(prefix="docforge-web-") as tmp:
        path = Path(tmp) / f"roster{suffix}"
        path.write_bytes(data)
        report = check_roster(village, path, on)
        sheet = None
        if report.problems:
            out = Path(tmp) / "problems.xlsx"
            write_problem_sheet(report, None, out)
            sheet = out.read_bytes()
    report = report.model_copy(update={"file": display_name})  # its problems name the file so too
    return report, sheet


def roster_households(village: Village, data: bytes, suffix: str, on: dt.date) -> list[tuple[int, Household]]:
    """The roster's valid households (rows with errors left out), as ``docforge bundle --skip-bad-rows`` reads them."""
    from ..roster import RosterError, iter_households

    with tempfile.TemporaryDirectory(prefix="docforge-web-") as tmp:
        path = Path(tmp) / f"roster{suffix}"
        path.write_bytes(data)
        try:
            return list(iter_households(village, path, on, skip_bad=True))
        except RosterError:
            return []


def buffer(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
