"""A province's first plugin: ``docforge plugin new`` writes a distribution that pip installs into a
virtual environment and that passes its own tests as generated; ``docforge plugin check`` finds a
plugin's problems without rendering; ``docforge.testing`` is what those tests use."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, docforge_process, docx_paragraphs, write_yaml

from docforge import testing
from docforge.models import Jurisdiction

HENAN = ["--province", "河南省", "--code", "410000", "--prefecture", "许昌市:411000", "--county", "长葛市",
         "--county-code", "411082"]


def venv_with_docforge(where: Path) -> Path:
    """A new virtual environment that sees this checkout's docforge and its dependencies (the .venv's
    site-packages added as a site directory), into which a plugin is installed as an author would."""
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import site; print(site.getsitepackages()[0])"], check=True,
                          capture_output=True, text=True).stdout.strip()
    ours = subprocess.run([sys.executable, "-c", "import site; print(site.getsitepackages()[0])"], check=True,
                          capture_output=True, text=True).stdout.strip()
    Path(site, "docforge-dev.pth").write_text(f"import site; site.addsitedir({ours!r})\n", encoding="utf-8")
    return python


def run(python: Path, *args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCFORGE_", "PYTHONPATH"))}
    return subprocess.run([str(python), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """``docforge plugin new`` for 河南省 / 许昌市 / 长葛市, pip-installed (editable) into a venv."""
    work = tmp_path_factory.mktemp("author")
    made = docforge_process("plugin", "new", *HENAN, "docforge-xuchang", cwd=work)
    assert made.code == 0, made.output
    python = venv_with_docforge(work)
    pip = run(Path(sys.executable), "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
              "--no-build-isolation", "--disable-pip-version-check", "-e", str(work / "docforge-xuchang"), cwd=work)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return work, python, made


def test_plugin_new_writes_a_complete_distribution(generated):
    work, _python, made = generated
    d = work / "docforge-xuchang"
    assert sorted(str(p.relative_to(d)) for p in d.rglob("*") if p.is_file() and "egg-info" not in str(p)
                  and "__pycache__" not in str(p)) == [
        "README.md", "docforge_xuchang/__init__.py", "examples/village.yaml", "pyproject.toml", "tests/test_plugin.py"]
    pyproject = (d / "pyproject.toml").read_text(encoding="utf-8")
    assert '[project.entry-points.docforge]\nxuchang = "docforge_xuchang"' in pyproject
    assert ('"docforge-jurisdiction:province:河南省:410000", "docforge-jurisdiction:prefecture:许昌市:411000", '
            '"docforge-jurisdiction:county:长葛市:411082"') in pyproject
    module = (d / "docforge_xuchang" / "__init__.py").read_text(encoding="utf-8")
    for hook in ("docforge_jurisdictions", "docforge_instruments", "docforge_amounts", "docforge_policies",
                 "docforge_clauses", "# def docforge_select_agreements", "# def docforge_legal_checks"):
        assert f"def {hook.removeprefix('# def ')}" in module, hook
    assert 'COUNTY = Jurisdiction(level="county", name="长葛市", code="411082")' in module
    assert "next: pip install -e docforge-xuchang && docforge plugin check xuchang" in made.stdout


def test_generated_plugin_is_discovered_and_passes_its_own_tests(generated):
    work, python, _ = generated
    listed = run(python, "-m", "docforge.cli", "plugins", "--json", cwd=work)
    assert listed.returncode == 0, listed.stderr
    mine = next(p for p in json.loads(listed.stdout) if p["name"] == "xuchang")
    assert mine["error"] is None and mine["distribution"] == "docforge-xuchang" and mine["version"] == "0.1.0"
    assert [j["name"] for j in mine["jurisdictions"]] == ["河南省", "许昌市", "长葛市"]

    tests = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(work / "docforge-xuchang" / "tests"),
                cwd=work)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "10 passed" in tests.stdout


def test_generated_plugin_renders_its_example_village_and_checks(generated):
    work, python, _ = generated
    d = work / "docforge-xuchang"
    out = work / "charter.docx"
    r = run(python, "-m", "docforge.cli", "render", "charter", "--village", str(d / "examples" / "village.yaml"),
            "--as-of", "2026-11-30", "-o", str(out), cwd=work)
    assert r.returncode == 0, r.stderr
    assert "和《河南省人口与计划生育条例》等法律、法规的有关规定" in docx_paragraphs(out)[2]
    checked = run(python, "-m", "docforge.cli", "plugin", "check", "xuchang", "--as-of", "2026-11-30", cwd=work)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0 errors, 1 warning: ok" in checked.stdout
    assert "17 values are still marked 待核实 (to verify): amount deposit.birth_spacing.one_child" in checked.stdout


def test_plugin_new_under_the_province_plugin(generated):
    """A county of the same province: refused while the installed province plugin owns the province,
    then written with --under as a plugin of the county alone that depends on it, and its tests pass."""
    work, python, _ = generated
    county = ["--province", "河南省", "--code", "410000", "--county", "禹州市:411081"]
    refused = run(python, "-m", "docforge.cli", "plugin", "new", *county, "docforge-yuzhou", cwd=work)
    assert refused.returncode == 2 and not (work / "docforge-yuzhou").exists()
    assert ('the installed plugin "xuchang" already speaks for 河南省（province，410000）: one distribution owns a '
            "place. Add --under xuchang") in refused.stderr
    taken = run(python, "-m", "docforge.cli", "plugin", "new", "--province", "河南省", "--code", "410000",
                "--county", "长葛市:411082", "--under", "xuchang", "docforge-changge", cwd=work)
    assert taken.returncode == 2 and "that plugin already speaks for 长葛市（county，411082） too" in taken.stderr

    made = run(python, "-m", "docforge.cli", "plugin", "new", *county, "--under", "xuchang", "docforge-yuzhou", cwd=work)
    assert made.returncode == 0, made.stderr
    d = work / "docforge-yuzhou"
    pyproject = (d / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dependencies = ["docforge>=' in pyproject and '"docforge-xuchang"]' in pyproject
    assert 'keywords = ["docforge", "docforge-jurisdiction:county:禹州市:411081"]' in pyproject
    pip = run(Path(sys.executable), "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
              "--no-build-isolation", "--disable-pip-version-check", "-e", str(d), cwd=work)
    assert pip.returncode == 0, pip.stderr
    tests = run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(d / "tests"), cwd=work)
    assert tests.returncode == 0 and "9 passed" in tests.stdout, tests.stdout + tests.stderr
    checked = run(python, "-m", "docforge.cli", "plugin", "check", "yuzhou", "--as-of", "2026-11-30", cwd=work)
    assert checked.returncode == 0, checked.stdout
    assert re.search(r'note: \d+ values the texts need come from the installed plugin "xuchang" .*: amount '
                     r"deposit.birth_spacing.one_child, .*instrument province.population_regulation", checked.stdout)


@pytest.mark.parametrize("args, folder, message", [
    (HENAN, "henan", "name the folder docforge-<place>"),
    (["--province", "河南省", "--code", "41000"], "docforge-henan", "the code '41000' is not a GB/T 2260 province code"),
    (["--province", "河南省", "--code", "420000"], "docforge-henan", "the code 420000 is 湖北省's"),
    (["--province", "河南省", "--code", "410000", "--county", "长葛市:421082"], "docforge-henan",
     "长葛市（county，421082） does not lie in 河南省（province，410000）"),
    (["--province", "河南省", "--code", "410000", "--county", "长葛市:411000"], "docforge-henan",
     "a county code is six digits not ending in 00"),
    (["--province", "", "--code", ""], "docforge-henan", "--province is empty: give the province's name"),
    (["--province", "", "--code", "410000"], "docforge-henan", "--province is empty: give the province's name"),
])
def test_plugin_new_refuses_bad_input(tmp_path, args, folder, message):
    made = docforge_process("plugin", "new", *args, folder, cwd=tmp_path)
    assert made.code == 2 and message in made.stderr, made.output
    assert not (tmp_path / folder).exists()


def test_plugin_new_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "docforge-henan").mkdir()
    (tmp_path / "docforge-henan" / "keep.txt").write_text("x")
    made = docforge_process("plugin", "new", *HENAN[:4], "docforge-henan", cwd=tmp_path)
    assert made.code == 2 and "exists and is not empty" in made.stderr


# --------------------------------------------------------------------------- plugin check


def plugin_folder(root: Path, name: str, module: str, keywords: list[str]) -> Path:
    d = root / f"docforge-{name}"
    (d / f"docforge_{name}").mkdir(parents=True)
    kw = ", ".join(f'"{k}"' for k in keywords)
    (d / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [project]
        name = "docforge-{name}"
        version = "0.2.0"
        keywords = [{kw}]

        [project.entry-points.docforge]
        {name} = "docforge_{name}"
        """), encoding="utf-8")
    (d / f"docforge_{name}" / "__init__.py").write_text(textwrap.dedent(module), encoding="utf-8")
    return d


