"""Hostile input, as a hostile user would type it: each case is refused with exit 2 and a message
naming the field (no traceback, no identity number in full), or printed exactly as written. Each test
failed before the hardening it guards (see docs/input-rules.md)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from docx import Document as Docx
from stdnum.cn import ric

from conftest import HOUSEHOLD_FOR, HOUSEHOLDS, VILLAGE, docx_paragraphs
import datetime as dt

from docforge.errors import RenderError, mask_id, mask_ids
from docforge.inputs import load_village
from docforge.render.docx import render_docx, render_docx_fast
from docforge.resolve import Resolver

AS_OF = "2020-06-01"  # agreements are offered (none after 2021-08-20: docs/law.md)
FULL_ID = re.compile(r"\d{17}[\dX]|\d{15}")


def id_number(birth: str, seq: int = 11) -> str:
    """A valid 18-character identity number (county 620422) born on ``birth`` (YYYYMMDD); an odd
    ``seq`` makes a man's, an even one a woman's."""
    body = f"620422{birth}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")  # the check digit of the first 17


def data(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write_json(path: Path, value: dict) -> Path:
    # ensure_ascii: a lone surrogate is written as the \ud800 escape a hostile file would hold
    path.write_text(json.dumps(value, ensure_ascii=True, default=str), encoding="utf-8")
    return path


def refused(run, *fields: str) -> str:
    """The run was refused as bad input (exit 2, no traceback) with a message naming ``fields``."""
    assert run.code == 2, run.output + repr(run.exception)
    assert run.exception is None and "Traceback" not in run.output, run.output
    for f in fields:
        assert f in run.output, (f, run.output)
    return run.output


def render_household(docforge_cli, tmp_path, household: dict, kind: str = "outflow", village: Path = VILLAGE):
    hfile = write_json(tmp_path / "household.json", household)
    return docforge_cli("render", kind, "--village", village, "--household", hfile, "--as-of", AS_OF,
                        "-o", tmp_path / "out.docx")


def render_village(docforge_cli, tmp_path, village: dict, kind: str = "charter", name: str = "village.json"):
    vfile = write_json(tmp_path / name, village)
    return docforge_cli("render", kind, "--village", vfile, "--as-of", AS_OF, "-o", tmp_path / "out.docx")


# --------------------------------------------------------------------------- 1. text XML cannot hold


@pytest.mark.parametrize("field", ["current_address", "registered_address", "phone", "name"])
def test_lone_surrogate_in_a_household_text_is_refused_not_truncated(docforge_cli, tmp_path, field):
    h = data(HOUSEHOLD_FOR["outflow"])
    h["husband"][field] = "广东\ud800省东莞市"
    out = refused(render_household(docforge_cli, tmp_path, h), f"husband.{field}", "lone surrogate")
    assert "U+D800" in out and not (tmp_path / "out.docx").exists()


def test_lone_surrogate_as_a_yaml_escape_is_refused(docforge_cli, tmp_path):
    text = VILLAGE.read_text(encoding="utf-8") + 'signing_place: "某某\\ud800村"\n'
    text = text.replace("signing_place: 某某镇某某村村民委员会\n", "")
    vfile = tmp_path / "village.yaml"
    vfile.write_text(text, encoding="utf-8")
    run = docforge_cli("render", "charter", "--village", vfile, "-o", tmp_path / "out.docx")
    refused(run, "signing_place", "lone surrogate")


@pytest.mark.parametrize("value, why", [
    ("某某\x01镇", "control character U+0001"),
    ("某某\n镇", "line break"),
    ("   ", "blank"),
    ("某某\u202e镇", "direction mark U+202E"),
    ("某某\ufffe镇", "non-character U+FFFE"),
    ("某某\ufffd镇", "U+FFFD"),
    ("某某\u2028镇", "line break"),
])
def test_one_validator_for_every_text(docforge_cli, tmp_path, value, why):
    v = data(VILLAGE)
    v["signing_place"] = value
    refused(render_village(docforge_cli, tmp_path, v), "signing_place", why)
    h = data(HOUSEHOLD_FOR["outflow"])
    h["destination"] = value
    refused(render_household(docforge_cli, tmp_path, h), "destination", why)


def charter():
    return Resolver(load_village(VILLAGE), dt.date(2020, 6, 1)).document("charter")


def test_a_character_xml_cannot_hold_fails_loudly_on_both_paths():
    doc = charter()
    doc.blocks[3].text = "前\ud800后"  # past the model, as a plugin's text could be
    with pytest.raises(RenderError, match="not well-formed|lacks"):
        render_docx_fast(doc)
    with pytest.raises(RenderError):
        render_docx(doc)


def test_a_document_that_lost_a_clause_is_not_written(tmp_path):
    d = Docx()
    d.add_paragraph("{{ title }}")
    d.add_paragraph("{%p for b in blocks[:-1] %}")
    d.add_paragraph("{{ b.display }}")
    d.add_paragraph("{%p endfor %}")
    template = tmp_path / "short.docx"
    d.save(template)
    doc = charter()
    for render in (render_docx_fast, render_docx):
        with pytest.raises(RenderError, match=f"lacks clause {re.escape(doc.blocks[-1].id)}"):
            render(doc, template=template)


# --------------------------------------------------------------------------- 7. identity numbers


def test_mask_id_hides_the_middle_of_every_length():
    for n in range(1, 25):
        value = "1234567890" * 3
        masked = mask_id(value[:n])
        assert len(masked) == n and masked != value[:n] and "*" in masked
    assert mask_id("620422199209302111") == "620422********2111"
    assert mask_id("1234567890") == "12******90"
    assert mask_id("123456789") == "12*****89"
    text = "old card 620422920930211 and new 62042219920930211X, phone 13900000004"
    assert mask_ids(text) == "old card 620422*****0211 and new 620422********211X, phone 13900000004"


def test_an_identity_number_as_household_id_is_refused_with_the_reason(docforge_cli, tmp_path):
    number = id_number("19920930")
    h = data(HOUSEHOLD_FOR["outflow"])
    for hid in (number, number + "\x01", number[:15]):
        h["id"] = hid
        out = refused(render_household(docforge_cli, tmp_path, h), "cannot name a folder: it is an identity number")
        assert not FULL_ID.search(out), out


ROSTER_HEADER = ["户编号", "村民小组", "丈夫姓名", "丈夫身份证号", "妻子姓名", "妻子身份证号", "结婚日期", "子女数",
                 "末次生育日期", "户口性质", "节育措施", "流动类型", "计划再生育", "户籍地址", "现居住地址", "联系电话"]


def roster_row(hid: str, husband: str, wife: str, **more: str) -> list[str]:
    row = dict(zip(ROSTER_HEADER, [hid, "第一村民小组", "王强", husband, "赵敏", wife, "2012-10-01", "1", "2019-03-01",
                                   "农业", "短效", "常住", "是", "某某村", "某某村", "13800000002"]))
    row.update(more)
    return list(row.values())


def write_roster(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(ROSTER_HEADER)
        w.writerows(rows)
    return path


def test_identity_numbers_never_leave_in_full(docforge_cli, tmp_path):
    hid_number = id_number("19920930", 111)
    name_number = id_number("19850101", 131)
    roster = write_roster(tmp_path / "roster.csv", [
        roster_row("001", id_number("19880101", 51), id_number("19900101", 62)),
        roster_row(hid_number + "\x01", id_number("19880202", 71), id_number("19900202", 82)),  # id + bad char
        roster_row(hid_number, id_number("19880303", 91), id_number("19900303", 102)),  # a valid id as 户编号
        roster_row("004", id_number("19880404", 113), id_number("19900404", 124), 丈夫姓名=name_number),
    ])
    check = docforge_cli("check", "--village", VILLAGE, "--roster", roster, "--as-of", AS_OF)
    check_json = docforge_cli("check", "--village", VILLAGE, "--roster", roster, "--as-of", AS_OF, "--json")
    out = tmp_path / "bundle"
    bundle = docforge_cli("bundle", "--village", VILLAGE, "--roster", roster, "--skip-bad-rows", "--format", "docx",
                          "--as-of", AS_OF, "-o", out)
    assert check.code == 2 and check_json.code == 2 and bundle.code == 0, bundle.output
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert json.loads(manifest)["totals"]["skipped_rows"] == 3
    everything = check.output + check_json.output + bundle.output + manifest
    for number in (hid_number, name_number):
        assert number not in everything and number[:15] not in everything
    assert mask_id(hid_number) in bundle.output and "is an identity number" in bundle.output
    assert "holds what looks like an identity number" in check.output
    assert [h["id"] for h in json.loads(manifest)["households"]] == ["001"]
    folders = [p.name for p in (out / "households").iterdir()] if (out / "households").exists() else []
    assert set(folders) <= {"001"}


# --------------------------------------------------------------------------- 6. clear errors


def test_impossible_date_in_yaml_names_the_line(docforge_cli, tmp_path):
    text = HOUSEHOLD_FOR["outflow"].read_text(encoding="utf-8").replace("2016-02-01", "2026-13-45")
    hfile = tmp_path / "h.yaml"
    hfile.write_text(text, encoding="utf-8")
    run = docforge_cli("render", "outflow", "--village", VILLAGE, "--household", hfile, "-o", tmp_path / "o.docx")
    refused(run, "h.yaml", "'2026-13-45' is not a date", "line 15", "YYYY-MM-DD")
    refused(docforge_cli("render", "charter", "--village", VILLAGE, "--as-of", "2026-13-45", "-o", tmp_path / "o.docx"),
            "is not a date")


def test_output_that_is_a_folder_or_cannot_be_written(docforge_cli, tmp_path):
    run = docforge_cli("render", "charter", "--village", VILLAGE, "-o", tmp_path)
    refused(run, f"-o {tmp_path}: is a folder")
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    run = docforge_cli("render", "charter", "--village", VILLAGE, "-o", blocker / "out.docx")
    refused(run, "cannot be written")
    run = docforge_cli("bundle", "--village", VILLAGE, "--household", HOUSEHOLD_FOR["outflow"], "--format", "docx",
                       "-o", blocker / "bundle")
    refused(run, "cannot be used as the bundle folder")
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]


def test_problem_sheet_and_other_outputs_with_hostile_paths_and_cells(docforge_cli, tmp_path):
    roster = write_roster(tmp_path / "roster.csv", [
        roster_row("00\x011", id_number("19880101", 51), id_number("19900101", 62)),
        roster_row("002", id_number("19880202", 71), id_number("19900202", 82), 丈夫姓名="王\x02强"),
    ])
    sheet = tmp_path / "problems.xlsx"
    run = docforge_cli("check", "--village", VILLAGE, "--roster", roster, "--as-of", AS_OF, "--problems", sheet)
    out = refused(run, "U+0001", "U+0002")
    assert "\x01" not in out and "\\x01" in out  # shown as an escape, never as the character
    import openpyxl

    notes = [c.value for row in openpyxl.load_workbook(sheet).worksheets[0].iter_rows() for c in row
             if isinstance(c.value, str) and "U+0001" in c.value]
    assert notes and all("\x01" not in n for n in notes)
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    for args in (["roster-template", "-o", tmp_path], ["roster-template", "-o", blocker / "r.xlsx"],
                 ["schema", "--write", blocker / "s"], ["example-county", "-o", blocker / "c", "--villages", "1",
                                                        "--households", "1"],
                 ["check", "--village", VILLAGE, "--roster", roster, "--problems", blocker / "p.xlsx"]):
        run = docforge_cli(*args)
        assert run.code == 2 and run.exception is None, (args, run.output, run.exception)
        assert "is a folder" in run.output or "cannot be written" in run.output, run.output


def test_csv_cell_over_the_field_limit(docforge_cli, tmp_path):
    roster = write_roster(tmp_path / "roster.csv", [
        roster_row("001", id_number("19880101", 51), id_number("19900101", 62)),
        roster_row("002", id_number("19880202", 71), id_number("19900202", 82), 户籍地址="某" * 140_000),
    ])
    run = docforge_cli("check", "--village", VILLAGE, "--roster", roster, "--as-of", AS_OF)
    out = refused(run, "roster.csv, row 3", "longer than 131,072 characters")
    assert len(out) < 2000


@pytest.mark.parametrize("hid", ["户" * 70, "𠀀" * 60, "a" * 65])
def test_household_id_too_long_for_a_folder_name(docforge_cli, tmp_path, hid):
    h = data(HOUSEHOLD_FOR["outflow"])
    h["id"] = hid
    out = refused(render_household(docforge_cli, tmp_path, h), "cannot name a folder: it is too long", "bytes")
    assert hid not in out


UNSHARE = shutil.which("unshare")


def _can_mount() -> bool:
    if not UNSHARE:
        return False
    p = subprocess.run([UNSHARE, "-rm", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /tmp"], capture_output=True)
    return p.returncode == 0


@pytest.mark.skipif(not _can_mount(), reason="needs unshare and a user namespace to mount a small tmpfs")
def test_full_disk_says_what_was_written_and_the_same_command_resumes(tmp_path):
    """A real full disk: a 60 KB tmpfs in a private mount namespace, then grown, then the same command."""
    disk = tmp_path / "disk"
    disk.mkdir()
    cmd = [sys.executable, "-m", "docforge.cli", "bundle", "--village", str(VILLAGE),
           "--household", str(HOUSEHOLDS / "h01-early-marriage.yaml"), "--household", str(HOUSEHOLD_FOR["outflow"]),
           "--format", "docx", "--as-of", AS_OF, "-o", str(disk / "b")]
    verify = [sys.executable, "-m", "docforge.cli", "verify", str(disk / "b")]
    script = (f"mount -t tmpfs -o size=60k tmpfs {disk} && {{ {' '.join(map(repr, cmd))} > {tmp_path}/1.out 2>&1; "
              f"echo $? > {tmp_path}/1.rc; mount -o remount,size=8m {disk}; "
              f"{' '.join(map(repr, cmd))} > {tmp_path}/2.out 2>&1; echo $? > {tmp_path}/2.rc; "
              f"{' '.join(map(repr, verify))} > {tmp_path}/3.out 2>&1; echo $? > {tmp_path}/3.rc; }}")
    subprocess.run([UNSHARE, "-rm", "sh", "-c", script], check=True, timeout=300)
    first = (tmp_path / "1.out").read_text()
    assert (tmp_path / "1.rc").read_text().strip() == "1", first
    assert "Traceback" not in first
    assert "the disk is full" in first and "no packet is half-written" in first and "run the same command again" in first
    assert re.search(r"\d+ packet\(s\) of .* are finished \(\d+ KB\)", first), first
    assert (tmp_path / "2.rc").read_text().strip() == "0", (tmp_path / "2.out").read_text()
    assert "already finished" in (tmp_path / "2.out").read_text()
    assert (tmp_path / "3.rc").read_text().strip() == "0", (tmp_path / "3.out").read_text()


# --------------------------------------------------------------------------- 9. long values


@pytest.mark.parametrize("n", [242, 100_000])
def test_long_village_name_names_the_field_and_echoes_little(docforge_cli, tmp_path, n):
    v = data(VILLAGE)
    v["village"]["name"] = "某" * n
    out = refused(render_village(docforge_cli, tmp_path, v), "village.name", f"has {n} characters", "at most 40")
    assert len(out) < 1000 and "某" * 30 not in out


def test_long_person_name_and_address(docforge_cli, tmp_path):
    h = data(HOUSEHOLD_FOR["outflow"])
    h["wife"]["name"] = "黄" * 41
    h["husband"]["current_address"] = "址" * 121
    refused(render_household(docforge_cli, tmp_path, h), "wife.name", "husband.current_address", "shorten it")


# --------------------------------------------------------------------------- 10. text as written


def test_user_text_prints_exactly_as_written(docforge_cli, tmp_path):
    v = data(VILLAGE)
    v["village"]["name"] = "A&B{_{ x }_}<c>'\"{_% y %_}"
    run = render_village(docforge_cli, tmp_path, v)
    assert run.code == 0, run.output
    title = f"{v['village']['name']}人口和计划生育村居民自治章程"
    assert docx_paragraphs(tmp_path / "out.docx")[0] == title
    assert Docx(str(tmp_path / "out.docx")).core_properties.title == title
    core = zipfile.ZipFile(tmp_path / "out.docx").read("docProps/core.xml").decode()
    assert "&amp;amp;" not in core and "A&amp;B{_{ x }_}" in core


# --------------------------------------------------------------------------- 11. validation gaps


@pytest.mark.parametrize("hid, why", [
    ("CON", "device name"), ("nul", "device name"), ("COM1.txt", "device name"), ("a:b", "':'"),
    ("*?", "'*' '?'"), ("a\u200bb", "U+200B"), ("a\u202eb", "U+202E"), ("a.", "ends with"), (" a", "space"),
])
def test_household_ids_that_cannot_name_a_folder_on_windows(docforge_cli, tmp_path, hid, why):
    h = data(HOUSEHOLD_FOR["outflow"])
    h["id"] = hid
    refused(render_household(docforge_cli, tmp_path, h), "id:", why)


def test_duplicate_keys_are_refused_with_file_and_line(docforge_cli, tmp_path):
    vfile = tmp_path / "village.yaml"
    vfile.write_text(VILLAGE.read_text(encoding="utf-8") + "signing_place: 重复\n", encoding="utf-8")
    run = docforge_cli("render", "charter", "--village", vfile, "-o", tmp_path / "o.docx")
    refused(run, "village.yaml", "'signing_place' is given twice", "first on line")
    jfile = tmp_path / "village.json"
    jfile.write_text('{"village": {"name": "a"}, "village": {"name": "b"}}', encoding="utf-8")
    refused(docforge_cli("render", "charter", "--village", jfile, "-o", tmp_path / "o.docx"), "'village' is given twice")


def test_a_date_after_the_signing_date_that_has_passed_is_a_warning(docforge_cli, tmp_path):
    h = data(HOUSEHOLD_FOR["outflow"])  # married 2016-02-01
    hfile = write_json(tmp_path / "household.json", h)
    run = docforge_cli("render", "outflow", "--village", VILLAGE, "--household", hfile, "--as-of", "2015-06-01",
                       "-o", tmp_path / "out.docx")
    assert run.code == 0, run.output
    assert "marriage_date: 2016-02-01 is after the signing date 2015-06-01" in run.stderr


@pytest.mark.parametrize("field, value, why", [
    ("marriage_date", "2099-01-01", "after the signing date"),
    ("children", [{"birth_date": "1900-01-01"}], "before the husband's birth"),
    ("children", [{"birth_date": "1960-01-01"}], "more than 60 years before"),
])
def test_impossible_family_dates(docforge_cli, tmp_path, field, value, why):
    h = data(HOUSEHOLD_FOR["outflow"])
    h[field] = value
    if field == "children" and "60 years" in why:
        for who in ("husband", "wife"):
            h[who].pop("id_number")
    refused(render_household(docforge_cli, tmp_path, h), field, why)


# --------------------------------------------------------------------------- 12. verify


@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory) -> Path:
    from click.testing import CliRunner

    from docforge.cli import cli

    out = tmp_path_factory.mktemp("verify") / "bundle"
    result = CliRunner().invoke(cli, ["bundle", "--village", str(VILLAGE), "--household",
                                      str(HOUSEHOLD_FOR["outflow"]), "--format", "docx", "--as-of", AS_OF,
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _tampered(small_bundle: Path, tmp_path: Path, docforge_cli, tamper) -> str:
    copy = tmp_path / "copy"
    shutil.copytree(small_bundle, copy, symlinks=True)
    assert docforge_cli("verify", copy).code == 0
    tamper(copy)
    run = docforge_cli("verify", copy)
    assert run.code == 1, run.output
    return run.output


def test_verify_finds_a_file_swapped_for_a_symlink(small_bundle, tmp_path, docforge_cli):
    def tamper(copy: Path) -> None:
        f = copy / "households" / "004" / "outflow-1-甲方.docx"
        shutil.move(f, tmp_path / "elsewhere.docx")
        f.symlink_to(tmp_path / "elsewhere.docx")
    assert "changed: households/004/outflow-1-甲方.docx (a symbolic link" in _tampered(small_bundle, tmp_path,
                                                                                    docforge_cli, tamper)


def test_verify_finds_a_folder_swapped_for_a_symlink(small_bundle, tmp_path, docforge_cli):
    def tamper(copy: Path) -> None:
        shutil.move(copy / "households" / "004", tmp_path / "moved")
        (copy / "households" / "004").symlink_to(tmp_path / "moved")
    out = _tampered(small_bundle, tmp_path, docforge_cli, tamper)
    assert "extra: households/004/ (a symbolic link to a folder" in out


def test_verify_finds_an_added_empty_folder(small_bundle, tmp_path, docforge_cli):
    out = _tampered(small_bundle, tmp_path, docforge_cli, lambda c: (c / "households" / "999").mkdir())
    assert "extra: households/999/ (a folder with no file that manifest.json lists)" in out


def test_verify_finds_an_edited_manifest(small_bundle, tmp_path, docforge_cli):
    def tamper(copy: Path) -> None:
        m = copy / "manifest.json"
        m.write_text(m.read_text(encoding="utf-8").replace('"draft": false', '"draft": true'), encoding="utf-8")
    assert "changed: manifest.json (its sha256 differs from manifest.json.sha256" in _tampered(
        small_bundle, tmp_path, docforge_cli, tamper)


def test_verify_finds_an_edited_done_record(small_bundle, tmp_path, docforge_cli):
    def tamper(copy: Path) -> None:
        done = copy / "households" / "004" / ".done"
        record = json.loads(done.read_text(encoding="utf-8"))
        record["files"][0]["copy"] = "乙方"
        done.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert "changed: households/004/.done" in _tampered(small_bundle, tmp_path, docforge_cli, tamper)


def test_manifest_hash_file_matches_sha256sum(small_bundle):
    if not shutil.which("sha256sum"):
        pytest.skip("no sha256sum")
    p = subprocess.run(["sha256sum", "-c", "manifest.json.sha256"], cwd=small_bundle, capture_output=True, text=True)
    assert p.returncode == 0 and "manifest.json: OK" in p.stdout
