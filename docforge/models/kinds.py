"""The six documents (:class:`DocumentKind`), their names in messages, and the types of a
document's blocks."""

from __future__ import annotations

from enum import Enum
from typing import Literal

from ..i18n import N_, _


#: Each document's name in messages (its code in English, its title in Chinese).
DOCUMENT_NAMES = {"charter": N_("charter"), "convention": N_("convention"), "contraception": N_("contraception"),
                  "birth-spacing": N_("birth-spacing"), "outflow": N_("outflow"), "inflow": N_("inflow")}


def document_name(kind: "DocumentKind | str") -> str:
    """A document's name in messages: ``charter`` in English, 自治章程 in Chinese."""
    code = getattr(kind, "value", kind)
    return _(DOCUMENT_NAMES[code]) if code in DOCUMENT_NAMES else str(code)


class DocumentKind(str, Enum):
    """The six documents. The value is spelled with ``-`` (``birth-spacing``), clause ids and Python
    names with ``_`` (``birth_spacing``): both spellings are accepted, in ``DocumentKind("…")`` and in
    a comparison (``document == "birth_spacing"`` is true for the birth-spacing agreement). Comparing
    a kind with a string that names no kind (``document == "charterr"``) raises ``ValueError``
    instead of being silently false."""

    charter = "charter"
    convention = "convention"
    contraception = "contraception"
    birth_spacing = "birth-spacing"
    outflow = "outflow"
    inflow = "inflow"

    @classmethod
    def _missing_(cls, value: object) -> "DocumentKind | None":
        if isinstance(value, str):
            spelled = value.strip().replace("_", "-")
            return next((kind for kind in cls if kind.value == spelled), None)
        return None

    @classmethod
    def parse(cls, value: str) -> "DocumentKind":
        """The kind ``value`` names, or a ``ValueError`` listing the kinds (and the nearest one)."""
        try:
            return cls(value)
        except ValueError:
            import difflib

            kinds = [k.value for k in cls]
            near = difflib.get_close_matches(str(value).replace("_", "-"), kinds, n=1, cutoff=0.6)
            from ..i18n import _

            if near:
                raise ValueError(_("'{value}' is not a document kind — did you mean '{near}'? (the kinds: {kinds})",
                                   value=value, near=near[0], kinds=", ".join(kinds))) from None
            raise ValueError(_("'{value}' is not a document kind (the kinds: {kinds})", value=value,
                               kinds=", ".join(kinds))) from None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DocumentKind):
            return self is other
        if isinstance(other, str):
            return self is DocumentKind.parse(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = str.__hash__

    @property
    def is_agreement(self) -> bool:
        return self not in (DocumentKind.charter, DocumentKind.convention)


AGREEMENTS = [k for k in DocumentKind if k.is_agreement]

BlockType = Literal["title", "chapter", "article", "section", "subsection", "item", "para"]
