"""The national layer: the base text of the six documents (seed 篇2 annexes), versioned by date the
way the law is, the national instruments they cite, and the national policy defaults.

The seed's text is the text in force until the law changed it. A clause of ``data/<kind>.yaml`` may
carry ``versions``: each later text from its ``effective_from`` (until the next one starts), with its
legal ``basis`` (instrument, version, article id, note) as data; a version with ``removed: true``
withdraws the clause and everything under it from that date, with the basis of the withdrawal. A
clause that first appears later has its own ``effective_from``. A document whose national text ends
on a date (the four agreements, from 2021-08-20) says so in its ``withdrawn`` entry, with its basis.
:func:`clauses_on` gives the clauses in force on a date, :func:`withdrawn_clauses` those the law has
removed by then (with why), :func:`document_withdrawn` the reason a document has no national text.

Province and county plugins change all of it through the same hooks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from ..hookspecs import hookimpl
from ..models import NATIONAL, Basis, Clause, DocumentKind, Instrument, PolicyValue

DATA = Path(__file__).parent / "data"
_DAY = dt.timedelta(days=1)


@dataclass
class _Version:
    """One text of a national clause, in force from ``start`` (None: always) until ``end`` (inclusive)."""

    start: dt.date | None
    end: dt.date | None
    removed: bool
    fields: dict  # type, text, tags, basis


@dataclass
class _Node:
    id: str
    versions: list[_Version]
    children: list["_Node"] = field(default_factory=list)

    def on(self, as_of: dt.date) -> _Version | None:
        return next((v for v in self.versions if (v.start is None or v.start <= as_of)
                     and (v.end is None or as_of <= v.end)), None)


@dataclass
class _Text:
    kind: DocumentKind
    nodes: list[_Node]
    withdrawn: dict | None  # effective_from, reason, basis


def _node(raw: dict) -> _Node:
    raw = dict(raw)
    kids = raw.pop("children", [])
    later = raw.pop("versions", [])
    cid = raw.pop("id")
    start = raw.pop("effective_from", None)
    steps = [(start, False, raw)] + [(v["effective_from"], bool(v.get("removed")),
                                      {k: x for k, x in v.items() if k not in ("effective_from", "removed")})
                                     for v in later]
    starts = [s for s, _, _ in steps[1:]]
    if starts != sorted(starts) or (start and starts and starts[0] <= start):
        raise ValueError(f"national clause {cid}: its versions must follow one another in time")
    versions: list[_Version] = []
    base: dict = {}
    for i, (s, removed, fields) in enumerate(steps):
        end = steps[i + 1][0] - _DAY if i + 1 < len(steps) else None
        merged = fields if i == 0 else {**{k: base[k] for k in ("type",) if k in base}, **fields}
        if i == 0:
            base = fields
        versions.append(_Version(s, end, removed, merged))
    return _Node(cid, versions, [_node(k) for k in kids])


@cache
def national_text(kind: DocumentKind) -> _Text:
    data = yaml.safe_load((DATA / f"{kind.value}.yaml").read_text(encoding="utf-8"))
    return _Text(kind, [_node(raw) for raw in data["clauses"]], data.get("withdrawn"))


def _clause(kind: DocumentKind, node: _Node, v: _Version, parent: str | None) -> Clause:
    return Clause(id=node.id, document=kind, parent=parent, effective_from=v.start, effective_to=v.end,
                  **{k: x for k, x in v.fields.items() if k in ("type", "text", "tags", "basis", "legal_basis")})


def document_withdrawn(kind: DocumentKind | str, as_of: dt.date) -> dict | None:
    """Why the national layer has no text of ``kind`` on ``as_of`` (``effective_from``, ``reason``,
    ``basis``), or None while it has one."""
    w = national_text(DocumentKind(kind)).withdrawn
    if w and as_of >= w["effective_from"]:
        return {**w, "basis": [Basis.model_validate(b) for b in w.get("basis", [])]}
    return None


def clauses_on(kind: DocumentKind | str, as_of: dt.date) -> list[Clause]:
    """The national clauses of ``kind`` in force on ``as_of``, parents before children."""
    kind = DocumentKind(kind)
    if document_withdrawn(kind, as_of):
        return []
    out: list[Clause] = []

    def walk(nodes: list[_Node], parent: str | None) -> None:
        for n in nodes:
            v = n.on(as_of)
            if v is None or v.removed:
                continue
            out.append(_clause(kind, n, v, parent))
            walk(n.children, n.id)

    walk(national_text(kind).nodes, None)
    return out


def withdrawn_clauses(kind: DocumentKind | str, as_of: dt.date) -> list[Clause]:
    """The national clauses of ``kind`` that the law has withdrawn by ``as_of``: each with the text it
    had before (``effective_to`` its last day) and the ``basis`` of the withdrawal. A withdrawn clause's
    children are listed too (with the same basis). A whole document withdrawn lists its clauses."""
    kind = DocumentKind(kind)
    whole = document_withdrawn(kind, as_of)
    out: list[Clause] = []

    def walk(nodes: list[_Node], parent: str | None, gone: list[Basis] | None, end: dt.date | None) -> None:
        for n in nodes:
            v = n.on(as_of)
            basis, last_day = gone, end
            if basis is None and v is not None and v.removed:
                basis = [Basis.model_validate(b) for b in v.fields.get("basis", [])]
                assert v.start is not None  # a removal has a date
                last_day = v.start - _DAY
            if basis is not None:
                before = n.on(last_day) if last_day else None
                if before is not None and not before.removed:
                    c = _clause(kind, n, before, parent)
                    out.append(c.model_copy(update={"basis": basis, "effective_to": last_day}))
            walk(n.children, n.id, basis, last_day)

    if whole:
        last = whole["effective_from"] - _DAY
        walk(national_text(kind).nodes, None, whole["basis"], last)
    else:
        walk(national_text(kind).nodes, None, None, None)
    return out


def base_clauses(kind: DocumentKind) -> tuple[Clause, ...]:
    """The seed's clauses of ``kind`` (the national text before any later version)."""
    return tuple(clauses_on(kind, dt.date(2002, 9, 1)))


