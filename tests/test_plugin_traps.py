"""The traps a province's plugin author met, each now impossible or a clear error naming the plugin,
the hook, the value and the fix. Where the trap is about discovery, the plugin is a real installed
distribution found through its entry point."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import (FIXTURE_PLUGINS, GANSU_VILLAGE, HEBEI_VILLAGE, HOUSEHOLDS, VILLAGE, docx_paragraphs, household,
                      install_distribution, resolver, village_data, write_yaml)

from docforge.errors import ConflictError, PluginError
from docforge.hookspecs import hookimpl
from docforge.inputs import load_village
from docforge.models import Amount, Clause, DocumentKind, Finding, Jurisdiction
from docforge.plugins import make_plugin_manager
from docforge.resolve import Resolver

TODAY = dt.date(2026, 11, 30)
CHANGGE_VILLAGE = village_data({"name": "河南省", "code": "410000"}, {"name": "长葛市", "code": "411082"},
                               prefecture={"name": "许昌市", "code": "411000"},
                               township={"name": "石固镇"}, village={"name": "大辛庄村"})


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A site folder on sys.path: distributions installed into it are discovered as pip's are."""
    path = tmp_path / "site"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    return path


# --------------------------------------------------------------------------- 1. undeclared jurisdictions


def test_1_contribution_naming_an_undeclared_jurisdiction_is_refused(site):
    """长葛市's deposit under a mistyped code used to vanish, and the village silently got 许昌市's."""
    install_distribution(site, "xuchang", FIXTURE_PLUGINS / "xuchang_typo.py")
    pm = make_plugin_manager()
    assert pm.info_of("xuchang").error is None
    r = Resolver(load_village_dict(CHANGGE_VILLAGE), TODAY, pm)
    with pytest.raises(PluginError) as e:
        r.amounts()
    msg = str(e.value)
    assert msg.startswith('plugin "xuchang", docforge_amounts (item 2, key \'deposit.contraception.two_child\')')
    assert "长葛市（county，411083）, which the plugin does not declare" in msg
    assert "it declares 许昌市（prefecture，411000）、长葛市（county，411082）" in msg
    assert "Did you mean 长葛市（county，411082）?" in msg


def test_1_village_place_whose_code_differs_from_a_plugin_is_a_warning(site, tmp_path, docforge_cli):
    """A village file giving 会宁县 the code 620421 is not served by docforge-gansu-huining (620422):
    said in a warning naming the plugin and both codes, on every command that shows findings."""
    data = load_village(GANSU_VILLAGE).model_dump(mode="json", exclude_none=True)
    data["county"]["code"] = "620421"
    village = write_yaml(tmp_path / "village.yaml", data)
    run = docforge_cli("check", "--village", village, "--as-of", "2006-09-01")
    assert run.code == 0, run.output
    assert ("the village file's county is 会宁县 (620421), but plugin \"gansu_huining\" speaks for 会宁县 (620422): "
            "the codes differ, so what the plugin supplies for 会宁县 does not apply to this village") in run.stdout
    assert "[check place.mismatch by docforge]" in run.stdout
    data["county"] = {"name": "会宁乡", "code": "620422"}  # the reverse: the code is the plugin's, the name not
    r = Resolver(load_village_dict(data), TODAY, make_plugin_manager())
    [w] = r.place_warnings()
    assert "the names differ" in w.reason and w.plugin == "gansu_huining"


# --------------------------------------------------------------------------- 2. one plugin's bug


def test_2_a_failing_plugin_stops_only_its_own_villages(site, tmp_path, docforge_cli):
    install_distribution(site, "zhengding", FIXTURE_PLUGINS / "zhengding_failing_check.py",
                         keywords="docforge-jurisdiction:county:正定县:130123")
    run = docforge_cli("render", "charter", "--village", GANSU_VILLAGE, "-o", tmp_path / "gansu.docx")
    assert run.code == 0, run.output
    assert docx_paragraphs(tmp_path / "gansu.docx")[0].endswith("人口和计划生育村居民自治章程")

    from plugins import hebei

    pm = make_plugin_manager(extra=(hebei,))
    with pytest.raises(PluginError, match=r"plugin \"zhengding\" failed in docforge_legal_checks: KeyError"):
        Resolver(load_village_dict(HEBEI_VILLAGE), TODAY, pm).document("charter")


