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
from .i18n import N_, _, both, date_text, fields, language, lazy, lazy_date
from .models import (LAYOUT_FIELDS, NATIONAL, Amount, Block, Clause, Document, DocumentKind, Finding, Household,
                     Instrument, Jurisdiction, Layout, Level, Party, Person, PolicyValue, Provenance, Removal,
                     Selection, TemplateOverride, ValueUse, Village, document_name)
from .plugins import PluginManager, get_plugin_manager
from . import conventions as filters

T = TypeVar("T", bound=BaseModel)

#: The provenance name of what a village file supplies itself (its ``clauses:``).
VILLAGE_FILE = "village file"
#: The kinds of value that messages name (``_(what)``).
VALUE_KINDS = (N_("amount"), N_("policy"), N_("policy value"), N_("instrument"), N_("template"), N_("citation"))

PLACEHOLDER = re.compile(r"\{(amount|policy|cite|ref|place|doc):([^{}|]+?)(?:\|(\w+))?\}")


@dataclass(frozen=True)
class MissingValue:
    """A value a document needs that no plugin supplies: ``what`` (amount, policy value, instrument),
    its ``key`` and the clause that needs it."""

    what: str
    key: str
    needed_by: str

    def as_dict(self) -> dict:
        return {"what": self.what, "key": self.key, "needed_by": self.needed_by}


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
        self._lacking: list[MissingValue] | None = None

    # ------------------------------------------------------------------ collection

    def collect(self, hook_name: str, model: type[T], **kwargs: Any) -> list[Contributed]:
        """Call ``hook_name`` on each plugin that serves this village (one of its declared
        jurisdictions is in the place chain; the others are never called, so a failure stops only a
        plugin's own villages), validate what it returns, attach provenance and keep what applies to
        this village on ``as_of``."""
        kwargs = {"places": self.places, "as_of": self.as_of, **kwargs}
        hook = getattr(self.pm.hook, hook_name)
        out: list[Contributed] = []
        for impl in hook.get_hookimpls():
            info = self.pm.info_of(impl.plugin_name)
            if not self.pm.serves(info.name, self.places):
                continue
            try:
                result = self.pm.call_one(hook_name, impl, kwargs)
            except DocforgeError:
                raise
            except Exception as e:  # noqa: BLE001 - name the plugin that failed
                raise PluginError(_('plugin "{plugin}" failed in {hook}: {error}', plugin=info.name, hook=hook_name,
                                    error=type(e).__name__ + ": " + str(e))) from e
            if result is None:
                continue
            for n, raw in enumerate(_returned_items(result, model, info.name, hook_name)):
                item = self._validate(raw, model, info.name, hook_name, n)
                if "jurisdiction" in type(item).model_fields:
                    jur = _declared(item.jurisdiction, info, hook_name, item, n) if item.jurisdiction \
                        else self._default_jurisdiction(info, hook_name)
                else:  # e.g. a Finding: it applies where its plugin speaks
                    jur = next(j for j in info.jurisdictions if any(j.matches(p) for p in self.places))
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
            raise PluginError(_('plugin "{plugin}" returned an invalid {model} from {hook} ({item}): {errors}',
                                plugin=plugin, model=model.__name__, hook=hook, item=_item_name(raw, n),
                                errors=_pydantic_errors(e))) from e

    @staticmethod
    def _default_jurisdiction(info, hook_name: str) -> Jurisdiction:
        if len(info.jurisdictions) == 1:
            return info.jurisdictions[0]
        raise PluginError(_('plugin "{plugin}" returned a contribution from {hook} without a jurisdiction, and it '
                            "declares {n} jurisdictions ({places}); set jurisdiction= on each contribution",
                            plugin=info.name, hook=hook_name, n=len(info.jurisdictions),
                            places="、".join(str(j) for j in info.jurisdictions)))

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
                raise _conflict(f"{what} '{k}'", prev, c, value(prev.item), value(c.item))
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

    def instrument_named(self, name: str) -> Contributed | None:
        """The instrument of the registry that is (or was) called ``name`` (full or short, any version)."""
        for c in self.instruments().values():
            inst: Instrument = c.item
            names = {inst.name, inst.short_name} | {n for v in inst.versions for n in (v.name, v.short_name)}
            if name in names:
                return c
        return None

    def document_title(self, kind: DocumentKind, full: bool = False) -> tuple[str, Provenance]:
        """The title of the village's ``kind`` (its title clause's text; ``full``: the title line as
        printed, with the layout's title format) and who supplied the title clause."""
        key = f"title:{kind.value}:{full}"
        if key not in self._cache:
            self._cache[key] = self._document_title(kind, full)
        return self._cache[key]

    def _document_title(self, kind: DocumentKind, full: bool) -> tuple[str, Provenance]:
        tree = self.clause_tree(kind)
        node = next((tree.nodes[cid] for cid in tree.children[tree.ROOT] if tree.nodes[cid].clause.type == "title"),
                    None)
        if node is None:
            raise PluginError(_("{kind}: no plugin supplies the document's title clause", kind=document_name(kind)))
        ctx = _Substitution(self, kind, {}, {})
        text = ctx.substitute(node.clause.text or "", node.clause.id)
        if full:
            layout = self.layout(kind)
            fmt = _layout_value(layout, "title") or ("{title}" if kind.is_agreement else "{place:village}{title}")
            text = ctx.substitute(fmt, "layout title").replace("{title}", text)
        return text, node.provenance

    def policy(self, key: str, needed_by: str = "") -> Any:
        c = self.policies().get(key)
        if c is None:
            return self._lack("policy value", key, needed_by, [])
        return c.item.value

    def _lack(self, what: str, key: str, needed_by: str, stand_in: Any) -> Any:
        """A value no plugin supplies: an error, or while :meth:`missing_values` collects them, a note
        and ``stand_in`` so that resolution goes on to find the others."""
        if self._lacking is None:
            raise self._missing(what, key, needed_by)
        self._lacking.append(MissingValue(what=what, key=key, needed_by=needed_by))
        return stand_in

    def missing_values(self, kind: DocumentKind | str) -> list["MissingValue"]:
        """Every amount, policy value and instrument that ``kind`` (an agreement as a blank form)
        needs and no plugin supplies for this village: empty when it can be resolved."""
        self._lacking = []
        try:
            self.document(kind, blank=True)
            return list(dict.fromkeys(self._lacking))
        finally:
            self._lacking = None

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

    def layout(self, kind: DocumentKind) -> dict[str, Contributed]:
        """Per layout field (key ``FIELD`` for the document, ``FIELD@CLAUSE`` for one clause), the value
        that wins: the most specific plugin's, then the village file's own ``layout:`` (later entries
        win). Each :class:`Contributed` holds a :class:`LayoutValue`."""
        key = f"layout:{kind.value}"
        if key in self._cache:
            return self._cache[key]
        got = [c for c in self.collect("docforge_layout", Layout, document=kind)
               if c.item.document == kind and c.item.in_force(self.as_of)]
        best = self.winners(_layout_values(got), lambda v: v.key, lambda v: v.value, f"layout of {kind.value}")
        village = self.places[-1]
        own = [Contributed(lay, Provenance(plugin=VILLAGE_FILE, jurisdiction=village, legal_basis=lay.legal_basis), n)
               for n, lay in enumerate(self.village.layout) if lay.document == kind and lay.in_force(self.as_of)]
        for c in _layout_values(own):
            best[c.item.key] = c
        self._cache[key] = best
        return best

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
        date_warnings: list[str] = []
        if household is not None:
            problems, date_warnings = household.date_problems(self.as_of)
            if problems:
                raise InputError(_("household {household}: {problems}", household=household.id,
                                   problems=_("; ").join(str(p) for p in problems)))
        tree = self.clause_tree(kind)
        layout = self.layout(kind)
        for c in layout.values():
            if c.item.clause and c.item.clause not in tree.nodes:
                raise _layout_error(c, kind, _("names clause '{clause}', which the document does not have",
                                               clause=c.item.clause))
        blocks = tree.numbered(lambda field, clause="": _layout_value(layout, field, clause))
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
                            {"term": self._term(kind, household)})
        for b in blocks:
            b.text = ctx.substitute(b.text, b.id)
        title_format = _layout_value(layout, "title") or ("{title}" if kind.is_agreement else "{place:village}{title}")
        if "title" in layout:
            _unknown_placeholders(ctx.substitute(title_format, "layout title").replace("{title}", ""),
                                  layout["title"], kind, "title", "{title}, {place:LEVEL}")
        title = ctx.substitute(title_format, "layout title").replace("{title}", blocks[0].text)
        adoption_line = None
        line_format = _layout_value(layout, "adoption_line")
        if line_format and not kind.is_agreement:
            adoption_line = ctx.substitute(self._adoption_facts(kind, line_format, layout["adoption_line"]),
                                           "layout adoption_line")
            _unknown_placeholders(adoption_line, layout["adoption_line"], kind, "adoption_line",
                                  "{adopted_on}, {adopted_on|cn}, {adopted_by}, {place:LEVEL}")
        doc = Document(kind=kind, title=title, adoption_line=adoption_line, as_of=self.as_of,
                       village=self.village.village.name,
                       household=household.id if household else None, blocks=blocks[1:],
                       values=ctx.uses, findings=ctx.findings + [
                           Finding(check="household_dates", document=kind.value, reason=w) for w in date_warnings],
                       removed=self._removed(tree))
        if kind.is_agreement:
            doc.parties, doc.signature, doc.signature_places = self._form(kind, household)
            doc.copies = list(self.policy(f"copies.{kind.value.replace('-', '_')}", f"the {kind.value} agreement"))
        tpl = self.template(kind)
        if tpl:
            doc.template = str(tpl[0])
        doc.findings.extend(self._adoption_body_findings(kind))
        doc.findings.extend(self.legal_findings(doc))
        doc.notices = self.notices(doc, household)
        return doc

    def _adoption_facts(self, kind: DocumentKind, line_format: str, source: Contributed) -> str:
        """``{adopted_on}`` (``|cn``) and ``{adopted_by}`` of an adoption line, from the village file."""
        adoption = getattr(self.village, kind.value)

        def one(m: re.Match) -> str:
            name, fmt = m.group(1), m.group(2)
            if name == "adopted_by" and fmt is None:
                return adoption.adopted_by
            if name == "adopted_on" and fmt in (None, "cn"):
                return filters.partial_date(adoption.adopted_on, "chinese" if fmt else "arabic")
            raise _layout_error(source, kind, _("adoption_line: '{placeholder}' is not a placeholder of an adoption "
                                                "line; use {{adopted_on}}, {{adopted_on|cn}} or {{adopted_by}}",
                                                placeholder=m.group(0)))

        return ADOPTION_PLACEHOLDER.sub(one, line_format)

    def _adoption_body_findings(self, kind: DocumentKind) -> list[Finding]:
        """What the law says of the body the village file names, where the name is not the law's."""
        if kind.is_agreement or getattr(self.village, kind.value).adopted_by != "村民代表大会":
            return []
        c = self.instruments().get("villagers_committee_law")
        version = c.item.version_on(self.as_of) if c else None
        ref = version.articles.get("charter_adoption") if version else None
        name = (version.name if version and version.name else c.item.name) if c else "中华人民共和国村民委员会组织法"
        where = f"《{name}》" + (filters.ordinal(ref.number, "条") if ref else "")
        return [Finding(
            check="adoption.body", document=kind.value, law=name, version=version.label if version else None,
            article=filters.ordinal(ref.number, "条") if ref else None,
            reason=f"adopted_by 村民代表大会 is, in law, the 村民代表会议: {where} has the {kind.value} adopted by "
                   f"the 村民会议; a 村民代表会议 adopts it only where the 村民会议 authorised it to (keep that "
                   f"authorisation with the adoption record)",
            reason_zh=f"村民代表大会即法律所称的村民代表会议。依照{where}，{_OWN_NAME[kind]}由村民会议制定和修改；"
                      f"村民代表会议只能讨论决定村民会议授权的事项，请将村民会议的授权与通过记录一并保存。")]

    def notices(self, doc: Document, household: Household | None) -> list[Finding]:
        """What is not a legal finding but must not pass silently: inputs that contradict the signing
        date (each naming its field), and an adopted charter or convention whose text has changed since
        its adoption (a new draft, to be adopted again and filed: see docs/law.md)."""
        from .notices import date_notices, new_draft_notice

        out = date_notices(self.village, household, doc.kind, self.as_of)
        if not doc.kind.is_agreement:
            n = new_draft_notice(self, doc)
            if n:
                out.append(n)
        return out

    def _form(self, kind: DocumentKind, h: Household | None) -> tuple[list[Party], list[str], dict[str, str]]:
        """An agreement's party lines, signature lines and signature places (label -> role), from the
        policy values ``form.<kind>.party_a``, ``.party_b`` and ``.signature`` (national:
        ``default_plugins/data/forms.yaml``) filled with the village's and the household's facts."""
        v = self.village
        if h is None:
            h = _BLANK_HOUSEHOLD
        party_a = v.committee_name
        if kind == DocumentKind.inflow:
            who = self.policy("inflow.party_a", "the inflow agreement")
            party_a = v.township_government if who == "乡镇人民政府" else v.committee_name
        values = {
            "party_a": party_a, "committee": v.committee_name, "township_government": v.township_government,
            "signing_location": v.signing_location, "blank_date": filters.blank_date(),
            "group": h.group, "husband": h.husband.name, "wife": h.wife.name,
            "husband_registered_address": h.husband.registered_address or "",
            "husband_current_address": h.husband.current_address or "",
            "wife_registered_address": h.wife.registered_address or "",
            "wife_current_address": h.wife.current_address or "",
            "phone": "、".join(x for x in dict.fromkeys([h.husband.phone, h.wife.phone]) if x),
        }
        key = f"form.{kind.value.replace('-', '_')}"
        parties = [Party(role=role, lines=[self._form_line(f"{key}.{part}", line, values)
                                           for line in self.policy(f"{key}.{part}", f"the {kind.value} agreement")])
                   for role, part in (("甲方", "party_a"), ("乙方", "party_b"))]
        signature, places = [], {}
        for line in self.policy(f"{key}.signature", f"the {kind.value} agreement"):
            m = SIGN_PLACE.match(line)
            text = self._form_line(f"{key}.signature", line[m.end():] if m else line, values)
            if m:
                places[text.split("：", 1)[0]] = m.group(1)
            signature.append(text)
        return parties, signature, places

    def _form_line(self, key: str, line: str, values: dict[str, str]) -> str:
        def one(m: re.Match) -> str:
            if m.group(1) not in values:
                c = self.policies()[key]
                raise PluginError(_('plugin "{plugin}", policy value {key}: {placeholder} is not a placeholder of the '
                                    "agreement's party and signature lines; use {known}", plugin=c.provenance.plugin,
                                    key=key, placeholder=m.group(0), known=", ".join(f"{{{k}}}" for k in values)))
            return values[m.group(1)]

        return FORM_PLACEHOLDER.sub(one, str(line))

    def _term(self, kind: DocumentKind, h: Household | None) -> str:
        """``{doc:term}``: the policy value ``form.term`` with the household's 婚育证明 validity (or dates
        to fill in by hand)."""
        line = self.policy("form.term", f"the {kind.value} agreement's term")
        if h and h.certificate_valid_from and h.certificate_valid_to:
            dates = {"from": filters.cn_date(h.certificate_valid_from), "to": filters.cn_date(h.certificate_valid_to)}
        else:
            dates = {"from": filters.blank_date(), "to": filters.blank_date()}
        return self._form_line("form.term", line, dates) if line else ""

    def legal_findings(self, doc: Document) -> list[Finding]:
        """Every plugin's findings for ``doc`` (see :meth:`_complete_finding`), then the warnings
        about the village file's place names and codes."""
        found = [self._complete_finding(c, doc)
                 for c in self.collect("docforge_legal_checks", Finding, document=doc, village=self.village)]
        return found + self.place_warnings()

    def _complete_finding(self, c: Contributed, doc: Document) -> Finding:
        """What a check left out, filled by the engine: ``checked_by`` is the plugin that returned the
        finding; ``plugin`` (left empty) the plugin that supplied the clause it names, else the one
        that returned it; ``law`` given as an instrument id becomes its name, and ``version`` the
        version in force on the as-of date."""
        f: Finding = c.item
        update: dict[str, Any] = {"checked_by": c.provenance.plugin}
        if not f.plugin:
            block = next((b for b in doc.blocks if b.id == f.clause), None) if f.clause else None
            update["plugin"] = block.provenance.plugin if block else c.provenance.plugin
        if f.law:
            inst = self.instruments().get(f.law)
            if inst is not None:
                version = inst.item.version_on(self.as_of)
                update["law"] = (version.name if version and version.name else None) or inst.item.name
                if not f.version and version:
                    update["version"] = version.label
        return f.model_copy(update=update)

    def place_warnings(self) -> list[Finding]:
        """A place of the village file whose name is a plugin's jurisdiction but whose code is not (or
        the reverse): that plugin does not apply to the village, which is most likely a typo."""
        if "place_warnings" in self._cache:
            return self._cache["place_warnings"]
        out: list[Finding] = []
        for place in self.places:
            for info in self.pm.infos.values():
                for j in info.jurisdictions:
                    if j.level != place.level or not j.code or not place.code or place.level == Level.national:
                        continue
                    if j.name == place.name and j.code != place.code:
                        effect = "code"
                    elif j.code == place.code and j.name != place.name:
                        effect = "name"
                    else:
                        continue
                    values = dict(level=place.level.value, name=place.name, code=place.code, plugin=info.name,
                                  its_name=j.name, its_code=j.code)
                    msgid = (N_CODES_DIFFER if effect == "code" else N_NAMES_DIFFER)
                    text = both(msgid, **values)
                    out.append(Finding(check="place.mismatch", plugin=info.name, checked_by="docforge",
                                       reason=text["en"], reason_zh=text["zh"]))
        self._cache["place_warnings"] = out
        return out


