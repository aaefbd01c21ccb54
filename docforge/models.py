"""Pydantic models: the validated inputs and the resolved output.

Inputs: :class:`Village` (with its place chain), :class:`Household` (with :class:`Person` and
:class:`Child`). Plugin contributions: :class:`Jurisdiction`, :class:`Clause`, :class:`Amount`,
:class:`PolicyValue`, :class:`Instrument`, :class:`TemplateOverride`, :class:`Selection`.
Resolved output: :class:`Document` made of :class:`Block` objects, each with its :class:`Provenance`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from enum import Enum
from typing import Annotated, ClassVar, Literal

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints,
                      field_validator, model_validator)
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from .errors import Invalid, has_id_number, mask_id, shown
from .i18n import N_, _, language, lazy


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


# --------------------------------------------------------------------------- text

#: Bidirectional controls (LRE RLE PDF LRO RLO, LRI RLI FSI PDI, LRM RLM ALM): they reorder what a
#: reader sees without changing what the file holds, so printed text would differ from the data.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def text_problem(value: str, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be printed in a document exactly as written, or None.

    One rule for every text of the inputs: no lone surrogate (a damaged or badly converted file;
    XML cannot hold one), no control character (a line break only where ``multiline``), no
    non-character (U+FFFE, U+FFFF), no bidirectional control, not blank, and no identity number
    (it would be printed where only a name or an address belongs)."""
    if not value.strip():
        return _("is blank: write the text, or leave the field out")
    for i, c in enumerate(value):
        o = ord(c)
        at = dict(code=f"U+{o:04X}", n=i + 1)
        if 0xD800 <= o <= 0xDFFF:
            return _("holds a lone surrogate ({code}) at character {n}, which no document can hold: the file was "
                     "damaged or converted badly; type the text again", **at)
        if (c in "\n\r" or unicodedata.category(c) in ("Zl", "Zp")) and not multiline:
            return _("holds a line break at character {n}: write it on one line", n=i + 1)
        if unicodedata.category(c) == "Cc" and c not in "\n\r":
            return _("holds the control character {code} at character {n}, which does not print: delete it (it "
                     "often comes from copying out of another program)", **at)
        if o in (0xFFFE, 0xFFFF):
            return _("holds the non-character {code} at character {n}: delete it", **at)
        if o == 0xFFFD:
            return _("holds U+FFFD (�) at character {n}, the mark of a character lost when the text was converted: "
                     "type the text again", n=i + 1)
        if c in _BIDI:
            return _("holds the invisible direction mark {code} at character {n}, which changes the order in which "
                     "the text shows: delete it", **at)
    if has_id_number(value):
        return _("holds what looks like an identity number: only the id_number fields take one")
    return None


def _check_text(value: object) -> object:
    # before pydantic's own str validation, whose message for a lone surrogate says less
    problem = text_problem(value) if isinstance(value, str) else None
    if problem:
        raise ValueError(problem)
    return value


#: One-line texts of at most so many characters: what fits where the document prints them (a place
#: in a title, a name in a party block, an address on one line of the 乙方 block); real values are
#: far shorter. Written out (not made by a function) so that type checkers take them as types.
PlaceName = Annotated[str, StringConstraints(max_length=40), BeforeValidator(_check_text)]
PersonName = Annotated[str, StringConstraints(max_length=40), BeforeValidator(_check_text)]
Address = Annotated[str, StringConstraints(max_length=120), BeforeValidator(_check_text)]
Phone = Annotated[str, StringConstraints(max_length=40), BeforeValidator(_check_text)]
CLAUSE_MAX_CHARS = 5000  # a village file's own clause: one article, however long


# --------------------------------------------------------------------------- places


class Level(str, Enum):
    """Jurisdiction levels, from the least to the most specific."""

    national = "national"
    province = "province"
    prefecture = "prefecture"
    county = "county"
    township = "township"
    village = "village"

    @property
    def rank(self) -> int:
        return list(Level).index(self)

    @property
    def label(self) -> str:
        return {"national": "国家", "province": "省", "prefecture": "市（州）", "county": "县",
                "township": "乡镇", "village": "村"}[self.value]


class PlaceRef(Model):
    """A place that contains a jurisdiction: its level, name and, where one exists, its GB/T 2260 code."""

    level: Level
    name: str
    code: str | None = None


#: Levels whose names repeat across the country (villages have no GB/T 2260 code), so that a
#: jurisdiction of these levels is matched on its chain, never on its name alone.
LOCAL_LEVELS = ("township", "village")
_FULL_CODE = {"township": 9, "village": 12}  # 统计用区划代码: county code + 3, + 6 digits


