"""What a plugin's hook returns, checked: the items' type, their names in messages, pydantic's errors
and the jurisdiction a contribution names."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import PluginError
from ..i18n import _
from ..models import (Jurisdiction, Selection)


def returned_items(result: Any, model: type[BaseModel], plugin: str, hook: str) -> list[Any]:
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


def item_name(raw: Any, n: int) -> str:
    """``item 13, key 'deposit.outflow'``: the position and, where it has one, the key or id."""
    for attr in ("key", "id"):
        value = raw.get(attr) if isinstance(raw, dict) else getattr(raw, attr, None)
        if isinstance(value, str):
            return f"item {n + 1}, {attr} '{value}'"
    return f"item {n + 1}"


def pydantic_errors(e: ValidationError) -> str:
    """pydantic's errors, one clause each: ``amount: Input should be … (got -5)``."""
    parts = []
    for err in e.errors():
        where = ".".join(str(x) for x in err["loc"]) or "value"
        got = f" (got {err['input']!r:.60})" if err["type"] != "missing" and not isinstance(err["input"], dict) else ""
        parts.append(f"{where}: {err['msg']}{got}")
    return "; ".join(parts)


def declared(jur: Jurisdiction, info, hook_name: str, item: Any, n: int) -> Jurisdiction:
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
                        item=item_name(item.model_dump(), n), place=jur, declared=declared)
                      + hint + _("Correct the contribution's jurisdiction=, or add the place to "
                                 "docforge_jurisdictions()."))
