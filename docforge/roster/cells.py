"""Roster cells: the columns of a roster (:data:`COLUMNS`, their Chinese and English headers and
choices) and the reading of one cell (text, identity number, date, count, choice), each refusing what
it cannot read with a :class:`CellError` that says how to write it."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from stdnum import numdb

from ..errors import Invalid
from ..i18n import LazyText, lazy, pair
from ..models import (
    Contraception,
    HukouType,
    Migration,
    validate_id_number,
)

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
MIGRATION_WORDS: dict[Migration, tuple[str, ...]] = {
    Migration.resident: ("常住", "常住人口", "本地", "resident"),
    Migration.outflow: ("流出", "流出人口", "外出", "outflow"),
    Migration.inflow: ("流入", "流入人口", "外来", "inflow"),
}
YES_NO_WORDS: dict[bool, tuple[str, ...]] = {
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


HEADER_INDEX: dict[str, Column] = {
    normalize_header(name): c for c in COLUMNS for name in (c.header, c.key, *c.aliases)
}
IGNORED = {normalize_header(h) for h in IGNORED_HEADERS}


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
ID_LIKE = re.compile(r"\d{14,17}[\dXx]")  # an identity number typed into another column is masked too
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
