"""What plugins contribute: clauses, layout, amounts, policy values, instruments (laws and their
versions), templates and a household's selection of agreements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from ..errors import Invalid
from ..i18n import _, lazy
from .base import Model
from .kinds import BlockType, DocumentKind
from .places import Jurisdiction


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
