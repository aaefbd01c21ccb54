"""Law as data: the instruments plugins supply, the version of each in force on a date, and the
legal findings of a village's documents.

Adopted on one date, rendered on another: docforge always renders the text in force on the signing
date (``--as-of``). A charter or convention adopted earlier whose text has changed since is therefore a
new draft, to be put before the 村民会议 again and filed with the township (村民委员会组织法第二十七条):
:func:`new_draft_notice` says so, and the adoption sheet leaves its dates blank. It never prints the
new text under the old adoption date. Inputs that contradict the signing date are notices naming the
field (:func:`date_notices`). Notices are not legal findings: they are listed beside them.
"""

from __future__ import annotations

import datetime as dt
from typing import cast
from dataclasses import dataclass

from .i18n import N_, _
from .models import (NATIONAL, Document, DocumentKind, Finding, Instrument, InstrumentVersion,
                     Jurisdiction, Village)
from .notices import date_notices, new_draft_notice  # noqa: F401 (re-exported: the law's notices)
from .plugins import PluginManager, get_plugin_manager


@dataclass
class InForce:
    instrument: Instrument
    version: InstrumentVersion | None
    plugin: str
    plugin_version: str | None
    jurisdiction: Jurisdiction

    def as_dict(self) -> dict:
        v = self.version
        return {"id": self.instrument.id, "name": (v.name if v and v.name else self.instrument.name),
                "issuer": self.instrument.issuer, "level": self.instrument.level,
                "version": v.label if v else None,
                "effective_from": v.effective_from.isoformat() if v else None,
                "effective_to": v.effective_to.isoformat() if v and v.effective_to else None,
                "articles": {k: a.number for k, a in (v.articles.items() if v else [])},
                "certainty": v.certainty if v else None, "repealed_by": v.repealed_by if v else None,
                "source": v.source if v else None,
                "plugin": self.plugin, "plugin_version": self.plugin_version,
                "jurisdiction": self.jurisdiction.name, "jurisdiction_level": self.jurisdiction.level.value}


def instruments_on(as_of: dt.date, village: Village | None = None, pm: PluginManager | None = None,
                   include_out_of_force: bool = False) -> list[InForce]:
    """Every instrument the installed plugins supply (for ``village``'s chain if given), with the
    version in force on ``as_of``."""
    pm = pm or get_plugin_manager()
    if village is not None:
        places = village.places()
    else:
        places = [NATIONAL] + [j for i in pm.infos.values() for j in i.jurisdictions if j.level != "national"]
    out: list[InForce] = []
    for impl in pm.hook.docforge_instruments.get_hookimpls():
        info = pm.info_of(impl.plugin_name)
        if village is not None and not pm.serves(info.name, places):
            continue  # a plugin's hooks are called only for villages it serves
        result = cast(list, pm.call_one("docforge_instruments", impl, {"places": places, "as_of": as_of}) or [])
        for raw in result:
            inst = raw if isinstance(raw, Instrument) else Instrument.model_validate(raw)
            jur = inst.jurisdiction or (info.jurisdictions[0] if len(info.jurisdictions) == 1 else NATIONAL)
            if village is not None and not any(jur.matches(p) for p in places):
                continue
            version = inst.version_on(as_of)
            if version is None and not include_out_of_force:
                continue
            out.append(InForce(inst, version, info.name, info.version, jur))
    out.sort(key=lambda x: (x.jurisdiction.level.rank, x.jurisdiction.name, x.instrument.id))
    return out


def offered(r, kind: DocumentKind) -> bool:
    """Whether any plugin supplies a text of ``kind`` on the resolver's date (the national layer offers
    no agreement from 2021-08-20)."""
    return bool(r.clause_tree(kind).nodes)


def check_village(village: Village, as_of: dt.date, pm: PluginManager | None = None) -> tuple[list[Document], list[Finding]]:
    """Resolve the six documents (agreements as blank forms; those no plugin offers on ``as_of`` are
    left out) and collect their legal findings, with those on the instruments themselves."""
    from .default_plugins.checks import registry_findings
    from .resolve import Resolver

    r = Resolver(village, as_of, pm)
    docs = [r.document(kind, blank=True) for kind in DocumentKind if offered(r, kind)]
    seen: set[tuple] = set()
    findings: list[Finding] = []
    insts = [(c.item, c.provenance.plugin) for c in r.instruments().values()]
    for f in [*(f for d in docs for f in d.findings), *registry_findings(insts, as_of)]:
        key = (f.check, f.document, f.clause, f.reason)
        if key not in seen:
            seen.add(key)
            findings.append(f)
    return docs, findings


def not_offered(village: Village, as_of: dt.date, pm: PluginManager | None = None) -> dict[str, str]:
    """The documents no plugin offers on ``as_of``, with why (the national layer's reason)."""
    from .default_plugins.national import document_withdrawn
    from .resolve import Resolver

    r = Resolver(village, as_of, pm)
    out = {}
    for kind in DocumentKind:
        if not offered(r, kind):
            why = document_withdrawn(kind, as_of)
            out[kind.value] = why["reason"] if why else "no plugin supplies its text"
    return out


@dataclass
class NotChecked:
    """A document ``check`` could not resolve, with the values no plugin supplies for it."""

    document: DocumentKind
    missing: list  # of resolve.MissingValue

    def as_dict(self) -> dict:
        return {"document": self.document.value, "missing": [m.as_dict() for m in self.missing]}

    def line(self) -> str:
        values = _("; ").join(_("{what} '{key}' ({needed_by})", what=_(_WHAT.get(m.what, m.what)), key=m.key,
                                  needed_by=m.needed_by) for m in self.missing)
        return _("{document}: not checked, it needs {values}", document=self.document.value, values=values)


_WHAT = {"amount": N_("amount"), "policy value": N_("policy value"), "instrument": N_("instrument")}


@dataclass
class VillageCheck:
    """What ``docforge check`` found: the documents it resolved, their findings, and the documents
    it could not resolve."""

    documents: list[Document]
    findings: list[Finding]
    not_checked: list[NotChecked]


def check_documents(village: Village, as_of: dt.date, pm: PluginManager | None = None) -> VillageCheck:
    """Check every document of the village that can be resolved (agreements as blank forms); list
    the others as not checked, each with every value it lacks. A province that supplies only what
    its charter needs can check its charter."""
    from .errors import MissingValueError
    from .resolve import Resolver

    from .default_plugins.checks import registry_findings

    r = Resolver(village, as_of, pm)
    docs: list[Document] = []
    not_checked: list[NotChecked] = []
    for kind in DocumentKind:
        if not offered(r, kind):
            continue  # not_offered() says why
        try:
            docs.append(r.document(kind, blank=True))
        except MissingValueError:
            not_checked.append(NotChecked(kind, r.missing_values(kind)))
    insts = [(c.item, c.provenance.plugin) for c in r.instruments().values()]
    return VillageCheck(docs, _unique_findings([*(f for d in docs for f in d.findings),
                                                *registry_findings(insts, as_of)]), not_checked)


def _unique_findings(found) -> list[Finding]:
    seen: set[tuple] = set()
    findings: list[Finding] = []
    for f in found:
        key = (f.check, f.document, f.clause, f.reason)
        if key not in seen:
            seen.add(key)
            findings.append(f)
    return findings
