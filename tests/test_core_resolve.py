"""Resolution: precedence by jurisdiction (never load order), clause add/replace/remove with
renumbering, conflicts, missing values and effective dates."""

from __future__ import annotations

import datetime as dt
import json

import docforge_gansu
import docforge_gansu_huining
import docforge_sample_county
import pytest
from conftest import GANSU_VILLAGE, HEBEI_VILLAGE, HOUSEHOLDS, VILLAGE, household, resolver, write_yaml
from plugins import (county_insert, county_policies, county_remove, county_replace, hebei, rival_gansu,
                     rival_huining, twin_gansu)

from docforge.errors import ConflictError, MissingValueError, PluginError
from docforge.models import DocumentKind

TWO_CHILD = "deposit.contraception.two_child"


def articles(doc) -> list[tuple[str, str]]:
    return [(b.label, b.id) for b in doc.blocks if b.type == "article"]


def label_of(doc, clause_id: str) -> str:
    return next(b.label for b in doc.blocks if b.id == clause_id)


# --------------------------------------------------------------------------- precedence


def test_county_amount_beats_province_docforge_amounts(docforge_cli, render):
    """会宁县's deposit (600) wins over 甘肃省's (400), in the document and in explain."""
    r = resolver(GANSU_VILLAGE, docforge_gansu, docforge_gansu_huining)
    won = r.amounts()[TWO_CHILD]
    assert won.item.amount == 600
    assert (won.provenance.plugin, won.provenance.jurisdiction.name) == ("docforge_gansu_huining", "会宁县")
    assert r.amounts()["deposit.contraception.one_child"].provenance.jurisdiction.name == "甘肃省"

    hh = HOUSEHOLDS / "h03-two-children.yaml"
    text = "\n".join(render("contraception", village=GANSU_VILLAGE, household=hh))
    assert "二孩夫妻人民币陆佰元整（¥600.00）" in text
    assert "一孩夫妻人民币贰佰元整（¥200.00）" in text
    assert "肆佰" not in text and "400.00" not in text

    run = docforge_cli("explain", "contraception", "--village", GANSU_VILLAGE, "--household", hh,
                       "--as-of", "2006-09-01", "--json")
    assert run.code == 0, run.output
    values = {v["key"]: v for v in json.loads(run.stdout)["values"]}
    two = values[TWO_CHILD]
    assert (two["plugin"], two["version"], two["jurisdiction"], two["level"], two["code"]) == \
        ("gansu_huining", "1.0.0", "会宁县", "county", "620422")
    assert two["value"] == "人民币陆佰元整（¥600.00）"
    assert (values["deposit.contraception.one_child"]["plugin"],
            values["deposit.contraception.one_child"]["level"]) == ("gansu", "province")


def test_county_article_inserted_and_later_articles_renumber(docforge_cli):
    """会宁县 adds an article after 第十一条: it becomes 第十二条, every later article moves down
    by one, and a {ref:} to a moved article shows its new number."""
    base = resolver(VILLAGE, docforge_sample_county).document("charter")
    r = resolver(GANSU_VILLAGE, docforge_gansu, docforge_gansu_huining)
    doc = r.document("charter")
    arts = articles(doc)
    assert label_of(base, "charter.incentives") == "第十一条"
    assert arts[10] == ("第十一条", "charter.incentives")
    assert arts[11] == ("第十二条", "huining.charter.education_aid")
    assert arts[12] == ("第十三条", "charter.coordination")
    assert arts[-1] == ("第十七条", "charter.entry_into_force")
    assert len(arts) == 17
    assert label_of(doc, "charter.hearings") == "第十六条"
    aid = next(b for b in doc.blocks if b.id == "huining.charter.education_aid")
    assert "依照本章程第十六条的规定公开" in aid.text
    assert aid.provenance.plugin == "docforge_gansu_huining"

    run = docforge_cli("explain", "charter", "--village", GANSU_VILLAGE, "--as-of", "2006-09-01", "--json")
    blocks = {b["id"]: b for b in json.loads(run.stdout)["blocks"]}
    assert (blocks["huining.charter.education_aid"]["label"], blocks["huining.charter.education_aid"]["plugin"],
            blocks["huining.charter.education_aid"]["jurisdiction"]) == ("第十二条", "gansu_huining", "会宁县")
    assert blocks["charter.entry_into_force"]["label"] == "第十七条"


