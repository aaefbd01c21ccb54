"""The resolver: a village's place chain, the plugins' contributions in force as of a date, precedence
(the most specific jurisdiction wins, never load order) and the numbered documents."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Callable

from pydantic import ValidationError

from ..errors import ConflictError, DocforgeError, InputError, MissingValueError, PluginError
from ..i18n import N_, _, both, date_text
from ..models import (NATIONAL, Amount, Clause, Contribution, Document, DocumentKind, Finding, Household,
                     Instrument, Jurisdiction, Layout, Level, Party, Person, PolicyValue, Provenance, Removal,
                     Selection, TemplateOverride, Village, document_name)
from ..plugins import PluginManager, get_plugin_manager
from .. import conventions as filters
from .common import VILLAGE_FILE, Contributed, MissingValue, T, chain_text
from .conflicts import check_layer_conflicts, conflict
from .items import declared, item_name, pydantic_errors, returned_items
from .layout import layout_error, layout_value, layout_values, unknown_placeholders
from .substitution import OWN_NAME, Substitution
from .tree import ClauseTree


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
            for n, raw in enumerate(returned_items(result, model, info.name, hook_name)):
                item = self._validate(raw, model, info.name, hook_name, n)
                if isinstance(item, Contribution):  # names its jurisdiction, or takes its plugin's
                    jur = declared(item.jurisdiction, info, hook_name, item, n) if item.jurisdiction \
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
                                plugin=plugin, model=model.__name__, hook=hook, item=item_name(raw, n),
                                errors=pydantic_errors(e))) from e

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
        clauses, :func:`check_layer_conflicts`). Contributions are taken in plugin-name order, not
        pluggy's call order (last registered first), so neither the winner's provenance nor whether
        a conflict is found depends on the order plugins were installed or registered."""
        best: dict[str, Contributed] = {}
        first: dict[tuple[str, int], Contributed] = {}  # per key and level: one place of the chain each
        for c in sorted(contributed, key=lambda c: c.provenance.plugin):
            k = key(c.item)
            prev = first.setdefault((k, c.rank), c)
            if prev is not c and value(c.item) != value(prev.item):
                raise conflict(f"{what} '{k}'", prev, c, value(prev.item), value(c.item))
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
        ctx = Substitution(self, kind, {}, {})
        text = ctx.substitute(node.clause.text or "", node.clause.id)
        if full:
            layout = self.layout(kind)
            fmt = layout_value(layout, "title") or ("{title}" if kind.is_agreement else "{place:village}{title}")
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
            places=chain_text(self.places), date=date_text(self.as_of),
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
            check_layer_conflicts(layer)
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
        best = self.winners(layout_values(got), lambda v: v.key, lambda v: v.value, f"layout of {kind.value}")
        village = self.places[-1]
        own = [Contributed(lay, Provenance(plugin=VILLAGE_FILE, jurisdiction=village, legal_basis=lay.legal_basis), n)
               for n, lay in enumerate(self.village.layout) if lay.document == kind and lay.in_force(self.as_of)]
        for c in layout_values(own):
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
                raise layout_error(c, kind, _("names clause '{clause}', which the document does not have",
                                               clause=c.item.clause))
        blocks = tree.numbered(lambda field, clause="": layout_value(layout, field, clause))
        if not blocks:
            gone = self._national("document_withdrawn")
            why = gone(kind, self.as_of) if gone else None
            if why:
                raise InputError(_("the {kind} agreement is not offered on {date}: {reason} A province plugin "
                                   "may supply a lawful agreement of its own (docs/law.md).",
                                   kind=kind.value, date=self.as_of.isoformat(), reason=why["reason"]))
        if not blocks or blocks[0].type != "title":
            raise PluginError(_("{kind}: no plugin supplies the document's title clause", kind=document_name(kind)))
        ctx = Substitution(self, kind, {b.id: b for b in blocks},
                            {"term": self._term(kind, household)})
        for b in blocks:
            b.text = ctx.substitute(b.text, b.id)
        title_format = layout_value(layout, "title") or ("{title}" if kind.is_agreement else "{place:village}{title}")
        if "title" in layout:
            unknown_placeholders(ctx.substitute(title_format, "layout title").replace("{title}", ""),
                                  layout["title"], kind, "title", "{title}, {place:LEVEL}")
        title = ctx.substitute(title_format, "layout title").replace("{title}", blocks[0].text)
        adoption_line = None
        line_format = layout_value(layout, "adoption_line")
        if line_format and not kind.is_agreement:
            adoption_line = ctx.substitute(self._adoption_facts(kind, line_format, layout["adoption_line"]),
                                           "layout adoption_line")
            unknown_placeholders(adoption_line, layout["adoption_line"], kind, "adoption_line",
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
            raise layout_error(source, kind, _("adoption_line: '{placeholder}' is not a placeholder of an adoption "
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
            reason_zh=f"村民代表大会即法律所称的村民代表会议。依照{where}，{OWN_NAME[kind]}由村民会议制定和修改；"
                      f"村民代表会议只能讨论决定村民会议授权的事项，请将村民会议的授权与通过记录一并保存。")]

    def notices(self, doc: Document, household: Household | None) -> list[Finding]:
        """What is not a legal finding but must not pass silently: inputs that contradict the signing
        date (each naming its field), and an adopted charter or convention whose text has changed since
        its adoption (a new draft, to be adopted again and filed: see docs/law.md)."""
        from ..notices import date_notices, new_draft_notice

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
