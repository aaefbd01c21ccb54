"""Resolution: the place chain and precedence.

For a village and an as-of date, ask every plugin for its contributions, keep those for the village's
jurisdictions that are in force, let the most specific jurisdiction win (never load order), and
assemble a numbered :class:`~docforge.models.Document` whose every value keeps its provenance.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import ConflictError, DocforgeError, InputError, MissingValueError, PluginError
from .i18n import N_, date_text, fields, language, lazy, lazy_date
from .i18n import gettext as _
from .models import (NATIONAL, Amount, Block, Clause, Document, DocumentKind, Finding, Household, Instrument,
                     Jurisdiction, Level, Party, Person, PolicyValue, Provenance, Removal, Selection,
                     TemplateOverride, ValueUse, Village, document_name)
from .plugins import PluginManager, get_plugin_manager
from .render import filters

T = TypeVar("T", bound=BaseModel)

#: The provenance name of what a village file supplies itself (its ``clauses:``).
VILLAGE_FILE = "village file"
#: The kinds of value that messages name (``_(what)``).
VALUE_KINDS = (N_("amount"), N_("policy"), N_("policy value"), N_("instrument"), N_("template"), N_("citation"))

PLACEHOLDER = re.compile(r"\{(amount|policy|cite|ref|place|doc):([^{}|]+?)(?:\|(\w+))?\}")


@dataclass
class Contributed:
    """One contribution and who made it."""

    item: Any
    provenance: Provenance
    order: int = 0

    @property
    def rank(self) -> int:
        return self.provenance.jurisdiction.level.rank


def _chain_text(places: list[Jurisdiction]) -> str:
    zh = language() == "zh"
    return " / ".join(f"{p.name}（{p.level.label if zh else p.level.value}）" for p in reversed(places))


class Resolver:
    """Resolves everything a village's documents need, as of one date."""

    def __init__(self, village: Village, as_of: dt.date, pm: PluginManager | None = None):
        self.village = village
        self.as_of = as_of
        self.pm = pm or get_plugin_manager()
        self.places = village.places()
        self.pm.require_healthy(self.places)
        self._cache: dict[str, Any] = {}

    # ------------------------------------------------------------------ collection

    def collect(self, hook_name: str, model: type[T], **kwargs: Any) -> list[Contributed]:
        """Call ``hook_name`` on each plugin separately, validate what it returns, attach provenance
        and keep what applies to this village on ``as_of``."""
        kwargs = {"places": self.places, "as_of": self.as_of, **kwargs}
        hook = getattr(self.pm.hook, hook_name)
        out: list[Contributed] = []
        for impl in hook.get_hookimpls():
            info = self.pm.info_of(impl.plugin_name)
            try:
                result = self.pm.call_one(hook_name, impl, kwargs)
            except Exception as e:  # noqa: BLE001 - name the plugin that failed
                raise PluginError(_('plugin "{plugin}" failed in {hook}: {error}', plugin=info.name, hook=hook_name,
                                    error=type(e).__name__ + ": " + str(e))) from e
            if result is None:
                continue
            items = result if isinstance(result, (list, tuple)) else [result]
            for n, raw in enumerate(items):
                item = self._validate(raw, model, info.name, hook_name, n)
                if "jurisdiction" in type(item).model_fields:
                    jur = item.jurisdiction or self._default_jurisdiction(info, hook_name)
                else:  # e.g. a Finding: it applies where its plugin speaks
                    jur = next((j for j in info.jurisdictions if any(j.matches(p) for p in self.places)),
                               None if info.jurisdictions else self.places[0])
                    if jur is None:
                        continue
                if not any(jur.matches(p) for p in self.places):
                    continue
                if hasattr(item, "in_force") and isinstance(item, (Amount, PolicyValue, Clause, TemplateOverride)) \
                        and not item.in_force(self.as_of):
                    continue
                prov = Provenance(plugin=info.name, version=info.version, jurisdiction=jur,
                                  legal_basis=getattr(item, "legal_basis", None))
                out.append(Contributed(item, prov, n))
        return out

    @staticmethod
    def _validate(raw: Any, model: type[T], plugin: str, hook: str, n: int) -> T:
        if isinstance(raw, model):
            return raw
        try:
            return model.model_validate(raw)
        except ValidationError as e:
            raise PluginError(_('plugin "{plugin}" returned an invalid {model} from {hook} (item {item}): {error}',
                                plugin=plugin, model=model.__name__, hook=hook, item=n + 1, error=e)) from e

    @staticmethod
    def _default_jurisdiction(info, hook_name: str) -> Jurisdiction:
        if len(info.jurisdictions) == 1:
            return info.jurisdictions[0]
        raise PluginError(_('plugin "{plugin}" returned a contribution from {hook} without a jurisdiction, and it '
                            "declares {n} jurisdictions; set jurisdiction= on each contribution",
                            plugin=info.name, hook=hook_name, n=len(info.jurisdictions)))

    def winners(self, contributed: list[Contributed], key: Callable[[Any], str],
                value: Callable[[Any], Any], what: str) -> dict[str, Contributed]:
        """Per key, the contribution of the most specific jurisdiction.

        Two contributions for one jurisdiction of the chain with different values are a conflict
        naming both plugins, even where a more specific jurisdiction overrides them (as for
        clauses, :func:`_check_layer_conflicts`). Contributions are taken in plugin-name order, not
        pluggy's call order (last registered first), so neither the winner's provenance nor whether
        a conflict is found depends on the order plugins were installed or registered."""
        best: dict[str, Contributed] = {}
        first: dict[tuple[str, int], Contributed] = {}  # per key and level: one place of the chain each
        for c in sorted(contributed, key=lambda c: c.provenance.plugin):
            k = key(c.item)
            prev = first.setdefault((k, c.rank), c)
            if prev is not c and value(c.item) != value(prev.item):
                a, b = prev.provenance, c.provenance
                raise ConflictError(_(
                    "{what} '{key}' for {jurisdiction}: plugin \"{plugin}\" says {value}, plugin \"{other}\" says "
                    "{other_value}. Uninstall one of them, or make them agree.", what=_(what), key=k,
                    jurisdiction=a.jurisdiction, plugin=a.plugin, value=value(prev.item), other=b.plugin,
                    other_value=value(c.item)))
            cur = best.get(k)
            if cur is None or c.rank > cur.rank:
                best[k] = c
        return best

    # ------------------------------------------------------------------ values

    def amounts(self) -> dict[str, Contributed]:
        if "amounts" not in self._cache:
            got = self.collect("docforge_amounts", Amount)
            self._cache["amounts"] = self.winners(got, lambda a: a.key, lambda a: a.amount, "amount")
        return self._cache["amounts"]

    def policies(self) -> dict[str, Contributed]:
        if "policies" not in self._cache:
            got = self.collect("docforge_policies", PolicyValue)
            self._cache["policies"] = self.winners(got, lambda p: p.key, lambda p: p.value, "policy")
        return self._cache["policies"]

    def instruments(self) -> dict[str, Contributed]:
        if "instruments" not in self._cache:
            got = self.collect("docforge_instruments", Instrument)
            self._cache["instruments"] = self.winners(
                got, lambda i: i.id, lambda i: i.model_dump(exclude={"jurisdiction"}), "instrument")
        return self._cache["instruments"]

    def policy(self, key: str, needed_by: str = "") -> Any:
        c = self.policies().get(key)
        if c is None:
            raise self._missing("policy value", key, needed_by)
        return c.item.value

    def _missing(self, what: str, key: str, needed_by: str) -> MissingValueError:
        return MissingValueError(_(
            "{needed_by} needs the {what} '{key}', which no plugin supplies for {places} as of {date}. Install the "
            "plugin of the village's province or county (docforge plugins lists those installed), or supply it "
            "with a {hook} hook.", needed_by=needed_by or _("a document"), what=_(what), key=key,
            places=_chain_text(self.places), date=date_text(self.as_of),
            hook="docforge_" + ("amounts" if what == "amount" else "policies" if what == "policy value"
                                else "instruments")))

    def template(self, kind: DocumentKind) -> tuple[Path, Provenance] | None:
        got = [c for c in self.collect("docforge_templates", TemplateOverride) if c.item.document == kind]
        best = self.winners(got, lambda t: t.document.value, lambda t: t.path, "template")
        c = best.get(kind.value)
        if c is None:
            return None
        path = Path(c.item.path)
        if not path.is_absolute():
            module = self.pm.get_plugin(c.provenance.plugin)
            base = Path(getattr(module, "__file__", ".")).parent
            path = base / path
        if not path.exists():
            raise PluginError(_('plugin "{plugin}" names template {path} for {kind}, which does not exist',
                                plugin=c.provenance.plugin, path=path, kind=document_name(kind)))
        return path, c.provenance

    # ------------------------------------------------------------------ selection

    def selection(self, household: Household) -> tuple[Selection, Provenance]:
        policies = {k: c.item.value for k, c in self.policies().items()}
        got = self.collect("docforge_select_agreements", Selection, household=household, village=self.village,
                           policies=policies)
        if not got:
            raise MissingValueError(_("no plugin selects agreements for this village's jurisdictions"))
        best = max(sorted(got, key=lambda c: c.provenance.plugin), key=lambda c: c.rank)  # not call order
        rivals = [c for c in got if c.rank == best.rank and c.item.agreements != best.item.agreements]
        if rivals:
            raise ConflictError(_('agreement selection for household {household}: plugins "{plugin}" and "{other}" '
                                  "disagree for {jurisdiction}", household=household.id, plugin=best.provenance.plugin,
                                  other=rivals[0].provenance.plugin, jurisdiction=best.provenance.jurisdiction))
        return best.item, best.provenance

    # ------------------------------------------------------------------ documents

    def _national(self, name: str) -> Callable | None:
        """A function of the national layer's module (withdrawn clauses and documents), if it is loaded."""
        return getattr(self.pm.get_plugin("national"), name, None)

    def withdrawn_clauses(self, kind: DocumentKind) -> dict[str, Clause]:
        """The national clauses of ``kind`` the law has withdrawn by the as-of date, with why (basis)."""
        fn = self._national("withdrawn_clauses")
        return {c.id: c for c in fn(kind, self.as_of)} if fn else {}

    def _removed(self, tree: "ClauseTree") -> list[Removal]:
        """What contributions removed, then what the law withdrew from the national text (each with
        its basis): the 修订对照表's 修订依据 of a deleted article or item."""
        out = list(tree.removed)
        seen = {r.id for r in out}
        info = self.pm.infos.get("national")
        for cid, w in tree.withdrawn.items():
            if cid not in tree.nodes and cid not in seen:
                out.append(Removal(id=cid, basis=w.basis, provenance=Provenance(
                    plugin="national", version=info.version if info else None, jurisdiction=NATIONAL)))
        return out

    def clause_tree(self, kind: DocumentKind) -> "ClauseTree":
        got = [c for c in self.collect("docforge_clauses", Clause, document=kind) if c.item.document == kind]
        tree = ClauseTree(kind, self.withdrawn_clauses(kind), self.as_of)
        for rank in sorted({c.rank for c in got}):
            layer = sorted((c for c in got if c.rank == rank), key=lambda c: (c.provenance.plugin, c.order))
            _check_layer_conflicts(layer)
            for c in layer:
                tree.apply(c)
        for c in self.village_clauses(kind):  # the village's own layer, after every plugin's
            tree.apply(c)
        return tree

    def village_clauses(self, kind: DocumentKind) -> list[Contributed]:
        """The village file's own ``clauses:`` for ``kind`` in force on ``as_of``, in file order, each
        with provenance "village file" at the village's jurisdiction (``order``: its index in the file)."""
        village = self.places[-1]
        return [Contributed(cl, Provenance(plugin=VILLAGE_FILE, jurisdiction=village, legal_basis=cl.legal_basis), n)
                for n, cl in enumerate(self.village.clauses)
                if cl.document == kind and cl.in_force(self.as_of)]

    def document(self, kind: DocumentKind | str, household: Household | None = None,
                 blank: bool = False) -> Document:
        """The resolved, numbered document. An agreement needs ``household``, or ``blank=True`` for a
        form whose parties and term are left blank to fill in by hand. Legal findings are attached."""
        kind = DocumentKind(kind)
        if kind.is_agreement and household is None and not blank:
            raise InputError(_("the {kind} agreement is signed by a household: give --household FILE "
                               "(or --blank for a form with the parties left blank)", kind=document_name(kind)))
        tree = self.clause_tree(kind)
        blocks = tree.numbered()
        if not blocks:
            gone = self._national("document_withdrawn")
            why = gone(kind, self.as_of) if gone else None
            if why:
                raise InputError(_("the {kind} agreement is not offered on {date}: {reason} A province plugin "
                                   "may supply a lawful agreement of its own (docs/law.md).",
                                   kind=kind.value, date=self.as_of.isoformat(), reason=why["reason"]))
        if not blocks or blocks[0].type != "title":
            raise PluginError(_("{kind}: no plugin supplies the document's title clause", kind=document_name(kind)))
        ctx = _Substitution(self, kind, {b.id: b for b in blocks},
                            {"term": self._term(household)})
        for b in blocks:
            b.text = ctx.substitute(b.text, b.id)
        title = blocks[0].text
        if not kind.is_agreement:
            title = f"{self.village.village.name}{title}"
        doc = Document(kind=kind, title=title, as_of=self.as_of, village=self.village.village.name,
                       household=household.id if household else None, blocks=blocks[1:],
                       values=ctx.uses, findings=ctx.findings, removed=self._removed(tree))
        if kind.is_agreement:
            doc.parties = self._parties(kind, household)
            doc.signature = ["甲方法定代表人签章：", "乙方签章：",
                             f"签订地点：{self.village.signing_location}", f"签订时间：{filters.blank_date()}"]
            doc.copies = list(self.policy(f"copies.{kind.value.replace('-', '_')}", f"the {kind.value} agreement"))
        tpl = self.template(kind)
        if tpl:
            doc.template = str(tpl[0])
        doc.findings.extend(self.legal_findings(doc))
        doc.notices = self.notices(doc, household)
        return doc

    def notices(self, doc: Document, household: Household | None) -> list[Finding]:
        """What is not a legal finding but must not pass silently: inputs that contradict the signing
        date (each naming its field), and an adopted charter or convention whose text has changed since
        its adoption (a new draft, to be adopted again and filed: see docs/law.md)."""
        from .law import date_notices, new_draft_notice

        out = date_notices(self.village, household, doc.kind, self.as_of)
        if not doc.kind.is_agreement:
            n = new_draft_notice(self, doc)
            if n:
                out.append(n)
        return out

    def _parties(self, kind: DocumentKind, h: Household | None) -> list[Party]:
        v = self.village
        if h is None:
            h = _BLANK_HOUSEHOLD
        party_a = v.committee_name
        if kind == DocumentKind.inflow:
            who = self.policy("inflow.party_a", "the inflow agreement")
            party_a = f"{v.township.name}人民政府" if who == "乡镇人民政府" else v.committee_name
        if kind in (DocumentKind.contraception, DocumentKind.birth_spacing):
            b = [f"乙方：{v.committee_name}{h.group}、{h.husband.name}与{h.wife.name}夫妻"]
        else:
            def person(sex: str, p) -> str:
                return (f"{sex}：{p.name}　户籍地址：{p.registered_address or ''}"
                        f"　现居住地址：{p.current_address or ''}")
            phone = "、".join(x for x in dict.fromkeys([h.husband.phone, h.wife.phone]) if x)
            b = ["乙方：", person("男", h.husband), person("女", h.wife), f"联系电话：{phone}"]
        return [Party(role="甲方", lines=[f"甲方：{party_a}"]), Party(role="乙方", lines=b)]

    @staticmethod
    def _term(h: Household | None) -> str:
        if h and h.certificate_valid_from and h.certificate_valid_to:
            return f"{filters.cn_date(h.certificate_valid_from)}至{filters.cn_date(h.certificate_valid_to)}。"
        return f"{filters.blank_date()}至{filters.blank_date()}。"

    def legal_findings(self, doc: Document) -> list[Finding]:
        found: list[Finding] = []
        for c in self.collect("docforge_legal_checks", Finding, document=doc, village=self.village):
            found.append(c.item)
        return found


