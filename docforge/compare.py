"""The 修订对照表 (amendment comparison table): what changed between two texts of one document.

A committee that adopts a new text of its 自治章程 or 自治公约 puts before the 村民会议 the new text and a
table of its changes: 原条文 | 修订后条文 | 修订依据. :func:`compare_documents` makes that table's
content from two resolved :class:`~docforge.models.Document` objects of the same kind: the same
village on two dates (the law changed), or two village files on one date (the adopted text and a
committee's draft).

How the two texts are aligned
    By clause id, never by number. Each article, with its items, is one *unit*; a chapter heading,
    and in a document without articles (the agreements) each block, is a unit of its own. A unit
    present in both texts is ``changed`` when a paragraph's text differs or an item came or went,
    ``renumbered`` when only its numbers moved (第四条 became 第五条 because an article was added
    before it: shown as renumbered, not as changed), else ``unchanged`` (left out unless
    ``include_unchanged``). A unit of one text only is ``added`` or ``removed``. Rows follow the new
    text's order; a removed unit stands after the unit that preceded it in the old text. A changed
    title is a row of its own (id ``title``).

The marked words
    Each paragraph present in both texts is diffed character by character (Chinese has no spaces
    between words) with diff-match-patch and its semantic clean-up, which joins the scattered
    one-character matches of a character diff into readable whole-phrase changes. The old column
    carries the deletions, the new column the insertions; a paragraph only in one text is marked as
    a whole. The diff has no time limit, so the same texts always give the same marks.

The 修订依据
    For a changed or added unit, the ``basis`` of the new text's changed or added clauses (instrument,
    version, article, note), printed as 《instrument name》（version label）第N条 from the law registry
    (the instruments plugins supply), with the note. For a removed unit or item, the basis of the
    contribution that removed it (``Document.removed``, from an ``op='remove'`` clause). Where a clause
    gives no basis, its plugin's ``legal_basis`` text, if any, is shown instead (``sources``); where
    there is nothing, the row says so and the committee fills it in.

Faces: the CLI (``docforge compare``, ``docforge bundle --compare-from``) and the web workbench call
this module; :mod:`docforge.render.comparison` writes a :class:`Comparison` as DOCX. This module
imports neither.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from diff_match_patch import diff_match_patch
from pydantic import Field

from .errors import InputError, PluginError
from .i18n import _
from .models import NATIONAL, Basis, Block, Document, DocumentKind, Instrument, Model, Provenance, Village
from . import conventions as filters

Change = Literal["changed", "added", "removed", "renumbered", "unchanged"]
Mark = Literal["equal", "delete", "insert"]

#: What a row's change is called in the table's 修订依据 column.
CHANGE_LABELS: dict[str, str] = {"changed": "修改", "added": "新增", "removed": "删除",
                                 "renumbered": "条序调整", "unchanged": "未作修改"}


class Segment(Model):
    """A run of text of one paragraph: unchanged (``equal``), deleted or inserted."""

    text: str
    mark: Mark = "equal"


class Passage(Model):
    """One paragraph of a table cell: an article's first paragraph or one of its items, as that
    text prints it (``prefix`` is its number, e.g. 第五条　 or （二）), with the changed words marked."""

    id: str = Field(..., description="clause id")
    prefix: str = Field("", description="the number as printed before the text: 第五条　, （二）")
    status: Literal["unchanged", "changed", "added", "removed"]
    segments: list[Segment]

    @property
    def text(self) -> str:
        """The paragraph as it prints (number and text)."""
        return self.prefix + "".join(s.text for s in self.segments)


class BasisLine(Model):
    """A legal basis of a row, as the table prints it."""

    instrument: str = Field(..., description="registry instrument id")
    version: str | None = None
    article: str | None = None
    note: str | None = None
    citation: str = Field(..., description="《name》（version）第N条")

    @property
    def text(self) -> str:
        return f"{self.citation}：{self.note}" if self.note else self.citation


class Row(Model):
    """One row of the 修订对照表: a unit (an article with its items, or a heading) of either text."""

    id: str = Field(..., description="the unit's clause id ('title' for the document's title)")
    change: Change
    old_label: str | None = Field(None, description="its number in the old text (第四条), if it is there")
    new_label: str | None = Field(None, description="its number in the new text, if it is there")
    old: list[Passage] = Field(default_factory=list, description="原条文: the old text, deletions marked")
    new: list[Passage] = Field(default_factory=list, description="修订后条文: the new text, insertions marked")
    basis: list[BasisLine] = Field(default_factory=list, description="修订依据, from the clauses' basis")
    sources: list[str] = Field(default_factory=list,
                               description="the supplying plugins' legal_basis text, where a clause gives no basis")
    moved: bool = Field(False, description="a contribution moved the unit (op='move'), not only renumbered it")

    @property
    def description(self) -> str:
        """What happened to the unit, in words: 修改。 新增。 删除。 条序调整：原第四条，现为第五条；条文未作修改。"""
        moved = (self.old_label and self.new_label and self.old_label != self.new_label)
        if self.change == "renumbered" and self.moved:
            return f"位置调整：原{self.old_label}，移至{self.new_label}；条文未作修改。"
        if self.change == "renumbered":
            return f"条序调整：原{self.old_label}，现为{self.new_label}；条文未作修改。"
        if self.change == "changed" and moved:
            return f"修改；条序调整：原{self.old_label}，现为{self.new_label}。"
        return f"{CHANGE_LABELS[self.change]}。"

    @property
    def basis_lines(self) -> list[str]:
        """The 修订依据 cell, line by line: what changed, then each basis (or where it came from)."""
        lines = [self.description]
        lines += [b.text for b in self.basis]
        lines += [f"依据：{s}" for s in self.sources]
        if self.change in ("changed", "added", "removed") and not self.basis and not self.sources:
            lines.append("未载明修订依据。")
        return lines


class Comparison(Model):
    """The content of a 修订对照表: two texts of one document kind and their rows."""

    kind: DocumentKind
    old_title: str
    new_title: str
    old_as_of: dt.date
    new_as_of: dt.date
    old_village: str
    new_village: str
    old_source: str = Field(..., description="what the old text is, as the table's heading says it")
    new_source: str = Field(..., description="what the new text is")
    include_unchanged: bool = False
    rows: list[Row]

    @property
    def title(self) -> str:
        """《…自治章程》修订对照表"""
        return f"《{self.new_title}》修订对照表"

    def counts(self) -> dict[str, int]:
        """Rows per change, in a fixed order: changed, added, removed, renumbered (and unchanged)."""
        out = {c: 0 for c in CHANGE_LABELS}
        for r in self.rows:
            out[r.change] += 1
        return out

    def summary(self) -> str:
        """One sentence: 修改3处，新增1处，删除2处，条序调整4处。 (or 两个文本的条文相同。)"""
        counts = self.counts()
        parts = [f"{CHANGE_LABELS[c]}{counts[c]}处" for c in ("changed", "added", "removed", "renumbered")
                 if counts[c]]
        return ("，".join(parts) + "。") if parts else "两个文本的条文相同，无修订。"


# --------------------------------------------------------------------------- units


@dataclass
class _Unit:
    """An article with its items (or a heading): its blocks in reading order, the head first."""

    blocks: list[Block]

    @property
    def head(self) -> Block:
        return self.blocks[0]

    @property
    def id(self) -> str:
        return self.head.id


def _title_block(doc: Document) -> Block:
    return Block(id="title", type="title", label="", text=doc.title,
                 provenance=Provenance(plugin="docforge", jurisdiction=NATIONAL))


def _units(doc: Document) -> list[_Unit]:
    """The document's units in reading order: each article with the blocks under it; each block
    outside an article (chapter headings, an agreement's sections and items) on its own."""
    units: list[_Unit] = []
    article: _Unit | None = None
    for b in doc.blocks:
        if article is not None and b.depth > article.head.depth:
            article.blocks.append(b)
            continue
        article = None
        unit = _Unit([b])
        units.append(unit)
        if b.type == "article":
            article = unit
    return units


def _parents(doc: Document) -> dict[str, str | None]:
    """Each block's parent id (from the depths of the reading order)."""
    stack: list[Block] = []
    out: dict[str, str | None] = {}
    for b in doc.blocks:
        while stack and stack[-1].depth >= b.depth:
            stack.pop()
        out[b.id] = stack[-1].id if stack else None
        stack.append(b)
    return out


def _prefix(b: Block) -> str:
    shown = b.display
    return shown[: len(shown) - len(b.text)] if shown.endswith(b.text) else b.label


# --------------------------------------------------------------------------- diff


def _diff(old: str, new: str) -> list[tuple[int, str]]:
    """Character diff of two paragraphs, cleaned up into whole phrases; no time limit (the same
    texts always give the same diff)."""
    dmp = diff_match_patch()
    dmp.Diff_Timeout = 0
    diffs = dmp.diff_main(old, new, False)
    dmp.diff_cleanupSemantic(diffs)
    return diffs


def _segments(diffs: Iterable[tuple[int, str]], side: Literal["old", "new"]) -> list[Segment]:
    out: list[Segment] = []
    for op, text in diffs:
        if (side == "old" and op == 1) or (side == "new" and op == -1) or not text:
            continue
        mark: Mark = "equal" if op == 0 else ("delete" if op == -1 else "insert")
        if out and out[-1].mark == mark:
            out[-1] = Segment(text=out[-1].text + text, mark=mark)
        else:
            out.append(Segment(text=text, mark=mark))
    return out


def _passages(old: _Unit | None, new: _Unit | None) -> tuple[list[Passage], list[Passage], list[str], list[str]]:
    """The two cells of a row, and the ids of the paragraphs changed or added (new) and removed (old)."""
    old_blocks = {b.id: b for b in old.blocks} if old else {}
    new_blocks = {b.id: b for b in new.blocks} if new else {}
    old_cell = _cell(old.blocks if old else [], new_blocks, "old")
    new_cell = _cell(new.blocks if new else [], old_blocks, "new")
    removed = [p.id for p in old_cell if p.status == "removed"]
    changed = [p.id for p in new_cell if p.status in ("added", "changed")]
    return old_cell, new_cell, changed, removed


def _cell(blocks: list, others: dict, side: Literal["old", "new"]) -> list[Passage]:
    """One column of a row: each block of ``side`` ("old" or "new") against its namesake on the other
    side: alone there (removed / added, all of it marked), the same, or changed (the diff's marks)."""
    alone, mark = ("removed", "delete") if side == "old" else ("added", "insert")
    out = []
    for b in blocks:
        other = others.get(b.id)
        if other is None:
            out.append(Passage(id=b.id, prefix=_prefix(b), status=alone,
                               segments=[Segment(text=b.text, mark=mark)] if b.text else []))
        elif other.text == b.text:
            out.append(Passage(id=b.id, prefix=_prefix(b), status="unchanged",
                               segments=[Segment(text=b.text)] if b.text else []))
        else:
            pair = (b.text, other.text) if side == "old" else (other.text, b.text)
            out.append(Passage(id=b.id, prefix=_prefix(b), status="changed",
                               segments=_segments(_diff(*pair), side)))
    return out


# --------------------------------------------------------------------------- basis


class LawRegistry:
    """The instruments a basis may name, by id, to print it as 《name》（version）第N条."""

    def __init__(self, instruments: Mapping[str, Instrument], ambiguous: Mapping[str, list[str]] | None = None):
        self.instruments = dict(instruments)
        self.ambiguous = dict(ambiguous or {})

    @classmethod
    def installed(cls, village: Village | None = None, on: dt.date | None = None, pm=None) -> "LawRegistry":
        """The instruments of ``village``'s jurisdictions (the most specific wins), or, without a
        village, of every installed plugin (an id that two plugins supply differently is ambiguous)."""
        from .law import instruments_on

        found = instruments_on(on or dt.date.today(), village, pm, include_out_of_force=True)
        by_id: dict[str, Instrument] = {}
        who: dict[str, list[str]] = {}
        ambiguous: dict[str, list[str]] = {}
        for x in found:  # from the least to the most specific jurisdiction
            prev = by_id.get(x.instrument.id)
            who.setdefault(x.instrument.id, []).append(x.plugin)
            if prev is not None and village is None and prev.model_dump(exclude={"jurisdiction"}) != \
                    x.instrument.model_dump(exclude={"jurisdiction"}) and x.jurisdiction.level.rank > 0:
                ambiguous[x.instrument.id] = who[x.instrument.id]
            by_id[x.instrument.id] = x.instrument
        return cls(by_id, ambiguous)

    def line(self, basis: Basis, on: dt.date, where: str) -> BasisLine:
        """``basis`` printed from the registry; ``where`` names the clause and plugin for errors."""
        if basis.instrument in self.ambiguous:
            raise PluginError(_("{where} gives as its basis instrument '{instrument}', which several installed "
                                "plugins supply differently ({plugins}); compare the documents of one village "
                                "(give its village file)", where=where, instrument=basis.instrument,
                                plugins=", ".join(self.ambiguous[basis.instrument])))
        inst = self.instruments.get(basis.instrument)
        if inst is None:
            raise PluginError(_("{where} gives as its basis instrument '{instrument}', which no installed plugin "
                                "supplies for this village (docforge law --as-of DATE lists them); correct the "
                                "basis or install the plugin that supplies it", where=where,
                                instrument=basis.instrument))
        if basis.version is not None:
            version = next((v for v in inst.versions if v.label == basis.version), None)
            if version is None:
                labels = "、".join(v.label for v in inst.versions) or "none"
                raise PluginError(_("{where} gives as its basis version '{version}' of {instrument}, which the "
                                    "registry does not have (its versions: {labels})", where=where,
                                    version=basis.version, instrument=inst.name, labels=labels))
        else:
            version = inst.version_on(on) or max((v for v in inst.versions if v.effective_from <= on),
                                                 key=lambda v: v.effective_from, default=None)
        name = (version.name if version and version.name else inst.name)
        # the version label, unless the name already says it (《中华人民共和国民法典》, label 民法典)
        citation = f"《{name}》" + (f"（{version.label}）" if version and version.label not in name else "")
        if basis.article is not None:
            ref = version.articles.get(basis.article) if version else None
            if ref is None:
                label = "（" + version.label + "）" if version else ""
                raise PluginError(_("{where} gives as its basis article '{article}' of {instrument}{version}, "
                                    "which that version's article map does not have", where=where,
                                    article=basis.article, instrument=inst.name, version=label))
            citation += filters.ordinal(ref.number, "条")
        return BasisLine(instrument=basis.instrument, version=version.label if version else basis.version,
                         article=basis.article, note=basis.note, citation=citation)


CITED_NOTE = "所引法律条文按现行文本更新"


def cited_law_changes(old_text: str, new_text: str, new: Document, laws: LawRegistry) -> list[Basis]:
    """Why a clause with no basis of its own reads differently: the citations of ``new`` (its
    ``values``) that its new text holds and its old text does not, i.e. the law it cites changed
    (a new version, a new article number or name). Each becomes a basis with :data:`CITED_NOTE`."""
    out: list[Basis] = []
    for use in new.values:
        if use.kind != "citation":
            continue
        inst_id, _, article = use.key.partition("#")
        inst = laws.instruments.get(inst_id)
        version = inst.version_on(new.as_of) if inst else None
        suffix = f"（{version.label}）" if version else ""
        if not version or not use.value.endswith(suffix):
            continue
        cited = use.value[: len(use.value) - len(suffix)]
        if cited in new_text and cited not in old_text:
            out.append(Basis(instrument=inst_id, article=article or None, note=CITED_NOTE))
    return out


def _where(kind: DocumentKind, clause: str, prov: Provenance) -> str:
    return _("clause '{clause}' of {kind} (plugin \"{plugin}\")", clause=clause, kind=kind.value, plugin=prov.plugin)


# --------------------------------------------------------------------------- the comparison


def compare_documents(old: Document, new: Document, *, include_unchanged: bool = False,
                      laws: LawRegistry | Mapping[str, Instrument] | None = None, village: Village | None = None,
                      old_source: str | None = None, new_source: str | None = None, pm=None) -> Comparison:
    """The 修订对照表 of ``old`` → ``new`` (two resolved documents of the same kind).

    Rows are the changed, added, removed and renumbered units (and, with ``include_unchanged``, the
    unchanged ones too), aligned by clause id; see the module docstring. Bases are printed from
    ``laws`` (a :class:`LawRegistry` or instruments by id); without it, from the instruments of
    ``village``'s jurisdictions, or of every installed plugin (``pm``: the plugin manager to ask).
    ``old_source``/``new_source`` say what each text is (default: the text of its as-of date, e.g.
    2006年7月24日文本).

    Raises :class:`~docforge.errors.InputError` for documents of different kinds and
    :class:`~docforge.errors.PluginError` for a basis that names an instrument, version or article
    the registry does not have.
    """
    if old.kind != new.kind:
        raise InputError(_("cannot compare a {old} with a {new}: give two texts of one kind", old=old.kind.value,
                           new=new.kind.value))
    if laws is None:
        laws = LawRegistry.installed(village, new.as_of, pm)
    elif not isinstance(laws, LawRegistry):
        laws = LawRegistry(laws)

    old_units = [_Unit([_title_block(old)])] + _units(old)
    new_units = [_Unit([_title_block(new)])] + _units(new)
    old_by_id = {u.id: u for u in old_units}
    new_by_id = {u.id: u for u in new_units}
    removals = {r.id: r for r in new.removed}
    old_parents = _parents(old)

    def removal_of(clause_id: str):
        """The removal that took ``clause_id`` out (itself, or an ancestor removed with it)."""
        cid: str | None = clause_id
        while cid is not None:
            if cid in removals:
                return removals[cid]
            cid = old_parents.get(cid)
        return None

    rows: list[Row] = []
    for unit_id in _merged_order([u.id for u in old_units], [u.id for u in new_units]):
        o, n = old_by_id.get(unit_id), new_by_id.get(unit_id)
        old_cell, new_cell, changed, removed = _passages(o, n)
        if o is None:
            change: Change = "added"
        elif n is None:
            change = "removed"
        elif changed or removed or [p.id for p in old_cell] != [p.id for p in new_cell]:
            change = "changed"
        elif any(p.prefix != q.prefix for p, q in zip(old_cell, new_cell, strict=False)):
            change = "renumbered"
        else:
            change = "unchanged"
        if change == "unchanged" and not include_unchanged:
            continue
        basis: list[BasisLine] = []
        sources: list[str] = []

        def add(lines: Iterable[Basis], prov: Provenance, clause: str) -> None:  # called in this iteration only
            got = False
            for b in lines:
                got = True
                line = laws.line(b, new.as_of, _where(new.kind, clause, prov))
                if line not in basis:  # noqa: B023 (this iteration's list)
                    basis.append(line)  # noqa: B023
            if not got and prov.legal_basis:
                src = f"{prov.legal_basis}（{prov.jurisdiction.name}）"
                if src not in sources:  # noqa: B023 (this iteration's list)
                    sources.append(src)  # noqa: B023

        new_blocks = {b.id: b for b in n.blocks} if n else {}
        old_blocks = {b.id: b for b in o.blocks} if o else {}
        for cid in changed:
            block = new_blocks[cid]
            given = block.basis
            if not given and cid in old_blocks:
                given = cited_law_changes(old_blocks[cid].text, block.text, new, laws)
            add(given, block.provenance, cid)
        gone = [o.id] if o is not None and n is None else removed
        for cid in gone:
            r = removal_of(cid)
            if r is not None:
                add(r.basis, r.provenance, r.id)
        moved = n is not None and n.head.moved_by is not None and (o is None or o.head.moved_by != n.head.moved_by)
        rows.append(Row(id=unit_id, change=change, moved=moved,
                        old_label=(o.head.label or None) if o else None,
                        new_label=(n.head.label or None) if n else None,
                        old=old_cell, new=new_cell, basis=basis, sources=sources))

    return Comparison(kind=new.kind, old_title=old.title, new_title=new.title, old_as_of=old.as_of,
                      new_as_of=new.as_of, old_village=old.village, new_village=new.village,
                      old_source=old_source or f"{filters.cn_date(old.as_of)}文本",
                      new_source=new_source or f"{filters.cn_date(new.as_of)}文本",
                      include_unchanged=include_unchanged, rows=rows)


def _merged_order(old_ids: list[str], new_ids: list[str]) -> list[str]:
    """The new text's order, each id only in the old text placed after the id that preceded it
    there (after other removed ids already placed at that point)."""
    new_set = set(new_ids)
    after: dict[str | None, list[str]] = {}
    anchor: str | None = None
    for uid in old_ids:
        if uid in new_set:
            anchor = uid
        else:
            after.setdefault(anchor, []).append(uid)
    out = list(after.get(None, []))
    for uid in new_ids:
        out.append(uid)
        out.extend(after.get(uid, []))
    return out


def compare_villages(kind: DocumentKind | str, old_village: Village, old_as_of: dt.date, new_village: Village,
                     new_as_of: dt.date, *, household=None, include_unchanged: bool = False,
                     old_source: str | None = None, new_source: str | None = None,
                     pm=None) -> tuple[Comparison, Document, Document]:
    """Resolve ``kind`` for each village file on its date (an agreement for ``household``, or as a
    blank form) and compare them; bases are printed from the new village's law registry. Returns
    the comparison and the two documents (the new one carries its legal findings)."""
    from .resolve import Resolver

    kind = DocumentKind(kind)
    old_r = Resolver(old_village, old_as_of, pm)
    new_r = Resolver(new_village, new_as_of, pm)
    blank = household is None
    old = old_r.document(kind, household, blank=blank)
    new = new_r.document(kind, household, blank=blank)
    laws = LawRegistry({k: c.item for k, c in new_r.instruments().items()})
    return (compare_documents(old, new, include_unchanged=include_unchanged, laws=laws, old_source=old_source,
                              new_source=new_source), old, new)