def test_2_hooks_are_not_called_for_other_villages():
    calls = []

    class Counting:
        __name__ = "counting"

        @hookimpl
        def docforge_jurisdictions(self):
            return [Jurisdiction(level="county", name="正定县", code="130123")]

        @hookimpl
        def docforge_amounts(self, places, as_of):
            calls.append(places[-1].name)

    import docforge_gansu

    resolver(GANSU_VILLAGE, docforge_gansu, Counting()).amounts()
    assert calls == []
    from plugins import hebei

    resolver(HEBEI_VILLAGE, hebei, Counting()).amounts()
    assert calls == ["东关村"]


# --------------------------------------------------------------------------- 3. default arguments


def test_3_default_argument_value_makes_the_plugin_invalid(site, docforge_cli):
    install_distribution(site, "huining_defaults", FIXTURE_PLUGINS / "default_argument.py",
                         keywords="docforge-jurisdiction:county:会宁县:620422")
    run = docforge_cli("plugins")
    assert run.code == 0
    assert ('Invalid plugin "huining_defaults": hook docforge_amounts gives its argument \'as_of\' a default value '
            "(as_of=None); pluggy never passes an argument that has a default, so it would always be None: "
            "write docforge_amounts(places, as_of) without defaults") in run.stdout
    listed = {p["name"]: p for p in json.loads(docforge_cli("plugins", "--json").stdout)}
    assert listed["huining_defaults"]["error_kind"] == "invalid"
    run = docforge_cli("render", "charter", "--village", GANSU_VILLAGE, "-o", site / "x.docx")
    assert run.code == 2 and "TypeError" not in run.output
    assert 'Invalid plugin "huining_defaults"' in run.stderr and "会宁县" in run.stderr
    assert "reinstall" not in run.stderr


# --------------------------------------------------------------------------- 4. document kinds


def test_4_kind_compares_equal_in_both_spellings_and_refuses_unknown_ones():
    assert DocumentKind.birth_spacing == "birth_spacing" and DocumentKind.birth_spacing == "birth-spacing"
    assert DocumentKind("birth_spacing") is DocumentKind.birth_spacing
    assert DocumentKind.charter != "convention"
    with pytest.raises(ValueError, match=r"'birth-spaceing' is not a document kind — did you mean 'birth-spacing'"):
        DocumentKind.birth_spacing == "birth-spaceing"  # noqa: B015


def test_4_a_clause_for_birth_spacing_written_with_underscores_applies():
    class Spacing:
        __name__ = "spacing"
        misspelled = False  # set: the plugin also compares the kind with a misspelt name

        @hookimpl
        def docforge_jurisdictions(self):
            return [Jurisdiction(level="county", name="某某县")]

        @hookimpl
        def docforge_clauses(self, document, places, as_of):
            if document == "birth_spacing":
                return [Clause(id="county.birth_spacing.note", document="birth_spacing", type="para",
                               text="县补充：间隔期内享受免费查环服务。")]
            if self.misspelled and document == "convetion":
                return []

    import docforge_sample_county

    spacing = Spacing()
    r = resolver(VILLAGE, docforge_sample_county, spacing)
    doc = r.document("birth-spacing", household("birth-spacing"))
    assert doc.blocks[-1].text == "县补充：间隔期内享受免费查环服务。"
    spacing.misspelled = True
    r = resolver(VILLAGE, docforge_sample_county, spacing)
    with pytest.raises(PluginError, match=r"plugin \"spacing\" failed in docforge_clauses: ValueError: "
                                          r"'convetion' is not a document kind — did you mean 'convention'"):
        r.document("charter")


