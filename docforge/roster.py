"""Household rosters (户花名册): read .xlsx and .csv files, check every row, and hand the clerk back a
sheet to correct.

A roster has one header row (Chinese or English column names, see :data:`COLUMNS`) and one row per
couple. Rows are streamed, so memory stays flat however long the roster is; only the 户编号 and the
identity numbers already seen are kept, to find duplicates.

- :func:`check_roster` reads the whole file and reports every problem at once (:class:`RosterReport`).
- :func:`iter_households` yields ``(row_number, Household)``; it refuses a roster with errors, or
  with ``skip_bad=True`` skips the bad rows and records them.
- :func:`write_problem_sheet` writes the rows back with a 问题 column and the problem cells
  highlighted; corrected, the sheet reads back as a roster.
- :func:`write_template` writes an empty roster with drop-down lists and cell formats.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import json
import os
import re
import sqlite3
import tempfile
import threading
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Literal

from pydantic import Field, PrivateAttr, ValidationError, field_validator
from stdnum import numdb

from .compact import IntTable, hash64
from .errors import InputError, Invalid, cannot_write, mask_id, mask_ids, visible
from .i18n import LazyText, _, in_language, language, lazy, lazy_date, ngettext, pair, using
from .inputs import error_texts
from .models import (Child, Contraception, Household, HukouType, Migration, Model, Village, household_id_problem,
                     id_sex, validate_id_number)

#: The header of the column that :func:`write_problem_sheet` adds; ignored when the sheet is read back.
PROBLEM_HEADER = "问题"
#: Columns a roster may carry that docforge reads past without a warning.
IGNORED_HEADERS = (PROBLEM_HEADER, "备注", "序号")

# --------------------------------------------------------------------------- columns


class CellError(ValueError):
    """A cell that cannot be read: what is wrong, and how to fix it."""

    def __init__(self, message: "str | LazyText", fix: "str | LazyText"):
        super().__init__(str(message))
        self.message, self.fix = str(message), str(fix)
        self.texts = (message, fix)  # both languages, for the report


#: Accepted words for each enumerated value: the first is what the template's drop-down offers, the
#: last the English value.
HUKOU_WORDS = {
    HukouType.agricultural: ("农业", "农业户口", "农村", "农村户口", "agricultural"),
    HukouType.non_agricultural: ("非农业", "非农", "非农业户口", "城镇", "城镇户口", "non_agricultural"),
    HukouType.mixed: ("一方非农业", "一方非农", "一方非农业户口", "mixed"),
}
CONTRACEPTION_WORDS = {
    Contraception.none: ("未落实", "无", "未采取", "未采取措施", "none"),
    Contraception.short_acting: ("短效", "药具", "避孕药", "避孕套", "口服药", "外用药", "注射", "short_acting"),
    Contraception.long_acting: ("长效", "放环", "上环", "宫内节育器", "皮埋", "皮下埋植", "long_acting"),
    Contraception.sterilization: ("绝育", "男扎", "女扎", "结扎", "输精管结扎", "输卵管结扎", "sterilization"),
}
MIGRATION_WORDS = {
    Migration.resident: ("常住", "常住人口", "本地", "resident"),
    Migration.outflow: ("流出", "流出人口", "外出", "outflow"),
    Migration.inflow: ("流入", "流入人口", "外来", "inflow"),
}
YES_NO_WORDS = {
    True: ("是", "有", "计划", "√", "y", "true", "1", "yes"),
    False: ("否", "无", "不", "×", "n", "false", "0", "no"),
}


@dataclass(frozen=True)
class Column:
    """A roster column: the Household field it fills, its header and how a cell is read."""

    key: str
    header: str
    aliases: tuple[str, ...]
    kind: Literal["text", "id", "date", "count", "choice"]
    help: str
    required: bool = False
    choices: dict[Any, tuple[str, ...]] | None = None
    width: int = 12
    example: Any = None

    @property
    def options(self) -> list[str]:
        """The words the template's drop-down list offers."""
        return [words[0] for words in (self.choices or {}).values()]

    def allowed(self) -> LazyText:
        english = ", ".join(words[-1] for words in (self.choices or {}).values())
        words = "、".join(self.options)
        # the English values are for English readers only: a Chinese text names the Chinese words
        return pair(lazy("{words} (or {english})", words=words, english=english).text("en"), words)


