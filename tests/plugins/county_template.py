"""某某县 ships its own charter template. ``PATH`` is set by the test that uses it."""

from docforge.hookspecs import hookimpl
from docforge.models import Jurisdiction, TemplateOverride

COUNTY = Jurisdiction(level="county", name="某某县")
PATH = None


@hookimpl
def docforge_jurisdictions():
    return [COUNTY]


@hookimpl
def docforge_templates(places, as_of):
    return [TemplateOverride(document="charter", path=str(PATH))]
