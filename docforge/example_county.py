"""``docforge example-county``: a synthetic but valid county of villages and their rosters.

Each village gets a folder with ``village.yaml`` and a roster: most as .xlsx, some as CSV (one in
GBK with 2016/5/1 dates, one in UTF-8 with a BOM and English headers), so that every reading path
is exercised. The villages belong to the sample county (某某省 / 某某县, plugin
``docforge-sample-county``), so they render.

Each household is drawn from a :class:`Scenario`, a situation of the seed's selection rules (DOMAIN.md,
"Which agreements a household signs") with the agreements it leads to; the first three households
of the county are a birth-spacing couple, an outflow couple and an inflow couple, so every agreement
kind appears whenever the county has three households. Dates are drawn relative to the as-of date
(a second birth "within six months" is within six months of it), so the output is the same for the
same seed and as-of date. Households are written as they are drawn: memory stays flat.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml
from stdnum.cn import ric

from .i18n import gettext as _
from .models import Contraception, DocumentKind, Household, HukouType, Migration, Person
from .roster import COLUMNS, CONTRACEPTION_WORDS, HUKOU_WORDS, MIGRATION_WORDS, YES_NO_WORDS, children_from_count

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤")
MALE_NAME = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳国志峰亮成东海建文"
FEMALE_NAME = "芳娜敏静丽艳娟霞燕玲桂英红梅琳莉雪倩婷慧颖洁琴云秀兰萍晶月凤丹霞玉"
VILLAGE_SUFFIXES = ("家庄", "家湾", "家沟", "家坪", "家岔", "家河", "家堡", "家塬", "家川", "家寨")
TOWNSHIPS = ("城关镇", "东关镇", "西川乡", "南河镇", "北山乡", "柳树乡", "新集镇", "河畔镇")
GROUP_NUMERALS = "一二三四五六七八九十"
#: County codes of the sample county's people (real codes, so the birth-place check passes).
HOME_CODES = ("620422", "620421", "620423")
#: Where inflow couples come from: a county code and the address it stands for.
ORIGINS = (("510122", "四川省成都市双流区"), ("410102", "河南省郑州市中原区"), ("430102", "湖南省长沙市芙蓉区"),
           ("360102", "江西省南昌市东湖区"), ("412726", "河南省周口市郸城县"), ("450102", "广西壮族自治区南宁市兴宁区"))
#: Where outflow couples work.
DESTINATIONS = ("广东省东莞市长安镇", "浙江省义乌市稠城街道", "江苏省苏州市工业园区", "北京市朝阳区", "上海市闵行区",
                "福建省晋江市陈埭镇")
PROVINCE, PREFECTURE, COUNTY = "某某省", "某某州", "某某县"

K = DocumentKind


def shift_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (earlier when negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class _Draw:
    """The random choices of one village, from its own seeded generator."""

    def __init__(self, seed: str, as_of: dt.date, used_ids: set[str]):
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.used_ids = used_ids

    def born(self, age: int) -> dt.date:
        """A birth date of someone exactly ``age`` on the as-of date."""
        return shift_years(self.as_of, -age) - dt.timedelta(days=self.rng.randint(1, 364))

    def days_ago(self, low: int, high: int) -> dt.date:
        return self.as_of - dt.timedelta(days=self.rng.randint(low, high))

    def between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def id_number(self, code: str, born: dt.date, male: bool) -> str:
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            body = f"{code}{born:%Y%m%d}{seq:03d}"
            number = body + ric.calc_check_digit(body + "0")  # the check digit of the first 17
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def name(self, male: bool, surname: str | None = None) -> str:
        chars = MALE_NAME if male else FEMALE_NAME
        given = "".join(self.rng.choice(chars) for _ in range(self.rng.choice((1, 2, 2))))
        return (surname or self.rng.choice(SURNAMES)) + given

    def phone(self) -> str:
        return f"1{self.rng.choice('356789')}{self.rng.randrange(10 ** 9):09d}"


@dataclass(frozen=True)
class Scenario:
    """A situation of the selection rules and the agreements it leads to (DOMAIN.md)."""

    name: str
    expected: tuple[DocumentKind, ...]
    weight: int
    build: Callable[[_Draw], dict[str, Any]]


def _couple(d: _Draw, wife_age: tuple[int, int], early: bool = False) -> dict[str, Any]:
    """Ages and a marriage date: at the legal ages (men 22, women 20) or, ``early``, the wife at 18."""
    wife = d.rng.randint(*wife_age)
    husband = wife + d.rng.randint(0, 4)
    wife_born, husband_born = d.born(wife), d.born(husband)
    if early:
        married = d.between(shift_years(wife_born, 18), shift_years(wife_born, 19) - dt.timedelta(days=1))
    else:
        legal = max(shift_years(wife_born, 20), shift_years(husband_born, 22))
        married = d.between(legal, min(shift_years(legal, 6), d.as_of - dt.timedelta(days=700)))
    return {"wife_born": wife_born, "husband_born": husband_born, "marriage_date": min(married, d.as_of)}


def _children(d: _Draw, couple: dict, count: int, last_low: int, last_high: int) -> dict[str, Any]:
    """``count`` children, the last born between ``last_high`` and ``last_low`` days before as-of
    (and after the marriage)."""
    if not count:
        return {"children": 0, "last_birth": None}
    latest = d.as_of - dt.timedelta(days=last_low)
    earliest = max(couple["marriage_date"] + dt.timedelta(days=300), d.as_of - dt.timedelta(days=last_high))
    return {"children": count, "last_birth": d.between(min(earliest, latest), latest)}


def _scenario(expected: tuple[DocumentKind, ...], weight: int, wife_age=(25, 40), early=False, children=0,
              last=(400, 3000), hukou=(HukouType.agricultural,), contraception=(Contraception.none,
              Contraception.short_acting), migration=Migration.resident, plans=False):
    def build(d: _Draw) -> dict[str, Any]:
        couple = _couple(d, wife_age, early)
        return {**couple, **_children(d, couple, children, *last), "hukou": d.rng.choice(hukou),
                "contraception": d.rng.choice(contraception), "migration": migration, "plans": plans}
    return expected, weight, build


_ALL_HUKOU = tuple(HukouType)
_LONG = (Contraception.long_acting, Contraception.sterilization)
SCENARIOS: tuple[Scenario, ...] = tuple(Scenario(name, *spec) for name, spec in {
    "一孩计划再生育": _scenario((K.contraception, K.birth_spacing), 10, children=1, plans=True, hukou=_ALL_HUKOU),
    "流出": _scenario((K.outflow,), 18, children=1, hukou=_ALL_HUKOU, contraception=tuple(Contraception),
                    migration=Migration.outflow),
    "流入": _scenario((K.inflow,), 10, children=1, hukou=_ALL_HUKOU, contraception=tuple(Contraception),
                    migration=Migration.inflow),
    "早婚": _scenario((K.contraception,), 5, wife_age=(19, 24), early=True),
    "农业两孩未落实长效": _scenario((K.contraception,), 10, wife_age=(26, 44), children=2),
    "一方非农业一孩未落实长效": _scenario((K.contraception,), 6, children=1, hukou=(HukouType.mixed, HukouType.non_agricultural)),
    "二孩出生六个月内": _scenario((K.contraception,), 3, children=2, last=(20, 150), contraception=tuple(Contraception)),
    "两孩已落实长效": _scenario((), 16, wife_age=(26, 44), children=2, contraception=_LONG),
    "一孩不再生育": _scenario((), 12, children=1),
    "未生育": _scenario((), 6, wife_age=(22, 30)),
    "超过签约年龄": _scenario((), 4, wife_age=(49, 55), children=2),  # the sample province's limit: under 49
}.items())
#: The first households of a county, so that three households already need every agreement kind.
FIRST = ("一孩计划再生育", "流出", "流入")


@dataclass
class VillagePlan:
    """A village of the example county: its folder, names and how its roster is written."""

    folder: str
    name: str
    township: str
    groups: list[str]
    roster: str
    encoding: str
    english: bool = False
    date_style: str = "cell"

    def village_data(self, d: _Draw) -> dict[str, Any]:
        adopted = {"adopted_on": "2006-08-20", "adopted_by": "村民代表会议", "filed_with_township_on": "2006-08-25"}
        return {
            "province": {"name": PROVINCE}, "prefecture": {"name": PREFECTURE}, "county": {"name": COUNTY},
            "township": {"name": self.township}, "village": {"name": self.name},
            "committee": {"legal_representative": d.name(True)},
            "signing_place": f"{self.township}{self.name}村民委员会",
            "groups": self.groups,
            "charter": adopted, "convention": dict(adopted),
        }


def plan_village(index: int, rng: random.Random, taken: set[str]) -> VillagePlan:
    """Village ``index`` (0-based): every fourth from the second is a GBK CSV, every fourth from the
    fourth a UTF-8 CSV with a BOM and English headers; the others .xlsx."""
    name = ""
    while not name or name in taken:
        name = f"{rng.choice(SURNAMES)}{rng.choice(VILLAGE_SUFFIXES)}村"
        if len(taken) > 500:
            name = f"{name[:-1]}{index + 1}村"
    taken.add(name)
    groups = [f"第{GROUP_NUMERALS[k]}村民小组" for k in range(rng.randint(3, 8))]
    kind = index % 4
    roster, encoding, english, style = {1: ("roster.csv", "gbk", False, "slash"),
                                        3: ("roster.csv", "utf-8-sig", True, "iso")}.get(
        kind, ("roster.xlsx", "", False, "cell"))
    return VillagePlan(f"village-{index + 1:03d}", name, TOWNSHIPS[index % len(TOWNSHIPS)], groups, roster,
                       encoding, english, style)


def draw_households(plan: VillagePlan, d: _Draw, count: int, first_index: int) -> Iterator[tuple[Household, Scenario]]:
    """The village's households, each with the scenario it was drawn from."""
    by_name = {s.name: s for s in SCENARIOS}
    weights = [s.weight for s in SCENARIOS]
    address = f"{PROVINCE}{COUNTY}{plan.township}{plan.name}"
    for k in range(count):
        g = first_index + k
        scenario = by_name[FIRST[g]] if g < len(FIRST) else d.rng.choices(SCENARIOS, weights)[0]
        yield _household(plan, d, scenario, f"{k + 1:04d}", address), scenario


