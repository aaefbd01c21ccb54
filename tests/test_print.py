"""Print quality of the PDFs, read from the PDFs LibreOffice makes: typefaces per role, page numbers
(GB/T 9704 7.5), headings kept with what they introduce, no 孤字 last lines, no line stretched before
an amount, dates printed as written. The 22 x 28 grid itself is tested in test_bundle.py."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from docforge.render import layout
from docforge.render.docx import render_docx
from docforge.render.pdfpool import convert_many

from conftest import HOUSEHOLD_FOR, ROOT, SEED_AS_OF, VILLAGE

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("soffice") is None,
                                reason="needs LibreOffice and poppler-utils (make test installs them)")

TODAY = dt.date(2026, 12, 3)
MM = 25.4 / 72  # points to millimetres
PAGE_H, LEFT, RIGHT = 297.0, 28.0, 210.0 - 26.0
TEXT_BOTTOM = PAGE_H - 35.0  # bottom margin 35 mm
CHAR_14PT = 14 * MM  # one 4号 character


@dataclass
class Line:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def pdf_lines(pdf: Path) -> list[list[Line]]:
    """Each page's lines (positions in mm from the top left), as poppler reads them."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    pages = []
    for page in xml.split("<page ")[1:]:
        lines = []
        for x0, y0, x1, y1, body in re.findall(
                r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>',
                page, re.S):
            text = "".join(re.findall(r"<word[^>]*>([^<]*)</word>", body))
            lines.append(Line(float(x0) * MM, float(y0) * MM, float(x1) * MM, float(y1) * MM, text))
        pages.append(lines)
    return pages


def body_lines(page: list[Line]) -> list[Line]:
    return [ln for ln in page if ln.y1 <= TEXT_BOTTOM + 0.5]


def fonts_by_text(pdf: Path) -> dict[str, set[str]]:
    """{font base name: the characters shown in it}, from the PDF's content streams."""
    out: dict[str, set[str]] = {}
    for page in PdfReader(pdf).pages:
        def visit(text, _cm, _tm, font, _size):
            if font is not None and text.strip():
                name = str(font.get("/BaseFont", "")).split("+", 1)[-1]
                out.setdefault(name, set()).update(text.strip())
        page.extract_text(visitor_text=visit)
    return out


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    """The six documents of the example village at the seed's date, and its charter and convention
    today, converted by docforge's LibreOffice pool."""
    from docforge.inputs import load_household, load_village
    from docforge.resolve import Resolver

    src = tmp_path_factory.mktemp("docx")
    village = load_village(VILLAGE)
    seed, today = Resolver(village, SEED_AS_OF), Resolver(village, TODAY)
    docs = {
        "charter": seed.document("charter"),
        "convention": seed.document("convention"),
        "charter-today": today.document("charter"),
        "convention-today": today.document("convention"),
    }
    for kind, household in HOUSEHOLD_FOR.items():
        docs[kind] = seed.document(kind, load_household(household))
    paths = {}
    for name, doc in docs.items():
        path = src / f"{name}.docx"
        path.write_bytes(render_docx(doc, page_total=doc.kind.is_agreement))
        paths[name] = path
    result = convert_many(list(paths.values()), tmp_path_factory.mktemp("pdf"), jobs=2)
    assert not result.failures, result.failures
    return {name: result.pdfs[path] for name, path in paths.items()} | {
        f"{name}.docx": path for name, path in paths.items()}


# --------------------------------------------------------------------------- 1, 2: typefaces


