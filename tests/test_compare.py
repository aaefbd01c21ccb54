"""The 修订对照表: the engine (alignment by clause id, marks, bases), the DOCX read back (rows, struck
and underlined runs, 修订依据), the PDF read back, the CLI (one village on two dates, two village files,
--all, bad input), the bundle's --compare-from, determinism."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import docforge_sample_county
import pytest
import yaml
from conftest import GANSU_VILLAGE, VILLAGE, resolver, write_yaml
from docx import Document as Docx
from plugins import county_amend

from docforge.compare import CITED_NOTE, LawRegistry, compare_documents
from docforge.errors import InputError, PluginError
from docforge.models import Basis
from docforge.render.comparison import comparison_context, comparison_template, render_comparison
from docforge.render.docx import _reference, render_context

OLD_ON = dt.date(2006, 7, 24)
NEW_ON = dt.date(2009, 6, 1)  # county_amend's changes are in force from 2008-01-01


def amended(*extra, old_on=OLD_ON, new_on=NEW_ON):
    """The charter of the example village before and after county_amend, and the comparison."""
    r0 = resolver(VILLAGE, docforge_sample_county, county_amend, *extra, as_of=old_on)
    r1 = resolver(VILLAGE, docforge_sample_county, county_amend, *extra, as_of=new_on)
    old, new = r0.document("charter"), r1.document("charter")
    laws = LawRegistry({k: c.item for k, c in r1.instruments().items()})
    return old, new, laws


def by_id(comparison):
    return {r.id: r for r in comparison.rows}


def marked(passages, mark):
    return "".join(s.text for p in passages for s in p.segments if s.mark == mark)


# --------------------------------------------------------------------------- engine


def test_rows_are_aligned_by_clause_id_with_marks_and_bases():
    old, new, laws = amended()
    c = compare_documents(old, new, laws=laws)
    rows = by_id(c)
    assert c.title == "《某某村人口和计划生育村居民自治章程》修订对照表"
    # rows in the new text's order; the removed article stands where it stood in the old text
    assert [r.id for r in c.rows] == [
        "county.charter.rights", "charter.leading_group", "charter.rules", "charter.targets", "charter.staff",
        "charter.association", "charter.association_home", "charter.incentives"]

    added = rows["county.charter.rights"]
    assert (added.change, added.old_label, added.new_label, added.old) == ("added", None, "第五条", [])
    assert marked(added.new, "insert") == county_amend.RIGHTS_TEXT
    assert added.basis_lines == ["新增。", "《中华人民共和国村民委员会组织法》（1998年通过）第二十条："
                                          "不得侵犯村民的人身权利、民主权利和合法财产权利"]

    targets = rows["charter.targets"]
    assert (targets.change, targets.old_label, targets.new_label) == ("changed", "第七条", "第八条")
    assert marked(targets.old, "delete") == "积极完成人口与计划生育责任目标任务"
    assert marked(targets.new, "insert") == "依法做好计划生育工作，促进人口与经济社会协调发展"
    assert marked(targets.old, "insert") == marked(targets.new, "delete") == ""  # each column its own marks
    assert targets.new[0].text == "第八条　" + county_amend.TARGETS_TEXT
    assert targets.basis_lines == ["修改；条序调整：原第七条，现为第八条。",
                                   "《某某县村民自治章程修订指导意见》（2008年版）第三条：目标任务依法表述"]

    incentives = rows["charter.incentives"]  # an item removed: the article changed, its number did not
    assert (incentives.change, incentives.old_label, incentives.new_label) == ("changed", "第十一条", "第十一条")
    gone = next(p for p in incentives.old if p.id == "charter.incentives.priority")
    assert gone.status == "removed" and gone.prefix == "（一）" and gone.text.startswith("（一）优先：")
    assert "charter.incentives.priority" not in [p.id for p in incentives.new]
    assert incentives.basis[0].text == "《某某县村民自治章程修订指导意见》（2008年版）第五条：取消优先待遇"

    removed = rows["charter.association_home"]  # removed with no basis: the table says so
    assert (removed.change, removed.old_label, removed.new_label, removed.new) == ("removed", "第十条", None, [])
    assert removed.basis_lines == ["删除。", "未载明修订依据。"]


def test_renumbered_unchanged_article_is_shown_as_renumbered_not_changed():
    old, new, laws = amended()
    rows = by_id(compare_documents(old, new, laws=laws))
    for cid, was, now in [("charter.leading_group", "第五条", "第六条"), ("charter.rules", "第六条", "第七条"),
                          ("charter.staff", "第八条", "第九条"), ("charter.association", "第九条", "第十条")]:
        row = rows[cid]
        assert (row.change, row.old_label, row.new_label) == ("renumbered", was, now)
        assert marked(row.old, "delete") == marked(row.new, "insert") == ""
        assert [p.text[len(p.prefix):] for p in row.old] == [p.text[len(p.prefix):] for p in row.new]
        assert row.basis_lines == [f"条序调整：原{was}，现为{now}；条文未作修改。"]
    # after the removed article the numbers are back in step: unchanged, so left out
    assert "charter.hearings" not in rows


def test_include_unchanged_lists_every_unit():
    old, new, laws = amended()
    c = compare_documents(old, new, include_unchanged=True, laws=laws)
    units = {b.id for b in new.blocks if b.type in ("chapter", "article")} | {"charter.association_home", "title"}
    assert {r.id for r in c.rows} == units
    hearings = by_id(c)["charter.hearings"]
    assert hearings.change == "unchanged" and hearings.basis_lines == ["未作修改。"]
    assert c.counts() == {"changed": 2, "added": 1, "removed": 1, "renumbered": 4,
                          "unchanged": len(units) - 8}
    assert c.summary() == "修改2处，新增1处，删除1处，条序调整4处。"


def test_removal_basis_comes_from_the_removing_contribution():
    old, new, _ = amended()
    assert [(r.id, r.basis) for r in new.removed] == [
        ("charter.incentives.priority", [Basis(instrument=county_amend.GUIDANCE, version="2008年版",
                                               article="incentives", note="取消优先待遇")]),
        ("charter.association_home", [])]


def test_the_same_text_has_no_rows_and_says_so():
    old, _, laws = amended()
    c = compare_documents(old, old, laws=laws)
    assert c.rows == [] and c.summary() == "两个文本的条文相同，无修订。"


def test_a_citation_that_moved_with_the_law_gets_the_law_as_its_basis():
    """sample.charter.filing cites 村民委员会组织法 第二十条 in 2006 and 第二十七条 after its 2010 revision:
    the clause gives no basis of its own, so the cited law in force is the 修订依据."""
    r0 = resolver(VILLAGE, docforge_sample_county, as_of=OLD_ON)
    r1 = resolver(VILLAGE, docforge_sample_county, as_of=dt.date(2012, 1, 1))
    c = compare_documents(r0.document("charter"), r1.document("charter"),
                          laws={k: x.item for k, x in r1.instruments().items()})
    row = by_id(c)["sample.charter.filing"]
    assert row.change == "changed"
    assert "第二十条" in row.old[0].text and "第二十七条" in row.new[0].text
    assert row.basis[0].text == f"《中华人民共和国村民委员会组织法》（2010年修订）第二十七条：{CITED_NOTE}"


def test_bad_input_is_refused_with_a_clear_error():
    old, new, laws = amended()
    conv = resolver(VILLAGE, docforge_sample_county, as_of=OLD_ON).document("convention")
    with pytest.raises(InputError, match="cannot compare a charter with a convention"):
        compare_documents(old, conv, laws=laws)
    bad = new.model_copy(deep=True)
    block = next(b for b in bad.blocks if b.id == "county.charter.rights")
    block.basis = [Basis(instrument="no_such_law")]
    with pytest.raises(PluginError, match=r"clause 'county.charter.rights' of charter \(plugin \"plugins.county_amend\"\)"
                                          r".*instrument 'no_such_law'.*no installed plugin"):
        compare_documents(old, bad, laws=laws)
    block.basis = [Basis(instrument="villagers_committee_law", version="1999年版")]
    with pytest.raises(PluginError, match="version '1999年版'.*its versions: 1998年通过、2010年修订、2018年修正"):
        compare_documents(old, bad, laws=laws)
    block.basis = [Basis(instrument="villagers_committee_law", version="1998年通过", article="nope")]
    with pytest.raises(PluginError, match="article 'nope'"):
        compare_documents(old, bad, laws=laws)


def test_comparison_is_plain_data_for_other_faces():
    old, new, laws = amended()
    c = compare_documents(old, new, laws=laws)
    data = json.loads(c.model_dump_json())
    assert data["rows"][0]["new"][0]["segments"][0] == {"text": county_amend.RIGHTS_TEXT, "mark": "insert"}
    assert type(c).model_validate(data) == c


# --------------------------------------------------------------------------- DOCX


def read_table(data_or_path):
    """(header, rows) of the table read back with python-docx: per row three cells, each a list of
    paragraphs, each a list of (text, struck, underlined, bold) runs."""
    import io

    src = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else str(data_or_path)
    d = Docx(src)
    assert len(d.tables) == 1
    table = d.tables[0]
    header = [c.text for c in table.rows[0].cells]
    rows = []
    for tr in table.rows[1:]:
        rows.append([[[(r.text, bool(r.font.strike), bool(r.font.underline), bool(r.font.bold)) for r in p.runs]
                      for p in cell.paragraphs] for cell in tr.cells])
    return d, header, rows


def cell_text(cell) -> str:
    return "\n".join("".join(r[0] for r in p) for p in cell)


def runs(cell, struck=None, underlined=None):
    return "".join(t for p in cell for t, s, u, _b in p
                   if (struck is None or s == struck) and (underlined is None or u == underlined))


def test_docx_table_reads_back_rows_marks_and_bases():
    old, new, laws = amended()
    c = compare_documents(old, new, laws=laws)
    d, header, rows = read_table(render_comparison(c))
    assert header == ["原条文", "修订后条文", "修订依据"]
    paragraphs = [p.text for p in d.paragraphs if p.text.strip()]
    assert paragraphs[0] == "《某某村人口和计划生育村居民自治章程》修订对照表"
    assert "原条文：2006年7月24日文本；修订后条文：2009年6月1日文本。" in paragraphs
    assert "本表共列8处：修改2处，新增1处，删除1处，条序调整4处。" in paragraphs
    assert len(rows) == len(c.rows)
    texts = {r.id: rows[i] for i, r in enumerate(c.rows)}

    added = texts["county.charter.rights"]
    assert cell_text(added[0]) == ""
    assert cell_text(added[1]) == "第五条　" + county_amend.RIGHTS_TEXT
    assert runs(added[1], underlined=True) == "第五条　" + county_amend.RIGHTS_TEXT  # the whole article is new
    assert all(b for p in added[1] for _t, _s, u, b in p if u)  # insertions bold and underlined
    assert cell_text(added[2]).splitlines() == [
        "新增。", "《中华人民共和国村民委员会组织法》（1998年通过）第二十条：不得侵犯村民的人身权利、民主权利和合法财产权利"]

    targets = texts["charter.targets"]
    assert runs(targets[0], struck=True) == "积极完成人口与计划生育责任目标任务"
    assert runs(targets[0], underlined=True) == ""
    assert runs(targets[1], underlined=True) == "依法做好计划生育工作，促进人口与经济社会协调发展"
    assert runs(targets[1], struck=True) == ""
    assert cell_text(targets[0]) == "第七条　" + next(b.text for b in old.blocks if b.id == "charter.targets")
    assert cell_text(targets[1]) == "第八条　" + county_amend.TARGETS_TEXT
    assert "《某某县村民自治章程修订指导意见》（2008年版）第三条：目标任务依法表述" in cell_text(targets[2])

    incentives = texts["charter.incentives"]
    old_paras = cell_text(incentives[0]).splitlines()
    assert old_paras[0].startswith("第十一条　") and old_paras[1].startswith("（一）优先：")
    assert runs(incentives[0], struck=True).startswith("（一）优先：")  # number and text of the removed item
    assert len(old_paras) == len(cell_text(incentives[1]).splitlines()) + 1

    renumbered = texts["charter.leading_group"]
    assert runs(renumbered[0], struck=True) == runs(renumbered[1], underlined=True) == ""
    assert cell_text(renumbered[0]).startswith("第五条　") and cell_text(renumbered[1]).startswith("第六条　")
    assert cell_text(renumbered[2]) == "条序调整：原第五条，现为第六条；条文未作修改。"

    removed = texts["charter.association_home"]
    assert runs(removed[0], struck=True) == cell_text(removed[0]) and cell_text(removed[0]).startswith("第十条")
    assert cell_text(removed[1]) == ""
    assert cell_text(removed[2]).splitlines() == ["删除。", "未载明修订依据。"]


def test_docx_page_is_gbt9704_landscape_and_escapes_user_text():
    old, new, laws = amended()
    c = compare_documents(old, new, laws=laws)
    c.rows[0].new[0].segments[0].text = "A & B <c> \"d\" 'e'"
    d, _h, rows = read_table(render_comparison(c, draft=True))
    sect = d.sections[0]
    assert (sect.page_width.twips, sect.page_height.twips) == (16838, 11906)
    assert (sect.top_margin.twips, sect.bottom_margin.twips, sect.left_margin.twips, sect.right_margin.twips) == (
        2098, 1984, 1588, 1474)
    assert "A & B <c> \"d\" 'e'" in cell_text(rows[0][1])
    assert "征求意见稿" in [p.text for p in sect.header.paragraphs]


def test_docx_is_deterministic_and_fast_path_equals_reference():
    old, new, laws = amended()
    c = compare_documents(old, new, laws=laws)
    again = compare_documents(*amended()[:2], laws=laws)
    first = render_comparison(c)
    assert render_comparison(again) == first
    assert _reference(comparison_template(), comparison_context(c)) == first
    assert render_context(comparison_template(), comparison_context(c)) == first


# --------------------------------------------------------------------------- CLI


def other_county(tmp_path: Path) -> Path:
    """The Gansu example village in 靖远县 (no county plugin): the adopted text without 会宁县's article."""
    data = yaml.safe_load(GANSU_VILLAGE.read_text(encoding="utf-8"))
    data["county"] = {"name": "靖远县", "code": "620421"}
    return write_yaml(tmp_path / "adopted.yaml", data)


