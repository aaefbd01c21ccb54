"""Reading a roster file: its encoding (detected, or given and checked), .csv and .xlsx rows (the
.xlsx streamed through :mod:`docforge.xlsx`), and the mapping of its header row to the columns."""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Generator, Iterator, Literal

from ..errors import InputError, mask_id
from ..i18n import _
from .cells import COLUMNS, HEADER_INDEX, ID_LIKE, IGNORED, WINDOWS_EPOCH, Column, is_blank, normalize_header, read_text

# --------------------------------------------------------------------------- reading a file


#: The encodings a roster without a BOM is tried in, after UTF-8: what Excel's "CSV" writes on a
#: mainland (GB18030, a superset of GBK and GB2312) and on a Taiwan or Hong Kong Windows (Big5, as
#: Windows code page 950).
LEGACY_ENCODINGS = ("gb18030", "cp950")
ENCODING_NAMES = {"gb18030": "GB18030/GBK", "cp950": "Big5", "utf-8": "UTF-8", "utf-8-sig": "UTF-8 with a BOM",
                  "utf-16": "UTF-16", "utf-32": "UTF-32"}
#: Share of a text's Chinese characters that must be common ones for it to be read as Chinese.
PLAUSIBLE = 0.85
_SAMPLE_BYTES = 1 << 19


@lru_cache(maxsize=1)
def common_hanzi() -> frozenset[str]:
    """The 3,755 common characters of GB2312 (level 1, simplified) and the 5,401 of Big5 (level 1,
    traditional): nearly every character of a roster's names, groups and addresses is one of them
    (99% of the seed's text), where text decoded with the wrong one of the two encodings has
    about half its characters outside them (rare characters, kana, Cyrillic, box drawing)."""
    chars = set()
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes((lead, trail)).decode("gb2312"))
    for lead in range(0xA4, 0xC7):
        for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            if (lead << 8 | trail) <= 0xC67E:
                with contextlib.suppress(UnicodeDecodeError):
                    chars.add(bytes((lead, trail)).decode("big5"))
    return frozenset(chars)


def _is_punctuation(c: str) -> bool:
    return "\u3000" <= c <= "\u303f" or "\uff00" <= c <= "\uffef" or "\u2000" <= c <= "\u206f" or c == "\u00b7"


@dataclass
class _Reading:
    """A file read as one encoding: the share of its Chinese characters that are common, and a few
    of its words, to show."""

    encoding: str
    plausible: float
    letters: int
    sample: str

    def describe(self) -> str:
        return _("as {encoding} it reads '{sample}' ({percent}% uncommon characters)",
                 encoding=ENCODING_NAMES.get(self.encoding, self.encoding), sample=self.sample,
                 percent=round(100 * (1 - self.plausible)))


def _encoding_fix() -> str:
    return _('give the encoding with --encoding (gb18030, big5, utf-8, utf-16), or save the file from Excel as '
             '"CSV UTF-8" or as .xlsx')


def _reading(path: Path, encoding: str) -> _Reading:
    with open(path, "rb") as f:
        text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(f.read(_SAMPLE_BYTES))
    common = common_hanzi()
    letters = [c for c in text if ord(c) > 0x7F and not c.isspace() and not _is_punctuation(c)]
    plausible = sum(c in common for c in letters) / len(letters) if letters else 1.0
    words = re.findall(r"[^\x00-\x7f\s,;|\t，、]+", text)
    return _Reading(encoding, plausible, len(letters), "、".join(words[:3])[:24])