# i18n: a warning about the village file, when a place's name is a plugin's but its code is not
N_CODES_DIFFER = N_("the village file's {level} is {name} ({code}), but plugin \"{plugin}\" speaks for {its_name} "
                    "({its_code}): the codes differ, so what the plugin supplies for {its_name} does not apply to this "
                    "village. Correct the code in the village file (or in the plugin) if they are the same place")
N_NAMES_DIFFER = N_("the village file's {level} is {name} ({code}), but plugin \"{plugin}\" speaks for {its_name} "
                    "({its_code}): the names differ; the plugin applies by the code. Correct the name in the village "
                    "file (or in the plugin) if they are the same place, or the code if not")


def _did_you_mean(asked: list[str], ids: Iterable[str]) -> str:
    """`` — did you mean 'charter.incentives'?`` for the first of ``asked`` with a near id, or ''."""
    import difflib

    ids = list(ids)
    for x in asked:
        near = difflib.get_close_matches(x, ids, n=1, cutoff=0.75)
        if near:
            return _(" — did you mean '{id}'?", id=near[0])
    return ""


def _returned_items(result: Any, model: type[BaseModel], plugin: str, hook: str) -> list[Any]:
    """The items a hook returned: a list (or tuple) of ``model``, or one ``model`` for a hook that
    answers with one (``docforge_select_agreements``). Anything else is refused by its type."""
    if model is Selection:  # one answer per plugin
        if isinstance(result, (list, tuple)):
            raise PluginError(_('plugin "{plugin}", {hook}: expected one Selection (or None), got a list; return '
                                'Selection(agreements=[...], reasons={{...}})', plugin=plugin, hook=hook))
        return [result]
    if isinstance(result, (list, tuple)):
        return list(result)
    got = type(result).__name__
    hint = (f"; for a dict of key → value, return [{model.__name__}(key=k, ...) for k, v in your_dict.items()]"
            if isinstance(result, dict) else "")
    raise PluginError(_('plugin "{plugin}", {hook}: expected a list of {model} (or None), got {got}',
                        plugin=plugin, hook=hook, model=model.__name__, got=got) + hint)


