"""A hook implementation with a default value: pluggy passes nothing for ``as_of``, so it would
always be None."""

import datetime as dt

from docforge.hookspecs import hookimpl
from docforge.models import Amount, Jurisdiction


@hookimpl
def docforge_jurisdictions():
    return [Jurisdiction(level="county", name="会宁县", code="620422")]


@hookimpl
def docforge_amounts(places, as_of=None):
    if dt.date(2010, 1, 1) <= as_of:
        return [Amount(key="deposit.outflow", amount=300)]
    return None
