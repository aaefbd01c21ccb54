"""Helpers for plugin authors' tests (pytest or plain ``assert``): a plugin manager holding docforge's
national layer and exactly your plugin, sample villages and households in your jurisdictions,
documents resolved and rendered to text, and assertions on a clause's text and provenance.

    import datetime as dt
    import docforge_henan
    from docforge import testing

    village = testing.sample_village(docforge_henan.HENAN, docforge_henan.CHANGGE)
    doc = testing.document("charter", village, docforge_henan, as_of=dt.date(2026, 11, 30))
    testing.assert_clause(doc, "changge.charter.incentives.education", contains="助学", plugin="docforge_henan")
    assert "第一章　总则" in testing.render_text("charter", village, docforge_henan)

Every helper takes the plugin as a module (or object) with ``@hookimpl`` functions, registered
under its module name, and nothing installed: the test shows what *your* plugin does. Pass
``installed=True`` to add the installed plugins as well (a county plugin whose province values
come from its province's plugin).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from .divisions import code_problem, contains, province_of
from .errors import PluginError
from .models import (Block, Document, DocumentKind, Household, Jurisdiction, Level, Village)
from .plugins import PluginManager, make_plugin_manager
from .resolve import Resolver

AS_OF = dt.date(2026, 11, 30)
PLACEHOLDER_NAMES = {Level.province: "示例省", Level.county: "示例县", Level.township: "示例镇",
                     Level.village: "示例村"}


def plugin_manager(*plugins: Any, installed: bool = False) -> PluginManager:
    """docforge's national layer plus ``plugins`` (and, with ``installed=True``, the installed
    entry-point plugins). A plugin that is invalid (an unknown hook, a default argument, no
    jurisdiction …) raises :class:`PluginError` with the reason instead of being left out."""
    pm = make_plugin_manager(load_entrypoints=installed, extra=tuple(plugins))
    mine = {getattr(p, "__name__", None) for p in plugins}
    bad = [i for i in pm.failed if not installed or i.name in mine]
    if bad:
        raise PluginError("; ".join(i.error_line() for i in bad))
    return pm


def _jurisdictions(items: Iterable[Any]) -> list[Jurisdiction]:
    out: list[Jurisdiction] = []
    for x in items:
        if isinstance(x, Jurisdiction):
            out.append(x)
        elif isinstance(x, dict):
            out.append(Jurisdiction.model_validate(x))
        else:  # a plugin: the places it declares
            fn = getattr(x, "docforge_jurisdictions", None)
            out.extend(_jurisdictions(fn() if fn else []))
    return out


def sample_village(*places: Any, township: str | None = None, village: str | None = None,
                   **fields: Any) -> Village:
    """A valid village whose place chain holds ``places`` (:class:`Jurisdiction` objects, dicts, or
    a plugin, meaning all it declares; give one place per level). A missing province is taken from
    the county's code (GB/T 2260) where it has one; other missing levels get sample names (示例县,
    示例镇, 示例村; the prefecture is left out). ``fields`` set other village fields
    (``committee``, ``groups``, ``charter`` …)."""
    given = _jurisdictions(places)
    by_level: dict[Level, Jurisdiction] = {}
    for j in sorted(given, key=lambda j: j.level.rank):
        if j.level in by_level:
            raise ValueError(f"sample_village: two places at the {j.level.value} level ({by_level[j.level]}, {j}); "
                             f"give one place per level")
        by_level[j.level] = j
    if Level.province not in by_level:
        lower = next((j for j in given if j.code), None)
        by_level[Level.province] = province_of(lower.code if lower else None) or \
            Jurisdiction(level=Level.province, name=PLACEHOLDER_NAMES[Level.province])
    # Only names and codes are taken from here: a township or village jurisdiction of its own would
    # need its whole chain, which the village file gives them.
    named: dict[Level, tuple[str, str | None]] = {lv: (j.name, j.code) for lv, j in by_level.items()}
    if township:
        named[Level.township] = (township, None)
    if village:
        named[Level.village] = (village, None)
    data: dict[str, Any] = {}
    for level in (Level.province, Level.prefecture, Level.county, Level.township, Level.village):
        name_code = named.get(level)
        if name_code is None and level in PLACEHOLDER_NAMES:
            name_code = (PLACEHOLDER_NAMES[level], None)
        if name_code is not None:
            data[level.value] = {"name": name_code[0], **({"code": name_code[1]} if name_code[1] else {})}
    data.setdefault("committee", {"legal_representative": "张主任"})
    data.update(fields)
    return Village.model_validate(data)


def villages_for(plugin: Any) -> list[Village]:
    """One sample village per most specific place a plugin declares (each county of a province
    plugin, or the province itself when it declares nothing below), with the broader places it
    declares that contain it."""
    declared = [j if not code_problem(j) else j.model_copy(update={"code": None})  # a malformed code: by name
                for j in _jurisdictions([plugin]) if j.level != Level.national]
    out = []
    for j in declared:
        below = [k for k in declared if k.level.rank > j.level.rank and contains(j, k) is not False]
        if below:
            continue
        chain = [j] + [k for k in declared if k.level.rank < j.level.rank and contains(k, j) is not False
                       and k.level not in (j.level,)]
        per_level: dict[Level, Jurisdiction] = {}
        for k in chain:
            per_level.setdefault(k.level, k)
        out.append(sample_village(*per_level.values()))
    return out


def sample_households(village: Village | None = None) -> dict[str, Household]:
    """A household for each agreement kind, living in ``village``: ``contraception`` and
    ``birth-spacing`` (one child, a second planned: both), ``outflow`` (working away) and
    ``inflow`` (from elsewhere, arrived in the village). No identity numbers."""
    v = village or sample_village()
    group = (v.groups[0] if v.groups else "第一村民小组")
    here = f"{v.province.name}{v.county.name}{v.township.name}{v.village.name}{group}"
    planned = Household.model_validate({
        "id": "T01", "group": group, "marriage_date": "2015-10-01", "plans_another_child": True,
        "husband": {"name": "李强", "birth_date": "1990-01-01"}, "wife": {"name": "王芳", "birth_date": "1992-05-01"},
        "children": [{"birth_date": "2020-03-01"}], "contraception": "short_acting"})
    outflow = Household.model_validate({
        "id": "T02", "group": group, "marriage_date": "2016-02-01", "migration": "outflow",
        "destination": "广东省东莞市", "certificate_valid_from": "2026-01-01", "certificate_valid_to": "2028-12-31",
        "husband": {"name": "杨帆", "birth_date": "1992-09-30", "registered_address": here,
                    "current_address": "广东省东莞市长安镇", "phone": "13900000002"},
        "wife": {"name": "黄丽", "birth_date": "1993-04-11", "registered_address": here,
                 "current_address": "广东省东莞市长安镇"},
        "children": [{"birth_date": "2018-04-20"}]})
    inflow = Household.model_validate({
        "id": "T03", "group": group, "marriage_date": "2014-05-01", "migration": "inflow",
        "origin": "四川省成都市双流区", "arrived_on": "2026-03-01",
        "certificate_valid_from": "2026-03-01", "certificate_valid_to": "2029-02-28",
        "husband": {"name": "周杰", "birth_date": "1989-02-14", "registered_address": "四川省成都市双流区",
                    "current_address": here, "phone": "13700000003"},
        "wife": {"name": "吴芳", "birth_date": "1991-06-27", "registered_address": "四川省成都市双流区",
                 "current_address": here},
        "children": [{"birth_date": "2015-11-11"}]})
    return {"contraception": planned, "birth-spacing": planned, "outflow": outflow, "inflow": inflow}


def offered_on(kind: str | DocumentKind, as_of: dt.date = AS_OF) -> dt.date:
    """``as_of`` if the national layer offers ``kind`` then, else the last day it did: the four
    agreements are not offered from 2021-08-20 (docs/law.md), so a test of their text signs them on
    2021-08-19 at the latest."""
    from .default_plugins.national import document_withdrawn

    gone = document_withdrawn(kind, as_of)
    return as_of if gone is None else gone["effective_from"] - dt.timedelta(days=1)


def resolver(village: Village, *plugins: Any, as_of: dt.date = AS_OF, installed: bool = False) -> Resolver:
    """A :class:`Resolver` for ``village`` with the national layer and ``plugins``."""
    return Resolver(village, as_of, plugin_manager(*plugins, installed=installed))


def document(kind: str | DocumentKind, village: Village, *plugins: Any, household: Household | None = None,
             as_of: dt.date = AS_OF, installed: bool = False) -> Document:
    """The resolved, numbered document. An agreement without ``household`` is the blank form."""
    return resolver(village, *plugins, as_of=as_of, installed=installed).document(
        kind, household, blank=household is None)


def render_text(kind: str | DocumentKind, village: Village, *plugins: Any, household: Household | None = None,
                as_of: dt.date = AS_OF, installed: bool = False) -> list[str]:
    """The document rendered to DOCX with its template (yours, if your plugin supplies one) and read
    back: its non-empty paragraphs, as a reader sees them (``第一条　…``, ``（一）…``)."""
    from .render.docx import docx_text, render_docx_fast

    doc = document(kind, village, *plugins, household=household, as_of=as_of, installed=installed)
    return docx_text(render_docx_fast(doc))


def find_clause(doc: Document, clause_id: str) -> Block:
    """The block of ``clause_id``, or an AssertionError listing the ids the document has."""
    block = next((b for b in doc.blocks if b.id == clause_id), None)
    if block is None:
        near = [b.id for b in doc.blocks if b.id.split(".")[0] == clause_id.split(".")[0]][:40]
        raise AssertionError(f"{doc.kind.value} has no clause '{clause_id}'; it has: {', '.join(near)}")
    return block


def assert_clause(doc: Document, clause_id: str, *, text: str | None = None, contains: str | None = None,
                  label: str | None = None, plugin: str | None = None, jurisdiction: str | None = None) -> Block:
    """Assert what clause ``clause_id`` of ``doc`` says (``text`` exactly, or ``contains``), its number
    (``label``, e.g. ``第九条`` or ``（五）``) and who supplied it (``plugin`` name, ``jurisdiction`` name).
    Returns the block."""
    b = find_clause(doc, clause_id)
    problems = []
    if text is not None and b.text != text:
        problems.append(f"text is {b.text!r}, expected {text!r}")
    if contains is not None and contains not in b.text:
        problems.append(f"text {b.text!r} does not contain {contains!r}")
    if label is not None and b.label != label:
        problems.append(f"number is {b.label!r}, expected {label!r}")
    if plugin is not None and b.provenance.plugin != plugin:
        problems.append(f"supplied by plugin {b.provenance.plugin!r}, expected {plugin!r}")
    if jurisdiction is not None and b.provenance.jurisdiction.name != jurisdiction:
        problems.append(f"jurisdiction is {b.provenance.jurisdiction.name!r}, expected {jurisdiction!r}")
    if problems:
        raise AssertionError(f"clause '{clause_id}' of {doc.kind.value}: " + "; ".join(problems))
    return b


def assert_value(doc: Document, key: str, *, value: str | None = None, plugin: str | None = None,
                 jurisdiction: str | None = None) -> None:
    """Assert an amount, policy value or citation ``key`` that ``doc`` used: its text as printed
    (``value``, e.g. ``人民币伍佰元整（¥500.00）``) and who supplied it."""
    use = next((u for u in doc.values if u.key == key), None)
    if use is None:
        raise AssertionError(f"{doc.kind.value} uses no value '{key}'; it uses: {', '.join(u.key for u in doc.values)}")
    problems = []
    if value is not None and use.value != value:
        problems.append(f"is {use.value!r}, expected {value!r}")
    if plugin is not None and use.provenance.plugin != plugin:
        problems.append(f"supplied by plugin {use.provenance.plugin!r}, expected {plugin!r}")
    if jurisdiction is not None and use.provenance.jurisdiction.name != jurisdiction:
        problems.append(f"jurisdiction is {use.provenance.jurisdiction.name!r}, expected {jurisdiction!r}")
    if problems:
        raise AssertionError(f"value '{key}' of {doc.kind.value}: " + "; ".join(problems))
