"""Batch bundles from rosters: one village (--roster, --skip-bad-rows), a whole county (--county),
worker processes (--jobs), the streamed manifest and the closing summary. Real files throughout:
rosters written by ``docforge example-county``, DOCX for speed and one small PDF run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from docforge.bundle import build_bundle
from docforge.compact import IdSet, IntTable
from docforge.county import COUNTY_SUMMARY
from docforge.demo import example_households, examples_dir
from docforge.example_county import write_example_county
from docforge.inputs import load_village
from docforge.resolve import Resolver
from docforge.roster import iter_households
from docforge.verify import iter_json_lists, verify_bundle

AS_OF = dt.date(2021, 8, 19)  # the national agreements' last day: households sign some (docs/law.md)
SUMMARY = re.compile(r"^summary: (\d+) villages?(?: \((\d+) failed: ([^)]*)\))?, (\d+) households?, (\d+) packets?, "
                     r"(\d+) documents?, (no PDF pages \(--format docx\)|\d+ pages?), (\d+) warnings?, "
                     r"(\d+) skipped rows?, \d+\.\d s$", re.M)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def run_process(*args: object) -> subprocess.CompletedProcess:
    """``docforge`` as a real process: worker processes are forked from it, not from pytest."""
    return subprocess.run([sys.executable, "-m", "docforge.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def break_row(roster: Path, row: int) -> None:
    """Give the husband of spreadsheet row ``row`` of a GBK CSV roster a wrong check digit."""
    lines = roster.read_text(encoding="gbk").splitlines()
    cells = lines[row - 1].split(",")
    cells[3] = cells[3][:-1] + ("1" if cells[3][-1] != "1" else "2")
    lines[row - 1] = ",".join(cells)
    roster.write_text("\n".join(lines) + "\n", encoding="gbk")


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    """2 villages × 6 households: village-001 an .xlsx roster, village-002 a GBK CSV."""
    out = tmp_path_factory.mktemp("county") / "county"
    list(write_example_county(out, 2, 6, seed=0, as_of=AS_OF))
    return out


@pytest.fixture(scope="module")
def big_village(tmp_path_factory) -> Path:
    """One village of 40 households: several chunks of work for the worker processes."""
    out = tmp_path_factory.mktemp("county40") / "county"
    list(write_example_county(out, 1, 40, seed=3, as_of=AS_OF))
    return out / "village-001"


@pytest.fixture
def bad_county(county, tmp_path) -> Path:
    """The county with row 3 of village-002's roster broken."""
    bad = tmp_path / "bad-county"
    shutil.copytree(county, bad)
    break_row(bad / "village-002" / "roster.csv", 3)
    return bad


def roster_args(folder: Path) -> list:
    roster = next(p for p in sorted(folder.iterdir()) if p.suffix in (".xlsx", ".csv"))
    return ["--village", folder / "village.yaml", "--roster", roster]


# --------------------------------------------------------------------------- one village from its roster


