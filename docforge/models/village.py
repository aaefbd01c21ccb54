"""The village file: :class:`Village` with its places, committee and adoption facts
(:class:`Adoption`, dates as :class:`PartialDate`)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from ..i18n import _
from .base import CLAUSE_MAX_CHARS, Address, Model, PersonName, PlaceName, text_problem
from .contributions import Clause, Layout
from .places import LOCAL_LEVELS, NATIONAL, Jurisdiction, Level, PlaceRef


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
