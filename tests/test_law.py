"""Law as data: citations follow the version in force on the signing date; legal checks."""

from __future__ import annotations

import datetime as dt
import json
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from docforge import plugins as plugin_module
from docforge.cli import cli
from docforge.hookspecs import hookimpl
from docforge.inputs import load_village
from docforge.law import check_village, instruments_on
from docforge.models import ArticleRef, Clause, DocumentKind, Instrument, InstrumentVersion, Jurisdiction
from docforge.resolve import Resolver

ROOT = Path(__file__).resolve().parents[1]
VILLAGE = ROOT / "examples" / "village.yaml"
D = dt.date


@pytest.fixture(scope="module")
def village():
    return load_village(VILLAGE)


def text_of(village, kind, on, household=None):
    doc = Resolver(village, on).document(kind, household, blank=household is None)
    return "\n".join(doc.text_lines()), doc


def checks(doc):
    return {(f.check, f.clause) for f in doc.findings}


def test_seed_date_cites_the_texts_of_2006_and_raises_no_finding(village):
    for kind in (k.value for k in DocumentKind):
        text, doc = text_of(village, kind, D(2006, 7, 24))
        assert doc.findings == [], (kind, [f.line() for f in doc.findings])
    charter, _ = text_of(village, "charter", D(2006, 7, 24))
    assert "依照《中华人民共和国村民委员会组织法》第二十条的规定报某某镇人民政府备案" in charter
    inflow, _ = text_of(village, "inflow", D(2006, 7, 24))
    assert "根据国家《流动人口计划生育工作管理办法》" in inflow
    convention, _ = text_of(village, "convention", D(2006, 7, 24))
    assert "凡是符合《婚姻法》规定结了婚的育龄夫妻" in convention


def test_today_cites_todays_texts_and_raises_the_findings(village):
    on = D(2026, 11, 30)
    charter, _ = text_of(village, "charter", on)
    assert "《中华人民共和国村民委员会组织法》第二十七条" in charter
    convention, conv = text_of(village, "convention", on)
    assert "凡是符合《民法典》规定结了婚的育龄夫妻" in convention
    assert ("contraception_duty", "convention.autonomy.contraception") in checks(conv)
    assert ("deposit_forfeit", "convention.agreements") in checks(conv)
    inflow, doc = text_of(village, "inflow", on)
    found = checks(doc)
    assert ("citation.not_in_force", "inflow.preamble") in found
    assert any(c == "social_maintenance_fee" for c, _ in found)
    fee = next(f for f in doc.findings if f.check == "social_maintenance_fee")
    assert fee.document == "inflow" and fee.plugin == "national"
    assert fee.law == "中华人民共和国人口与计划生育法" and fee.version == "2021年修正" and fee.article
    assert "社会抚养费" in fee.reason


@pytest.mark.parametrize("before, after, check", [
    (D(2015, 12, 31), D(2016, 1, 1), "contraception_duty"),
    (D(2021, 8, 19), D(2021, 8, 20), "social_maintenance_fee"),
    (D(2010, 10, 27), D(2010, 10, 28), "deposit_forfeit"),
    (D(2021, 9, 30), D(2021, 10, 1), "citation.not_in_force"),
])
def test_findings_start_on_the_day_the_law_changes(village, before, after, check):
    _, a = check_village(village, before)
    _, b = check_village(village, after)
    assert check not in {f.check for f in a}
    assert check in {f.check for f in b}


@pytest.mark.parametrize("on, name", [
    (D(2009, 9, 30), "《流动人口计划生育工作管理办法》"),
    (D(2009, 10, 1), "《流动人口计划生育工作条例》"),
])
def test_migrant_rules_are_cited_by_the_name_in_force(village, on, name):
    text, _ = text_of(village, "inflow", on)
    assert name in text


@pytest.mark.parametrize("on, number", [(D(2010, 10, 27), "第二十条"), (D(2010, 10, 28), "第二十七条"),
                                        (D(2019, 1, 1), "第二十七条")])
def test_article_number_follows_the_version(village, on, number):
    text, doc = text_of(village, "charter", on)
    assert f"《中华人民共和国村民委员会组织法》{number}的规定" in text
    use = next(u for u in doc.values if u.key == "villagers_committee_law#charter_adoption")
    assert use.provenance.plugin == "national"


def test_unfiled_charter_is_a_finding_and_filing_clears_it(village):
    unfiled = village.model_copy(update={"charter": village.charter.model_copy(
        update={"filed_with_township_on": None})})
    _, found = check_village(unfiled, D(2026, 11, 30))
    assert ("not_filed", "charter") in {(f.check, f.document) for f in found}
    _, found = check_village(village, D(2026, 11, 30))
    assert "not_filed" not in {f.check for f in found}


