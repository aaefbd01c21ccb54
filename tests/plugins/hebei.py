"""河北省 (130000) for the tests: its regulation in two versions, policies, amounts that change on 2016-01-01, a
convention article in force from that day, and no ``fee.inflow.breach`` at all."""

import datetime as dt

from docforge.hookspecs import hookimpl
from docforge.models import Amount, Clause, Instrument, InstrumentVersion, Jurisdiction, PolicyValue

HEBEI = Jurisdiction(level="province", name="河北省", code="130000")
CHANGE = dt.date(2016, 1, 1)
BEFORE = CHANGE - dt.timedelta(days=1)


@hookimpl
def docforge_jurisdictions():
    return [HEBEI]


@hookimpl
def docforge_instruments(places, as_of):
    return [Instrument(id="province.population_regulation", name="河北省人口与计划生育条例", level="local_regulation",
                       issuer="河北省人民代表大会常务委员会", versions=[
                           InstrumentVersion(label="2003年", effective_from="2003-01-01", effective_to=BEFORE,
                                             articles={"spacing": {"number": 21}}),
                           InstrumentVersion(label="2016年修正", effective_from=CHANGE,
                                             articles={"spacing": {"number": 19}})]),
            Instrument(id="province.migrant_rules", name="河北省流动人口计划生育管理规定", level="rule",
                       versions=[InstrumentVersion(label="测试版", effective_from="2003-01-01")])]


@hookimpl
def docforge_policies(places, as_of):
    values = {"birth_spacing.years": 4, "fertile_age_limit": 49, "outflow.days_away": 30,
              "outflow.missed_report_months": 3, "association.contact_min": 5, "association.contact_max": 10}
    return [PolicyValue(key=k, value=v) for k, v in values.items()]


@hookimpl
def docforge_amounts(places, as_of):
    fixed = {"deposit.contraception.one_child": 200, "deposit.birth_spacing.one_child": 200,
             "deposit.migrant.min": 100, "deposit.migrant.max": 300, "deposit.outflow": 200,
             "fee.outflow.breach": 100, "fine.inflow.no_certificate": 300}
    return ([Amount(key=k, amount=v) for k, v in fixed.items()]
            + [Amount(key="deposit.contraception.two_child", amount=400, effective_to=BEFORE),
               Amount(key="deposit.contraception.two_child", amount=1000, effective_from=CHANGE)])


@hookimpl
def docforge_clauses(document, places, as_of):
    if document == "convention":
        return [Clause(id="hebei.convention.choice", document="convention", type="article",
                       after="convention.entry_into_force", effective_from=CHANGE,
                       text="育龄夫妻自主选择避孕节育措施；生育间隔依照{cite:province.population_regulation#spacing}的规定。")]
    return None