def test_roster_bundle_records_selection_reasons_rows_and_the_roster(county, tmp_path, docforge_cli):
    folder = county / "village-001"
    out = tmp_path / "out"
    run = docforge_cli("bundle", *roster_args(folder), "--as-of", AS_OF, "--format", "docx", "--jobs", 1, "-o", out)
    assert run.code == 0, run.output
    assert "households/0001: written" in run.stdout  # not a terminal: plain lines
    m = manifest(out)
    assert m["format"] == 2
    inputs = {i["role"]: i for i in m["inputs"]}
    assert inputs["roster"]["sha256"] == sha256(folder / "roster.xlsx")
    assert inputs["village"]["sha256"] == sha256(folder / "village.yaml")
    assert m["roster"]["rows"] == 6 and m["roster"]["households"] == 6 and m["skipped"] == []

    village = load_village(folder / "village.yaml")
    r = Resolver(village, AS_OF)
    expected = list(iter_households(village, folder / "roster.xlsx", AS_OF))
    assert [(h["id"], h["row"]) for h in m["households"]] == [(h.id, row) for row, h in expected]
    signing = 0
    for entry, (_, h) in zip(m["households"], expected):
        selection, prov = r.selection(h)
        assert entry["agreements"] == [k.value for k in selection.agreements]
        assert entry["reasons"] == selection.reasons and all(entry["reasons"].values())
        assert entry["selected_by"]["plugin"] == prov.plugin
        if selection.agreements:
            signing += 1
            assert entry["packet"] == f"households/{h.id}" and (out / entry["packet"] / ".done").is_file()
        else:  # signs nothing: no packet, but its reason is recorded
            assert entry["packet"] is None and "none" in entry["reasons"]
            assert not (out / "households" / h.id).exists()
    assert 0 < signing < 6
    assert [p["name"] for p in m["packets"]] == ["village"] + [h["packet"] for h in m["households"] if h["packet"]]
    assert m["totals"] == {"households": 6, "packets": signing + 1, "documents": len(m["files"]), "pages": None,
                           "files": len(m["files"]), "warnings": len(m["warnings"]), "skipped_rows": 0}
    # each finding once, with the households whose documents have it
    keys = [(w["check"], w.get("document"), w.get("clause")) for w in m["warnings"]]
    assert len(keys) == len(set(keys))
    assert all(w["households"] >= 1 for w in m["warnings"] if w["household"] is not None)
    # streamed, yet exactly what json.dumps writes
    text = (out / "manifest.json").read_text(encoding="utf-8")
    assert text == json.dumps(m, ensure_ascii=False, indent=2) + "\n"
    assert verify_bundle(out).ok

    summary = SUMMARY.search(run.stdout)
    assert summary, run.stdout
    assert summary.group(1) == "1" and summary.group(4) == "6" and int(summary.group(5)) == signing + 1
    assert summary.group(7) == "no PDF pages (--format docx)" and summary.group(9) == "0"

    # the same command again: nothing to build, byte-identical
    before = tree(out)
    again = docforge_cli("bundle", *roster_args(folder), "--as-of", AS_OF, "--format", "docx", "--jobs", 1,
                         "-o", out)
    assert again.code == 0 and "households/0001: already finished" in again.stdout
    assert f"({signing + 1} already finished" in again.stdout.replace("0 built, ", "(")
    assert tree(out) == before


def test_household_files_record_their_file_and_selection(tmp_path):
    out = tmp_path / "files"
    report = build_bundle(examples_dir() / "village.yaml", example_households(), out, as_of=AS_OF, formats=["docx"])
    m = report.manifest
    assert [h["file"] for h in m["households"]] == [str(p) for p in example_households()]
    assert [i["role"] for i in m["inputs"]] == ["village"] + ["household"] * len(example_households())
    assert all(h["agreements"] and set(h["reasons"]) == set(h["agreements"]) for h in m["households"])
    assert report.totals.households == len(example_households()) and report.skipped == []


def test_roster_with_errors_is_refused_and_nothing_is_written(bad_county, tmp_path, docforge_cli):
    folder = bad_county / "village-002"
    out = tmp_path / "refused"
    run = docforge_cli("bundle", *roster_args(folder), "--as-of", AS_OF, "--format", "docx", "-o", out)
    assert run.code == 2 and run.exception is None
    assert not out.exists()
    assert "no bundle was written" in run.stderr and "--skip-bad-rows" in run.stderr
    assert "row 3, column 丈夫身份证号: '620421********" in run.stderr  # row, column, masked value
    assert re.search(r"620421\d{12}", run.stderr) is None
    assert (f"docforge check --village {folder / 'village.yaml'} --roster {folder / 'roster.csv'} --as-of "
            f"{AS_OF.isoformat()} --problems") in run.stderr


def test_skip_bad_rows_lists_what_it_skipped(bad_county, tmp_path, docforge_cli):
    folder = bad_county / "village-002"
    out = tmp_path / "skipped"
    run = docforge_cli("bundle", *roster_args(folder), "--skip-bad-rows", "--as-of", AS_OF, "--format", "docx",
                       "-o", out)
    assert run.code == 0, run.output
    assert "skipped row 3 (户编号 0002): 丈夫身份证号: '620421********" in run.stderr
    m = manifest(out)
    assert len(m["skipped"]) == 1
    skipped = m["skipped"][0]
    assert skipped["row"] == 3 and skipped["household_id"] == "0002"
    assert "check digit" in skipped["reasons"][0] and "620421********" in skipped["reasons"][0]
    assert [h["id"] for h in m["households"]] == ["0001", "0003", "0004", "0005", "0006"]
    assert m["totals"]["skipped_rows"] == 1 and m["totals"]["households"] == 5 and m["roster"]["skipped"] == 1
    summary = SUMMARY.search(run.stdout)
    assert summary and summary.group(4) == "5" and summary.group(9) == "1"
    assert verify_bundle(out).ok


