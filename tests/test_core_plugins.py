"""Plugins as a province ships them: discovered through real entry points of installed
distributions, a broken one reported by name without breaking unrelated villages, a new one written
from docs/plugin_hooks.md and pip-installed, and the hooks that live outside resolution proper."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from importlib import metadata

import pytest
from conftest import (GANSU_VILLAGE, HOUSEHOLDS, ROOT, VILLAGE, docforge_process, docx_paragraphs, household,
                      resolver, village_data, write_yaml)

import docforge.plugins
from docforge.errors import PluginError
from docforge.explain import explain_document

REFERENCE = {
    "sample_county": ("docforge-sample-county", [("province", "某某省", None), ("county", "某某县", None)]),
    "gansu": ("docforge-gansu", [("province", "甘肃省", "620000")]),
    "gansu_huining": ("docforge-gansu-huining", [("county", "会宁县", "620422")]),
}


def jurisdictions(info: dict) -> list[tuple]:
    return [(j["level"], j["name"], j["code"]) for j in info["jurisdictions"]]


# --------------------------------------------------------------------------- installed reference plugins


def test_reference_plugins_are_discovered_through_entry_points(docforge_cli):
    eps = {ep.name: ep for ep in metadata.entry_points(group="docforge")}
    assert set(REFERENCE) <= set(eps), "install the reference plugins: make setup"
    run = docforge_cli("plugins", "--json")
    assert run.code == 0, run.output
    listed = {p["name"]: p for p in json.loads(run.stdout)}
    for name, (dist, places) in REFERENCE.items():
        info = listed[name]
        assert info["error"] is None and info["default"] is False
        assert info["distribution"] == dist == eps[name].dist.metadata["Name"]
        assert info["version"] == eps[name].dist.version == "1.0.0"
        assert info["module"] == eps[name].value
        assert jurisdictions(info) == places
        assert "docforge_jurisdictions" in info["hooks"] and "docforge_amounts" in info["hooks"]
    assert not [p for p in listed.values() if p["default"]], "defaults are listed only with --all"

    everything = {p["name"]: p for p in json.loads(docforge_cli("plugins", "--json", "--all").stdout)}
    assert {"national", "selection"} <= {n for n, p in everything.items() if p["default"]}

    text = docforge_cli("plugins").stdout
    assert "gansu_huining 1.0.0  [docforge-gansu-huining]" in text
    assert "jurisdictions: 会宁县（county，620422）" in text


def test_hook_docforge_jurisdictions():
    """docforge_jurisdictions is asked once per plugin; a plugin whose docforge_jurisdictions raises,
    or whose hooks are misnamed, is reported and left out; the others work."""
    from docforge.plugins import make_plugin_manager
    from plugins import broken_jurisdictions, county_remove

    pm = make_plugin_manager(load_entrypoints=False, extra=(broken_jurisdictions, county_remove))
    assert [j.name for j in pm.info_of("plugins.county_remove").jurisdictions] == ["某某县"]
    bad = pm.info_of("plugins.broken_jurisdictions")
    assert bad.error == "docforge_jurisdictions failed: RuntimeError: cannot read my place list"
    assert pm.get_plugin("plugins.broken_jurisdictions") is None
    assert pm.info_of("national").jurisdictions[0].level.value == "national"


def test_plugin_with_a_misnamed_hook_is_reported():
    from docforge.hookspecs import hookimpl
    from docforge.plugins import make_plugin_manager

    class Misnamed:
        __name__ = "misnamed"

        @hookimpl
        def docforge_jurisdictions(self):
            return [{"level": "county", "name": "会宁县", "code": "620422"}]

        @hookimpl
        def docforge_amount(self, places, as_of):  # not a hook: docforge_amounts
            return []

    pm = make_plugin_manager(load_entrypoints=False, extra=(Misnamed(),))
    info = pm.info_of("misnamed")
    assert info.error == "unknown hook 'docforge_amount' — did you mean 'docforge_amounts'?"
    # it declared 会宁县: a village there stops, a village elsewhere renders
    import docforge_sample_county
    from docforge.inputs import load_village
    from docforge.resolve import Resolver

    with pytest.raises(PluginError, match='Invalid plugin "misnamed": unknown hook') as e:
        Resolver(load_village(GANSU_VILLAGE), dt.date(2026, 11, 30), pm)
    assert "reinstall" not in str(e.value) and "docforge plugin check misnamed" in str(e.value)
    pm.register_plugin(docforge_sample_county, name="sample_county")
    Resolver(load_village(VILLAGE), dt.date(2026, 11, 30), pm).document("charter")


# --------------------------------------------------------------------------- a plugin that fails to import


def make_broken_distribution(site, name="broken", keywords="docforge-jurisdiction:province:甘肃省:620000"):
    """A real installed distribution (dist-info with METADATA and entry_points.txt) whose module
    raises ImportError, as pip would leave it after a bad release."""
    info = site / f"docforge_{name}-1.0.dist-info"
    info.mkdir(parents=True)
    meta = f"Metadata-Version: 2.1\nName: docforge-{name}\nVersion: 1.0\n"
    if keywords:
        meta += f"Keywords: docforge,{keywords}\n"
    (info / "METADATA").write_text(meta, encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[docforge]\n{name} = docforge_{name}\n", encoding="utf-8")
    (info / "RECORD").write_text("", encoding="utf-8")
    pkg = site / f"docforge_{name}"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("import docforge_gansu_data_that_is_missing\n", encoding="utf-8")
    return site


def test_broken_plugin_is_named_and_only_stops_its_own_villages(tmp_path, monkeypatch, docforge_cli):
    site = make_broken_distribution(tmp_path / "site")
    monkeypatch.syspath_prepend(str(site))

    run = docforge_cli("plugins")
    assert run.code == 0 and "Traceback" not in run.output
    assert ('Error importing plugin "broken": ModuleNotFoundError: '
            "No module named 'docforge_gansu_data_that_is_missing'") in run.stdout
    assert "gansu_huining 1.0.0" in run.stdout  # the others are still listed
    listed = {p["name"]: p for p in json.loads(docforge_cli("plugins", "--json").stdout)}
    assert listed["broken"]["version"] == "1.0" and listed["broken"]["distribution"] == "docforge-broken"
    assert jurisdictions(listed["broken"]) == [("province", "甘肃省", "620000")]
    assert "ModuleNotFoundError" in listed["broken"]["error"]

    out = tmp_path / "gansu.docx"
    run = docforge_cli("render", "charter", "--village", GANSU_VILLAGE, "-o", out)
    assert run.code == 2 and run.exception is None and not out.exists()
    assert 'Error importing plugin "broken"' in run.stderr and "docforge_gansu_data_that_is_missing" in run.stderr
    assert "DOCFORGE_LOAD_PLUGINS" in run.stderr

    out = tmp_path / "elsewhere.docx"
    run = docforge_cli("render", "charter", "--village", VILLAGE, "-o", out)
    assert run.code == 0, run.output
    assert "第一章\u3000总则" in docx_paragraphs(out)

    # excluding it by name lets the Gansu village render again (in a new process: no cached manager)
    docforge.plugins._pm = None
    run = docforge_cli("render", "charter", "--village", GANSU_VILLAGE, "-o", tmp_path / "g2.docx",
                       env={"DOCFORGE_LOAD_PLUGINS": "gansu,gansu_huining"})
    assert run.code == 0, run.output


def test_broken_plugin_without_declared_places_stops_every_render(tmp_path, monkeypatch, docforge_cli):
    monkeypatch.syspath_prepend(str(make_broken_distribution(tmp_path / "site", keywords="")))
    run = docforge_cli("render", "charter", "--village", VILLAGE, "-o", tmp_path / "x.docx")
    assert run.code == 2 and 'Error importing plugin "broken"' in run.stderr
    assert docforge_cli("plugins").code == 0


def test_two_distributions_with_one_plugin_name(tmp_path, monkeypatch, docforge_cli):
    """A second distribution that registers the name "gansu" is reported, not a traceback."""
    site = tmp_path / "site"
    info = site / "docforge_impostor-2.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: docforge-impostor\nVersion: 2.0\n"
                                   "Keywords: docforge-jurisdiction:province:甘肃省:620000\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[docforge]\ngansu = docforge_impostor\n", encoding="utf-8")
    (site / "docforge_impostor.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    run = docforge_cli("plugins", "--json")
    assert run.code == 0 and run.exception is None, run.output
    failed = [p for p in json.loads(run.stdout) if p["error"]]
    assert len(failed) == 1 and 'the plugin name "gansu" is already taken' in failed[0]["error"]
    assert docforge_cli("render", "charter", "--village", VILLAGE, "-o", tmp_path / "x.docx").code == 0


def test_broken_plugin_in_a_real_process(tmp_path):
    """The same from a fresh process that finds the distribution on PYTHONPATH."""
    site = make_broken_distribution(tmp_path / "site")
    run = docforge_process("plugins", env={"PYTHONPATH": str(site)})
    assert run.code == 0 and 'Error importing plugin "broken"' in run.stdout and "Traceback" not in run.output
    run = docforge_process("render", "charter", "--village", GANSU_VILLAGE, "-o", tmp_path / "g.docx",
                           env={"PYTHONPATH": str(site)})
    assert run.code == 2 and run.stderr.startswith('error: Error importing plugin "broken"')


# --------------------------------------------------------------------------- environment switches

AGREEMENTS_LAST_DAY = "2021-08-19"  # the national agreements' last day (docs/law.md)


def test_docforge_load_plugins_selects_by_name(docforge_cli, tmp_path):
    run = docforge_cli("plugins", "--json", env={"DOCFORGE_LOAD_PLUGINS": "gansu"})
    assert [p["name"] for p in json.loads(run.stdout)] == ["gansu"]
    run = docforge_cli("explain", "contraception", "--village", GANSU_VILLAGE, "--household",
                       HOUSEHOLDS / "h03-two-children.yaml", "--as-of", AGREEMENTS_LAST_DAY, "--json",
                       env={"DOCFORGE_LOAD_PLUGINS": "gansu"})
    two = next(v for v in json.loads(run.stdout)["values"] if v["key"] == "deposit.contraception.two_child")
    assert (two["plugin"], two["value"]) == ("gansu", "人民币肆佰元整（¥400.00）")
    run = docforge_cli("render", "charter", "--village", VILLAGE, "-o", tmp_path / "x.docx",
                       env={"DOCFORGE_LOAD_PLUGINS": ""})
    assert run.code == 2 and "某某省（province）" in run.stderr


def test_docforge_trace_shows_each_plugin_call(docforge_cli, tmp_path):
    run = docforge_cli("render", "contraception", "--village", GANSU_VILLAGE, "--household",
                       HOUSEHOLDS / "h03-two-children.yaml", "--as-of", AGREEMENTS_LAST_DAY,
                       "-o", tmp_path / "x.docx", env={"DOCFORGE_TRACE": "1"})
    assert run.code == 0, run.output
    trace = [line for line in run.stderr.splitlines() if line.startswith("[docforge trace]")]
    assert any(line.startswith("[docforge trace] gansu_huining.docforge_amounts(places, as_of) returned [Amount(")
               for line in trace)
    assert any(line.startswith("[docforge trace] national.docforge_clauses(document, places, as_of)") for line in trace)
    docforge.plugins._pm = None  # a new process (the in-process CLI keeps its plugin manager)
    assert "[docforge trace]" not in docforge_cli("render", "charter", "--village", VILLAGE,
                                                  "-o", tmp_path / "y.docx").stderr


def test_pluggy_tracing_works_on_docforges_manager(monkeypatch):
    """docforge's manager keeps pluggy's ``trace`` (a plugin author's debugging aid): DOCFORGE_TRACE
    does not replace it, and ``enable_tracing()`` writes each hook call and its result."""
    monkeypatch.setenv("DOCFORGE_TRACE", "1")
    pm = docforge.plugins.make_plugin_manager(load_entrypoints=False)
    assert pm.tracing is True
    written: list[str] = []
    pm.trace.root.setwriter(written.append)
    undo = pm.enable_tracing()
    places = pm.hook.docforge_jurisdictions()
    undo()
    assert any("docforge_jurisdictions" in line for line in written), written
    assert any("finish docforge_jurisdictions" in line and "中华人民共和国" in line for line in written), written
    assert places


# --------------------------------------------------------------------------- hooks outside the value tables


def _template(path):
    """A minimal docxtpl template of its own."""
    from docx import Document

    d = Document()
    d.add_paragraph("县定格式：{{ title }}")
    d.add_paragraph("{%p for b in blocks %}")
    d.add_paragraph("{{ b.label }}|{{ b.text }}")
    d.add_paragraph("{%p endfor %}")
    d.save(str(path))
    return path


def test_hook_docforge_templates(tmp_path, monkeypatch):
    """A county's docforge_templates replaces the charter's template, not the convention's."""
    import docforge_sample_county
    from plugins import county_template

    from docforge.render.docx import write_docx

    monkeypatch.setattr(county_template, "PATH", _template(tmp_path / "county.docx"))
    r = resolver(VILLAGE, docforge_sample_county, county_template)
    charter = r.document("charter")
    assert charter.template == str(tmp_path / "county.docx")
    text = docx_paragraphs(write_docx(charter, tmp_path / "charter.docx"))
    assert text[0] == "县定格式：某某村人口和计划生育村居民自治章程"
    assert "第一条|根据《人口与计划生育法》和《某某省人口与计划生育条例》" in text[2]
    assert r.document("convention").template is None

    monkeypatch.setattr(county_template, "PATH", tmp_path / "missing.docx")
    with pytest.raises(PluginError, match=r'plugin "plugins.county_template" names template .*missing.docx'):
        resolver(VILLAGE, docforge_sample_county, county_template).document("charter")


def test_hook_docforge_select_agreements():
    """A county's docforge_select_agreements answers for inflow households (with no agreement at
    all) and leaves the others to the national rules."""
    import docforge_sample_county
    from plugins import county_selection

    r = resolver(VILLAGE, docforge_sample_county, county_selection, as_of=dt.date(2021, 8, 19))
    sel, prov = r.selection(household("inflow"))
    assert sel.agreements == [] and sel.reasons == {"none": county_selection.REASON}
    assert (prov.plugin, prov.jurisdiction.name) == ("plugins.county_selection", "某某县")
    sel, prov = r.selection(household("birth-spacing"))
    assert [a.value for a in sel.agreements] == ["contraception", "birth-spacing"]
    assert prov.plugin == "selection"

    report = explain_document(r.village, "inflow", household("inflow"), r.as_of, resolver=r)
    assert report["selection"]["agreements"] == [] and report["selection"]["plugin"] == "plugins.county_selection"


def test_hook_docforge_legal_checks():
    """A county's docforge_legal_checks adds findings to its own villages' documents only."""
    import docforge_gansu
    import docforge_sample_county
    from plugins import county_check

    doc = resolver(VILLAGE, docforge_sample_county, county_check).document("convention")
    mine = [f for f in doc.findings if f.check == "county.deposit"]
    assert [(f.clause, f.reason) for f in mine] == [("convention.agreements", "某某村: 押金条款须经县司法局审查")]
    gansu = resolver(GANSU_VILLAGE, docforge_gansu, county_check).document("convention")
    assert not [f for f in gansu.findings if f.check == "county.deposit"]


# --------------------------------------------------------------------------- a new province, from the docs


def sample_files() -> dict[str, str]:
    """The files of the sample plugin package in docs/plugin_hooks.md (code blocks that begin with
    ``# file: PATH``)."""
    doc = (ROOT / "docs" / "plugin_hooks.md").read_text(encoding="utf-8")
    files = {}
    for body in re.findall(r"```(?:toml|python)\n(.*?)```", doc, re.S):
        first, _, rest = body.partition("\n")
        if first.startswith("# file: "):
            files[first.removeprefix("# file: ").strip()] = rest
    return files


@pytest.fixture(scope="module")
def henan_site(tmp_path_factory):
    """The sample package copied out of the docs and pip-installed (not editable) into a folder of
    its own, as an author outside the repository would install it."""
    files = sample_files()
    assert set(files) == {"docforge-henan/pyproject.toml", "docforge-henan/docforge_henan/__init__.py",
                          "docforge-henan/tests/test_henan.py"}
    work = tmp_path_factory.mktemp("author")
    for rel, text in files.items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text, encoding="utf-8")
    site = work / "site"
    # pip's defaults (an isolated build with the package's own build requirements), as an author's
    # `pip install ./docforge-henan`; --target instead of this venv, so nothing outlives the test
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                          "--disable-pip-version-check", "--target", str(site), str(work / "docforge-henan")],
                         capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return work, site


