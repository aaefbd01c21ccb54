"""某某县 sets policy values over the province's and the national ones."""

from docforge.hookspecs import hookimpl
from docforge.models import Jurisdiction, PolicyValue

COUNTY = Jurisdiction(level="county", name="某某县")


@hookimpl
def docforge_jurisdictions():
    return [COUNTY]


@hookimpl
def docforge_policies(places, as_of):
    return [PolicyValue(key="birth_spacing.years", value=3),
            PolicyValue(key="inflow.party_a", value="乡镇人民政府"),
            PolicyValue(key="copies.inflow", value=["甲方", "乙方", "县公证处"])]
