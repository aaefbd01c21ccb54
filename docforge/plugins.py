"""The plugin manager: built-in default plugins, entry-point loading with per-plugin error capture.

Environment:

- ``DOCFORGE_LOAD_PLUGINS=name1,name2`` loads only these entry-point plugins (empty: none).
- ``DOCFORGE_TRACE=1`` prints every hook call and its result to stderr.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType

import pluggy

from . import hookspecs
from .errors import PluginError
from .i18n import gettext as _
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

    def as_dict(self) -> dict:
        return {"name": self.name, "version": self.version, "module": self.module,
                "distribution": self.distribution, "default": self.default, "hooks": self.hooks,
                "jurisdictions": [j.model_dump(mode="json") for j in self.jurisdictions],
                "error": self.error}


class PluginManager(pluggy.PluginManager):
    """pluggy's manager plus what docforge knows of each plugin (name, version, failures)."""

    def __init__(self) -> None:
        super().__init__("docforge")
        self.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        self.trace = False

    def register_plugin(self, plugin: object, name: str, version: str | None = None,
                        distribution: str | None = None, default: bool = False) -> PluginInfo:
        module = getattr(plugin, "__name__", type(plugin).__name__)
        info = PluginInfo(name=name, version=version, module=module, distribution=distribution, default=default)
        try:
            self.register(plugin, name=name)
            self.check_pending()
        except pluggy.PluginValidationError as e:
            self.unregister(name=name)
            info.error = _("invalid hook implementation: {error}", error=e)
            try:  # whom it serves, so that villages elsewhere still render (require_healthy)
                info.jurisdictions = _declared_jurisdictions(plugin)
            except Exception:  # noqa: BLE001 - then it may serve any village
                pass
            self.infos[name] = info
            return info
        info.hooks = sorted(c.name for c in self.get_hookcallers(plugin) or [])
        try:
            info.jurisdictions = _declared_jurisdictions(plugin)
        except Exception as e:  # noqa: BLE001 - a broken plugin must not break the others
            self.unregister(name=name)
            info.error = _("docforge_jurisdictions failed: {error}", error=type(e).__name__ + ": " + str(e))
        self.infos[name] = info
        return info

    def info_of(self, plugin_name: str) -> PluginInfo:
        return self.infos[plugin_name]

    def call_one(self, hook_name: str, impl: pluggy.HookImpl, kwargs: dict) -> object:
        """Call one plugin's implementation of ``hook_name``. Resolution asks each plugin
        separately (to keep provenance), which bypasses pluggy's call monitoring, so
        ``DOCFORGE_TRACE`` is honoured here."""
        result = impl.function(**{k: kwargs[k] for k in impl.argnames})
        if self.trace:
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
                raise PluginError(_(
                    'Error importing plugin "{plugin}": {error}. It may serve this village\'s jurisdictions, so '
                    "docforge stops here. Fix or reinstall it (pip install --force-reinstall {distribution}), or "
                    "exclude it with DOCFORGE_LOAD_PLUGINS=<the plugins to load>.", plugin=info.name,
                    error=info.error, distribution=info.distribution or info.name))


def _declared_jurisdictions(plugin: object) -> list[Jurisdiction]:
    fn = getattr(plugin, "docforge_jurisdictions", None)
    if fn is None:
        return []
    result = fn() or []
    return [j if isinstance(j, Jurisdiction) else Jurisdiction.model_validate(j) for j in result]


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


def make_plugin_manager(load_entrypoints: bool = True, extra: tuple[ModuleType | object, ...] = ()) -> PluginManager:
    """A fresh manager: default plugins, entry-point plugins (unless disabled), then ``extra``."""
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
            if wanted is not None and ep.name not in wanted:
                continue
            dist_name, version = _dist_of(ep)
            # two distributions under one plugin name: the second is reported, never registered
            key = ep.name if ep.name not in pm.infos else f"{ep.name} ({dist_name or ep.value})"
            try:
                plugin = ep.load()
            except Exception as e:  # noqa: BLE001 - report by name, keep going
                pm.infos[key] = PluginInfo(name=key, version=version, module=ep.value, distribution=dist_name,
                                           jurisdictions=_metadata_jurisdictions(ep),
                                           error=type(e).__name__ + ": " + str(e))
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
                            plugin=ep.name, other=taken.distribution or taken.module))
                continue
            pm.register_plugin(plugin, name=ep.name, version=version, distribution=dist_name)
    for i, plugin in enumerate(extra):
        name = getattr(plugin, "__name__", f"extra{i}")
        pm.register_plugin(plugin, name=name, version=getattr(plugin, "__version__", None))
    if os.environ.get("DOCFORGE_TRACE"):
        pm.trace = True
        _trace(pm)
    return pm


_pm: PluginManager | None = None


def get_plugin_manager() -> PluginManager:
    """The process-wide manager, created on first use."""
    global _pm
    if _pm is None:
        _pm = make_plugin_manager()
    return _pm
