"""The streaming .xlsx reader of rosters (docforge.xlsx): the same values as openpyxl's read-only
``iter_rows(values_only=True)``, for workbooks written with openpyxl and then edited as Excel and
other writers save them (shared strings, rich text, formulas with cached values, sheets reordered,
a wrong recorded size)."""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.chart import BarChart
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

from docforge import xlsx
from docforge.errors import InputError
from docforge.roster import open_roster
from docforge.xlsx import FirstSheet, SharedStrings, WorkbookError

SHEET1 = "xl/worksheets/sheet1.xml"
DATE_FORMATS = ["yyyy-mm-dd", 'yyyy"年"m"月"d"日"', "yyyy/m/d", "mm-dd-yy", "d-mmm-yy", "yyyy-mm-dd h:mm:ss",
                "[$-804]yyyy\\-mm\\-dd", "h:mm", "[h]:mm:ss"]


def openpyxl_rows(path: Path) -> tuple[list[list], dt.datetime]:
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()
        with warnings.catch_warnings():  # "Cell A13 is marked as a date but …": expected
            warnings.simplefilter("ignore", UserWarning)
            return [list(r) for r in ws.iter_rows(values_only=True)], wb.epoch
    finally:
        wb.close()


def assert_same_as_openpyxl(path: Path) -> list[list]:
    """Our rows, after checking them value for value and type for type (True is not 1, 2.0 not 2)
    against openpyxl's, and the epoch too."""
    expected, epoch = openpyxl_rows(path)
    with FirstSheet(path) as sheet:
        got = list(sheet.rows())
        assert sheet.epoch == epoch
    assert [[(type(v), v) for v in r] for r in got] == [[(type(v), v) for v in r] for r in expected]
    return got


