"""The catalogs and the language rule (docforge/i18n.py): every message has its Chinese, the right
language is chosen, and the CLI speaks it, --help included."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from docforge import i18n
from docforge.cli import cli

ROOT = Path(__file__).resolve().parents[1]
ZH_PO = ROOT / "docforge" / "locale" / "zh_CN" / "LC_MESSAGES" / "docforge.po"
EN_PO = ROOT / "docforge" / "locale" / "en" / "LC_MESSAGES" / "docforge.po"
PY_FORMAT = re.compile(r"%\((\w+)\)[sdr]")
LATIN_SENTENCE = re.compile(r"[A-Za-z]{3,}(?:[ ,;:'-]+[A-Za-z]{2,}){2,}")


def _tool():
    spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "tools" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _catalog(path: Path, locale: str):
    with path.open("rb") as f:
        return read_po(f, locale=locale, domain="docforge", abort_invalid=True)


def _fields(text: str) -> set[str]:
    return i18n.placeholders(text) | set(PY_FORMAT.findall(text))


def test_every_message_has_a_chinese_translation_with_the_same_placeholders():
    problems = []
    for m in _catalog(ZH_PO, "zh_CN"):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        if "fuzzy" in m.flags:
            problems.append(f"fuzzy (check it, then drop the flag): {ids[0]!r}")
        if not all(forms):
            problems.append(f"no translation: {ids[0]!r}")
            continue
        source = set().union(*(_fields(i) for i in ids))
        for form in forms:
            got = _fields(form)
            # a single text must keep every placeholder; a counted one at least those of the plural
            need = _fields(ids[-1])
            if got - source or need - got:
                problems.append(f"placeholders {sorted(got)} instead of {sorted(need)}: {ids[0]!r} -> {form!r}")
    assert not problems, "zh_CN catalog:\n" + "\n".join(problems)


def test_chinese_punctuation_is_full_width():
    """「，」「：」「；」「（）」 beside Chinese characters, never , : ; ( ) (code in `backticks` aside)."""
    cjk = r"[\u4e00-\u9fff]"
    half = re.compile(rf"{cjk}[,;:!?()]|[,;:!?(]\s*{cjk}")
    wrong = []
    for m in _catalog(ZH_PO, "zh_CN"):
        for form in (m.string if isinstance(m.string, tuple) else (m.string,)):
            if m.id and half.search(re.sub(r"`[^`]*`", "", form)):
                wrong.append(form)
    assert not wrong, "half-width punctuation in Chinese:\n" + "\n".join(wrong)


def test_catalogs_are_up_to_date_with_the_code(capsys):
    """A message added to the code but not to the catalogs: run make i18n, then translate it."""
    tool = _tool()
    template = tool.template()
    # _(f"...") cannot be translated (the extractor skips it and says so): use named placeholders
    skipped = [ln for ln in capsys.readouterr().err.splitlines() if "Skipping f-string" in ln]
    assert not skipped, "write these as _(\"... {name} ...\", name=value):\n" + "\n".join(skipped)
    for path, locale in ((ZH_PO, "zh_CN"), (EN_PO, "en")):
        have = {m.id for m in _catalog(path, locale) if m.id}
        missing = [m.id for m in template if m.id and m.id not in have]
        assert not missing, f"{path.relative_to(ROOT)} lacks {len(missing)} message(s) (run make i18n): {missing[:5]}"


def test_the_catalogs_are_written_as_make_i18n_writes_them():
    """Sorted, no line numbers, fixed header: what keeps parallel branches mergeable."""
    tool = _tool()
    template = tool.template()
    def significant(data: bytes) -> list[bytes]:  # format flags differ between Babel versions
        return [ln for ln in data.split(b"\n") if not ln.startswith(b"#,")]

    for locale in ("zh_CN", "en"):
        assert significant(tool.updated(locale, template)) == significant(tool.po_path(locale).read_bytes()), \
            f"{locale} catalog differs from what make i18n writes: run make i18n"


def _entries(text: str) -> list[list[str]]:
    """The entries of a .po file, a new one at each msgctxt/msgid that follows a msgstr (a union merge
    may leave two entries without a blank line between them, which is still a valid file)."""
    entries: list[list[str]] = []
    current: list[str] = []
    seen_msgstr = False
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith(("msgctxt ", "msgid ")) and (seen_msgstr or not current):
            if current:
                entries.append(current)
            current, seen_msgstr = [], False
        current.append(line)
        seen_msgstr = seen_msgstr or line.startswith("msgstr")
    if current:
        entries.append(current)
    return entries


def test_a_catalog_has_no_duplicate_entry():
    """A union merge of two branches that changed the same entry would leave it twice: keep one."""
    for path in (ZH_PO, EN_PO):
        text = path.read_text(encoding="utf-8")
        assert "<<<<<<<" not in text and ">>>>>>>" not in text
        seen = set()
        for entry in _entries(text):
            key = re.split(r"\nmsgstr", "\n".join(entry))[0]
            assert key not in seen, f"{path.relative_to(ROOT)}: entry twice (keep one, then make i18n): {key}"
            seen.add(key)
            assert sum(ln.startswith(("msgstr ", "msgstr[0]")) for ln in entry) == 1, entry


@pytest.mark.parametrize("env, expected", [
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW.UTF-8"}, "zh"),
    ({"LANG": "C"}, "en"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({}, "en"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_CN.UTF-8", "LC_MESSAGES": "C"}, "en"),
    ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C", "LC_MESSAGES": "zh_CN.UTF-8"}, "en"),
    ({"LANG": "C", "DOCFORGE_LANG": "zh"}, "zh"),
    ({"LANG": "zh_CN.UTF-8", "DOCFORGE_LANG": "en"}, "en"),
])
def test_language_rule(monkeypatch, env, expected):
    for var in ("LANG", "LC_ALL", "LC_MESSAGES", "DOCFORGE_LANG"):
        monkeypatch.delenv(var, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert i18n.language() == expected
    with i18n.using("en" if expected == "zh" else "zh"):
        assert i18n.language() != expected
    assert i18n.language() == expected


def test_translation_fills_named_placeholders_in_either_language():
    with i18n.using("zh"):
        assert i18n._("error: {message}", message="X") == "错误：X"
        assert i18n.ngettext("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments.",
                             2, name="--a", nargs=2) == "选项 '--a' 需要 2 个值。"
        assert i18n.date_text(__import__("datetime").date(2026, 12, 3)) == "2026年12月3日"
    with i18n.using("en"):
        assert i18n._("error: {message}", message="X") == "error: X"
        assert i18n.date_text(__import__("datetime").date(2026, 12, 3)) == "2026-12-03"
    assert i18n.both("error: {message}", message="X") == {"en": "error: X", "zh": "错误：X"}
    text = i18n.lazy("error: {message}", message="X")
    with i18n.using("zh"):
        assert str(text) == "错误：X"
    with i18n.using("en"):
        assert f"{text}" == "error: X"


def _commands(group=cli, path=()):
    """Every command's path, subcommands of groups included."""
    yield path
    for name in sorted(getattr(group, "commands", {})):
        yield from _commands(group.commands[name], (*path, name))


