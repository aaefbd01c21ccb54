"""某某县 decides for migrant households itself (nobody signs the inflow agreement there) and
leaves every other household to the national rules."""

from docforge.hookspecs import hookimpl
from docforge.models import Jurisdiction, Selection

COUNTY = Jurisdiction(level="county", name="某某县")
REASON = "本县流入人口由乡镇人民政府统一管理，不与村民委员会签订协议"


@hookimpl
def docforge_jurisdictions():
    return [COUNTY]


@hookimpl
def docforge_select_agreements(household, village, places, as_of, policies):
    if household.migration == "inflow":
        return Selection(agreements=[], reasons={"none": REASON})
    return None
