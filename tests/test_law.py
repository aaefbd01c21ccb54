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


def checks_of(doc):
    return {f.check for f in doc.findings}


def _clause_plugin(text, tags=(), reviewed=None, name="county_rules", kind="convention", op="add",
                   cid="county.convention.rule"):
    """A county plugin that adds (or replaces) one clause, as an author writes it."""
    mod = types.ModuleType(name)
    county = Jurisdiction(level="county", name="某某县")

    @hookimpl
    def docforge_jurisdictions():
        return [county]

    @hookimpl
    def docforge_clauses(document, places, as_of):
        if document == kind:
            extra = {"type": "article", "after": None} if op == "add" else {}
            return [Clause(id=cid, document=kind, op=op, text=text, tags=list(tags), reviewed=reviewed or {},
                           **extra)]

    mod.docforge_jurisdictions, mod.docforge_clauses = docforge_jurisdictions, docforge_clauses
    return mod


SEED = D(2006, 7, 24)
TODAY = D(2026, 12, 3)


def test_seed_date_cites_the_texts_of_2006_and_finds_what_the_law_of_2006_forbade(village):
    """At the seed's date the text is the seed's; its findings are those the law in force then already
    gave: deposits (村民委员会组织法 1998 第二十条) and the inflow fine (行政处罚法 1996)."""
    found = set()
    for kind in (k.value for k in DocumentKind):
        _, doc = text_of(village, kind, SEED)
        found |= {(f.check, f.clause, f.article, f.version) for f in doc.findings}
    assert found == {
        ("deposit", "convention.agreements", "第二十条", "1998年通过"),
        ("deposit_forfeit", "convention.agreements", "第二十条", "1998年通过"),
        ("deposit", "contraception.breach.text", "第二十条", "1998年通过"),
        ("deposit_forfeit", "contraception.breach.text", "第二十条", "1998年通过"),
        ("deposit", "birth_spacing.breach.text", "第二十条", "1998年通过"),
        ("deposit_forfeit", "birth_spacing.breach.text", "第二十条", "1998年通过"),
        ("deposit", "outflow.party_b.duties.deposit", "第二十条", "1998年通过"),
        ("deposit", "outflow.breach.party_b", "第二十条", "1998年通过"),
        ("deposit_forfeit", "outflow.breach.party_b", "第二十条", "1998年通过"),
        ("fine", "inflow.party_a.rights.certificate", "第十五条", "1996年通过"),
        ("fine", "inflow.party_a.rights.enforcement", "第十五条", "1996年通过"),
    }
    charter, doc = text_of(village, "charter", SEED)
    assert doc.findings == []
    assert "依照《中华人民共和国村民委员会组织法》第二十条的规定报某某镇人民政府备案" in charter
    inflow, _ = text_of(village, "inflow", SEED)
    assert "根据国家《流动人口计划生育工作管理办法》" in inflow
    convention, _ = text_of(village, "convention", SEED)
    assert "凡是符合《婚姻法》规定结了婚的育龄夫妻" in convention


def test_today_the_charter_and_convention_have_no_finding_and_cite_todays_texts(village):
    charter, doc = text_of(village, "charter", TODAY)
    assert doc.findings == []
    assert "《中华人民共和国村民委员会组织法》第二十七条" in charter
    convention, conv = text_of(village, "convention", TODAY)
    assert conv.findings == []
    assert "育龄夫妻依照《中华人民共和国人口与计划生育法》第十八条的规定生育子女" in convention
    assert "收养子女应当依照《民法典》的规定办理" in convention
    docs, found = check_village(village, TODAY)
    assert [d.kind.value for d in docs] == ["charter", "convention"] and found == []


@pytest.mark.parametrize("before, after, check", [
    (D(2015, 12, 31), D(2016, 1, 1), "contraception_duty"),
    (D(1998, 11, 3), D(1998, 11, 4), "deposit_forfeit"),
    (D(1996, 9, 30), D(1996, 10, 1), "fine"),
])
def test_findings_start_on_the_day_the_law_changes(village, before, after, check):
    _, a = check_village(village, before)
    _, b = check_village(village, after)
    assert check not in {f.check for f in a}
    assert check in {f.check for f in b}


