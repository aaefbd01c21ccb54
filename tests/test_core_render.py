"""DOCX output: user data never corrupts a document, identical inputs give identical bytes, the page
follows GB/T 9704, and the committed schemas and templates are what the code generates."""

from __future__ import annotations

import importlib.util
import json
import zipfile

import jsonschema
import pytest
import yaml
from conftest import EXAMPLES, HOUSEHOLDS, ROOT, VILLAGE, docx_paragraphs, write_yaml
from lxml import etree

from docforge.models import DocumentKind

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
KINDS = [k.value for k in DocumentKind]  # the one list of document kinds: models.DocumentKind

HUSBAND = "李&<\"王'>"
WIFE = "𠀀{{ title }}&amp;"  # a character outside the BMP, jinja syntax and an entity, all as data
ADDRESS = "某某村<b>3</b> & 4号 \"东\" '西'"


def w(attr: str) -> str:
    return f"{{{W}}}{attr}"


@pytest.fixture
def odd_household(tmp_path):
    data = yaml.safe_load((HOUSEHOLDS / "h04-outflow.yaml").read_text(encoding="utf-8"))
    data["husband"]["name"] = HUSBAND
    data["wife"]["name"] = WIFE
    data["husband"]["registered_address"] = ADDRESS
    return write_yaml(tmp_path / "odd.yaml", data)


# The agreements are rendered on 2021-08-19, their national text's last day (docs/law.md).
@pytest.mark.parametrize("kind", ["contraception", "outflow"])
def test_markup_characters_in_data_render_verbatim(render, odd_household, kind):
    text = render(kind, household=odd_household, as_of="2021-08-19")  # python-docx opens it
    joined = "\n".join(text)
    if kind == "contraception":
        assert f"乙方：某某村村民委员会第二村民小组、{HUSBAND}与{WIFE}夫妻" in text
    else:
        assert f"男：{HUSBAND}\u3000户籍地址：{ADDRESS}\u3000现居住地址：广东省东莞市长安镇乌沙社区" in text
        assert any(line.startswith(f"女：{WIFE}\u3000") for line in text)
    assert "&amp;amp;" not in joined and "&lt;" not in joined
    assert "落实避孕节育措施协议书" in joined or "流出人口计划生育管理协议" in joined  # {{ title }} stayed data


def test_markup_in_village_names(render, tmp_path):
    data = yaml.safe_load(VILLAGE.read_text(encoding="utf-8"))
    data["signing_place"] = "村委会<会议室> & \"二楼\""
    data["committee"]["name"] = "某某村村民委员会{% if 1 %}x{% endif %}"
    v = write_yaml(tmp_path / "village.yaml", data)
    text = render("inflow", village=v, household=HOUSEHOLDS / "h05-inflow.yaml", as_of="2021-08-19")
    assert "签订地点：村委会<会议室> & \"二楼\"" in text
    assert "甲方：某某村村民委员会{% if 1 %}x{% endif %}" in text


def test_identical_inputs_give_identical_bytes(docforge_cli, tmp_path):
    outs = []
    for n in range(2):
        out = tmp_path / f"run{n}" / "outflow.docx"
        run = docforge_cli("render", "outflow", "--village", VILLAGE, "--household",
                           HOUSEHOLDS / "h04-outflow.yaml", "--as-of", "2021-08-19", "-o", out)
        assert run.code == 0, run.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    with zipfile.ZipFile(tmp_path / "run0" / "outflow.docx") as z:
        infos = z.infolist()
        assert infos[0].filename == "[Content_Types].xml"
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2000-01-01T00:00:00Z</dcterms:created>" in core
    assert "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">2000-01-01T00:00:00Z</dcterms:modified>" in core


def test_different_as_of_gives_different_bytes(docforge_cli, tmp_path):
    """The determinism above is not a constant file: the 2021 law changes the cited text."""
    outs = []
    for as_of in ("2006-09-01", "2026-11-30"):
        out = tmp_path / f"{as_of}.docx"
        assert docforge_cli("render", "charter", "--village", VILLAGE, "--as-of", as_of, "-o", out).code == 0
        outs.append(out)
    assert outs[0].read_bytes() != outs[1].read_bytes()
    assert "第二十条" in "".join(docx_paragraphs(outs[0])) and "第二十七条" in "".join(docx_paragraphs(outs[1]))


@pytest.fixture(scope="module")
def rendered_xml(tmp_path_factory):
    """document.xml and styles.xml of a rendered charter and a rendered agreement."""
    from conftest import _invoke

    out = tmp_path_factory.mktemp("xml")
    parts = {}
    for kind, hh in (("charter", None), ("inflow", HOUSEHOLDS / "h05-inflow.yaml")):
        path = out / f"{kind}.docx"
        args = ["render", kind, "--village", VILLAGE, "--as-of", "2021-08-19", "-o", path]
        assert _invoke(*(args + (["--household", hh] if hh else []))).code == 0
        with zipfile.ZipFile(path) as z:
            parts[kind] = {n: etree.fromstring(z.read(f"word/{n}.xml")) for n in ("document", "styles")}
    return parts