COLUMNS: tuple[Column, ...] = (
    Column("household_id", "户编号", ("户号", "编号", "家庭编号"), "text", "本村内唯一的户编号（文本，保留前导0）",
           required=True, width=10, example="001"),
    Column("group", "村民小组", ("小组", "组别", "村民组", "所属小组"), "text", "所属村民小组，与村档案中的名称一致",
           required=True, width=14, example="第一村民小组"),
    Column("husband_name", "丈夫姓名", ("男方姓名", "丈夫"), "text", "丈夫姓名", required=True, width=10,
           example="王强"),
    Column("husband_id", "丈夫身份证号", ("丈夫身份证号码", "丈夫公民身份号码", "男方身份证号", "男方身份证号码"), "id",
           "丈夫的18位居民身份证号码（文本格式，末位X大写）", required=True, width=22, example="620422198801010519"),
    Column("wife_name", "妻子姓名", ("女方姓名", "妻子"), "text", "妻子姓名", required=True, width=10, example="赵敏"),
    Column("wife_id", "妻子身份证号", ("妻子身份证号码", "妻子公民身份号码", "女方身份证号", "女方身份证号码"), "id",
           "妻子的18位居民身份证号码（文本格式，末位X大写）", required=True, width=22, example="62042219900512072X"),
    Column("marriage_date", "结婚日期", ("结婚时间", "登记结婚日期", "婚姻登记日期"), "date",
           "结婚登记日期，如 2012-10-01（判断早婚）", width=12, example=dt.date(2012, 10, 1)),
    Column("children", "子女数", ("现有子女数", "子女人数", "孩子数", "生育子女数"), "count", "现有子女数（空白为0）",
           width=8, example=1),
    Column("last_birth_date", "末次生育日期", ("末次生育时间", "末孩出生日期", "最小孩子出生日期"), "date",
           "最小孩子的出生日期（生育二孩后六个月内改签协议）", width=12, example=dt.date(2024, 3, 1)),
    Column("hukou", "户口性质", ("户籍性质", "户口类型", "hukou_type"), "choice", "农业、非农业或一方非农业",
           required=True, choices=HUKOU_WORDS, width=12, example="农业"),
    Column("contraception", "节育措施", ("避孕措施", "避孕节育措施", "节育情况"), "choice",
           "未落实、短效（药具）、长效（放环、皮埋）或绝育（男扎、女扎）", required=True, choices=CONTRACEPTION_WORDS,
           width=10, example="短效"),
    Column("migration", "流动类型", ("流动情况", "人口类型", "流动人口类型"), "choice", "常住、流出或流入",
           required=True, choices=MIGRATION_WORDS, width=10, example="常住"),
    Column("plans_another_child", "计划再生育", ("是否计划再生育", "计划生育二孩", "plans_second_child"), "choice",
           "已生育一孩、计划再生育：是/否（空白为否）", choices=YES_NO_WORDS, width=10, example="是"),
    Column("registered_address", "户籍地址", ("户籍所在地", "户口所在地"), "text", "户籍地址（流动人口协议的乙方栏）",
           width=30, example="某某省某某县某某镇某某村第一村民小组"),
    Column("current_address", "现居住地址", ("现住址", "居住地址", "现居住地"), "text", "现居住地址（流动人口协议的乙方栏）",
           width=30, example="某某省某某县某某镇某某村第一村民小组"),
    Column("phone", "联系电话", ("电话", "手机", "手机号码", "联系方式"), "text", "联系电话", width=14,
           example="13800000002"),
    Column("origin", "流出地", ("来源地", "原籍"), "text", "流动人口从何处流出：流入人口的户籍地", width=20),
    Column("destination", "流入地", ("外出地点", "务工地点", "去向"), "text", "流动人口流入何处：流出人口的现居住地",
           width=20),
    Column("certificate_valid_from", "婚育证明有效期起", ("婚育证明起始日期", "婚育证明有效期自", "婚育证明起"),
           "date", "《婚育证明》有效期的第一天（流动人口协议期限）", width=12),
    Column("certificate_valid_to", "婚育证明有效期止", ("婚育证明截止日期", "婚育证明到期日期", "婚育证明止"), "date",
           "《婚育证明》有效期的最后一天（流动人口协议期限）", width=12),
    Column("arrived_on", "到达现居住地日期", ("到达日期", "流入日期", "外出日期", "来本地日期"), "date",
           "流入人口来本村居住之日，流出人口外出之日（如 2026-03-01）", width=12),
)
BY_KEY = {c.key: c for c in COLUMNS}


def normalize_header(text: Any) -> str:
    """The form headers are compared in: NFKC (full-width letters, brackets and spaces become
    ASCII), lower case, without spaces, underscores, hyphens, a required-mark ``*`` or a bracketed
    note such as ``（YYYY-MM-DD）``."""
    s = unicodedata.normalize("NFKC", str(text or "")).lower()
    s = re.sub(r"\([^)]*\)|\[[^]]*\]|【[^】]*】", "", s)
    return re.sub(r"[\s_\-*:：]+", "", s)


_HEADER_INDEX: dict[str, Column] = {
    normalize_header(name): c for c in COLUMNS for name in (c.header, c.key, *c.aliases)
}
_IGNORED = {normalize_header(h) for h in IGNORED_HEADERS}


def _choice_index(column: Column) -> dict[str, Any]:
    return {_normalize_word(w): value for value, words in (column.choices or {}).items() for w in words}


def _normalize_word(text: str) -> str:
    return re.sub(r"[\s_\-]+", "_", unicodedata.normalize("NFKC", text).strip().lower())


_CHOICES = {c.key: _choice_index(c) for c in COLUMNS if c.choices}

# --------------------------------------------------------------------------- reading one cell

WINDOWS_EPOCH = dt.datetime(1899, 12, 30)  # openpyxl's CALENDAR_WINDOWS_1900
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                      r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SCIENTIFIC_RE = re.compile(r"^\d(\.\d+)?e\+?\d+$", re.I)
_CN_COUNTS = {c: i for i, c in enumerate("零一二三四五六七八九十")} | {"两": 2}
#: Excel serials from 1920-01-01 to 2099-12-31: outside them a number is not a date a roster means
#: (2026 alone would be 1905-07-18).
_SERIALS = range(7306, 73051)
_DATE_FIX = lazy("write the date as 2026-11-30 (or format the cell as a date)")


@lru_cache(maxsize=4096)
def known_county(code: str) -> bool:
    """Whether a six-digit code was ever a county (GB/T 2260) in python-stdnum's table. Not whether
    it was in use in the holder's birth year: numbers are issued years after birth, and codes change
    (stdnum's own get_birth_place refuses many real cards for that reason)."""
    return any("county" in props for _, props in numdb.get("cn/loc").info(code))


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_text(value: Any) -> str | None:
    """A text cell: stripped (full-width spaces too); a number Excel stored for it loses no digits."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, dt.datetime):
        value = value.date()
    return str(value).strip()


def read_id(value: Any) -> str | None:
    """An identity number: 18 characters, last ``X`` upper-cased. A number Excel stored exactly (an
    integer) is read; a floating-point one has lost its last digits and is refused."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(lazy("is not an identity number"), lazy("type the 18-character number from the ID card"))
    if isinstance(value, float) and not (value.is_integer() and abs(value) < 2 ** 53):
        raise _lost_digits()
    if isinstance(value, (int, float)):
        s = str(int(value))
    else:
        s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
        s = re.sub(r'^="(.*)"$', r"\1", s).lstrip("'")
        if _SCIENTIFIC_RE.match(s):
            raise _lost_digits()
    try:
        return validate_id_number(s)
    except Invalid as e:  # the message names the (masked) number and a fix: the cell says both
        raise CellError(e.reason, lazy("copy the 18-character number again from the ID card (居民身份证)")) from None


def _lost_digits() -> CellError:
    return CellError(lazy("is stored as a number, and Excel keeps only 15 significant digits, so its last digits "
                          "are lost"),
                     lazy("format the column as text (设置单元格格式 → 文本) and type the number again from the ID card"))