def test_household_gone_from_the_roster_loses_its_packet(county, tmp_path, docforge_cli):
    folder = tmp_path / "v"
    shutil.copytree(county / "village-002", folder)
    out = tmp_path / "out"
    assert docforge_cli("bundle", *roster_args(folder), "--as-of", AS_OF, "--format", "docx", "-o", out).code == 0
    first = next(h for h in manifest(out)["households"] if h["packet"])
    assert (out / first["packet"]).is_dir()
    roster = folder / "roster.csv"
    lines = roster.read_text(encoding="gbk").splitlines()
    del lines[first["row"] - 1]
    roster.write_text("\n".join(lines) + "\n", encoding="gbk")
    run = docforge_cli("bundle", *roster_args(folder), "--as-of", AS_OF, "--format", "docx", "-o", out)
    assert run.code == 0, run.output
    assert f"{first['packet']}: removed (household no longer in the bundle)" in run.stdout
    assert not (out / first["packet"]).exists() and verify_bundle(out).ok


# --------------------------------------------------------------------------- a county


def test_county_with_a_broken_village_completes_the_others(bad_county, tmp_path, docforge_cli):
    (bad_county / "village-003").mkdir()
    shutil.copy(bad_county / "village-001" / "village.yaml", bad_county / "village-003" / "village.yaml")
    out = tmp_path / "county-out"
    run = docforge_cli("bundle", "--county", bad_county, "--as-of", AS_OF, "--format", "docx", "-o", out)
    assert run.code == 2 and run.exception is None
    assert "failed: village-002" in run.stderr and "no bundle was written" in run.stderr
    assert "failed: village-003" in run.stderr and "no roster" in run.stderr
    assert "village-001: households/0001: written" in run.stdout  # plain lines name their village
    assert verify_bundle(out / "village-001").ok
    assert not (out / "village-002").exists() and not (out / "village-003").exists()
    summary = json.loads((out / COUNTY_SUMMARY).read_text(encoding="utf-8"))
    assert summary["failed"] == ["village-002", "village-003"]
    statuses = {v["folder"]: v for v in summary["villages"]}
    assert statuses["village-001"]["status"] == "ok"
    assert statuses["village-001"]["manifest_sha256"] == sha256(out / "village-001" / "manifest.json")
    assert statuses["village-002"]["status"] == "failed" and statuses["village-002"]["exit_code"] == 2
    assert "row 3" in statuses["village-002"]["error"] and statuses["village-002"]["village"]
    assert summary["totals"]["villages"] == 3 and summary["totals"]["failed"] == 2
    assert summary["totals"]["households"] == statuses["village-001"]["totals"]["households"] == 6
    line = SUMMARY.search(run.stdout)
    assert line and line.group(1) == "3" and line.group(2) == "2" and line.group(3) == "village-002, village-003"

    # with --skip-bad-rows the bad row is left out and the village is bundled
    run = docforge_cli("bundle", "--county", bad_county, "--skip-bad-rows", "--as-of", AS_OF, "--format", "docx",
                       "-o", out)
    assert run.code == 2 and "village-002: skipped row 3 (户编号 0002)" in run.stderr
    summary = json.loads((out / COUNTY_SUMMARY).read_text(encoding="utf-8"))
    assert summary["failed"] == ["village-003"] and summary["totals"]["skipped_rows"] == 1


def test_county_village_whose_plugin_is_broken_fails_alone(county, tmp_path, monkeypatch, docforge_cli):
    from test_core_plugins import make_broken_distribution

    monkeypatch.syspath_prepend(str(make_broken_distribution(tmp_path / "site")))  # serves 甘肃省
    mixed = tmp_path / "mixed"
    shutil.copytree(county / "village-001", mixed / "a-village")
    (mixed / "b-gansu").mkdir()
    shutil.copy(examples_dir() / "gansu" / "village.yaml", mixed / "b-gansu" / "village.yml")
    shutil.copy(county / "village-001" / "roster.xlsx", mixed / "b-gansu" / "roster.xlsx")
    out = tmp_path / "out"
    run = docforge_cli("bundle", "--county", mixed, "--as-of", AS_OF, "--format", "docx", "-o", out)
    assert run.code == 2 and run.exception is None
    assert 'failed: b-gansu (' in run.stderr and 'Error importing plugin "broken"' in run.stderr
    assert verify_bundle(out / "a-village").ok
    assert json.loads((out / COUNTY_SUMMARY).read_text(encoding="utf-8"))["failed"] == ["b-gansu"]


# --------------------------------------------------------------------------- worker processes


