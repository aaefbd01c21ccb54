"""某某县's own legal check: every clause that asks for a deposit is reported."""

from docforge.hookspecs import hookimpl
from docforge.models import Finding, Jurisdiction

COUNTY = Jurisdiction(level="county", name="某某县")


@hookimpl
def docforge_jurisdictions():
    return [COUNTY]


@hookimpl
def docforge_legal_checks(document, village, places, as_of):
    return [Finding(check="county.deposit", document=document.kind.value, clause=b.id,
                    reason=f"{village.village.name}: 押金条款须经县司法局审查")
            for b in document.blocks if "deposit" in b.tags]
