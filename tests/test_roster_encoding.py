"""The text encoding of CSV rosters: found on evidence (a Big5 file is not read as GB18030),
refused with what was found when unsure, said with ``--encoding``; UTF-16 with a BOM is read.
Every file is written for real, in the encoding a clerk's Excel would write."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from stdnum.cn import ric

from docforge.cli import cli
from docforge.errors import InputError
from docforge.inputs import load_village
from docforge.roster import COLUMNS, check_roster, detect_encoding, iter_households, write_problem_sheet

AS_OF = dt.date(2026, 11, 30)
EXAMPLES = Path(__file__).resolve().parents[1] / "docforge" / "examples"
ENGLISH = [c.key for c in COLUMNS[:12]]  # English headers: a Big5 file cannot spell the Chinese ones


def make_id(born: str, male: bool, seq: int) -> str:
    body = f"620422{born}{seq * 2 + (1 if male else 0):03d}"
    return body + ric.calc_check_digit(body + "0")


#: Couples of a Taiwan or Hong Kong clerk's roster, in traditional characters.
TRADITIONAL = [("王強", "趙敏"), ("陳國華", "劉麗娟"), ("黃志明", "吳淑芬"), ("鄭宗翰", "謝雅婷"), ("張偉", "林靜")]
SIMPLIFIED = [("王强", "赵敏"), ("陈国华", "刘丽娟"), ("黄志明", "吴淑芬"), ("郑宗翰", "谢雅婷"), ("张伟", "林静")]


@pytest.fixture(scope="module")
def village():
    return load_village(EXAMPLES / "village.yaml")


def rows(couples, group: str = "1") -> list[list]:
    return [[f"{k:03d}", group, h, make_id("19900101", True, k), w, make_id("19920202", False, k), "2015-05-01", 1,
             "2018-04-20", "agricultural", "short_acting", "resident"] for k, (h, w) in enumerate(couples, start=1)]


def write_csv(path: Path, data: list[list], encoding: str, delimiter: str = ",") -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(ENGLISH)
    w.writerows(data)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def names(village, path: Path, encoding: str | None = None) -> list[tuple[str, str]]:
    return [(h.husband.name, h.wife.name) for _, h in iter_households(village, path, AS_OF, encoding=encoding)]


def test_a_big5_roster_is_read_as_big5_not_as_gb18030(tmp_path, village):
    """Big5 bytes decode as GB18030 too, into garbled names printed on agreements: the reading
    whose characters are common Chinese ones wins."""
    path = write_csv(tmp_path / "big5.csv", rows(TRADITIONAL), "big5")
    path.read_bytes().decode("gb18030")  # the trap: it decodes
    assert detect_encoding(path) == "cp950"
    assert names(village, path) == TRADITIONAL
    report = check_roster(village, path, AS_OF)
    assert report.encoding == "cp950" and report.households == len(TRADITIONAL)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "gb2312"])
def test_a_gbk_roster_is_still_read_as_gb18030(tmp_path, village, encoding):
    path = write_csv(tmp_path / "gbk.csv", rows(SIMPLIFIED), encoding)
    assert detect_encoding(path) == "gb18030"
    assert names(village, path) == SIMPLIFIED


def test_chinese_headers_are_evidence_enough_for_one_short_gbk_row(tmp_path):
    for text in ("户编号,姓名\n001,张伟\n", "户编号,丈夫姓名,妻子姓名\n1,李娜,王芳\n", "户编号\n1,郑洁\n"):
        path = tmp_path / "short.csv"
        path.write_bytes(text.encode("gbk"))
        assert detect_encoding(path) == "gb18030", text


def test_a_file_that_reads_as_chinese_both_ways_is_refused_with_what_was_found(tmp_path, village):
    """b'\\xb0\\xa2\\xb0\\xaa' is 阿蔼 in GB18030 and 陝高 in Big5: docforge does not guess."""
    path = tmp_path / "unsure.csv"
    path.write_bytes(b"household_id,husband_name\n001,\xb0\xa2\xb0\xaa\n")
    with pytest.raises(InputError) as e:
        check_roster(village, path, AS_OF)
    message = str(e.value)
    assert message.startswith(f"{path}: cannot tell the text encoding of this CSV file")
    assert "as GB18030/GBK '阿蔼'" in message and "as Big5 '陝高'" in message
    assert "--encoding gb18030 or --encoding big5" in message
    assert detect_encoding(path, "big5") == "cp950"
    assert detect_encoding(path, "gbk") == "gb18030"


def test_a_file_garbled_in_every_encoding_is_refused(tmp_path, village):
    """Bytes that decode in both, to rare characters in both (亓芈 / 媮娷): not a roster's text."""
    path = tmp_path / "garbled.csv"
    path.write_bytes(b"household_id,husband_name\n001," + b"\xd8\xc1\xd8\xc2" * 4 + b"\n")
    with pytest.raises(InputError, match=r"garbled\.csv: cannot tell the text encoding .* looks garbled in every "
                                         r"encoding that decodes it \(as GB18030/GBK it reads '亓芈.*uncommon characters\).*"
                                         r"--encoding"):
        check_roster(village, path, AS_OF)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_with_a_bom_is_read(tmp_path, village, encoding):
    """Excel's "Unicode text": UTF-16 with a BOM, tab-separated."""
    path = tmp_path / "unicode.csv"
    text = write_csv(tmp_path / "x.csv", rows(SIMPLIFIED), "utf-8", delimiter="\t").read_text(encoding="utf-8")
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    path.write_bytes(bom + text.encode(encoding))
    assert names(village, path) == SIMPLIFIED


