"""A second plugin for 甘肃省 that agrees with docforge-gansu: no conflict, and the value is
attributed the same way whatever the load order."""

from docforge.hookspecs import hookimpl
from docforge.models import Amount, Jurisdiction

GANSU = Jurisdiction(level="province", name="甘肃省", code="620000")


@hookimpl
def docforge_jurisdictions():
    return [GANSU]


@hookimpl
def docforge_amounts(places, as_of):
    return [Amount(key="deposit.contraception.one_child", amount=200),
            Amount(key="deposit.outflow", amount="200.00")]
