"""Places: jurisdiction levels, :class:`Jurisdiction` (a place a plugin speaks for, matched on its
code or its chain) and :data:`NATIONAL`."""

from __future__ import annotations

from enum import Enum

from pydantic import Field, model_validator

from ..i18n import _, language
from .base import Model


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
