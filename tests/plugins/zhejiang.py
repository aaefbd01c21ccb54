"""浙江省 (330000) for the tests: a province that supplies only what its charter needs (its regulation,
two policy numbers) and the layout its villages' charters are printed in (township first in the title,
``第N条：``, items ``1、``). It supplies no amounts, so the agreements and the convention cannot be
resolved for its villages. The regulation's version dates are the fixture's, not checked facts."""

from docforge.hookspecs import hookimpl
from docforge.models import Instrument, InstrumentVersion, Jurisdiction, Layout, PolicyValue

ZHEJIANG = Jurisdiction(level="province", name="浙江省", code="330000")


@hookimpl
def docforge_jurisdictions():
    return [ZHEJIANG]


@hookimpl
def docforge_instruments(places, as_of):
    return [Instrument(id="province.population_regulation", name="浙江省人口与计划生育条例", level="local_regulation",
                       issuer="浙江省人民代表大会常务委员会", versions=[
                           InstrumentVersion(label="测试版", effective_from="2002-12-01",
                                             articles={"spacing": {"number": 19}})])]


@hookimpl
def docforge_policies(places, as_of):
    return [PolicyValue(key="association.contact_min", value=5), PolicyValue(key="association.contact_max", value=10)]


@hookimpl
def docforge_layout(document, places, as_of):
    if document == "charter":
        return [Layout(document="charter", title="{place:township}{place:village}{title}", article_separator="：",
                       chapter_separator="　", item_style="arabic", legal_basis="浙江省村级章程格式")]
    return None