@cache
def national_instruments() -> tuple[Instrument, ...]:
    data = yaml.safe_load((DATA / "instruments.yaml").read_text(encoding="utf-8"))
    return tuple(Instrument.model_validate(i) for i in data["instruments"])


NATIONAL_POLICIES = {
    "marriage_age.men": 22,  # 婚姻法 / 民法典第一千零四十七条
    "marriage_age.women": 20,
    "hearing.frequency": "每季度",
    "inflow.party_a": "村民委员会",
    "copies.contraception": ["甲方", "乙方"],
    "copies.birth_spacing": ["甲方", "乙方"],
    "copies.outflow": ["甲方", "乙方"],
    "copies.inflow": ["甲方", "乙方", "县公证处", "市公证处"],
}


@hookimpl
def docforge_jurisdictions():
    return [NATIONAL]


@hookimpl
def docforge_clauses(document, places, as_of):
    return clauses_on(DocumentKind(document), as_of)


@cache
def agreement_forms() -> tuple[PolicyValue, ...]:
    """The agreements' party lines, signature blocks and term (``data/forms.yaml``), as policy values."""
    data = yaml.safe_load((DATA / "forms.yaml").read_text(encoding="utf-8"))
    return tuple(PolicyValue.model_validate({"legal_basis": "seed 篇2 附件", **p}) for p in data["policies"])


@hookimpl
def docforge_policies(places, as_of):
    return [*(PolicyValue(key=k, value=v, legal_basis="seed 篇2 附件") for k, v in NATIONAL_POLICIES.items()),
            *agreement_forms()]


@hookimpl
def docforge_instruments(places, as_of):
    return list(national_instruments())
