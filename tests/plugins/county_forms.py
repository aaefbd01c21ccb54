"""正定县 prints the contraception agreement's 乙方 as the couple and has each spouse sign on a line of
their own (policy values form.contraception.*, over the national data/forms.yaml)."""

from docforge.hookspecs import hookimpl
from docforge.models import Jurisdiction, PolicyValue

COUNTY = Jurisdiction(level="county", name="正定县", code="130123")


@hookimpl
def docforge_jurisdictions():
    return [COUNTY]


@hookimpl
def docforge_policies(places, as_of):
    return [
        PolicyValue(key="form.contraception.party_b", value=["乙方：{husband}、{wife}（{group}）"]),
        PolicyValue(key="form.contraception.signature",
                    value=["{sign:party_a}甲方盖章：", "{sign:party_b}乙方（丈夫）签字：", "{sign:party_b}乙方（妻子）签字：",
                           "签订时间：{blank_date}"]),
        PolicyValue(key="form.term", value="自{from}起至{to}止。"),
    ]