HENAN_VILLAGE = village_data({"name": "河南省", "code": "410000"}, {"name": "长葛市", "code": "411082"},
                             prefecture={"name": "许昌市", "code": "411000"},
                             township={"name": "石固镇"}, village={"name": "大辛庄村"})


def test_new_province_plugin_from_the_docs(henan_site, tmp_path):
    work, site = henan_site
    env = {"PYTHONPATH": str(site)}
    run = docforge_process("plugins", "--json", env=env)
    assert run.code == 0, run.output
    henan = next(p for p in json.loads(run.stdout) if p["name"] == "henan")
    assert (henan["version"], henan["distribution"], henan["error"]) == ("0.1.0", "docforge-henan", None)
    assert jurisdictions(henan) == [("province", "河南省", "410000"), ("county", "长葛市", "411082")]

    village = write_yaml(tmp_path / "village.yaml", HENAN_VILLAGE)
    texts = {}
    # the charter and convention of today; the agreements on their national text's last day
    for kind, hh, on in (("charter", None, "2026-11-30"), ("convention", None, "2026-11-30"),
                         ("contraception", "h03-two-children.yaml", "2021-08-19"),
                         ("inflow", "h05-inflow.yaml", "2021-08-19")):
        out = tmp_path / f"{kind}.docx"
        args = ["render", kind, "--village", village, "--as-of", on, "-o", out]
        run = docforge_process(*(args + (["--household", HOUSEHOLDS / hh] if hh else [])), env=env)
        assert run.code == 0, run.output
        texts[kind] = docx_paragraphs(out)

    charter = texts["charter"]
    assert charter[0] == "大辛庄村人口和计划生育村居民自治章程"
    assert "根据《人口与计划生育法》、《村民委员会组织法》和《河南省人口与计划生育条例》" in charter[2]
    assert "（三）救助：对遇到重大困难的计划生育户根据情况给予救助。" in charter
    assert "（四）助学：计生户子女考入高等院校的，村委会给予一次性助学金人民币伍佰元整（¥500.00）。" in charter
    assert "第十条\u3000每个村都要建立计划生育协会之家，做到有牌子、有名册、有制度、有资料、有活动、有记录。" in charter
    assert "（三）每个协会会员要主动联系3—8户群众，经常上门服务，帮助联系户解决生育、养育中的实际困难。" in charter
    assert texts["convention"][-1] == \
        "第八条\u3000本公约依照《中华人民共和国村民委员会组织法》第二十七条的规定报石固镇人民政府备案。"
    assert "保证金" not in "".join(texts["convention"])  # no deposits after 2021-08-20
    contraception = "".join(texts["contraception"])
    assert "一孩夫妻人民币贰佰伍拾元整（¥250.00），二孩夫妻人民币捌佰元整（¥800.00）。" in contraception
    assert "《河南省人口与计划生育条例》" in contraception
    inflow = texts["inflow"]
    assert inflow[1] == "甲方：石固镇人民政府"
    assert "六、本协议一式三份，甲、乙双方及县公证处各执一份。" in inflow
    assert "和《河南省流动人口计划生育管理办法》" in "".join(inflow)
    assert "可对其处人民币肆佰元整（¥400.00）以内罚款" in "".join(inflow)

    run = docforge_process("explain", "contraception", "--village", village, "--household",
                           HOUSEHOLDS / "h03-two-children.yaml", "--as-of", "2021-08-19", "--json", env=env)
    assert run.code == 0, run.output
    values = {v["key"]: v for v in json.loads(run.stdout)["values"]}
    src = {k: (v["plugin"], v["version"], v["jurisdiction"], v["level"], v["code"]) for k, v in values.items()}
    assert src["deposit.contraception.two_child"] == ("henan", "0.1.0", "长葛市", "county", "411082")
    assert src["deposit.contraception.one_child"] == ("henan", "0.1.0", "河南省", "province", "410000")
    assert src["province.population_regulation"] == ("henan", "0.1.0", "河南省", "province", "410000")
    assert values["province.population_regulation"]["value"] == "《河南省人口与计划生育条例》（2016年修正）"
    assert values["deposit.contraception.two_child"]["legal_basis"] == "长葛市人口和计划生育村民自治实施方案"
    assert any(f["check"] == "fine" for f in json.loads(docforge_process(
        "explain", "inflow", "--village", village, "--household", HOUSEHOLDS / "h05-inflow.yaml",
        "--as-of", "2021-08-19", "--json", env=env).stdout)["findings"])


def test_new_province_plugin_own_tests_pass(henan_site):
    """The test file the docs give an author runs green against the installed package."""
    work, site = henan_site
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(work),
                        str(work / "docforge-henan" / "tests")], capture_output=True, text=True,
                       env={**__import__("os").environ, "PYTHONPATH": str(site)}, cwd=work, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "2 passed" in p.stdout
