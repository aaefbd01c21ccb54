"""许昌市 and its 长葛市, with 长葛市's own deposit under a mistyped code (411083 for 411082): the
contribution names a place the plugin does not declare."""

from docforge.hookspecs import hookimpl
from docforge.models import Amount, Jurisdiction

XUCHANG = Jurisdiction(level="prefecture", name="许昌市", code="411000")
CHANGGE = Jurisdiction(level="county", name="长葛市", code="411082")


@hookimpl
def docforge_jurisdictions():
    return [XUCHANG, CHANGGE]


@hookimpl
def docforge_amounts(places, as_of):
    return [Amount(key="deposit.contraception.two_child", amount=600, jurisdiction=XUCHANG),
            Amount(key="deposit.contraception.two_child", amount=800,
                   jurisdiction=Jurisdiction(level="county", name="长葛市", code="411083"))]
