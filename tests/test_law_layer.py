"""The national layer versioned by date: the seed's text until the law changed, then the text of
2016-01-01, of 2021-08-20 (and the September 2021 repeal), each changed clause with its legal basis as
data; the example village's charter and convention lawful today, read back from the DOCX; the four
agreements not offered from 2021-08-20; adopted texts rendered on a later date."""

from __future__ import annotations

import datetime as dt
import json
import types

import pytest
from conftest import HOUSEHOLDS, VILLAGE, docx_paragraphs

from docforge import plugins as plugin_module
from docforge.default_plugins.checks import CHECK_IDS, clause_findings
from docforge.default_plugins.national import clauses_on, national_instruments, withdrawn_clauses
from docforge.explain import explain_document
from docforge.hookspecs import hookimpl
from docforge.inputs import load_household, load_village
from docforge.law import date_notices
from docforge.models import AGREEMENTS, Block, Clause, Document, DocumentKind, Jurisdiction, Provenance, Selection
from docforge.resolve import Resolver

D = dt.date
SEED, Y2016, Y2021, TODAY = D(2006, 7, 24), D(2016, 6, 1), D(2021, 9, 1), D(2026, 12, 3)


@pytest.fixture(scope="module")
def village():
    return load_village(VILLAGE)


def text(village, kind, on, pm=None):
    return "\n".join(Resolver(village, on, pm).document(kind).text_lines())


def ids(kind, on):
    return [c.id for c in clauses_on(kind, on)]


# --------------------------------------------------------------------------- the text on each date


def test_seed_text_until_the_law_changed(village):
    charter = text(village, "charter", SEED)
    assert "奖励：对符合二孩生育条件自愿报名放弃二孩生育的计生户给予奖、优、免、补的奖励。" in charter
    assert "与她们结成少生快富的对子" in charter and "二孩生育证申报、办理、发放" in charter
    convention = text(village, "convention", SEED)
    assert "进一步降低生育水平" in convention and "履约保证金不再退还" in convention
    assert text(village, "charter", D(2015, 12, 31)) == text(village, "charter", SEED).replace(
        "《中华人民共和国村民委员会组织法》第二十条", "《中华人民共和国村民委员会组织法》第二十七条")  # only the citation moved


def test_text_of_2016_follows_the_2015_amendment(village):
    charter = text(village, "charter", Y2016)
    assert "放弃二孩生育" not in charter and "少生快富" not in charter and "奖励只生一孩的家庭" not in charter
    assert "帮助联系户解决生育、养育中的实际困难" in charter
    assert "二孩生育证申报" in charter  # birth permits went with the 2021 reform, not in 2016
    convention = text(village, "convention", Y2016)
    assert "育龄夫妻自主选择避孕节育措施，预防和减少非意愿妊娠。" in convention
    assert "采取长效避孕节育措施" not in convention
    assert "convention.agreements" in ids("convention", Y2016)
    assert Resolver(village, Y2016).selection(load_household(HOUSEHOLDS / "h04-outflow.yaml"))[0].agreements == \
        [DocumentKind.outflow]


def test_text_of_september_2021_follows_the_2021_amendment_and_decision(village):
    charter = text(village, "charter", Y2021)
    for gone in ("孩子进入幼儿园、就医等方面优先", "生育证", "孕后补救", "查环、查孕", "少生快富", "符合政策生育的家庭"):
        assert gone not in charter, gone
    assert "为群众办理生育登记提供咨询和代办服务" in charter
    assert "宣传本省规定的生育假、育儿假等政策" in charter
    assert "协助发展普惠托育服务和家庭婴幼儿照护服务" in charter
    assert "不涉及任何个人的生育、避孕节育和健康信息" in charter
    assert "本章程不得与宪法、法律、法规和国家的政策相抵触，不得有侵犯村民的人身权利、民主权利和合法财产权利的内容" in charter
    convention = text(village, "convention", Y2021)
    for gone in ("保证金", "生育间隔", "违法生育", "降低生育水平", "每月公开一次当月的生育、节育情况"):
        assert gone not in convention, gone
    assert "推动实现适度生育水平，促进人口长期均衡发展" in convention
    assert "禁止早婚。收养子女应当依照《民法典》的规定办理" in convention
    for kind in AGREEMENTS:
        assert clauses_on(kind, D(2021, 8, 19)) and clauses_on(kind, D(2021, 8, 20)) == []


def test_withdrawn_priority_goes_with_the_decision_of_2021_06_26():
    assert "charter.incentives.priority" in ids("charter", D(2021, 6, 25))
    assert "charter.incentives.priority" not in ids("charter", D(2021, 6, 26))