def test_cli_two_village_files(tmp_path, docforge_cli):
    out = tmp_path / "table.docx"
    run = docforge_cli("compare", "charter", "--village-from", other_county(tmp_path), "--village-to", GANSU_VILLAGE,
                       "--as-of", "2026-12-03", "-o", out)
    assert run.code == 0, run.output
    assert f"wrote {out}: 《南关村人口和计划生育村居民自治章程》修订对照表" in run.stdout
    d, _h, rows = read_table(out)
    assert f"原条文：{tmp_path / 'adopted.yaml'}（2026年12月3日）；修订后条文：{GANSU_VILLAGE}（2026年12月3日）。" in [
        p.text for p in d.paragraphs]
    first = rows[0]
    assert cell_text(first[1]).startswith("第十二条　村委会对计生户子女考入大中专院校的")
    assert runs(first[1], underlined=True) == cell_text(first[1])
    assert cell_text(first[2]).splitlines() == ["新增。", "依据：会宁县人口和计划生育村民自治实施方案（会宁县）"]
    # the articles after it moved down by one, unchanged
    renumbered = [r for r in rows[1:] if cell_text(r[2]).startswith("条序调整")]
    assert len(renumbered) == len(rows) - 1 >= 4
    assert cell_text(renumbered[0][2]) == "条序调整：原第十二条，现为第十三条；条文未作修改。"
    assert all(runs(r[0], struck=True) == runs(r[1], underlined=True) == "" for r in renumbered)

    every = tmp_path / "all.docx"
    run = docforge_cli("compare", "charter", "--village-from", other_county(tmp_path), "--village-to", GANSU_VILLAGE,
                       "--as-of", "2026-12-03", "--all", "-o", every)
    assert run.code == 0, run.output
    _d, _h, all_rows = read_table(every)
    assert len(all_rows) > len(rows)
    assert "未作修改。" in [cell_text(r[2]) for r in all_rows]
    assert f"本表列出全部{len(all_rows)}处条文，其中新增1处，条序调整{len(renumbered)}处。" in [p.text for p in _d.paragraphs]
    assert cell_text(all_rows[0][1]) == "南关村人口和计划生育村居民自治章程"  # the title row, unchanged