def _item_name(raw: Any, n: int) -> str:
    """``item 13, key 'deposit.outflow'``: the position and, where it has one, the key or id."""
    for attr in ("key", "id"):
        value = raw.get(attr) if isinstance(raw, dict) else getattr(raw, attr, None)
        if isinstance(value, str):
            return f"item {n + 1}, {attr} '{value}'"
    return f"item {n + 1}"


def _pydantic_errors(e: ValidationError) -> str:
    """pydantic's errors, one clause each: ``amount: Input should be … (got -5)``."""
    parts = []
    for err in e.errors():
        where = ".".join(str(x) for x in err["loc"]) or "value"
        got = f" (got {err['input']!r:.60})" if err["type"] != "missing" and not isinstance(err["input"], dict) else ""
        parts.append(f"{where}: {err['msg']}{got}")
    return "; ".join(parts)


def _declared(jur: Jurisdiction, info, hook_name: str, item: Any, n: int) -> Jurisdiction:
    """The plugin's declared jurisdiction that ``jur`` (named by a contribution) stands for. A
    contribution naming a place its plugin does not declare (a mistyped county code) would silently
    never apply: it is refused."""
    same = [d for d in info.jurisdictions if d.level == jur.level and d.name == jur.name
            and (d.code == jur.code or not d.code or not jur.code)]
    if same:
        return same[0]
    declared = "、".join(str(d) for d in info.jurisdictions)
    near = [d for d in info.jurisdictions if d.level == jur.level and (d.name == jur.name or
                                                                         (d.code and d.code == jur.code))]
    hint = _("Did you mean {place}? ", place=near[0]) if near else ""
    raise PluginError(_('plugin "{plugin}", {hook} ({item}): names the jurisdiction {place}, which the plugin does '
                        "not declare (it declares {declared}). ", plugin=info.name, hook=hook_name,
                        item=_item_name(item.model_dump(), n), place=jur, declared=declared)
                      + hint + _("Correct the contribution's jurisdiction=, or add the place to "
                                 "docforge_jurisdictions()."))


