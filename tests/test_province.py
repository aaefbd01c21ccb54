"""``docforge bundle --province`` on one machine (DOCX only: no LibreOffice) and ``docforge verify``
of a whole county or province tree: the summaries, a failed village, an edited file, an extra folder."""

from __future__ import annotations

import json
import shutil

import pytest

from docforge.county import COUNTY_SUMMARY
from docforge.packet import MANIFEST
from docforge.province import PROVINCE_SUMMARY

AS_OF = "2021-08-19"


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    from click.testing import CliRunner

    from docforge.cli import cli

    root = tmp_path_factory.mktemp("province")
    for county, seed in (("county-a", 0), ("county-b", 1)):
        r = CliRunner().invoke(cli, ["example-county", "--villages", "2", "--households", "3", "--seed", str(seed),
                                     "--as-of", AS_OF, "-o", str(root / "in" / county)])
        assert r.exit_code == 0, r.output
    # a village whose roster has an error: named as failed, the others complete
    bad = root / "in" / "county-b" / "village-002"
    roster = next(bad.glob("roster.*"))
    roster.unlink()
    (bad / "roster.csv").write_text("not a roster\n", encoding="utf-8")
    return root


def test_province_bundles_every_county_and_names_the_failed_village(province, docforge_cli):
    out = province / "out"
    run = docforge_cli("bundle", "--province", province / "in", "--format", "docx", "--as-of", AS_OF, "-o", out)
    assert run.code == 2, run.output  # a village failed for its input
    assert "failed: county-b/village-002" in run.stderr
    summary = json.loads((out / PROVINCE_SUMMARY).read_text(encoding="utf-8"))
    assert [c["folder"] for c in summary["counties"]] == ["county-a", "county-b"]
    assert summary["failed"] == ["county-b/village-002"]
    totals = summary["totals"]
    assert totals["counties"] == 2 and totals["villages"] == 4 and totals["failed"] == 1
    assert totals["households"] == 9 and totals["documents"] > 9 and totals["pages"] is None  # no PDF
    assert summary["seconds"] > 0 and summary["cluster"] is None
    a = summary["counties"][0]
    county_a = json.loads((out / a["summary"]).read_text(encoding="utf-8"))
    assert a["status"] == "ok" and a["villages"] == 2 and county_a["totals"]["households"] == 6
    assert summary["counties"][1]["failed"] == ["village-002"]
    assert sum(c["totals"]["documents"] for c in summary["counties"]) == totals["documents"]

    # verify over the whole tree: the failed village is the one problem
    run = docforge_cli("verify", out)
    assert run.code == 1
    assert "county-b/village-002: the village failed in the run" in run.stdout
    assert "1 problem(s) in 3 bundle(s) checked" in run.stdout


def test_verify_a_county_tree_finds_an_edited_file_and_an_extra_folder(province, docforge_cli, tmp_path):
    src = province / "in" / "county-a"
    out = tmp_path / "county"
    run = docforge_cli("bundle", "--county", src, "--format", "docx", "--as-of", AS_OF, "-o", out)
    assert run.code == 0, run.output
    run = docforge_cli("verify", out)
    assert run.code == 0 and "ok: 2 bundle(s)" in run.stdout, run.output

    edited = next((out / "village-001" / "households").rglob("*.docx"))
    edited.write_bytes(edited.read_bytes() + b"\0")
    (out / "stray").mkdir()
    run = docforge_cli("verify", out)
    assert run.code == 1
    rel = edited.relative_to(out / "village-001").as_posix()
    assert f"village-001: changed: {rel}" in run.stdout
    assert "stray: a folder the summary does not list" in run.stdout

    # a manifest replaced by another village's: the county summary's hash finds it
    shutil.rmtree(out / "stray")
    edited.write_bytes(edited.read_bytes()[:-1])
    summary = json.loads((out / COUNTY_SUMMARY).read_text(encoding="utf-8"))
    summary["villages"][0]["manifest_sha256"] = "0" * 64
    (out / COUNTY_SUMMARY).write_text(json.dumps(summary), encoding="utf-8")
    run = docforge_cli("verify", out)
    assert run.code == 1 and f"village-001/{MANIFEST}: its sha256 differs from {COUNTY_SUMMARY}" in run.stdout


def test_province_needs_county_folders_and_cluster_needs_a_county(tmp_path, docforge_cli):
    (tmp_path / "empty").mkdir()
    run = docforge_cli("bundle", "--province", tmp_path / "empty", "--as-of", AS_OF, "-o", tmp_path / "o")
    assert run.code == 2 and "no county folders" in run.stderr
    run = docforge_cli("bundle", "--cluster", "local:2", "--as-of", AS_OF, "-o", tmp_path / "o")
    assert run.code == 2 and "give --county DIR or --province DIR" in run.stderr
    run = docforge_cli("bundle", "--county", tmp_path / "empty", "--cluster", "nowhere", "-o", tmp_path / "o")
    assert run.code == 2 and "--cluster nowhere: give local, local:N" in run.stderr