def _household(plan: VillagePlan, d: _Draw, scenario: Scenario, hid: str, home: str) -> Household:
    f = scenario.build(d)
    group = d.rng.choice(plan.groups)
    code, registered = d.rng.choice(HOME_CODES), f"{home}{group}"
    current, origin, destination = registered, None, None
    if f["migration"] == Migration.outflow:
        origin, destination = registered, d.rng.choice(DESTINATIONS)
        current = f"{destination}{d.rng.randint(1, 300)}号"
    elif f["migration"] == Migration.inflow:
        code, origin = d.rng.choice(ORIGINS)
        registered = f"{origin}某某村"
    surname = d.rng.choice(SURNAMES)
    migrant = f["migration"] != Migration.resident
    valid_from = d.days_ago(0, 300) if migrant else None
    address = {"registered_address": registered if migrant else None, "current_address": current if migrant else None}
    return Household(
        id=hid, group=group,
        husband=Person(name=d.name(True, surname), id_number=d.id_number(code, f["husband_born"], True),
                       phone=d.phone(), **address),
        wife=Person(name=d.name(False), id_number=d.id_number(code, f["wife_born"], False), **address),
        marriage_date=f["marriage_date"], children=children_from_count(f["children"], f["last_birth"]),
        hukou=f["hukou"], contraception=f["contraception"],
        migration=f["migration"], plans_another_child=f["plans"], origin=origin, destination=destination,
        certificate_valid_from=valid_from,
        certificate_valid_to=shift_years(valid_from, 3) - dt.timedelta(days=1) if valid_from else None)