def read_date(value: Any, epoch: dt.datetime = WINDOWS_EPOCH) -> dt.date | None:
    """A date cell (datetime), an Excel serial number, or a string: 2026-11-30, 2026/11/30,
    2026.11.30, 2026年11月30日, 20261130."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            return _compact_date(str(int(value)))
        if int(value) in _SERIALS:
            from openpyxl.utils.datetime import from_excel

            return from_excel(int(value), epoch).date()
        raise CellError(lazy("is a number that is not a date"), _DATE_FIX)
    s = unicodedata.normalize("NFKC", str(value)).strip()
    if m := _DATE_RE.match(s):
        return _make_date(*m.groups())
    if _COMPACT_DATE_RE.match(s):
        return _compact_date(s)
    if s.isdigit() and len(s) == 5:
        return read_date(int(s), epoch)
    raise CellError(lazy("is not a date"), _DATE_FIX)


def _compact_date(s: str) -> dt.date:
    m = _COMPACT_DATE_RE.match(s)
    assert m
    return _make_date(*m.groups())


def _make_date(y: str, m: str, d: str) -> dt.date:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        raise CellError(lazy("is not a day of the calendar"), _DATE_FIX) from None


def read_count(value: Any) -> int | None:
    """A number of children: 2, 2.0, '2', '2个', '两'. Blank is left to the caller (0)."""
    if is_blank(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and 0 <= value <= 20:
            return int(value)
    else:
        s = re.sub(r"[个人孩名]$", "", unicodedata.normalize("NFKC", str(value)).strip())
        if s in _CN_COUNTS:
            return _CN_COUNTS[s]
        if re.fullmatch(r"\d{1,2}(\.0+)?", s) and float(s) <= 20:
            return int(float(s))
    raise CellError(lazy("is not a number of children"), lazy("write a whole number from 0 to 20"))


def read_choice(value: Any, column: Column) -> Any:
    if is_blank(value):
        return None
    found = _CHOICES[column.key].get(_normalize_word(str(value)))
    if found is None:
        raise CellError(lazy("is not one of: {allowed}", allowed=column.allowed()),
                        lazy("choose a value from the drop-down list"))
    return found


def read_cell(column: Column, value: Any, epoch: dt.datetime = WINDOWS_EPOCH) -> Any:
    if column.kind == "id":
        return read_id(value)
    if column.kind == "date":
        return read_date(value, epoch)
    if column.kind == "count":
        return read_count(value)
    if column.kind == "choice":
        return read_choice(value, column)
    return read_text(value)


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


def _csv_rows(path: Path, encoding: str) -> Iterator[RawRow]:
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


def _xlsx_rows(path: Path, epoch_out: list) -> Iterator[RawRow]:
    """The rows of the first sheet, streamed with the values openpyxl would give
    (:mod:`docforge.xlsx`, whose memory does not grow with the sheet as openpyxl's read-only mode
    does); ``epoch_out`` receives the workbook's date epoch (1900 or 1904), which serial numbers
    count from."""
    from .xlsx import READ_ERRORS, FirstSheet, SheetTooLarge, WorkbookError

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
    reason = _ID_LIKE.sub(lambda m: mask_id(m[0]), reason)
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
        ignored = {i for i, h in enumerate(self.headers) if normalize_header(h) in _IGNORED}
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
        fmt, encoding, epochs = "xlsx", None, []
        rows = _xlsx_rows(path, epochs)
    try:
        header = None
        for raw in rows:
            if sum(normalize_header(v) in _HEADER_INDEX for v in raw.values if not is_blank(v)) >= 2:
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
    return RosterFile(path, fmt, encoding, header.number, headers, columns, unknown, duplicates, epoch)


def map_headers(headers: list[str]) -> tuple[dict[int, Column], dict[int, str], dict[int, tuple[Column, int]]]:
    """Which column each header is: ``(columns, unknown, duplicates)``, each keyed by position;
    a duplicate maps to its column and the position of the first one."""
    columns: dict[int, Column] = {}
    unknown: dict[int, str] = {}
    duplicates: dict[int, tuple[Column, int]] = {}
    first: dict[str, int] = {}
    for i, h in enumerate(headers):
        column = _HEADER_INDEX.get(normalize_header(h))
        if column is None:
            if h and normalize_header(h) not in _IGNORED:
                unknown[i] = h
        elif column.key in first:
            duplicates[i] = (column, first[column.key])
        else:
            first[column.key] = i
            columns[i] = column
    return columns, unknown, duplicates


# --------------------------------------------------------------------------- the report


class Problem(Model):
    """One thing wrong in a roster, where it is, and how to fix it."""

    severity: Literal["error", "warning"]
    file: str
    row: int | None = Field(None, description="row number as the spreadsheet shows it; none for the file")
    column: str | None = Field(None, description="the column's header as written in the file")
    column_index: int | None = Field(None, description="0-based position of the column")
    value: str | None = Field(None, description="the cell as read; identity numbers masked")
    message: str = Field(..., description="what is wrong, in English (stable for scripts)")
    fix: str = Field(..., description="how to correct it, in English")
    message_zh: str | None = Field(None, description="what is wrong, in Chinese")
    fix_zh: str | None = Field(None, description="how to correct it, in Chinese")

    def _texts(self) -> tuple[str, str]:
        if language() == "zh":
            return self.message_zh or self.message, self.fix_zh or self.fix
        return self.message, self.fix

    @field_validator("value", "message", "fix")
    @classmethod
    def _masked(cls, v: str | None) -> str | None:
        return visible(mask_ids(v)) if v else v

    def where(self) -> str:
        if self.row and self.column:
            return _("row {row}, column {column}", row=self.row, column=self.column)
        if self.row:
            return _("row {row}", row=self.row)
        return _("column {column}", column=self.column) if self.column else ""

    def short(self) -> str:
        """The problem without the file and row: what goes in the problem sheet's 问题 column."""
        message, fix = self._texts()
        if self.column and self.value:
            return _("{column}: '{value}' {message}; fix: {fix}", column=self.column, value=self.value,
                     message=message, fix=fix)
        if self.column:
            return _("{column}: {message}; fix: {fix}", column=self.column, message=message, fix=fix)
        if self.value:
            return _("'{value}' {message}; fix: {fix}", value=self.value, message=message, fix=fix)
        return _("{message}; fix: {fix}", message=message, fix=fix)

    def line(self) -> str:
        message, fix = self._texts()
        values = dict(severity=_("error") if self.severity == "error" else _("warning"), file=self.file,
                      where=self.where(), value=self.value, message=message, fix=fix)
        if self.where() and self.value:
            return _("{severity}: {file}, {where}: '{value}' {message}; fix: {fix}", **values)
        if self.where():
            return _("{severity}: {file}, {where}: {message}; fix: {fix}", **values)
        if self.value:
            return _("{severity}: {file}: '{value}' {message}; fix: {fix}", **values)
        return _("{severity}: {file}: {message}; fix: {fix}", **values)


