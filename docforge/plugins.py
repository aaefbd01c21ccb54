"""The plugin manager: built-in default plugins, entry-point loading with per-plugin error capture.

Environment:

- ``DOCFORGE_LOAD_PLUGINS=name1,name2`` loads only these entry-point plugins (empty: none).
- ``DOCFORGE_TRACE=1`` prints every hook call and its result to stderr.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import os
import sys
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType

import pluggy
import pydantic

from . import hookspecs
from .errors import PluginError
from .i18n import _
from .models import Jurisdiction

ENTRY_POINT_GROUP = "docforge"
DEFAULT_PLUGINS = (
    "docforge.default_plugins.national",
    "docforge.default_plugins.selection",
    "docforge.default_plugins.checks",
)


@dataclass
class PluginInfo:
    """What ``docforge plugins`` shows of one plugin."""

    name: str
    version: str | None
    module: str
    distribution: str | None = None
    default: bool = False
    hooks: list[str] = field(default_factory=list)
    jurisdictions: list[Jurisdiction] = field(default_factory=list)
    error: str | None = None
    # what went wrong: "import" (the module did not import), "invalid" (it imported, but its hooks or
    # jurisdictions are wrong), "duplicate" (a second distribution under a name already taken)
    error_kind: str | None = None

    def as_dict(self) -> dict:
        return {"name": self.name, "version": self.version, "module": self.module,
                "distribution": self.distribution, "default": self.default, "hooks": self.hooks,
                "jurisdictions": [j.model_dump(mode="json") for j in self.jurisdictions],
                "error": self.error, "error_kind": self.error_kind}

    def error_line(self) -> str:
        """The failure as one line: ``Error importing plugin "X": …`` only when the import failed."""
        if self.error_kind == "import":
            return _('Error importing plugin "{name}": {error}', name=self.name, error=self.error)
        return _('Invalid plugin "{name}": {error}', name=self.name, error=self.error)

    def fix(self) -> str:
        """How to get past the failure, for the kind of failure it is."""
        if self.error_kind == "import":
            return _("Fix or reinstall it (pip install --force-reinstall {dist}), or exclude it with "
                     "DOCFORGE_LOAD_PLUGINS=<the plugins to load>.", dist=self.distribution or self.name)
        if self.error_kind == "duplicate":
            return _("Uninstall one of the two distributions (pip uninstall {dist}), or exclude it with "
                     "DOCFORGE_LOAD_PLUGINS=<the plugins to load>.", dist=self.distribution or self.name)
        return _("Fix the plugin (docforge plugin check {name} lists every problem), or exclude it with "
                 "DOCFORGE_LOAD_PLUGINS=<the plugins to load>.", name=self.name.split(" ")[0])


class PluginManager(pluggy.PluginManager):
    """pluggy's manager plus what docforge knows of each plugin (name, version, failures)."""

    def __init__(self) -> None:
        super().__init__("docforge")
        self.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self.tracing = False  # DOCFORGE_TRACE (pluggy's own ``trace`` is its tag tracer, kept as it is)

    def register_plugin(self, plugin: object, name: str, version: str | None = None,
                        distribution: str | None = None, default: bool = False) -> PluginInfo:
        """Register ``plugin`` unless its hook implementations or its jurisdictions are wrong; then it
        is kept out and reported (``info.error``) with every problem found."""
        module = getattr(plugin, "__name__", type(plugin).__name__)
        info = PluginInfo(name=name, version=version, module=module, distribution=distribution, default=default)
        self.infos[name] = info
        problems = hookimpl_problems(self, plugin)
        try:  # whom it serves, so that villages elsewhere still render (require_healthy)
            info.jurisdictions = _declared_jurisdictions(plugin)
        except Exception as e:  # noqa: BLE001 - a broken plugin must not break the others
            error = f"{type(e).__name__}: {e}"
            problems.append(_("docforge_jurisdictions failed: {error}", error=error))
        else:
            if not info.jurisdictions and _implements_hooks(self, plugin):
                problems.append(_("it declares no jurisdiction: implement docforge_jurisdictions() returning the "
                                  "places it speaks for, e.g. {example}; docforge calls a plugin's hooks only for "
                                  "villages there",
                                  example='[Jurisdiction(level="province", name="河南省", code="410000")]'))
        if problems:
            info.error = problems[0] if len(problems) == 1 else \
                _("{n} problems: {problems}", n=len(problems),
                  problems=" ".join(f"({n}) {p}" for n, p in enumerate(problems, 1)))
            info.error_kind = "invalid"
            return info
        try:
            self.register(plugin, name=name)
            self.check_pending()
        except pluggy.PluginValidationError as e:  # what hookimpl_problems does not foresee
            self.unregister(name=name)
            info.error, info.error_kind = f"invalid hook implementation: {e}", "invalid"
            return info
        info.hooks = sorted(c.name for c in self.get_hookcallers(plugin) or [])
        return info

    def serves(self, plugin_name: str, places: list[Jurisdiction]) -> bool:
        """Whether the plugin declared a jurisdiction of the place chain ``places``: only then are its
        hooks called for that village."""
        return any(j.matches(p) for j in self.infos[plugin_name].jurisdictions for p in places)

    def info_of(self, plugin_name: str) -> PluginInfo:
        return self.infos[plugin_name]

    def call_one(self, hook_name: str, impl: pluggy.HookImpl, kwargs: dict) -> object:
        """Call one plugin's implementation of ``hook_name``. Resolution asks each plugin
        separately (to keep provenance), which bypasses pluggy's call monitoring, so
        ``DOCFORGE_TRACE`` is honoured here."""
        result = impl.function(**{k: kwargs[k] for k in impl.argnames})
        if self.tracing:
            print(f"[docforge trace] {impl.plugin_name}.{hook_name}({', '.join(impl.argnames)}) "
                  f"returned {result!r:.300}", file=sys.stderr)
        return result

    @property
    def failed(self) -> list[PluginInfo]:
        return [i for i in self.infos.values() if i.error]

    def require_healthy(self, places: list[Jurisdiction]) -> None:
        """Stop if a plugin that failed to load declared (or may serve) one of ``places``."""
        for info in self.failed:
            serves = [j for j in info.jurisdictions if any(j.matches(p) for p in places)]
            if serves or not info.jurisdictions:
                line = info.error_line()
                line += "" if line.endswith((".", "?", "。", "？")) else "."
                if serves:
                    why = _("It serves {places}, so docforge stops here.", places="、".join(str(j) for j in serves))
                else:
                    why = _("It declares no jurisdiction, so it may serve this village: docforge stops here.")
                raise PluginError(f"{line} {why} {info.fix()}")


