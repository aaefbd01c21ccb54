"""正定县 (河北省)'s legal check has a bug: it raises for every document."""

from docforge.hookspecs import hookimpl
from docforge.models import Jurisdiction


@hookimpl
def docforge_jurisdictions():
    return [Jurisdiction(level="county", name="正定县", code="130123")]


@hookimpl
def docforge_legal_checks(document, village, places, as_of):
    raise KeyError("deposit.zhengding")