def test_a_damaged_utf16_file_is_refused(tmp_path, village):
    path = tmp_path / "cut.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + "household_id\n001\n".encode("utf-16-le") + b"\x00")
    with pytest.raises(InputError, match=r"cut\.csv: begins with the mark of UTF-16 text but is not UTF-16 "
                                         r"throughout"):
        check_roster(village, path, AS_OF)


def test_encoding_given_that_does_not_fit_or_does_not_exist(tmp_path, village):
    path = write_csv(tmp_path / "gbk.csv", rows(SIMPLIFIED), "gbk")
    with pytest.raises(InputError, match=r"gbk\.csv: is not utf-8 text .*check --encoding"):
        check_roster(village, path, AS_OF, encoding="utf-8")
    with pytest.raises(InputError, match=r"--encoding klingon: not an encoding Python knows"):
        check_roster(village, path, AS_OF, encoding="klingon")


def test_cli_check_and_bundle_take_encoding(tmp_path):
    """陝高、趙敏 in Big5 read as GB18030 are 阿蔼、化庇, common characters too: refused until
    ``--encoding big5`` says which; then the names print as written."""
    import json

    from docx import Document

    path = tmp_path / "unsure.csv"
    data = rows([("陝高", "趙敏")])
    data[0][11] = "outflow"  # a 流出 household signs the outflow agreement
    write_csv(path, data, "big5")
    village = str(EXAMPLES / "village.yaml")
    runner = CliRunner()
    base = ["--village", village, "--roster", str(path), "--as-of", "2020-11-30"]  # agreements still signed
    refused = runner.invoke(cli, ["check", *base])
    assert refused.exit_code == 2, refused.output
    assert "cannot tell the text encoding of this CSV file" in refused.output
    assert "as Big5 '陝高、趙敏'" in refused.output and "--encoding gb18030 or --encoding big5" in refused.output
    told = runner.invoke(cli, ["check", *base, "--encoding", "big5", "--json"])
    assert json.loads(told.output)["roster"]["encoding"] == "cp950", told.output
    out = tmp_path / "bundle"
    assert runner.invoke(cli, ["bundle", *base, "--format", "docx", "-o", str(out)]).exit_code == 2
    assert not out.exists()
    done = runner.invoke(cli, ["bundle", *base, "--format", "docx", "--encoding", "big5", "-o", str(out)])
    assert done.exit_code == 0, done.output
    docs = sorted((out / "households" / "001").glob("*.docx"))
    assert docs
    text = "\n".join(p.text for p in Document(docs[0]).paragraphs)
    assert "陝高" in text and "趙敏" in text


def test_problem_sheet_of_a_big5_roster_keeps_the_names(tmp_path, village):
    from openpyxl import load_workbook

    data = rows(TRADITIONAL)
    data[0][3] = "not an id"
    path = write_csv(tmp_path / "big5.csv", data, "big5")
    report = check_roster(village, path, AS_OF)
    out = write_problem_sheet(report, None, tmp_path / "problems.xlsx")
    ws = load_workbook(out).worksheets[0]
    assert [ws.cell(row=r, column=3).value for r in range(2, 2 + len(TRADITIONAL))] == [h for h, _ in TRADITIONAL]
