"""Law as data: the instruments plugins supply, the version of each in force on a date, and the
legal findings of a village's documents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .models import NATIONAL, Document, DocumentKind, Finding, Instrument, InstrumentVersion, Jurisdiction, Village
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


def check_village(village: Village, as_of: dt.date, pm: PluginManager | None = None) -> tuple[list[Document], list[Finding]]:
    """Resolve all six documents (agreements as blank forms) and collect their legal findings."""
    from .resolve import Resolver

    r = Resolver(village, as_of, pm)
    docs = [r.document(kind, blank=True) for kind in DocumentKind]
    seen: set[tuple] = set()
    findings: list[Finding] = []
    for d in docs:
        for f in d.findings:
            key = (f.check, f.document, f.clause, f.reason)
            if key not in seen:
                seen.add(key)
                findings.append(f)
    return docs, findings