def hookimpl_problems(pm: pluggy.PluginManager, plugin: object) -> list[str]:
    """What is wrong with ``plugin``'s hook implementations, each as a sentence with its fix: an
    unknown hook name (with the nearest real one), an argument the hook does not have, an argument
    with a default value (pluggy passes nothing for it, so it would silently keep its default)."""
    problems: list[str] = []
    hooks = sorted(n for n in dir(pm.hook) if n.startswith("docforge_"))
    for attr in dir(plugin):
        try:
            opts = pm.parse_hookimpl_opts(plugin, attr)
        except Exception:  # noqa: BLE001 - an attribute that cannot be read is no hook
            continue
        if opts is None:
            continue
        fn = getattr(plugin, attr)
        if attr not in hooks:
            near = difflib.get_close_matches(attr, hooks, n=1, cutoff=0.6)
            problems.append(_("unknown hook '{hook}' — did you mean '{near}'?", hook=attr, near=near[0]) if near
                            else _("unknown hook '{hook}' (the hooks are {hooks})", hook=attr, hooks=", ".join(hooks)))
            continue
        spec_args = list(inspect.signature(getattr(pm.hook, attr).spec.function).parameters)
        try:
            params = inspect.signature(fn).parameters.values()
        except (TypeError, ValueError):
            continue
        for prm in params:
            if prm.kind in (prm.VAR_POSITIONAL, prm.VAR_KEYWORD):
                problems.append(_("hook {hook} takes *{arg}: list the arguments it uses by name ({args})",
                                  hook=attr, arg=prm.name, args=", ".join(spec_args)))
                continue
            if prm.default is not prm.empty:
                problems.append(_("hook {hook} gives its argument '{arg}' a default value ({arg}={default}); "
                                  "pluggy never passes an argument that has a default, so it would always be "
                                  "{default}: write {hook}({args}) without defaults",
                                  hook=attr, arg=prm.name, default=repr(prm.default), args=", ".join(spec_args)))
            elif prm.name not in spec_args and prm.name != "self":
                near = difflib.get_close_matches(prm.name, spec_args, n=1, cutoff=0.6)
                args = ", ".join(spec_args) or "-"
                problems.append(_("hook {hook} takes an argument '{arg}' the hook does not have — did you mean "
                                  "'{near}'? (its arguments: {args})", hook=attr, arg=prm.name, near=near[0], args=args)
                                if near else
                                _("hook {hook} takes an argument '{arg}' the hook does not have (its arguments: "
                                  "{args})", hook=attr, arg=prm.name, args=args))
    return problems


def _implements_hooks(pm: pluggy.PluginManager, plugin: object) -> bool:
    """Whether ``plugin`` implements a hook other than docforge_jurisdictions."""
    return any(a != "docforge_jurisdictions" and pm.parse_hookimpl_opts(plugin, a) is not None
               for a in dir(plugin) if a.startswith("docforge_"))