class SkippedRow(Model):
    """A row ``iter_households(skip_bad=True)`` left out: for the command's output and the manifest.
    Its 户编号 and reasons are kept with identity numbers masked, and the 户编号 cut short."""

    row: int
    household_id: str | None = None
    reasons: list[str]
    reasons_zh: list[str] = Field(default_factory=list, description="the reasons in Chinese")

    @field_validator("household_id")
    @classmethod
    def _masked_id(cls, v: str | None) -> str | None:
        return None if v is None else (mask_ids(v) if len(v) <= 64 else mask_ids(v)[:64] + "…")

    @field_validator("reasons")
    @classmethod
    def _masked_reasons(cls, v: list[str]) -> list[str]:
        return [mask_ids(r) for r in v]


class ProblemStore:
    """Every problem of a roster, kept on disk in a private temporary SQLite database (deleted
    when closed or collected), so that memory does not grow with the number of problems: a roster
    of 200,000 rows can have 400,000. Problems come out in the order a clerk reads them: by row,
    then by column (file-level ones first), then as found."""

    def __init__(self, file: str):
        self.file = file
        self.errors = self.warnings = 0
        self._db = sqlite3.connect("", check_same_thread=False)  # "": on disk, private, removed on close
        self._db.execute("PRAGMA cache_size=-2048")  # at most 2 MiB of it in memory
        self._db.execute("CREATE TABLE problem (seq INTEGER PRIMARY KEY, row_key INTEGER, column_key INTEGER, "
                         "severity TEXT, row INTEGER, column TEXT, column_index INTEGER, value TEXT, message TEXT, "
                         "fix TEXT, message_zh TEXT, fix_zh TEXT)")
        self._lock = threading.Lock()

    def add(self, p: Problem) -> None:
        with self._lock:
            self._db.execute("INSERT INTO problem (row_key, column_key, severity, row, column, column_index, value, "
                             "message, fix, message_zh, fix_zh) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             (p.row or 0, -1 if p.column_index is None else p.column_index, p.severity, p.row,
                              p.column, p.column_index, p.value, p.message, p.fix, p.message_zh, p.fix_zh))
        if p.severity == "error":
            self.errors += 1
        else:
            self.warnings += 1

    def __len__(self) -> int:
        return self.errors + self.warnings

    def iterate(self, severity: str | None = None, limit: int | None = None, rows: tuple[int, int] | None = None,
                file: str | None = None) -> Iterator[Problem]:
        """The problems in order, of one ``severity``, at most ``limit``, in ``rows`` (first, last),
        naming ``file`` (default: the file checked)."""
        where, args = [], []
        if severity:
            where.append("severity = ?")
            args.append(severity)
        if rows:
            where.append("row_key BETWEEN ? AND ?")
            args += list(rows)
        sql = ("SELECT severity, row, column, column_index, value, message, fix, message_zh, fix_zh FROM problem"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY row_key, column_key, seq"
               + (f" LIMIT {int(limit)}" if limit is not None else ""))
        with self._lock:
            cursor = self._db.execute(sql, args)
        while True:
            with self._lock:
                batch = cursor.fetchmany(1000)
            if not batch:
                return
            for severity_, row, column, index, value, message, fix, message_zh, fix_zh in batch:
                yield Problem.model_construct(severity=severity_, file=file or self.file, row=row, column=column,
                                              column_index=index, value=value, message=message, fix=fix,
                                              message_zh=message_zh, fix_zh=fix_zh)

    def close(self) -> None:
        self._db.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._db.close()


class RosterReport(Model):
    """Every problem of a roster, found in one pass. The problems are kept on disk
    (:class:`ProblemStore`): :meth:`iter_problems` streams them; ``problems``, ``errors`` and
    ``warnings`` are lists of them, for rosters small enough to hold them."""

    file: str
    format: Literal["xlsx", "csv"]
    encoding: str | None = None
    header_row: int = 1
    headers: list[str] = Field(default_factory=list)
    rows: int = Field(0, description="data rows read (fully empty rows are not counted)")
    households: int = Field(0, description="rows that make a valid household")
    _store: ProblemStore | None = PrivateAttr(None)

    @property
    def store(self) -> ProblemStore:
        if self._store is None:
            self._store = ProblemStore(self.file)
        return self._store

    def iter_problems(self, severity: str | None = None, limit: int | None = None) -> Iterator[Problem]:
        return self.store.iterate(severity, limit, file=self.file)

    @property
    def problems(self) -> list[Problem]:
        return list(self.iter_problems())

    @property
    def errors(self) -> list[Problem]:
        return list(self.iter_problems("error"))

    @property
    def warnings(self) -> list[Problem]:
        return list(self.iter_problems("warning"))

    @property
    def error_count(self) -> int:
        return self.store.errors

    @property
    def warning_count(self) -> int:
        return self.store.warnings

    @property
    def ok(self) -> bool:
        return not self.store.errors

    def summary(self) -> str:
        kind = f"{self.format}, {self.encoding}" if self.encoding else self.format
        return _("{file} ({kind}): {rows} rows, {households} valid households, {errors} errors, {warnings} warnings",
                 file=self.file, kind=kind, rows=self.rows, households=self.households, errors=self.error_count,
                 warnings=self.warning_count)

    def text(self, limit: int | None = None) -> str:
        return "\n".join(self.lines(limit))

    def lines(self, limit: int | None = None) -> Iterator[str]:
        """The summary, then each problem (the first ``limit``, then how many more and where to see
        them all)."""
        yield self.summary()
        shown = 0
        for p in self.iter_problems(limit=limit):
            shown += 1
            yield p.line()
        if shown < len(self.store):
            yield _("... and {count} more; `docforge check --roster FILE --problems OUT.xlsx` writes them all into a "
                    "sheet to correct (or --json lists them)", count=len(self.store) - shown)

    def json_chunks(self) -> Iterator[str]:
        """The report as JSON (its fields and ``problems``), in pieces: the problems are streamed."""
        head = json.dumps({**self.model_dump(mode="json"), "problems": []}, ensure_ascii=False, indent=2)
        before, after = head.rsplit('"problems": []', 1)
        yield before + '"problems": ['
        for n, p in enumerate(self.iter_problems()):
            yield ("," if n else "") + "\n    " + json.dumps(p.model_dump(mode="json"), ensure_ascii=False)
        yield "\n  ]" + after