def test_removed_clause_renumbers_docforge_clauses():
    base = resolver(VILLAGE, docforge_sample_county).document("charter")
    doc = resolver(VILLAGE, docforge_sample_county, county_remove).document("charter")
    assert "charter.binding" not in [b.id for b in doc.blocks]
    assert label_of(base, "charter.implementation") == "第四条"
    assert label_of(doc, "charter.implementation") == "第三条"
    base_arts, arts = articles(base), articles(doc)
    assert len(arts) == len(base_arts) - 1
    # every article after the removed one keeps its order and moves up by exactly one number
    assert [i for _, i in arts] == [i for _, i in base_arts if i != "charter.binding"]
    assert [lab for lab, _ in arts] == [lab for lab, _ in base_arts[:-1]]
    # chapters are numbered apart from articles: they keep theirs
    assert [b.label for b in doc.blocks if b.type == "chapter"] == ["第一章", "第二章", "第三章", "第四章"]


def test_replace_keeps_position_and_takes_provenance():
    base = resolver(VILLAGE, docforge_sample_county).document("charter")
    doc = resolver(VILLAGE, docforge_sample_county, county_replace).document("charter")
    assert [b.id for b in doc.blocks] == [b.id for b in base.blocks]
    assert [b.label for b in doc.blocks] == [b.label for b in base.blocks]
    home = next(b for b in doc.blocks if b.id == "charter.association_home")
    assert home.label == "第十条" and home.text == county_replace.TEXT
    assert (home.provenance.plugin, home.provenance.jurisdiction.name, home.provenance.legal_basis) == \
        ("plugins.county_replace", "某某县", "某某县测试文件")


def test_inserted_item_renumbers_items_and_refs_follow():
    doc = resolver(VILLAGE, docforge_sample_county, county_insert).document("charter")
    items = [(b.label, b.id) for b in doc.blocks if b.id.startswith(("charter.incentives.", "county.charter"))]
    assert items[:2] == [("（一）", "county.charter.incentives.first"), ("（二）", "charter.incentives.priority")]
    assert items[-1] == ("（六）", "charter.incentives.relief")

    conv = resolver(VILLAGE, docforge_sample_county, county_insert).document("convention")
    arts = articles(conv)
    assert arts[6] == ("第七条", "county.convention.review")
    assert arts[7] == ("第八条", "convention.publicity")
    review = next(b for b in conv.blocks if b.id == "county.convention.review")
    assert "依照第八条召开的听证会" in review.text


def test_ref_to_removed_clause_is_an_error():
    """A clause that refers to a clause another plugin removed is refused, naming both ids."""
    from docforge.models import Clause, Jurisdiction
    from docforge.hookspecs import hookimpl

    class RemovesPublicity:
        @hookimpl
        def docforge_jurisdictions(self):
            return [Jurisdiction(level="village", name="某某村")]

        @hookimpl
        def docforge_clauses(self, document, places, as_of):
            if document == "convention":
                return [Clause(id="convention.publicity", document="convention", op="remove")]

    with pytest.raises(PluginError, match=r"county\.convention\.review.*convention\.publicity"):
        resolver(VILLAGE, docforge_sample_county, county_insert, RemovesPublicity()).document("convention")


# --------------------------------------------------------------------------- load order


@pytest.mark.parametrize("village, plugins", [
    (GANSU_VILLAGE, (docforge_gansu, docforge_gansu_huining, twin_gansu)),
    (VILLAGE, (docforge_sample_county, county_insert, county_policies, county_replace)),
])
def test_load_order_does_not_matter(village, plugins):
    forward = resolver(village, *plugins)
    backward = resolver(village, *reversed(plugins))
    assert [n for n, _ in forward.pm.list_name_plugin()] != [n for n, _ in backward.pm.list_name_plugin()]
    for kind in DocumentKind:
        hh = household(kind.value) if kind.is_agreement else None
        a, b = forward.document(kind, hh), backward.document(kind, hh)
        assert a.model_dump() == b.model_dump(), kind
    for what in ("amounts", "policies", "instruments"):
        a, b = getattr(forward, what)(), getattr(backward, what)()
        assert {k: (c.item, c.provenance) for k, c in a.items()} == {k: (c.item, c.provenance) for k, c in b.items()}


def test_agreeing_plugins_are_attributed_the_same_in_any_order():
    for order in ((docforge_gansu, twin_gansu), (twin_gansu, docforge_gansu)):
        won = resolver(GANSU_VILLAGE, *order).amounts()["deposit.contraception.one_child"]
        assert won.provenance.plugin == "docforge_gansu"