INVALID_HOOKS = """
    from docforge.hookspecs import hookimpl
    from docforge.models import Amount, Jurisdiction

    @hookimpl
    def docforge_jurisdictions():
        return [Jurisdiction(level="province", name="河南省", code="410000")]

    @hookimpl
    def docforge_amount(places, as_of):
        return []

    @hookimpl
    def docforge_policies(places, as_of=None):
        return []
"""

WRONG_CONTENT = """
    from docforge.hookspecs import hookimpl
    from docforge.models import Amount, Clause, Jurisdiction, PolicyValue

    HENAN = Jurisdiction(level="province", name="河南省", code="410000")
    CHANGGE = Jurisdiction(level="county", name="长葛市", code="41108")

    @hookimpl
    def docforge_jurisdictions():
        return [HENAN, CHANGGE]

    @hookimpl
    def docforge_amounts(places, as_of):
        return [Amount(key="deposit.outflow", amount=300, jurisdiction=HENAN)]

    @hookimpl
    def docforge_clauses(document, places, as_of):
        if document == "charter":
            return [Clause(id="henan.charter.note", document="charter", type="article", jurisdiction=HENAN,
                           text="见{ref:charter.nowhere}，保证金{amount:henan.grant}。"),
                    Clause(id="henan.convention.note", document="convention", type="article", jurisdiction=HENAN,
                           text="备案。")]
        if document == "convention":
            return [Clause(id="charter.missing", document="convention", op="remove", jurisdiction=HENAN)]
        return None
"""