class RosterError(InputError):
    """A roster with errors; ``report`` holds every problem."""

    def __init__(self, report: RosterReport, limit: int = 200):
        self.report = report
        super().__init__(ngettext("the roster has {n} error; nothing was produced.",
                                  "the roster has {n} errors; nothing was produced.", report.error_count,
                                  n=report.error_count) + "\n" + report.text(limit))


# --------------------------------------------------------------------------- checking rows


class _Checker:
    """Reads rows into households, recording every problem in the report."""

    def __init__(self, village: Village, roster: RosterFile, as_of: dt.date):
        self.village, self.roster, self.as_of = village, roster, as_of
        self.report = RosterReport(file=str(roster.path), format=roster.format, encoding=roster.encoding,
                                   header_row=roster.header_row, headers=roster.headers)
        #: 户编号 seen, as their 64-bit hash → row; identity numbers seen, as ``int(first 17 digits)`` →
        #: ``row * _MAX_COLUMNS + column index``: flat tables of about 20 bytes an entry, where dicts took
        #: 100 (29 MB for 100,000 couples, most of a bundle's memory growth)
        self.household_rows = IntTable()
        self.id_rows = IntTable()
        #: per column: identity numbers stored as numbers, and the first row with one
        self.numeric_ids: dict[int, list[int]] = {}
        self.migrants_missing: dict[str, int] = defaultdict(int)
        self.error_count = 0
        self.row_problems: list[Problem] = []  # those found while the current row was read
        self._file_problems()
        #: errors of the file itself (a required column missing …): no row can make a household
        self.file_errors = self.error_count

    def add(self, severity: str, message: "str | LazyText", fix: "str | LazyText", row: int | None = None,
            index: int | None = None, value: Any = None) -> Problem:
        column = self.roster.headers[index] if index is not None and index < len(self.roster.headers) else None
        shown = None
        if not is_blank(value):
            kind = self.roster.columns.get(index).kind if index in self.roster.columns else None
            text = str(value).strip()
            shown = mask_id(text) if kind == "id" else mask_ids(text)[:60]
        p = Problem(severity=severity, file=str(self.roster.path), row=row, column=column, column_index=index,
                    value=shown, message=in_language(message, "en"), fix=in_language(fix, "en"),
                    message_zh=in_language(message, "zh"), fix_zh=in_language(fix, "zh"))
        self.report.store.add(p)
        self.row_problems.append(p)
        self.error_count += severity == "error"
        return p

    def _file_problems(self) -> None:
        hr = self.roster.header_row
        for i, (column, j) in self.roster.duplicates.items():
            self.add("error", lazy("is a second {column} column (the first is column {first})", column=column.header,
                                   first=self.roster.headers[j]),
                     lazy("delete or rename one of the two columns"), hr, i)
        present = {c.key for c in self.roster.columns.values()}
        for c in COLUMNS:
            if c.required and c.key not in present:
                self.add("error", lazy("the file has no {column} column (English: {key})", column=c.header, key=c.key),
                         lazy("add a column headed {column}; `docforge roster-template` shows every column",
                              column=c.header), hr)
        for i, _h in self.roster.unknown.items():
            self.add("warning", lazy("is not a roster column and is ignored"),
                     lazy("rename it if it is one of: {columns}", columns="、".join(c.header for c in COLUMNS)), hr, i)

    def scan(self) -> Iterator[tuple[RawRow, Household | None, list[Problem]]]:
        for raw in self.roster.rows():
            self.row_problems = []
            self.report.rows += 1
            household = self.check_row(raw)
            if household is not None:
                self.report.households += 1
            yield raw, household, self.row_problems
        self._finish()

    def check_row(self, raw: RawRow) -> Household | None:
        n = raw.number
        errors_before = self.error_count
        cells: dict[str, Any] = {}
        for i, column in self.roster.columns.items():
            value = raw.values[i]
            try:
                cells[column.key] = read_cell(column, value, self.roster.epoch)
            except CellError as e:
                self.add("error", *e.texts, n, i, value)
                cells[column.key] = _BAD
                continue
            if cells[column.key] is None and column.required:
                self.add("error", lazy("is empty"), lazy("fill in the {column}", column=column.header), n, i)
            if column.kind == "id" and isinstance(value, (int, float)):
                self.numeric_ids.setdefault(i, [0, n])[0] += 1
        self._cross_check(n, cells)
        if self.error_count > errors_before or self.file_errors:
            return None
        return self._household(n, cells)

    def _at(self, key: str) -> int | None:
        return self.roster.index_of(key)

    def _cross_check(self, n: int, cells: dict[str, Any]) -> None:
        ok = {k: v for k, v in cells.items() if v is not None and v is not _BAD}
        for _who, key, sex in (("husband", "husband_id", "male"), ("wife", "wife_id", "female")):
            number = ok.get(key)
            if not number:
                continue
            if id_sex(number) != sex:
                wrong = (lazy("records a woman (17th digit even), but this is the husband's column") if sex == "male"
                         else lazy("records a man (17th digit odd), but this is the wife's column"))
                self.add("error", wrong,
                         lazy("check that husband and wife are not swapped, and the number is copied right"),
                         n, self._at(key), number)
            born = birth_date(number)
            if born > self.as_of:
                self.add("error", lazy("records a birth date ({born}) after {as_of}", born=lazy_date(born),
                                       as_of=lazy_date(self.as_of)),
                         lazy("copy the number again from the ID card"), n, self._at(key), number)
            if not known_county(number[:6]):
                self.add("warning", lazy("begins with {code}, which is not a county code python-stdnum knows",
                                         code=number[:6]),
                         lazy("check the first six digits (an old county code on a real card is fine)"),
                         n, self._at(key), number)
            self._check_duplicate_id(n, key, number)
        earliest = self.as_of.replace(year=self.as_of.year - Household.MAX_YEARS_BACK, day=min(self.as_of.day, 28))
        for key in ("marriage_date", "last_birth_date"):
            when = ok.get(key)
            if when and when > self.as_of:
                self.add("error", lazy("is after the as-of date {as_of}", as_of=lazy_date(self.as_of)),
                         lazy("correct the date (a date that has not happened yet cannot be recorded)"),
                         n, self._at(key), when.isoformat())
            elif when and when < earliest:
                self.add("error", f"is more than {Household.MAX_YEARS_BACK} years before the as-of date "
                                  f"{self.as_of.isoformat()}, which cannot be right for a couple of childbearing age",
                         "correct the date", n, self._at(key), when.isoformat())
        married = ok.get("marriage_date")
        for key in ("husband_id", "wife_id"):
            if married and ok.get(key) and married < birth_date(ok[key]):
                self.add("error", lazy("is before the birth date in {column}", column=BY_KEY[key].header),
                         lazy("correct the marriage date or the identity number"), n, self._at("marriage_date"),
                         married.isoformat())
        count, last = ok.get("children"), ok.get("last_birth_date")
        if last and not count and cells.get("children") is not _BAD:
            self.add("error", lazy("is given, but 子女数 is 0 or empty"), lazy("fill in 子女数, or clear 末次生育日期"),
                     n, self._at("last_birth_date"), last.isoformat())
        if count == 2 and last is None and self._at("last_birth_date") is not None:
            self.add("warning", lazy("is empty for a couple with two children, so the rule for the six months after "
                                     "the second birth cannot be applied"),
                     lazy("fill in the youngest child's birth date"),
                     n, self._at("last_birth_date"))
        if ok.get("plans_another_child") and count is not None and count != 1:
            self.add("warning", lazy("is 是, but the couple has {count} children; the birth-spacing agreement is for "
                                     "couples with one child", count=count), lazy("check 子女数 and 计划再生育"),
                     n, self._at("plans_another_child"), "是")
        self._check_household_id(n, ok.get("household_id"))
        self._check_group(n, ok.get("group"))
        if ok.get("migration") in (Migration.outflow, Migration.inflow):
            self._check_migrant(n, ok)

    def _check_household_id(self, n: int, hid: str | None) -> None:
        if not hid:
            return
        problem = household_id_problem(hid)
        if problem:
            self.add("error", problem, "give the household a 户编号 that can name a folder (see the reason)", n,
                     self._at("household_id"), hid)
            return
        first = self.household_rows.setdefault(hash64(hid), n)
        if first == n:
            return
        i = self._at("household_id")
        fix = lazy("give each household its own 户编号 (rows {first} and {row})", first=first, row=n)
        self.add("error", lazy("is also the 户编号 of row {first}", first=first), fix, n, i, hid)
        self.add("warning", lazy("is also the 户编号 of row {row}, which was refused", row=n), fix, first, i, hid)

    def _check_duplicate_id(self, n: int, key: str, number: str) -> None:
        i = self._at(key)
        compact = int(number[:17])  # the check digit follows from the first 17 digits
        seen = self.id_rows.setdefault(compact, n * _MAX_COLUMNS + i)
        if seen == n * _MAX_COLUMNS + i:
            return
        row, j = divmod(seen, _MAX_COLUMNS)
        fix = lazy("a person is listed once: correct one of rows {first} and {row}", first=row, row=n)
        self.add("error", lazy("also appears in row {row}, column {column}", row=row, column=self.roster.headers[j]),
                 fix, n, i, number)
        if row != n:
            self.add("warning", lazy("also appears in row {row}, column {column}, which was refused", row=n,
                                     column=self.roster.headers[i]), fix, row, j, number)

    def _check_group(self, n: int, group: str | None) -> None:
        groups = self.village.groups
        if group and groups and group not in groups:
            self.add("warning", lazy("is not one of the village's groups ({groups})", groups="、".join(groups)),
                     lazy("correct the name, or add the group to groups: in the village file"), n, self._at("group"),
                     group)

    def _check_migrant(self, n: int, ok: dict[str, Any]) -> None:
        term = lazy("the agreement's term follows the 婚育证明; without it the dates print blank")
        party = lazy("the agreement's 乙方 block prints it")
        needs = {"certificate_valid_from": term, "certificate_valid_to": term, "registered_address": party,
                 "current_address": party, "phone": party}
        for key, why in needs.items():
            if ok.get(key) is not None:
                continue
            i = self._at(key)
            if i is None:
                self.migrants_missing[key] += 1
            else:
                self.add("warning", lazy("is empty for a migrant household: {why}", why=why),
                         lazy("fill in the {column}", column=BY_KEY[key].header), n, i)
        start, end = ok.get("certificate_valid_from"), ok.get("certificate_valid_to")
        if start and end and end < start:
            self.add("error", lazy("is before 婚育证明有效期起"), lazy("correct the two dates of the 婚育证明"),
                     n, self._at("certificate_valid_to"), end.isoformat())

    def _household(self, n: int, cells: dict[str, Any]) -> Household | None:
        """The row's household: both spouses get the addresses, the husband the phone (printed once)."""
        children = children_from_count(cells.get("children") or 0, cells.get("last_birth_date"))
        address = {"registered_address": cells.get("registered_address"),
                   "current_address": cells.get("current_address")}

        def person(name: str, number: str, **more: Any) -> dict:
            return {k: v for k, v in {"name": cells[name], "id_number": cells[number], **address, **more}.items()
                    if v is not None}

        data = {
            "id": cells.get("household_id"), "group": cells.get("group"),
            "husband": person("husband_name", "husband_id", phone=cells.get("phone")),
            "wife": person("wife_name", "wife_id"),
            "marriage_date": cells.get("marriage_date"), "children": children,
            "hukou": cells.get("hukou"), "contraception": cells.get("contraception"),
            "migration": cells.get("migration"), "plans_another_child": bool(cells.get("plans_another_child")),
            "origin": cells.get("origin"), "destination": cells.get("destination"),
            "certificate_valid_from": cells.get("certificate_valid_from"),
            "certificate_valid_to": cells.get("certificate_valid_to"),
            "arrived_on": cells.get("arrived_on"),
        }
        try:
            return Household.model_validate({k: v for k, v in data.items() if v is not None})
        except ValidationError as e:  # what the row checks above do not catch
            for line in error_texts(e):
                self.add("error", line, lazy("correct the row"), n)
            return None

    def _finish(self) -> None:
        for i, (count, first) in self.numeric_ids.items():
            self.add("warning", lazy("holds identity numbers stored as numbers in {count} rows (first: row {first})",
                                     count=count, first=first),
                     lazy("format the column as text (设置单元格格式 → 文本) so Excel cannot round them"),
                     self.roster.header_row, i)
        for key, count in self.migrants_missing.items():
            self.add("warning", lazy("the file has no {column} column, which {count} migrant households need",
                                     column=BY_KEY[key].header, count=count),
                     lazy("add a {column} column", column=BY_KEY[key].header), self.roster.header_row)
        if self.report.rows == 0:
            self.add("warning", lazy("the roster has no data rows"), lazy("fill in one row per couple below the header"))