def test_each_role_prints_in_its_own_face(pdfs):
    fonts = fonts_by_text(pdfs["outflow"])
    fang = set().union(*(c for f, c in fonts.items() if f.startswith("FandolFang")))
    kai = set().union(*(c for f, c in fonts.items() if f.startswith("FandolKai")))
    title = set().union(*(c for f, c in fonts.items() if f.startswith("NotoSerifCJK") and "Bold" in f))
    hei = set().union(*(c for f, c in fonts.items() if f.startswith("NotoSansCJK")))
    assert set("乙方离开县在异地居住") <= fang  # body: 仿宋
    assert set("权利义务") <= kai  # （一）权利: 楷体
    assert set("流出人口计划生育管理协议") <= title  # title: 小标宋 -> a heavy Song face
    assert set("甲方的权利和义务") <= hei  # 一、甲方的权利和义务: 黑体
    assert not {"离", "异"} & (kai | title | hei)  # the body is not printed in another face
    names = subprocess.run(["pdffonts", str(pdfs["outflow"])], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert names and all(row.split()[-5] == "yes" for row in names)  # every face embedded


def test_title_style_is_not_bold():
    templates = sorted((ROOT / "docforge" / "templates").glob("*.docx"))
    assert templates
    for template in templates:
        styles = zipfile.ZipFile(template).read("word/styles.xml").decode()
        title = re.search(r'<w:style [^>]*w:styleId="DFTitle".*?</w:style>', styles, re.S).group(0)
        assert "<w:b/>" not in title and "<w:b " not in title, template.name


# --------------------------------------------------------------------------- 3: page numbers


@pytest.mark.parametrize("name", ["charter", "convention-today"])
def test_page_numbers_follow_gb_t_9704(name, pdfs):
    pages = pdf_lines(pdfs[name])
    assert len(pages) >= 2
    for number, page in enumerate(pages, 1):
        last_text = max(ln.y1 for ln in body_lines(page))
        foot = [ln for ln in page if ln.y0 > TEXT_BOTTOM]
        assert len(foot) == 1, foot
        mark = foot[0]
        assert mark.text.replace(" ", "") == f"—{number}—"  # half-width numerals, a dash each side
        assert 5.0 <= mark.y0 - TEXT_BOTTOM <= 9.0, mark  # about 7 mm below the text block
        assert last_text <= TEXT_BOTTOM + 0.5
        assert 4.2 <= (mark.y1 - mark.y0) <= 6.5  # 4号 (14 pt) glyphs
        if number % 2:  # odd pages: at the right, one character in
            assert abs((RIGHT - mark.x1) - CHAR_14PT) < 1.0, mark
        else:  # even pages: at the left, one character in
            assert abs((mark.x0 - LEFT) - CHAR_14PT) < 1.0, mark


def test_agreements_keep_page_n_of_m(pdfs):
    pages = pdf_lines(pdfs["inflow"])
    for number, page in enumerate(pages, 1):
        foot = [ln.text.replace(" ", "") for ln in page if ln.y0 > TEXT_BOTTOM]
        assert foot == [f"第{number}页共{len(pages)}页"]


# --------------------------------------------------------------------------- 4: headings


def test_article_with_items_is_kept_with_its_first_item(pdfs):
    for name in ("charter", "charter-today", "convention", "inflow", "outflow"):
        doc_xml = zipfile.ZipFile(pdfs[f"{name}.docx"]).read("word/document.xml").decode()
        styles = zipfile.ZipFile(pdfs[f"{name}.docx"]).read("word/styles.xml").decode()
        for style in re.findall(r'<w:pStyle w:val="(DFLead\d?)"/>', doc_xml):
            block = re.search(rf'<w:style [^>]*w:styleId="{style}".*?</w:style>', styles, re.S).group(0)
            assert "<w:keepNext/>" in block
        pages = pdf_lines(pdfs[name])
        for page, following in zip(pages, pages[1:]):
            last, first = body_lines(page)[-1], body_lines(following)[0]
            # a page never ends with a line that introduces items starting the next page
            assert not (last.text.endswith("：") and re.match(r"（[一二三四五六七八九十]+）|\d+、", first.text)), name


# --------------------------------------------------------------------------- 5, 6: lines


SHORT_OK = re.compile(r"^[—\d]+$")


@pytest.mark.parametrize("name", ["charter", "charter-today", "convention", "convention-today",
                                  "contraception", "birth-spacing", "outflow", "inflow"])
def test_no_one_or_two_characters_alone_on_a_last_line(name, pdfs):
    for page in pdf_lines(pdfs[name]):
        for ln in body_lines(page):
            text = ln.text.replace(" ", "")
            assert len(text) > 2 or SHORT_OK.match(text) or ln.x0 > LEFT + 40, (name, text)


@pytest.mark.parametrize("name", ["contraception", "birth-spacing", "outflow", "inflow", "charter"])
def test_no_line_stretched_before_an_amount(name, pdfs):
    for page in pdf_lines(pdfs[name]):
        lines = body_lines(page)
        for ln, nxt in zip(lines, lines[1:]):
            if nxt.text.startswith("（¥") and ln.x1 > RIGHT - 2:
                cells = len(ln.text.replace(" ", "")) + (2 if ln.x0 > LEFT + 5 else 0)
                assert cells >= 27, (name, ln.text, nxt.text)


def test_last_page_is_not_nearly_empty(pdfs):
    for name in ("charter", "charter-today"):
        pages = pdf_lines(pdfs[name])
        assert len(body_lines(pages[-1])) > 3, name


def test_dates_print_as_written(pdfs):
    words = [w for page in pdf_lines(pdfs["outflow"]) for ln in page for w in [ln]]
    text = "\n".join(ln.text for ln in words)
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日至\d{4}年\d{1,2}月\d{1,2}日", text), text
    # no gap between a digit and the Chinese character after it, in the positions themselves
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdfs["outflow"]), "-"], capture_output=True,
                         text=True, check=True).stdout
    assert not re.search(r">\d+</word>\s*<word[^>]*>[年月日天个]", xml)


def test_layout_predicts_libreoffice_line_breaks(pdfs):
    """docforge.render.layout's prediction of each body paragraph's lines, read against the PDF:
    the number of lines of every paragraph of the charter set at the grid's 28 characters."""
    from docforge.inputs import load_village
    from docforge.resolve import Resolver

    doc = Resolver(load_village(VILLAGE), SEED_AS_OF).document("charter")
    printed = "".join(ln.text.replace(" ", "") + "\n" for page in pdf_lines(pdfs["charter"])
                      for ln in body_lines(page))
    checked = 0
    for block in doc.blocks:
        if block.type in ("title", "chapter", "section", "subsection"):
            continue
        level = layout.tightness(block.display)
        predicted = [line for line, _slack in layout.lines(block.display, level)]
        if predicted[0] in printed and len(predicted) > 1:
            assert "\n".join(predicted) + "\n" in printed, block.id
            checked += 1
    assert checked >= 10
