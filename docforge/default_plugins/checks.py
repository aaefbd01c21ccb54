"""The national legal checks: clauses that no longer agree with the law in force on the as-of date.

Each check looks at the tags of the resolved clauses (see the base texts in ``data/``) and at the
instrument versions in force, and says which law, version and article it rests on.

- ``contraception_duty``: after 2016-01-01 the 人口与计划生育法 (2015年修正, 第二十条) lets couples choose
  their contraception themselves, so a duty to adopt (long-acting) measures is a finding.
- ``deposit_forfeit``: a 履约保证金 forfeited over childbirth or contraception takes villagers' property
  by a village rule, which the 村民委员会组织法 (2010年修订, 第二十七条) forbids from 2010-10-28.
- ``social_maintenance_fee`` and the related sanctions: the 2021 amendment (in force 2021-08-20)
  deleted 社会抚养费 and the penalties tied to births.
- a charter or convention not filed with the township (报乡镇人民政府备案, 村民委员会组织法).
A repealed or not-yet-in-force citation is reported by the engine itself (``citation.not_in_force``).
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from ..hookspecs import hookimpl
from ..models import NATIONAL, Document, DocumentKind, Finding
from .national import national_instruments

CHOICE_FROM = dt.date(2016, 1, 1)
PROPERTY_RIGHTS_FROM = dt.date(2010, 10, 28)
FEE_ABOLISHED_FROM = dt.date(2021, 8, 20)


def _law(instrument_id: str, article: str, on: dt.date) -> tuple[str, str | None, str | None]:
    inst = next(i for i in national_instruments() if i.id == instrument_id)
    v = inst.version_on(on)
    if v is None:
        return inst.name, None, None
    ref = v.articles.get(article)
    from ..render.filters import ordinal

    return (v.name or inst.name), v.label, (ordinal(ref.number, "条") if ref else None)


def _tagged(doc: Document, tag: str):
    return [b for b in doc.blocks if tag in b.tags]


def _finding(check: str, doc: Document, block, law: tuple, reason: str, reason_zh: str) -> Finding:
    name, version, article = law
    return Finding(check=check, document=doc.kind.value, clause=block.id if block else None,
                   plugin=block.provenance.plugin if block else "checks", law=name, version=version,
                   article=article, reason=reason, reason_zh=reason_zh)


def findings(doc: Document, village, as_of: dt.date) -> Iterator[Finding]:
    if as_of >= CHOICE_FROM:
        law = _law("population_law", "contraception_choice", as_of)
        for b in _tagged(doc, "contraception_duty"):
            yield _finding("contraception_duty", doc, b, law,
                           "imposes contraceptive measures, but since 2016-01-01 couples choose them themselves",
                           "规定落实避孕节育措施的义务，但自2016年1月1日起，避孕节育措施由夫妻自主选择")
    if as_of >= PROPERTY_RIGHTS_FROM:
        law = _law("villagers_committee_law", "charter_adoption", as_of)
        for b in _tagged(doc, "deposit_forfeit"):
            yield _finding("deposit_forfeit", doc, b, law,
                           "forfeits a deposit over childbirth or contraception: a village rule may not take "
                           "villagers' lawful property",
                           "因生育或避孕节育没收履约保证金，村规民约不得侵犯村民的合法财产权利")
    if as_of >= FEE_ABOLISHED_FROM:
        law = _law("population_law", "birth_policy", as_of)
        for b in _tagged(doc, "social_maintenance_fee"):
            yield _finding("social_maintenance_fee", doc, b, law,
                           "collects 社会抚养费, abolished by the 2021 amendment (in force 2021-08-20)",
                           "规定征收社会抚养费，而2021年修正（2021年8月20日起施行）已取消社会抚养费")
        for b in _tagged(doc, "sanction"):
            if "social_maintenance_fee" not in b.tags:
                yield _finding("birth_sanction", doc, b, law,
                               "imposes a penalty tied to births or contraception; the 2021 amendment removed "
                               "社会抚养费 and the penalties tied to it",
                               "规定与生育或避孕节育挂钩的处罚，而2021年修正已取消社会抚养费及相关处罚")
    if doc.kind in (DocumentKind.charter, DocumentKind.convention) and village is not None:
        adoption = getattr(village, doc.kind.value)
        filed = adoption.filed_with_township_on
        adopted = adoption.adopted_on is not None and adoption.adopted_on <= as_of
        draft = adoption.adopted_on is not None and adoption.adopted_on > as_of  # filing follows adoption
        if not draft and (filed is None or filed > as_of) and (adopted or adoption.adopted_on is None):
            law = _law("villagers_committee_law", "charter_adoption", as_of)
            yield _finding("not_filed", doc, None, law,
                           f"the {doc.kind.value} is not filed with the {village.township.name}人民政府 "
                           f"(报乡镇人民政府备案) as of {as_of.isoformat()}; record filed_with_township_on "
                           f"in the village file once filed",
                           f"截至{as_of.year}年{as_of.month}月{as_of.day}日，"
                           f"{'自治章程' if doc.kind == DocumentKind.charter else '自治公约'}尚未报"
                           f"{village.township.name}人民政府备案；备案后请在村基本信息文件中填写 filed_with_township_on")


@hookimpl
def docforge_legal_checks(document, village, places, as_of):
    return [f for f in findings(document, village, as_of)] or None


@hookimpl
def docforge_jurisdictions():
    return [NATIONAL]
