"""Hostile .xlsx rosters and .docx templates, built here as real zip files: rows numbered far
ahead, more rows or columns than Excel allows, and zip bombs (a few MB that unpack into
gigabytes). Each is refused at once with a message naming the file and what is wrong, or read in
time that does not depend on the gap."""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from openpyxl import Workbook

from docforge import xlsx
from docforge.errors import InputError, RenderError
from docforge.inputs import load_village
from docforge.demo import examples_dir
from docforge.render.docx import render_docx, render_docx_fast, template_path
from docforge.resolve import Resolver
from docforge.roster import COLUMNS, check_roster, open_roster
from docforge.safezip import MiB

SHEET1 = "xl/worksheets/sheet1.xml"
AS_OF = dt.date(2026, 11, 30)
HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
        'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
TAIL = "</sheetData></worksheet>"


@contextlib.contextmanager
def within(seconds: int):
    """Fail (instead of hanging) when the block takes longer than ``seconds``."""
    def expired(*_):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --------------------------------------------------------------------------- building zips


class Bomb:
    """A member that unpacks to ``head + chunk * count + tail``, stored as raw deflate in a few
    KB: after a full flush, deflate's output for the same chunk is the same bytes, so the
    compressed chunk is repeated instead of compressing gigabytes."""

    def __init__(self, head: bytes, chunk: bytes, count: int, tail: bytes):
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
        block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
        assert c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH) == block
        self.data = first + block * count + c.compress(tail) + c.flush()
        self.size = len(head) + len(chunk) * count + len(tail)
        crc = zlib.crc32(head)
        for _ in range(count):
            crc = zlib.crc32(chunk, crc)
        self.crc = zlib.crc32(tail, crc)


def write_zip(path: Path, members: dict[str, bytes | Bomb]) -> Path:
    """A zip file (deflated members, no zip64: under 4 GiB a member) written byte by byte."""
    out, central = bytearray(), bytearray()
    for name, member in members.items():
        if not isinstance(member, Bomb):
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            data, size, crc = c.compress(member) + c.flush(), len(member), zlib.crc32(member)
        else:
            data, size, crc = member.data, member.size, member.crc
        raw = name.encode()
        offset = len(out)
        out += struct.pack(zipfile.structFileHeader, zipfile.stringFileHeader, 20, 0, 0x800, 8, 0, 0x21, crc,
                           len(data), size, len(raw), 0) + raw + data
        central += struct.pack(zipfile.structCentralDir, zipfile.stringCentralDir, 20, 0, 20, 0, 0x800, 8, 0, 0x21,
                               crc, len(data), size, len(raw), 0, 0, 0, 0, 0, offset) + raw
    end = struct.pack(zipfile.structEndArchive, zipfile.stringEndArchive, 0, 0, len(members), len(members),
                      len(central), len(out), 0)
    path.write_bytes(bytes(out + central + end))
    return path


def roster_parts(tmp_path: Path) -> dict[str, bytes]:
    """The parts of a real roster workbook (openpyxl's), headers and one household."""
    wb = Workbook()
    wb.active.append([c.header for c in COLUMNS])
    wb.active.append(["001", "第一村民小组", "王强", "620422198801010519", "赵敏", "62042219900512072X", None, 1,
                      None, "农业", "短效", "常住"])
    path = tmp_path / "base.xlsx"
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def with_rows(parts: dict[str, bytes], rows: str) -> dict[str, bytes]:
    sheet = parts[SHEET1].decode()
    return {**parts, SHEET1: sheet.replace("</sheetData>", rows + "</sheetData>").encode()}


@pytest.fixture(scope="module")
def village():
    return load_village(examples_dir() / "village.yaml")


@pytest.fixture
def parts(tmp_path) -> dict[str, bytes]:
    return roster_parts(tmp_path)


# --------------------------------------------------------------------------- rows and columns


def test_a_row_numbered_far_ahead_is_refused_at_once(tmp_path, parts, village):
    """The 8 KB file that looped without end: ``<row r="2000000000">``."""
    path = write_zip(tmp_path / "far.xlsx", with_rows(parts, '<row r="2000000000"><c r="A2000000000"><v>1</v></c></row>'))
    assert path.stat().st_size < 10_000
    with within(20), pytest.raises(InputError) as e:
        check_roster(village, path, AS_OF)
    assert str(e.value).startswith(f"{path}: cannot read this Excel file")
    assert "row 2000000000 is beyond the last row of an Excel sheet (1,048,576)" in str(e.value)
    assert "save it again as .xlsx" in str(e.value)


def test_a_gap_in_the_row_numbers_costs_nothing(tmp_path, parts, village):
    """The last row Excel allows, after a gap of a million rows: read, as that row, in no time;
    FirstSheet.numbered_rows yields the rows the sheet holds, not the gap."""
    last = xlsx.MAX_ROWS
    row = (f'<row r="{last}"><c r="A{last}" t="inlineStr"><is><t>002</t></is></c>'
           f'<c r="C{last}" t="inlineStr"><is><t>李四</t></is></c></row>')
    path = write_zip(tmp_path / "gap.xlsx", with_rows(parts, row))
    started = time.process_time()
    with xlsx.FirstSheet(path) as sheet:
        numbers = [n for n, _values in sheet.numbered_rows()]
    assert numbers == [1, 2, last]
    report = check_roster(village, path, AS_OF)
    assert time.process_time() - started < 5
    assert report.rows == 2 and report.households == 1
    assert {p.row for p in report.errors} == {last}  # the far row is read, and its empty cells named
    assert any(p.row == last and p.column == "村民小组" and p.message == "is empty" for p in report.errors)


