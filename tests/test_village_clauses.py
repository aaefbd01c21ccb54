"""A village's own clauses in its village file (``clauses:``), and ``op="move"``: read back from the
DOCX that ``docforge render`` writes, and from ``docforge explain``."""

from __future__ import annotations

import json

import yaml
from conftest import SEED_AS_OF, VILLAGE, docx_paragraphs, resolver, write_yaml

from docforge.models import Clause, Jurisdiction
from docforge.hookspecs import hookimpl


def village_with(tmp_path, clauses: list[dict], name: str = "village.yaml"):
    data = yaml.safe_load(VILLAGE.read_text(encoding="utf-8"))
    data["clauses"] = clauses
    return write_yaml(tmp_path / name, data)


WATER = {"op": "add", "id": "village.charter.water", "document": "charter", "type": "article",
         "after": "charter.binding", "tags": ["local"],
         "text": "本村饮水工程由村委会统一管理，管理情况依照本章程{ref:charter.hearings}的规定公开。"}
MOVE_HEARINGS = {"op": "move", "id": "charter.hearings", "document": "charter", "after": "charter.basis"}


def test_village_file_adds_replaces_removes_and_moves_articles(tmp_path, render):
    village = village_with(tmp_path, [
        MOVE_HEARINGS, WATER,
        {"op": "remove", "id": "charter.incentives.relief", "document": "charter"},
        {"op": "replace", "id": "charter.staff", "document": "charter", "text": "村委会设计划生育宣传员一名。"},
    ])
    text = render("charter", village=village)
    assert text[1] == "第一章　总则"
    assert text[2].startswith("第一条　根据")
    # the moved article keeps its text, now second; every later article moves down by one
    assert text[3].startswith("第二条　实行听证会制度。")
    assert text[4].startswith("第三条　村民委员会应当充分发挥计生协")
    assert text[5].startswith("第四条　本章程对村内已婚育龄夫妇")
    # the village's article, numbered by the engine, refers to the moved article by its new number
    assert text[6] == "第五条　本村饮水工程由村委会统一管理，管理情况依照本章程第二条的规定公开。"
    assert "第十条　村委会设计划生育宣传员一名。" in text
    assert not any(p.startswith("（五）救助") for p in text)
    # the national 16 articles, the sample county's filing article, and the village's
    assert text[-2].startswith("第十七条　本章程自村民会议或村民代表会议通过之日起")
    assert text[-1].startswith("第十八条　本章程经村民会议或村民代表会议通过后")


def test_explain_shows_the_village_file_and_who_moved_what(tmp_path, docforge_cli):
    village = village_with(tmp_path, [MOVE_HEARINGS, WATER])
    run = docforge_cli("explain", "charter", "--village", village, "--as-of", SEED_AS_OF, "--json")
    assert run.code == 0, run.output
    blocks = {b["id"]: b for b in json.loads(run.stdout)["blocks"]}
    moved = blocks["charter.hearings"]
    assert moved["label"] == "第二条" and moved["plugin"] == "national"  # provenance kept
    assert moved["moved_by"]["plugin"] == "village file" and moved["moved_by"]["level"] == "village"
    assert blocks["village.charter.water"]["plugin"] == "village file"
    assert blocks["village.charter.water"]["jurisdiction"] == "某某村"
    assert blocks["charter.basis"]["moved_by"] is None
    run = docforge_cli("explain", "charter", "--village", village, "--as-of", SEED_AS_OF)
    lines = run.stdout.splitlines()
    i = next(n for n, line in enumerate(lines) if "charter.hearings" in line)
    assert "national" in lines[i] and "moved here by village file @ 某某村（village）" in lines[i + 1]


def test_move_keeps_id_text_tags_and_provenance_of_a_plugin_clause():
    class County:
        __name__ = "county_mover"

        @staticmethod
        @hookimpl
        def docforge_jurisdictions():
            return [Jurisdiction(level="county", name="某某县")]

        @staticmethod
        @hookimpl
        def docforge_clauses(document, places, as_of):
            if document != "convention":
                return None
            return [Clause(id="convention.publicity", document="convention", op="replace", tags=["publicity"],
                           text="在村委会公开栏内公开计划生育情况。"),
                    Clause(id="convention.publicity", document="convention", op="move",
                           before="convention.purpose")]

    import docforge_sample_county

    doc = resolver(VILLAGE, docforge_sample_county, County()).document("convention")
    first = doc.blocks[0]
    assert (first.id, first.label, first.text, first.tags) == (
        "convention.publicity", "第一条", "在村委会公开栏内公开计划生育情况。", ["publicity"])
    assert first.provenance.plugin == "county_mover" and first.moved_by.plugin == "county_mover"
    assert doc.blocks[1].label == "第二条" and doc.blocks[1].id == "convention.purpose"