class Jurisdiction(Model):
    """A place a plugin speaks for: level, name and, where one exists, its GB/T 2260 code.

    A township or village also names the places that contain it in ``within``, at least its county
    (with the county's code where it has one): ``Jurisdiction(level="village", name="姜家渡村",
    within=[PlaceRef(level="county", name="余姚市", code="330281")])``. A 9-digit township or 12-digit
    village code (统计用区划代码) names its county by itself."""

    level: Level
    name: str
    code: str | None = Field(None, description="GB/T 2260 administrative division code")
    within: list[PlaceRef] = Field(
        default_factory=list,
        description="the places that contain it; a township or village names at least its county")

    @model_validator(mode="after")
    def _check_chain(self) -> "Jurisdiction":
        if self.level.value in LOCAL_LEVELS and not self._full_code() \
                and not any(w.level == Level.county for w in self.within):
            raise ValueError(_(
                "{level} '{name}' is matched on its whole chain, never on its name alone: give "
                "within=[{{level: county, name: …, code: …}}] (its county, with the county's GB/T 2260 code; "
                "add its township and province as well where names repeat), or its {digits}-digit 统计用区划代码 "
                "as code", level=self.level.value, name=self.name, digits=_FULL_CODE[self.level.value]))
        for w in self.within:
            if w.level.rank >= self.level.rank:
                raise ValueError(_("{level} '{name}': within names {within_level} '{within_name}', which is not a "
                                   "place that contains a {level}", level=self.level.value, name=self.name,
                                   within_level=w.level.value, within_name=w.name))
        return self

    def _full_code(self) -> bool:
        code = self.code
        return code is not None and len(code) == _FULL_CODE.get(self.level.value, 0) and code.isdigit()

    def key(self) -> str:
        return f"{self.level.value}:{self.code or self.name}"

    def matches(self, place: "Jurisdiction") -> bool:
        """Whether this (a plugin's) jurisdiction is ``place`` of a village's chain. Codes decide where
        both have one, else names; a township or village must also match on every place of its
        ``within`` (a code given there must be the village file's code), or on the county its full
        code names."""
        if self.level != place.level:
            return False
        if self.level == Level.national:
            return True
        if self.code and place.code:
            return self.code == place.code
        if self.name != place.name:
            return False
        if self.level.value not in LOCAL_LEVELS:
            return True
        chain = {p.level: p for p in place.within}
        if self.code is not None and self._full_code():
            county = chain.get(Level.county)
            if county is not None and county.code == self.code[:6]:
                return True
        if not self.within:
            return False
        for w in self.within:
            p = chain.get(w.level)
            if p is None or (p.code != w.code if w.code else p.name != w.name):
                return False
        return True

    def __str__(self) -> str:
        """In messages: 某某县（county，620422）, the level as 县 in Chinese."""
        level = self.level.label if language() == "zh" else self.level.value
        return f"{self.name}（{level}{'，' + self.code if self.code else ''}）"


NATIONAL = Jurisdiction(level=Level.national, name="中华人民共和国")


class Place(Model):
    name: PlaceName = Field(..., min_length=1, title="名称")
    code: str | None = Field(None, pattern=r"^\d{6}(\d{3}|\d{6})?$", description="GB/T 2260 code",
                             title="行政区划代码",
                             json_schema_extra={"x-help": "GB/T 2260 代码：6、9 或 12 位数字，不知道可不填"})


class Committee(Model):
    """The village committee (村民委员会), 甲方 of the agreements."""

    name: Address | None = Field(None, description="Full name; defaults to '<village>村民委员会'", title="全称",
                             json_schema_extra={"x-help": "不填则为“村名＋村民委员会”"})
    legal_representative: PersonName = Field(..., min_length=1, description="法定代表人 (usually the 村主任)",
                                      title="法定代表人", json_schema_extra={"x-help": "通常为村民委员会主任"})


