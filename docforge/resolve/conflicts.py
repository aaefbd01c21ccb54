"""Conflict reporting: two contributions for one jurisdiction that disagree, and where they differ."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from ..errors import ConflictError
from ..i18n import _
from .common import Contributed


def check_layer_conflicts(layer: list[Contributed]) -> None:
    seen: dict[str, Contributed] = {}
    for c in layer:
        prev = seen.get(c.item.id)
        if prev and prev.provenance.plugin != c.provenance.plugin and \
                prev.item.model_dump(exclude={"jurisdiction"}) != c.item.model_dump(exclude={"jurisdiction"}):
            raise conflict(f"clause '{c.item.id}' of {c.item.document.value}", prev, c,
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


def conflict(what: str, prev: Contributed, c: Contributed, va: Any, vb: Any) -> ConflictError:
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