# --------------------------------------------------------------------------- writing rows

_WORDS: dict[str, dict[Any, tuple[str, ...]]] = {
    "hukou": HUKOU_WORDS, "contraception": CONTRACEPTION_WORDS, "migration": MIGRATION_WORDS,
    "plans_another_child": YES_NO_WORDS}


def roster_row(h: Household, english: bool = False) -> dict[str, Any]:
    """A household as a roster row: column key → cell value (Chinese words, or English values)."""
    def word(key: str, value: Any) -> str:
        words = _WORDS[key][value]
        return words[-1] if english else words[0]

    return {
        "household_id": h.id, "group": h.group, "husband_name": h.husband.name, "husband_id": h.husband.id_number,
        "wife_name": h.wife.name, "wife_id": h.wife.id_number, "marriage_date": h.marriage_date,
        "children": len(h.children), "last_birth_date": h.last_birth, "hukou": word("hukou", h.hukou),
        "contraception": word("contraception", h.contraception), "migration": word("migration", h.migration),
        "plans_another_child": word("plans_another_child", h.plans_another_child),
        "registered_address": h.husband.registered_address, "current_address": h.husband.current_address,
        "phone": h.husband.phone, "origin": h.origin, "destination": h.destination,
        "certificate_valid_from": h.certificate_valid_from, "certificate_valid_to": h.certificate_valid_to,
        "arrived_on": h.arrived_on,
    }


