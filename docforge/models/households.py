"""The household file: :class:`Household`, the couple (:class:`Person`), their children and what
selects their agreements; identity numbers and 户编号 checked."""

from __future__ import annotations

import datetime as dt
import unicodedata
from enum import Enum
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from ..errors import Invalid, has_id_number, mask_id, shown
from ..i18n import N_, _, lazy
from .base import Address, Model, PersonName, Phone, PlaceName, text_problem


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
