"""Two plugins that each carry 河南省's regulation, with different dates (a prefecture plugin that
repeats its province instead of depending on it), and one plugin that returns two versions of one
amount in force on the same day."""

from docforge.hookspecs import hookimpl
from docforge.models import Amount, Instrument, InstrumentVersion, Jurisdiction

HENAN = Jurisdiction(level="province", name="河南省", code="410000")


def regulation(first_from: str) -> Instrument:
    return Instrument(id="province.population_regulation", name="河南省人口与计划生育条例", level="local_regulation",
                      issuer="河南省人民代表大会常务委员会", jurisdiction=HENAN, versions=[
                          InstrumentVersion(label="2002年通过", effective_from=first_from, effective_to="2016-03-29"),
                          InstrumentVersion(label="2016年修正", effective_from="2016-03-30")])


class Province:
    __name__ = "henan"

    @hookimpl
    def docforge_jurisdictions(self):
        return [HENAN]

    @hookimpl
    def docforge_instruments(self, places, as_of):
        return [regulation("2002-12-01")]


class Prefecture:
    __name__ = "xuchang"

    @hookimpl
    def docforge_jurisdictions(self):
        return [HENAN, Jurisdiction(level="prefecture", name="许昌市", code="411000")]

    @hookimpl
    def docforge_instruments(self, places, as_of):
        return [regulation("2002-10-01")]


class SelfContradicting:
    __name__ = "henan_overlap"

    @hookimpl
    def docforge_jurisdictions(self):
        return [HENAN]

    @hookimpl
    def docforge_amounts(self, places, as_of):
        return [Amount(key="deposit.outflow", amount=200, effective_from="2002-01-01"),
                Amount(key="deposit.outflow", amount=300, effective_from="2010-01-01")]
