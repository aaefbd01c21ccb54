"""某某县 rewords the charter's 第十条 (charter.association_home) in place."""

from docforge.hookspecs import hookimpl
from docforge.models import Clause, Jurisdiction

COUNTY = Jurisdiction(level="county", name="某某县")
TEXT = "每个村都要建立计划生育协会之家，做到有牌子、有名册、有制度、有资料、有活动、有记录、有经费。"


@hookimpl
def docforge_jurisdictions():
    return [COUNTY]


@hookimpl
def docforge_clauses(document, places, as_of):
    if document == "charter":
        return [Clause(id="charter.association_home", document="charter", op="replace", text=TEXT,
                       legal_basis="某某县测试文件")]
    return None
