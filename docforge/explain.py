"""``docforge explain``: for each article, amount and citation, which plugin, jurisdiction and
version supplied it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .i18n import date_text, language
from .i18n import gettext as _
from .models import Basis, Document, Household, Provenance, Village, document_name
from .resolve import Resolver


def provenance_dict(p: Provenance) -> dict:
    """A value's provenance as explain and the bundle manifest show it."""
    return {"plugin": p.plugin, "version": p.version, "jurisdiction": p.jurisdiction.name,
            "level": p.jurisdiction.level.value, "code": p.jurisdiction.code, "legal_basis": p.legal_basis}


def basis_list(basis: list[Basis]) -> list[dict]:
    return [b.model_dump(mode="json", exclude_none=True) for b in basis]


def basis_text(basis: list[dict]) -> str:
    """``population_law 2021年修正 #birth_policy: 一对夫妻可以生育三个子女; …``"""
    return "; ".join(" ".join(x for x in (b["instrument"], b.get("version"), f"#{b['article']}" if b.get("article") else None)
                              if x) + (f": {b['note']}" if b.get("note") else "") for b in basis)


def explain_document(village: Village, kind: str, household: Household | None, as_of: dt.date,
                     resolver: Resolver | None = None) -> dict:
    r = resolver or Resolver(village, as_of)
    doc: Document = r.document(kind, household, blank=household is None)
    findings = doc.findings
    report: dict[str, Any] = {
        "document": doc.kind.value, "title": doc.title, "adoption_line": doc.adoption_line,
        "village": doc.village, "as_of": as_of.isoformat(),
        "household": doc.household,
        "blocks": [{"id": b.id, "type": b.type, "label": b.label, "text": b.text, **provenance_dict(b.provenance),
                    "moved_by": provenance_dict(b.moved_by) if b.moved_by else None,
                    "basis": basis_list(b.basis), **({"reviewed": b.reviewed} if b.reviewed else {})}
                   for b in doc.blocks],
        "withdrawn": [{"id": c.id, "text": c.text, "last_day": c.effective_to.isoformat() if c.effective_to else None,
                       "basis": basis_list(c.basis)} for c in r.withdrawn_clauses(doc.kind).values()],
        "values": [{"kind": u.kind, "key": u.key, "value": u.value, **provenance_dict(u.provenance)}
                   for u in doc.values],
        "layout": [{"field": c.item.field, "clause": c.item.clause, "value": c.item.value,
                    **provenance_dict(c.provenance)} for c in r.layout(doc.kind).values()],
        "findings": [f.model_dump(mode="json") for f in findings],
        "notices": [f.model_dump(mode="json") for f in doc.notices],
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
    if report.get("adoption_line"):
        lines.append(report["adoption_line"])
    if report.get("layout"):
        lines.append("")
        lines.append(_("Layout:"))
        for x in report["layout"]:
            field = f"{x['field']} @{x['clause']}" if x.get("clause") else x["field"]
            lines.append(f"  {field:<24} {x['value']!r:<40} {_src(x)}")
    lines.append("")
    lines.append(_("Clauses:"))
    for b in report["blocks"]:
        label = b["label"] or "·"
        lines.append(f"  {label:<6} {b['id']:<42} {_src(b)}")
        if b.get("moved_by"):
            lines.append(f"  {'':<6} {'':<42} " + _("moved here by {source}", source=_src(b["moved_by"])))
        if b.get("basis"):
            lines.append(f"  {'':<6} {'':<42} " + _("basis: {basis}", basis=basis_text(b["basis"])))
        for check, why in (b.get("reviewed") or {}).items():
            lines.append(f"  {'':<6} {'':<42} " + _("reviewed for {check}: {reason}", check=check, reason=why))
    if report.get("withdrawn"):
        lines.append("")
        lines.append(_("Withdrawn from the national text (with why):"))
        for w in report["withdrawn"]:
            lines.append(f"  {w['id']:<49} " + _("last day {date}", date=w["last_day"]))
            lines.append(f"  {'':<49} " + _("basis: {basis}", basis=basis_text(w["basis"])))
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
        zh = language() == "zh"
        reason = (f.get("reason_zh") or f["reason"]) if zh else f["reason"]
        severity = _("error") if f["severity"] == "error" else _("warning")
        lines.append(f"  {severity}: {f.get('clause') or '-'}: {reason}")
        if f.get("reason_zh") and not zh:  # the Chinese reason, as the law is cited, for the English reader too
            lines.append(f"  {'':<9}{f['reason_zh']}")
    if report.get("notices"):
        lines.append("")
        lines.append(_("Notices (not legal findings):"))
        for f in report["notices"]:
            why = f["reason_zh"] if language() == "zh" and f.get("reason_zh") else f["reason"]
            lines.append(f"  {f.get('clause') or '-'}: {why}")
    return "\n".join(lines)
