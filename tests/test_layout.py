"""Title, adoption line, label punctuation and item numbering as data (``docforge_layout`` and the
village file's ``layout:``), read back from the DOCX."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml
from conftest import SEED_AS_OF, VILLAGE, docx_paragraphs, resolver, village_data, write_yaml
from plugins import zhejiang

from docforge.errors import ConflictError, InputError, PluginError
from docforge.hookspecs import hookimpl
from docforge.models import Jurisdiction, Layout
from docforge.render.docx import write_docx

AS_OF = dt.date(2009, 6, 1)
JIANGJIADU = village_data({"name": "浙江省", "code": "330000"}, {"name": "余姚市", "code": "330281"},
                          prefecture={"name": "宁波市", "code": "330200"}, township={"name": "梨洲街道"},
                          village={"name": "姜家渡村"})


def rendered(tmp_path, village: dict, *plugins, as_of=AS_OF, name="charter.docx") -> list[str]:
    doc = resolver(village, *plugins, as_of=as_of).document("charter")
    write_docx(doc, tmp_path / name)
    return docx_paragraphs(tmp_path / name)


def test_hook_docforge_layout_title_labels_and_items(tmp_path):
    text = rendered(tmp_path, JIANGJIADU, zhejiang)
    assert text[0] == "梨洲街道姜家渡村人口和计划生育村居民自治章程"
    assert text[1] == "第一章　总则"
    assert text[2].startswith("第一条：根据《人口与计划生育法》和《浙江省人口与计划生育条例》")
    i = text.index(next(p for p in text if p.startswith("第九条：村委会必须加强计划生育协会组织建设")))
    assert text[i + 1].startswith("1、村级计划生育协会一般与村委会任期同步")
    assert text[i + 3].startswith("3、每个协会会员要主动联系5—10户")
    assert not any(p.startswith("（一）") for p in text)


def test_the_village_file_adds_an_adoption_line_and_an_article_style(tmp_path):
    village = {**JIANGJIADU, "charter": {"adopted_on": 2009, "adopted_by": "村民代表大会"},
               "layout": [{"document": "charter", "adoption_line": "（{adopted_on|cn}经{adopted_by}审议通过）"},
                          {"document": "charter", "clause": "charter.incentives", "item_style": "arabic_paren"}]}
    text = rendered(tmp_path, village, zhejiang)
    assert text[0] == "梨洲街道姜家渡村人口和计划生育村居民自治章程"
    assert text[1] == "（二〇〇九年\u3000\u3000月\u3000\u3000日经村民代表大会审议通过）"
    assert text[2] == "第一章　总则"
    i = text.index(next(p for p in text if p.startswith("第十一条：村委会要认真落实")))
    assert [p[:5] for p in text[i + 1:i + 6]] == ["（1）优先", "（2）优惠", "（3）扶持", "（4）奖励", "（5）救助"]
    assert text[i - 1].startswith("第十条：")
    # the province's 1、 still numbers the other articles' items
    assert any(p.startswith("1、村级计划生育协会") for p in text)
    # year and month known; the day left blank
    month = {**village, "charter": {"adopted_on": "2009-05", "adopted_by": "村民代表大会"}}
    assert rendered(tmp_path, month, zhejiang, name="m.docx")[1] == "（二〇〇九年五月\u3000\u3000日经村民代表大会审议通过）"
    arabic = {**month, "layout": [{"document": "charter", "adoption_line": "{adopted_on}{adopted_by}通过"}]}
    assert rendered(tmp_path, arabic, zhejiang, name="a.docx")[1] == "2009年5月\u3000\u3000日村民代表大会通过"


def test_national_defaults_are_unchanged(tmp_path, docforge_cli):
    """Without a layout the seed's charter keeps its title, 第N条　 labels and （一） items, byte for byte
    whatever layout other provinces contribute."""
    import docforge_sample_county

    a = resolver(VILLAGE, docforge_sample_county).document("charter")
    b = resolver(VILLAGE, docforge_sample_county, zhejiang).document("charter")
    write_docx(a, tmp_path / "a.docx")
    write_docx(b, tmp_path / "b.docx")
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()
    text = docx_paragraphs(tmp_path / "a.docx")
    assert text[0] == "某某村人口和计划生育村居民自治章程" and text[2].startswith("第一条\u3000根据")
    assert any(p.startswith("（一）村级计划生育协会") for p in text)
    assert a.adoption_line is None


def test_the_most_specific_layout_wins_per_field_and_one_jurisdiction_must_agree(tmp_path):
    class County:
        __name__ = "yuyao"

        def __init__(self, separator):
            self.separator = separator

        @hookimpl
        def docforge_jurisdictions(self):
            return [Jurisdiction(level="county", name="余姚市", code="330281")]

        @hookimpl
        def docforge_layout(self, document, places, as_of):
            return [Layout(document=document, article_separator=self.separator)]

    text = rendered(tmp_path, JIANGJIADU, zhejiang, County("、"))
    assert text[2].startswith("第一条、根据")  # the county's separator ...
    assert text[0].startswith("梨洲街道姜家渡村")  # ... and the province's title
    twin = County("．")
    twin.__name__ = "yuyao_twin"
    with pytest.raises(ConflictError, match=r"layout of charter 'article_separator'.*yuyao.*yuyao_twin"):
        resolver(JIANGJIADU, zhejiang, County("、"), twin, as_of=AS_OF).document("charter")


def test_bad_layouts_are_refused():
    with pytest.raises(ValueError, match="only item_style applies to one clause"):
        Layout(document="charter", clause="charter.incentives", title="{title}")
    with pytest.raises(ValueError, match="adoption_line applies to the charter and the convention"):
        Layout(document="contraception", adoption_line="（{adopted_on}通过）")
    with pytest.raises(ValueError, match="item_style"):
        Layout(document="charter", item_style="roman")
    missing = {**JIANGJIADU, "layout": [{"document": "charter", "clause": "charter.nothing", "item_style": "arabic"}]}
    with pytest.raises(InputError, match=r"village file, layout.0 \(charter\): names clause 'charter.nothing'"):
        resolver(missing, zhejiang, as_of=AS_OF).document("charter")
    bad = {**JIANGJIADU, "layout": [{"document": "charter", "adoption_line": "（{adopted_at}通过）"}]}
    with pytest.raises(InputError, match=r"layout.0 \(charter\): adoption_line: '\{adopted_at\}' is not a placeholder"):
        resolver(bad, zhejiang, as_of=AS_OF).document("charter")


def test_explain_shows_the_layout_and_who_gave_it(tmp_path, docforge_cli):
    data = yaml.safe_load(VILLAGE.read_text(encoding="utf-8"))
    data["layout"] = [{"document": "charter", "article_separator": "：",
                       "adoption_line": "（{adopted_on|cn}经{adopted_by}通过）"}]
    village = write_yaml(tmp_path / "v.yaml", data)
    run = docforge_cli("explain", "charter", "--village", village, "--as-of", SEED_AS_OF, "--json")
    report = json.loads(run.stdout)
    assert report["adoption_line"] == "（二〇〇六年八月二十日经村民代表会议通过）"
    fields = {x["field"]: x for x in report["layout"]}
    assert fields["article_separator"]["value"] == "：" and fields["article_separator"]["plugin"] == "village file"
    run = docforge_cli("explain", "charter", "--village", village, "--as-of", SEED_AS_OF)
    assert "article_separator" in run.stdout and "village file @ 某某村（village）" in run.stdout


def test_the_adoption_line_renders_the_same_on_both_docx_paths(tmp_path):
    from docforge.render.docx import render_docx, render_docx_fast

    village = {**JIANGJIADU, "charter": {"adopted_on": "2009-05", "adopted_by": "村民代表大会"},
               "layout": [{"document": "charter", "adoption_line": "（{adopted_on|cn}经{adopted_by}审议通过）"}]}
    doc = resolver(village, zhejiang, as_of=AS_OF).document("charter")
    assert render_docx(doc) == render_docx_fast(doc)


@pytest.mark.slow
def test_the_layout_in_the_pdf(tmp_path):
    """The title line, the adoption line under it, 第N条： and 1、 as LibreOffice prints them."""
    from pypdf import PdfReader

    from docforge.render.pdf import convert

    village = {**JIANGJIADU, "charter": {"adopted_on": 2009, "adopted_by": "村民代表大会"},
               "layout": [{"document": "charter", "adoption_line": "（{adopted_on|cn}经{adopted_by}审议通过）"}]}
    doc = resolver(village, zhejiang, as_of=AS_OF).document("charter")
    write_docx(doc, tmp_path / "charter.docx")
    convert(tmp_path / "charter.docx", tmp_path / "charter.pdf", date=AS_OF)
    pages = [p.extract_text() for p in PdfReader(tmp_path / "charter.pdf").pages]
    lines = [ln.replace(" ", "").replace("\u3000", "") for ln in pages[0].splitlines() if ln.strip()]
    # the title (two lines at 22 pt), then the adoption line, the first chapter and article
    assert "".join(lines[:2]) == "梨洲街道姜家渡村人口和计划生育村居民自治章程"
    assert lines[2] == "（二〇〇九年月日经村民代表大会审议通过）"
    assert lines[3] == "第一章总则" and lines[4].startswith("第一条：根据")
    assert "1、村级计划生育协会" in "".join(pages).replace(" ", "")
