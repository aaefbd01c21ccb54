"""The national layer: the base text of the six documents (seed 篇2 annexes), the national
instruments they cite, and the national policy defaults.

Province and county plugins change all of it through the same hooks.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from ..hookspecs import hookimpl
from ..models import NATIONAL, Clause, DocumentKind, Instrument, PolicyValue

DATA = Path(__file__).parent / "data"


@cache
def base_clauses(kind: DocumentKind) -> tuple[Clause, ...]:
    """The base clauses of ``kind``, flattened from the nested YAML (``children`` set ``parent``)."""
    data = yaml.safe_load((DATA / f"{kind.value}.yaml").read_text(encoding="utf-8"))
    out: list[Clause] = []

    def walk(items: list[dict], parent: str | None) -> None:
        for raw in items:
            raw = dict(raw)
            kids = raw.pop("children", [])
            out.append(Clause(document=kind, parent=parent, **raw))
            walk(kids, raw["id"])

    walk(data["clauses"], None)
    return tuple(out)


@cache
def national_instruments() -> tuple[Instrument, ...]:
    data = yaml.safe_load((DATA / "instruments.yaml").read_text(encoding="utf-8"))
    return tuple(Instrument.model_validate(i) for i in data["instruments"])


NATIONAL_POLICIES = {
    "marriage_age.men": 22,  # 婚姻法 / 民法典第一千零四十七条
    "marriage_age.women": 20,
    "hearing.frequency": "每季度",
    "inflow.party_a": "村民委员会",
    "copies.contraception": ["甲方", "乙方"],
    "copies.birth_spacing": ["甲方", "乙方"],
    "copies.outflow": ["甲方", "乙方"],
    "copies.inflow": ["甲方", "乙方", "县公证处", "市公证处"],
}


@hookimpl
def docforge_jurisdictions():
    return [NATIONAL]


@hookimpl
def docforge_clauses(document, places, as_of):
    return list(base_clauses(DocumentKind(document)))


@hookimpl
def docforge_policies(places, as_of):
    return [PolicyValue(key=k, value=v, legal_basis="seed 篇2 附件") for k, v in NATIONAL_POLICIES.items()]


@hookimpl
def docforge_instruments(places, as_of):
    return list(national_instruments())