# --------------------------------------------------------------------------- 5. misspelled hook


def test_5_misspelled_hook_says_so_without_reinstall_advice(site, docforge_cli, tmp_path):
    install_distribution(site, "huining_typo", FIXTURE_PLUGINS / "misspelled_hook.py",
                         keywords="docforge-jurisdiction:county:会宁县:620422")
    run = docforge_cli("plugins")
    assert ('Invalid plugin "huining_typo": unknown hook \'docforge_amount\' — did you mean \'docforge_amounts\'?'
            in run.stdout)
    assert "Error importing" not in run.stdout
    run = docforge_cli("render", "charter", "--village", GANSU_VILLAGE, "-o", tmp_path / "x.docx")
    assert run.code == 2
    assert "did you mean 'docforge_amounts'?" in run.stderr and "reinstall" not in run.stderr
    assert "docforge plugin check huining_typo" in run.stderr


def test_5_misspelled_argument_names_the_right_one():
    class Typo:
        __name__ = "typo"

        @hookimpl
        def docforge_jurisdictions(self):
            return [Jurisdiction(level="county", name="某某县")]

        @hookimpl
        def docforge_policies(self, place, as_of):
            return []

    info = make_plugin_manager(load_entrypoints=False, extra=(Typo(),)).info_of("typo")
    assert info.error == ("hook docforge_policies takes an argument 'place' the hook does not have — did you mean "
                          "'places'? (its arguments: places, as_of)")


# --------------------------------------------------------------------------- 6. conflicts


def test_6_conflict_lists_the_fields_that_differ_and_how_to_resolve_it():
    from plugins.henan_twice import Prefecture, Province

    r = Resolver(load_village_dict(CHANGGE_VILLAGE), TODAY,
                 make_plugin_manager(load_entrypoints=False, extra=(Province(), Prefecture())))
    with pytest.raises(ConflictError) as e:
        r.instruments()
    msg = str(e.value)
    assert "instrument 'province.population_regulation' for 河南省（province，410000）" in msg
    assert '"henan" vs "xuchang": versions[0].effective_from: 2002-12-01 vs 2002-10-01)' in msg
    assert "depends on its province's plugin" in msg and len(msg) < 700


def test_6_one_plugin_contradicting_itself_is_not_told_to_uninstall():
    from plugins.henan_twice import SelfContradicting

    r = Resolver(load_village_dict(CHANGGE_VILLAGE), TODAY,
                 make_plugin_manager(load_entrypoints=False, extra=(SelfContradicting(),)))
    with pytest.raises(ConflictError) as e:
        r.amounts()
    msg = str(e.value)
    assert 'plugin "henan_overlap" returns two different values in force on the same date' in msg
    assert "amount: 200 vs 300" in msg or "value: 200 vs 300" in msg
    assert "effective_from/effective_to" in msg and "ninstall" not in msg


# --------------------------------------------------------------------------- 7. return shapes


def _amounts_plugin(result):
    class Returns:
        __name__ = "returns"

        @hookimpl
        def docforge_jurisdictions(self):
            return [Jurisdiction(level="county", name="某某县")]

        @hookimpl
        def docforge_amounts(self, places, as_of):
            return result

    return Returns()


def test_7_a_dict_instead_of_a_list_is_named():
    import docforge_sample_county

    r = resolver(VILLAGE, docforge_sample_county, _amounts_plugin({"deposit.outflow": 300}))
    with pytest.raises(PluginError) as e:
        r.amounts()
    assert str(e.value).startswith('plugin "returns", docforge_amounts: expected a list of Amount (or None), got dict;')


