"""某某县 removes the charter's 第三条 (charter.binding): every later article moves up by one."""

from docforge.hookspecs import hookimpl
from docforge.models import Clause, Jurisdiction

COUNTY = Jurisdiction(level="county", name="某某县")


@hookimpl
def docforge_jurisdictions():
    return [COUNTY]


@hookimpl
def docforge_clauses(document, places, as_of):
    if document == "charter":
        return [Clause(id="charter.binding", document="charter", op="remove")]
    return None