_BLANK = "\u3000" * 6
_BLANK_HOUSEHOLD = Household.model_construct(
    id="", group=_BLANK + "村民小组", husband=Person.model_construct(name=_BLANK, phone=None,
    registered_address=_BLANK * 2, current_address=_BLANK * 2),
    wife=Person.model_construct(name=_BLANK, phone=None, registered_address=_BLANK * 2,
                                current_address=_BLANK * 2),
    certificate_valid_from=None, certificate_valid_to=None)


def _check_layer_conflicts(layer: list[Contributed]) -> None:
    seen: dict[str, Contributed] = {}
    for c in layer:
        prev = seen.get(c.item.id)
        if prev and prev.provenance.plugin != c.provenance.plugin and \
                prev.item.model_dump(exclude={"jurisdiction"}) != c.item.model_dump(exclude={"jurisdiction"}):
            raise ConflictError(_(
                "clause '{clause}' of {kind} for {jurisdiction}: plugins \"{plugin}\" and \"{other}\" both change "
                "it differently. Uninstall one of them, or make them agree.", clause=c.item.id,
                kind=document_name(c.item.document), jurisdiction=c.provenance.jurisdiction, plugin=prev.provenance.plugin,
                other=c.provenance.plugin))
        seen[c.item.id] = c


@dataclass
class _Node:
    clause: Clause
    provenance: Provenance
    children: list[str] = field(default_factory=list)
    moved_by: Provenance | None = None


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
        if c.provenance.plugin == VILLAGE_FILE:
            return InputError(_("village file, clauses.{n} ('{clause}' of {kind}): {problem}. Fix the item in the "
                                "village file's clauses: list.", n=c.order, clause=c.item.id, kind=document_name(self.kind),
                                problem=msg))
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
            update = {k: v for k, v in (("text", cl.text), ("type", cl.type)) if v is not None}
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
                raise self._fail(c, _("is to be moved before '{anchor}', which the document does not have",
                                      anchor=anchor) if cl.before else
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

    def numbered(self) -> list[Block]:
        """Blocks in reading order with the numbers the engine gives them."""
        counters: dict[tuple[str, str], int] = {}
        blocks: list[Block] = []
        for node, depth, parent in self.walk():
            cl = node.clause
            t = cl.type
            scope = "" if t in ("chapter", "article") else parent  # chapters and articles count document-wide
            n = counters[(t, scope)] = counters.get((t, scope), 0) + 1
            parent_type = self.nodes[parent].clause.type if parent else None
            blocks.append(Block(id=cl.id, type=t, label=_label(t, n, parent_type), text=cl.text or "",
                                depth=depth, tags=cl.tags, basis=cl.basis, reviewed=cl.reviewed,
                                provenance=node.provenance, moved_by=node.moved_by))
        return blocks


def _label(t: str, n: int, parent_type: str | None) -> str:
    if t == "chapter":
        return filters.ordinal(n, "章")
    if t == "article":
        return filters.ordinal(n, "条")
    if t == "section":
        return filters.item_label(n, "comma")
    if t == "subsection":
        return filters.item_label(n, "paren")
    if t == "item":
        return filters.item_label(n, "paren" if parent_type in ("article", "chapter") else "arabic")
    return ""


class _Substitution:
    """Replaces the placeholders of clause text and records each value used."""

    def __init__(self, r: Resolver, kind: DocumentKind, blocks: dict[str, Block], doc_values: dict[str, str | None]):
        self.r, self.kind, self.blocks, self.doc_values = r, kind, blocks, doc_values
        self.uses: list[ValueUse] = []
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, str]] = set()

    def _use(self, kind: str, key: str, value: str, prov: Provenance) -> None:
        if (kind, key) not in self._seen:
            self._seen.add((kind, key))
            self.uses.append(ValueUse(kind=kind, key=key, value=value, provenance=prov))

    def substitute(self, text: str, clause_id: str) -> str:
        return PLACEHOLDER.sub(lambda m: self._one(m.group(1), m.group(2).strip(), m.group(3), clause_id), text)

    def _one(self, ns: str, key: str, fmt: str | None, clause_id: str) -> str:
        needed_by = _("clause '{clause}' of {kind}", clause=clause_id, kind=document_name(self.kind))
        if ns == "amount":
            c = self.r.amounts().get(key)
            if c is None:
                raise self.r._missing("amount", key, needed_by)
            out = filters.money(c.item.amount)
            self._use("amount", key, out, c.provenance)
            return out
        if ns == "policy":
            c = self.r.policies().get(key)
            if c is None:
                raise self.r._missing("policy value", key, needed_by)
            out = _format_policy(c.item.value, fmt, key, needed_by)
            self._use("policy", key, str(c.item.value), c.provenance)
            return out
        if ns == "cite":
            return self._cite(key, fmt, clause_id, needed_by)
        if ns == "ref":
            target = self.blocks.get(key)
            if target is None:
                raise PluginError(_("{needed_by} refers to clause '{key}', which the document does not have "
                                    "(removed by a plugin?)", needed_by=needed_by, key=key))
            return target.label.rstrip("、")
        if ns == "place":
            try:
                place = getattr(self.r.village, Level(key).value)
            except (ValueError, AttributeError):
                raise PluginError(_("{needed_by}: unknown place level '{key}'", needed_by=needed_by, key=key)) from None
            if place is None:
                raise InputError(_("{needed_by} names the village's {key}, which the village file does not give",
                                   needed_by=needed_by, key=key))
            return place.name
        if ns == "doc":
            value = self.doc_values.get(key)
            if value is None:
                raise InputError(_("{needed_by} needs the household's {key}: give --household FILE",
                                   needed_by=needed_by, key=key))
            return value
        raise AssertionError(ns)

    def _cite(self, key: str, fmt: str | None, clause_id: str, needed_by: str) -> str:
        inst_id, _, article = key.partition("#")
        c = self.r.instruments().get(inst_id)
        if c is None:
            raise self.r._missing("instrument", inst_id, needed_by)
        inst: Instrument = c.item
        version = inst.version_on(self.r.as_of)
        name = inst.name
        if version is None:
            earlier = [v for v in inst.versions if v.effective_from <= self.r.as_of]
            version = max(earlier, key=lambda v: v.effective_from) if earlier else None
            reason = (lazy("cites {law}, which is no longer in force on {date}", law=inst.name,
                           date=lazy_date(self.r.as_of)) if earlier else
                      lazy("cites {law}, which is not yet in force on {date}", law=inst.name,
                           date=lazy_date(self.r.as_of)))
            self.findings.append(Finding(
                check="citation.not_in_force", document=self.kind.value, clause=clause_id,
                plugin=c.provenance.plugin, law=inst.name, version=version.label if version else None,
                **fields("reason", reason)))
        if version and version.name:
            name = version.name
        if fmt == "short":
            if version and version.name:
                name = version.short_name or version.name
            elif inst.short_name:
                name = inst.short_name
        out = f"《{name}》"
        if article:
            ref = version.articles.get(article) if version else None
            if ref is None:
                self.findings.append(Finding(
                    check="citation.article_missing", document=self.kind.value, clause=clause_id,
                    plugin=c.provenance.plugin, law=inst.name, version=version.label if version else None,
                    article=article,
                    **fields("reason", lazy("cites article '{article}' of {law}, which the version in force does not have",
                                    article=article, law=inst.name))))
            else:
                out += filters.ordinal(ref.number, "条")
        self._use("citation", key, out + (f"（{version.label}）" if version else ""), c.provenance)
        return out


def _format_policy(value: Any, fmt: str | None, key: str, needed_by: str) -> str:
    if fmt is None:
        return "、".join(value) if isinstance(value, list) else str(value)
    if fmt == "cn" and isinstance(value, int):
        return filters.cn_number(value)
    if fmt == "count_cn" and isinstance(value, list):
        return filters.cn_number(len(value))
    if fmt == "holders" and isinstance(value, list):
        return filters.holders_phrase(value)
    raise PluginError(_("{needed_by}: format '|{format}' does not apply to policy '{key}' = {value}",
                        needed_by=needed_by, format=fmt, key=key, value=repr(value)))
