"""Pydantic models: the validated inputs and the resolved output.

Inputs: :class:`Village` (with its place chain), :class:`Household` (with :class:`Person` and
:class:`Child`). Plugin contributions: :class:`Jurisdiction`, :class:`Clause`, :class:`Amount`,
:class:`PolicyValue`, :class:`Instrument`, :class:`TemplateOverride`, :class:`Selection`.
Resolved output: :class:`Document` made of :class:`Block` objects, each with its :class:`Provenance`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

from .errors import Invalid, mask_id
from .i18n import LazyText, N_, language, lazy
from .i18n import gettext as _


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


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


class Jurisdiction(Model):
    """A place a plugin speaks for: level, name and, where one exists, its GB/T 2260 code."""

    level: Level
    name: str
    code: str | None = Field(None, description="GB/T 2260 administrative division code")

    def key(self) -> str:
        return f"{self.level.value}:{self.code or self.name}"

    def matches(self, place: "Jurisdiction") -> bool:
        if self.level != place.level:
            return False
        if self.level == Level.national:
            return True
        if self.code and place.code:
            return self.code == place.code
        return self.name == place.name

    def __str__(self) -> str:
        """In messages: 某某县（county，620422）, the level as 县 in Chinese."""
        level = self.level.label if language() == "zh" else self.level.value
        return f"{self.name}（{level}{'，' + self.code if self.code else ''}）"


NATIONAL = Jurisdiction(level=Level.national, name="中华人民共和国")


class Place(Model):
    name: str = Field(..., min_length=1, title="名称")
    code: str | None = Field(None, pattern=r"^\d{6}(\d{3}|\d{6})?$", description="GB/T 2260 code",
                             title="行政区划代码", json_schema_extra={"x-help": "GB/T 2260 代码：6、9 或 12 位数字，不知道可不填"})


class Committee(Model):
    """The village committee (村民委员会), 甲方 of the agreements."""

    name: str | None = Field(None, description="Full name; defaults to '<village>村民委员会'", title="全称",
                             json_schema_extra={"x-help": "不填则为“村名＋村民委员会”"})
    legal_representative: str = Field(..., min_length=1, description="法定代表人 (usually the 村主任)",
                                      title="法定代表人", json_schema_extra={"x-help": "通常为村民委员会主任"})


class Adoption(Model):
    """How and when the charter or convention was adopted and filed."""

    adopted_on: dt.date | None = Field(None, title="通过日期")
    adopted_by: Literal["村民会议", "村民代表会议"] = Field("村民会议", title="通过会议")
    filed_with_township_on: dt.date | None = Field(None, description="报乡镇人民政府备案 date", title="报乡镇备案日期")


class Village(Model):
    """A village file: its place chain, committee, signing place and adoption facts."""

    province: Place = Field(..., title="省（自治区、直辖市）")
    prefecture: Place | None = Field(None, title="市（州、盟）", json_schema_extra={"x-help": "直辖市下的县可不填"})
    county: Place = Field(..., title="县（市、区）")
    township: Place = Field(..., title="乡（镇、街道）")
    village: Place = Field(..., title="村")
    committee: Committee = Field(..., title="村民委员会")
    signing_place: str | None = Field(None, description="签订地点; defaults to the committee's office", title="签订地点",
                                      json_schema_extra={"x-help": "不填则为“乡镇名＋村名＋村民委员会”"})
    groups: list[str] = Field(default_factory=list, description="村民小组 names", title="村民小组",
                              json_schema_extra={"x-help": "每行一个，如：第一村民小组"})
    charter: Adoption = Field(default_factory=Adoption, title="自治章程的通过与备案")
    convention: Adoption = Field(default_factory=Adoption, title="自治公约的通过与备案")
    clauses: list["Clause"] = Field(
        default_factory=list,
        description="The village's own clause operations (add, replace, remove, move), applied after every "
                    "plugin's as the most specific layer, with provenance 'village file'")

    @model_validator(mode="after")
    def _check_clauses(self) -> "Village":
        for n, cl in enumerate(self.clauses):
            if cl.jurisdiction is not None:
                raise ValueError(f"clauses.{n} ('{cl.id}'): leave out 'jurisdiction'; the village "
                                 f"file's clauses are the village's own")
        return self

    def places(self) -> list[Jurisdiction]:
        """The place chain from national to village (the prefecture is optional)."""
        chain = [NATIONAL]
        for level in (Level.province, Level.prefecture, Level.county, Level.township, Level.village):
            place = getattr(self, level.value)
            if place is not None:
                chain.append(Jurisdiction(level=level, name=place.name, code=place.code))
        return chain

    @property
    def committee_name(self) -> str:
        return self.committee.name or f"{self.village.name}村民委员会"

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
    name: str = Field(..., min_length=1)
    id_number: str | None = Field(None, description="18-character 居民身份证号码")
    birth_date: dt.date | None = None
    registered_address: str | None = Field(None, description="户籍地址")
    current_address: str | None = Field(None, description="现居住地址")
    phone: str | None = Field(None, description="联系电话")

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
    name: str | None = None
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


def household_id_problem(hid: str) -> LazyText | None:
    """Why ``hid`` cannot be a 户编号 (it names the household's folder in a bundle), or None."""
    if (not hid or hid.startswith(".") or any(c in hid for c in "/\\\0") or hid != hid.strip()
            or len(hid) > 100 or any(ord(c) < 32 for c in hid)):
        return lazy("household id {hid} cannot name a folder of the bundle: use letters, digits, Chinese "
                    "characters, '-' or '_' (no '/', no leading '.')", hid=repr(hid))
    return None


class Household(Model):
    """A household file: one married couple of childbearing age and what selects its agreements."""

    id: str = Field(..., min_length=1, description="户编号")
    group: str = Field(..., min_length=1, description="村民小组")
    husband: Person
    wife: Person
    marriage_date: dt.date | None = None
    children: list[Child] = Field(default_factory=list)
    hukou: HukouType = HukouType.agricultural
    contraception: Contraception = Contraception.none
    migration: Migration = Migration.resident
    origin: str | None = Field(None, description="流入人口的户籍地 / 流出人口的户籍村")
    destination: str | None = Field(None, description="流出人口的现居住地")
    plans_another_child: bool = Field(False, description="已生育一孩、计划再生育")
    certificate_valid_from: dt.date | None = Field(None, description="《婚育证明》有效期起")
    certificate_valid_to: dt.date | None = Field(None, description="《婚育证明》有效期止")

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
        return self

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
    charter = "charter"
    convention = "convention"
    contraception = "contraception"
    birth_spacing = "birth-spacing"
    outflow = "outflow"
    inflow = "inflow"

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
    ``op='remove'`` deletes an id and everything under it.
    ``op='move'`` moves an existing id (with everything under it) ``before``/``after`` another id, or
    to the end of ``parent``; it keeps the clause's text, tags and provenance and records who moved it.

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

    @model_validator(mode="after")
    def _check(self) -> "Clause":
        if self.op == "add" and (self.type is None or self.text is None):
            raise Invalid(lazy("clause {id}: an added clause needs 'type' and 'text'", id=self.id))
        if self.op == "replace" and self.text is None and self.type is None:
            raise Invalid(lazy("clause {id}: a replacement needs 'text' or 'type'", id=self.id))
        if self.before and self.after:
            raise Invalid(lazy("clause {id}: give 'before' or 'after', not both", id=self.id))
        if self.op == "move":
            if not (self.before or self.after or self.parent):
                raise Invalid(lazy("clause {id}: a move needs 'before' or 'after' (another id), or 'parent' "
                                   "(to move it to the end of that clause)", id=self.id))
            if self.text is not None or self.type is not None or self.tags:
                raise Invalid(lazy("clause {id}: a move keeps the clause's text, type and tags; to change "
                                   "them as well, add an op 'replace' of the same id", id=self.id))
        return self


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

    @property
    def display(self) -> str:
        """The paragraph as printed: 第一章　总则, 第一条　…, 一、…, （一）…, 1、…"""
        if self.type in ("chapter", "article"):
            return f"{self.label}　{self.text}"
        return f"{self.label}{self.text}"


class ValueUse(Model):
    """A value a document used, for ``explain`` and the manifest."""

    kind: Literal["amount", "policy", "citation"]
    key: str
    value: str
    provenance: Provenance


class Finding(Model):
    """A legal-check result: a clause that no longer agrees with the law on the as-of date."""

    check: str
    severity: Literal["warning", "error"] = "warning"
    document: str | None = None
    clause: str | None = None
    plugin: str | None = None
    law: str | None = None
    version: str | None = None
    article: str | None = None
    reason: str
    reason_zh: str | None = Field(None, description="the reason in Chinese, citing the law as it is written")

    def line(self) -> str:
        """The finding as a person reads it, in the language in force (Chinese: ``reason_zh``)."""
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
        return text + (_(" ({law})", law=law) if law else "")


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
    as_of: dt.date
    village: str
    household: str | None = None
    parties: list[Party] = Field(default_factory=list)
    blocks: list[Block]
    signature: list[str] = Field(default_factory=list)
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
        lines = [self.title]
        for p in self.parties:
            lines.extend(p.lines)
        lines.extend(b.display for b in self.blocks)
        lines.extend(self.signature)
        return lines


Village.model_rebuild()
