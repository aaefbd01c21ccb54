"""A plugin that speaks for two places but forgets ``jurisdiction=`` on a contribution."""

from docforge.hookspecs import hookimpl
from docforge.models import Amount, Jurisdiction


@hookimpl
def docforge_jurisdictions():
    return [Jurisdiction(level="province", name="某某省"), Jurisdiction(level="county", name="某某县")]


@hookimpl
def docforge_amounts(places, as_of):
    return [Amount(key="deposit.outflow", amount=300)]