def rewrite(path: Path, **edits) -> Path:
    """Rewrite parts of the zip: ``edits`` maps a part (sheet1, workbook, types, rels, strings) to a
    function of its text, or to the text of a new part."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n).decode("utf-8") for n in z.namelist()}
    for key, edit in edits.items():
        name = {"sheet1": SHEET1, "workbook": "xl/workbook.xml", "types": "[Content_Types].xml",
                "rels": "xl/_rels/workbook.xml.rels", "strings": "xl/sharedStrings.xml"}[key]
        parts[name] = edit(parts[name]) if callable(edit) else edit
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8"))
    return path


def share_strings(path: Path, extra: list[str] = ()) -> Path:
    """Store the strings of the first sheet in a shared-string table, as Excel does (openpyxl writes
    them inline); ``extra`` string items (XML) go first, for cells the test writes by hand."""
    with zipfile.ZipFile(path) as z:
        sheet = z.read(SHEET1).decode("utf-8")
    items = list(extra)

    def shared(m: re.Match) -> str:
        items.append(m[2])
        return f'<c{m[1]} t="s"><v>{len(items) - 1}</v></c>'

    sheet = re.sub(r'<c([^>]*?) t="inlineStr"><is>(.*?)</is></c>', shared, sheet)
    table = (f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(items)}" '
             f'uniqueCount="{len(items)}">' + "".join(f"<si>{s}</si>" for s in items) + "</sst>")
    override = ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
    rel = ('<Relationship Id="rIdSST" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/'
           'officeDocument/2006/relationships/sharedStrings"/>')
    return rewrite(path, sheet1=sheet, strings=table, types=lambda t: t.replace("</Types>", override + "</Types>"),
                   rels=lambda t: t.replace("</Relationships>", rel + "</Relationships>"))


def cells_workbook(path: Path, epoch: dt.datetime = CALENDAR_WINDOWS_1900) -> Path:
    """Every kind of cell a roster holds, with gaps between columns and between rows."""
    wb = Workbook()
    wb.epoch = epoch
    ws = wb.active
    ws.title = "花名册"
    ws.append(["户编号", "丈夫姓名", "丈夫身份证号", "子女数", "结婚日期", "是否", "备注"])
    ws.append(["001", "张伟", "620422199001010519", 1, dt.datetime(2015, 5, 1), True, "A&B <C> \"'"])
    ws.append(["002", "𠀀芳", 620422199001010519, 2.0, 42000, False, "  前后空格  "])
    ws.append([None, "", None, 2.5, "2020/3/4", None, "#N/A"])
    ws.append([])
    ws.cell(row=6, column=3, value="只有C列")
    ws.cell(row=6, column=9, value=1e20)
    ws.cell(row=9, column=2, value=-0.0)  # rows 7 and 8 are missing
    ws.cell(row=9, column=4, value="#DIV/0!")
    ws.cell(row=10, column=1, value=CellRichText(["富", TextBlock(InlineFont(b=True), "文本")]))
    ws.cell(row=10, column=2, value="x_x005F_y")
    for k, fmt in enumerate(DATE_FORMATS, start=1):
        ws.cell(row=11, column=k, value=46356.25 if k % 2 else 46356).number_format = fmt
        ws.cell(row=12, column=k, value=0.5).number_format = fmt
    ws.cell(row=13, column=1, value=10 ** 9).number_format = "yyyy-mm-dd"  # no such date: "#VALUE!"
    ws.cell(row=13, column=2, value=46356).number_format = "0.00"
    ws.cell(row=13, column=3, value=46356).number_format = "@"
    ws.cell(row=13, column=4, value=dt.date(2026, 11, 30))
    ws.cell(row=13, column=5, value=dt.time(8, 30))
    ws.cell(row=13, column=6, value=dt.timedelta(hours=30))
    wb.save(path)
    return path


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize("strings", ["inline", "shared"])
def test_every_kind_of_cell_reads_as_openpyxl_reads_it(tmp_path, strings):
    path = cells_workbook(tmp_path / "cells.xlsx")
    if strings == "shared":
        share_strings(path)
        with zipfile.ZipFile(path) as z:
            assert 't="s"' in z.read(SHEET1).decode()
    rows = assert_same_as_openpyxl(path)
    assert len(rows) == 13 and rows[4] == rows[6] == rows[7] == []
    assert rows[1][:6] == ["001", "张伟", "620422199001010519", 1, dt.datetime(2015, 5, 1), True]
    assert rows[2][1:4] == ["𠀀芳", float(620422199001010519), 2]  # openpyxl writes a float, 2.0 as 2
    assert rows[5] == [None, None, "只有C列", None, None, None, None, None, 1e20]
    assert rows[9][0] == "富文本"
    assert rows[10][1] == dt.datetime(2026, 11, 30) and rows[10][0] == dt.datetime(2026, 11, 30, 6)
    assert rows[10][8] == dt.timedelta(days=46356, hours=6) and rows[11][7] == dt.time(12)
    assert rows[12][:3] == ["#VALUE!", 46356, 46356]


def test_1904_workbook_dates_count_from_1904(tmp_path):
    path = cells_workbook(tmp_path / "mac.xlsx", epoch=CALENDAR_MAC_1904)
    with zipfile.ZipFile(path) as z:
        assert 'date1904="1"' in z.read("xl/workbook.xml").decode()
    rows = assert_same_as_openpyxl(path)
    assert rows[10][1] == dt.datetime(2030, 12, 1)  # serial 46356 counted from 1904-01-01
    assert open_roster(path).epoch == CALENDAR_MAC_1904


def test_shared_rich_text_phonetic_runs_and_escapes(tmp_path):
    wb = Workbook()
    wb.active.append(["a", "b", "c", "d", "e"])
    path = tmp_path / "rich.xlsx"
    wb.save(path)
    extra = ['<r><t>张</t></r><r><rPr><b/></rPr><t xml:space="preserve"> 伟 </t></r>',
             '<t>王强</t><rPh sb="0" eb="2"><t>wáng qiáng</t></rPh><phoneticPr fontId="1"/>',
             "<t>a_x005F_x000D_b</t>", "<t/>", '<t>第一</t><r><t>第二</t></r><r><rPr/></r>']
    sheet = ('<c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c><c r="C2" t="s"><v>2</v></c>'
             '<c r="D2" t="s"><v>3</v></c><c r="E2" t="s"><v>4</v></c>')
    share_strings(path, extra)
    rewrite(path, sheet1=lambda t: t.replace("</row></sheetData>", f'</row><row r="2">{sheet}</row></sheetData>'))
    rows = assert_same_as_openpyxl(path)
    assert rows[1] == ["张 伟 ", "王强", "a_x000D_b", "", "第一第二"]


def test_formulas_give_their_cached_values(tmp_path):
    wb = Workbook()
    wb.active.append(["x", 1, 2])
    path = tmp_path / "f.xlsx"
    wb.save(path)
    formulas = ('<row r="2"><c r="A2"><f>B1+C1</f><v>3</v></c><c r="B2" t="str"><f>A1&amp;"y"</f><v>xy</v></c>'
                '<c r="C2" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="D2" t="b"><f>TRUE()</f><v>1</v></c>'
                '<c r="E2"><f>SUM(B1:C1)</f></c><c r="F2" t="n"><f t="shared" si="0" ref="F2:G2">B1*2</f><v>2</v>'
                '</c><c r="G2"><f t="shared" si="0"/><v>4.5</v></c><c r="H2" t="s"><f>A1</f><v>0</v></c></row>')
    share_strings(path)
    rewrite(path, sheet1=lambda t: t.replace("</row></sheetData>", f"</row>{formulas}</sheetData>"))
    rows = assert_same_as_openpyxl(path)
    assert rows[1] == [3, "xy", "#DIV/0!", True, None, 2, 4.5, "x"]


def test_first_sheet_in_workbook_order_and_not_sheet1_xml(tmp_path):
    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["this sheet is second in the workbook"])
    roster = wb.create_sheet("花名册")
    roster.append(["户编号", "丈夫姓名"])
    roster.append(["001", "张伟"])
    wb.create_chartsheet("图表", 0).add_chart(BarChart())  # a chart sheet is never a roster
    path = tmp_path / "order.xlsx"
    wb.save(path)

    def roster_first(text: str) -> str:
        sheets = re.findall(r"<sheet [^>]*/>", text)
        by_name = {re.search(r'name="([^"]+)"', s)[1]: s for s in sheets}
        order = [by_name["图表"], by_name["花名册"], by_name["说明"]]
        return text.replace("".join(sheets), "".join(order))

    rewrite(path, workbook=roster_first)
    with zipfile.ZipFile(path) as z:
        assert "this sheet is second" in z.read(SHEET1).decode()
    assert assert_same_as_openpyxl(path) == [["户编号", "丈夫姓名"], ["001", "张伟"]]


def test_a_wrong_recorded_size_cells_without_references_and_odd_rows(tmp_path):
    wb = Workbook()
    wb.active.append(["a", "b", "c"])
    path = tmp_path / "odd.xlsx"
    wb.save(path)
    rows = ('<row r="2"><c t="inlineStr"><is><t>no r</t></is></c><c><v>2</v></c><c r="E2"><v>5</v></c><c><v>6</v>'
            '</c></row><row r="3"/><row><c r="B4"><v>7</v></c><c r="A4"><v>8</v></c></row>'
            '<row r="4"><c r="A4" t="str"><v>dup</v></c></row><row r="6.0" spans="1:2" ht="20" customHeight="1">'
            '<c r="B6" s="0"><v>1.5E3</v></c><c r="C6" t="d"><v>2026-11-30T08:00:00</v></c>'
            '<c r="D6" t="inlineStr"/><c r="E6" t="s"/><c r="F6"><v></v></c></row>')

    def edit(text: str) -> str:
        text = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:B1"/>', text)
        return text.replace("</row></sheetData>", f"</row>{rows}</sheetData>")

    rewrite(path, sheet1=edit)
    got = assert_same_as_openpyxl(path)
    assert got[1] == ["no r", 2, None, None, 5, 6] and got[2] == [] and got[3] == [8]
    assert len(got) == 6 and got[5][1:3] == [1500.0, dt.datetime(2026, 11, 30, 8)]


def test_example_county_roster_reads_as_with_openpyxl(tmp_path):
    from docforge.example_county import write_example_county

    list(write_example_county(tmp_path, villages=1, households=60, seed=3, as_of=dt.date(2026, 11, 30)))
    (path,) = tmp_path.rglob("*.xlsx")
    assert len(assert_same_as_openpyxl(path)) == 61


# --------------------------------------------------------------------------- not a workbook, memory


@pytest.mark.parametrize("content", [b"\xd0\xcf\x11\xe0 an .xls saved as .xlsx", b"", "zip"])
def test_a_file_that_is_not_a_workbook_is_refused_with_the_fix(tmp_path, content):
    path = tmp_path / "roster.xlsx"
    if content == "zip":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("readme.txt", "not a workbook")
    else:
        path.write_bytes(content)
    with pytest.raises(WorkbookError):
        FirstSheet(path)
    with pytest.raises(InputError, match=r"roster\.xlsx: cannot read this Excel file \(.+\); open it in Excel and "
                                         r"save it again as \.xlsx"):
        open_roster(path)


NUMBER = "620422199001010519"


@pytest.mark.parametrize("damage", [
    lambda t: t.replace("</row></sheetData>", f'</row><row r="2"><c r="A2" t="b"><v>{NUMBER}x</v></c></row>'
                                              f'</sheetData>'),
    lambda t: t[:len(t) // 2],
    lambda t: t.replace("<worksheet", '<!DOCTYPE worksheet [<!ENTITY e "x">]><worksheet', 1),
], ids=["bad-boolean", "cut-short", "doctype"])
def test_a_damaged_sheet_is_refused_without_printing_an_identity_number(tmp_path, damage):
    wb = Workbook()
    wb.active.append(["户编号", "丈夫姓名"])
    path = tmp_path / "broken.xlsx"
    wb.save(path)
    rewrite(path, sheet1=damage)
    with pytest.raises(InputError, match=r"broken\.xlsx: cannot read this Excel file .*save it again as \.xlsx") as e:
        list(open_roster(path).rows())
    assert NUMBER not in str(e.value)


def test_shared_strings_store():
    strings = SharedStrings()
    for s in ["", "张伟", "𠀀", "a" * 1000, "620422199001010519"]:
        strings.append(s)
    assert len(strings) == 5
    assert [strings[i] for i in range(5)] == ["", "张伟", "𠀀", "a" * 1000, "620422199001010519"]
    assert strings[-1] == "620422199001010519" and strings[-5] == ""
    with pytest.raises(IndexError):
        strings[5]
    with pytest.raises(IndexError):
        strings[-6]


def test_rows_and_strings_read_are_dropped_from_the_tree(tmp_path, monkeypatch):
    """openpyxl keeps an emptied element for every row read (10 MB for 100,000 rows); this reader
    keeps none."""
    wb = Workbook()
    wb.active.append(["户编号", "数"])
    path = tmp_path / "long.xlsx"
    wb.save(path)
    rows = "".join(f'<row r="{k}"><c r="A{k}" t="inlineStr"><is><t>{k:06d}</t></is></c><c r="B{k}"><v>{k}</v>'
                   f'</c></row>' for k in range(2, 3002))
    rewrite(path, sheet1=lambda t: t.replace("</row></sheetData>", f"</row>{rows}</sheetData>"))
    share_strings(path)
    kept = []
    parse = xlsx._iterparse

    def counting(source, tag):
        for event, element in parse(source, tag):
            yield event, element  # read, then dropped: nothing before it is left, nor in it
            kept.append(sum(1 for _ in element.itersiblings(preceding=True)) + len(element))

    monkeypatch.setattr(xlsx, "_iterparse", counting)
    got = assert_same_as_openpyxl(path)
    assert len(got) == 3001 and got[-1] == ["003001", 3001]
    assert len(kept) == 3002 + 3001 and max(kept) == 0  # string items, then rows