# --------------------------------------------------------------------------- conflicts and gaps


@pytest.mark.parametrize("order", [(docforge_gansu, rival_gansu, docforge_gansu_huining),
                                   (docforge_gansu_huining, rival_gansu, docforge_gansu),
                                   (rival_gansu, docforge_gansu_huining, docforge_gansu)])
def test_same_jurisdiction_disagreeing_is_a_conflict_in_any_order(order):
    """Two plugins for 甘肃省 disagree on a deposit: an error naming both, even though 会宁县
    overrides that deposit, and whatever the order the plugins were registered in."""
    with pytest.raises(ConflictError) as e:
        resolver(GANSU_VILLAGE, *order).amounts()
    msg = str(e.value)
    assert "docforge_gansu" in msg and "plugins.rival_gansu" in msg
    assert TWO_CHILD in msg and "400" in msg and "450" in msg and "甘肃省" in msg


def test_same_place_spelled_with_and_without_code_is_one_jurisdiction():
    """甘肃省 with its code and 甘肃省 by name alone are one place of the chain: still a conflict."""
    from docforge.hookspecs import hookimpl
    from docforge.models import Amount, Jurisdiction

    class GansuByName:
        __name__ = "gansu_by_name"

        @hookimpl
        def docforge_jurisdictions(self):
            return [Jurisdiction(level="province", name="甘肃省")]

        @hookimpl
        def docforge_amounts(self, places, as_of):
            return [Amount(key="deposit.outflow", amount=999)]

    with pytest.raises(ConflictError, match=r"'deposit.outflow'.*docforge_gansu.*gansu_by_name"):
        resolver(GANSU_VILLAGE, GansuByName(), docforge_gansu).amounts()


def test_conflicting_clause_changes_name_both_plugins():
    with pytest.raises(ConflictError) as e:
        resolver(GANSU_VILLAGE, docforge_gansu, docforge_gansu_huining, rival_huining).document("charter")
    msg = str(e.value)
    assert "huining.charter.education_aid" in msg
    assert "docforge_gansu_huining" in msg and "plugins.rival_huining" in msg


def test_missing_amount_names_key_and_jurisdiction_chain():
    r = resolver(HEBEI_VILLAGE, hebei, as_of=dt.date(2020, 1, 1))
    r.document("contraception", household("contraception"))  # everything it needs is there
    with pytest.raises(MissingValueError) as e:
        r.document("inflow", household("inflow"))
    msg = str(e.value)
    assert "'fee.inflow.breach'" in msg and "inflow.breach.party_b" in msg
    assert "东关村（village） / 城关镇（township） / 正定县（county） / 石家庄市（prefecture） / " \
           "河北省（province） / 中华人民共和国（national）" in msg
    assert "2020-01-01" in msg


def test_village_of_a_province_without_plugin_is_refused(tmp_path, docforge_cli):
    """No installed plugin speaks for 河北省: the CLI refuses, naming what is missing and where."""
    village = write_yaml(tmp_path / "hebei.yaml", HEBEI_VILLAGE)
    out = tmp_path / "charter.docx"
    run = docforge_cli("render", "charter", "--village", village, "--as-of", "2020-01-01", "-o", out)
    assert run.code == 2 and run.exception is None
    assert "province.population_regulation" in run.stderr and "河北省（province）" in run.stderr
    assert "Traceback" not in run.output
    assert not out.exists()


# --------------------------------------------------------------------------- effective dates


@pytest.mark.parametrize("as_of, amount, capitals", [
    (dt.date(2015, 12, 31), 400, "人民币肆佰元整（¥400.00）"),
    (dt.date(2016, 1, 1), 1000, "人民币壹仟元整（¥1,000.00）"),
])
def test_value_in_force_on_as_of_is_used(as_of, amount, capitals):
    r = resolver(HEBEI_VILLAGE, hebei, as_of=as_of)
    assert r.amounts()[TWO_CHILD].item.amount == amount
    doc = r.document("contraception", household("contraception"))
    breach = next(b for b in doc.blocks if b.id == "contraception.breach.text")
    assert f"二孩夫妻{capitals}。" in breach.text