_BAD = object()  # a cell that could not be read (already reported)
_ID_LIKE = re.compile(r"\d{14,17}[\dXx]")  # an identity number typed into another column is masked too
_MAX_COLUMNS = 16384  # Excel's limit


def birth_date(number: str) -> dt.date:
    """The birth date in an identity number that :func:`validate_id_number` accepted (stdnum's
    get_birth_date cleans and checks the number again: a third of the time of a big roster)."""
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def children_from_count(count: int, last_birth: dt.date | None) -> list[Child]:
    """A roster gives the number of children and the last birth only: ``count`` children, the last
    born on ``last_birth``, the earlier ones on dates unknown."""
    return [Child() for _ in range(count - 1)] + [Child(birth_date=last_birth)] if count else []


def check_roster(village: Village, path: Path | str, as_of: dt.date, encoding: str | None = None) -> RosterReport:
    """Read the whole roster and report every problem: errors (the row makes no household) and
    warnings (it does, but something needs a look)."""
    checker = _Checker(village, open_roster(path, encoding), as_of)
    for _found in checker.scan():
        pass
    return checker.report


class HouseholdStream:
    """What :func:`iter_households` returns: iterate it for ``(row_number, Household)``.

    Without ``skip_bad`` the whole roster is checked first and a :class:`RosterError` listing every
    problem is raised before anything is yielded. With ``skip_bad`` bad rows are left out and
    recorded in ``skipped``. After iteration, ``report`` holds every problem (warnings included).
    """

    def __init__(self, village: Village, path: Path | str, as_of: dt.date, skip_bad: bool = False,
                 encoding: str | None = None):
        self.village, self.path, self.as_of, self.skip_bad = village, Path(path), as_of, skip_bad
        self.encoding = encoding
        self.report: RosterReport | None = None
        self.skipped: list[SkippedRow] = []

    def __iter__(self) -> Iterator[tuple[int, Household]]:
        if not self.skip_bad:
            self.report = check_roster(self.village, self.path, self.as_of, self.encoding)
            if not self.report.ok:
                raise RosterError(self.report)
        checker = _Checker(self.village, open_roster(self.path, self.encoding), self.as_of)
        if self.skip_bad:
            self.report = checker.report
            if checker.file_errors:
                raise RosterError(checker.report)
        for raw, household, problems in checker.scan():
            if household is not None:
                yield raw.number, household
            else:
                i = checker.roster.index_of("household_id")
                hid = read_text(raw.values[i]) if i is not None else None
                errors = [p for p in problems if p.severity == "error"]
                with using("en"):
                    reasons = [p.short() for p in errors]
                with using("zh"):
                    reasons_zh = [p.short() for p in errors]
                self.skipped.append(SkippedRow(row=raw.number, household_id=hid, reasons=reasons,
                                               reasons_zh=reasons_zh))


