"""What the resolver's parts share: a contribution and its provenance, a missing value, the
placeholder syntax and the village file's provenance name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, TypeVar

from pydantic import BaseModel

from ..i18n import N_, _, language
from ..models import (Jurisdiction, Provenance)


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


def chain_text(places: list[Jurisdiction]) -> str:
    zh = language() == "zh"
    return " / ".join(f"{p.name}（{p.level.label if zh else p.level.value}）" for p in reversed(places))



def did_you_mean(asked: list[str], ids: Iterable[str]) -> str:
    """`` — did you mean 'charter.incentives'?`` for the first of ``asked`` with a near id, or ''."""
    import difflib

    ids = list(ids)
    for x in asked:
        near = difflib.get_close_matches(x, ids, n=1, cutoff=0.75)
        if near:
            return _(" — did you mean '{id}'?", id=near[0])
    return ""