def _text_date(value: dt.date, style: str) -> str:
    return f"{value.year}/{value.month}/{value.day}" if style == "slash" else value.isoformat()


class _RosterWriter:
    """Writes a roster row by row, as .xlsx (write-only workbook) or CSV."""

    def __init__(self, path: Path, plan: VillagePlan, rows: int):
        self.plan = plan
        self.headers = [c.key if plan.english else c.header for c in COLUMNS]
        self.xlsx = path.suffix == ".xlsx"
        if self.xlsx:
            from openpyxl import Workbook
            from openpyxl.utils import get_column_letter

            self.path, self.wb = path, Workbook(write_only=True)
            self.ws = self.wb.create_sheet("花名册")
            # A write-only sheet records its size only if told. Without it, openpyxl's read-only
            # reader parses the whole sheet once more just to look for the size (twice as slow).
            size = f"A1:{get_column_letter(len(self.headers))}{rows + 1}"
            self.ws.calculate_dimension = lambda: size
            self.ws.append(self.headers)
        else:
            self.file = open(path, "w", encoding=plan.encoding, newline="")
            self.csv = csv.writer(self.file)
            self.csv.writerow(self.headers)

    def write(self, h: Household) -> None:
        row = roster_row(h, self.plan.english)
        values = [row[c.key] for c in COLUMNS]
        if self.xlsx:
            self.ws.append(values)
        else:
            self.csv.writerow(["" if v is None else _text_date(v, self.plan.date_style) if isinstance(v, dt.date)
                               else v for v in values])

    def close(self) -> None:
        if self.xlsx:
            self.wb.save(self.path)
        else:
            self.file.close()


def write_example_county(out: Path | str, villages: int, households: int, seed: int = 0,
                         as_of: dt.date | None = None) -> Iterator[str]:
    """Write the county into ``out`` (one folder per village, and ``county.yaml`` listing them with
    the agreement counts the scenarios lead to); yield a line per village written."""
    out = Path(out)
    as_of = as_of or dt.date.today()
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"docforge-example-county:{seed}")
    taken: set[str] = set()
    used_ids: set[str] = set()
    listing: list[dict[str, Any]] = []
    totals: Counter[str] = Counter()
    for v in range(villages):
        plan = plan_village(v, rng, taken)
        d = _Draw(f"{seed}:{v}", as_of, used_ids)
        folder = out / plan.folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "village.yaml").write_text(
            f"# Example village {v + 1} of docforge example-county (seed {seed}, as of {as_of.isoformat()}).\n"
            + yaml.safe_dump(plan.village_data(d), allow_unicode=True, sort_keys=False), encoding="utf-8")
        writer = _RosterWriter(folder / plan.roster, plan, households)
        counts: Counter[str] = Counter()
        try:
            for h, scenario in draw_households(plan, d, households, v * households):
                writer.write(h)
                counts.update(k.value for k in scenario.expected)
        finally:
            writer.close()
        totals.update(counts)
        listing.append({"folder": plan.folder, "village": plan.name, "township": plan.township,
                        "roster": plan.roster, "encoding": plan.encoding or None, "households": households,
                        "agreements": dict(sorted(counts.items()))})
        yield _("wrote {path} ({village}, {households} households, {roster})", path=str(folder) + "/", village=plan.name,
                households=households, roster=plan.roster + (", " + plan.encoding if plan.encoding else ""))
    summary = {"seed": seed, "as_of": as_of.isoformat(), "villages": listing,
               "agreements": {k.value: totals.get(k.value, 0) for k in DocumentKind if k.is_agreement}}
    (out / "county.yaml").write_text(yaml.safe_dump(summary, allow_unicode=True, sort_keys=False), encoding="utf-8")
    yield _("wrote {path}: agreements {agreements}", path=out / "county.yaml", agreements=summary["agreements"])
