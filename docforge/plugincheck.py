"""``docforge plugin check [NAME|PATH]``: what is wrong with a plugin, found without rendering.

The plugin is loaded twice: alone (docforge's national layer and the plugin) and among the installed
plugins (its own installed copy, if any, replaced by the one checked). For each place it declares,
a sample village there (:func:`docforge.testing.villages_for`) has its six documents resolved, and
every problem is collected rather than the first one raised:

- the hook implementations (unknown hook names, unknown arguments, default values) and the
  declared jurisdictions (none, codes not in GB/T 2260 form, a county outside the declared province,
  a ``docforge-jurisdiction:`` keyword that disagrees with them);
- contributions naming a jurisdiction the plugin does not declare, wrong return shapes;
- clauses returned for another document than the one asked for (a misspelled kind never matches),
  ``op="replace"``/``"remove"``, ``before``/``after``/``parent`` and ``{ref:}`` targets that do not
  exist;
- amounts, policy values and instruments the texts need that the plugin's villages would lack
  (alone: supplied by no installed plugin either is an error, supplied by another installed plugin
  is noted);
- conflicts with installed plugins, field by field;
- values still marked 待核实 (to verify) by ``docforge plugin new``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

from .divisions import code_problem, contains
from .errors import DocforgeError, InputError, MissingValueError
from .i18n import N_, _, ngettext
from .models import Clause, DocumentKind, Jurisdiction, Village
from .plugins import ENTRY_POINT_GROUP, KEYWORD_PREFIX, PluginManager, hookimpl_problems, make_plugin_manager
from .resolve import PLACEHOLDER, Resolver

TO_VERIFY = "待核实"


SEVERITY = {"error": N_("error"), "warning": N_("warning"), "note": N_("note")}
WHAT = {"amounts": N_("amount"), "policies": N_("policy value"), "instruments": N_("instrument")}


@dataclass
class Problem:
    severity: str  # error | warning | note
    message: str

    def line(self) -> str:
        return _("{severity}: {message}", severity=_(SEVERITY[self.severity]), message=self.message)


@dataclass
class CheckReport:
    name: str
    source: str
    version: str | None = None
    villages: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # (place, what, key, hook) -> the clauses that need a value nobody supplies
    missing: dict[tuple[str, str, str, str], list[str]] = field(default_factory=dict)
    _seen: set[str] = field(default_factory=set)
    # installed plugin -> the values the plugin's villages take from it
    borrowed: dict[str, set[str]] = field(default_factory=dict)

    def add_missing(self) -> None:
        for (where, what, key, table), clauses in self.missing.items():
            self.add("error", _("{place}: the {what} '{key}' (used by {clauses}) is supplied neither by this "
                                "plugin nor by any installed one: add it to docforge_{hook}", place=where,
                                what=_(what), key=key, clauses=", ".join(dict.fromkeys(clauses)), hook=table))
        self.missing.clear()
        for plugin, values in self.borrowed.items():
            self.add("note", _('{n} values the texts need come from the installed plugin "{plugin}" (this plugin '
                               "alone lacks them; declare a dependency on its distribution): {values}",
                               n=len(values), plugin=plugin, values=", ".join(sorted(values))))
        self.borrowed.clear()

    def add(self, severity: str, message: str, where: str = "") -> None:
        """Record a problem once, however many documents or villages show it (``where`` names the
        first that did)."""
        if message in self._seen:
            return
        self._seen.add(message)
        self.problems.append(Problem(severity, f"{where}: {message}" if where else message))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def lines(self) -> list[str]:
        head = _("plugin {name} {version} ({source})", name=self.name, version=self.version or "",
                 source=self.source).replace("  ", " ")
        out = [head]
        if self.villages:
            out.append("  " + _("checked with sample villages of: {villages}", villages="; ".join(self.villages)))
        order = {"error": 0, "warning": 1, "note": 2}
        out += [f"  {p.line()}" for p in sorted(self.problems, key=lambda p: order[p.severity])]
        n_err = len(self.errors)
        n_warn = sum(p.severity == "warning" for p in self.problems)
        summary = _("{errors}, {warnings}", errors=ngettext("{n} error", "{n} errors", n_err, n=n_err),
                    warnings=ngettext("{n} warning", "{n} warnings", n_warn, n=n_warn))
        out.append("  " + (_("{summary}: ok", summary=summary) if not n_err else summary))
        return out

    def as_dict(self) -> dict:
        return {"name": self.name, "source": self.source, "version": self.version, "villages": self.villages,
                "problems": [{"severity": p.severity, "message": p.message} for p in self.problems]}


@dataclass
class _Target:
    name: str
    module: ModuleType | None
    source: str
    version: str | None
    keywords: list[Jurisdiction] | None  # None: no metadata to compare with
    import_error: str | None = None


def check(target: str | None, as_of: dt.date) -> list[CheckReport]:
    """Check the plugin ``target`` (an installed entry-point name or a distribution folder), or
    every installed plugin when it is None."""
    if target is None:
        names = sorted({ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)})
        if not names:
            raise InputError(_("no plugin is installed; give a plugin's folder: docforge plugin check PATH"))
        return [check_one(_installed(n), as_of) for n in names]
    path = Path(target)
    if path.exists():
        return [check_one(_from_path(path), as_of)]
    return [check_one(_installed(target), as_of)]


def _installed(name: str) -> _Target:
    eps = [ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    if not eps:
        known = sorted({ep.name for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)})
        raise InputError(_("no installed plugin is named '{name}' (installed: {known}), and no file or folder has "
                           "that name; give an installed plugin's name or the plugin's folder",
                           name=name, known=", ".join(known) or "-"))
    ep = eps[0]
    dist = getattr(ep, "dist", None)
    version = dist.version if dist else None
    keywords = _keyword_places((dist.metadata.get("Keywords") or "") if dist else "")
    try:
        module = ep.load()
    except Exception as e:  # noqa: BLE001 - it is what the check reports
        return _Target(name, None, f"{dist.metadata['Name'] if dist else ep.value}", version, keywords,
                       f"{type(e).__name__}: {e}")
    return _Target(name, module, dist.metadata["Name"] if dist else ep.value, version, keywords)


def _from_path(path: Path) -> _Target:
    """A plugin's folder (with pyproject.toml): its entry point and keywords are read from
    pyproject.toml and its module imported from the folder, installed or not."""
    folder = path if path.is_dir() else path.parent
    pyproject = folder / "pyproject.toml"
    if not pyproject.exists():
        raise InputError(_("{path}: no pyproject.toml there; give the plugin's folder (the one holding "
                           "pyproject.toml) or an installed plugin's name", path=path))
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        raise InputError(_("reading pyproject.toml needs Python 3.11; give the installed plugin's name "
                           "instead")) from None
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except tomllib.TOMLDecodeError as e:
        raise InputError(_("{path}: not valid TOML: {error}", path=pyproject, error=e)) from None
    eps = project.get("entry-points", {}).get(ENTRY_POINT_GROUP, {})
    if len(eps) != 1:
        raise InputError(_('{path}: [project.entry-points.docforge] must name one plugin (name = "module"), it '
                           "names {n}", path=pyproject, n=len(eps)))
    (name, value), = eps.items()
    modname = value.split(":")[0]
    keywords = _keyword_places(",".join(project.get("keywords", [])))
    for root in (folder / "src", folder):
        if (root / modname).exists() or (root / f"{modname}.py").exists():
            break
    else:
        raise InputError(_('{path}: the entry point {name} = "{value}" names the module {module}, which is not in '
                           "{folder} (nor in {src})", path=pyproject, name=name, value=value, module=modname,
                           folder=folder, src=folder / "src"))
    for mod in [m for m in sys.modules if m == modname or m.startswith(modname + ".")]:
        del sys.modules[mod]
    sys.path.insert(0, str(root))
    try:
        module = importlib.import_module(modname)
    except Exception as e:  # noqa: BLE001 - it is what the check reports
        return _Target(name, None, str(folder), project.get("version"), keywords, f"{type(e).__name__}: {e}")
    finally:
        sys.path.remove(str(root))
    return _Target(name, module, str(folder), project.get("version"), keywords)


def _keyword_places(raw: str) -> list[Jurisdiction] | None:
    words = [w.strip() for w in raw.replace("\n", ",").split(",") if w.strip().startswith(KEYWORD_PREFIX)]
    out = []
    for w in words:
        level, _, rest = w[len(KEYWORD_PREFIX):].partition(":")
        name, _, code = rest.partition(":")
        try:
            out.append(Jurisdiction(level=level, name=name, code=code or None))
        except ValueError:
            continue
    return out


def check_one(t: _Target, as_of: dt.date) -> CheckReport:
    report = CheckReport(t.name, t.source, t.version)
    if t.import_error:
        report.add("error", _("the module does not import: {error}", error=t.import_error))
        return report
    alone = make_plugin_manager(load_entrypoints=False)
    info = alone.register_plugin(t.module, name=t.name, version=t.version)
    for problem in hookimpl_problems(alone, t.module):
        report.add("error", problem)
    if info.error and not report.errors:
        report.add("error", info.error)
    places = info.jurisdictions
    _check_places(report, places, t.keywords)
    if info.error:
        return report
    installed = make_plugin_manager(exclude=(t.name,))
    installed.register_plugin(t.module, name=t.name, version=t.version)
    for other in installed.failed:
        if any(j.matches(p) or contains(j, p) or contains(p, j) for j in other.jurisdictions for p in places):
            report.add("warning", _("installed plugin {problem}; it serves this plugin's places",
                                    problem=other.error_line()))
    from .testing import villages_for

    for village in villages_for(t.module):
        report.villages.append(" / ".join(p.name for p in village.places()[1:]))
        _check_village(report, t, village, alone, installed, as_of)
    report.add_missing()
    _check_unverified(report, t, alone, as_of)
    return report


def _check_places(report: CheckReport, places: list[Jurisdiction], keywords: list[Jurisdiction] | None) -> None:
    for j in places:
        problem = code_problem(j)
        if problem:
            report.add("error", problem)
        elif j.code is None and j.level.value in ("province", "prefecture", "county"):
            report.add("warning", _("{place} has no GB/T 2260 code: villages are matched by name alone; give "
                                    "code=", place=j))
    for outer in places:
        same_level = [p for p in places if p.level == outer.level]
        for inner in places:
            if len(same_level) == 1 and contains(outer, inner) is False:
                report.add("error", _("{inner} does not lie in {outer}, the only {level} the plugin declares (its "
                                      "code does not begin with {prefix}); check the codes", inner=inner,
                                      outer=outer, level=outer.level.value,
                                      prefix=(outer.code or "")[:2 if outer.level.value == "province" else 4]))
    if keywords is None:
        return
    if not keywords:
        report.add("warning", _('pyproject.toml declares no keywords "docforge-jurisdiction:LEVEL:NAME:CODE": if '
                                "the module ever fails to import, docforge cannot know whom it serves and stops "
                                "every village's documents"))
        return
    for j in places:
        if not any(k.matches(j) and k.name == j.name for k in keywords):
            keyword = f"docforge-jurisdiction:{j.level.value}:{j.name}{':' + j.code if j.code else ''}"
            report.add("error", _('{place} is declared by docforge_jurisdictions() but not in pyproject.toml\'s '
                                  'keywords (add "{keyword}")', place=j, keyword=keyword))
    for k in keywords:
        if not any(k.matches(j) and k.name == j.name for j in places):
            report.add("error", _("pyproject.toml's keywords declare {place}, which docforge_jurisdictions() does "
                                  "not return; make them agree", place=k))


def _check_village(report: CheckReport, t: _Target, village: Village, alone: PluginManager,
                   installed: PluginManager, as_of: dt.date) -> None:
    where = village.places()[-3].name  # the county
    alone_r = _resolver(report, village, as_of, alone)
    inst_r = _resolver(report, village, as_of, installed)
    if alone_r is None or inst_r is None:
        return
    _asked_for_other_kinds(report, t, alone_r)
    from .testing import offered_on

    by_day: dict[dt.date, tuple[Resolver | None, Resolver | None]] = {as_of: (alone_r, inst_r)}
    for kind in DocumentKind:
        day = offered_on(kind, as_of)  # an agreement no longer offered: checked on its last day
        if day not in by_day:
            by_day[day] = (_resolver(report, village, day, alone), _resolver(report, village, day, installed))
        alone_r, inst_r = by_day[day]
        if alone_r is None or inst_r is None:
            continue
        try:
            tree = inst_r.clause_tree(kind)
        except DocforgeError as e:
            report.add("error", str(e), f"{kind.value} ({where})")
            continue
        ids = {n.clause.id for n, _d, _p in tree.walk()}
        for node, _depth, _parent in tree.walk():
            _placeholders(report, kind, node, ids, alone_r, inst_r, t.name, where)
        for r, label in ((inst_r, N_("among the installed plugins")), (alone_r, None)):
            try:
                r.document(kind, blank=kind.is_agreement)
            except MissingValueError:
                continue  # reported per placeholder above
            except DocforgeError as e:
                report.add("error", str(e), f"{kind.value} ({where}{', ' + _(label) if label else ''})")
    for what in ("amounts", "policies", "instruments"):
        try:
            getattr(by_day[as_of][1], what)()
        except DocforgeError as e:
            report.add("error", str(e), f"{where}, {_('among the installed plugins')}")


def _resolver(report: CheckReport, village: Village, as_of: dt.date, pm: PluginManager) -> Resolver | None:
    try:
        return Resolver(village, as_of, pm)
    except DocforgeError as e:
        report.add("error", str(e))
        return None


def _asked_for_other_kinds(report: CheckReport, t: _Target, r: Resolver) -> None:
    """Clauses returned for another document than the one asked for are never used there."""
    impl = next((i for i in r.pm.hook.docforge_clauses.get_hookimpls() if i.plugin_name == t.name), None)
    if impl is None:
        return
    for kind in DocumentKind:
        try:
            got = r.collect("docforge_clauses", Clause, document=kind)
        except DocforgeError as e:
            report.add("error", str(e))
            continue
        for c in got:
            if c.provenance.plugin == t.name and c.item.document != kind:
                report.add("warning", _("docforge_clauses returned clause '{id}' for {document} when asked for "
                                        "{asked}: it is used only when docforge asks for {document}; return it "
                                        'under `if document == "{document}"`', id=c.item.id,
                                        document=c.item.document.value, asked=kind.value))


def _placeholders(report: CheckReport, kind: DocumentKind, node: Any, ids: set[str], alone: Resolver,
                  installed: Resolver, name: str, where: str) -> None:
    text = node.clause.text or ""
    for m in PLACEHOLDER.finditer(text):
        ns, key = m.group(1), m.group(2).strip()
        if ns == "ref" and key not in ids:
            report.add("error", _('clause \'{id}\' of {document} (plugin "{plugin}") refers to {ref}, which the '
                                  "document does not have (the clause ids: docs/plugin_hooks.md)",
                                  id=node.clause.id, document=kind.value, plugin=node.provenance.plugin,
                                  ref="{ref:" + key + "}"))
        table = {"amount": "amounts", "policy": "policies", "cite": "instruments"}.get(ns)
        if table is None:
            continue
        key = key.partition("#")[0]
        try:
            here, there = getattr(alone, table)(), getattr(installed, table)()
        except DocforgeError:
            continue  # reported by the document itself
        kind_word = WHAT[table]
        if key not in there:
            report.missing.setdefault((where, kind_word, key, table), []).append(f"{node.clause.id}")
        elif key not in here:
            report.borrowed.setdefault(there[key].provenance.plugin, set()).add(f"{_(kind_word)} {key}")


def _check_unverified(report: CheckReport, t: _Target, pm: PluginManager, as_of: dt.date) -> None:
    """Values still marked 待核实 by ``docforge plugin new``."""
    from .testing import villages_for

    marked: set[str] = set()
    for village in villages_for(t.module):
        try:
            r = Resolver(village, as_of, pm)
            tables = {_(WHAT["amounts"]): r.amounts(), _(WHAT["policies"]): r.policies(),
                      _(WHAT["instruments"]): r.instruments()}
        except DocforgeError:
            return
        for what, table in tables.items():
            for key, c in table.items():
                if c.provenance.plugin != t.name:
                    continue
                item = c.item
                labels = [v.label for v in getattr(item, "versions", [])]
                if TO_VERIFY in (item.legal_basis or "") or any(TO_VERIFY in x for x in labels):
                    marked.add(f"{what} {key}")
    if marked:
        report.add("warning", _("{n} values are still marked {mark} (to verify): {values}. Take each from the "
                                "document named in its legal_basis (and each instrument's versions and dates from "
                                "its text), then remove the mark", n=len(marked), mark=TO_VERIFY,
                                values=", ".join(sorted(marked))))