def test_more_row_elements_than_a_sheet_holds_are_refused(tmp_path, parts):
    """200 million rows in 1.7 MB ran over 300 s: the reader stops past Excel's row count, whether
    the rows are numbered (each one more) or not (one number again and again)."""
    for name, row in (("unnumbered", b"<row/>"), ("repeated", b'<row r="3"/>')):
        chunk = row * (MiB // len(row))
        count = (xlsx.MAX_ROWS * len(row)) // len(chunk) + 2
        head, tail = parts[SHEET1].split(b"</sheetData>")  # the header and a household, then the rows
        members = {**parts, SHEET1: Bomb(head, chunk, count, b"</sheetData>" + tail)}
        path = write_zip(tmp_path / f"{name}.xlsx", members)
        assert path.stat().st_size < 200_000
        with within(60), pytest.raises(InputError, match=r"cannot read this Excel file \(.*(row 1048577 is beyond|"
                                                         r"holds more than 1,048,576 rows)"):
            list(open_roster(path).rows())


@pytest.mark.parametrize("cells, what", [
    ('<row r="2"><c r="XFE2"><v>1</v></c></row>', "cell XFE2 is beyond the last column of an Excel sheet"),
    ('<row r="2">' + "<c><v>1</v></c>" * (xlsx.MAX_COLUMNS + 1) + "</row>",
     "column 16,385 of row 2 is beyond the last column of an Excel sheet"),
], ids=["named", "counted"])
def test_a_column_beyond_excel_is_refused(tmp_path, parts, cells, what):
    path = write_zip(tmp_path / "wide.xlsx", with_rows(parts, cells))
    with within(20), pytest.raises(InputError, match=rf"wide\.xlsx: cannot read this Excel file \({what}"):
        list(open_roster(path).rows())


# --------------------------------------------------------------------------- zip bombs


@pytest.mark.parametrize("part, limit", [
    (SHEET1, "SHEET_LIMIT"), ("xl/sharedStrings.xml", "STRINGS_LIMIT"), ("[Content_Types].xml", "PART_LIMIT"),
    ("xl/styles.xml", "PART_LIMIT"), ("xl/workbook.xml", "PART_LIMIT"), ("xl/_rels/workbook.xml.rels", "PART_LIMIT"),
])
def test_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, parts, part, limit):
    size = getattr(xlsx, limit) + MiB
    chunk = b"<!-- bomb -->" * (MiB // 13) + b" " * (MiB % 13)
    members = dict(parts)
    if part == "xl/sharedStrings.xml":  # a workbook whose strings are shared, as Excel's are
        members[part] = b""
        members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                         b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    head = b'<?xml version="1.0"?>'
    members[part] = Bomb(head, chunk, size // MiB, b"")
    path = write_zip(tmp_path / "bomb.xlsx", members)
    assert path.stat().st_size < 5 * MiB
    with zipfile.ZipFile(path) as z:
        assert z.getinfo(part).file_size > getattr(xlsx, limit)  # a real bomb: that is what it unpacks to
    started = time.monotonic()
    with within(30), pytest.raises(InputError) as e:
        check_roster(None, path, AS_OF)  # type: ignore[arg-type]  # refused before the village matters
    assert time.monotonic() - started < 10
    assert f"its part {part} unpacks to {size // MiB:,} MiB, more than the" in str(e.value)
    assert str(e.value).startswith(f"{path}: cannot read this Excel file")


def test_a_member_holding_more_than_its_recorded_size_is_not_unpacked_past_it(tmp_path, parts):
    """A central directory that understates a member's size: zipfile stops at the recorded size,
    and the CRC check refuses the file."""
    bomb = Bomb(HEAD.encode(), b"<row/>" * 200_000, 300, TAIL.encode())  # 343 MB
    bomb.size = 4096
    path = write_zip(tmp_path / "liar.xlsx", {**parts, SHEET1: bomb})
    with within(20), pytest.raises(InputError, match=r"liar\.xlsx: cannot read this Excel file \((BadZipFile|"
                                                     r"XMLSyntaxError)"):
        list(open_roster(path).rows())


def test_a_docx_template_zip_bomb_is_refused(tmp_path, village):
    with zipfile.ZipFile(template_path("charter")) as z:
        members: dict[str, bytes | Bomb] = {n: z.read(n) for n in z.namelist()}
    members["word/media/image1.png"] = Bomb(b"\x89PNG", b"\0" * MiB, 300, b"")
    bomb = write_zip(tmp_path / "bomb.docx", members)
    assert bomb.stat().st_size < MiB
    doc = Resolver(village, AS_OF).document("charter")
    for render in (render_docx, render_docx_fast):
        with within(30), pytest.raises(RenderError, match=r"template .*bomb\.docx is refused: its part "
                                                          r"word/media/image1\.png unpacks to 300 MiB"):
            render(doc, template=bomb)
    ok = write_zip(tmp_path / "fine.docx", {n: m for n, m in members.items() if not isinstance(m, Bomb)})
    assert render_docx(doc, template=ok)[:2] == b"PK"