@pytest.mark.parametrize("before, after, check, text", [
    (D(2021, 8, 19), D(2021, 8, 20), "social_maintenance_fee", "违法生育的，征收社会抚养费。"),
    (D(2021, 10, 31), D(2021, 11, 1), "public_posting", "每月在公开栏公开当月的生育、节育情况。"),
    (D(2021, 9, 26), D(2021, 9, 27), "marriage_certificate", "外出务工前应当办理婚育证明。"),
    (D(2021, 6, 25), D(2021, 6, 26), "service_access", "计生户子女进入幼儿园、就医等方面优先。"),
])
def test_plugin_clause_findings_start_on_the_day_the_law_changes(village, before, after, check, text):
    pm = plugin_module.make_plugin_manager(extra=(_clause_plugin(text),))
    assert check not in checks_of(Resolver(village, before, pm).document("convention"))
    assert check in checks_of(Resolver(village, after, pm).document("convention"))


def test_citing_the_repealed_regulation_is_a_finding_from_the_repeal(village):
    pm = plugin_module.make_plugin_manager(extra=(_clause_plugin("流动人口依照{cite:migrant_regulation}办理。"),))
    assert "citation.not_in_force" not in checks_of(Resolver(village, D(2021, 9, 26), pm).document("convention"))
    doc = Resolver(village, D(2021, 9, 27), pm).document("convention")
    assert "citation.not_in_force" in checks_of(doc)


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
    ok = runner.invoke(cli, ["check", "--village", str(VILLAGE), "--as-of", "2021-08-19"])
    assert ok.exit_code == 0, ok.output
    assert "warning: inflow inflow.party_a.rights.enforcement" in ok.output
    # the reason in Chinese, citing the law as it is written, under the English
    assert "设定罚款；行政处罚只能由具有行政处罚权的行政机关在法定职权范围内实施，村民委员会和协议无权罚款" \
           "（《中华人民共和国行政处罚法》（2021年修订）第十七条）" in ok.output
    strict = runner.invoke(cli, ["check", "--village", str(VILLAGE), "--as-of", "2021-08-19", "--strict"])
    assert strict.exit_code == 2
    assert "error: inflow" in strict.output and "Traceback" not in strict.output
    today = runner.invoke(cli, ["check", "--village", str(VILLAGE), "--as-of", "2026-12-03", "--strict"])
    assert today.exit_code == 0, today.output
    assert "Legal findings as of 2026-12-03: none" in today.output
    assert "Not offered: birth-spacing: 自2021年8月20日起不再签订《生育间隔协议书》" in today.output
    assert "charter charter.adopted_on: the charter adopted on 2006-08-20 reads differently" in today.output


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
    assert "《国务院关于废止部分行政法规的决定》 2021年 (from 2021-09-27) (dates approximate)" in res.output
    rows = {r["id"]: r for r in json.loads(runner.invoke(cli, ["law", "--as-of", "2021-09-26", "--json"]).output)}
    assert rows["migrant_regulation"]["repealed_by"] == "state_council.repeal_2021"
    assert rows["migrant_regulation"]["certainty"] == "approximate" and rows["migrant_regulation"]["source"]
    assert rows["population_law"]["certainty"] == "confirmed"
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


# --------------------------------------------------------------------------- the registry, corrected


def _inst(iid):
    from docforge.default_plugins.national import national_instruments

    return next(i for i in national_instruments() if i.id == iid)


def test_migrant_regulation_repealed_by_the_state_councils_decision_of_september_2021():
    reg = _inst("migrant_regulation").versions[-1]
    decision = _inst("state_council.repeal_2021")
    assert decision.name == "国务院关于废止部分行政法规的决定" and decision.level == "administrative_regulation"
    assert decision.versions[0].effective_from == D(2021, 9, 27)  # in force on promulgation
    assert reg.repealed_by == "state_council.repeal_2021" and reg.effective_to == D(2021, 9, 26)
    assert reg.certainty == decision.versions[0].certainty == "approximate"  # the date is from reports
    for other in ("social_maintenance_fee_measures", "technical_services_regulation"):
        assert _inst(other).versions[-1].repealed_by == "state_council.repeal_2021"
        assert _inst(other).versions[-1].effective_to == D(2021, 9, 26)
    names = lambda on: {r.instrument.id for r in instruments_on(on)}  # noqa: E731
    assert "migrant_regulation" in names(D(2021, 9, 26)) and "migrant_regulation" not in names(D(2021, 9, 27))
    assert "state_council.repeal_2021" in names(D(2021, 9, 27))