def test_today_the_charter_and_convention_have_no_finding(village):
    r = Resolver(village, TODAY)
    for kind in ("charter", "convention"):
        doc = r.document(kind)
        assert doc.findings == [], [f.line() for f in doc.findings]


# --------------------------------------------------------------------------- why each clause changed


def _registry():
    return {i.id: i for i in national_instruments()}


def _valid(basis):
    reg = _registry()
    inst = reg[basis.instrument]
    version = next(v for v in inst.versions if v.label == basis.version)
    if basis.article:
        assert basis.article in version.articles, basis
    assert basis.note


@pytest.mark.parametrize("kind", ["charter", "convention"])
@pytest.mark.parametrize("on", [Y2016, Y2021, TODAY])
def test_every_clause_that_changed_from_the_seed_says_why(village, kind, on):
    seed = {c.id: c.text for c in clauses_on(kind, SEED)}
    now = clauses_on(kind, on)
    changed = [c for c in now if seed.get(c.id) != c.text]
    assert changed
    for c in changed:
        assert c.basis, c.id
        for b in c.basis:
            _valid(b)
    gone = {c.id for c in withdrawn_clauses(kind, on)}
    assert gone == set(seed) - {c.id for c in now}
    for c in withdrawn_clauses(kind, on):
        assert c.basis and c.effective_to < on and c.text == seed[c.id]
        for b in c.basis:
            _valid(b)


def test_explain_shows_the_basis_of_each_changed_clause_and_what_was_withdrawn(village):
    report = explain_document(village, "charter", None, TODAY)
    blocks = {b["id"]: b for b in report["blocks"]}
    assert blocks["charter.targets"]["basis"][0] == {
        "instrument": "population_law", "version": "2021年修正", "article": "village_duty",
        "note": "删去“责任目标任务”，改为依法做好计划生育工作"}
    assert blocks["charter.mass_organizations"]["basis"] == []  # the seed's text, unchanged
    gone = {w["id"]: w for w in report["withdrawn"]}
    assert gone["charter.incentives.priority"]["last_day"] == "2021-06-25"
    assert gone["charter.incentives.priority"]["basis"][0]["instrument"] == "central_decision_2021"
    assert gone["charter.incentives.reward"]["last_day"] == "2015-12-31"


def test_explain_cli_prints_the_basis(docforge_cli):
    run = docforge_cli("explain", "convention", "--village", VILLAGE, "--as-of", "2026-12-03")
    assert run.code == 0, run.output
    assert "basis: population_law 2021年修正 #population_goal: “进一步降低生育水平”改为" in run.stdout
    assert "convention.agreements" in run.stdout and "Withdrawn from the national text" in run.stdout
    js = json.loads(docforge_cli("explain", "convention", "--village", VILLAGE, "--as-of", "2026-12-03",
                                 "--json").stdout)
    assert {"instrument", "version", "article", "note"} <= set(js["blocks"][0]["basis"][0])


def test_the_resolved_block_carries_the_winning_clauses_basis(village):
    mod = types.ModuleType("county_text")
    county = Jurisdiction(level="county", name="某某县")

    @hookimpl
    def docforge_jurisdictions():
        return [county]

    @hookimpl
    def docforge_clauses(document, places, as_of):
        if document == "charter":
            return [Clause(id="charter.targets", document="charter", op="replace",
                           text="村委会依法做好计划生育工作。",
                           basis=[{"instrument": "population_law", "version": "2021年修正", "article": "village_duty",
                                   "note": "县里的写法"}])]

    mod.docforge_jurisdictions, mod.docforge_clauses = docforge_jurisdictions, docforge_clauses
    pm = plugin_module.make_plugin_manager(extra=(mod,))
    b = next(b for b in Resolver(village, TODAY, pm).document("charter").blocks if b.id == "charter.targets")
    assert b.provenance.plugin == "county_text" and [x.note for x in b.basis] == ["县里的写法"]


# --------------------------------------------------------------------------- read back from the DOCX