def test_check_cli_warns_by_default_and_fails_with_strict():
    runner = CliRunner()
    ok = runner.invoke(cli, ["check", "--village", str(VILLAGE), "--as-of", "2026-11-30"])
    assert ok.exit_code == 0, ok.output
    assert "warning: inflow inflow.party_a.rights.enforcement" in ok.output
    strict = runner.invoke(cli, ["check", "--village", str(VILLAGE), "--as-of", "2026-11-30", "--strict"])
    assert strict.exit_code == 2
    assert "error: inflow" in strict.output and "Traceback" not in strict.output
    old = runner.invoke(cli, ["check", "--village", str(VILLAGE), "--as-of", "2006-07-24", "--strict"])
    assert old.exit_code == 0, old.output
    assert "none" in old.output


def test_law_cli_lists_versions_in_force_with_their_plugin():
    runner = CliRunner()
    res = runner.invoke(cli, ["law", "--as-of", "2006-07-24", "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["id"] + "@" + r["jurisdiction"]: r for r in json.loads(res.output)}
    assert rows["population_law@中华人民共和国"]["version"] == "2001年通过"
    assert rows["migrant_regulation@中华人民共和国"]["name"] == "流动人口计划生育工作管理办法"
    assert rows["province.population_regulation@某某省"]["plugin"] == "sample_county"
    res = runner.invoke(cli, ["law", "--as-of", "2026-11-30", "--village", str(VILLAGE)])
    assert "《中华人民共和国人口与计划生育法》 2021年修正" in res.output
    assert "流动人口计划生育工作条例" not in res.output  # repealed
    assert "甘肃省" not in res.output  # another province's plugin


def _author_plugin():
    """A plugin as an author writes it from docs/plugin_hooks.md: its own instrument, a clause citing
    an article by id, and a check of its own."""
    mod = types.ModuleType("village_rules_plugin")
    county = Jurisdiction(level="county", name="某某县")

    @hookimpl
    def docforge_jurisdictions():
        return [county]

    @hookimpl
    def docforge_instruments(places, as_of):
        return [Instrument(id="county.village_affairs", name="某某县村务公开办法", issuer="某某县人民政府",
                           level="rule", versions=[
                               InstrumentVersion(label="2005年", effective_from=D(2005, 1, 1), effective_to=D(2019, 12, 31),
                                                 articles={"publicity": ArticleRef(number=8, summary="每月公开")}),
                               InstrumentVersion(label="2020年修订", effective_from=D(2020, 1, 1),
                                                 articles={"publicity": ArticleRef(number=12, summary="每月公开")}),
                               InstrumentVersion(label="2030年修订", effective_from=D(2030, 1, 1)),
                           ])]

    @hookimpl
    def docforge_clauses(document, places, as_of):
        if document == "convention":
            return [Clause(id="county.convention.publicity", document="convention", type="article",
                           after="convention.publicity",
                           text="村务公开依照{cite:county.village_affairs#publicity}执行。")]

    for f in (docforge_jurisdictions, docforge_instruments, docforge_clauses):
        setattr(mod, f.__name__, f)
    return mod


def test_a_plugin_adds_its_own_instrument_cited_by_article(village):
    pm = plugin_module.make_plugin_manager(extra=(_author_plugin(),))
    text, doc = (lambda d: ("\n".join(d.text_lines()), d))(Resolver(village, D(2010, 1, 1), pm).document("convention"))
    assert "村务公开依照《某某县村务公开办法》第八条执行。" in text
    text = "\n".join(Resolver(village, D(2026, 1, 1), pm).document("convention").text_lines())
    assert "村务公开依照《某某县村务公开办法》第十二条执行。" in text
    rows = {r.instrument.id: r for r in instruments_on(D(2026, 1, 1), village, pm)}
    assert rows["county.village_affairs"].plugin == "village_rules_plugin"
    assert rows["county.village_affairs"].version.label == "2020年修订"
    # the 2030 version has no such article: a finding, never silence
    doc = Resolver(village, D(2031, 1, 1), pm).document("convention")
    missing = [f for f in doc.findings if f.check == "citation.article_missing"]
    assert missing and missing[0].clause == "county.convention.publicity" and missing[0].article == "publicity"


def test_citing_an_instrument_before_it_is_in_force_is_a_finding(village):
    doc = Resolver(village, D(1998, 1, 1)).document("inflow", blank=True)
    early = [f for f in doc.findings if f.check == "citation.not_in_force"]
    assert {f.clause for f in early} >= {"inflow.preamble"}
    assert all("not yet in force" in f.reason for f in early)