def test_marriage_certificate_is_article_7_of_the_2009_regulation(village):
    arts = _inst("migrant_regulation").versions[-1].articles
    assert arts["marriage_certificate"].number == 7 and "离开户籍所在地前" in arts["marriage_certificate"].summary
    assert arts["certificate_submission"].number == 8 and "提交婚育证明" in arts["certificate_submission"].summary
    pm = plugin_module.make_plugin_manager(extra=(_clause_plugin(
        "外出前依照{cite:migrant_regulation#marriage_certificate}办理婚育证明。"),))
    text = "\n".join(Resolver(village, D(2015, 1, 1), pm).document("convention").text_lines())
    assert "外出前依照《流动人口计划生育工作条例》第七条办理婚育证明。" in text


def test_2021_article_19_deleted_contraception_first_and_says_informed_choice():
    v2015, v2021 = _inst("population_law").versions[1:]
    assert v2015.articles["contraception"].summary.startswith("实行计划生育，以避孕为主")
    s = v2021.articles["contraception"].summary
    assert v2021.articles["contraception"].number == 19 and s.startswith("国家创造条件，保障公民知情选择")
    assert "以预防为主" not in s and not s.startswith("实行计划生育")
    assert v2021.articles["birth_policy"].number == 18 and "三个子女" in v2021.articles["birth_policy"].summary
    assert v2021.articles["population_goal"].number == 2 and "适度生育水平" in v2021.articles["population_goal"].summary
    assert "social_maintenance_fee" not in v2021.articles and v2015.articles["social_maintenance_fee"].number == 41
    assert v2015.articles["fee_sanctions"].number == 42


def test_social_maintenance_fee_finding_cites_the_deleted_articles_and_the_decision(village):
    pm = plugin_module.make_plugin_manager(extra=(_clause_plugin("违法生育的，征收社会抚养费。"),))
    doc = Resolver(village, D(2021, 9, 1), pm).document("convention")
    fee = next(f for f in doc.findings if f.check == "social_maintenance_fee")
    assert (fee.law, fee.version, fee.article) == ("中华人民共和国人口与计划生育法", "2021年修正", "删去原第四十一条、第四十二条")
    assert fee.plugin == "county_rules"
    assert "第十八条" not in fee.reason_zh
    assert fee.reason_zh.endswith("（《中华人民共和国人口与计划生育法》（2021年修正）删去原第四十一条、第四十二条、"
                                  "中共中央、国务院《关于优化生育政策促进人口长期均衡发展的决定》（2021年6月26日））")
    assert "birth_sanction" not in checks_of(doc)  # one finding for a fee clause
    # after the repeal, the repeal of the 社会抚养费征收管理办法 is cited too
    doc = Resolver(village, D(2022, 1, 1), pm).document("convention")
    fee = next(f for f in doc.findings if f.check == "social_maintenance_fee")
    assert fee.reason_zh.endswith("、《国务院关于废止部分行政法规的决定》（2021年）废止《社会抚养费征收管理办法》）")


def test_1998_villagers_committee_law_already_barred_taking_villagers_property():
    v1998, v2010, v2018 = _inst("villagers_committee_law").versions
    assert v1998.articles["charter_adoption"].number == 20
    assert "合法财产权利" in v1998.articles["charter_adoption"].summary
    for v in (v2010, v2018):  # 2018 changed only terms of office: 第二十七条 keeps every clause
        assert v.articles["charter_adoption"].number == 27
        assert "不得与宪法、法律、法规和国家的政策相抵触" in v.articles["charter_adoption"].summary
        assert "合法财产权利" in v.articles["charter_adoption"].summary


@pytest.mark.parametrize("on, version, article", [
    (D(2006, 7, 24), "1996年通过", "第十五条"), (D(2016, 6, 1), "2009年修正", "第十五条"),
    (D(2021, 8, 19), "2021年修订", "第十七条")])
def test_inflow_fine_is_a_finding_at_every_date_on_the_administrative_penalty_law(village, on, version, article):
    _, doc = text_of(village, "inflow", on)
    fine = next(f for f in doc.findings if f.clause == "inflow.party_a.rights.certificate")
    assert (fine.check, fine.law, fine.version, fine.article) == ("fine", "中华人民共和国行政处罚法", version, article)
    assert f"《中华人民共和国行政处罚法》（{version}）{article}" in fine.reason_zh