@pytest.mark.parametrize("kind", ["charter", "inflow"])
def test_page_setup_follows_gbt_9704(rendered_xml, kind):
    sect = rendered_xml[kind]["document"].find(".//w:body/w:sectPr", NS)
    size, mar, grid = (sect.find(f"w:{t}", NS) for t in ("pgSz", "pgMar", "docGrid"))
    assert (size.get(w("w")), size.get(w("h"))) == ("11906", "16838")
    assert {k: mar.get(w(k)) for k in ("top", "bottom", "left", "right")} == \
        {"top": "2098", "bottom": "1984", "left": "1588", "right": "1474"}
    assert (grid.get(w("type")), grid.get(w("linePitch"))) == ("lines", "579")


@pytest.mark.parametrize("kind", ["charter", "inflow"])
def test_text_declares_east_asian_fonts_and_language(rendered_xml, kind):
    doc, styles = rendered_xml[kind]["document"], rendered_xml[kind]["styles"]
    by_id = {s.get(w("styleId")): s for s in styles.findall("w:style", NS)}

    def east_asia(style_id: str, what: str) -> str | None:
        """The eastAsia attribute of rFonts/lang, following basedOn to the Normal style."""
        style = by_id.get(style_id)
        while style is not None:
            el = style.find(f"w:rPr/w:{what}", NS)
            if el is not None and el.get(w("eastAsia")):
                return el.get(w("eastAsia"))
            based = style.find("w:basedOn", NS)
            style = by_id.get(based.get(w("val"))) if based is not None else None
        return None

    paragraphs = [p for p in doc.iter(w("p")) if "".join(p.itertext()).strip()]
    assert len(paragraphs) > 10
    used = set()
    for p in paragraphs:
        ps = p.find("w:pPr/w:pStyle", NS)
        style_id = ps.get(w("val")) if ps is not None else "Normal"
        used.add(style_id)
        for r in p.findall("w:r", NS):  # a run may override the style's font, but then in full
            fonts = r.find("w:rPr/w:rFonts", NS)
            assert fonts is None or fonts.get(w("eastAsia")), etree.tostring(r, encoding=str)
        assert east_asia(style_id, "rFonts") in {"仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312"}, style_id
        assert east_asia(style_id, "lang") == "zh-CN", style_id
    assert {"DFTitle", "DFBody"} <= used
    if kind == "inflow":
        assert {"DFParty", "DFSignature", "DFSection", "DFSubsection"} <= used
    else:
        assert "DFChapter" in used


# --------------------------------------------------------------------------- committed generated files


@pytest.mark.parametrize("name", ["village", "household"])
def test_committed_schema_is_current(docforge_cli, name):
    run = docforge_cli("schema", name)
    assert run.code == 0
    committed = (ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")
    assert run.stdout == committed, f"schemas/{name}.schema.json is stale: run `make schemas`"


def _as_json(path):
    """A YAML input as JSON sees it (dates become ISO strings)."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


@pytest.mark.parametrize("name, path", [("village", EXAMPLES / "village.yaml"),
                                        ("village", EXAMPLES / "gansu" / "village.yaml")]
                         + [("household", p) for p in sorted(HOUSEHOLDS.glob("*.yaml"))],
                         ids=lambda x: getattr(x, "name", x))
def test_examples_validate_against_committed_schema(name, path):
    schema = json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    validator.validate(_as_json(path))


def test_schema_rejects_what_docforge_rejects():
    schema = json.loads((ROOT / "schemas" / "village.schema.json").read_text(encoding="utf-8"))
    data = _as_json(EXAMPLES / "village.yaml")
    del data["committee"]
    data["village"]["code"] = "12ab"
    errors = {tuple(e.absolute_path): e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)}
    assert errors[()] == "'committee' is a required property"
    assert ("village", "code") in errors


def _build_templates_module():
    spec = importlib.util.spec_from_file_location("build_templates", ROOT / "tools" / "build_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind", KINDS)
def test_committed_template_is_what_the_builder_builds(kind):
    built = _build_templates_module().build(kind)
    committed = (ROOT / "docforge" / "templates" / f"{kind}.docx").read_bytes()
    assert built == committed, f"templates/{kind}.docx is stale: run `make templates`"


def test_blank_agreement_form_and_draft_mark(docforge_cli, tmp_path):
    """Without a household an agreement is refused, unless --blank asks for a form to fill in by hand."""
    out = tmp_path / "inflow.docx"
    refused = docforge_cli("render", "inflow", "--village", VILLAGE, "-o", out)
    assert refused.code == 2 and "--household" in refused.output and not out.exists()
    run = docforge_cli("render", "inflow", "--village", VILLAGE, "--blank", "--draft", "--as-of", "2021-08-19",
                       "-o", out)
    assert run.code == 0, run.output
    lines = docx_paragraphs(out)
    assert lines[:3] == ["流入人口计划生育管理协议", "甲方：某某村村民委员会", "乙方："]
    assert lines[3].startswith("男：\u3000") and "户籍地址：\u3000" in lines[3]
    assert "\u3000\u3000\u3000\u3000年\u3000\u3000\u3000\u3000月\u3000\u3000\u3000\u3000日至" in "".join(lines)
    with zipfile.ZipFile(out) as z:
        headers = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/header"))
    assert "征求意见稿" in headers
