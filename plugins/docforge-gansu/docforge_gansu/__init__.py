"""甘肃省 (GB/T 2260: 620000): the province's regulation and its defaults for every county.

Version history of 《甘肃省人口与计划生育条例》: 1989-11-28 adopted (as 甘肃省计划生育条例), revised
2002-09-27, amended 2005-11-25 and 2014-03-26 (dates from the regulation's own preamble); those
versions are taken to be in force from their adoption. The two later amendments, after the national
law's of 2015 and 2021, carry approximate dates (2016-04-01, 2021-11-26) still to be confirmed
against the 甘肃省人大常委会's publications; the amounts are this reference plugin's own examples.
"""

from docforge.hookspecs import hookimpl
from docforge.models import Amount, Instrument, InstrumentVersion, Jurisdiction, PolicyValue

GANSU = Jurisdiction(level="province", name="甘肃省", code="620000")
REGULATION = "《甘肃省人口与计划生育条例》"


@hookimpl
def docforge_jurisdictions():
    return [GANSU]


@hookimpl
def docforge_instruments(places, as_of):
    return [
        Instrument(id="province.population_regulation", name="甘肃省人口与计划生育条例",
                   issuer="甘肃省人民代表大会常务委员会", level="local_regulation", versions=[
                       InstrumentVersion(label="2002年修订", adopted="2002-09-27", effective_from="2002-09-27",
                                         effective_to="2005-11-24"),
                       InstrumentVersion(label="2005年修正", adopted="2005-11-25", effective_from="2005-11-25",
                                         effective_to="2014-03-25"),
                       InstrumentVersion(label="2014年修正", adopted="2014-03-26", effective_from="2014-03-26",
                                         effective_to="2016-03-31"),
                       InstrumentVersion(label="2016年修正", effective_from="2016-04-01", effective_to="2021-11-25"),
                       InstrumentVersion(label="2021年修正", effective_from="2021-11-26"),
                   ]),
        Instrument(id="province.migrant_rules", name="甘肃省流动人口计划生育管理办法",
                   issuer="甘肃省人民政府", level="rule",
                   versions=[InstrumentVersion(label="2003年", effective_from="2003-01-01")]),
    ]


@hookimpl
def docforge_amounts(places, as_of):
    values = {
        "deposit.contraception.one_child": 200, "deposit.contraception.two_child": 400,
        "deposit.birth_spacing.one_child": 200, "deposit.migrant.min": 100, "deposit.migrant.max": 300,
        "deposit.outflow": 200, "fee.outflow.breach": 100, "fee.inflow.breach": 500,
        "fine.inflow.no_certificate": 300,
    }
    return [Amount(key=k, amount=v, legal_basis=REGULATION) for k, v in values.items()]


@hookimpl
def docforge_policies(places, as_of):
    values = {"birth_spacing.years": 4, "fertile_age_limit": 49, "outflow.days_away": 30,
              "outflow.missed_report_months": 3, "association.contact_min": 5, "association.contact_max": 10}
    return [PolicyValue(key=k, value=v, legal_basis=REGULATION) for k, v in values.items()]