def test_findings_give_their_reason_in_chinese_citing_the_law_as_written(village):
    _, doc = text_of(village, "birth-spacing", D(2016, 6, 1))
    f = next(f for f in doc.findings if f.check == "one_child_advocacy")
    assert f.reason_zh.endswith("（《中华人民共和国人口与计划生育法》（2015年修正）第十八条）")
    for on in (SEED, D(2016, 6, 1), D(2021, 8, 19)):
        _, found = check_village(village, on)
        assert found and all(f.reason and f.reason_zh for f in found)


# --------------------------------------------------------------------------- the checks


CASES = [  # check, date, a clause that should trigger it, its lawful replacement
    ("contraception_duty", D(2016, 6, 1), "育龄妇女生育后必须落实长效节育措施。", "育龄夫妻自主选择避孕节育措施。"),
    ("pregnancy_termination", D(2021, 9, 1), "孕后补救：意外怀孕的，应当及时终止妊娠。",
     "村委会宣传孕产期保健，帮助孕产妇到医疗卫生机构接受保健服务。"),
    ("birth_permit", D(2021, 9, 1), "符合政策的，凭《生育证》生育，做到持证生育。", "不再办理生育证，生育子女的可以办理生育登记。"),
    ("one_child_advocacy", D(2021, 9, 1), "提倡一对夫妻生育一个子女，带头少生快富。",
     "宣传国家的生育政策：一对夫妻可以生育三个子女。"),
    ("birth_spacing", D(2021, 9, 1), "生育第二个孩子，间隔必须在四年以上。", "不再有生育间隔的要求，什么时候生育由夫妻自主决定。"),
    ("forgo_birth_reward", D(2021, 9, 1), "对自愿放弃二孩生育的家庭给予奖励。",
     "协助落实独生子女父母奖励和计划生育家庭奖励扶助。"),
    ("population_goal", D(2021, 9, 1), "为进一步降低生育水平，制定本公约。", "为推动实现适度生育水平，制定本公约。"),
    ("service_access", D(2021, 9, 1), "计生户子女进入幼儿园、就医等方面优先。", "村民子女入园、就医一律平等，与生育情况无关。"),
    ("certificate_licence", D(2021, 9, 1), "办理暂住证、营业执照前，应先交验《流动人口婚育证明》。",
     "流动人口办理居住证，依照有关规定办理。"),
    ("marriage_certificate", D(2022, 1, 1), "外出务工前应当办理婚育证明。", "外出务工的村民，可以向村委会咨询有关服务。"),
    ("public_posting", D(2022, 1, 1), "每月在公开栏公开当月的生育、节育情况。",
     "在公开栏公开奖励扶助资金的使用情况，不公开任何个人的生育、节育情况。"),
    ("deposit", SEED, "签订协议时，乙方预交履约保证金三百元。", "签订协议不收取任何保证金。"),
    ("deposit_forfeit", SEED, "乙方交纳保证金，违约的不予退还，并处罚款。", "乙方不交纳任何费用。"),
    ("fine", SEED, "无婚育证明的，处五百元以内罚款。", "村委会无权罚款；无婚育证明的，由村委会提醒其补办。"),
    ("social_maintenance_fee", D(2021, 9, 1), "违法生育的征收社会抚养费。", "社会抚养费已经取消，生育子女的可以办理生育登记。"),
    ("birth_sanction", D(2021, 9, 1), "违法生育的，依法进行限制和处罚。", "生育子女的，可以办理生育登记。"),
]


@pytest.mark.parametrize("check, on, bad, good", CASES, ids=[c[0] for c in CASES])
def test_each_check_finds_an_untagged_plugin_clause_and_not_its_lawful_replacement(village, check, on, bad, good):
    for text, expected in ((bad, True), (good, False)):
        pm = plugin_module.make_plugin_manager(extra=(_clause_plugin(text),))
        doc = Resolver(village, on, pm).document("convention")
        mine = {f.check for f in doc.findings if f.clause == "county.convention.rule"}
        assert (check in mine) is expected, (text, mine)
        if expected:
            f = next(f for f in doc.findings if f.check == check and f.clause == "county.convention.rule")
            assert f.plugin == "county_rules" and f.reason and f.reason_zh and f.law


def test_a_deposit_forfeited_with_a_fine_gives_three_findings_without_tags(village):
    pm = plugin_module.make_plugin_manager(extra=(_clause_plugin("乙方交纳保证金，违约的不予退还，并处罚款。"),))
    for on in (SEED, TODAY):
        doc = Resolver(village, on, pm).document("convention")
        assert {f.check for f in doc.findings if f.clause == "county.convention.rule"} == \
            {"deposit", "deposit_forfeit", "fine"}


