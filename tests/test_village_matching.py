"""A village plugin applies to its own village only: matched on the whole chain (its county's code at
least), never on the village's name alone."""

from __future__ import annotations

from conftest import resolver, village_data

from docforge.hookspecs import hookimpl
from docforge.models import Clause, Jurisdiction
from docforge.plugins import make_plugin_manager

YUYAO = {"level": "county", "name": "余姚市", "code": "330281"}
JIANGJIADU = Jurisdiction(level="village", name="姜家渡村",
                          within=[YUYAO, {"level": "township", "name": "梨洲街道"}])


class VillagePlugin:
    """A village's own plugin: one article of its charter."""

    def __init__(self, jurisdiction: Jurisdiction, name: str = "jiangjiadu"):
        self.jurisdiction, self.__name__ = jurisdiction, name

    @hookimpl
    def docforge_jurisdictions(self):
        return [self.jurisdiction]

    @hookimpl
    def docforge_clauses(self, document, places, as_of):
        if document == "charter":
            return [Clause(id="jiangjiadu.charter.own", document="charter", op="add", type="article",
                           after="charter.basis", text="本村村民应当遵守本章程。")]


ZHEJIANG = village_data({"name": "浙江省", "code": "330000"}, {"name": "余姚市", "code": "330281"},
                        prefecture={"name": "宁波市", "code": "330200"}, township={"name": "梨洲街道"},
                        village={"name": "姜家渡村"})
# a made-up village of the same name in 甘肃
GANSU = village_data({"name": "甘肃省", "code": "620000"}, {"name": "会宁县", "code": "620422"},
                     township={"name": "梨洲街道"}, village={"name": "姜家渡村"})


def ids(village: dict, plugin) -> list[str]:
    return [b.id for b in resolver(village, plugin).clause_tree("charter").numbered()]


def test_a_village_plugin_applies_to_its_village_only():
    assert "jiangjiadu.charter.own" in ids(ZHEJIANG, VillagePlugin(JIANGJIADU))
    assert "jiangjiadu.charter.own" not in ids(GANSU, VillagePlugin(JIANGJIADU))


def test_a_county_code_in_the_chain_must_be_the_village_files():
    no_code = {**ZHEJIANG, "county": {"name": "余姚市"}}
    assert "jiangjiadu.charter.own" not in ids(no_code, VillagePlugin(JIANGJIADU))
    other_township = {**ZHEJIANG, "township": {"name": "凤山街道"}}
    assert "jiangjiadu.charter.own" not in ids(other_township, VillagePlugin(JIANGJIADU))


def test_a_full_village_code_names_its_county():
    coded = Jurisdiction(level="village", name="姜家渡村", code="330281001001")
    assert "jiangjiadu.charter.own" in ids(ZHEJIANG, VillagePlugin(coded))
    assert "jiangjiadu.charter.own" not in ids(GANSU, VillagePlugin(coded))
    # where the village file gives the village's code too, the codes decide
    assert "jiangjiadu.charter.own" not in ids(
        {**ZHEJIANG, "village": {"name": "姜家渡村", "code": "330281001002"}}, VillagePlugin(coded))


def test_a_village_declared_by_name_alone_is_refused():
    class ByName:
        __name__ = "by_name"

        @staticmethod
        @hookimpl
        def docforge_jurisdictions():
            return [{"level": "village", "name": "姜家渡村"}]

    pm = make_plugin_manager(load_entrypoints=False, extra=(ByName(),))
    error = pm.infos["by_name"].error
    assert "village '姜家渡村' is matched on its whole chain, never on its name alone" in error
    assert "within=[{level: county" in error


def test_the_rendered_charters(tmp_path):
    """Read back from the DOCX: the article is in 余姚市's 姜家渡村 and not in 会宁县's."""
    import docforge_gansu
    import docforge_gansu_huining
    from conftest import docx_paragraphs
    from plugins import zhejiang

    from docforge.render.docx import write_docx

    own = "第二条：本村村民应当遵守本章程。"
    doc = resolver(ZHEJIANG, zhejiang, VillagePlugin(JIANGJIADU)).document("charter")
    write_docx(doc, tmp_path / "zhejiang.docx")
    assert own in docx_paragraphs(tmp_path / "zhejiang.docx")
    doc = resolver(GANSU, docforge_gansu, docforge_gansu_huining, VillagePlugin(JIANGJIADU)).document("charter")
    write_docx(doc, tmp_path / "gansu.docx")
    text = docx_paragraphs(tmp_path / "gansu.docx")
    assert text[0] == "姜家渡村人口和计划生育村居民自治章程" and not any("本村村民应当遵守本章程" in p for p in text)