@pytest.mark.parametrize("path", list(_commands()), ids=lambda p: " ".join(p) or "docforge")
def test_help_of_every_command_in_chinese_and_english(path):
    runner = CliRunner()
    zh = runner.invoke(cli, [*path, "--help"], env={"LANG": "zh_CN.UTF-8", "LC_ALL": None, "DOCFORGE_LANG": None})
    assert zh.exit_code == 0, zh.output
    assert "用法：" in zh.output and "选项" in zh.output and "显示本帮助后退出。" in zh.output
    assert "--lang" in zh.output
    english = [ln for ln in zh.output.splitlines() if LATIN_SENTENCE.search(re.sub(r"--?[\w-]+|\S+\.\w{3,4}\b|\b(?:cli|docforge)(?: [a-z][a-z-]*)+", "", ln))]
    assert not english, "English left in Chinese --help:\n" + "\n".join(english)
    en = runner.invoke(cli, [*path, "--help", "--lang", "en"], env={"LANG": "zh_CN.UTF-8"})
    assert en.exit_code == 0 and "Usage:" in en.output and "Show this message and exit." in en.output


def test_version_in_either_language():
    runner = CliRunner()
    assert runner.invoke(cli, ["--version"], env={"LANG": "zh_CN.UTF-8", "LC_ALL": None, "DOCFORGE_LANG": None}
                         ).output == "docforge，版本 " + __import__("docforge").__version__ + "\n"
    assert runner.invoke(cli, ["--lang", "en", "--version"]).output.startswith("docforge, version ")


