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
from dataclasses import dataclass

from .i18n import N_, _, date_zh
from .models import (NATIONAL, Document, DocumentKind, Finding, Household, Instrument, InstrumentVersion,
                     Jurisdiction, Village)
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
        result = pm.call_one("docforge_instruments", impl, {"places": places, "as_of": as_of}) or []
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


def _notice(check: str, kind: DocumentKind, field: str, reason: str, reason_zh: str) -> Finding:
    return Finding(check=check, document=kind.value, clause=field, plugin="docforge", reason=reason,
                   reason_zh=reason_zh)


def date_notices(village: Village, household: Household | None, kind: DocumentKind, as_of: dt.date) -> list[Finding]:
    """Inputs that contradict the signing date ``as_of``, each naming its field."""
    out: list[Finding] = []
    day = as_of.isoformat()
    if not kind.is_agreement:
        adoption = getattr(village, kind.value)
        if adoption.adopted_on and adoption.adopted_on > as_of:
            f = f"{kind.value}.adopted_on"
            out.append(_notice("input.after_signing_date", kind, f,
                               f"{f} ({adoption.adopted_on.isoformat()}) is after the signing date {day}: the text "
                               f"is the one in force on {day}; render it --as-of the adoption date to print what is "
                               f"adopted",
                               f"{f}（{date_zh(adoption.adopted_on)}）晚于签署日期{date_zh(as_of)}："
                               f"文本是{date_zh(as_of)}施行的文本；"
                               f"如需打印通过的文本，请以通过日期为 --as-of"))
        if adoption.filed_with_township_on and adoption.adopted_on and adoption.filed_with_township_on < adoption.adopted_on:
            f = f"{kind.value}.filed_with_township_on"
            out.append(_notice("input.filed_before_adoption", kind, f,
                               f"{f} ({adoption.filed_with_township_on.isoformat()}) is before {kind.value}.adopted_on "
                               f"({adoption.adopted_on.isoformat()}): a text is filed after it is adopted",
                               f"{f}早于通过日期：章程、公约通过后才能备案"))
        return out
    if household is None:
        return out
    h = household
    for role in ("husband", "wife"):
        born = getattr(h, role).born
        if born and born > as_of:
            out.append(_notice("input.after_signing_date", kind, f"{role}.birth_date",
                               f"{role}.birth_date ({born.isoformat()}) is after the signing date {day}",
                               f"{role}.birth_date（{date_zh(born)}）晚于签署日期{date_zh(as_of)}"))
    if h.marriage_date and h.marriage_date > as_of:
        out.append(_notice("input.after_signing_date", kind, "marriage_date",
                           f"marriage_date ({h.marriage_date.isoformat()}) is after the signing date {day}",
                           f"marriage_date（{date_zh(h.marriage_date)}）晚于签署日期{date_zh(as_of)}"))
    for i, child in enumerate(h.children):
        if child.birth_date and child.birth_date > as_of:
            f = f"children[{i + 1}].birth_date"
            out.append(_notice("input.after_signing_date", kind, f,
                               f"{f} ({child.birth_date.isoformat()}) is after the signing date {day}: a child "
                               f"born after the agreement is signed cannot be counted in it",
                               f"{f}（{date_zh(child.birth_date)}）晚于签署日期{date_zh(as_of)}"))
    start, end = h.certificate_valid_from, h.certificate_valid_to
    if kind in (DocumentKind.outflow, DocumentKind.inflow):
        if start and (start - as_of).days > 366:
            out.append(_notice("input.term_far_after_signing", kind, "certificate_valid_from",
                               f"certificate_valid_from ({start.isoformat()}) starts more than a year after the "
                               f"signing date {day}: check the dates of the 婚育证明",
                               f"certificate_valid_from（{date_zh(start)}）比签署日期{date_zh(as_of)}晚一年以上，"
                               f"请核对婚育证明的有效期"))
        if end and end < as_of:
            out.append(_notice("input.term_ended", kind, "certificate_valid_to",
                               f"certificate_valid_to ({end.isoformat()}) is before the signing date {day}: "
                               f"the agreement's term would be over before it is signed",
                               f"certificate_valid_to（{date_zh(end)}）早于签署日期{date_zh(as_of)}：协议期限在签署前已届满"))
    return out


def new_draft_notice(r, doc: Document) -> Finding | None:
    """A charter or convention adopted before ``r.as_of`` whose text then differs from today's: a new
    draft, which the 村民会议 must adopt again and the township receive again for filing."""
    from .resolve import Resolver

    adoption = getattr(r.village, doc.kind.value)
    adopted = adoption.adopted_on
    if adopted is None or adopted >= r.as_of:
        return None
    then = Resolver(r.village, adopted.earliest, r.pm).document(doc.kind)  # a day or month may be blank
    old = {b.id: b.text for b in then.blocks}
    new = {b.id: b.text for b in doc.blocks}
    changed = sorted(i for i in set(old) | set(new) if old.get(i) != new.get(i))
    if not changed:
        return None
    township = r.village.township_government
    day, on = r.as_of.isoformat(), adopted.isoformat()
    from .default_plugins.checks import VCL

    return _notice("adoption.new_draft", doc.kind, f"{doc.kind.value}.adopted_on",
                   f"the {doc.kind.value} adopted on {on} reads differently on {day} ({len(changed)} clauses changed, "
                   f"added or removed): it is a new draft. Put it, with its 修订对照表, before the 村民会议, adopt it "
                   f"and file it with the {township}; then record the new adopted_on and "
                   f"filed_with_township_on in the village file",
                   f"{date_zh(adopted.complete) if adopted.complete else on}通过的文本与{date_zh(r.as_of)}施行的文本不同"
                   f"（{len(changed)}处条文修改、增加或删除）：本文本为新的草案，"
                   f"应连同修订对照表提请村民会议讨论通过，并报{township}备案，然后在村基本信息文件中填写新的"
                   f"通过日期和备案日期（{VCL.zh(r.as_of)}）")


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