@pytest.mark.parametrize("kind", ["charter", "convention"])
def test_todays_text_read_back_from_the_docx_has_no_finding(docforge_cli, tmp_path, kind):
    out = tmp_path / f"{kind}.docx"
    run = docforge_cli("render", kind, "--village", VILLAGE, "--as-of", "2026-12-03", "-o", out)
    assert run.code == 0, run.output
    assert "warning:" not in run.stderr and "error:" not in run.stderr
    assert "notice: the " + kind in run.stderr  # a new draft: to be adopted again
    lines = docx_paragraphs(out)
    # every paragraph as printed goes through every national check in force today, with no tags
    prov = Provenance(plugin="docx", jurisdiction=Jurisdiction(level="national", name="中华人民共和国"))
    blocks = [Block(id=f"p{n}", type="para", text=line, provenance=prov) for n, line in enumerate(lines[1:])]
    doc = Document(kind=kind, title=lines[0], as_of=TODAY, village="某某村", blocks=blocks)
    assert list(clause_findings(doc, TODAY)) == []
    joined = "".join(lines)
    for unlawful in ("保证金", "罚款", "社会抚养费", "生育证", "终止妊娠", "生育间隔", "少生快富", "降低生育水平"):
        assert unlawful not in joined, unlawful
    if kind == "charter":
        assert lines[0] == "某某村人口和计划生育村居民自治章程"
        assert "第七条\u3000村委会要认真贯彻执行人口与计划生育法律、法规和国家的政策，依法做好计划生育工作，促进人口长期均衡发展。" in lines
        assert "第十八条\u3000本章程经村民会议或村民代表会议通过后，依照《中华人民共和国村民委员会组织法》第二十七条的规定报某某镇人民政府备案。" in lines
    else:
        assert "第六条\u3000村委会在村务公开栏公开国家计划生育政策的落实方案和奖励扶助、帮扶资金的使用情况，" \
               "不公开任何个人的生育、避孕节育和健康信息。每季度召开一次计划生育听证会，由村民代表及计生协会会员代表参加。" \
               "村委会报告《计划生育村民自治章程》、《计划生育村民自治公约》的执行情况，接受村民的评议和监督。" in lines


def test_the_seed_docx_read_back_is_caught_by_the_checks_today(render):
    lines = render("convention", as_of="2006-07-24")
    prov = Provenance(plugin="docx", jurisdiction=Jurisdiction(level="national", name="中华人民共和国"))
    doc = Document(kind="convention", title=lines[0], as_of=TODAY, village="某某村",
                   blocks=[Block(id=f"p{n}", type="para", text=t, provenance=prov) for n, t in enumerate(lines[1:])])
    found = {f.check for f in clause_findings(doc, TODAY)}
    assert {"deposit", "deposit_forfeit", "population_goal", "birth_spacing", "public_posting",
            "birth_sanction", "contraception_duty"} <= found
    assert set(found) <= set(CHECK_IDS)


# --------------------------------------------------------------------------- the agreements from 2021-08-20


@pytest.mark.parametrize("path", sorted(HOUSEHOLDS.glob("*.yaml")), ids=lambda p: p.stem)
def test_no_household_is_given_an_agreement_today_each_with_its_reason(village, path):
    h = load_household(path)
    sel, prov = Resolver(village, TODAY).selection(h)
    assert sel.agreements == [] and prov.plugin == "selection"
    assert set(sel.reasons) == {k.value for k in AGREEMENTS}
    assert sel.reasons["birth-spacing"].startswith("自2021年8月20日起不再签订《生育间隔协议书》：一对夫妻可以生育三个子女")
    assert "流动人口计划生育工作条例于2021年9月废止" in sel.reasons["outflow"]


def test_explain_and_the_manifest_give_the_reasons(village, tmp_path):
    from docforge.bundle import build_bundle

    h = HOUSEHOLDS / "h02-one-child-second-planned.yaml"
    report = explain_document(village, "charter", load_household(h), TODAY)
    assert report["selection"]["agreements"] == [] and "生育间隔协议书" in report["selection"]["reasons"]["birth-spacing"]
    build_bundle(VILLAGE, [h], tmp_path / "out", as_of=TODAY, formats=["docx"], jobs=1)
    m = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    entry = m["households"][0] if isinstance(m["households"], list) else next(iter(m["households"].values()))
    assert entry["agreements"] == [] and entry["packet"] is None
    assert entry["reasons"]["contraception"].startswith("自2021年8月20日起不再签订《落实避孕节育措施协议书》")


def test_rendering_an_agreement_today_says_why_it_is_not_offered(docforge_cli, tmp_path):
    out = tmp_path / "o.docx"
    run = docforge_cli("render", "outflow", "--village", VILLAGE, "--household", HOUSEHOLDS / "h04-outflow.yaml",
                       "--as-of", "2026-12-03", "-o", out)
    assert run.code == 2 and not out.exists()
    assert "the outflow agreement is not offered on 2026-12-03: 自2021年8月20日起不再签订《流出人口计划生育管理协议》" in run.stderr
    assert "A province plugin may supply a lawful agreement of its own" in run.stderr