def test_tags_mark_what_the_text_does_not_say(village):
    pm = plugin_module.make_plugin_manager(extra=(_clause_plugin("按本村规定处理。", tags=["deposit_forfeit"]),))
    doc = Resolver(village, SEED, pm).document("convention")
    assert ("deposit_forfeit", "county.convention.rule") in checks(doc)


def test_a_reviewed_clause_silences_that_check_only(village):
    reviewed = {"fine": "乡镇人民政府依法实施的罚款，本条只作告知（县司法局审查意见）"}
    pm = plugin_module.make_plugin_manager(extra=(_clause_plugin(
        "无婚育证明的，由乡镇人民政府依法处以罚款；乙方预交保证金。", reviewed=reviewed),))
    doc = Resolver(village, SEED, pm).document("convention")
    mine = {f.check for f in doc.findings if f.clause == "county.convention.rule"}
    assert "fine" not in mine and "deposit" in mine
    block = next(b for b in doc.blocks if b.id == "county.convention.rule")
    assert block.reviewed == reviewed


def test_provincial_migrant_rules_under_the_repealed_regulation_ask_the_plugin_to_confirm():
    gansu = load_village(ROOT / "examples" / "gansu" / "village.yaml")
    _, found = check_village(gansu, D(2021, 9, 26))
    assert "migrant_rules_repealed_basis" not in {f.check for f in found}
    _, found = check_village(gansu, TODAY)
    f = next(f for f in found if f.check == "migrant_rules_repealed_basis")
    assert f.plugin == "gansu" and f.law == "甘肃省流动人口计划生育管理办法" and f.severity == "warning"
    assert 'plugin "gansu" should confirm' in f.reason and "confirmed_on" in f.reason_zh
    # a province that confirms them (or ends them) is not asked again
    from docforge.default_plugins.checks import registry_findings

    rules = Instrument(id="province.migrant_rules", name="甘肃省流动人口计划生育管理办法", versions=[
        InstrumentVersion(label="2003年", effective_from=D(2003, 1, 1), confirmed_on=D(2022, 3, 1))])
    assert registry_findings([(rules, "gansu")], TODAY) == []


def test_a_plugin_clause_is_checked_against_todays_law_like_the_national_text(village):
    pm = plugin_module.make_plugin_manager(extra=(_clause_plugin(
        "每月在公开栏公开当月的生育、节育情况。", kind="charter", cid="county.charter.rule"),))
    doc = Resolver(village, TODAY, pm).document("charter")
    assert [(f.check, f.plugin) for f in doc.findings] == [("public_posting", "county_rules")]


def test_a_plugin_replacing_a_withdrawn_national_clause_is_an_error_naming_it(village):
    from docforge.errors import PluginError

    pm = plugin_module.make_plugin_manager(extra=(_clause_plugin(
        "优先：计生户在就医方面优先。", kind="charter", op="replace", cid="charter.incentives.priority"),))
    Resolver(village, D(2021, 6, 25), pm).document("charter")  # still there the day before
    with pytest.raises(PluginError) as e:
        Resolver(village, TODAY, pm).document("charter")
    msg = str(e.value)
    assert 'plugin "county_rules"' in msg and "charter.incentives.priority" in msg
    assert "withdrew 'charter.incentives.priority' after 2021-06-25" in msg and "全面脱钩" in msg
    # removing it again is what the law already did: no error
    pm = plugin_module.make_plugin_manager(extra=(_clause_plugin(
        None, kind="charter", op="remove", cid="charter.incentives.priority"),))
    assert "charter.incentives.priority" not in [b.id for b in Resolver(village, TODAY, pm).document("charter").blocks]


def test_docs_law_md_lists_every_instrument_check_and_uncertainty():
    from docforge.default_plugins.checks import CHECK_IDS
    from docforge.default_plugins.national import national_instruments

    doc = (ROOT / "docs" / "law.md").read_text(encoding="utf-8")
    for inst in national_instruments():
        assert f"`{inst.id}`" in doc, inst.id
        for v in inst.versions:
            if v.certainty == "approximate":
                row = next(line for line in doc.splitlines() if v.label in line and "approximate" in line)
                assert row, (inst.id, v.label)
            for key, art in v.articles.items():
                assert f"`{key}`" in doc, (inst.id, key)
    for check in (*CHECK_IDS, "migrant_rules_repealed_basis", "not_filed"):
        assert f"`{check}`" in doc, check
