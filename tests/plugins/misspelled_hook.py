"""A hook whose name lacks its final s: docforge_amount instead of docforge_amounts."""

from docforge.hookspecs import hookimpl
from docforge.models import Amount, Jurisdiction


@hookimpl
def docforge_jurisdictions():
    return [Jurisdiction(level="county", name="会宁县", code="620422")]


@hookimpl
def docforge_amount(places, as_of):
    return [Amount(key="deposit.outflow", amount=300)]