def test_move_an_item_to_another_article_and_to_the_end_of_a_parent(tmp_path, render):
    village = village_with(tmp_path, [
        {"op": "move", "id": "charter.incentives.relief", "document": "charter", "parent": "charter.association"},
        {"op": "move", "id": "charter.coordination", "document": "charter", "parent": "charter.supplementary"},
    ])
    text = render("charter", village=village)
    i = text.index(next(p for p in text if p.startswith("第九条　村委会必须加强计划生育协会组织建设")))
    assert text[i + 4].startswith("（四）救助：对遇到重大困难的计划生育户")
    assert text[-1].startswith("第十七条　村委会负责协调村计生协")
    assert text[-3].startswith("第十五条　本章程自村民会议或村民代表会议通过之日起")


def test_bad_village_clauses_are_refused_naming_the_item(tmp_path, docforge_cli):
    cases = [
        ([{"op": "move", "id": "charter.hearings", "document": "charter"}],
         "clauses.0: clause charter.hearings: a move needs 'before' or 'after'"),
        ([{"op": "move", "id": "charter.hearings", "document": "charter", "after": "x", "text": "新"}],
         "a move keeps the clause's text"),
        ([{"op": "add", "id": "Bad Id", "document": "charter", "type": "article", "text": "x"}], "clauses.0.id"),
        ([WATER, {"op": "move", "id": "charter.nothing", "document": "charter", "after": "charter.basis"}],
         "village file, clauses.1 ('charter.nothing' of charter): is to be moved, but the document does "
         "not have it"),
        ([{"op": "move", "id": "charter.general", "document": "charter", "parent": "charter.basis"}],
         "cannot be moved under 'charter.basis', which is part of it"),
        ([{**WATER, "after": "charter.nothing"}], "is placed after 'charter.nothing', which the document does not"),
        ([{**WATER, "id": "charter.basis"}], "already exists (from plugin \"national\")"),
        ([{**WATER, "jurisdiction": {"level": "county", "name": "某某县"}}], "clauses.0 ('village.charter.water'): leave out 'jurisdiction'"),
    ]
    for n, (clauses, message) in enumerate(cases):
        village = village_with(tmp_path, clauses, f"v{n}.yaml")
        out = tmp_path / f"out{n}.docx"
        run = docforge_cli("render", "charter", "--village", village, "--as-of", SEED_AS_OF, "-o", out)
        assert run.code == 2 and run.exception is None, (n, run.output)
        assert message in run.stderr and "Traceback" not in run.output, (n, run.stderr)
        assert not out.exists()


def test_village_clauses_follow_effective_dates(tmp_path, render):
    later = {**WATER, "effective_from": "2010-01-01"}
    village = village_with(tmp_path, [later])
    assert not any("饮水工程" in p for p in render("charter", village=village, as_of="2009-12-31", name="a.docx"))
    assert any("饮水工程" in p for p in render("charter", village=village, as_of="2010-01-01", name="b.docx"))


def test_the_village_schema_describes_clauses(docforge_cli):
    run = docforge_cli("schema", "village")
    schema = json.loads(run.stdout)
    assert "clauses" in schema["properties"]
    clause = schema["$defs"]["Clause"]
    assert set(clause["properties"]["op"]["enum"]) == {"add", "replace", "remove", "move"}
    assert {"id", "document", "type", "text", "parent", "before", "after", "tags"} <= set(clause["properties"])


def test_no_clauses_keeps_the_seed_bytes(tmp_path, docforge_cli):
    """An empty clauses: list is the same village as none at all."""
    village = village_with(tmp_path, [])
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    docforge_cli("render", "charter", "--village", VILLAGE, "--as-of", SEED_AS_OF, "-o", a)
    docforge_cli("render", "charter", "--village", village, "--as-of", SEED_AS_OF, "-o", b)
    assert a.read_bytes() == b.read_bytes() and docx_paragraphs(a)[0] == "某某村人口和计划生育村居民自治章程"
