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


def test_catalogs_are_up_to_date_with_the_code():
    """A message added to the code but not to the catalogs: run make i18n, then translate it."""
    tool = _tool()
    template = tool.template()
    for path, locale in ((ZH_PO, "zh_CN"), (EN_PO, "en")):
        have = {m.id for m in _catalog(path, locale) if m.id}
        missing = [m.id for m in template if m.id and m.id not in have]
        assert not missing, f"{path.relative_to(ROOT)} lacks {len(missing)} message(s) (run make i18n): {missing[:5]}"


def test_the_catalogs_are_written_as_make_i18n_writes_them():
    """Sorted, no line numbers, fixed header: what keeps parallel branches mergeable."""
    tool = _tool()
    template = tool.template()
    for locale in ("zh_CN", "en"):
        assert tool.updated(locale, template) == tool.po_path(locale).read_bytes(), \
            f"{locale} catalog differs from what make i18n writes: run make i18n"


def test_a_catalog_has_no_duplicate_entry():
    """A union merge of two branches that changed the same entry would leave it twice."""
    for path in (ZH_PO, EN_PO):
        text = path.read_text(encoding="utf-8")
        assert "<<<<<<<" not in text and ">>>>>>>" not in text
        seen = set()
        for block in text.split("\n\n"):
            lines = [ln for ln in block.splitlines() if not ln.startswith("#")]
            key = re.split(r"\n(?=msgid_plural|msgstr)", "\n".join(lines))[0]
            assert key not in seen, f"{path.relative_to(ROOT)}: entry twice: {key}"
            seen.add(key)
            assert sum(ln.startswith(("msgstr ", "msgstr[0]")) for ln in lines) <= 1, block


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


def _commands():
    yield ()
    for name in sorted(cli.commands):
        yield (name,)


@pytest.mark.parametrize("path", list(_commands()), ids=lambda p: " ".join(p) or "docforge")
def test_help_of_every_command_in_chinese_and_english(path):
    runner = CliRunner()
    zh = runner.invoke(cli, [*path, "--help"], env={"LANG": "zh_CN.UTF-8", "LC_ALL": None, "DOCFORGE_LANG": None})
    assert zh.exit_code == 0, zh.output
    assert "用法：" in zh.output and "选项" in zh.output and "显示本帮助后退出。" in zh.output
    assert "--lang" in zh.output
    english = [ln for ln in zh.output.splitlines() if LATIN_SENTENCE.search(re.sub(r"--?[\w-]+|\S+\.\w{3,4}\b", "", ln))]
    assert not english, "English left in Chinese --help:\n" + "\n".join(english)
    en = runner.invoke(cli, [*path, "--help", "--lang", "en"], env={"LANG": "zh_CN.UTF-8"})
    assert en.exit_code == 0 and "Usage:" in en.output and "Show this message and exit." in en.output


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