def test_plugin_check_lists_invalid_hooks(tmp_path):
    d = plugin_folder(tmp_path, "henan", INVALID_HOOKS, ["docforge-jurisdiction:province:河南省:410000"])
    r = docforge_process("plugin", "check", d)
    assert r.code == 2, r.output
    assert "plugin henan 0.2.0 (" in r.stdout
    assert "error: unknown hook 'docforge_amount' — did you mean 'docforge_amounts'?" in r.stdout
    assert "error: hook docforge_policies gives its argument 'as_of' a default value (as_of=None)" in r.stdout
    assert "2 errors, 0 warnings" in r.stdout


def test_plugin_check_lists_every_content_problem(tmp_path):
    d = plugin_folder(tmp_path, "henan", WRONG_CONTENT, ["docforge-jurisdiction:province:河南省:410000"])
    r = docforge_process("plugin", "check", d, "--as-of", "2026-11-30")
    assert r.code == 2, r.output
    out = r.stdout
    assert "error: 长葛市（county，41108）: the code '41108' is not a GB/T 2260 county code" in out
    assert ("error: 长葛市（county，41108） is declared by docforge_jurisdictions() but not in pyproject.toml's keywords"
            in out)
    assert ("warning: docforge_clauses returned clause 'henan.convention.note' for convention when asked for charter"
            in out)
    assert "refers to {ref:charter.nowhere}, which the document does not have" in out
    assert "clause 'charter.missing' of convention: is to be removed, but the document does not have it" in out
    assert ("error: 长葛市: the amount 'henan.grant' (used by henan.charter.note) is supplied neither by this plugin "
            "nor by any installed one: add it to docforge_amounts") in out
    assert "the amount 'deposit.contraception.one_child' (used by contraception.breach.text) is supplied neither" in out
    assert ("the policy value 'birth_spacing.years' (used by birth_spacing.party_a.rights.text, "
            "birth_spacing.party_b.duties.text) is supplied neither") in out
    assert "the instrument 'province.population_regulation' (used by charter.basis, contraception.preamble" in out
    assert "Traceback" not in r.output


