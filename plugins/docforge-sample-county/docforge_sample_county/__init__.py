"""某某省 and its 某某县: the sample jurisdictions of the seed's 篇2 (县人民政府, 2006-07-24).

The seed redacts its amounts and numbers; the values here are this sample's own.
"""

from docforge.hookspecs import hookimpl
from docforge.models import Amount, Clause, Instrument, InstrumentVersion, Jurisdiction, PolicyValue

PROVINCE = Jurisdiction(level="province", name="某某省")
COUNTY = Jurisdiction(level="county", name="某某县")
BASIS = "某某县人民政府《某某县人口和计划生育村民自治实施方案》某某政发〔2006〕号"


@hookimpl
def docforge_jurisdictions():
    return [PROVINCE, COUNTY]


@hookimpl
def docforge_instruments(places, as_of):
    return [
        Instrument(id="province.population_regulation", name="某某省人口与计划生育条例",
                   issuer="某某省人民代表大会常务委员会", level="local_regulation", jurisdiction=PROVINCE,
                   versions=[
                       InstrumentVersion(label="2002年修订", effective_from="2002-12-01", effective_to="2016-03-31"),
                       InstrumentVersion(label="2016年修正", effective_from="2016-04-01", effective_to="2021-11-30"),
                       InstrumentVersion(label="2021年修正", effective_from="2021-12-01"),
                   ]),
        # Made under the national 流动人口计划生育工作条例; this sample province repealed its rules with it
        # (docs/law.md: a province plugin ends such rules, or confirms them with confirmed_on).
        Instrument(id="province.migrant_rules", name="某某省流动人口计划生育管理规定",
                   issuer="某某省人民政府", level="rule", jurisdiction=PROVINCE,
                   versions=[InstrumentVersion(label="2003年", effective_from="2003-01-01", effective_to="2021-09-26",
                                               repealed_by="state_council.repeal_2021",
                                               certainty="approximate")]),
    ]


@hookimpl
def docforge_amounts(places, as_of):
    county = {
        "deposit.contraception.one_child": 300, "deposit.contraception.two_child": 500,
        "deposit.birth_spacing.one_child": 300, "deposit.migrant.min": 200, "deposit.migrant.max": 500,
        "deposit.outflow": 300, "fee.outflow.breach": 200, "fee.inflow.breach": 1000,
    }
    out = [Amount(key=k, amount=v, jurisdiction=COUNTY, legal_basis=BASIS) for k, v in county.items()]
    out.append(Amount(key="fine.inflow.no_certificate", amount=500, jurisdiction=PROVINCE,
                      legal_basis="《某某省流动人口计划生育管理规定》"))
    return out


@hookimpl
def docforge_policies(places, as_of):
    province = {"birth_spacing.years": 4, "fertile_age_limit": 49}
    county = {"outflow.days_away": 30, "outflow.missed_report_months": 3,
              "association.contact_min": 5, "association.contact_max": 10}
    return ([PolicyValue(key=k, value=v, jurisdiction=PROVINCE, legal_basis="《某某省人口与计划生育条例》")
             for k, v in province.items()]
            + [PolicyValue(key=k, value=v, jurisdiction=COUNTY, legal_basis=BASIS) for k, v in county.items()])


@hookimpl
def docforge_clauses(document, places, as_of):
    """The county asks every charter to say where it is filed, citing the article by id, so the
    article number follows the version of the 村民委员会组织法 in force (第二十条 in 2006, 第二十七条 now)."""
    if document != "charter":
        return None
    return [Clause(id="sample.charter.filing", document="charter", type="article", jurisdiction=COUNTY,
                   after="charter.entry_into_force", legal_basis=BASIS,
                   text="本章程经村民会议或村民代表会议通过后，依照{cite:villagers_committee_law#charter_adoption}"
                        "的规定报{place:township}人民政府备案。")]
