"""Household rosters: reading .xlsx and .csv, checking every row, the problem sheet, the template and
the example county. Every file here is written for real (openpyxl, codecs) in tmp_path."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from stdnum.cn import ric

from docforge.cli import cli
from docforge.default_plugins.selection import select
from docforge.errors import InputError
from docforge.example_county import (SCENARIOS, VillagePlan, _Draw, draw_households, shift_years,
                                     write_example_county)
from docforge.inputs import load_village
from docforge.models import Contraception, DocumentKind, HukouType, Village
from docforge.resolve import Resolver
from docforge.roster import (COLUMNS, PROBLEM_HEADER, CellError, RosterError, check_roster, detect_encoding,
                             iter_households, open_roster, read_date, read_id, write_problem_sheet)

AS_OF = dt.date(2021, 8, 19)  # the national agreements' last day: the seed's selection rules apply (docs/law.md)
TODAY = dt.date(2026, 11, 30)
EXAMPLES = Path(__file__).resolve().parents[1] / "docforge" / "examples"
HEADERS = [c.header for c in COLUMNS[:12]]  # 户编号 … 流动类型: the required columns and the usual ones


def make_id(born: str, male: bool, code: str = "620422", seq: int = 12) -> str:
    """A valid 居民身份证号码 (the check digit computed from the first 17 characters)."""
    body = f"{code}{born}{seq * 2 + (1 if male else 0):03d}"
    return body + ric.calc_check_digit(body + "0")


H1, W1 = make_id("19900101", True), make_id("19920202", False)
H2, W2 = make_id("19880303", True, seq=40), make_id("19890404", False, seq=40)
H3, W3 = make_id("19850505", True, seq=77), make_id("19870606", False, seq=77)


@pytest.fixture(scope="module")
def village() -> Village:
    return load_village(EXAMPLES / "village.yaml")  # groups 第一/第二/第三村民小组, sample county


def row(hid="001", group="第一村民小组", husband="张伟", hid_number=H1, wife="李娜", wid_number=W1,
        married="2015-05-01", children=1, last="2018-04-20", hukou="农业", contraception="短效", migration="常住"):
    return [hid, group, husband, hid_number, wife, wid_number, married, children, last, hukou, contraception,
            migration]


def write_xlsx(path: Path, rows: list[list], headers: list[str] = HEADERS, title: str | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(headers)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list], encoding: str, headers: list[str] = HEADERS) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def all_text(report) -> str:
    """Everything a report says, as the CLI, the JSON and the problem sheet would show it."""
    return report.model_dump_json() + "\n" + report.text() + "\n".join(p.short() for p in report.problems)


# --------------------------------------------------------------------------- encodings


def test_gbk_csv_read_without_being_told(tmp_path, village):
    path = write_csv(tmp_path / "gbk.csv", [row(), row("002", husband="郑洁", hid_number=H2, wid_number=W2)], "gbk")
    got = list(iter_households(village, path, AS_OF))
    assert [(n, h.id, h.husband.name, h.wife.name) for n, h in got] == [(2, "001", "张伟", "李娜"),
                                                                      (3, "002", "郑洁", "李娜")]
    assert check_roster(village, path, AS_OF).encoding == "gb18030"


def test_utf8_bom_csv_with_english_headers_and_values(tmp_path, village):
    english = [c.key for c in COLUMNS[:12]]
    r = row(hukou="non_agricultural", contraception="long_acting", migration="resident")
    path = write_csv(tmp_path / "bom.csv", [r], "utf-8-sig", headers=english)
    report = check_roster(village, path, AS_OF)
    assert report.encoding == "utf-8-sig" and report.ok and not report.problems
    (_, h), = iter_households(village, path, AS_OF)
    assert h.hukou == HukouType.non_agricultural and h.contraception == Contraception.long_acting


@pytest.mark.parametrize("text", ["户编号,姓名\n001,张伟\n", "户编号,丈夫姓名,妻子姓名\n1,李娜,王芳\n", "户编号\n1,郑洁\n"])
def test_short_gbk_files_are_gb18030_by_strict_trial(tmp_path, text):
    # charset-normalizer alone calls such short GBK files cp949 (Korean); the strict trial does not guess.
    path = tmp_path / "short.csv"
    path.write_bytes(text.encode("gbk"))
    assert detect_encoding(path) == "gb18030"
    path.write_bytes(text.encode("utf-8"))
    assert detect_encoding(path) == "utf-8"


def test_gb18030_four_byte_characters_and_utf16(tmp_path, village):
    rare = row(husband="𠀀伟", wife="A&B<李>")
    path = write_csv(tmp_path / "gb18030.csv", [rare], "gb18030")
    (_, h), = iter_households(village, path, AS_OF)
    assert (h.husband.name, h.wife.name) == ("𠀀伟", "A&B<李>")
    # UTF-16 without a BOM has NUL bytes: neither strict trial applies, charset-normalizer decides.
    path = tmp_path / "utf16.csv"
    path.write_bytes(",".join(HEADERS).encode("utf-16-le") + "\r\n".encode("utf-16-le")
                     + ",".join(map(str, row())).encode("utf-16-le"))
    assert detect_encoding(path).replace("-", "_").lower() == "utf_16_le"
    assert [h.husband.name for _, h in iter_households(village, path, AS_OF)] == ["张伟"]


# --------------------------------------------------------------------------- xlsx cells


def _exact_number(path: Path, digits: str) -> None:
    """Store ``digits`` in the sheet as an exact integer, as some writers do (openpyxl writes a float)."""
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    as_float = repr(float(int(digits))).encode()
    assert as_float in parts[sheet]
    parts[sheet] = parts[sheet].replace(as_float, digits.encode())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)


def test_xlsx_dates_serials_numeric_ids_empty_rows_and_rare_characters(tmp_path, village):
    headers = [" 户 编 号 ", "村民小组", "丈夫姓名", "丈夫身份证号（18位）", "妻子姓名", "ＷＩＦＥ＿ＩＤ", "结婚日期",
               "子女数", "末次生育日期", "户口性质", "节育措施", "流动类型"]
    rows = [
        row(married=dt.datetime(2015, 5, 1), last=dt.datetime(2018, 4, 20)),
        [],
        row("002", husband="A&B <C>", wife="𠀀芳", hid_number=int(H2), wid_number=W2.lower(), married=42000,
            last="2020/3/4", children=2.0),
        [None, "", "  "],
        row("003", hid_number=H3, wid_number=W3, married="2012年10月1日", last="20200101", children="3个"),
        row("004", hid_number=make_id("19910101", True, seq=5), wid_number=make_id("19930101", False, seq=5),
            married="2016.2.29", last=20210102, children="两"),
    ]
    path = write_xlsx(tmp_path / "r.xlsx", rows, headers, title="某某村育龄夫妇花名册")
    _exact_number(path, H2)
    report = check_roster(village, path, AS_OF)
    assert report.header_row == 2 and report.rows == 4 and report.households == 4
    assert [p.message for p in report.errors] == []
    numeric = [p for p in report.warnings if "stored as numbers" in p.message]
    assert len(numeric) == 1 and numeric[0].column == "丈夫身份证号（18位）" and "row 5" in numeric[0].message
    got = {h.id: (n, h) for n, h in iter_households(village, path, AS_OF)}
    assert {k: n for k, (n, _) in got.items()} == {"001": 3, "002": 5, "003": 7, "004": 8}
    h2 = got["002"][1]
    assert (h2.husband.name, h2.wife.name) == ("A&B <C>", "𠀀芳")
    assert h2.husband.id_number == H2 and h2.wife.id_number == W2.upper()
    assert h2.marriage_date == dt.date(2014, 12, 27) and h2.last_birth == dt.date(2020, 3, 4)
    assert got["001"][1].marriage_date == dt.date(2015, 5, 1)
    assert got["003"][1].marriage_date == dt.date(2012, 10, 1) and got["003"][1].last_birth == dt.date(2020, 1, 1)
    assert got["004"][1].marriage_date == dt.date(2016, 2, 29) and got["004"][1].last_birth == dt.date(2021, 1, 2)
    three = got["003"][1].children
    assert len(three) == 3 and [c.birth_date for c in three] == [None, None, dt.date(2020, 1, 1)]


def test_id_stored_as_float_is_refused_with_the_fix(tmp_path, village):
    path = write_xlsx(tmp_path / "f.xlsx", [row(hid_number=float(H1))])
    report = check_roster(village, path, AS_OF)
    (p,) = report.errors
    assert p.row == 2 and p.column == "丈夫身份证号" and "15 significant digits" in p.message
    assert "文本" in p.fix and H1[:15] not in all_text(report)


@pytest.mark.parametrize("value, expected", [
    ("2026-11-30", dt.date(2026, 11, 30)), ("2026/11/30", dt.date(2026, 11, 30)), ("2026.11.30", dt.date(2026, 11, 30)),
    ("2026年11月30日", dt.date(2026, 11, 30)), ("20261130", dt.date(2026, 11, 30)), ("２０２６－１１－３０", dt.date(2026, 11, 30)),
    ("2026-11-30 00:00:00", dt.date(2026, 11, 30)), (46356, dt.date(2026, 11, 30)), (46356.0, dt.date(2026, 11, 30)),
    ("46356", dt.date(2026, 11, 30)), (20261130, dt.date(2026, 11, 30)),
    (dt.datetime(2026, 11, 30, 8), dt.date(2026, 11, 30)),
    (None, None), ("  ", None),
])
def test_read_date(value, expected):
    assert read_date(value) == expected


@pytest.mark.parametrize("value", ["2026-02-30", "30/11/2026", "2026年11月", "明年", 9999999, "2026", 2026, 80000])
def test_read_date_refuses(value):
    with pytest.raises(CellError):
        read_date(value)


def test_read_id_forms():
    x = make_id("19900512", False, seq=36)  # pick a number whose check digit is X
    while not x.endswith("X"):
        x = make_id("19900512", False, seq=int(x[14:17]) // 2 + 1)
    assert read_id(x.lower()) == x
    assert read_id(f' ="{H1}" ') == H1 and read_id(f"'{H1}") == H1 and read_id(f"{H1[:6]} {H1[6:]}") == H1
    assert read_id(int(H1)) == H1
    for bad in (float(H1), "6.20422E+17", H1[:-1] + ("0" if H1[-1] != "0" else "1"), H1[:17]):
        with pytest.raises(CellError) as e:
            read_id(bad)
        assert H1 not in str(e.value) and H1 not in e.value.fix


@pytest.mark.parametrize("words, expected", [
    (("农业", "非农业", "一方非农业"), ("agricultural", "non_agricultural", "mixed")),
    (("未落实", "药具", "放环", "皮埋", "男扎", "女扎", "绝育", "长效", "短效"),
     ("none", "short_acting", "long_acting", "long_acting", "sterilization", "sterilization", "sterilization",
      "long_acting", "short_acting")),
    (("常住", "流出", "流入", "outflow", " Inflow "), ("resident", "outflow", "inflow", "outflow", "inflow")),
])
def test_enumerations(tmp_path, village, words, expected):
    column = {"agricultural": 9, "none": 10, "resident": 11}[expected[0]]
    rows = []
    for k, word in enumerate(words):
        r = row(f"{k:03d}", hid_number=make_id("19900101", True, seq=k), wid_number=make_id("19900101", False, seq=k))
        r[column] = word
        rows.append(r)
    got = [h for _, h in iter_households(village, write_xlsx(tmp_path / "e.xlsx", rows), AS_OF, skip_bad=True)]
    field = {9: "hukou", 10: "contraception", 11: "migration"}[column]
    assert tuple(getattr(h, field).value for h in got) == expected


# --------------------------------------------------------------------------- checking


def _bad_roster(tmp_path: Path) -> Path:
    rows = [
        row(hid_number=H1[:-1] + ("1" if H1[-1] != "1" else "2")),              # 2: check digit
        row("002", hid_number=W2, wid_number=H2, married="2030-01-01"),          # 3: swapped, future marriage
        row("003", group="第九组", hid_number=H3, wid_number=W3, hukou="农民",      # 4: group (warning), 户口性质
            contraception="打针吧", last="2027-01-01"),                            #    节育措施, future birth
        [],                                                                      # 5: empty, skipped
        row("001", husband="", hid_number=H2, wid_number=W1, migration="出去了"),  # 6: dup 户编号, dup wife ID
        row("005", hid_number=make_id("19900101", True, seq=99), wid_number="", children=0, last="2019-01-01",
            hukou=H1),                                                           # 7: an ID in the wrong column
    ]
    return write_xlsx(tmp_path / "bad.xlsx", rows)


def test_check_roster_lists_every_problem_with_row_column_and_masked_value(tmp_path, village):
    report = check_roster(village, _bad_roster(tmp_path), TODAY)
    found = {(p.severity, p.row, p.column) for p in report.problems}
    expected = {
        ("error", 2, "丈夫身份证号"), ("error", 3, "丈夫身份证号"), ("error", 3, "妻子身份证号"), ("error", 3, "结婚日期"),
        ("warning", 4, "村民小组"), ("error", 4, "户口性质"), ("error", 4, "节育措施"), ("error", 4, "末次生育日期"),
        ("error", 6, "户编号"), ("warning", 2, "户编号"), ("error", 6, "丈夫姓名"), ("error", 6, "妻子身份证号"),
        ("warning", 2, "妻子身份证号"), ("error", 6, "流动类型"), ("error", 7, "妻子身份证号"), ("error", 7, "末次生育日期"),
        ("error", 7, "户口性质"),
    }
    assert expected <= found, expected - found
    assert report.rows == 5 and report.households == 0 and not report.ok
    by = {(p.row, p.column): p for p in report.problems if p.severity == "error"}
    assert "check digit" in by[2, "丈夫身份证号"].message
    assert "records a woman" in by[3, "丈夫身份证号"].message and "swapped" in by[3, "丈夫身份证号"].fix
    assert "records a man" in by[3, "妻子身份证号"].message
    assert "农业、非农业、一方非农业" in by[4, "户口性质"].message
    assert "未落实、短效、长效、绝育" in by[4, "节育措施"].message and "常住、流出、流入" in by[6, "流动类型"].message
    assert "row 2" in by[6, "户编号"].message and "rows 2 and 6" in by[6, "户编号"].fix   # names both rows
    assert "row 2" in by[6, "妻子身份证号"].message
    assert by[3, "结婚日期"].value == "2030-01-01" and "2026-11-30" in by[3, "结婚日期"].message
    assert by[6, "丈夫姓名"].message == "is empty" and by[7, "妻子身份证号"].message == "is empty"
    group = next(p for p in report.warnings if p.column == "村民小组")
    assert "第一村民小组" in group.message
    # values are masked: keep the first 6 and last 4 characters
    assert by[3, "丈夫身份证号"].value == W2[:6] + "********" + W2[-4:]
    assert by[7, "户口性质"].value == H1[:6] + "********" + H1[-4:]
    text = all_text(report)
    for number in (H1, H2, H3, W1, W2, W3):
        assert number not in text and number[:-1] not in text


def test_iter_households_raises_listing_all_problems(tmp_path, village):
    path = _bad_roster(tmp_path)
    with pytest.raises(RosterError) as e:
        list(iter_households(village, path, AS_OF))
    message = str(e.value)
    for line in ("row 2, column 丈夫身份证号", "row 3, column 结婚日期", "row 4, column 节育措施", "row 6, column 户编号",
                 "row 7, column 妻子身份证号"):
        assert line in message
    assert isinstance(e.value, InputError) and H1 not in message and W2 not in message


def test_skip_bad_yields_good_rows_and_records_the_others(tmp_path, village):
    rows = [row(), row("002", hid_number=W2, wid_number=H2), row("003", hid_number=H3, wid_number=W3),
            row("003", hid_number=H2, wid_number=W2)]
    stream = iter_households(village, write_xlsx(tmp_path / "s.xlsx", rows), AS_OF, skip_bad=True)
    assert [(n, h.id) for n, h in stream] == [(2, "001"), (4, "003")]
    assert [(s.row, s.household_id) for s in stream.skipped] == [(3, "002"), (5, "003")]
    assert "records a woman" in stream.skipped[0].reasons[0]
    assert any("户编号" in r and "row 4" in r for r in stream.skipped[1].reasons)
    assert W2 not in stream.skipped[0].model_dump_json() and H2 not in stream.skipped[1].model_dump_json()
    assert {p.row for p in stream.report.errors} == {3, 5}


def test_missing_column_is_reported_once_and_refuses_every_row(tmp_path, village):
    path = write_xlsx(tmp_path / "m.xlsx", [[r for k, r in enumerate(row()) if k != 11]], HEADERS[:11] + ["其他"])
    report = check_roster(village, path, AS_OF)
    assert [(p.row, p.message) for p in report.errors] == [(1, "the file has no 流动类型 column (English: migration)")]
    assert any(p.column == "其他" and "ignored" in p.message for p in report.warnings)
    with pytest.raises(RosterError):
        list(iter_households(village, path, AS_OF, skip_bad=True))


def test_unreadable_files_are_refused_clearly(tmp_path, village):
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError, match="save it as .xlsx"):
        check_roster(village, tmp_path / "old.xls", AS_OF)
    with pytest.raises(InputError, match="no header row"):
        check_roster(village, write_csv(tmp_path / "n.csv", [["a", "b"]], "utf-8", headers=["x", "y"]), AS_OF)
    with pytest.raises(InputError, match="no such file"):
        check_roster(village, tmp_path / "none.xlsx", AS_OF)


def test_migrant_rows_warn_about_what_their_agreement_prints(tmp_path, village):
    headers = HEADERS + ["户籍地址", "现居住地址", "联系电话", "婚育证明有效期起", "婚育证明有效期止"]
    path = write_xlsx(tmp_path / "m.xlsx", [row(migration="流出") + ["某某村", "", "", "2026-01-01", "2025-12-31"]],
                      headers)
    report = check_roster(village, path, AS_OF)
    assert {(p.severity, p.column) for p in report.problems} == {
        ("warning", "现居住地址"), ("warning", "联系电话"), ("error", "婚育证明有效期止")}


# --------------------------------------------------------------------------- problem sheet


def test_problem_sheet_marks_cells_and_reads_back(tmp_path, village):
    path = _bad_roster(tmp_path)
    report = check_roster(village, path, AS_OF)
    out = write_problem_sheet(report, open_roster(path).rows(), tmp_path / "problems.xlsx")
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header == HEADERS + [PROBLEM_HEADER] and ws.freeze_panes == "A2"
    assert ws.max_row == 6  # the header and the five rows that hold anything
    notes = [r[-1].value for r in ws.iter_rows(min_row=2)]
    assert "check digit" in notes[0] and "records a woman" in notes[1] and "is also the 户编号 of row 2" in notes[3]
    h_cell = ws.cell(row=2, column=4)
    assert h_cell.fill.fgColor.rgb.endswith("FFC7CE") and "check digit" in h_cell.comment.text
    assert ws.cell(row=4, column=2).fill.fgColor.rgb.endswith("FFEB9C")  # 第九组: a warning
    assert ws.cell(row=2, column=1).fill.fgColor.rgb.endswith("FFEB9C")  # 001, repeated in row 6
    assert ws.cell(row=2, column=3).fill.patternType is None  # 张伟: nothing wrong
    assert ws.cell(row=2, column=4).number_format == "@"
    listing = wb["问题清单"]
    assert listing.max_row == len(report.problems) + 1
    sheet_text = "\n".join(str(c.value) for r in listing.iter_rows() for c in r) + "\n".join(map(str, notes))
    for number in (H1, H2, H3, W1, W2, W3):
        assert number not in sheet_text

    again = check_roster(village, out, AS_OF)  # same headers and a 问题 column: reads back as a roster
    assert Counter(p.message for p in again.errors) == Counter(p.message for p in report.errors)
    assert not any(p.column == PROBLEM_HEADER for p in again.problems)

    fixed = [row(), row("002", hid_number=H2, wid_number=W2), row("003", hid_number=H3, wid_number=W3),
             row("004", hid_number=make_id("19910101", True, seq=3), wid_number=make_id("19910101", False, seq=3)),
             row("005", hid_number=make_id("19900101", True, seq=99), wid_number=make_id("19900101", False, seq=99))]
    for r, values in zip(ws.iter_rows(min_row=2), fixed):
        for cell, value in zip(r, values):
            cell.value = value
    wb.save(out)
    corrected = check_roster(village, out, AS_OF)
    assert corrected.ok and corrected.households == 5, corrected.text()


def test_problem_sheet_keeps_csv_text_as_text(tmp_path, village):
    path = write_csv(tmp_path / "x.csv", [row(husband="=HYPERLINK(\"x\")", hid_number="bad")], "utf-8")
    report = check_roster(village, path, AS_OF)
    out = write_problem_sheet(report, None, tmp_path / "x.xlsx")
    cell = load_workbook(out).worksheets[0].cell(row=2, column=3)
    assert cell.value == '=HYPERLINK("x")' and cell.data_type == "s"


# --------------------------------------------------------------------------- template


def test_roster_template(tmp_path, village):
    out = tmp_path / "roster.xlsx"
    result = CliRunner().invoke(cli, ["roster-template", "-o", str(out), "--village", str(EXAMPLES / "village.yaml")])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    ws = wb["花名册"]
    headers = [c.value for c in ws[1]]
    assert headers == [c.header for c in COLUMNS] and ws.freeze_panes == "A2"
    lists = {}
    for dv in ws.data_validations.dataValidation:
        letter = str(dv.sqref).split(":")[0].rstrip("0123456789")
        header = ws[f"{letter}1"].value
        if dv.type == "list":
            ref = re.match(r"='选项'!\$(\w+)\$(\d+):\$\w+\$(\d+)", dv.formula1)
            assert ref, dv.formula1
            col, a, b = ref.groups()
            lists[header] = [wb["选项"][f"{col}{k}"].value for k in range(int(a), int(b) + 1)]
    assert lists == {"村民小组": ["第一村民小组", "第二村民小组", "第三村民小组"], "户口性质": ["农业", "非农业", "一方非农业"],
                     "节育措施": ["未落实", "短效", "长效", "绝育"], "流动类型": ["常住", "流出", "流入"],
                     "计划再生育": ["是", "否"]}
    types = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"list", "date", "textLength", "whole"} <= types
    letters = {cell.value: cell.column_letter for cell in ws[1]}
    assert ws[f"{letters['丈夫身份证号']}2"].number_format == "@"
    assert ws.column_dimensions[letters["丈夫身份证号"]].number_format == "@"
    assert ws[f"{letters['结婚日期']}2"].number_format == "yyyy-mm-dd"
    assert ws.column_dimensions[letters["现居住地址"]].width >= 20
    assert wb["选项"].sheet_state == "hidden" and "说明" in wb.sheetnames
    report = check_roster(village, out, TODAY)  # the example row is a valid household
    assert report.ok and report.households == 1 and not report.problems


# --------------------------------------------------------------------------- selection


@pytest.fixture(scope="module")
def resolver(village) -> Resolver:
    return Resolver(village, AS_OF)


def test_selection_of_specific_rows_follows_the_seed_rules(tmp_path, village, resolver):
    seq = iter(range(1, 100))

    def case(hid, husband_born="19900101", wife_born="19920101", plans=None, **cells):
        k = next(seq)
        return row(hid, hid_number=make_id(husband_born, True, seq=k), wid_number=make_id(wife_born, False, seq=k),
                   **cells) + [plans]

    cases = {  # household → (its row, the agreements DOMAIN.md "Which agreements a household signs" gives)
        "early": (case("early", "19880101", "19910301", married="2010-05-01", children=0, last=None),
                  ["contraception"]),  # the wife married at 19
        "spacing": (case("spacing", plans="是"), ["contraception", "birth-spacing"]),
        "two_agri": (case("two_agri", children=2, last="2019-01-01", contraception="药具"), ["contraception"]),
        "two_long": (case("two_long", children=2, last="2019-01-01", contraception="放环"), []),
        "mixed_one": (case("mixed_one", hukou="一方非农业", contraception="未落实"), ["contraception"]),
        "agri_one": (case("agri_one"), []),
        "second_birth": (case("second_birth", children=2, last="2021-06-01", contraception="女扎"), ["contraception"]),
        "second_birth_old": (case("second_birth_old", children=2, last="2020-12-01", contraception="女扎"), []),
        "outflow": (case("outflow", migration="流出"), ["outflow"]),
        "inflow": (case("inflow", migration="外来"), ["inflow"]),
        "over_age": (case("over_age", "19680101", "19720101", children=2, last="2000-01-01"), []),
    }
    path = write_xlsx(tmp_path / "sel.xlsx", [values for values, _ in cases.values()], HEADERS + ["计划再生育"])
    got = {h.id: [k.value for k in resolver.selection(h)[0].agreements]
           for _, h in iter_households(village, path, AS_OF)}
    assert got == {k: expected for k, (_, expected) in cases.items()}


# --------------------------------------------------------------------------- example county


def test_example_county_parses_and_covers_every_agreement(tmp_path):
    out = tmp_path / "county"
    result = CliRunner().invoke(cli, ["example-county", "--villages", "4", "--households", "8", "--seed", "3",
                                      "--as-of", AS_OF.isoformat(), "-o", str(out)])
    assert result.exit_code == 0, result.output
    summary = yaml.safe_load((out / "county.yaml").read_text(encoding="utf-8"))
    folders = sorted(p for p in out.iterdir() if p.is_dir())
    assert len(folders) == 4
    rosters = [next(f.glob("roster.*")) for f in folders]
    assert [p.suffix for p in rosters] == [".xlsx", ".csv", ".xlsx", ".csv"]
    with pytest.raises(UnicodeDecodeError):
        rosters[1].read_text(encoding="utf-8")
    rosters[1].read_text(encoding="gbk")  # the GBK one
    assert rosters[3].read_bytes().startswith(b"\xef\xbb\xbf")
    selected, ids = Counter(), set()
    for folder, roster in zip(folders, rosters):
        village = load_village(folder / "village.yaml")
        assert (village.province.name, village.county.name) == ("某某省", "某某县")
        report = check_roster(village, roster, AS_OF)
        assert report.ok and not report.problems and report.households == 8, report.text()
        r = Resolver(village, AS_OF)
        for _, h in iter_households(village, roster, AS_OF):
            selected.update(k.value for k in r.selection(h)[0].agreements)
            ids.update((h.husband.id_number, h.wife.id_number))
    assert set(selected) == {k.value for k in DocumentKind if k.is_agreement}
    assert dict(selected) == {k: v for k, v in summary["agreements"].items() if v}
    assert len(ids) == 64  # every identity number is unique across the county


def test_example_county_is_deterministic_for_a_seed(tmp_path):
    def files(seed: int, name: str) -> dict[str, object]:
        out = tmp_path / name
        list(write_example_county(out, 2, 6, seed=seed, as_of=AS_OF))
        got = {}
        for p in sorted(out.rglob("*.*")):
            if p.suffix == ".xlsx":
                got[str(p.relative_to(out))] = [r for r in load_workbook(p, read_only=True).worksheets[0]
                                                .iter_rows(values_only=True)]
            else:
                got[str(p.relative_to(out))] = p.read_bytes()
        return got

    assert files(5, "a") == files(5, "b")
    assert files(5, "a") != files(6, "c")


def test_example_county_three_households_cover_every_kind(tmp_path):
    list(write_example_county(tmp_path, 1, 3, seed=1, as_of=AS_OF))
    summary = yaml.safe_load((tmp_path / "county.yaml").read_text(encoding="utf-8"))
    assert all(summary["agreements"].values())


def test_generated_households_get_what_their_scenario_says(resolver):
    policies = {k: c.item.value for k, c in resolver.policies().items()}
    plan = VillagePlan("v", "某某村", "某某镇", ["第一村民小组", "第二村民小组"], "roster.xlsx", "")
    seen = Counter()
    for h, scenario in draw_households(plan, _Draw("test", AS_OF, set()), 600, 0):
        seen[scenario.name] += 1
        assert select(h, policies, AS_OF).agreements == list(scenario.expected), (scenario.name, h)
        if scenario.name != "早婚":
            assert h.marriage_date >= max(shift_years(h.husband.born, 22), shift_years(h.wife.born, 20))
        assert h.marriage_date <= AS_OF and (h.last_birth is None or h.marriage_date <= h.last_birth <= AS_OF)
    assert set(seen) == {s.name for s in SCENARIOS}


def test_check_command_lists_roster_problems_and_legal_findings_together(tmp_path, village):
    bad = make_id("19900101", True)[:-1] + ("0" if make_id("19900101", True)[-1] != "0" else "1")
    roster = write_xlsx(tmp_path / "r.xlsx", [row(), row(hid="002", hid_number=bad, wid_number=W2),
                                              row(hid="003", husband="", hid_number=H3, wid_number=W3)])
    problems = tmp_path / "problems.xlsx"
    res = CliRunner().invoke(cli, ["check", "--village", str(EXAMPLES / "village.yaml"), "--roster", str(roster),
                                   "--as-of", "2026-11-30", "--problems", str(problems)])
    assert res.exit_code == 2, res.output
    assert "Legal findings as of 2026-11-30" in res.output  # the law part runs too
    assert "row 3, column 丈夫身份证号" in res.output and "row 4, column 丈夫姓名" in res.output
    assert bad not in res.output and "Traceback" not in res.output
    assert problems.exists()
    sheet = load_workbook(problems).active
    assert PROBLEM_HEADER in [c.value for c in sheet[1]]


def test_household_id_that_cannot_name_a_folder_is_a_row_error(tmp_path, village):
    report = check_roster(village, write_xlsx(tmp_path / "r.xlsx", [row(hid="1/2"), row(hid=".x", hid_number=H2,
                                                                                        wid_number=W2)]), AS_OF)
    bad = [p for p in report.errors if p.column == "户编号"]
    assert [p.row for p in bad] == [2, 3] and all("cannot name a folder" in p.message for p in bad)
