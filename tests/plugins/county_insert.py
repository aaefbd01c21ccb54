"""某某县 inserts an item before the first item of 第十一条 and a convention article that refers to
another by id."""

from docforge.hookspecs import hookimpl
from docforge.models import Clause, Jurisdiction

COUNTY = Jurisdiction(level="county", name="某某县")


@hookimpl
def docforge_jurisdictions():
    return [COUNTY]


@hookimpl
def docforge_clauses(document, places, as_of):
    if document == "charter":
        return [Clause(id="county.charter.incentives.first", document="charter", type="item",
                       before="charter.incentives.priority", text="首项：计生户子女入学给予照顾。")]
    if document == "convention":
        return [Clause(id="county.convention.review", document="convention", type="article",
                       after="convention.prohibitions",
                       text="村民对本公约执行情况有异议的，可以在依照{ref:convention.publicity}召开的听证会上提出。")]
    return None