def service_notice_plugin():
    """A province's own lawful agreement after 2021, as docs/law.md shows: a voluntary service notice
    for households that live away, in place of the national outflow agreement."""
    mod = types.ModuleType("province_service_notice")
    province = Jurisdiction(level="province", name="某某省")
    since = D(2021, 8, 20)

    @hookimpl
    def docforge_jurisdictions():
        return [province]

    @hookimpl
    def docforge_select_agreements(household, village, places, as_of, policies):
        if as_of < since:
            return None
        if household.migration.value == "outflow":
            return Selection(agreements=["outflow"], reasons={"outflow": "外出居住的家庭，自愿签收流动人口计划生育服务告知书"})
        return Selection(agreements=[], reasons={"none": "不需要签收告知书"})

    @hookimpl
    def docforge_clauses(document, places, as_of):
        if document != "outflow" or as_of < since:
            return None
        basis = [{"instrument": "population_law", "version": "2021年修正", "article": "free_services",
                  "note": "现居住地也可享受免费的基本项目计划生育技术服务"}]
        return [Clause(id="province.outflow.title", document="outflow", type="title", text="流动人口计划生育服务告知书",
                       effective_from=since),
                Clause(id="province.outflow.preamble", document="outflow", type="para", effective_from=since,
                       text="根据{cite:population_law}，村民委员会向外出居住的家庭告知下列服务，双方自愿签收。"),
                Clause(id="province.outflow.services", document="outflow", type="section", effective_from=since,
                       basis=basis,
                       text="在现居住地可以办理生育登记，享受免费的基本项目计划生育技术服务和孕产期保健服务。"),
                Clause(id="province.outflow.copies", document="outflow", type="section", effective_from=since,
                       text="本告知书一式{policy:copies.outflow|count_cn}份，{policy:copies.outflow|holders}各执一份。")]

    for f in (docforge_jurisdictions, docforge_select_agreements, docforge_clauses):
        setattr(mod, f.__name__, f)
    return mod


def test_a_province_may_supply_a_lawful_agreement_of_its_own(village):
    pm = plugin_module.make_plugin_manager(extra=(service_notice_plugin(),))
    r = Resolver(village, TODAY, pm)
    h = load_household(HOUSEHOLDS / "h04-outflow.yaml")
    sel, prov = r.selection(h)
    assert sel.agreements == [DocumentKind.outflow] and prov.plugin == "province_service_notice"
    doc = r.document("outflow", h)
    assert doc.title == "流动人口计划生育服务告知书" and doc.findings == []
    assert "一、在现居住地可以办理生育登记，享受免费的基本项目计划生育技术服务和孕产期保健服务。" in doc.text_lines()
    # before 2021-08-20 the national agreement stands
    assert Resolver(village, D(2021, 8, 19), pm).document("outflow", h).title == "流出人口计划生育管理协议"


# --------------------------------------------------------------------------- adopted on one date, rendered on another


def test_an_adopted_text_rendered_later_is_a_new_draft_to_adopt_again(village):
    charter = Resolver(village, TODAY).document("charter")
    (n,) = charter.notices
    assert n.check == "adoption.new_draft" and n.clause == "charter.adopted_on" and charter.findings == []
    assert "adopted on 2006-08-20 reads differently on 2026-12-03" in n.reason and "村民会议" in n.reason
    assert "《中华人民共和国村民委员会组织法》（2018年修正）第二十七条" in n.reason_zh
    # the text as adopted, rendered later while the law had not changed it: no notice
    assert Resolver(village, D(2006, 9, 1)).document("charter").notices == []


def test_inputs_that_contradict_the_signing_date_are_notices_naming_the_field(village):
    early = Resolver(village, SEED).document("charter").notices
    assert [(n.check, n.clause) for n in early] == [("input.after_signing_date", "charter.adopted_on")]
    bad = village.model_copy(update={"convention": village.convention.model_copy(
        update={"filed_with_township_on": D(2006, 8, 1)})})
    assert ("input.filed_before_adoption", "convention.filed_with_township_on") in \
        {(n.check, n.clause) for n in date_notices(bad, None, DocumentKind.convention, D(2006, 9, 1))}
    h = load_household(HOUSEHOLDS / "h04-outflow.yaml")
    data = h.model_dump()
    data.update(children=[*data["children"], {"name": "小明", "birth_date": D(2021, 1, 1)}],
                certificate_valid_from=D(2024, 1, 1), certificate_valid_to=D(2026, 1, 1))
    h = type(h).model_validate(data)
    found = {(n.check, n.clause) for n in date_notices(village, h, DocumentKind.outflow, D(2020, 6, 1))}
    assert ("input.after_signing_date", f"children[{len(h.children)}].birth_date") in found
    assert ("input.term_far_after_signing", "certificate_valid_from") in found
    doc = Resolver(village, D(2020, 6, 1)).document("outflow", h)
    assert {n.clause for n in doc.notices} >= {"certificate_valid_from", f"children[{len(h.children)}].birth_date"}
    assert doc.findings  # the legal findings stay apart from the notices