class PartialDate(str):
    """A date as an adoption record writes it, with the day or the month left blank when unknown:
    ``2009-05-12``, ``2009-05`` or ``2009`` (printed 二〇〇九年　　月　　日). It compares with a
    :class:`datetime.date` by its earliest possible day."""

    year: int
    month: int | None
    day: int | None

    def __new__(cls, value: str) -> "PartialDate":
        self = super().__new__(cls, value)
        parts = [int(x) for x in value.split("-")]
        self.year = parts[0]
        self.month = parts[1] if len(parts) > 1 else None
        self.day = parts[2] if len(parts) > 2 else None
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(_("'{value}' has no month {month}; write YYYY-MM-DD, YYYY-MM or YYYY",
                               value=value, month=self.month))
        if self.month is not None and self.day is not None:  # a day is given only with its month
            try:
                dt.date(self.year, self.month, self.day)
            except ValueError:
                raise ValueError(_("'{value}' is not a date: month {month} has no day {day}", value=value,
                                   month=self.month, day=self.day)) from None
        return self

    @property
    def earliest(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def isoformat(self) -> str:
        """The date as written: ``2009-05-12``, ``2009-05`` or ``2009``."""
        return str(self)

    @property
    def complete(self) -> dt.date | None:
        """The date, when day and month are known."""
        return self.earliest if self.day is not None else None

    def _cmp(self, other: object, op):
        if isinstance(other, dt.date):
            return op(self.earliest, other)
        return op(str(self), other)

    def __lt__(self, other):
        return self._cmp(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._cmp(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._cmp(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._cmp(other, lambda a, b: a >= b)

    def __eq__(self, other):  # a complete date equals that date (code written for dates keeps working)
        if isinstance(other, dt.date):
            return self.complete == other
        return str.__eq__(self, other)

    def __ne__(self, other):
        return not self == other

    __hash__ = str.__hash__


def _date_as_text(value: object) -> object:
    # YAML reads 2009-05-12 as a date and 2009 as an int; 2009-05 stays text
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and not _PARTIAL_DATE.match(value):
        raise ValueError(_("'{value}' is not a date: write YYYY-MM-DD (2009-05-12), or YYYY-MM (2009-05) or "
                           "YYYY (2009) when the record leaves the day or the month blank", value=value))
    return value


_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


AdoptionDate = Annotated[
    str, BeforeValidator(_date_as_text),
    Field(json_schema_extra={"pattern": _PARTIAL_DATE.pattern},  # checked by _date_as_text, with a clear message
          description="YYYY-MM-DD, or YYYY-MM / YYYY when the day or month was left blank (printed as blanks)"),
    AfterValidator(PartialDate)]

#: The bodies that adopt a charter or convention; 村民代表大会 is the common name of the 村民代表会议.
ADOPTING_BODIES = ("村民会议", "村民代表会议", "村民代表大会")


class Adoption(Model):
    """How and when the charter or convention was adopted and filed."""

    adopted_on: AdoptionDate | None = Field(None, title="通过日期")
    adopted_by: Literal["村民会议", "村民代表会议", "村民代表大会"] = Field(
        "村民会议", title="通过会议",
        description="the body that adopted it, as the record writes it (the law: 村民会议, or a "
                    "村民代表会议 (村民代表大会) the 村民会议 authorised)")
    filed_with_township_on: dt.date | None = Field(None, description="报乡镇人民政府备案 date", title="报乡镇备案日期")


class Village(Model):
    """A village file: its place chain, committee, signing place and adoption facts."""

    province: Place = Field(..., title="省（自治区、直辖市）")
    prefecture: Place | None = Field(None, title="市（州、盟）", json_schema_extra={"x-help": "直辖市下的县可不填"})
    county: Place = Field(..., title="县（市、区）")
    township: Place = Field(..., title="乡（镇、街道）")
    village: Place = Field(..., title="村")
    committee: Committee = Field(..., title="村民委员会")
    signing_place: Address | None = Field(None, description="签订地点; defaults to the committee's office", title="签订地点",
                                      json_schema_extra={"x-help": "不填则为“乡镇名＋村名＋村民委员会”"})
    groups: list[PlaceName] = Field(default_factory=list, description="村民小组 names", title="村民小组",
                              json_schema_extra={"x-help": "每行一个，如：第一村民小组"})
    charter: Adoption = Field(default_factory=Adoption, title="自治章程的通过与备案")
    convention: Adoption = Field(default_factory=Adoption, title="自治公约的通过与备案")
    clauses: list["Clause"] = Field(
        default_factory=list,
        description="The village's own clause operations (add, replace, remove, move), applied after every "
                    "plugin's as the most specific layer, with provenance 'village file'")

    layout: list["Layout"] = Field(
        default_factory=list,
        description="The village's own layout of its documents (title, adoption line, label punctuation, item "
                    "numbering), the most specific layer, with provenance 'village file'")

    @model_validator(mode="after")
    def _check_clauses(self) -> "Village":
        for n, cl in enumerate(self.clauses):
            if cl.jurisdiction is not None:
                raise ValueError(_("clauses.{index} ('{clause}'): leave out 'jurisdiction'; the village file's "
                                   "clauses are the village's own", index=n, clause=cl.id))
            # the village's own text, typed by the committee: the same rule as every input text
            problem = text_problem(cl.text) if cl.text is not None else None
            if problem is None and cl.text is not None and len(cl.text) > CLAUSE_MAX_CHARS:
                problem = _("has {count} characters; at most {limit} fit one clause: split it into several",
                            count=len(cl.text), limit=CLAUSE_MAX_CHARS)
            if problem:
                raise ValueError(_("clauses.{index}.text ('{clause}') {problem}", index=n, clause=cl.id,
                                   problem=problem))
        for n, lay in enumerate(self.layout):
            if lay.jurisdiction is not None:
                raise ValueError(_("layout.{index}: leave out 'jurisdiction'; the village file's layout is the "
                                   "village's own", index=n))
        return self

    def places(self) -> list[Jurisdiction]:
        """The place chain from national to village (the prefecture is optional)."""
        chain = [NATIONAL]
        above: list[PlaceRef] = []
        for level in (Level.province, Level.prefecture, Level.county, Level.township, Level.village):
            place = getattr(self, level.value)
            if place is not None:
                within = list(above) if level.value in LOCAL_LEVELS else []
                chain.append(Jurisdiction(level=level, name=place.name, code=place.code, within=within))
                above.append(PlaceRef(level=level, name=place.name, code=place.code))
        return chain

    @property
    def committee_name(self) -> str:
        return self.committee.name or f"{self.village.name}村民委员会"

    @property
    def township_government(self) -> str:
        """The township's government: a 街道 has a 街道办事处, a 乡 or 镇 a 人民政府."""
        name = self.township.name
        return f"{name}办事处" if name.endswith("街道") else f"{name}人民政府"

    @property
    def signing_location(self) -> str:
        return self.signing_place or f"{self.township.name}{self.village.name}村民委员会"


# --------------------------------------------------------------------------- households


def validate_id_number(value: str) -> str:
    """Validate an 18-character 居民身份证号码 (MOD 11-2). The birth-place part is not checked
    here: county codes change, so a stale code is a warning elsewhere, never a refusal."""
    s = str(value).strip().upper()
    masked = mask_id(s)
    fix = None
    try:
        ric.compact(s)
        if len(s) != 18:
            raise InvalidLength()
        if not s[:17].isdigit():
            raise InvalidFormat()
        ric.get_birth_date(s)
        if ric.calc_check_digit(s) != s[-1]:
            raise InvalidChecksum()
    except InvalidChecksum:
        reason, fix = lazy("has a wrong check digit (MOD 11-2)"), lazy("copy it again from the ID card")
    except InvalidLength:
        reason = lazy("must have 18 characters, it has {n}", n=len(s))
    except InvalidComponent:
        reason = lazy("holds an impossible birth date")
    except (InvalidFormat, ValidationError):
        reason = lazy("must be 17 digits and a digit or X")
    else:
        return s
    if fix is not None:
        raise Invalid(lazy("identity number {number} {reason}; {fix}", number=masked, reason=reason, fix=fix),
                      reason=reason)
    raise Invalid(lazy("identity number {number} {reason}", number=masked, reason=reason), reason=reason)


def id_sex(number: str) -> Literal["male", "female"]:
    """The sex that an identity number records (17th digit odd: male)."""
    return "male" if int(number[16]) % 2 else "female"


class Person(Model):
    name: PersonName = Field(..., min_length=1)
    id_number: str | None = Field(None, description="18-character 居民身份证号码")
    birth_date: dt.date | None = None
    registered_address: Address | None = Field(None, description="户籍地址")
    current_address: Address | None = Field(None, description="现居住地址")
    phone: Phone | None = Field(None, description="联系电话")

    @field_validator("id_number", "phone", mode="before")
    @classmethod
    def _digits_as_text(cls, v: object) -> object:
        # YAML and spreadsheets read an unquoted 18-digit number as an int; it is exact, keep it as text
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("id_number")
    @classmethod
    def _check_id(cls, v: str | None) -> str | None:
        return validate_id_number(v) if v else v

    def __repr_args__(self):  # never show a full identity number in a repr or a log
        for k, v in super().__repr_args__():
            yield (k, mask_id(v) if k == "id_number" else v)

    @property
    def born(self) -> dt.date | None:
        if self.birth_date:
            return self.birth_date
        if self.id_number:
            return ric.get_birth_date(self.id_number)
        return None


class Child(Model):
    name: PersonName | None = None
    birth_date: dt.date | None = Field(None, description="left out when unknown (a roster gives only the last birth date)")


class HukouType(str, Enum):
    """户口性质 of the couple."""

    agricultural = "agricultural"  # 农业
    non_agricultural = "non_agricultural"  # 非农业
    mixed = "mixed"  # 一方非农业


class Contraception(str, Enum):
    """节育措施 in place."""

    none = "none"  # 未落实
    short_acting = "short_acting"  # 短效（药具）
    long_acting = "long_acting"  # 长效（放环、皮埋）
    sterilization = "sterilization"  # 绝育（男扎、女扎）


class Migration(str, Enum):
    """流动类型."""

    resident = "resident"  # 常住
    outflow = "outflow"  # 流出
    inflow = "inflow"  # 流入


#: Names Windows reserves for devices, with or without an extension (CON, CON.txt …).
_WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                               *(f"LPT{i}" for i in range(1, 10)), "COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"})
_WINDOWS_FORBIDDEN = '<>:"/\\|?*'
#: A packet's folder is ``households/<id>``, staged as ``.tmp-households-<id>``: the id must leave
#: room for that prefix in a file system's 255-byte name limit.
HOUSEHOLD_ID_MAX_CHARS = 64
HOUSEHOLD_ID_MAX_BYTES = 200


#: the two spouses, as messages name them
SPOUSE = {"husband": N_("husband"), "wife": N_("wife")}


def household_id_problem(hid: str) -> str | None:
    """Why ``hid`` cannot be a 户编号 (it names the household's folder in a bundle, on Linux and on
    Windows alike, and is printed in the manifest), or None. The message shows at most a short,
    masked prefix of the value."""
    if not hid:
        return _("household id is empty: give each household its own 户编号")
    what = _("household id {value} cannot name a folder", value=shown(hid))
    fix = _("use letters, digits, Chinese characters, '-' or '_', e.g. 001 or 一组-03")
    if has_id_number(hid):
        return _("{what}: it is an identity number, and the 户编号 names the household's folder and is printed in "
                 "the manifest, where no identity number may appear; {fix}", what=what, fix=fix)
    text = text_problem(hid)
    if text:
        return _("{what}: it {problem}", what=what, problem=text)
    bad = sorted({c for c in hid if c in _WINDOWS_FORBIDDEN or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")})
    if bad:
        chars = " ".join(repr(c) if c.isprintable() else f"U+{ord(c):04X}" for c in bad)
        return _("{what}: it holds {chars}, which no folder name may hold (on Windows), or which is invisible; "
                 "{fix}", what=what, chars=chars, fix=fix)
    if hid.startswith(".") or hid.endswith((".", " ")) or hid != hid.strip():
        return _("{what}: it begins with '.', or begins or ends with a space or '.'; {fix}", what=what, fix=fix)
    if hid.split(".")[0].upper() in _WINDOWS_RESERVED:
        return _("{what}: {name} is a device name on Windows; {fix}", what=what, name=hid.split(".")[0].upper(),
                 fix=fix)
    if len(hid) > HOUSEHOLD_ID_MAX_CHARS or len(hid.encode("utf-8")) > HOUSEHOLD_ID_MAX_BYTES:
        return _("{what}: it is too long, at most {chars} characters and {bytes} bytes in UTF-8 (a Chinese "
                 "character takes 3)", what=what, chars=HOUSEHOLD_ID_MAX_CHARS, bytes=HOUSEHOLD_ID_MAX_BYTES)
    return None


class Household(Model):
    """A household file: one married couple of childbearing age and what selects its agreements."""

    id: str = Field(..., min_length=1, description="户编号")
    group: PlaceName = Field(..., min_length=1, description="村民小组")
    husband: Person
    wife: Person
    marriage_date: dt.date | None = None
    children: list[Child] = Field(default_factory=list)
    hukou: HukouType = HukouType.agricultural
    contraception: Contraception = Contraception.none
    migration: Migration = Migration.resident
    origin: Address | None = Field(None, description="流入人口的户籍地 / 流出人口的户籍村")
    destination: Address | None = Field(None, description="流出人口的现居住地")
    plans_another_child: bool = Field(False, description="已生育一孩、计划再生育")
    certificate_valid_from: dt.date | None = Field(None, description="《婚育证明》有效期起")
    certificate_valid_to: dt.date | None = Field(None, description="《婚育证明》有效期止")
    arrived_on: dt.date | None = Field(None, description="到达现居住地日期: for an inflow couple the day they came "
                                       "to live here, for an outflow couple the day they left (rules such as "
                                       "'more than 30 days' read it)")

    @field_validator("id")
    @classmethod
    def _check_household_id(cls, v: str) -> str:
        problem = household_id_problem(v)
        if problem:
            raise Invalid(problem)
        return v

    @model_validator(mode="after")
    def _check(self) -> "Household":
        if self.husband.id_number and id_sex(self.husband.id_number) != "male":
            raise Invalid(lazy("husband.id_number {number} records a woman; check that husband and wife are not "
                               "swapped", number=mask_id(self.husband.id_number)))
        if self.wife.id_number and id_sex(self.wife.id_number) != "female":
            raise Invalid(lazy("wife.id_number {number} records a man; check that husband and wife are not swapped",
                               number=mask_id(self.wife.id_number)))
        if (self.certificate_valid_from and self.certificate_valid_to
                and self.certificate_valid_to < self.certificate_valid_from):
            raise Invalid(lazy("certificate_valid_to is before certificate_valid_from"))
        for who in ("husband", "wife"):
            born = getattr(self, who).born
            if born is None:
                continue
            if self.marriage_date and self.marriage_date < born:
                raise Invalid(lazy("marriage_date {date} is before the {who}'s birth ({born}); correct the date or "
                                   "the {who}'s identity number", date=self.marriage_date, who=lazy(SPOUSE[who]), born=born))
            for i, child in enumerate(self.children):
                if child.birth_date and child.birth_date < born:
                    raise Invalid(lazy("children.{index}.birth_date {date} is before the {who}'s birth ({born}); "
                                       "correct the date", index=i, date=child.birth_date, who=lazy(SPOUSE[who]), born=born))
        return self

    #: How far back a date of the couple's may lie: a couple of childbearing age married and had its
    #: children within this many years of the signing date.
    MAX_YEARS_BACK: ClassVar[int] = 60

    def date_problems(self, as_of: dt.date, today: dt.date | None = None) -> tuple[list[str], list[str]]:
        """The household's dates that cannot be right, as (errors, warnings). An error: a date after
        both the signing date ``as_of`` and ``today`` (it has not happened yet), or more than
        :attr:`MAX_YEARS_BACK` years before the signing date. A warning: a date after the signing
        date that has already passed (an agreement dated before the marriage it speaks of: the
        seed's text at its date with today's households, say)."""
        latest = max(as_of, today or dt.date.today())
        earliest = as_of.replace(year=as_of.year - self.MAX_YEARS_BACK, day=min(as_of.day, 28))
        dates = [("marriage_date", self.marriage_date),
                 *((f"children.{i}.birth_date", c.birth_date) for i, c in enumerate(self.children))]
        errors, warnings = [], []
        for field, when in dates:
            if when is None:
                continue
            if when > latest:
                errors.append(_("{field}: {date} is after the signing date {as_of} (--as-of) and after today; a date "
                                "that has not happened yet cannot be recorded: correct it",
                                field=field, date=when, as_of=as_of))
            elif when > as_of:
                warnings.append(_("{field}: {date} is after the signing date {as_of} (--as-of): check the date or "
                                  "the signing date", field=field, date=when, as_of=as_of))
            elif when < earliest:
                errors.append(_("{field}: {date} is more than {years} years before the signing date {as_of}, which "
                                "cannot be right for a couple of childbearing age: correct it",
                                field=field, date=when, years=self.MAX_YEARS_BACK, as_of=as_of))
        return errors, warnings

    @property
    def last_birth(self) -> dt.date | None:
        return max((c.birth_date for c in self.children if c.birth_date), default=None)


# --------------------------------------------------------------------------- contributions


#: Each document's name in messages (its code in English, its title in Chinese).
DOCUMENT_NAMES = {"charter": N_("charter"), "convention": N_("convention"), "contraception": N_("contraception"),
                  "birth-spacing": N_("birth-spacing"), "outflow": N_("outflow"), "inflow": N_("inflow")}


def document_name(kind: "DocumentKind | str") -> str:
    """A document's name in messages: ``charter`` in English, 自治章程 in Chinese."""
    code = getattr(kind, "value", kind)
    return _(DOCUMENT_NAMES[code]) if code in DOCUMENT_NAMES else str(code)


class DocumentKind(str, Enum):
    """The six documents. The value is spelled with ``-`` (``birth-spacing``), clause ids and Python
    names with ``_`` (``birth_spacing``): both spellings are accepted, in ``DocumentKind("…")`` and in
    a comparison (``document == "birth_spacing"`` is true for the birth-spacing agreement). Comparing
    a kind with a string that names no kind (``document == "charterr"``) raises ``ValueError``
    instead of being silently false."""

    charter = "charter"
    convention = "convention"
    contraception = "contraception"
    birth_spacing = "birth-spacing"
    outflow = "outflow"
    inflow = "inflow"

    @classmethod
    def _missing_(cls, value: object) -> "DocumentKind | None":
        if isinstance(value, str):
            spelled = value.strip().replace("_", "-")
            return next((kind for kind in cls if kind.value == spelled), None)
        return None

    @classmethod
    def parse(cls, value: str) -> "DocumentKind":
        """The kind ``value`` names, or a ``ValueError`` listing the kinds (and the nearest one)."""
        try:
            return cls(value)
        except ValueError:
            import difflib

            kinds = [k.value for k in cls]
            near = difflib.get_close_matches(str(value).replace("_", "-"), kinds, n=1, cutoff=0.6)
            from .i18n import _

            if near:
                raise ValueError(_("'{value}' is not a document kind — did you mean '{near}'? (the kinds: {kinds})",
                                   value=value, near=near[0], kinds=", ".join(kinds))) from None
            raise ValueError(_("'{value}' is not a document kind (the kinds: {kinds})", value=value,
                               kinds=", ".join(kinds))) from None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DocumentKind):
            return self is other
        if isinstance(other, str):
            return self is DocumentKind.parse(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = str.__hash__

    @property
    def is_agreement(self) -> bool:
        return self not in (DocumentKind.charter, DocumentKind.convention)


AGREEMENTS = [k for k in DocumentKind if k.is_agreement]

BlockType = Literal["title", "chapter", "article", "section", "subsection", "item", "para"]


class Contribution(Model):
    """Fields every contribution shares. ``jurisdiction`` may be left out by a plugin that
    declares exactly one; ``effective_from``/``effective_to`` bound the dates it is in force."""

    jurisdiction: Jurisdiction | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = Field(None, description="last day in force (inclusive)")
    legal_basis: str | None = Field(None, description="the law or document this value rests on")

    def in_force(self, on: dt.date) -> bool:
        return ((self.effective_from is None or self.effective_from <= on)
                and (self.effective_to is None or on <= self.effective_to))


class Basis(Model):
    """The legal basis of a clause's text: why a national (or plugin) clause reads as it does on a date.

    ``instrument`` is a registry instrument id (``docforge_instruments``), ``version`` the label of the
    version relied on (e.g. '2021年修正'), ``article`` an article id of that version's map, and ``note`` a
    short reason in Chinese (e.g. '删除社会抚养费'). ``explain``, the manifest and the 修订对照表 show it.
    """

    instrument: str = Field(..., pattern=r"^[a-z0-9_.\-]+$", description="registry instrument id")
    version: str | None = Field(None, description="version label, e.g. '2021年修正'")
    article: str | None = Field(None, description="article id in that version's map")
    note: str | None = Field(None, description="short reason, in Chinese")


class Clause(Contribution):
    """A clause of a document, by stable id.

    ``op='add'`` adds a clause: at the end of its parent, or ``before``/``after`` another id.
    ``op='replace'`` swaps the text (and optionally type) of an existing id in place.
    ``op='remove'`` deletes an id and everything under it (with ``keep_children``, only the id: what
    was under it takes its place).
    ``op='move'`` moves an existing id (with everything under it) ``before``/``after`` another id, or
    to the end of ``parent`` (``""``: the document's top level); it keeps the clause's text, tags and provenance and records who moved it.

    ``text`` may hold placeholders: ``{amount:KEY}``, ``{policy:KEY}`` (``{policy:KEY|cn}`` for
    Chinese numerals), ``{cite:INSTRUMENT}`` or ``{cite:INSTRUMENT#ARTICLE}``, ``{ref:CLAUSE_ID}``
    (the number the engine gives that clause), ``{place:LEVEL}`` and ``{doc:term}`` (the household's
    婚育证明 validity, for the migrant agreements).
    """

    id: str = Field(..., pattern=r"^[a-z0-9_.\-]+$")
    document: DocumentKind
    op: Literal["add", "replace", "remove", "move"] = "add"
    type: BlockType | None = None
    text: str | None = None
    parent: str | None = None
    before: str | None = None
    after: str | None = None
    tags: list[str] = Field(default_factory=list, description="what legal checks look for, e.g. 'deposit_forfeit_birth'")
    basis: list[Basis] = Field(default_factory=list, description="the legal basis of this text (why it reads so)")
    reviewed: dict[str, str] = Field(default_factory=dict,
                                     description="check id -> reason: a reviewed false positive that check skips")
    keep_children: bool = Field(False, description="op='remove' only: remove the clause but keep what is under it, "
                                                   "in its place (a chapter heading removed, its articles kept)")

    @model_validator(mode="after")
    def _check(self) -> "Clause":
        if self.op == "add" and (self.type is None or self.text is None):
            raise Invalid(lazy("clause {id}: an added clause needs 'type' and 'text'", id=self.id))
        if self.op == "replace" and self.text is None and self.type is None:
            raise Invalid(lazy("clause {id}: a replacement needs 'text' or 'type'", id=self.id))
        if self.before and self.after:
            raise Invalid(lazy("clause {id}: give 'before' or 'after', not both", id=self.id))
        if self.keep_children and self.op != "remove":
            raise Invalid(lazy("clause {clause}: keep_children goes with op 'remove'", clause=self.id))
        if self.op == "move":
            if not (self.before or self.after or self.parent is not None):
                raise Invalid(lazy("clause {clause}: a move needs 'before' or 'after' (another id), or 'parent' (to "
                                   "move it to the end of that clause)", clause=self.id))
            if self.text is not None or self.type is not None or self.tags:
                raise Invalid(lazy("clause {clause}: a move keeps the clause's text, type and tags; to change them "
                                   "as well, add an op 'replace' of the same id", clause=self.id))
        return self


ItemStyle = Literal["paren", "comma", "arabic", "arabic_dot", "arabic_paren"]


class Layout(Contribution):
    """How a document is printed, as data: the title line, an adoption line under it, the
    punctuation after 第N章/第N条 and the numbering of items. Each field left out keeps what a
    broader jurisdiction (or the national default) says; per field, the most specific wins.

    With ``clause`` set, the layout applies to that clause's items only (``item_style``)."""

    document: DocumentKind
    clause: str | None = Field(None, description="a clause id (an article): item_style for its items only")
    title: str | None = Field(
        None, description="the title line: {title} is the title clause's text, {place:LEVEL} a place's name; "
                          "national default '{place:village}{title}' (charter, convention), '{title}' (agreements)")
    adoption_line: str | None = Field(
        None, description="a line under the title (charter, convention): {adopted_on} (|cn for 二〇〇九年), "
                          "{adopted_by}, from the village file's adoption facts; e.g. '（{adopted_on|cn}经"
                          "{adopted_by}审议通过）'. National default: none")
    article_separator: str | None = Field(None, description="after 第N条: national default '\u3000', e.g. '：'")
    chapter_separator: str | None = Field(None, description="after 第N章: national default '\u3000'")
    item_style: ItemStyle | None = Field(
        None, description="labels of items under an article or chapter (or under `clause`): paren （一）, "
                          "comma 一、, arabic 1、, arabic_dot 1., arabic_paren （1）; national default paren")

    @model_validator(mode="after")
    def _check(self) -> "Layout":
        if self.clause and any(getattr(self, f) is not None for f in LAYOUT_DOCUMENT_FIELDS):
            raise ValueError(_("layout of {document} for clause '{clause}': only item_style applies to one clause; "
                               "give title, adoption_line and the separators without 'clause'",
                               document=self.document.value, clause=self.clause))
        if self.adoption_line is not None and self.document.is_agreement:
            raise ValueError(_("layout of {document}: adoption_line applies to the charter and the convention (an "
                               "agreement is signed, not adopted)", document=self.document.value))
        return self


LAYOUT_DOCUMENT_FIELDS = ("title", "adoption_line", "article_separator", "chapter_separator")
LAYOUT_FIELDS = (*LAYOUT_DOCUMENT_FIELDS, "item_style")


class Amount(Contribution):
    """A sum of money: a 履约保证金 deposit, a 违约金 or a fine cap, in yuan.

    Keys used by the national texts: ``deposit.contraception.one_child``,
    ``deposit.contraception.two_child``, ``deposit.birth_spacing.one_child``, ``deposit.migrant.min``,
    ``deposit.migrant.max``, ``deposit.outflow``, ``fee.outflow.breach``, ``fee.inflow.breach``,
    ``fine.inflow.no_certificate``.
    """

    key: str
    amount: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)


class PolicyValue(Contribution):
    """A policy number or choice (生育间隔年限, 年龄上限, 天数, 份数, 甲方 …); see hookspecs."""

    key: str
    value: int | str | list[str]


Certainty = Literal["confirmed", "approximate"]


class ArticleRef(Model):
    number: int = Field(..., ge=1, description="article number in this version")
    summary: str = ""
    certainty: Certainty = Field("confirmed", description="'approximate' where the number is not yet checked")


class InstrumentVersion(Model):
    """One text of a law: adopted, in force from, in force until (or repealed)."""

    label: str = Field(..., description="e.g. '2015年修正'")
    name: str | None = Field(None, description="the instrument's name in this version, if it differs")
    short_name: str | None = Field(None, description="its short name in this version, if it differs")
    adopted: dt.date | None = None
    effective_from: dt.date
    effective_to: dt.date | None = Field(None, description="last day in force")
    repealed: bool = False
    repealed_by: str | None = Field(None, description="registry id of the instrument that repealed this text")
    confirmed_on: dt.date | None = Field(
        None, description="the date its supplier confirmed this text still in force after a change of its basis")
    certainty: Certainty = Field("confirmed", description="'approximate' where a date is not yet checked")
    source: str | None = Field(None, description="where the dates and articles were taken from")
    articles: dict[str, ArticleRef] = Field(default_factory=dict)

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


class Instrument(Contribution):
    """A law, regulation or rule that documents cite, with its versions."""

    id: str = Field(..., pattern=r"^[a-z0-9_.\-]+$")
    name: str = Field(..., description="full name without 《》")
    short_name: str | None = Field(None, description="short name without 《》, for {cite:ID|short}")
    issuer: str = ""
    level: Literal["law", "administrative_regulation", "local_regulation", "rule", "policy", "village_rule"] = "law"
    versions: list[InstrumentVersion] = Field(default_factory=list)

    def version_on(self, on: dt.date) -> InstrumentVersion | None:
        """The version in force on ``on``; a later version supersedes one left open-ended."""
        return max((v for v in self.versions if v.in_force(on)), key=lambda v: v.effective_from, default=None)


class TemplateOverride(Contribution):
    """A plugin's own .docx template for a document kind."""

    document: DocumentKind
    path: str = Field(..., description="path to a .docx (absolute, or relative to the plugin module)")


class Selection(Contribution):
    """The agreements a household signs, with the reason for each."""

    agreements: list[DocumentKind]
    reasons: dict[str, str] = Field(default_factory=dict)


# --------------------------------------------------------------------------- resolved output


class Provenance(Model):
    """Where a resolved value came from."""

    plugin: str
    version: str | None = None
    jurisdiction: Jurisdiction
    legal_basis: str | None = None

    def describe(self) -> str:
        v = f" {self.version}" if self.version else ""
        return f"{self.plugin}{v} @ {self.jurisdiction}"


class Block(Model):
    """A numbered, rendered unit of a document: a chapter heading, an article, an item …"""

    id: str
    type: BlockType
    label: str = Field("", description="the number the engine gave it: 第一章, 第十一条, （一）, 一、, 1、")
    text: str
    depth: int = 0
    tags: list[str] = Field(default_factory=list)
    basis: list[Basis] = Field(default_factory=list, description="the winning clause's legal basis")
    reviewed: dict[str, str] = Field(default_factory=dict, description="the winning clause's reviewed checks")
    provenance: Provenance
    moved_by: Provenance | None = Field(None, description="who moved it (op='move'), if anyone did")
    separator: str = Field("\u3000", description="between the label of a chapter or article and its text")

    @property
    def display(self) -> str:
        """The paragraph as printed: 第一章　总则, 第一条　…, 一、…, （一）…, 1、…"""
        if self.type in ("chapter", "article"):
            return f"{self.label}{self.separator}{self.text}"
        return f"{self.label}{self.text}"


class ValueUse(Model):
    """A value a document used, for ``explain`` and the manifest."""

    kind: Literal["amount", "policy", "citation"]
    key: str
    value: str
    provenance: Provenance


class Finding(Model):
    """A legal-check result: a clause that no longer agrees with the law on the as-of date.

    ``plugin`` is the plugin that supplied the clause the finding is about; a check may leave it out
    and the engine fills it (the clause's plugin, else the plugin that returned the finding, which it
    records in ``checked_by``). ``law`` is an instrument id (``population_law``: the engine prints its
    name, and fills ``version`` with the version in force) or a name as printed.
    """

    check: str
    severity: Literal["warning", "error"] = "warning"
    document: str | None = None
    clause: str | None = None
    plugin: str | None = Field(None, description="the plugin that supplied the clause; filled by the engine")
    checked_by: str | None = Field(None, description="the plugin whose check returned it; filled by the engine")
    law: str | None = Field(None, description="an instrument id (resolved to its name and version) or a name")
    version: str | None = None
    article: str | None = None
    reason: str
    reason_zh: str | None = Field(None, description="the reason in Chinese, citing the law as it is written")

    def line(self) -> str:
        """The finding as a person reads it, in the language in force (Chinese: ``reason_zh``), with the
        check that found it and, when another plugin's check did, that plugin."""
        zh = language() == "zh"
        doc = document_name(self.document) if self.document else None
        where = " ".join(x for x in (doc, self.clause) if x) or "-"
        if zh:  # 《中华人民共和国人口与计划生育法》（2021年修正）第二十条, as the law is cited
            law = "".join(x for x in (self.law and f"《{self.law}》", self.version and f"（{self.version}）",
                                      self.article) if x)
        else:
            law = " ".join(x for x in (self.law, self.version, self.article) if x)
        reason = self.reason_zh if zh and self.reason_zh else self.reason
        severity = _("error") if self.severity == "error" else _("warning")
        text = _("{severity}: {where} [{plugin}]: {reason}", severity=severity, where=where, plugin=self.plugin,
                 reason=reason) if self.plugin else _("{severity}: {where}: {reason}", severity=severity,
                                                      where=where, reason=reason)
        by = self.checked_by if self.checked_by and self.checked_by != self.plugin else None
        check = (_(" [check {check} by {plugin}]", check=self.check, plugin=by) if by
                 else _(" [check {check}]", check=self.check))
        return text + (_(" ({law})", law=law) if law else "") + check


class Removal(Model):
    """A clause that a contribution removed (``op='remove'``) from a document, with the basis it gives:
    the 修订对照表 shows it as the 修订依据 of a deleted article or item."""

    id: str
    basis: list[Basis] = Field(default_factory=list, description="the removing clause's legal basis")
    provenance: Provenance


class Party(Model):
    role: str  # 甲方 / 乙方
    lines: list[str]


class Document(Model):
    """A resolved document, ready for a template."""

    kind: DocumentKind
    title: str
    adoption_line: str | None = Field(
        None, description="a line under the title, e.g. （二〇〇九年　　月　　日经村民代表大会审议通过）")
    as_of: dt.date
    village: str
    household: str | None = None
    parties: list[Party] = Field(default_factory=list)
    blocks: list[Block]
    signature: list[str] = Field(default_factory=list)
    signature_places: dict[str, str] = Field(
        default_factory=dict, description="the label of each party's signature line and the party that signs beside "
                                          "it (party_a, party_b): where a PDF signature field goes")
    copies: list[str] = Field(default_factory=list, description="who keeps each copy")
    values: list[ValueUse] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    notices: list[Finding] = Field(default_factory=list,
                                   description="not legal findings: inputs that contradict the signing date, "
                                               "an adopted text that must be adopted again")
    template: str | None = None
    removed: list[Removal] = Field(default_factory=list, description="clauses removed by a contribution, and why")

    def text_lines(self) -> list[str]:
        """The document's text, one paragraph a line, as it should read in DOCX and PDF."""
        lines = [self.title] + ([self.adoption_line] if self.adoption_line else [])
        for p in self.parties:
            lines.extend(p.lines)
        lines.extend(b.display for b in self.blocks)
        lines.extend(self.signature)
        return lines


Village.model_rebuild()
