"""Bad input through the CLI: refused with exit code 2, a message naming file and field, no
traceback, no document written, and never a full identity number in the output."""

from __future__ import annotations

import pytest
import yaml
from conftest import HOUSEHOLDS, VILLAGE, docforge_process, write_yaml

GOOD_HUSBAND_ID = "620422199603151219"  # h01's husband
BAD_CHECKSUM_ID = "620422199603151218"  # same number, wrong MOD 11-2 check digit
WIFE_ID = "620422199908023429"  # h01's wife: a woman's number


def h01() -> dict:
    return yaml.safe_load((HOUSEHOLDS / "h01-early-marriage.yaml").read_text(encoding="utf-8"))


def refused(run, out) -> str:
    """Common expectations of a refusal; returns the whole output."""
    assert run.code == 2, run.output
    assert run.exception is None, repr(run.exception)
    assert "Traceback" not in run.output
    assert not out.exists()
    assert not list(out.parent.glob(f".{out.name}*")), "a temporary file was left behind"
    return run.output


def render_household(docforge_cli, tmp_path, hh_file, kind="contraception"):
    out = tmp_path / "out" / f"{kind}.docx"
    return docforge_cli("render", kind, "--village", VILLAGE, "--household", hh_file,
                        "--as-of", "2026-11-30", "-o", out), out


def test_id_number_with_wrong_check_digit(docforge_cli, tmp_path):
    data = h01()
    data["husband"]["id_number"] = BAD_CHECKSUM_ID
    hh = write_yaml(tmp_path / "bad-id.yaml", data)
    run, out = render_household(docforge_cli, tmp_path, hh)
    text = refused(run, out)
    assert str(hh) in text and "husband.id_number" in text and "check digit" in text
    assert "620422********1218" in text
    assert BAD_CHECKSUM_ID not in text and "19960315" not in text


def test_husband_id_that_records_a_woman(docforge_cli, tmp_path):
    data = h01()
    data["husband"]["id_number"] = WIFE_ID
    hh = write_yaml(tmp_path / "swapped.yaml", data)
    run, out = render_household(docforge_cli, tmp_path, hh)
    text = refused(run, out)
    assert str(hh) in text and "husband.id_number" in text and "records a woman" in text
    assert WIFE_ID not in text and "620422********3429" in text


@pytest.mark.parametrize("content", [
    # a line with an identity number is the one the parser quotes
    'id: "001"\ngroup: 第一村民小组\nhusband:\n  name: 张伟\n  id_number: "620422199603151219" x\n',
    'id: "001"\nhusband: {name: 张伟, id_number: "620422199603151219"\nwife: {name: 李娜}\n',
    "id: [001\n",
])
def test_malformed_yaml(docforge_cli, tmp_path, content):
    hh = tmp_path / "broken.yaml"
    hh.write_text(content, encoding="utf-8")
    run, out = render_household(docforge_cli, tmp_path, hh)
    text = refused(run, out)
    assert str(hh) in text and "not valid YAML" in text and "line" in text
    assert GOOD_HUSBAND_ID not in text


def test_malformed_yaml_in_a_real_process(tmp_path):
    """The same refusal from a real ``docforge`` process: exit 2, one message, no traceback."""
    hh = tmp_path / "broken.yaml"
    hh.write_text('husband:\n  id_number: "620422199603151219" x\n', encoding="utf-8")
    out = tmp_path / "x.docx"
    run = docforge_process("render", "contraception", "--village", VILLAGE, "--household", hh, "-o", out)
    assert run.code == 2 and "Traceback" not in run.output and not out.exists()
    assert run.stderr.startswith("error: ") and GOOD_HUSBAND_ID not in run.output


@pytest.mark.parametrize("drop, field", [("committee", "committee"), ("county", "county")])
def test_village_missing_required_field(docforge_cli, tmp_path, drop, field):
    data = yaml.safe_load(VILLAGE.read_text(encoding="utf-8"))
    del data[drop]
    v = write_yaml(tmp_path / "village.yaml", data)
    out = tmp_path / "charter.docx"
    text = refused(docforge_cli("render", "charter", "--village", v, "-o", out), out)
    assert str(v) in text and f"{field}: Field required" in text
    assert "schemas/village.schema.json" in text


def test_household_missing_required_field(docforge_cli, tmp_path):
    data = h01()
    del data["group"]
    del data["wife"]["name"]
    hh = write_yaml(tmp_path / "h.yaml", data)
    run, out = render_household(docforge_cli, tmp_path, hh)
    text = refused(run, out)
    assert "group: Field required" in text and "wife.name: Field required" in text
    assert GOOD_HUSBAND_ID not in text and WIFE_ID not in text


@pytest.mark.parametrize("as_of", ["2026-13-01", "30.11.2026", "tomorrow"])
def test_bad_as_of(docforge_cli, tmp_path, as_of):
    out = tmp_path / "charter.docx"
    text = refused(docforge_cli("render", "charter", "--village", VILLAGE, "--as-of", as_of, "-o", out), out)
    assert f"'{as_of}' is not a date" in text and "YYYY-MM-DD" in text


def test_unknown_kind(docforge_cli, tmp_path):
    out = tmp_path / "x.docx"
    text = refused(docforge_cli("render", "passport", "--village", VILLAGE, "-o", out), out)
    assert "passport" in text and "charter" in text and "birth-spacing" in text


def test_agreement_without_household(docforge_cli, tmp_path):
    out = tmp_path / "x.docx"
    text = refused(docforge_cli("render", "outflow", "--village", VILLAGE, "-o", out), out)
    assert "--household" in text


@pytest.mark.parametrize("name, data", [
    ("missing.yaml", None),
    ("gbk.yaml", "id: \"001\"\ngroup: 第一村民小组\n".encode("gbk")),
    ("list.yaml", b"- a\n- b\n"),
])
def test_unreadable_household_file(docforge_cli, tmp_path, name, data):
    hh = tmp_path / name
    if data is not None:
        hh.write_bytes(data)
    run, out = render_household(docforge_cli, tmp_path, hh)
    text = refused(run, out)
    assert str(hh) in text


def test_failed_render_keeps_an_existing_file(docforge_cli, tmp_path):
    """A refused run does not touch a document written by an earlier, good run."""
    out = tmp_path / "charter.docx"
    assert docforge_cli("render", "charter", "--village", VILLAGE, "-o", out).code == 0
    before = out.read_bytes()
    assert docforge_cli("render", "charter", "--village", VILLAGE, "--as-of", "x", "-o", out).code == 2
    assert out.read_bytes() == before