def test_cli_one_village_on_two_dates_matches_the_documents(tmp_path, docforge_cli):
    """Whatever the national layer changes between the seed's date and today, the table holds exactly
    the two texts: each old cell the old paragraphs, each new cell the new ones, marks on their side."""
    from docforge.inputs import load_village
    from docforge.resolve import Resolver

    out = tmp_path / "charter.docx"
    run = docforge_cli("compare", "charter", "--village", VILLAGE, "--from", "2006-07-24", "--to", "2026-12-03",
                       "-o", out)
    assert run.code == 0, run.output
    village = load_village(VILLAGE)
    old = {b.id: b for b in Resolver(village, OLD_ON).document("charter").blocks}
    new = {b.id: b for b in Resolver(village, dt.date(2026, 12, 3)).document("charter").blocks}
    _d, _h, rows = read_table(out)
    assert rows
    for old_cell, new_cell, basis in rows:
        assert runs(old_cell, underlined=True) == "" and runs(new_cell, struck=True) == ""
        assert cell_text(basis)  # never an empty 修订依据 cell
        for cell, blocks in ((old_cell, old), (new_cell, new)):
            for para in cell_text(cell).splitlines():
                if para:
                    assert para in {b.display for b in blocks.values()}, para


@pytest.mark.slow  # LibreOffice
def test_cli_pdf_reads_back(tmp_path, docforge_cli):
    from pypdf import PdfReader

    out = tmp_path / "table.pdf"
    run = docforge_cli("compare", "charter", "--village-from", other_county(tmp_path), "--village-to", GANSU_VILLAGE,
                       "--as-of", "2026-12-03", "-o", out)
    assert run.code == 0, run.output
    reader = PdfReader(str(out))
    text = "".join("".join(p.extract_text().split()) for p in reader.pages)
    for expected in ("《南关村人口和计划生育村居民自治章程》修订对照表", "原条文", "修订后条文", "修订依据",
                     "第十二条村委会对计生户子女考入大中专院校的", "条序调整：原第十二条，现为第十三条"):
        assert expected in text
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    assert not list(tmp_path.glob(".docforge-*"))  # no temporary files left