_BLANK = "\u3000" * 6
_BLANK_HOUSEHOLD = Household.model_construct(
    id="", group=_BLANK + "村民小组", husband=Person.model_construct(name=_BLANK, phone=None,
    registered_address=_BLANK * 2, current_address=_BLANK * 2),
    wife=Person.model_construct(name=_BLANK, phone=None, registered_address=_BLANK * 2,
                                current_address=_BLANK * 2),
    certificate_valid_from=None, certificate_valid_to=None)


#: A placeholder of an agreement's party, signature and term lines (``data/forms.yaml``).
FORM_PLACEHOLDER = re.compile(r"\{(\w+)\}")
#: The mark of a party's signature line: ``{sign:party_a}`` before its text.
SIGN_PLACE = re.compile(r"^\{sign:(\w+)\}")

ADOPTION_PLACEHOLDER = re.compile(r"\{(adopted_on|adopted_by)(?:\|(\w+))?\}")


@dataclass
class LayoutValue:
    """One field of a :class:`Layout` contribution, for precedence per field (and clause)."""

    field: str
    clause: str | None
    value: Any

    @property
    def key(self) -> str:
        return f"{self.field}@{self.clause}" if self.clause else self.field


def _layout_values(contributed: list[Contributed]) -> list[Contributed]:
    return [Contributed(LayoutValue(f, c.item.clause, getattr(c.item, f)), c.provenance, c.order)
            for c in contributed for f in LAYOUT_FIELDS if getattr(c.item, f) is not None]