def test_jobs_2_is_byte_identical_to_jobs_1(big_village, tmp_path):
    outs = []
    for jobs in (1, 2):
        out = tmp_path / f"j{jobs}"
        run = run_process("bundle", *roster_args(big_village), "--as-of", AS_OF, "--format", "docx",
                          "--jobs", jobs, "-o", out)
        assert run.returncode == 0, run.stderr
        outs.append(out)
    assert tree(outs[0]) == tree(outs[1])
    assert manifest(outs[0])["totals"]["households"] == 40


def test_pdf_run_with_two_jobs(county, tmp_path):
    """One small PDF run: --jobs 2 (two LibreOffice workers, rounds of 4 documents so
    that packets are merged while later rounds convert) gives the same bytes as --jobs 1 with one
    round, and the summary counts the pages."""
    if shutil.which("soffice") is None:
        pytest.skip("needs LibreOffice")
    outs = []
    for jobs, round_size in ((2, 4), (1, 200)):
        out = tmp_path / f"pdf{jobs}"
        run = run_process("bundle", *roster_args(county / "village-002"), "--as-of", AS_OF, "--jobs", jobs,
                          "--round-size", round_size, "-o", out)
        assert run.returncode == 0, run.stderr
        outs.append(out)
    assert tree(outs[0]) == tree(outs[1])
    m = manifest(outs[0])
    pages = sum(f["pages"] for f in m["files"] if f["kind"] == "packet")
    assert pages > 0 and m["totals"]["pages"] == pages
    summary = SUMMARY.search(run.stdout)
    assert summary and summary.group(7) == f"{pages} pages"
    assert verify_bundle(outs[0]).ok


def test_pdf_county_run_starts_libreoffice_once(county, tmp_path, monkeypatch):
    """A county run shares one LibreOffice pool among its villages (not one start per village)."""
    from docforge.county import build_county
    from docforge.render import pdfpool

    if pdfpool.unavailable():
        pytest.skip(f"the pool is what this is about: {pdfpool.unavailable()}")
    starts = []
    real_start = pdfpool.Worker.start
    monkeypatch.setattr(pdfpool.Worker, "start", lambda self: (starts.append(1), real_start(self))[1])
    report = build_county(county, tmp_path / "out", as_of=AS_OF, formats=("pdf",), jobs=1)
    assert not report.failed and len(report.villages) == 2
    assert len(starts) == 1
    for village in ("village-001", "village-002"):
        assert verify_bundle(tmp_path / "out" / village).ok
        assert manifest(tmp_path / "out" / village)["totals"]["pages"] > 0


# --------------------------------------------------------------------------- progress, memory helpers


def test_progress_bar_on_a_terminal(county, tmp_path):
    from rich.console import Console

    from docforge.progress import ProgressBar

    screen = io.StringIO()
    bar = ProgressBar(Console(file=screen, force_terminal=True, width=120))
    try:
        build_bundle(county / "village-001" / "village.yaml", (), tmp_path / "out", as_of=AS_OF, formats=["docx"],
                     roster=county / "village-001" / "roster.xlsx", reporter=bar)
    finally:
        bar.close()
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert "6/6 households" in shown and "documents" in shown
    assert "households/0001: written" not in shown  # routine lines are the bar's


def test_int_table_maps_and_grows():
    table = IntTable()
    for k in range(1, 3001):
        assert table.setdefault(k * 7919, k) == k
    assert table.setdefault(7919 * 5, 0) == 5 and table.get(7919 * 3000) == 3000 and table.get(1) is None
    assert len(table) == 3000 and 7919 in table and 7918 not in table


def test_id_set_is_a_set():
    ids = IdSet()
    assert all(ids.add(f"{i:05d}") for i in range(5000))  # grows past its first table several times
    assert not ids.add("00042") and "04999" in ids and "05000" not in ids and len(ids) == 5000


def test_streamed_manifest_reader_agrees_with_json(tmp_path):
    data = {"a": 1, "files": [{"path": f"p{i}", "n": 12345678901234567890 + i, "x": [1, {"y": "中"}]}
                              for i in range(300)], "empty": [], "b": {"c": [1, 2]}, "z": 1.5e-3}
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    got: dict = {}
    for key, value in iter_json_lists(path, chunk=7):  # buffer refills cut numbers and strings
        if isinstance(data[key], list):
            got.setdefault(key, []).append(value)
        else:
            got[key] = value
    assert got == {k: v for k, v in data.items() if v != []}