@pytest.mark.parametrize("as_of, present", [(dt.date(2015, 12, 31), False), (dt.date(2016, 1, 1), True)])
def test_clause_in_force_on_as_of(as_of, present):
    doc = resolver(HEBEI_VILLAGE, hebei, as_of=as_of).document("convention")
    ids = [i for _, i in articles(doc)]
    assert ("hebei.convention.choice" in ids) is present
    if present:
        assert label_of(doc, "hebei.convention.choice") == "第九条"


@pytest.mark.parametrize("as_of, label", [
    ("2006-09-01", "（2001年通过）"), ("2016-01-01", "（2015年修正）"), ("2021-08-20", "（2021年修正）")])
def test_citation_uses_version_in_force(docforge_cli, as_of, label):
    run = docforge_cli("explain", "convention", "--village", VILLAGE, "--as-of", as_of, "--json")
    assert run.code == 0, run.output
    cites = {v["key"]: v["value"] for v in json.loads(run.stdout)["values"] if v["kind"] == "citation"}
    assert cites["population_law"] == f"《中华人民共和国人口与计划生育法》{label}"


@pytest.mark.parametrize("as_of, version, article", [(dt.date(2010, 5, 1), "2003年", None),
                                                      (dt.date(2016, 1, 1), "2016年修正", "第十九条")])
def test_hook_docforge_instruments(as_of, version, article):
    """A province's docforge_instruments: its regulation is cited by name, in the version in force,
    with the article number of that version, and attributed to the plugin."""
    doc = resolver(HEBEI_VILLAGE, hebei, as_of=as_of).document("convention")
    assert "《河北省人口与计划生育条例》" in doc.blocks[0].text
    cites = {u.key: u for u in doc.values if u.kind == "citation"}
    reg = cites["province.population_regulation"]
    assert reg.value == f"《河北省人口与计划生育条例》（{version}）"
    assert (reg.provenance.plugin, reg.provenance.jurisdiction.name) == ("plugins.hebei", "河北省")
    if article:
        choice = next(b for b in doc.blocks if b.id == "hebei.convention.choice")
        assert f"依照《河北省人口与计划生育条例》{article}的规定" in choice.text
        assert cites["province.population_regulation#spacing"].value == \
            f"《河北省人口与计划生育条例》{article}（2016年修正）"
    assert not [f for f in doc.findings if f.check.startswith("citation.")]


def test_citation_of_a_text_not_yet_in_force_is_a_finding():
    doc = resolver(HEBEI_VILLAGE, hebei, as_of=dt.date(2002, 6, 1)).document("convention")
    found = [f for f in doc.findings if f.check == "citation.not_in_force"]
    assert any("河北省人口与计划生育条例" in f.reason and "not yet in force" in f.reason for f in found)


# --------------------------------------------------------------------------- policies


def test_county_policies_override_docforge_policies():
    r = resolver(VILLAGE, docforge_sample_county, county_policies)
    conv = r.document("convention")
    item = next(b for b in conv.blocks if b.id == "convention.autonomy.contraception")
    assert "间隔必须在三年以上" in item.text
    inflow = r.document("inflow", household("inflow"))
    assert inflow.parties[0].lines == ["甲方：某某镇人民政府"]
    copies = next(b for b in inflow.blocks if b.id == "inflow.copies")
    assert copies.text == "本协议一式三份，甲、乙双方及县公证处各执一份。"
    assert inflow.copies == ["甲方", "乙方", "县公证处"]
    uses = {u.key: u for u in inflow.values if u.kind == "policy"}
    assert uses["copies.inflow"].provenance.jurisdiction.name == "某某县"
    # without the county plugin: the national choices
    plain = resolver(VILLAGE, docforge_sample_county).document("inflow", household("inflow"))
    assert plain.parties[0].lines == ["甲方：某某村村民委员会"]


def test_contribution_outside_the_chain_is_ignored():
    """河北省's values never reach a village of 某某省, and 甘肃省's none of 某某县."""
    r = resolver(VILLAGE, docforge_sample_county, hebei, docforge_gansu)
    assert {c.provenance.jurisdiction.name for c in r.amounts().values()} == {"某某县", "某某省"}
    assert "河北省" not in "".join(b.text for b in r.document("convention").blocks)


def test_contribution_without_jurisdiction_from_a_plugin_of_two_places():
    from plugins import two_places

    with pytest.raises(PluginError, match=r'plugin "plugins.two_places".*set jurisdiction='):
        resolver(VILLAGE, two_places).amounts()
