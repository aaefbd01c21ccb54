"""`check` on a long roster with a problem or two in every row: memory does not grow with the rows
or the problems (they are kept on disk and streamed into the problem sheet), and the terminal
listing is capped with a count of the rest. Time is measured by `make bench`, not here."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from docforge import roster
from docforge.cli import cli
from docforge.i18n import using
from docforge.inputs import load_village
from docforge.roster import check_roster, write_problem_sheet

AS_OF = dt.date(2026, 11, 30)
EXAMPLES = Path(__file__).resolve().parents[1] / "docforge" / "examples"
HEADERS = ["户编号", "村民小组", "丈夫姓名", "丈夫身份证号", "妻子姓名", "妻子身份证号", "结婚日期", "子女数",
           "末次生育日期", "户口性质", "节育措施", "流动类型"]


def bad_roster(path: Path, rows: int) -> Path:
    """``rows`` couples, each with two errors: a husband's number one digit short, a wife's 'bad'."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADERS)
        for i in range(rows):
            w.writerow([f"{i:06d}", "第一村民小组", f"张伟{i}", f"6204221990{i:07d}", f"李娜{i}", "bad",
                        "2015-05-01", 1, "2018-04-20", "农业", "短效", "常住"])
    return path


@pytest.fixture(scope="module")
def village():
    return load_village(EXAMPLES / "village.yaml")


def held_bytes(village, path: Path) -> int:
    """Python memory a checked roster's report holds (traced while checking, report kept)."""
    gc.collect()
    tracemalloc.start()
    try:
        report = check_roster(village, path, AS_OF)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
        assert report.error_count
        return held
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_rows_and_problems(tmp_path, village):
    """The problems stay on disk: 4,000 problems hold no more memory than 1,000 (as objects they
    took about 1 KB each). The problem sheet's memory is measured by `make bench`."""
    check_roster(village, bad_roster(tmp_path / "warm.csv", 10), AS_OF)  # caches filled once
    small = held_bytes(village, bad_roster(tmp_path / "small.csv", 500))
    large = held_bytes(village, bad_roster(tmp_path / "large.csv", 2000))
    assert large < small + 300_000, (small, large)


def test_every_problem_reaches_the_sheet_and_comments_are_capped(tmp_path, village, monkeypatch):
    monkeypatch.setattr(roster.sheets, "COMMENT_LIMIT", 50)
    report = check_roster(village, bad_roster(tmp_path / "r.csv", 120), AS_OF)
    assert report.error_count == 240 and report.rows == 120 and report.households == 0
    assert len(report.problems) == 240 and [p.row for p in report.problems] == sorted(p.row for p in report.problems)
    with using("zh"):  # the clerk's sheet, in Chinese
        out = write_problem_sheet(report, None, tmp_path / "problems.xlsx")
    wb = load_workbook(out)
    sheet, listing = wb.worksheets
    assert listing.max_row == 241
    notes = [sheet.cell(row=r, column=len(HEADERS) + 1).value for r in range(2, 122)]
    assert all(n and n.count("错误：") == 2 for n in notes)
    assert sheet.cell(row=121, column=4).fill.fgColor.rgb.endswith("FFC7CE")  # the last row is marked too
    comments = [c for row in sheet.iter_rows() for c in row if c.comment is not None]
    assert len(comments) == 50


def test_check_caps_the_terminal_listing_and_json_lists_every_problem(tmp_path):
    import json

    path = bad_roster(tmp_path / "r.csv", 300)
    args = ["check", "--village", str(EXAMPLES / "village.yaml"), "--roster", str(path), "--as-of", "2026-11-30"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    listed = [line for line in result.output.splitlines() if line.startswith("error: ") and ", row " in line]
    assert len(listed) == 200
    assert "... and 400 more; `docforge check --roster FILE --problems OUT.xlsx` writes them all" in result.output
    as_json = CliRunner().invoke(cli, [*args, "--json"])
    data = json.loads(as_json.output[:as_json.output.rindex("}") + 1])
    assert len(data["roster"]["problems"]) == 600 and data["roster"]["rows"] == 300
    assert all("*" in p["value"] for p in data["roster"]["problems"] if p["column"] == "丈夫身份证号")