def detect_encoding(path: Path, encoding: str | None = None) -> str:
    """The encoding of a CSV file: ``encoding`` when given (the whole file must decode with it),
    else found on evidence, or an :class:`InputError` saying what was found when unsure.

    A BOM decides (UTF-8, UTF-16, UTF-32). Otherwise the whole file must decode strictly: UTF-8
    first (valid UTF-8 is almost never meant as anything else); then GB18030 and Big5, each
    decoding being judged by its Chinese characters (:func:`common_hanzi`): Big5 bytes decode as
    GB18030 too, into garbled names, so the one whose characters are common is taken, and a file
    that reads plausibly as both, or as neither, is refused. A file that is none of these (no CJK
    encoding decodes it) is left to charset-normalizer, and its reading judged the same way.
    """
    if encoding:
        return _given_encoding(path, encoding)
    with open(path, "rb") as f:
        head = f.read(65536)
    for bom, marked in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            if not _decodes(path, marked):
                raise InputError(_('{file}: begins with the mark of {encoding} text but is not {encoding} throughout '
                                   '(damaged, or two files joined); save it again from Excel as "CSV UTF-8"',
                                   file=path, encoding=ENCODING_NAMES[marked]))
            return marked
    if b"\x00" not in head and _decodes(path, "utf-8"):
        return "utf-8"
    candidates = [e for e in LEGACY_ENCODINGS if b"\x00" not in head and _decodes(path, e)]
    if not candidates:
        from charset_normalizer import from_path

        best = from_path(path).best()
        if best is None:
            raise InputError(_("{file}: cannot tell the text encoding of this CSV file (it is not UTF-8, GB18030 or "
                               "Big5 text); {fix}", file=path, fix=_encoding_fix()))
        candidates = [best.encoding]
    readings = [_reading(path, e) for e in candidates]
    good = sorted((r for r in readings if r.plausible >= PLAUSIBLE), key=lambda r: -r.plausible)
    if len(good) == 1 or (len(good) > 1 and good[0].plausible - good[1].plausible >= 0.15):
        return good[0].encoding
    if not good:
        found = "; ".join(r.describe() for r in readings)
        raise InputError(_("{file}: cannot tell the text encoding of this CSV file: it is not UTF-8, and its Chinese "
                           "text looks garbled in every encoding that decodes it ({found}); {fix}",
                           file=path, found=found, fix=_encoding_fix()))
    first, second = good[:2]
    raise InputError(_("{file}: cannot tell the text encoding of this CSV file: its text reads as Chinese both as "
                       "{encoding} '{sample}' and as {other} '{other_sample}'; say which with --encoding gb18030 or "
                       '--encoding big5, or save the file from Excel as "CSV UTF-8"', file=path,
                       encoding=ENCODING_NAMES.get(first.encoding, first.encoding), sample=first.sample,
                       other=ENCODING_NAMES.get(second.encoding, second.encoding), other_sample=second.sample))


def _given_encoding(path: Path, encoding: str) -> str:
    """The encoding a user named: known to Python, and decoding the whole file."""
    aliases = {"big5": "cp950", "gbk": "gb18030", "gb2312": "gb18030"}
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(_("--encoding {encoding}: not an encoding Python knows; use one of gb18030, big5, utf-8, "
                           "utf-16", encoding=encoding)) from None
    name = aliases.get(name, name)
    if not _decodes(path, name):
        raise InputError(_("{file}: is not {encoding} text (it holds bytes that {encoding} does not decode); check "
                           "--encoding, or leave it out and let docforge find the encoding", file=path,
                           encoding=encoding))
    return name


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "|", "，")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass
class RawRow:
    """A row as read: its number as the spreadsheet shows it, and its cell values."""

    number: int
    values: list[Any]


def _csv_rows(path: Path, encoding: str) -> Generator[RawRow, None, None]:
    with open(path, encoding=encoding, newline="") as f:
        delimiter = _sniff_delimiter(f.readline())
        f.seek(0)
        # A spreadsheet numbers records, not lines: a quoted cell may hold a line break.
        number = 0
        try:
            for number, values in enumerate(csv.reader(f, delimiter=delimiter), start=1):
                yield RawRow(number, list(values))
        except csv.Error as e:
            if "field limit" in str(e):
                limit = format(csv.field_size_limit(), ",")
                raise InputError(_("{file}, row {row}: a cell is longer than {limit} characters, which no roster "
                                   "cell is; a quote (\") left open often makes the rest of the file one cell: "
                                   "check that row", file=path, row=number + 1, limit=limit)) from None
            raise InputError(_("{file}, row {row}: not readable as CSV ({why})", file=path, row=number + 1,
                               why=e)) from None


def _xlsx_rows(path: Path, epoch_out: list) -> Generator[RawRow, None, None]:
    """The rows of the first sheet, streamed with the values openpyxl would give
    (:mod:`docforge.xlsx`, whose memory does not grow with the sheet as openpyxl's read-only mode
    does); ``epoch_out`` receives the workbook's date epoch (1900 or 1904), which serial numbers
    count from."""
    from ..xlsx import READ_ERRORS, FirstSheet, SheetTooLarge, WorkbookError

    try:
        sheet = FirstSheet(path)
    except WorkbookError as e:
        raise _unreadable_workbook(path, str(e)) from None
    with sheet, contextlib.closing(sheet.numbered_rows()) as rows:  # a gap in the numbers costs nothing
        epoch_out.append(sheet.epoch)
        while True:
            try:
                row = next(rows, None)
            except SheetTooLarge as e:
                raise _unreadable_workbook(path, str(e)) from None
            except READ_ERRORS as e:
                raise _unreadable_workbook(path, f"{type(e).__name__}: {e}") from None
            if row is None:
                return
            yield RawRow(*row)


