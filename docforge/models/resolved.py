"""The resolved output: a :class:`Document` made of numbered :class:`Block` objects, each with its
:class:`Provenance`, and the values, findings and removals it records."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from ..i18n import _, language
from .base import Model
from .contributions import Basis
from .kinds import BlockType, DocumentKind, document_name
from .places import Jurisdiction


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
