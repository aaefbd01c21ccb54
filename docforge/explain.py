"""``docforge explain``: for each article, amount and citation, which plugin, jurisdiction and
version supplied it."""

from __future__ import annotations

import datetime as dt

from .i18n import date_text, language
from .i18n import gettext as _
from .models import Document, Household, Provenance, Village, document_name
from .resolve import Resolver


def provenance_dict(p: Provenance) -> dict:
    """A value's provenance as explain and the bundle manifest show it."""
    return {"plugin": p.plugin, "version": p.version, "jurisdiction": p.jurisdiction.name,
            "level": p.jurisdiction.level.value, "code": p.jurisdiction.code, "legal_basis": p.legal_basis}


def explain_document(village: Village, kind: str, household: Household | None, as_of: dt.date,
                     resolver: Resolver | None = None) -> dict:
    r = resolver or Resolver(village, as_of)
    doc: Document = r.document(kind, household, blank=household is None)
    findings = doc.findings
    report = {
        "document": doc.kind.value, "title": doc.title, "village": doc.village, "as_of": as_of.isoformat(),
        "household": doc.household,
        "blocks": [{"id": b.id, "type": b.type, "label": b.label, "text": b.text, **provenance_dict(b.provenance),
                    "moved_by": provenance_dict(b.moved_by) if b.moved_by else None}
                   for b in doc.blocks],
        "values": [{"kind": u.kind, "key": u.key, "value": u.value, **provenance_dict(u.provenance)}
                   for u in doc.values],
        "findings": [f.model_dump(mode="json") for f in findings],
    }
    if household is not None:
        sel, prov = r.selection(household)
        report["selection"] = {"agreements": [a.value for a in sel.agreements], "reasons": sel.reasons,
                               **provenance_dict(prov)}
    return report


def _src(d: dict) -> str:
    v = f" {d['version']}" if d.get("version") else ""
    basis = _("; ") + d["legal_basis"] if d.get("legal_basis") else ""
    level = d["level"]
    if language() == "zh":
        from .models import Level

        level = Level(level).label if level in Level.__members__ else level
    return f"{d['plugin']}{v} @ {d['jurisdiction']}（{level}）{basis}"


def explain_text(report: dict) -> str:
    lines = [_("{title} ({document}), {village}, as of {date}", title=report["title"],
               document=document_name(report["document"]), village=report["village"],
               date=date_text(dt.date.fromisoformat(report["as_of"])))]
    if report.get("household"):
        lines.append(_("household {household}", household=report["household"]))
    lines.append("")
    lines.append(_("Clauses:"))
    for b in report["blocks"]:
        label = b["label"] or "·"
        lines.append(f"  {label:<6} {b['id']:<42} {_src(b)}")
        if b.get("moved_by"):
            lines.append(f"  {'':<6} {'':<42} " + _("moved here by {source}", source=_src(b["moved_by"])))
    lines.append("")
    lines.append(_("Values:"))
    for v in report["values"]:
        lines.append(f"  {_(v['kind']):<9} {v['key']:<36} {v['value']}")
        lines.append(f"  {'':<9} {'':<36} ← {_src(v)}")
    if report.get("selection"):
        s = report["selection"]
        lines.append("")
        lines.append(_("Selection ({source}):", source=_src(s)))
        for k, why in s["reasons"].items():
            lines.append(f"  {k}: {why}")
    lines.append("")
    lines.append(_("Findings:") if report["findings"] else _("Findings: none"))
    for f in report["findings"]:
        reason = (f.get("reason_zh") or f["reason"]) if language() == "zh" else f["reason"]
        severity = _("error") if f["severity"] == "error" else _("warning")
        lines.append(f"  {severity}: {f.get('clause') or '-'}: {reason}")
    return "\n".join(lines)
