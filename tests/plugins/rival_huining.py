"""A second plugin for 会宁县 that rewrites the article docforge-gansu-huining adds: two plugins of
one jurisdiction changing one clause differently."""

from docforge.hookspecs import hookimpl
from docforge.models import Clause, Jurisdiction

HUINING = Jurisdiction(level="county", name="会宁县", code="620422")


@hookimpl
def docforge_jurisdictions():
    return [HUINING]


@hookimpl
def docforge_clauses(document, places, as_of):
    if document == "charter":
        return [Clause(id="huining.charter.education_aid", document="charter", op="replace",
                       text="村委会对计生户子女考入大中专院校的，给予奖励。")]
    return None