def test_7_invalid_amount_names_its_key():
    import docforge_sample_county

    items = [Amount(key=f"x{i}", amount=i) for i in range(12)] + [{"key": "deposit.outflow", "amount": -5}]
    with pytest.raises(PluginError) as e:
        resolver(VILLAGE, docforge_sample_county, _amounts_plugin(items)).amounts()
    assert str(e.value) == ('plugin "returns" returned an invalid Amount from docforge_amounts '
                            "(item 13, key 'deposit.outflow'): amount: Input should be greater than or equal to 0 "
                            "(got -5)")


def test_7_ref_and_policy_format_errors_name_the_plugins():
    import docforge_sample_county

    class Refs:
        __name__ = "refs"

        @hookimpl
        def docforge_jurisdictions(self):
            return [Jurisdiction(level="county", name="某某县")]

        @hookimpl
        def docforge_clauses(self, document, places, as_of):
            if document == "charter":
                return [Clause(id="county.charter.note", document="charter", type="article",
                               text="见{ref:charter.nowhere}。")]
            if document == "convention":
                return [Clause(id="county.convention.note", document="convention", type="article",
                               text="一式{policy:hearing.frequency|holders}。")]

    r = resolver(VILLAGE, docforge_sample_county, Refs())
    with pytest.raises(PluginError) as e:
        r.document("charter")
    assert "clause 'county.charter.note' of charter (plugin \"refs\") refers to clause 'charter.nowhere'" in str(e.value)
    with pytest.raises(PluginError) as e:
        r.document("convention")
    assert ("clause 'county.convention.note' of convention (plugin \"refs\"): format '|holders' does not apply to "
            "policy 'hearing.frequency' = '每季度' (from plugin \"national\")") in str(e.value)


# --------------------------------------------------------------------------- 8. findings


def test_8_findings_name_their_plugin_and_law(docforge_cli):
    import docforge_sample_county

    class Check:
        __name__ = "county_law_check"

        @hookimpl
        def docforge_jurisdictions(self):
            return [Jurisdiction(level="county", name="某某县")]

        @hookimpl
        def docforge_legal_checks(self, document, village, places, as_of):
            return [Finding(check="county.deposit", document=document.kind.value, clause="convention.purpose",
                            law="population_law", reason="押金条款须经县司法局审查"),
                    Finding(check="county.general", reason="本县另有规定", law="某某县自治方案")]

    doc = resolver(VILLAGE, docforge_sample_county, Check(), as_of=TODAY).document("convention")
    mine = {f.check: f for f in doc.findings if f.checked_by == "county_law_check"}
    deposit, general = mine["county.deposit"], mine["county.general"]
    assert (deposit.plugin, deposit.law, deposit.version) == ("national", "中华人民共和国人口与计划生育法", "2021年修正")
    assert (general.plugin, general.law, general.version) == ("county_law_check", "某某县自治方案", None)
    assert deposit.line() == ("warning: convention convention.purpose [national]: 押金条款须经县司法局审查 "
                              "(中华人民共和国人口与计划生育法 2021年修正) [check county.deposit by county_law_check]")

    run = docforge_cli("check", "--village", VILLAGE, "--as-of", "2020-06-01")
    assert "[check deposit_forfeit by checks]" in run.stdout and "[check contraception_duty by checks]" in run.stdout


def load_village_dict(data):
    from docforge.models import Village

    return Village.model_validate(data)


# --------------------------------------------------------------------------- 9. render -o x.pdf


@pytest.mark.slow  # LibreOffice
def test_9_render_writes_a_pdf_for_a_pdf_name(tmp_path, docforge_cli):
    from pypdf import PdfReader

    out = tmp_path / "charter.pdf"
    run = docforge_cli("render", "charter", "--village", VILLAGE, "--as-of", "2006-09-01", "-o", out)
    assert run.code == 0, run.output
    assert out.read_bytes().startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(out).pages).replace(" ", "").replace("\n", "")
    assert "某某村人口和计划生育村居民自治章程" in text and "第一章" in text
    assert [p.name for p in tmp_path.iterdir()] == ["charter.pdf"]  # no DOCX or temporary folder left