def _declared_jurisdictions(plugin: object) -> list[Jurisdiction]:
    fn = getattr(plugin, "docforge_jurisdictions", None)
    if fn is None:
        return []
    result = fn() or []
    if not isinstance(result, (list, tuple)):
        shown = f"{result!r:.80}"
        raise TypeError(_("expected a list of Jurisdiction, got {type}: return [{value}]",
                          type=type(result).__name__, value=shown))
    out = []
    for n, j in enumerate(result, 1):
        try:
            out.append(j if isinstance(j, Jurisdiction) else Jurisdiction.model_validate(j))
        except ValueError as e:
            errors = e.errors() if isinstance(e, pydantic.ValidationError) else []
            detail = "; ".join(f"{'.'.join(map(str, x['loc'])) or 'value'}: {x['msg']}" for x in errors) or str(e)
            shown = f"{j!r:.80}"
            raise ValueError(_("item {n} ({value}) is not a Jurisdiction: {detail}", n=n, value=shown,
                               detail=detail)) from None
    return out


KEYWORD_PREFIX = "docforge-jurisdiction:"


def _metadata_jurisdictions(ep: metadata.EntryPoint) -> list[Jurisdiction]:
    """The jurisdictions a distribution declares in its metadata, so that docforge knows whom a
    plugin serves even when its module fails to import: ``keywords`` of the form
    ``docforge-jurisdiction:LEVEL:NAME`` or ``docforge-jurisdiction:LEVEL:NAME:CODE`` in
    ``pyproject.toml``. Without them a failed plugin may serve any village and stops every render."""
    dist = getattr(ep, "dist", None)
    raw = (dist.metadata.get("Keywords") or "") if dist is not None else ""
    out: list[Jurisdiction] = []
    for word in raw.replace("\n", ",").split(","):
        word = word.strip()
        if not word.startswith(KEYWORD_PREFIX):
            continue
        level, _, rest = word[len(KEYWORD_PREFIX):].partition(":")
        name, _, code = rest.partition(":")
        try:
            out.append(Jurisdiction(level=level, name=name, code=code or None))
        except ValueError:
            continue  # a malformed entry declares nothing
    return out


def _trace(pm: PluginManager) -> None:
    def before(hook_name, hook_impls, kwargs):
        print(f"[docforge trace] {hook_name}({', '.join(kwargs)}) -> "
              f"{[i.plugin_name for i in hook_impls]}", file=sys.stderr)

    def after(outcome, hook_name, hook_impls, kwargs):
        print(f"[docforge trace] {hook_name} returned {outcome.get_result()!r:.300}", file=sys.stderr)

    pm.add_hookcall_monitoring(before, after)


def _dist_of(ep: metadata.EntryPoint) -> tuple[str | None, str | None]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None, None
    return dist.metadata["Name"], dist.version


def make_plugin_manager(load_entrypoints: bool = True, extra: tuple[ModuleType | object, ...] = (),
                        exclude: tuple[str, ...] = ()) -> PluginManager:
    """A fresh manager: default plugins, entry-point plugins (unless disabled, and but those named in
    ``exclude``), then ``extra``."""
    pm = PluginManager()
    from . import __version__

    for modname in DEFAULT_PLUGINS:
        mod = importlib.import_module(modname)
        pm.register_plugin(mod, name=modname.rsplit(".", 1)[-1], version=__version__,
                           distribution="docforge", default=True)
    if load_entrypoints:
        only = os.environ.get("DOCFORGE_LOAD_PLUGINS")
        wanted = None if only is None else {n.strip() for n in only.split(",") if n.strip()}
        eps = sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)
        for ep in eps:
            if (wanted is not None and ep.name not in wanted) or ep.name in exclude:
                continue
            dist_name, version = _dist_of(ep)
            # two distributions under one plugin name: the second is reported, never registered
            key = ep.name if ep.name not in pm.infos else f"{ep.name} ({dist_name or ep.value})"
            try:
                plugin = ep.load()
            except Exception as e:  # noqa: BLE001 - report by name, keep going
                pm.infos[key] = PluginInfo(name=key, version=version, module=ep.value, distribution=dist_name,
                                           jurisdictions=_metadata_jurisdictions(ep),
                                           error=f"{type(e).__name__}: {e}", error_kind="import")
                continue
            if key != ep.name:
                taken = pm.infos[ep.name]
                try:
                    places = _declared_jurisdictions(plugin)
                except Exception:  # noqa: BLE001 - fall back to what its metadata declares
                    places = _metadata_jurisdictions(ep)
                pm.infos[key] = PluginInfo(
                    name=key, version=version, module=ep.value, distribution=dist_name, jurisdictions=places,
                    error=_('the plugin name "{plugin}" is already taken by {other}; uninstall one of the two',
                            plugin=ep.name, other=taken.distribution or taken.module), error_kind="duplicate")
                continue
            pm.register_plugin(plugin, name=ep.name, version=version, distribution=dist_name)
    for i, plugin in enumerate(extra):
        name = getattr(plugin, "__name__", f"extra{i}")
        pm.register_plugin(plugin, name=name, version=getattr(plugin, "__version__", None))
    if os.environ.get("DOCFORGE_TRACE"):
        pm.tracing = True
        _trace(pm)
    return pm


_pm: PluginManager | None = None


def get_plugin_manager() -> PluginManager:
    """The process-wide manager, created on first use."""
    global _pm
    if _pm is None:
        _pm = make_plugin_manager()
    return _pm
