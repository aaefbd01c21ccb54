"""What every model shares: the :class:`Model` base (unknown fields refused) and the one rule for
the inputs' texts (:func:`text_problem`), with the constrained text types built on it."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints

from ..errors import has_id_number
from ..i18n import _


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


# --------------------------------------------------------------------------- text

#: Bidirectional controls (LRE RLE PDF LRO RLO, LRI RLI FSI PDI, LRM RLM ALM): they reorder what a
#: reader sees without changing what the file holds, so printed text would differ from the data.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def text_problem(value: str, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be printed in a document exactly as written, or None.

    One rule for every text of the inputs: no lone surrogate (a damaged or badly converted file;
    XML cannot hold one), no control character (a line break only where ``multiline``), no
    non-character (U+FFFE, U+FFFF), no bidirectional control, not blank, and no identity number
    (it would be printed where only a name or an address belongs)."""
    if not value.strip():
        return _("is blank: write the text, or leave the field out")
    for i, c in enumerate(value):
        o = ord(c)
        at = dict(code=f"U+{o:04X}", n=i + 1)
        if 0xD800 <= o <= 0xDFFF:
            return _("holds a lone surrogate ({code}) at character {n}, which no document can hold: the file was "
                     "damaged or converted badly; type the text again", **at)
        if (c in "\n\r" or unicodedata.category(c) in ("Zl", "Zp")) and not multiline:
            return _("holds a line break at character {n}: write it on one line", n=i + 1)
        if unicodedata.category(c) == "Cc" and c not in "\n\r":
            return _("holds the control character {code} at character {n}, which does not print: delete it (it "
                     "often comes from copying out of another program)", **at)
        if o in (0xFFFE, 0xFFFF):
            return _("holds the non-character {code} at character {n}: delete it", **at)
        if o == 0xFFFD:
            return _("holds U+FFFD (�) at character {n}, the mark of a character lost when the text was converted: "
                     "type the text again", n=i + 1)
        if c in _BIDI:
            return _("holds the invisible direction mark {code} at character {n}, which changes the order in which "
                     "the text shows: delete it", **at)
    if has_id_number(value):
        return _("holds what looks like an identity number: only the id_number fields take one")
    return None


def _check_text(value: object) -> object:
    # before pydantic's own str validation, whose message for a lone surrogate says less
    problem = text_problem(value) if isinstance(value, str) else None
    if problem:
        raise ValueError(problem)
    return value


#: One-line texts of at most so many characters: what fits where the document prints them (a place
#: in a title, a name in a party block, an address on one line of the 乙方 block); real values are
#: far shorter. Written out (not made by a function) so that type checkers take them as types.
PlaceName = Annotated[str, StringConstraints(max_length=40), BeforeValidator(_check_text)]
PersonName = Annotated[str, StringConstraints(max_length=40), BeforeValidator(_check_text)]
Address = Annotated[str, StringConstraints(max_length=120), BeforeValidator(_check_text)]
Phone = Annotated[str, StringConstraints(max_length=40), BeforeValidator(_check_text)]
CLAUSE_MAX_CHARS = 5000  # a village file's own clause: one article, however long