@pytest.mark.parametrize("name, fmt, message", [
    ("charter.doc", None, "the suffix '.doc' names no format docforge writes; name the file .docx or .pdf"),
    ("charter", None, "the suffix '' names no format"),
    ("charter.pdf", "docx", "does not end in .docx, but --format is docx: name it charter.docx"),
])
def test_9_a_suffix_that_names_no_format_is_an_error(tmp_path, docforge_cli, name, fmt, message):
    args = ["render", "charter", "--village", VILLAGE, "-o", tmp_path / name] + (["--format", fmt] if fmt else [])
    run = docforge_cli(*args)
    assert run.code == 2 and message in run.stderr
    assert list(tmp_path.iterdir()) == []


def test_9_format_docx_is_the_default_for_docx(tmp_path, docforge_cli):
    out = tmp_path / "charter.docx"
    assert docforge_cli("render", "charter", "--village", VILLAGE, "--format", "docx", "-o", out).code == 0
    assert docx_paragraphs(out)[0] == "某某村人口和计划生育村居民自治章程"


def test_7_jurisdictions_and_selection_of_the_wrong_shape_are_named():
    class One:
        __name__ = "one"

        @hookimpl
        def docforge_jurisdictions(self):
            return Jurisdiction(level="county", name="某某县")

    class City:
        __name__ = "city"

        @hookimpl
        def docforge_jurisdictions(self):
            return [{"level": "city", "name": "某某市"}]

    class Listed:
        __name__ = "listed"

        @hookimpl
        def docforge_jurisdictions(self):
            return [Jurisdiction(level="county", name="某某县")]

        @hookimpl
        def docforge_select_agreements(self, household, village, places, as_of, policies):
            return [{"agreements": ["inflow"]}]

    pm = make_plugin_manager(load_entrypoints=False, extra=(One(), City()))
    assert pm.info_of("one").error.startswith("docforge_jurisdictions failed: TypeError: expected a list of "
                                              "Jurisdiction, got Jurisdiction")
    assert pm.info_of("city").error == (
        "docforge_jurisdictions failed: ValueError: item 1 ({'level': 'city', 'name': '某某市'}) is not a "
        "Jurisdiction: level: Input should be 'national', 'province', 'prefecture', 'county', 'township' or 'village'")
    import docforge_sample_county

    with pytest.raises(PluginError, match=r'plugin "listed", docforge_select_agreements: expected one Selection '
                                          r"\(or None\), got a list"):
        resolver(VILLAGE, docforge_sample_county, Listed()).selection(household("inflow"))


def test_7_a_mistyped_clause_id_gets_the_nearest_one():
    import docforge_sample_county

    def plugin(clause):
        class Typo:
            __name__ = "typo"

            @hookimpl
            def docforge_jurisdictions(self):
                return [Jurisdiction(level="county", name="某某县")]

            @hookimpl
            def docforge_clauses(self, document, places, as_of):
                return [clause] if document == "charter" else None

        return Typo()

    anchor = Clause(id="county.note", document="charter", type="article", text="注。", after="charter.incentive")
    with pytest.raises(PluginError, match=r"is placed after 'charter.incentive', which the document does not have "
                                          r"— did you mean 'charter.incentives'\?"):
        resolver(VILLAGE, docforge_sample_county, plugin(anchor)).document("charter")
    ref = Clause(id="county.note", document="charter", type="article", text="见{ref:charter.hearing}。")
    with pytest.raises(PluginError, match=r"refers to clause 'charter.hearing', .* did you mean 'charter.hearings'\?"):
        resolver(VILLAGE, docforge_sample_county, plugin(ref)).document("charter")
    gone = Clause(id="charter.incentive", document="charter", op="remove")
    with pytest.raises(PluginError, match=r"is to be removed, but the document does not have it — did you mean "
                                          r"'charter.incentives'\?"):
        resolver(VILLAGE, docforge_sample_county, plugin(gone)).document("charter")
