"""某某县 amends the charter from 2008-01-01, each change with its legal basis (修订依据):

- adds an article after 第四条 (charter.implementation), on the 1998 村民委员会组织法 第二十条;
- replaces the text of charter.targets, on its own guidance (an instrument it supplies);
- removes the item charter.incentives.priority, and the whole article charter.association_home.

One added and one removed article: the articles between them move down by one (renumbered, text
unchanged); those after the removed one keep their numbers.
"""

import datetime as dt

from docforge.hookspecs import hookimpl
from docforge.models import ArticleRef, Basis, Clause, Instrument, InstrumentVersion, Jurisdiction

COUNTY = Jurisdiction(level="county", name="某某县")
FROM = dt.date(2008, 1, 1)
GUIDANCE = "county.charter_guidance"
TARGETS_TEXT = "村委会要认真贯彻执行有关法律法规，依法做好计划生育工作，促进人口与经济社会协调发展。"
RIGHTS_TEXT = "本章程不得有侵犯村民的人身权利、民主权利和合法财产权利的内容。"


@hookimpl
def docforge_jurisdictions():
    return [COUNTY]


@hookimpl
def docforge_instruments(places, as_of):
    return [Instrument(id=GUIDANCE, name="某某县村民自治章程修订指导意见", issuer="某某县人民政府", level="rule",
                       versions=[InstrumentVersion(label="2008年版", effective_from=FROM,
                                                   articles={"targets": ArticleRef(number=3),
                                                             "incentives": ArticleRef(number=5)})])]


@hookimpl
def docforge_clauses(document, places, as_of):
    if document != "charter":
        return None
    return [
        Clause(id="county.charter.rights", document="charter", type="article", after="charter.implementation",
               text=RIGHTS_TEXT, effective_from=FROM,
               basis=[Basis(instrument="villagers_committee_law", article="charter_adoption",
                            note="不得侵犯村民的人身权利、民主权利和合法财产权利")]),
        Clause(id="charter.targets", document="charter", op="replace", text=TARGETS_TEXT, effective_from=FROM,
               basis=[Basis(instrument=GUIDANCE, version="2008年版", article="targets", note="目标任务依法表述")]),
        Clause(id="charter.incentives.priority", document="charter", op="remove", effective_from=FROM,
               basis=[Basis(instrument=GUIDANCE, version="2008年版", article="incentives", note="取消优先待遇")]),
        Clause(id="charter.association_home", document="charter", op="remove", effective_from=FROM),
    ]
