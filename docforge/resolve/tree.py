"""The clause tree: the clauses of one document after every add, replace and remove, numbered."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable


from ..errors import DocforgeError, InputError, PluginError
from ..i18n import _
from ..models import (Block, BlockType, Clause, DocumentKind, ItemStyle, Provenance, Removal,
                     document_name)
from .. import conventions as filters
from .common import VILLAGE_FILE, Contributed, did_you_mean


@dataclass
class _Node:
    clause: Clause
    provenance: Provenance
    children: list[str] = field(default_factory=list)
    moved_by: Provenance | None = None

    @property
    def type(self) -> BlockType:
        """The clause's type. Every clause in the tree has one: an added clause must give it
        (``Clause`` refuses one without), and a replacement keeps it or gives another."""
        t = self.clause.type
        assert t is not None, f"clause {self.clause.id} is in the tree without a type"
        return t


class ClauseTree:
    """The clauses of one document after every add, replace and remove."""

    ROOT = ""

    def __init__(self, kind: DocumentKind, withdrawn: dict[str, Clause] | None = None,
                 as_of: dt.date | None = None):
        self.kind = kind
        self.nodes: dict[str, _Node] = {}
        self.children: dict[str, list[str]] = {self.ROOT: []}
        self.removed: list[Removal] = []  # what op='remove' took out, with its basis (修订对照表)
        self.withdrawn = withdrawn or {}
        self.as_of = as_of

    def _fail(self, c: Contributed, msg: str) -> DocforgeError:
        if "does not have" in msg:  # a target that is not there: the nearest id it has
            asked = re.findall(r"'([a-z0-9_.\-]+)'", msg) + ([c.item.id] if c.item.op != "add" else [])
            msg += did_you_mean([x for x in asked if x not in self.nodes], self.nodes)
        if c.provenance.plugin == VILLAGE_FILE:
            return InputError(_("village file, clauses.{index} ('{clause}' of {document}): {problem}. Fix the item "
                                "in the village file's clauses: list.", index=c.order, clause=c.item.id,
                                document=document_name(self.kind), problem=msg))
        return PluginError(_('plugin "{plugin}" ({jurisdiction}), clause \'{clause}\' of {kind}: {problem}',
                             plugin=c.provenance.plugin, jurisdiction=c.provenance.jurisdiction, clause=c.item.id,
                             kind=document_name(self.kind), problem=msg))

    def _gone(self, cid: str | None) -> str:
        """Why the national text no longer has ``cid`` (for an error naming the plugin that uses it)."""
        w = self.withdrawn.get(cid or "")
        if w is None:
            return ""
        why = "；".join(b.note for b in w.basis if b.note)
        last = w.effective_to.isoformat() if w.effective_to else "?"
        return " " + _("(the national text withdrew '{id}' after {last}: {why}; update the plugin for the law "
                       "in force on {date})", id=cid, last=last, why=why,
                       date=self.as_of.isoformat() if self.as_of else "?")

    def _by(self, cid: str) -> str:
        who = self.nodes[cid].provenance.plugin
        return _("the village file") if who == VILLAGE_FILE else _('plugin "{plugin}"', plugin=who)

    def apply(self, c: Contributed) -> None:
        cl: Clause = c.item
        if cl.op == "add":
            if cl.id in self.nodes:
                raise self._fail(c, _("already exists (from {source}); use op='replace' to change it",
                                      source=self._by(cl.id)))
            anchor = cl.before or cl.after
            if anchor and anchor not in self.nodes:
                raise self._fail(c, (_("is placed before '{anchor}', which the document does not have", anchor=anchor)
                                     if cl.before else
                                     _("is placed after '{anchor}', which the document does not have", anchor=anchor))
                                 + self._gone(anchor))
            parent = cl.parent if cl.parent is not None else (self._parent_of(anchor) if anchor else self.ROOT)
            if parent and parent not in self.nodes:
                raise self._fail(c, _("has parent '{parent}', which the document does not have", parent=parent)
                                 + self._gone(parent))
            siblings = self.children.setdefault(parent or self.ROOT, [])
            if anchor:
                if anchor not in siblings:
                    raise self._fail(c, _("anchor '{anchor}' is not under parent '{parent}'", anchor=anchor, parent=parent))
                i = siblings.index(anchor) + (1 if cl.after else 0)
                siblings.insert(i, cl.id)
            else:
                siblings.append(cl.id)
            self.nodes[cl.id] = _Node(cl, c.provenance)
            self.children.setdefault(cl.id, [])
        elif cl.op == "replace":
            node = self.nodes.get(cl.id)
            if node is None:
                raise self._fail(c, _("is to be replaced, but the document does not have it") + self._gone(cl.id))
            update: dict[str, object] = {k: v for k, v in (("text", cl.text), ("type", cl.type)) if v is not None}
            if cl.tags:
                update["tags"] = cl.tags
            if cl.text is not None or cl.basis:
                update["basis"] = cl.basis  # a replaced text stands on its own basis, not the old one's
            if cl.reviewed:
                update["reviewed"] = cl.reviewed
            node.clause = node.clause.model_copy(update=update)
            node.provenance = c.provenance
        elif cl.op == "move":
            self._move(c)
        else:
            if cl.id not in self.nodes and cl.id in self.withdrawn:
                return  # the law withdrew it already: what the plugin asks for is done
            if cl.id not in self.nodes:
                raise self._fail(c, _("is to be removed, but the document does not have it") + self._gone(cl.id))
            if cl.keep_children:
                siblings = self.children[self._parent_of(cl.id)]
                i = siblings.index(cl.id)
                siblings[i:i] = self.children.get(cl.id, [])
                self.children[cl.id] = []
            self._remove(cl.id)
            self.removed.append(Removal(id=cl.id, basis=cl.basis, provenance=c.provenance))

    def _move(self, c: Contributed) -> None:
        cl: Clause = c.item
        node = self.nodes.get(cl.id)
        if node is None:
            raise self._fail(c, _("is to be moved, but the document does not have it") + self._gone(cl.id))
        anchor = cl.before or cl.after
        if anchor is not None:
            if anchor not in self.nodes:
                raise self._fail(c, _("is to be moved before '{anchor}', which the document does not have", anchor=anchor)
                                 if cl.before else
                                 _("is to be moved after '{anchor}', which the document does not have", anchor=anchor))
            if anchor == cl.id:
                raise self._fail(c, _("is to be moved next to itself"))
        parent = cl.parent if cl.parent is not None else (self._parent_of(anchor) if anchor else self.ROOT)
        if parent and parent not in self.nodes:
            raise self._fail(c, _("is to be moved under '{parent}', which the document does not have", parent=parent))
        up = parent
        while up:
            if up == cl.id:
                raise self._fail(c, _("cannot be moved under '{parent}', which is part of it", parent=parent))
            up = self._parent_of(up)
        if anchor and anchor not in self.children.get(parent or self.ROOT, []):
            raise self._fail(c, _("anchor '{anchor}' is not under parent '{parent}'", anchor=anchor, parent=parent))
        self.children[self._parent_of(cl.id)].remove(cl.id)
        siblings = self.children.setdefault(parent or self.ROOT, [])
        if anchor:
            siblings.insert(siblings.index(anchor) + (1 if cl.after else 0), cl.id)
        else:
            siblings.append(cl.id)
        node.moved_by = c.provenance

    def _parent_of(self, cid: str) -> str:
        return next(p for p, kids in self.children.items() if cid in kids)

    def _remove(self, cid: str) -> None:
        for kid in list(self.children.get(cid, [])):
            self._remove(kid)
        self.children[self._parent_of(cid)].remove(cid)
        self.children.pop(cid, None)
        self.nodes.pop(cid)

    def walk(self, parent: str = ROOT, depth: int = 0) -> Iterable[tuple[_Node, int, str]]:
        for cid in self.children.get(parent, []):
            yield self.nodes[cid], depth, parent
            yield from self.walk(cid, depth + 1)

    def numbered(self, layout: Callable[..., Any] | None = None) -> list[Block]:
        """Blocks in reading order with the numbers the engine gives them. ``layout(field, clause="")``
        gives a :class:`~docforge.models.Layout` field's value (``item_style``, ``article_separator``,
        ``chapter_separator``), or None for the national default."""
        layout = layout or (lambda field, clause="": None)
        counters: dict[tuple[str, str], int] = {}
        blocks: list[Block] = []
        for node, depth, parent in self.walk():
            cl = node.clause
            t = node.type
            scope = "" if t in ("chapter", "article") else parent  # chapters and articles count document-wide
            n = counters[(t, scope)] = counters.get((t, scope), 0) + 1
            parent_type = self.nodes[parent].type if parent else None
            style = None
            if t == "item":
                style = layout("item_style", parent) if parent else None
                if style is None and parent_type in ("article", "chapter"):
                    style = layout("item_style")
            separator = (layout(f"{t}_separator") if t in ("chapter", "article") else None) or "\u3000"
            blocks.append(Block(id=cl.id, type=t, label=_label(t, n, parent_type, style), text=cl.text or "",
                                depth=depth, tags=cl.tags, basis=cl.basis, reviewed=cl.reviewed,
                                provenance=node.provenance, moved_by=node.moved_by, separator=separator))
        return blocks


def _label(t: BlockType, n: int, parent_type: BlockType | None, item_style: ItemStyle | None = None) -> str:
    if t == "chapter":
        return filters.ordinal(n, "章")
    if t == "article":
        return filters.ordinal(n, "条")
    if t == "section":
        return filters.item_label(n, "comma")
    if t == "subsection":
        return filters.item_label(n, "paren")
    if t == "item":
        return filters.item_label(n, item_style or ("paren" if parent_type in ("article", "chapter") else "arabic"))
    return ""