def test_lang_option_wins_over_the_locale_and_reaches_usage_errors():
    runner = CliRunner()
    r = runner.invoke(cli, ["check", "--lang", "zh"], env={"LANG": "C", "LC_ALL": None, "DOCFORGE_LANG": None})
    assert r.exit_code == 2 and "缺少选项" in r.output and "--village" in r.output, r.output
    r = runner.invoke(cli, ["--lang", "en", "check"], env={"LANG": "zh_CN.UTF-8"})
    assert r.exit_code == 2 and "Missing option" in r.output, r.output


def test_catalogs_are_shipped_in_the_wheel(tmp_path):
    """A wheel carries the .po files that i18n reads (compiled in memory at first use)."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    import zipfile

    wheel = next(tmp_path.glob("docforge-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "docforge/locale/zh_CN/LC_MESSAGES/docforge.po" in names
    assert "docforge/locale/en/LC_MESSAGES/docforge.po" in names


# --------------------------------------------------------------------------- a clerk's roster, in both languages


def _latin_sentences(text: str) -> list[str]:
    """Runs of three or more English words: a sentence left untranslated (codes such as MOD 11-2,
    file names and single column keys do not count)."""
    text = re.sub(r"[^\s（「]*/[^\s）」]*|--?[\w-]+|\S+\.(xlsx|csv|yaml|json|docx|pdf)\b", " ", text or "")
    return LATIN_SENTENCE.findall(text)


def _problem_sheet(path: Path) -> tuple[list[str], list[list]]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    sheet = wb["花名册"]
    header = [c.value for c in sheet[1]]
    column = header.index("问题")
    notes = [row[column].value for row in sheet.iter_rows(min_row=2) if row[column].value]
    listing = [[c.value for c in row] for row in wb["问题清单"].iter_rows(min_row=2)]
    return notes, listing


def _check(tmp_path: Path, env: dict, *extra: str):
    from test_roster import _bad_roster

    roster = _bad_roster(tmp_path)
    out = tmp_path / f"problems-{env.get('LANG', 'x')}.xlsx"
    runner = CliRunner()
    base = {"LANG": None, "LC_ALL": None, "LC_MESSAGES": None, "DOCFORGE_LANG": None}
    r = runner.invoke(cli, ["check", "--village", str(ROOT / "examples" / "village.yaml"), "--roster", str(roster),
                            "--as-of", "2026-11-30", "--problems", str(out), *extra], env={**base, **env})
    return r, out


def test_a_roster_checked_under_a_chinese_locale_gives_a_chinese_problem_sheet(tmp_path):
    r, out = _check(tmp_path, {"LANG": "zh_CN.UTF-8"})
    assert r.exit_code == 2, r.output
    notes, listing = _problem_sheet(out)
    assert len(notes) == 5  # rows 2, 3, 4, 6, 7 have problems
    for note in notes:
        assert note.startswith(("错误：", "提示：")), note
        assert not _latin_sentences(note), note
    joined = "\n".join(notes)
    # the same content as the English: row's column, masked value, what is wrong, how to fix it
    assert "「丈夫身份证号」列（现填「620422********" in joined and "校验位不正确" in joined
    assert "请对照居民身份证重新录入" in joined
    assert "是女性号码（第 17 位为偶数），但这是丈夫一栏" in joined
    assert "晚于签订日期2026年11月30日" in joined  # a date in prose
    assert "与第 2 行的户编号重复" in joined
    for severity, row, column, value, problem, fix in listing:
        assert severity in ("错误", "提示") and not _latin_sentences(problem) and not _latin_sentences(fix), (problem, fix)
    # the terminal says the same, in Chinese
    assert "第 2 行「丈夫身份证号」列" in r.output and "错误：" in r.output
    lines = [ln for ln in r.output.splitlines() if ln.startswith(("错误", "提示", "bad.xlsx"))]
    assert lines and not [ln for ln in lines if _latin_sentences(ln.split("：", 1)[-1])], lines


def test_the_same_roster_under_lang_c_gives_english(tmp_path):
    r, out = _check(tmp_path, {"LANG": "C"})
    assert r.exit_code == 2, r.output
    notes, listing = _problem_sheet(out)
    joined = "\n".join(notes)
    assert "error: 丈夫身份证号: '620422********" in joined and "has a wrong check digit" in joined
    assert "fix: copy the 18-character number again from the ID card" in joined
    assert not re.search(r"[错提]误?示?：", joined)
    assert "row 2, column 丈夫身份证号" in r.output


def test_json_keys_are_the_same_in_both_languages(tmp_path):
    def keys(value, prefix=""):
        if isinstance(value, dict):
            return {k for key, v in value.items() for k in keys(v, f"{prefix}.{key}") | {f"{prefix}.{key}"}}
        if isinstance(value, list):
            return set().union(*(keys(v, prefix + "[]") for v in value)) if value else set()
        return set()

    import json

    zh, _ = _check(tmp_path, {"LANG": "zh_CN.UTF-8"}, "--json")
    en, _ = _check(tmp_path, {"LANG": "C"}, "--json")
    zh_out = json.loads(zh.stdout)
    en_out = json.loads(en.stdout)
    assert keys(zh_out) == keys(en_out)
    # stable English texts and codes, the Chinese beside them, the localized text of a finding
    assert [p["message"] for p in zh_out["roster"]["problems"]] == [p["message"] for p in en_out["roster"]["problems"]]
    assert [f["check"] for f in zh_out["findings"]] == [f["check"] for f in en_out["findings"]]
    problem = next(p for p in zh_out["roster"]["problems"] if p["row"] == 2 and p["column"] == "丈夫身份证号")
    assert "check digit" in problem["message"] and problem["message_zh"].startswith("校验位不正确")
    # findings (at a date whose texts have some): the same keys, the text in the language in force
    args = ["check", "--village", str(EXAMPLES / "village.yaml"), "--as-of", "2016-06-01", "--json"]
    zh = json.loads(_zh(*args).stdout)
    en = json.loads(CliRunner().invoke(cli, args, env={"LANG": "C", "LC_ALL": None, "DOCFORGE_LANG": None}).stdout)
    assert zh["findings"] and keys(zh) == keys(en)
    assert [f["reason"] for f in zh["findings"]] == [f["reason"] for f in en["findings"]]
    assert zh["findings"][0]["text"].startswith("提示：") and en["findings"][0]["text"].startswith("warning: ")


# --------------------------------------------------------------------------- every command, read under a Chinese locale

EXAMPLES = ROOT / "examples"


def _zh(*args, cwd: Path | None = None):
    env = {"LANG": "zh_CN.UTF-8", "LC_ALL": None, "LC_MESSAGES": None, "DOCFORGE_LANG": None}
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def _english_lines(output: str, allow: tuple[str, ...] = ()) -> list[str]:
    """Lines of ``output`` that still hold an English sentence (identifiers, paths, options, codes
    and hook names aside)."""
    out = []
    for line in output.splitlines():
        text = re.sub(r"`[^`]*`", " ", line)  # a command to run
        text = re.sub(r"\b(docforge_\w+|[a-z]+(?:[._][a-z_]+)+)\b", " ", text)  # hook names, clause ids
        if _latin_sentences(text) and not any(a in line for a in allow):
            out.append(line)
    return out


def test_the_commands_speak_chinese_under_a_chinese_locale(tmp_path):
    village = EXAMPLES / "village.yaml"
    household = EXAMPLES / "households" / "h01-early-marriage.yaml"
    runs = {
        "plugins": _zh("plugins", "--all"),
        "law": _zh("law", "--as-of", "2026-11-30", "--village", village),
        "explain": _zh("explain", "charter", "--village", village, "--as-of", "2006-09-01"),
        "render": _zh("render", "charter", "--village", village, "--as-of", "2006-09-01", "-o", tmp_path / "c.docx"),
        "render without household": _zh("render", "contraception", "--village", village, "-o", tmp_path / "x.docx"),
        "bundle": _zh("bundle", "--village", village, "--household", household, "--format", "docx",
                      "--as-of", "2006-09-01", "-o", tmp_path / "b"),
        "roster-template": _zh("roster-template", "-o", tmp_path / "t.xlsx", "--village", village),
        "example-county": _zh("example-county", "--villages", "1", "--households", "3", "-o", tmp_path / "county"),
        "bundle usage": _zh("bundle", "-o", tmp_path / "b2"),
        "bad date": _zh("law", "--as-of", "2026-13-01"),
    }
    runs["county"] = _zh("bundle", "--county", tmp_path / "county", "--format", "docx", "-o", tmp_path / "cb")
    from test_roster import _bad_roster

    runs["skip bad rows"] = _zh("bundle", "--village", village, "--roster", _bad_roster(tmp_path), "--skip-bad-rows",
                                "--format", "docx", "--as-of", "2006-09-01", "-o", tmp_path / "sb")
    runs["refused roster"] = _zh("bundle", "--village", village, "--roster", _bad_roster(tmp_path), "--format", "docx",
                                 "--as-of", "2006-09-01", "-o", tmp_path / "rb")
    runs["explain agreement"] = _zh("explain", "contraception", "--village", village, "--household", household,
                                    "--as-of", "2006-09-01")
    runs["check"] = _zh("check", "--village", village, "--as-of", "2006-09-01")
    assert "2006年8月20日通过的文本" in _zh("check", "--village", village, "--as-of", "2026-11-30").output
    assert "跳过第" in runs["skip bad rows"].output and "花名册 " in runs["skip bad rows"].output
    assert "未生成文书包" in runs["refused roster"].output
    assert runs["county"].exit_code == 0 and "合计：1 个村，3 户" in runs["county"].output, runs["county"].output
    (tmp_path / "b" / "extra.txt").write_text("x")
    runs["verify"] = _zh("verify", tmp_path / "b")
    bad = tmp_path / "village.yaml"
    bad.write_text(village.read_text(encoding="utf-8").replace("committee:", "committe:"), encoding="utf-8")
    runs["bad village"] = _zh("render", "charter", "--village", bad, "-o", tmp_path / "y.docx")
    assert runs["bad village"].exit_code == 2 and "不是本文件的字段" in runs["bad village"].output
    assert "必须填写" in runs["bad village"].output
    assert "多出：extra.txt" in runs["verify"].output
    assert "合计：1 个村，1 户" in runs["bundle"].output
    assert "落实避孕节育措施协议书由农户签订" in runs["render without household"].output
    assert "错误：缺少" in runs["bundle usage"].output or "请给出 --village" in runs["bundle usage"].output
    for name, r in runs.items():
        assert r.exception is None or isinstance(r.exception, SystemExit), (name, r.exception)
        english = _english_lines(r.output)
        assert not english, f"docforge {name} under zh_CN:\n" + "\n".join(english)


def test_a_compiled_catalog_is_used_only_for_the_po_it_was_compiled_from(monkeypatch):
    po = ZH_PO.read_bytes()
    name = i18n.compiled_name(po)
    assert name != i18n.compiled_name(po + b"\n")  # an edited .po names another .mo: never a stale one
    mo = ZH_PO.parent / name
    if mo.exists():  # make setup compiled it
        assert mo.read_bytes() == i18n.compile_po(po, "zh")
    # without a compiled file the .po is compiled in memory, with the same result
    monkeypatch.setattr(i18n, "compiled_name", lambda data: "absent.mo")
    i18n.translations.cache_clear()
    try:
        with i18n.using("zh"):
            assert i18n._("error: {message}", message="X") == "错误：X"
    finally:
        i18n.translations.cache_clear()


def test_every_national_finding_has_its_chinese_reason():
    """The example villages' findings read in Chinese: each national check gives ``reason_zh``."""
    import datetime as dt

    from docforge.inputs import load_village
    from docforge.law import check_village

    for path in (EXAMPLES / "village.yaml", EXAMPLES / "gansu" / "village.yaml"):
        _docs, findings = check_village(load_village(path), dt.date(2016, 6, 1))
        assert findings
        for f in findings:
            assert f.reason_zh and not _latin_sentences(f.reason_zh), (f.check, f.reason_zh)
            assert not re.search(r"\d{4}-\d{2}-\d{2}", f.reason_zh), f.reason_zh  # dates in prose: 2016年6月1日
            with i18n.using("zh"):
                assert not _english_lines(f.line()), f.line()