def test_plugin_check_finds_conflicts_with_installed_plugins(tmp_path):
    """A second plugin for 甘肃省 that disagrees with the installed docforge-gansu, field by field."""
    module = """
        from docforge.hookspecs import hookimpl
        from docforge.models import Amount, Jurisdiction

        @hookimpl
        def docforge_jurisdictions():
            return [Jurisdiction(level="province", name="甘肃省", code="620000")]

        @hookimpl
        def docforge_amounts(places, as_of):
            return [Amount(key="deposit.contraception.one_child", amount=350)]
    """
    d = plugin_folder(tmp_path, "gansu2", module, ["docforge-jurisdiction:province:甘肃省:620000"])
    r = docforge_process("plugin", "check", d, "--as-of", "2026-11-30")
    assert r.code == 2, r.output
    assert ("amount 'deposit.contraception.one_child' for 甘肃省（province，620000）: plugins \"gansu\" and \"gansu2\" "
            "disagree (\"gansu\" vs \"gansu2\": value: 200 vs 350)") in r.stdout
    # what the installed plugins supply is a note, not an error
    assert "values the texts need come from the installed plugin \"gansu\"" in r.stdout


def test_plugin_check_of_installed_plugins_by_name(docforge_cli):
    run = docforge_cli("plugin", "check", "gansu_huining", "--as-of", "2026-11-30")
    assert run.code == 0, run.output
    assert run.stdout.startswith("plugin gansu_huining 1.0.0 (docforge-gansu-huining)")
    assert "0 errors" in run.stdout
    missing = docforge_cli("plugin", "check", "henan_nowhere")
    assert missing.code == 2 and "no installed plugin is named 'henan_nowhere'" in missing.stderr


# --------------------------------------------------------------------------- docforge.testing


def test_testing_helpers_for_plugin_authors():
    import docforge_gansu_huining

    village = testing.sample_village(Jurisdiction(level="county", name="会宁县", code="620422"))
    assert [p.name for p in village.places()] == ["中华人民共和国", "甘肃省", "会宁县", "示例镇", "示例村"]
    import docforge_gansu

    doc = testing.document("charter", village, docforge_gansu, docforge_gansu_huining)
    b = testing.assert_clause(doc, "huining.charter.education_aid", contains="助学", plugin="docforge_gansu_huining",
                              jurisdiction="会宁县")
    with pytest.raises(AssertionError, match=r"clause 'huining.charter.education_aid' of charter: number is "
                                             rf"'{b.label}', expected '第一条'"):
        testing.assert_clause(doc, "huining.charter.education_aid", label="第一条")
    with pytest.raises(AssertionError, match=r"charter has no clause 'charter.nowhere'; it has: charter.general"):
        testing.assert_clause(doc, "charter.nowhere")
    households = testing.sample_households(village)
    last_day = testing.offered_on("contraception")  # agreements are not offered after 2021-08-19
    assert last_day.isoformat() == "2021-08-19" and testing.offered_on("charter").isoformat() == "2026-11-30"
    contraception = testing.document("contraception", village, docforge_gansu, docforge_gansu_huining,
                                     household=households["contraception"], as_of=last_day)
    testing.assert_value(contraception, "deposit.contraception.one_child", plugin="docforge_gansu")
    text = testing.render_text("inflow", village, docforge_gansu, docforge_gansu_huining, household=households["inflow"],
                               as_of=last_day)
    assert text[0] == "流入人口计划生育管理协议" and any("周杰" in line for line in text)


def test_testing_plugin_manager_refuses_an_invalid_plugin():
    from plugins import default_argument

    with pytest.raises(Exception, match=r"Invalid plugin \"plugins.default_argument\": hook docforge_amounts gives"):
        testing.plugin_manager(default_argument)


def test_arrived_on_is_read_from_a_roster(tmp_path):
    import datetime as dt

    from docforge.inputs import load_village
    from docforge.roster import iter_households

    csv = tmp_path / "roster.csv"
    csv.write_text("户编号,村民小组,丈夫姓名,丈夫身份证号,妻子姓名,妻子身份证号,户口性质,节育措施,流动类型,到达现居住地日期\n"
                   "005,第一村民小组,周杰,510122198902143116,吴芳,510122199106273328,农业,短效,流入,2026/3/1\n",
                   encoding="utf-8")
    village = load_village(ROOT / "examples" / "village.yaml")
    [(row, h)] = list(iter_households(village, csv, dt.date(2026, 11, 30)))
    assert row == 2 and h.arrived_on == dt.date(2026, 3, 1)