@pytest.mark.parametrize("args, message", [
    (["--village", VILLAGE], "--village needs --from DATE"),
    (["--village", VILLAGE, "--from", "2026-12-03", "--to", "2006-07-24"], "--from 2026-12-03 must be before --to"),
    (["--village", VILLAGE, "--from", "2006-07-24", "--as-of", "2026-12-03"], "--as-of goes with --village-from"),
    (["--village", VILLAGE, "--village-to", VILLAGE, "--from", "2006-07-24"], "not both"),
    (["--village-from", VILLAGE], "give --village FILE --from DATE"),
    (["--village-from", VILLAGE, "--village-to", VILLAGE, "--from", "2006-07-24"], "give --as-of DATE"),
    (["--village", VILLAGE, "--from", "2006-13-01"], "'2006-13-01' is not a date"),
    (["--village", VILLAGE, "--from", "2006-07-24", "-o", "t.pdf", "--format", "docx"], "name it t.docx"),
    (["--village", "missing.yaml", "--from", "2006-07-24"], "missing.yaml"),
])
def test_cli_bad_input(tmp_path, docforge_cli, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    run = docforge_cli("compare", "charter", *args)
    assert run.code == 2 and run.exception is None, run.output
    assert message in run.output
    assert list(tmp_path.iterdir()) == []  # nothing written


# --------------------------------------------------------------------------- bundle


@pytest.mark.slow  # LibreOffice
def test_bundle_compare_from_puts_the_tables_before_the_adoption_sheet(tmp_path, docforge_cli):
    out = tmp_path / "bundle"
    run = docforge_cli("bundle", "--village", VILLAGE, "--as-of", "2026-12-03", "--compare-from", "2006-07-24",
                       "-o", out)
    assert run.code == 0, run.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["compare_from"] == "2006-07-24"
    packet = next(f for f in manifest["files"] if f["path"] == "village/packet.pdf")
    assert [(c["kind"], c["docx"]) for c in packet["contents"]] == [
        ("charter", "charter.docx"), ("convention", "convention.docx"),
        ("comparison", "charter-comparison.docx"), ("comparison", "convention-comparison.docx"),
        ("adoption-sheet", "adoption-sheet.docx")]
    assert [c["title"] for c in packet["contents"]][2:4] == [
        "《某某村人口和计划生育村居民自治章程》修订对照表", "《某某村人口和计划生育村居民自治公约》修订对照表"]
    listed = {f["path"]: f for f in manifest["files"]}
    assert listed["village/charter-comparison.docx"]["kind"] == "comparison"
    _d, header, rows = read_table(out / "village" / "convention-comparison.docx")
    assert header == ["原条文", "修订后条文", "修订依据"] and rows
    assert docforge_cli("verify", out).code == 0

    # the same command again: nothing to rebuild, the same bytes
    before = {p: p.read_bytes() for p in (out / "village").iterdir()}
    run = docforge_cli("bundle", "--village", VILLAGE, "--as-of", "2026-12-03", "--compare-from", "2006-07-24",
                       "-o", out)
    assert run.code == 0 and "1 already finished" in run.output, run.output
    assert {p: p.read_bytes() for p in (out / "village").iterdir()} == before


def test_bundle_compare_from_must_be_before_as_of(tmp_path, docforge_cli):
    out = tmp_path / "bundle"
    run = docforge_cli("bundle", "--village", VILLAGE, "--as-of", "2006-07-24", "--compare-from", "2026-12-03",
                       "--format", "docx", "-o", out)
    assert run.code == 2 and "--compare-from 2026-12-03 must be before --as-of 2006-07-24" in run.output
    assert not out.exists()
    run = docforge_cli("bundle", "--county", tmp_path, "--compare-from", "2006-07-24", "-o", out)
    assert run.code == 2 and "--compare-from applies to one village's packet" in run.output


def test_bundle_without_compare_from_is_unchanged(tmp_path, docforge_cli):
    out = tmp_path / "bundle"
    run = docforge_cli("bundle", "--village", VILLAGE, "--as-of", "2026-12-03", "--format", "docx", "-o", out)
    assert run.code == 0, run.output
    assert sorted(p.name for p in (out / "village").iterdir() if not p.name.startswith(".")) == [
        "adoption-sheet.docx", "charter.docx", "convention.docx"]
    assert "compare_from" not in json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_demo_writes_both_dates():
    from docforge.demo import SEED_DATE, demo_folders

    today = dt.date(2026, 12, 3)
    assert demo_folders(today, today) == [("seed-2006-07-24", SEED_DATE, None),
                                          ("today-2026-12-03", today, SEED_DATE)]
    assert demo_folders(dt.date(2020, 1, 1), today)[1] == ("as-of-2020-01-01", dt.date(2020, 1, 1), SEED_DATE)
    assert demo_folders(SEED_DATE, today) == [("seed-2006-07-24", SEED_DATE, None)]


def test_cli_adopted_village_file_and_a_draft_with_its_own_clauses(tmp_path, docforge_cli):
    """The committee's draft is the adopted village file plus its own clauses (``clauses:``), each
    change with its basis; an article it moves is shown as moved, not as changed."""
    adopted = write_yaml(tmp_path / "adopted.yaml", yaml.safe_load(VILLAGE.read_text(encoding="utf-8")))
    data = yaml.safe_load(VILLAGE.read_text(encoding="utf-8"))
    data["clauses"] = [
        {"op": "move", "id": "charter.hearings", "document": "charter", "after": "charter.basis"},
        {"op": "replace", "id": "charter.staff", "document": "charter", "text": "村委会设计划生育宣传员一名。",
         "basis": [{"instrument": "villagers_committee_law", "article": "charter_adoption", "note": "村民会议决定"}]},
        {"op": "remove", "id": "charter.incentives.relief", "document": "charter",
         "basis": [{"instrument": "villagers_committee_law", "note": "村民会议决定删除"}]},
    ]
    draft = write_yaml(tmp_path / "draft.yaml", data)
    out = tmp_path / "table.docx"
    run = docforge_cli("compare", "charter", "--village-from", adopted, "--village-to", draft, "--as-of", "2026-12-03",
                       "-o", out)
    assert run.code == 0, run.output
    _d, _h, rows = read_table(out)
    moved = rows[0]  # rows in the draft's order
    assert cell_text(moved[0]).startswith("第十五条　实行听证会制度。")
    assert cell_text(moved[1]).startswith("第二条　实行听证会制度。")
    assert cell_text(moved[2]) == "位置调整：原第十五条，移至第二条；条文未作修改。"
    assert runs(moved[0], struck=True) == runs(moved[1], underlined=True) == ""
    staff = next(r for r in rows if "宣传员一名" in cell_text(r[1]))
    assert runs(staff[1], underlined=True) and runs(staff[0], struck=True)
    assert cell_text(staff[2]).splitlines()[1] == \
        "《中华人民共和国村民委员会组织法》（2018年修正）第二十七条：村民会议决定"
    relief = next(r for r in rows if "救助" in runs(r[0], struck=True))
    assert "《中华人民共和国村民委员会组织法》（2018年修正）：村民会议决定删除" in cell_text(relief[2]).splitlines()


def test_committed_comparison_template_is_what_the_builder_builds():
    import importlib.util

    from conftest import ROOT

    spec = importlib.util.spec_from_file_location("build_templates", ROOT / "tools" / "build_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build("comparison") == comparison_template().read_bytes(), \
        "templates/comparison.docx is stale: run `make templates`"


def test_cli_speaks_chinese(tmp_path, docforge_cli):
    run = docforge_cli("--lang", "zh", "compare", "charter", "--village", VILLAGE, "--from", "2026-12-03",
                       "--to", "2006-07-24")
    assert run.code == 2 and "--from 2026-12-03 必须早于 --to 2006-07-24：先写原文本的日期" in run.output
    out = tmp_path / "t.docx"
    run = docforge_cli("--lang", "zh", "compare", "charter", "--village-from", other_county(tmp_path),
                       "--village-to", GANSU_VILLAGE, "--as-of", "2026-12-03", "-o", out)
    assert run.code == 0 and f"已写出 {out}：《南关村人口和计划生育村居民自治章程》修订对照表，新增1处，条序调整" in run.stdout


def test_national_withdrawal_gives_the_basis_of_a_deleted_item():
    """The national layer withdraws clauses with the basis of the withdrawal (versions with
    ``removed: true``): the removed item's row carries that basis, printed from the registry."""
    from docforge.inputs import load_village
    from docforge.resolve import Resolver

    village = load_village(VILLAGE)
    today = dt.date(2026, 12, 3)
    r0, r1 = Resolver(village, OLD_ON), Resolver(village, today)
    old, new = r0.document("charter"), r1.document("charter")
    withdrawn = r1.withdrawn_clauses(new.kind)
    assert withdrawn, "the national layer withdraws some charter clause by today"
    laws = LawRegistry({k: c.item for k, c in r1.instruments().items()})
    c = compare_documents(old, new, laws=laws)
    old_ids = {b.id for b in old.blocks}
    checked = 0
    for cid, clause in withdrawn.items():
        if cid not in old_ids or not clause.basis:
            continue
        row = next(r for r in c.rows if any(p.id == cid for p in r.old))
        passage = next(p for p in row.old if p.id == cid)
        assert passage.status == "removed" or row.change == "removed"
        assert all(s.mark == "delete" for s in passage.segments)
        for b in clause.basis:
            assert laws.line(b, today, "x").text in [x.text for x in row.basis]
        assert cid not in {b.id for b in new.blocks}
        checked += 1
    assert checked