def iter_households(village: Village, path: Path | str, as_of: dt.date, skip_bad: bool = False,
                    encoding: str | None = None) -> HouseholdStream:
    """The households of a roster, streamed as ``(row_number, Household)``; see :class:`HouseholdStream`."""
    return HouseholdStream(village, path, as_of, skip_bad, encoding)


# --------------------------------------------------------------------------- writing sheets

#: Problem cells that get a comment in the problem sheet (every problem is in its 问题 column).
COMMENT_LIMIT = 2000
_FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "header": "DDEBF7", "required": "BDD7EE"}
_FORMATS = {"date": "yyyy-mm-dd", "id": "@", "text": "@"}


def _atomic_save(save: Callable[[str], None], out: Path) -> Path:
    """Write through a temporary file beside ``out``: an interrupted run leaves no half-written sheet;
    a path that cannot be written is an InputError naming it."""
    if out.is_dir():
        raise InputError(_("{path}: is a folder; give the .xlsx file to write, e.g. {example}", path=out,
                           example=out / "roster.xlsx"))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as e:
        raise InputError(cannot_write(out, e)) from None
    os.close(fd)
    try:
        save(tmp)
        os.replace(tmp, out)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(cannot_write(out, e)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def _sheet_value(value: Any, kind: str | None) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if kind == "id" and isinstance(value, int):
        return str(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def write_problem_sheet(report: RosterReport, rows: Iterable[RawRow] | None, out: Path | str) -> Path:
    """Write the roster's rows with a 问题 column and the problem cells highlighted (red: error,
    yellow: warning; for the first `COMMENT_LIMIT` cells the message is also the cell's comment),
    and a second sheet 问题清单 listing every problem. The first sheet keeps the roster's own
    headers, so once corrected it reads back as a roster. ``rows`` are the rows as read
    (``open_roster(path).rows()``); ``None`` reads them again from ``report.file``. Rows and
    problems are streamed (openpyxl's write-only workbook; the problems merged in by row from the
    report's store): memory stays flat however many there are. Comments are capped because
    openpyxl keeps every one in memory until the file is saved."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    if rows is None:
        rows = open_roster(report.file, report.encoding).rows()
    comments = [0]
    fills = {k: PatternFill("solid", fgColor=c) for k, c in _FILLS.items()}
    columns = map_headers(report.headers)[0]
    kinds = {i: c.kind for i, c in columns.items()}
    width = len(report.headers)

    def row_cells(ws, values: list[Any], problems: list[Problem], header: bool) -> list[Any]:
        worst = {p.column_index: p for p in sorted(problems, key=lambda p: p.severity == "error")}
        cells = []
        for i, value in enumerate((values + [None] * width)[:width]):
            cell = WriteOnlyCell(ws, _sheet_value(value, kinds.get(i)))
            if isinstance(value, str):
                cell.data_type = "s"  # "=..." read from a CSV is text, never a formula
            if header:
                cell.font = Font(bold=True)
            elif kinds.get(i) in _FORMATS and (kinds[i] != "date" or isinstance(value, dt.date)):
                cell.number_format = _FORMATS[kinds[i]]
            if (p := worst.get(i)) is not None:
                cell.fill = fills[p.severity]
                if comments[0] < COMMENT_LIMIT:
                    comments[0] += 1
                    cell.comment = Comment(p.short(), "docforge")
            cells.append(cell)
        return cells

    def save(path: str) -> None:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("花名册")
        ws.freeze_panes = "A2"
        for i in range(width + 1):
            ws.column_dimensions[get_column_letter(i + 1)].width = columns[i].width if i in columns else 16
        ws.column_dimensions[get_column_letter(width + 1)].width = 60
        hr = report.header_row
        head = row_cells(ws, list(report.headers), list(report.store.iterate(rows=(hr, hr))), header=True)
        ws.append([*head, _bold(WriteOnlyCell(ws, PROBLEM_HEADER), Font)])
        pending = report.store.iterate(rows=(hr + 1, 1 << 62))  # in row order, as the rows come
        following = next(pending, None)
        for raw in rows:
            problems = []
            while following is not None and (following.row or 0) <= raw.number:
                if following.row == raw.number:
                    problems.append(following)
                following = next(pending, None)
            note = "\n".join(_("{severity}: {problem}", severity=_("error") if p.severity == "error" else _("warning"),
                                 problem=p.short()) for p in problems)
            ws.append([*row_cells(ws, raw.values, problems, header=False), _sheet_value(note, None) or None])
        listing = wb.create_sheet("问题清单")
        listing.append(["级别", "行", "列", "内容", "问题", "修改方法"])
        for p in report.iter_problems():
            message, fix = p._texts()
            listing.append([_sheet_value(x, None) for x in (_("error") if p.severity == "error" else _("warning"),
                                                            p.row, p.column, p.value, message, fix)])
        wb.save(path)

    return _atomic_save(save, Path(out))


def _bold(cell: Any, font: Any) -> Any:
    cell.font = font(bold=True)
    return cell


def write_template(out: Path | str, village: Village | None = None) -> Path:
    """An empty roster for a clerk: headers (required ones darker, each with a comment saying what
    goes in it), one example row, drop-down lists for the enumerated columns (and for 村民小组 when
    the village lists its groups), date and text formats, a frozen header row and a 说明 sheet."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    lists = {c.key: c.options for c in COLUMNS if c.choices}
    example = {c.key: c.example for c in COLUMNS}
    if village and village.groups:
        lists["group"] = list(village.groups)
        example["group"] = village.groups[0]
    options = wb.create_sheet("选项")
    options.sheet_state = "hidden"
    for j, c in enumerate(COLUMNS, start=1):
        letter = get_column_letter(j)
        head = ws.cell(row=1, column=j, value=c.header)
        head.font = Font(bold=True)
        head.alignment = Alignment(horizontal="center")
        head.fill = PatternFill("solid", fgColor=_FILLS["required" if c.required else "header"])
        head.comment = Comment(f"{c.help}{'（必填）' if c.required else ''}", "docforge")
        ws.column_dimensions[letter].width = c.width
        cell = ws.cell(row=2, column=j, value=example[c.key])
        if c.kind in _FORMATS:
            ws.column_dimensions[letter].number_format = _FORMATS[c.kind]
            cell.number_format = _FORMATS[c.kind]
        if c.key in lists:
            options.cell(row=1, column=j, value=c.header)
            for k, word in enumerate(lists[c.key], start=2):
                options.cell(row=k, column=j, value=word)
        dv = _validation(c, f"'选项'!${letter}$2:${letter}${len(lists.get(c.key, ())) + 1}"
                         if c.key in lists else None)
        if dv is not None:
            dv.add(f"{letter}2:{letter}1048576")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    _instructions(wb.create_sheet("说明"))
    return _atomic_save(wb.save, Path(out))


def _validation(c: Column, list_range: str | None):
    from openpyxl.worksheet.datavalidation import DataValidation

    common = {"allow_blank": True, "showErrorMessage": True, "errorTitle": c.header}
    if list_range:
        return DataValidation(type="list", formula1=f"={list_range}", **common,
                              error=f"{c.header}：请从下拉列表中选择（{c.allowed()}）")
    if c.kind == "date":
        return DataValidation(type="date", operator="between", formula1="DATE(1900,1,1)", formula2="DATE(2099,12,31)",
                              errorStyle="warning", error=f"{c.header}：请填写日期，如 2026-11-30", **common)
    if c.kind == "id":
        return DataValidation(type="textLength", operator="equal", formula1="18", errorStyle="warning",
                              error=f"{c.header}：居民身份证号码为18位", **common)
    if c.kind == "count":
        return DataValidation(type="whole", operator="between", formula1="0", formula2="20",
                              error=f"{c.header}：请填写0到20的整数", **common)
    return None


def _instructions(ws) -> None:
    ws.append(["列名", "English", "必填", "填写说明", "可选值"])
    for c in COLUMNS:
        ws.append([c.header, c.key, "是" if c.required else "", c.help,
                   str(c.allowed()) if c.choices else ("如 2026-11-30" if c.kind == "date" else "")])
    ws.append([])
    ws.append(["第2行是示例，请改写或删除。完全空白的行被跳过。身份证号、户编号、电话请按文本填写。"])
    for letter, width in zip("ABCDE", (18, 26, 6, 50, 50), strict=False):
        ws.column_dimensions[letter].width = width
