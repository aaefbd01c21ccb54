"""A second plugin for 甘肃省 that disagrees with docforge-gansu on a deposit (which 会宁县
overrides anyway): a conflict, whatever the load order."""

from docforge.hookspecs import hookimpl
from docforge.models import Amount, Jurisdiction

GANSU = Jurisdiction(level="province", name="甘肃省", code="620000")


@hookimpl
def docforge_jurisdictions():
    return [GANSU]


@hookimpl
def docforge_amounts(places, as_of):
    return [Amount(key="deposit.contraception.two_child", amount=450)]
