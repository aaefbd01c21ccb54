"""Citations: article lists in ``{cite:}``, citations typed into clause text checked against the law
in force, and the village's own documents cited by the title they have. Read back from the DOCX and
from ``docforge check``."""

from __future__ import annotations

import json

import yaml
from conftest import VILLAGE, write_yaml

TODAY = "2026-11-30"


def village_with(tmp_path, clauses, name="village.yaml"):
    data = yaml.safe_load(VILLAGE.read_text(encoding="utf-8"))
    data["clauses"] = clauses
    return write_yaml(tmp_path / name, data)


def article(cid, text, after="charter.binding"):
    return {"op": "add", "id": cid, "document": "charter", "type": "article", "after": after, "text": text}


def findings(docforge_cli, village, as_of=TODAY, check="citation.literal"):
    run = docforge_cli("check", "--village", village, "--as-of", as_of, "--json")
    assert run.code == 0, run.output
    return {f["clause"]: f for f in json.loads(run.stdout)["findings"] if f["check"] == check}


def test_cite_prints_an_article_list(tmp_path, render):
    village = village_with(tmp_path, [article(
        "village.charter.rights", "依照{cite:population_law#rights_duties,birth_policy,contraception_choice}的规定。")])
    text = render("charter", village=village, as_of=TODAY)
    assert ("第四条　依照《中华人民共和国人口与计划生育法》第十七条、第十八条、第二十条的规定。" in text)
    # on a date before 2016 the third article does not exist: the others print, and a finding says so
    text = render("charter", village=village, as_of="2010-01-01", name="old.docx")
    assert "第四条　依照《中华人民共和国人口与计划生育法》第十七条、第十八条的规定。" in text


def test_article_list_missing_article_is_a_finding(tmp_path, docforge_cli):
    village = village_with(tmp_path, [article(
        "village.charter.rights", "依照{cite:population_law#rights_duties,contraception_choice}的规定。")])
    found = findings(docforge_cli, village, "2010-01-01", "citation.article_missing")
    assert found["village.charter.rights"]["article"] == "contraception_choice"


def test_typed_citations_are_checked_against_the_law_in_force(tmp_path, render, docforge_cli):
    village = village_with(tmp_path, [
        article("village.charter.stale", "依照《中华人民共和国村民委员会组织法》第二十条的规定，报镇人民政府备案。"),
        article("village.charter.current", "依照《村民委员会组织法》第二十七条的规定制定本章程。",
                after="village.charter.stale"),
        article("village.charter.renamed", "婚姻自由，依照《婚姻法》办理。", after="village.charter.current"),
        article("village.charter.unknown", "依照《人口与计划生育法》第九十九条的规定。", after="village.charter.renamed"),
        article("village.charter.other", "依照《某某村治安公约》第三条的规定。", after="village.charter.unknown"),
    ])
    text = render("charter", village=village, as_of=TODAY)
    assert "第四条　依照《中华人民共和国村民委员会组织法》第二十条的规定，报镇人民政府备案。" in text  # printed as typed
    found = findings(docforge_cli, village)
    stale = found["village.charter.stale"]
    assert stale["article"] == "第二十七条" and stale["plugin"] == "village file"
    assert "that is article 'charter_adoption' of 1998年通过, which is 第二十七条 of the version in force" in stale["reason"]
    assert "write {cite:villagers_committee_law#charter_adoption}" in stale["reason"]
    assert ("这是1998年通过的条文序号，在2026-11-30施行的版本（2018年修正）中为第二十七条，请改写为 "
            "{cite:villagers_committee_law#charter_adoption}") in stale["reason_zh"]
    current = found["village.charter.current"]
    assert current["article"] == "第二十七条" and "write {cite:villagers_committee_law#charter_adoption}" in current["reason"]
    assert "will not follow the law when it is renumbered" in current["reason"]
    renamed = found["village.charter.renamed"]
    assert "the text in force on 2026-11-30 is 《中华人民共和国民法典》" in renamed["reason"]
    assert "write {cite:marriage_law}" in renamed["reason"]
    assert "does not know which article" in found["village.charter.unknown"]["reason"]
    assert "village.charter.other" not in found  # an instrument the registry does not know
    # in 2009 the same 第二十条 was the article in force
    old = findings(docforge_cli, village, "2009-06-01")
    assert old["village.charter.stale"]["article"] == "第二十条"
    assert "it is the article 'charter_adoption'" in old["village.charter.stale"]["reason"]
    assert "village.charter.renamed" not in old  # 《婚姻法》 was its name then


def test_the_seed_has_no_typed_citation_findings(docforge_cli):
    assert findings(docforge_cli, VILLAGE, "2006-09-01") == {}


def test_the_village_documents_are_cited_by_the_title_they_have(tmp_path, render):
    default = render("convention", village=VILLAGE, as_of="2006-09-01", name="seed.docx")
    assert any("《计划生育村民自治章程》" in p for p in default)  # the registry's name, as the seed has it
    village = village_with(tmp_path, [
        {"op": "replace", "id": "charter.title", "document": "charter", "text": "计划生育村民自治章程（试行）"},
        {"op": "add", "id": "village.convention.charter", "document": "convention", "type": "article",
         "after": "convention.purpose", "text": "本公约与{cite:village.charter|full}一并执行。"}])
    convention = render("convention", village=village, as_of="2006-09-01")
    assert any("《计划生育村民自治章程（试行）》" in p for p in convention)
    assert not any("《计划生育村民自治章程》" in p for p in convention)
    assert "第二条　本公约与《某某村计划生育村民自治章程（试行）》一并执行。" in convention
    charter = render("charter", village=village, as_of="2006-09-01", name="charter.docx")
    assert charter[0] == "某某村计划生育村民自治章程（试行）"


def test_a_typed_name_of_a_retitled_charter_is_a_finding(tmp_path, docforge_cli):
    village = village_with(tmp_path, [
        {"op": "replace", "id": "charter.title", "document": "charter", "text": "计划生育村民自治章程（试行）"},
        {"op": "add", "id": "village.convention.charter", "document": "convention", "type": "article",
         "after": "convention.purpose", "text": "本公约与《计划生育村民自治章程》一并执行。"}])
    found = findings(docforge_cli, village, "2006-09-01")
    assert set(found) == {"village.convention.charter"}
    assert ("the village's charter is titled 《计划生育村民自治章程（试行）》: write {cite:village.charter}"
            in found["village.convention.charter"]["reason"])
