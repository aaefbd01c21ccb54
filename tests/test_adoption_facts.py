"""Dates and bodies as adoption records write them: a blank day or month, the 村民代表大会, and the
government of a township that is a 街道."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from conftest import HOUSEHOLD_FOR, SEED_AS_OF, VILLAGE, write_yaml

from docforge.bundle import BundleOptions, build_bundle
from docforge.demo import examples_dir
from docforge.models import Adoption, PartialDate
from docforge.render.docx import docx_text

GANSU = examples_dir() / "gansu" / "village.yaml"


def village_file(tmp_path, source=VILLAGE, name="village.yaml", **changes):
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data.update(changes)
    return write_yaml(tmp_path / name, data)


@pytest.mark.parametrize("written, stored", [(2009, "2009"), ("2009", "2009"), ("2009-05", "2009-05"),
                                             (dt.date(2009, 5, 12), "2009-05-12"), ("2009-05-12", "2009-05-12")])
def test_a_year_or_a_month_is_a_date_of_adoption(written, stored):
    a = Adoption(adopted_on=written)
    assert isinstance(a.adopted_on, PartialDate) and a.adopted_on == stored
    assert a.model_dump(mode="json")["adopted_on"] == stored
    assert a.adopted_on <= dt.date(2009, 5, 12) and not a.adopted_on > dt.date(2009, 12, 31)


@pytest.mark.parametrize("written, message", [
    ("2009-13", "has no month 13"), ("2009-02-30", "month 2 has no day 30"),
    ("09-05", "write YYYY-MM-DD (2009-05-12), or YYYY-MM (2009-05) or YYYY (2009)"),
    ("2009年5月", "is not a date")])
def test_a_bad_date_of_adoption_is_refused_naming_the_field(tmp_path, docforge_cli, written, message):
    village = village_file(tmp_path, charter={"adopted_on": written})
    run = docforge_cli("render", "charter", "--village", village, "--as-of", SEED_AS_OF, "-o", tmp_path / "c.docx")
    assert run.code == 2 and "charter.adopted_on" in run.stderr and message in run.stderr, run.stderr
    assert not (tmp_path / "c.docx").exists()


def test_the_adoption_sheet_prints_blanks_and_the_body_as_written(tmp_path):
    village = village_file(tmp_path, GANSU, township={"name": "会师街道"},
                           charter={"adopted_on": "2009-05", "adopted_by": "村民代表大会"},
                           convention={"adopted_on": 2009, "adopted_by": "村民会议"})
    out = tmp_path / "bundle"
    build_bundle(village, [HOUSEHOLD_FOR["outflow"]], out, BundleOptions(as_of=dt.date(2009, 6, 1), formats=("docx",)))
    sheet = docx_text(out / "village" / "adoption-sheet.docx")
    assert "会议名称：村民代表大会" in sheet and "会议名称：村民会议" in sheet
    assert "通过日期：2009年5月\u3000\u3000\u3000\u3000日" in sheet
    assert "通过日期：2009年\u3000\u3000\u3000\u3000月\u3000\u3000\u3000\u3000日" in sheet
    assert "备案机关：会师街道办事处" in sheet and not any("街道人民政府" in p for p in sheet)


def test_the_representatives_assembly_is_accepted_and_told_what_the_law_requires(tmp_path, docforge_cli):
    village = village_file(tmp_path, charter={"adopted_on": "2009-05-12", "adopted_by": "村民代表大会"})
    run = docforge_cli("check", "--village", village, "--as-of", "2011-01-01", "--json")
    import json

    found = [f for f in json.loads(run.stdout)["findings"] if f["check"] == "adoption.body"]
    assert len(found) == 1 and found[0]["document"] == "charter"
    assert found[0]["article"] == "第二十七条" and found[0]["law"] == "中华人民共和国村民委员会组织法"
    assert "村民代表大会 is, in law, the 村民代表会议" in found[0]["reason"]
    assert "adopted by the 村民会议" in found[0]["reason"]
    assert found[0]["reason_zh"].startswith("村民代表大会即法律所称的村民代表会议。依照《中华人民共和国村民委员会组织法》第二十七条，"
                                            "村民自治章程由村民会议制定和修改")
    # the law of 1998 numbered the same rule 第二十条
    run = docforge_cli("check", "--village", village, "--as-of", "2009-06-01", "--json")
    found = [f for f in json.loads(run.stdout)["findings"] if f["check"] == "adoption.body"]
    assert found[0]["article"] == "第二十条"
    # the names the law uses get no such finding
    run = docforge_cli("check", "--village", VILLAGE, "--as-of", "2011-01-01", "--json")
    assert not [f for f in json.loads(run.stdout)["findings"] if f["check"] == "adoption.body"]


@pytest.mark.parametrize("township, government", [("某某街道", "某某街道办事处"), ("某某镇", "某某镇人民政府"),
                                                  ("某某乡", "某某乡人民政府")])
def test_a_street_has_an_office_a_town_a_government(tmp_path, render, township, government):
    village = village_file(tmp_path, township={"name": township}, signing_place="村委会")
    charter = render("charter", village=village)
    # the sample county's filing article writes {place:township|government}
    assert charter[-1].endswith(f"第二十条的规定报{government}备案。"), charter[-1]


def test_the_inflow_agreement_names_the_street_office_as_party_a(tmp_path):
    import docforge_sample_county
    from conftest import household, resolver
    from conftest import docx_paragraphs
    from plugins import county_policies

    from docforge.render.docx import write_docx

    data = yaml.safe_load(VILLAGE.read_text(encoding="utf-8"))
    for township, party_a in (("某某街道", "甲方：某某街道办事处"), ("某某乡", "甲方：某某乡人民政府")):
        data["township"] = {"name": township}
        doc = resolver(data, docforge_sample_county, county_policies).document("inflow", household("inflow"))
        write_docx(doc, tmp_path / "inflow.docx")
        assert docx_paragraphs(tmp_path / "inflow.docx")[1] == party_a


def test_partial_date_filter():
    from docforge.render.filters import partial_date

    gap = "\u3000\u3000"
    assert partial_date("2009") == f"2009年{gap}月{gap}日"
    assert partial_date("2009-05", "chinese") == f"二〇〇九年五月{gap}日"
    assert partial_date("2009-05-12", "chinese") == "二〇〇九年五月十二日"
    assert partial_date(dt.date(2006, 8, 20)) == "2006年8月20日"
    assert partial_date(None, width=1) == "\u3000年\u3000月\u3000日"
