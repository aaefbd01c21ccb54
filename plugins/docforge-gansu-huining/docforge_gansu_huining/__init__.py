"""会宁县 (GB/T 2260: 620422): overrides one deposit of 甘肃省 and adds one charter article."""

from docforge.hookspecs import hookimpl
from docforge.models import Amount, Clause, Jurisdiction

HUINING = Jurisdiction(level="county", name="会宁县", code="620422")
BASIS = "会宁县人口和计划生育村民自治实施方案"


@hookimpl
def docforge_jurisdictions():
    return [HUINING]


@hookimpl
def docforge_amounts(places, as_of):
    return [Amount(key="deposit.contraception.two_child", amount=600, legal_basis=BASIS)]


@hookimpl
def docforge_clauses(document, places, as_of):
    if document != "charter":
        return None
    return [Clause(
        id="huining.charter.education_aid", document="charter", op="add", type="article",
        after="charter.incentives", legal_basis=BASIS,
        text="村委会对计生户子女考入大中专院校的，给予一次性助学补助；具体标准由村民代表会议确定，"
             "并依照本章程{ref:charter.hearings}的规定公开。",
    )]