def _layout_value(layout: dict[str, Contributed], field: str, clause: str = "") -> Any:
    c = layout.get(f"{field}@{clause}" if clause else field)
    return c.item.value if c else None


def _unknown_placeholders(text: str, c: Contributed, kind: DocumentKind, field: str, known: str) -> None:
    left = re.search(r"\{[^{}]*\}", text)
    if left:
        raise _layout_error(c, kind, _("{field}: '{placeholder}' is not a placeholder it takes; use {known}",
                                       field=field, placeholder=left.group(0), known=known))


def _layout_error(c: Contributed, kind: DocumentKind, msg: str) -> DocforgeError:
    if c.provenance.plugin == VILLAGE_FILE:
        return InputError(_("village file, layout.{index} ({document}): {problem}", index=c.order,
                            document=kind.value, problem=msg))
    return PluginError(_('plugin "{plugin}" ({jurisdiction}), layout of {document}: {problem}',
                         plugin=c.provenance.plugin, jurisdiction=c.provenance.jurisdiction, document=kind.value,
                         problem=msg))


def _check_layer_conflicts(layer: list[Contributed]) -> None:
    seen: dict[str, Contributed] = {}
    for c in layer:
        prev = seen.get(c.item.id)
        if prev and prev.provenance.plugin != c.provenance.plugin and \
                prev.item.model_dump(exclude={"jurisdiction"}) != c.item.model_dump(exclude={"jurisdiction"}):
            raise _conflict(f"clause '{c.item.id}' of {c.item.document.value}", prev, c,
                            prev.item.model_dump(exclude={"jurisdiction"}), c.item.model_dump(exclude={"jurisdiction"}))
        seen[c.item.id] = c


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two values differ, field by field: ``versions[0].effective_from: 2002-12-01 vs 2002-10-01``."""
    if isinstance(a, BaseModel):
        a = a.model_dump()
    if isinstance(b, BaseModel):
        b = b.model_dump()
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for k in list(a) + [k for k in b if k not in a]:
            out += differences(a.get(k), b.get(k), f"{path}.{k}" if path else str(k))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in differences(x, y, f"{path}[{i}]")]
    if a == b:
        return []
    if isinstance(a, list) and isinstance(b, list):
        def names(xs: list) -> str:
            return ", ".join(str(x.get("label") or x.get("id") or x.get("key") or "…") if isinstance(x, dict)
                             else _short(x) for x in xs)
        return [f"{path or 'value'}: {len(a)} entries ({names(a)}) vs {len(b)} ({names(b)})"]
    return [f"{path or 'value'}: {_short(a)} vs {_short(b)}"]


def _short(v: Any) -> str:
    text = v.isoformat() if isinstance(v, (dt.date,)) else str(v)
    return text if len(text) <= 60 else text[:57] + "…"


def _conflict(what: str, prev: Contributed, c: Contributed, va: Any, vb: Any) -> ConflictError:
    """Two contributions for one jurisdiction that disagree: which fields differ, and how to resolve it
    (one plugin contradicting itself, or two distributions for one place)."""
    a, b = prev.provenance, c.provenance
    diff = differences(va, vb)
    shown = "; ".join(diff[:8]) + (f"; … and {len(diff) - 8} more" if len(diff) > 8 else "")
    if a.plugin == b.plugin:
        return ConflictError(_(
            '{what} for {place}: plugin "{plugin}" returns two different values in force on the same date (items '
            "{first} and {second}; the first vs the second: {differences}). Keep one, or make their "
            "effective_from/effective_to not overlap.", what=what, place=a.jurisdiction, plugin=a.plugin,
            first=prev.order + 1, second=c.order + 1, differences=shown))
    return ConflictError(_(
        '{what} for {place}: plugins "{a}" and "{b}" disagree ("{a}" vs "{b}": {differences}). One distribution '
        "owns a jurisdiction: a prefecture or county plugin depends on its province's plugin "
        '(dependencies = ["docforge-<province>"] in its pyproject.toml) instead of repeating the province\'s '
        "values; remove them from the one that repeats them, or uninstall one of the two if both are meant to be "
        "the province's plugin.", what=what, place=a.jurisdiction, a=a.plugin, b=b.plugin, differences=shown))


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
        if "does not have" in msg:  # a target that is not there: the nearest id it has
            asked = re.findall(r"'([a-z0-9_.\-]+)'", msg) + ([c.item.id] if c.item.op != "add" else [])
            msg += _did_you_mean([x for x in asked if x not in self.nodes], self.nodes)
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
            t = cl.type
            scope = "" if t in ("chapter", "article") else parent  # chapters and articles count document-wide
            n = counters[(t, scope)] = counters.get((t, scope), 0) + 1
            parent_type = self.nodes[parent].clause.type if parent else None
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


def _label(t: str, n: int, parent_type: str | None, item_style: str | None = None) -> str:
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
        if "《" in text and clause_id in self.blocks:
            self.literal_citations(text, clause_id)
        return PLACEHOLDER.sub(lambda m: self._one(m.group(1), m.group(2).strip(), m.group(3), clause_id), text)

    def _one(self, ns: str, key: str, fmt: str | None, clause_id: str) -> str:
        block = self.blocks.get(clause_id)
        needed_by = f"clause '{clause_id}' of {self.kind.value}" + (
            f" (plugin \"{block.provenance.plugin}\")" if block is not None else "")
        if ns == "amount":
            c = self.r.amounts().get(key)
            if c is None:
                return self.r._lack("amount", key, needed_by, f"{{amount:{key}}}")
            out = filters.money(c.item.amount)
            self._use("amount", key, out, c.provenance)
            return out
        if ns == "policy":
            c = self.r.policies().get(key)
            if c is None:
                return self.r._lack("policy value", key, needed_by, f"{{policy:{key}}}")
            out = _format_policy(c.item.value, fmt, key, needed_by, c.provenance.plugin)
            self._use("policy", key, str(c.item.value), c.provenance)
            return out
        if ns == "cite":
            return self._cite(key, fmt, clause_id, needed_by)
        if ns == "ref":
            target = self.blocks.get(key)
            if target is None:
                raise PluginError(_("{needed_by} refers to clause '{key}', which the document does not have "
                                    "(removed by a plugin?)", needed_by=needed_by, key=key)
                                  + _did_you_mean([key], self.blocks))
            return target.label.rstrip("、")
        if ns == "place":
            try:
                place = getattr(self.r.village, Level(key).value)
            except (ValueError, AttributeError):
                raise PluginError(_("{needed_by}: unknown place level '{key}'", needed_by=needed_by, key=key)) from None
            if place is None:
                raise InputError(_("{needed_by} names the village's {key}, which the village file does not give",
                                   needed_by=needed_by, key=key))
            if fmt == "government" and key == "township":
                return self.r.village.township_government
            if fmt is not None:
                raise PluginError(_("{needed_by}: format '|{format}' does not apply to {{place:{level}}}; "
                                    "{{place:township|government}} names the township's government",
                                    needed_by=needed_by, format=fmt, level=key))
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
            return self.r._lack("instrument", inst_id, needed_by, f"{{cite:{key}}}")
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
        own = OWN_DOCUMENTS.get(inst_id)
        if own is not None:
            title, title_prov = self.r.document_title(own, full=fmt == "full")
            if fmt == "full" or title_prov.plugin != "national":  # the village's charter has a title of its own
                name = title
        out = f"《{name}》"
        numbers = []
        for one in (a.strip() for a in article.split(",") if a.strip()):
            ref = version.articles.get(one) if version else None
            if ref is None:
                self.findings.append(Finding(
                    check="citation.article_missing", document=self.kind.value, clause=clause_id,
                    plugin=c.provenance.plugin, law=inst.name, version=version.label if version else None,
                    article=one,
                    reason=f"cites article '{one}' of {inst.name}, which the version in force does not have"))
            else:
                numbers.append(ref.number)
        out += "、".join(filters.ordinal(n, "条") for n in numbers)
        self._use("citation", key, out + (f"（{version.label}）" if version else ""), c.provenance)
        return out

    def literal_citations(self, text: str, clause_id: str) -> None:
        """Findings for citations typed into clause text (《…》第N条) of an instrument the registry
        knows: an article number that is not the one in force, or a name the law no longer has; and a
        suggestion of ``{cite:}``, which follows the law when it is renumbered."""
        block = self.blocks.get(clause_id)
        plugin = block.provenance.plugin if block else None
        for m in LITERAL_CITATION.finditer(PLACEHOLDER.sub("\0", text)):
            written = m.group(1)
            found = self.r.instrument_named(written)
            if found is None:
                continue
            inst = found.item
            version = inst.version_on(self.r.as_of)
            as_of = self.r.as_of.isoformat()
            numbers = [_cn_int(n) for n in re.findall(r"第([零〇一二三四五六七八九十百千]+)条", m.group(2) or "")]
            if not numbers:
                current = (version.name if version and version.name else inst.name) if version else None
                own = OWN_DOCUMENTS.get(inst.id)
                if own is not None:
                    title, title_prov = self.r.document_title(own)
                    if title_prov.plugin == "national" or written == title:
                        continue
                    reason = (f"writes 《{written}》 as text, but the village's {own.value} is titled 《{title}》: "
                              f"write {{cite:{inst.id}}} so that the title follows the {own.value}")
                    zh = f"条文中直接写了《{written}》，而本村{_OWN_NAME[own]}的标题为《{title}》，请改写为 {{cite:{inst.id}}}。"
                elif version is None:
                    reason = (f"writes 《{written}》 as text, which is not in force on {as_of}; "
                              f"write {{cite:{inst.id}}} to have docforge report which text applies")
                    zh = f"条文中直接写了《{written}》，该文件在{as_of}不在施行期内，请改写为 {{cite:{inst.id}}}。"
                elif written not in {current, version.short_name or inst.short_name}:
                    reason = (f"writes 《{written}》 as text; the text in force on {as_of} is 《{current}》 "
                              f"({version.label}): write {{cite:{inst.id}}} so that the name follows the law")
                    zh = (f"条文中直接写了《{written}》，{as_of}施行的是《{current}》（{version.label}），"
                          f"请改写为 {{cite:{inst.id}}}。")
                else:
                    continue
                self.findings.append(Finding(check="citation.literal", document=self.kind.value, clause=clause_id,
                                             plugin=plugin, law=inst.name, version=version.label if version else None,
                                             reason=reason, reason_zh=zh))
                continue
            for n in numbers:
                self.findings.append(self._literal_article(inst, version, written, n, clause_id, plugin))

    def _literal_article(self, inst: Instrument, version, written: str, n: int, clause_id: str,
                         plugin: str | None) -> Finding:
        as_of = self.r.as_of.isoformat()
        cited = f"《{written}》{filters.ordinal(n, '条')}"
        label = version.label if version else "none in force"
        in_force = next((aid for aid, ref in (version.articles.items() if version else []) if ref.number == n), None)
        if in_force is not None:
            summary = version.articles[in_force].summary
            reason = (f"writes {cited} as text: in the version in force on {as_of} ({label}) it is the article "
                      f"'{in_force}'{('（' + summary + '）') if summary else ''}, but typed text will not follow "
                      f"the law when it is renumbered: write {{cite:{inst.id}#{in_force}}}")
            zh = (f"条文中直接写了{cited}，在{as_of}施行的版本（{label}）中即为该条，但法律修改后条文序号不会随之更新，"
                  f"请改写为 {{cite:{inst.id}#{in_force}}}。")
            article = filters.ordinal(n, "条")
        else:
            moved = [(v, aid) for v in inst.versions for aid, ref in v.articles.items()
                     if ref.number == n and version is not None and aid in version.articles]
            if moved:
                old, aid = moved[-1]
                now = version.articles[aid].number
                article = filters.ordinal(now, "条")
                reason = (f"writes {cited} as text: that is article '{aid}' of {old.label}, which is {article} of "
                          f"the version in force on {as_of} ({label}): write {{cite:{inst.id}#{aid}}}")
                zh = (f"条文中直接写了{cited}，这是{old.label}的条文序号，在{as_of}施行的版本（{label}）中为{article}，"
                      f"请改写为 {{cite:{inst.id}#{aid}}}。")
            else:
                article = None
                reason = (f"writes {cited} as text; docforge's registry does not know which article of {inst.name} "
                          f"that is, so it cannot check it against the version in force on {as_of} ({label}): "
                          f"check it by hand, or give the article an id in the instrument's versions and write "
                          f"{{cite:{inst.id}#ID}}")
                zh = (f"条文中直接写了{cited}，docforge 的法规登记中没有该条，无法与{as_of}施行的版本（{label}）核对，"
                      f"请人工核对，或为该条设置编号后改写为 {{cite:{inst.id}#编号}}。")
        return Finding(check="citation.literal", document=self.kind.value, clause=clause_id, plugin=plugin,
                       law=inst.name, version=version.label if version else None, article=article, reason=reason,
                       reason_zh=zh)


_OWN_NAME = {DocumentKind.charter: "村民自治章程", DocumentKind.convention: "村民自治公约"}
#: The village's own documents, citable by the ids of their instruments.
OWN_DOCUMENTS = {"village.charter": DocumentKind.charter, "village.convention": DocumentKind.convention}
#: 《name》 with the article numbers that follow it: 《…》第二十条, 《…》第一条、第二条和第二十七条.
LITERAL_CITATION = re.compile(r"《([^《》\0]+)》((?:(?:[、和及与]|、第)?第[零〇一二三四五六七八九十百千]+条)*)")


def _cn_int(numeral: str) -> int:
    import cn2an

    return int(cn2an.cn2an(numeral.replace("〇", "零"), "smart"))


def _format_policy(value: Any, fmt: str | None, key: str, needed_by: str, supplier: str = "") -> str:
    if fmt is None:
        return "、".join(value) if isinstance(value, list) else str(value)
    if fmt == "cn" and isinstance(value, int):
        return filters.cn_number(value)
    if fmt == "count_cn" and isinstance(value, list):
        return filters.cn_number(len(value))
    if fmt == "holders" and isinstance(value, list):
        return filters.holders_phrase(value)
    fits = {"cn": N_("an int"), "count_cn": N_("a list"), "holders": N_("a list of copy holders")}.get(fmt or "")
    raise PluginError(_("{needed_by}: format '|{format}' does not apply to policy '{key}' = {value}",
                        needed_by=needed_by, format=fmt, key=key, value=repr(value))
                      + (_(' (from plugin "{plugin}")', plugin=supplier) if supplier else "")
                      + (_("; '|{format}' takes {kind}", format=fmt, kind=_(fits)) if fits
                         else _("; the formats are |cn, |count_cn and |holders")))
