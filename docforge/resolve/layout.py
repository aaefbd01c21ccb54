"""Layout values: a :class:`~docforge.models.Layout` contribution field by field (and clause by clause),
for precedence per field, and the errors a layout's text raises."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


from ..errors import DocforgeError, InputError, PluginError
from ..i18n import _
from ..models import (LAYOUT_FIELDS, DocumentKind)
from .common import VILLAGE_FILE, Contributed


@dataclass
class LayoutValue:
    """One field of a :class:`Layout` contribution, for precedence per field (and clause)."""

    field: str
    clause: str | None
    value: Any

    @property
    def key(self) -> str:
        return f"{self.field}@{self.clause}" if self.clause else self.field


def layout_values(contributed: list[Contributed]) -> list[Contributed]:
    return [Contributed(LayoutValue(f, c.item.clause, getattr(c.item, f)), c.provenance, c.order)
            for c in contributed for f in LAYOUT_FIELDS if getattr(c.item, f) is not None]


def layout_value(layout: dict[str, Contributed], field: str, clause: str = "") -> Any:
    c = layout.get(f"{field}@{clause}" if clause else field)
    return c.item.value if c else None


def unknown_placeholders(text: str, c: Contributed, kind: DocumentKind, field: str, known: str) -> None:
    left = re.search(r"\{[^{}]*\}", text)
    if left:
        raise layout_error(c, kind, _("{field}: '{placeholder}' is not a placeholder it takes; use {known}",
                                       field=field, placeholder=left.group(0), known=known))


def layout_error(c: Contributed, kind: DocumentKind, msg: str) -> DocforgeError:
    if c.provenance.plugin == VILLAGE_FILE:
        return InputError(_("village file, layout.{index} ({document}): {problem}", index=c.order,
                            document=kind.value, problem=msg))
    return PluginError(_('plugin "{plugin}" ({jurisdiction}), layout of {document}: {problem}',
                         plugin=c.provenance.plugin, jurisdiction=c.provenance.jurisdiction, document=kind.value,
                         problem=msg))
