"""Property-based tests over every text field of the village file, the household file and the roster:
every generated value either renders with its text found exactly in the DOCX (and, for a sample, in
the PDF), or is refused with exit 2 and a message naming the field. Nothing else: no exit 1, no
traceback, no document missing a clause.

``make test`` runs a few derandomized examples per field (the same ones every run); ``make fuzz``
sets ``DOCFORGE_FUZZ_EXAMPLES`` (and random seeds) to run many more.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import HOUSEHOLD_FOR, VILLAGE, docx_paragraphs

EXAMPLES = int(os.environ.get("DOCFORGE_FUZZ_EXAMPLES", "6"))
FUZZ = "DOCFORGE_FUZZ_EXAMPLES" in os.environ
AS_OF = "2020-06-01"  # agreements are offered (none after 2021-08-20: docs/law.md)

fuzz_settings = settings(max_examples=EXAMPLES, deadline=None, derandomize=not FUZZ, database=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                HealthCheck.data_too_large])

#: What a hostile user types: template syntax (jinja's and docxtpl's escaped tags), XML, characters
#: XML cannot hold, invisible and direction marks, identity numbers, over-long values.
HOSTILE = ["{_{ x }_}", "{{ 1+1 }}", "{%p if %}", "{_% y %_}", "A&B", "<w:p>", "]]>", "&amp;", "a\x00b", "\x1b[0m",
           "\u202e", "\u200b", "\ufeff", "\ufffe", " ", "\u3000", "\n", "\r\n", "\t", "\u2028", "𠀀", "ＡＢ",
           "620422199209302111", "62042219920930211X", "某" * 300, "'\"", "\\", "%s", "e\u0301", "CON", "..", "/",
           "a:b", "*?", "{amount:deposit.outflow}", "{ref:x}"]
SURROGATE = st.integers(0xD800, 0xDFFF).map(chr)
CJK_AND_PUNCT = list("某村镇乡县张王李赵黄杨丽强敏号路街巷组&<>\"'{}_%#()（）·—-、，。 　0123456789abcXYZ")

hostile_text = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=50),
    st.text(st.sampled_from(CJK_AND_PUNCT), min_size=1, max_size=45),
    st.lists(st.one_of(st.sampled_from(HOSTILE), SURROGATE, st.text(st.sampled_from(CJK_AND_PUNCT), max_size=6)),
             min_size=1, max_size=4).map("".join),
)
#: Text a PDF's text layer gives back as typed: CJK, Latin, digits and punctuation.
printable_text = st.text(st.sampled_from([c for c in CJK_AND_PUNCT if c.strip()]), min_size=1, max_size=20)


def _set(data: dict, path: tuple, value: object) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def _write(path: Path, data: dict) -> Path:
    # JSON with ensure_ascii writes a lone surrogate as the \ud800 escape a hostile file would hold
    path.write_text(json.dumps(data, ensure_ascii=True, default=str), encoding="utf-8")
    return path


def _loc(path: tuple) -> str:
    return ".".join(str(p) for p in path)


def _outcome(run, field: str, value: str, docx: Path | None, printed: bool) -> None:
    """Exit 0 with ``value`` in the DOCX where the document prints the field, or exit 2 naming it."""
    value = json.loads(json.dumps(value))  # as the file holds it: "\ud800\udc00" is the pair of U+10000
    assert run.exception is None and "Traceback" not in run.output, (repr(value), run.output, run.exception)
    if run.code == 2:
        assert field in run.output, (repr(value), run.output)
        return
    assert run.code == 0, (repr(value), run.output)
    if printed:
        text = "\n".join(docx_paragraphs(docx))
        assert value in text, (repr(value), text[:500])


# field path, the document to render, whether that document prints the field
VILLAGE_FIELDS = [
    (("village", "name"), "charter", True),
    (("township", "name"), "charter", True),
    (("committee", "name"), "contraception", True),
    (("signing_place",), "contraception", True),
    (("committee", "legal_representative"), "contraception", False),
    (("groups", 0), "charter", False),
]
HOUSEHOLD_FIELDS = [
    (("husband", "name"), "outflow", True),
    (("wife", "name"), "outflow", True),
    (("husband", "registered_address"), "outflow", True),
    (("husband", "current_address"), "outflow", True),
    (("wife", "current_address"), "outflow", True),
    (("husband", "phone"), "outflow", True),
    (("group",), "contraception", True),
    (("destination",), "outflow", False),
    (("origin",), "outflow", False),
    (("id",), "outflow", False),
    (("children", 0, "name"), "outflow", False),
]


@pytest.mark.parametrize("path, kind, printed", VILLAGE_FIELDS, ids=[_loc(f[0]) for f in VILLAGE_FIELDS])
@fuzz_settings
@given(value=hostile_text)
def test_village_text_renders_exactly_or_is_refused(docforge_cli, tmp_path, path, kind, printed, value):
    village = yaml.safe_load(VILLAGE.read_text(encoding="utf-8"))
    _set(village, path, value)
    vfile = _write(tmp_path / "village.json", village)
    out = tmp_path / "out.docx"
    args = ["render", kind, "--village", vfile, "--as-of", AS_OF, "-o", out]
    if kind != "charter":
        args += ["--household", HOUSEHOLD_FOR[kind]]
    _outcome(docforge_cli(*args), _loc(path), value, out, printed)


@pytest.mark.parametrize("path, kind, printed", HOUSEHOLD_FIELDS, ids=[_loc(f[0]) for f in HOUSEHOLD_FIELDS])
@fuzz_settings
@given(value=hostile_text)
def test_household_text_renders_exactly_or_is_refused(docforge_cli, tmp_path, path, kind, printed, value):
    household = yaml.safe_load(HOUSEHOLD_FOR[kind].read_text(encoding="utf-8"))
    if path[0] == "children":
        household["children"] = [{"birth_date": "2018-04-20"}]
    _set(household, path, value)
    hfile = _write(tmp_path / "household.json", household)
    out = tmp_path / "out.docx"
    run = docforge_cli("render", kind, "--village", VILLAGE, "--household", hfile, "--as-of", AS_OF, "-o", out)
    _outcome(run, _loc(path), value, out, printed)


# --------------------------------------------------------------------------- the roster

ROSTER = {"户编号": "001", "村民小组": "第二村民小组", "丈夫姓名": "杨帆", "丈夫身份证号": "620422199209302111",
          "妻子姓名": "黄丽", "妻子身份证号": "620422199304112324", "结婚日期": "2016-02-01", "子女数": "1",
          "末次生育日期": "2018-04-20", "户口性质": "农业", "节育措施": "短效", "流动类型": "流出", "计划再生育": "否",
          "户籍地址": "某某村第二村民小组", "现居住地址": "广东省东莞市", "联系电话": "13900000004", "流出地": "某某村",
          "流入地": "广东省东莞市", "婚育证明有效期起": "2026-01-01", "婚育证明有效期止": "2028-12-31"}
# roster column, its model field, whether the outflow agreement prints it
ROSTER_FIELDS = [("户编号", "id", False), ("村民小组", "group", False), ("丈夫姓名", "husband.name", True),
                 ("妻子姓名", "wife.name", True), ("户籍地址", "registered_address", True),
                 ("现居住地址", "current_address", True), ("联系电话", "phone", True), ("流出地", "origin", False),
                 ("流入地", "destination", False)]


@pytest.mark.parametrize("column, field, printed", ROSTER_FIELDS, ids=[f[1] for f in ROSTER_FIELDS])
@fuzz_settings
@given(value=hostile_text)
def test_roster_text_renders_exactly_or_is_refused(docforge_cli, tmp_path, column, field, printed, value):
    row = dict(ROSTER, **{column: value})
    roster = tmp_path / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8", errors="surrogatepass") as f:
        w = csv.writer(f)
        w.writerow(row.keys())
        w.writerow(row.values())
    run = docforge_cli("check", "--village", VILLAGE, "--roster", roster, "--as-of", AS_OF)
    assert run.exception is None and "Traceback" not in run.output, (repr(value), run.output, run.exception)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):  # no UTF-8 file holds one: the file is refused
        assert run.code == 2 and str(roster) in run.output, (repr(value), run.output)
        return
    if run.code == 2:
        assert column in run.output or field in run.output or "row 2" in run.output, (repr(value), run.output)
        return
    assert run.code == 0, (repr(value), run.output)
    if not printed:
        return
    from docforge.inputs import load_village
    from docforge.render.docx import render_docx_fast
    from docforge.resolve import Resolver
    from docforge.roster import iter_households

    village = load_village(VILLAGE)
    (_, household), = list(iter_households(village, roster, dt.date(2020, 6, 1)))
    docx = tmp_path / "out.docx"
    docx.write_bytes(render_docx_fast(Resolver(village, dt.date(2020, 6, 1)).document("outflow", household)))
    text = "\n".join(docx_paragraphs(docx))
    assert value.strip() in text, (repr(value), text[:500])


# --------------------------------------------------------------------------- a sample through LibreOffice


@pytest.mark.skipif(shutil.which("soffice") is None and shutil.which("libreoffice") is None,
                    reason="LibreOffice is not installed")
@settings(max_examples=max(2, EXAMPLES // 10), deadline=None, derandomize=not FUZZ, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=printable_text, address=printable_text)
def test_a_sample_prints_exactly_in_the_pdf(docforge_cli, tmp_path, name, address):
    from pypdf import PdfReader

    from docforge.render.pdf import convert

    household = yaml.safe_load(HOUSEHOLD_FOR["outflow"].read_text(encoding="utf-8"))
    household["wife"]["name"] = name
    household["wife"]["current_address"] = address
    hfile = _write(tmp_path / "household.json", household)
    out = tmp_path / "out.docx"
    run = docforge_cli("render", "outflow", "--village", VILLAGE, "--household", hfile, "--as-of", AS_OF, "-o", out)
    if run.code == 2:  # e.g. a blank name: refused, naming the field
        assert "wife." in run.output, run.output
        return
    assert run.code == 0, run.output
    pdf = convert(out, tmp_path / "out.pdf")
    text = "".join("".join(page.extract_text() for page in PdfReader(pdf).pages).split())
    for value in (name, address):
        assert "".join(value.split()) in text, (value, text[:400])