def _unreadable_workbook(path: Path, reason: str) -> InputError:
    """The error for a file that is not a workbook; an identity number in the reason is masked."""
    reason = ID_LIKE.sub(lambda m: mask_id(m[0]), reason)
    return InputError(_("{path}: cannot read this Excel file ({reason}); open it in Excel and save it again as .xlsx",
                        path=path, reason=reason))


@dataclass
class RosterFile:
    """An opened roster: its format, encoding, header row and which column is which."""

    path: Path
    format: Literal["xlsx", "csv"]
    encoding: str | None
    header_row: int
    headers: list[str]
    columns: dict[int, Column]
    unknown: dict[int, str] = field(default_factory=dict)
    duplicates: dict[int, tuple[Column, int]] = field(default_factory=dict)
    epoch: dt.datetime = WINDOWS_EPOCH

    def __post_init__(self) -> None:
        self._positions = {c.key: i for i, c in self.columns.items()}

    def index_of(self, key: str) -> int | None:
        """The position of the column that fills ``key`` (a :class:`Column` key), if the file has it."""
        return self._positions.get(key)

    def _all_rows(self) -> Iterator[RawRow]:
        if self.format == "csv":
            return _csv_rows(self.path, self.encoding or "utf-8")
        return _xlsx_rows(self.path, [])

    def rows(self) -> Iterator[RawRow]:
        """The rows below the header that hold anything, values padded to the header's width.
        A row is skipped only when every cell is empty."""
        width = len(self.headers)
        ignored = {i for i, h in enumerate(self.headers) if normalize_header(h) in IGNORED}
        for raw in self._all_rows():
            if raw.number <= self.header_row:
                continue
            if all(is_blank(v) for i, v in enumerate(raw.values) if i not in ignored):
                continue
            raw.values = (raw.values + [None] * width)[:max(width, len(raw.values))]
            yield raw


def open_roster(path: Path | str, encoding: str | None = None) -> RosterFile:
    """Open a roster (.xlsx or .csv) and find its header row (one of the first 20 rows; title rows
    above it are skipped). ``encoding``: a CSV file's, when the user said it (else found, see
    :func:`detect_encoding`); an .xlsx file has none."""
    path = Path(path)
    if not path.exists():
        raise InputError(_("{path}: no such file", path=path))
    suffix = path.suffix.lower()
    if suffix in (".xls", ".et", ".ods"):
        raise InputError(_("{path}: {suffix} files are not read; open it and save it as .xlsx (Excel 工作簿) or CSV",
                           path=path, suffix=suffix))
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise InputError(_("{path}: a roster must be an .xlsx or .csv file", path=path))
    if suffix == ".csv" or suffix == ".txt":
        fmt, encoding, epoch = "csv", detect_encoding(path, encoding), WINDOWS_EPOCH
        rows = _csv_rows(path, encoding)
    else:
        epochs: list[dt.datetime] = []
        fmt, encoding = "xlsx", None
        rows = _xlsx_rows(path, epochs)
    try:
        header = None
        for raw in rows:
            if sum(normalize_header(v) in HEADER_INDEX for v in raw.values if not is_blank(v)) >= 2:
                header = raw
                break
            if raw.number >= 20:
                break
    finally:
        rows.close()
    if fmt == "xlsx":
        epoch = epochs[0] if epochs else WINDOWS_EPOCH
    if header is None:
        raise InputError(_("{path}: no header row found in the first 20 rows; the first row must name the columns: "
                           "{columns}. `docforge roster-template` writes an empty roster",
                           path=path, columns="、".join(c.header for c in COLUMNS)))
    headers = [read_text(v) or "" for v in header.values]
    while headers and not headers[-1]:
        headers.pop()
    columns, unknown, duplicates = map_headers(headers)
    return RosterFile(path, "csv" if fmt == "csv" else "xlsx", encoding, header.number, headers, columns, unknown,
                      duplicates, epoch)


def map_headers(headers: list[str]) -> tuple[dict[int, Column], dict[int, str], dict[int, tuple[Column, int]]]:
    """Which column each header is: ``(columns, unknown, duplicates)``, each keyed by position;
    a duplicate maps to its column and the position of the first one."""
    columns: dict[int, Column] = {}
    unknown: dict[int, str] = {}
    duplicates: dict[int, tuple[Column, int]] = {}
    first: dict[str, int] = {}
    for i, h in enumerate(headers):
        column = HEADER_INDEX.get(normalize_header(h))
        if column is None:
            if h and normalize_header(h) not in IGNORED:
                unknown[i] = h
        elif column.key in first:
            duplicates[i] = (column, first[column.key])
        else:
            first[column.key] = i
            columns[i] = column
    return columns, unknown, duplicates
