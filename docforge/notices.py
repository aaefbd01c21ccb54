"""Notices: what is not a legal finding but must not pass silently. Inputs that contradict the
signing date (each naming its field), and an adopted charter or convention whose text has changed
since its adoption (a new draft, to be adopted again and filed: see docs/law.md). The resolver
attaches them to each document; :mod:`docforge.law` re-exports them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from .i18n import date_zh
from .models import Document, DocumentKind, Finding, Household, Village

if TYPE_CHECKING:
    from .resolve import Resolver


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


def new_draft_notice(r: Resolver, doc: Document) -> Finding | None:
    """A charter or convention adopted before ``r.as_of`` whose text then differs from today's: a new
    draft, which the 村民会议 must adopt again and the township receive again for filing."""
    adoption = getattr(r.village, doc.kind.value)
    adopted = adoption.adopted_on
    if adopted is None or adopted >= r.as_of:
        return None
    then = type(r)(r.village, adopted.earliest, r.pm).document(doc.kind)  # a day or month may be blank
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
