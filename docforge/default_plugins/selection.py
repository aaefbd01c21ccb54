"""The national default rules for which agreements a household signs (seed 篇2, lines 135–139).

- 早婚夫妇 (married below the legal age: men 22, women 20) → contraception.
- 已生育一孩需生育二孩 → birth-spacing and contraception.
- 已签生育间隔协议、生育第二个孩子后六个月内 → contraception (改签).
- 农业人口已生育两个及以上孩子，或一方非农业人口已生育一个孩子，未落实长效节育措施，妻子在年龄上限以下
  → contraception (长效).
- 流出 → outflow (with the 村民委员会); 流入 → inflow (with whom ``inflow.party_a`` says).
A province replaces these by answering the same hook for its jurisdiction.

From 2021-08-20 the national layer offers none of the four agreements (no lawful object after the
2021 amendment of the 人口与计划生育法 and the repeal of the migrant regulation): the selection is
empty and gives, for each agreement, why it is not offered (``data/<kind>.yaml``, ``withdrawn``).
A province plugin may still select a lawful agreement of its own (docs/law.md shows how).
"""

from __future__ import annotations

import datetime as dt

from ..hookspecs import hookimpl
from ..models import AGREEMENTS, NATIONAL, Contraception, DocumentKind, HukouType, Household, Migration, Selection
from .national import document_withdrawn

LONG_ACTING = (Contraception.long_acting, Contraception.sterilization)


def age_on(born: dt.date | None, on: dt.date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def months_between(start: dt.date, end: dt.date) -> float:
    return (end - start).days / 30.4375


def select(h: Household, policies: dict, as_of: dt.date) -> Selection:
    """The seed's rules. ``policies`` holds resolved policy values (fertile_age_limit, marriage ages)."""
    withdrawn = {k: document_withdrawn(k, as_of) for k in AGREEMENTS}
    if all(withdrawn.values()):
        return Selection(agreements=[], reasons={k.value: w["reason"] for k, w in withdrawn.items() if w})
    chosen: dict[DocumentKind, str] = {}
    limit = policies.get("fertile_age_limit")
    wife_age = age_on(h.wife.born, as_of)
    if limit is not None and wife_age is not None and wife_age >= limit:
        return Selection(agreements=[], reasons={"none": f"妻子{wife_age}周岁，已超过签约年龄上限（{limit}周岁以下）"})
    if h.migration == Migration.outflow:
        chosen[DocumentKind.outflow] = "本乡镇辖区外出的育龄夫妇，与村民委员会签订流出人口计划生育管理协议"
    elif h.migration == Migration.inflow:
        chosen[DocumentKind.inflow] = "在本辖区暂住的育龄流动人口，签订流入人口计划生育管理协议"
    else:
        men, women = policies.get("marriage_age.men", 22), policies.get("marriage_age.women", 20)
        if h.marriage_date:
            ha, wa = age_on(h.husband.born, h.marriage_date), age_on(h.wife.born, h.marriage_date)
            if (ha is not None and ha < men) or (wa is not None and wa < women):
                chosen[DocumentKind.contraception] = (
                    f"早婚夫妇（结婚时男{ha}周岁、女{wa}周岁，法定婚龄男{men}周岁、女{women}周岁）")
        n = len(h.children)
        if n == 1 and h.plans_another_child:
            chosen[DocumentKind.birth_spacing] = "已生育一孩需生育二孩的夫妇签订生育间隔协议"
            chosen.setdefault(DocumentKind.contraception, "已生育一孩需生育二孩的夫妇同时签订落实避孕节育措施协议")
        elif n == 2 and h.last_birth and 0 <= months_between(h.last_birth, as_of) <= 6:
            chosen.setdefault(DocumentKind.contraception,
                              "生育第二个孩子后六个月内，由生育间隔协议改签落实避孕节育措施协议")
        needs_long = (h.hukou == HukouType.agricultural and n >= 2) or (h.hukou != HukouType.agricultural and n >= 1)
        if needs_long and h.contraception not in LONG_ACTING and DocumentKind.contraception not in chosen:
            who = "农业人口已生育两个及以上孩子" if h.hukou == HukouType.agricultural else "夫妻一方非农业人口、已生育一个孩子"
            chosen[DocumentKind.contraception] = f"{who}，未落实长效节育措施，签订落实长效避孕节育措施协议"
    order = [k for k in DocumentKind if k in chosen]
    reasons = {k.value: chosen[k] for k in order}
    if not order:
        reasons["none"] = "不属于签约对象（无早婚、无计划再生育、已落实长效措施或无子女）"
    return Selection(agreements=order, reasons=reasons)


@hookimpl
def docforge_select_agreements(household, village, places, as_of, policies):
    return select(household, policies, as_of).model_copy(update={"jurisdiction": NATIONAL})


@hookimpl
def docforge_jurisdictions():
    return [NATIONAL]
