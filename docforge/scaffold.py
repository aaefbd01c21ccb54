"""``docforge plugin new``: the first plugin of a province (and, optionally, one prefecture and one
county of it) as a complete distribution that installs and passes its own tests as generated.

The distribution's name comes from the folder (``docforge-henan`` → module ``docforge_henan``, entry
point ``henan``). The module supplies every amount and policy number the national texts need, the
province's two instruments and one example clause; each value is marked ``待核实`` (to verify) in
its ``legal_basis`` until the author takes it from the document it names, and ``docforge plugin
check`` lists the values still marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

from . import __version__
from .divisions import code_problem, contains
from .errors import InputError
from .i18n import _
from .models import Jurisdiction, Level

TO_VERIFY = "待核实"
# The seed's shape of a province's numbers; every one is marked 待核实 in the generated module.
AMOUNTS = {
    "deposit.contraception.one_child": 200, "deposit.contraception.two_child": 400,
    "deposit.birth_spacing.one_child": 200, "deposit.migrant.min": 100, "deposit.migrant.max": 300,
    "deposit.outflow": 200, "fee.outflow.breach": 100, "fee.inflow.breach": 500, "fine.inflow.no_certificate": 300,
}
POLICIES = {
    "birth_spacing.years": 4, "fertile_age_limit": 49, "outflow.days_away": 30, "outflow.missed_report_months": 3,
    "association.contact_min": 3, "association.contact_max": 8,
}
NAME = re.compile(r"^docforge[-_]([a-z][a-z0-9]*(?:[-_][a-z0-9]+)*)$")


@dataclass
class Scaffold:
    directory: Path
    distribution: str  # docforge-henan
    module: str  # docforge_henan
    entry_point: str  # henan
    places: list[Jurisdiction]  # province first
    # --under: the installed plugin that owns the province (its name, distribution and module); the
    # new plugin then declares only its prefecture/county and takes the province's values from it
    under: tuple[str, str, str] | None = None

    @property
    def own(self) -> list[Jurisdiction]:
        """The places the new plugin declares."""
        return self.places[1:] if self.under else self.places


def parse_place(level: Level, value: str | None, code: str | None) -> Jurisdiction | None:
    """``长葛市`` with ``--county-code 411082``, or ``长葛市:411082``."""
    if not value:
        if code:
            raise InputError(_("--{level}-code {code} needs --{level} NAME", level=level.value, code=code))
        return None
    name, inline = (value.split(":", 1) + [""])[:2]
    if inline and code and inline != code:
        raise InputError(_("--{level} {value} and --{level}-code {code} give two codes; give one",
                           level=level.value, value=value, code=code))
    j = Jurisdiction(level=level, name=name.strip(), code=(inline or code or "").strip() or None)
    problem = code_problem(j)
    if problem:
        raise InputError(problem)
    return j


def province_owner(province: Jurisdiction) -> str | None:
    """The installed plugin that declares ``province``, if any."""
    from .plugins import get_plugin_manager

    for info in get_plugin_manager().infos.values():
        if not info.default and any(j.matches(province) for j in info.jurisdictions):
            return info.name
    return None


def _under(name: str, province: Jurisdiction) -> tuple[str, str, str]:
    from .plugins import get_plugin_manager

    info = get_plugin_manager().infos.get(name)
    if info is None or info.default:
        raise InputError(_("--under {name}: no installed plugin has that name (docforge plugins lists them)",
                           name=name))
    if info.error:
        raise InputError(f"--under {name}: {info.error_line()}")
    if not any(j.matches(province) for j in info.jurisdictions):
        raise InputError(_("--under {name}: that plugin does not declare {province} (it declares {places})",
                           name=name, province=province, places="、".join(str(j) for j in info.jurisdictions)))
    return name, info.distribution or name, info.module


def _not_owned(under: str, places: list[Jurisdiction]) -> None:
    from .plugins import get_plugin_manager

    info = get_plugin_manager().infos[under]
    taken = [p for p in places if any(j.matches(p) for j in info.jurisdictions)]
    if taken:
        raise InputError(_("--under {name}: that plugin already speaks for {places} too; one distribution owns "
                           "a place, so leave it out of the new plugin (or move it out of {name})",
                           name=under, places="、".join(str(p) for p in taken)))


def plan(directory: Path, province: Jurisdiction, prefecture: Jurisdiction | None = None,
         county: Jurisdiction | None = None, under: str | None = None) -> Scaffold:
    m = NAME.match(directory.name)
    if not m:
        raise InputError(_("{folder}: name the folder docforge-<place> in lower-case letters and digits (e.g. "
                           "docforge-henan, docforge-xuchang-changge): it becomes the distribution's name "
                           "(docforge-henan), its module (docforge_henan) and the plugin's name (henan)",
                           folder=directory))
    if directory.exists() and any(directory.iterdir()):
        raise InputError(_("{folder} exists and is not empty; give a new folder", folder=directory))
    places = [p for p in (province, prefecture, county) if p is not None]
    for outer in places:
        for inner in places:
            if contains(outer, inner) is False:
                raise InputError(_("{inner} does not lie in {outer}: its code {code} does not begin with {prefix}; "
                                   "check the codes", inner=inner, outer=outer, code=inner.code,
                                   prefix=(outer.code or "")[:2 if outer.level == Level.province else 4]))
    owner = None
    if under:
        if len(places) == 1:
            raise InputError(_("--under {name}: the province belongs to that plugin; give the --prefecture or "
                               "--county the new plugin speaks for", name=under))
        owner = _under(under, province)
        _not_owned(under, places[1:])
    slug = m.group(1).replace("-", "_")
    return Scaffold(directory, f"docforge-{slug.replace('_', '-')}", f"docforge_{slug}", slug, places, owner)


def write(s: Scaffold) -> list[Path]:
    """Write the distribution's files; returns them."""
    files = {
        "pyproject.toml": _pyproject(s),
        f"{s.module}/__init__.py": _module_under(s) if s.under else _module(s),
        "tests/test_plugin.py": _tests_under(s) if s.under else _tests(s),
        "examples/village.yaml": _village(s),
        "README.md": _readme(s),
    }
    written = []
    for rel, text in files.items():
        path = s.directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _const(j: Jurisdiction) -> str:
    return j.level.value.upper()


def _jur_literal(j: Jurisdiction) -> str:
    code = f', code="{j.code}"' if j.code else ""
    return f'Jurisdiction(level="{j.level.value}", name="{j.name}"{code})'


def _keywords(s: Scaffold) -> str:
    words = ['"docforge"'] + [f'"docforge-jurisdiction:{j.level.value}:{j.name}{":" + j.code if j.code else ""}"'
                              for j in s.own]
    return ", ".join(words)


def _pyproject(s: Scaffold) -> str:
    names = "、".join(f"{j.name}{'（' + j.code + '）' if j.code else ''}" for j in s.own)
    deps = f'"docforge>={__version__}"' + (f', "{s.under[1]}"' if s.under else "")
    return Template('''\
[build-system]
requires = ["setuptools>=64"]  # 64: editable installs (pip install -e)
build-backend = "setuptools.build_meta"

[project]
name = "$dist"
version = "0.1.0"
description = "docforge plugin: $names"
readme = "README.md"
requires-python = ">=3.10"
dependencies = [$deps]
# Whom the plugin serves, readable even when its module fails to import, so that a broken release
# stops only these places' villages: docforge-jurisdiction:LEVEL:NAME:CODE (one per place declared
# in docforge_jurisdictions()).
keywords = [$keywords]

[project.optional-dependencies]
test = ["pytest>=8"]

# The plugin: entry point name = module holding the @hookimpl functions.
[project.entry-points.docforge]
$ep = "$module"

[tool.setuptools]
packages = ["$module"]

[tool.pytest.ini_options]
testpaths = ["tests"]
''').substitute(dist=s.distribution, names=names, deps=deps, keywords=_keywords(s), ep=s.entry_point,
                module=s.module)


def _module(s: Scaffold) -> str:
    province = s.places[0]
    most = s.places[-1]
    consts = "\n".join(f"{_const(j)} = {_jur_literal(j)}" for j in s.places)
    amounts = "\n".join(f'    "{k}": {v},' for k, v in AMOUNTS.items())
    policies = "\n".join(f'    "{k}": {v},' for k, v in POLICIES.items())
    several = len(s.places) > 1
    jur_note = ("# The plugin declares several places, so every contribution says which one it is for\n"
                "# (jurisdiction=...): the most specific place of a village's chain wins.\n") if several else (
                "# The plugin declares one place: contributions may leave out jurisdiction=.\n")
    example_id = f"{s.entry_point}.convention.filing"
    lower = ""
    if several:
        lower = Template('''
    # $name's own values: the more specific place wins over $province for its villages. For example:
    # out.append(Amount(key="deposit.contraception.two_child", amount=800, jurisdiction=$const,
    #                   effective_from="2010-01-01", legal_basis="$name人口和计划生育村民自治实施方案"))
''').substitute(name=most.name, province=province.name, const=_const(most))
    return Template('''\
"""docforge plugin: $names.

Every hook docforge calls is documented in docforge's docs/plugin_hooks.md. docforge calls these
hooks only for villages whose place chain holds one of the places declared below.

Each number below is marked $verify in its legal_basis: take it from the document you name there
(the province's 人口与计划生育条例, its 流动人口 rules, a county's 实施方案), then remove the mark.
`docforge plugin check $ep` lists the values still marked, and every other problem it can find.
"""

from docforge.hookspecs import hookimpl
from docforge.models import (Amount, Clause, Finding, Instrument, InstrumentVersion, Jurisdiction,  # noqa: F401
                             PolicyValue, Selection)

$consts
VERIFY = "（$verify）"
REGULATION = "《$province_name人口与计划生育条例》"
MIGRANT_RULES = "《$province_name流动人口计划生育管理办法》"

$jur_note

@hookimpl
def docforge_jurisdictions():
    return [$all_consts]


@hookimpl
def docforge_instruments(places, as_of):
    """The laws clauses cite with {cite:ID}: the national texts cite these two ids of a province.
    Give every version with its dates (from the regulation's preamble); the engine picks the one in
    force on the signing date."""
    return [
        Instrument(id="province.population_regulation", name="$province_name人口与计划生育条例",
                   issuer="$province_name人民代表大会常务委员会", level="local_regulation", jurisdiction=PROVINCE,
                   versions=[InstrumentVersion(label="现行文本$verify_paren", effective_from="2002-09-01")]),
        Instrument(id="province.migrant_rules", name="$province_name流动人口计划生育管理办法",
                   issuer="$province_name人民政府", level="rule", jurisdiction=PROVINCE,
                   versions=[InstrumentVersion(label="现行文本$verify_paren", effective_from="2002-09-01")]),
    ]


# Sums in yuan for the keys the national texts use (docs/plugin_hooks.md, "Amount keys").
PROVINCE_AMOUNTS = {
$amounts
}


@hookimpl
def docforge_amounts(places, as_of):
    out = [Amount(key=k, amount=v, jurisdiction=PROVINCE, legal_basis=REGULATION + VERIFY)
           for k, v in PROVINCE_AMOUNTS.items()]
$lower    return out


# Policy numbers without a national default (docs/plugin_hooks.md, "Policy keys").
PROVINCE_POLICIES = {
$policies
}


@hookimpl
def docforge_policies(places, as_of):
    return [PolicyValue(key=k, value=v, jurisdiction=PROVINCE, legal_basis=REGULATION + VERIFY)
            for k, v in PROVINCE_POLICIES.items()]


@hookimpl
def docforge_clauses(document, places, as_of):
    """Add, replace or remove clauses by id (the ids: docs/plugin_hooks.md, "Clause ids").
    `document` is a DocumentKind: compare it with "charter", "convention", "contraception",
    "birth-spacing" (or "birth_spacing"), "outflow", "inflow"."""
    if document == "convention":
        return [Clause(id="$example_id", document="convention", op="add", type="article",
                       after="convention.entry_into_force", jurisdiction=$most_const, legal_basis=REGULATION + VERIFY,
                       text="本公约依照{cite:villagers_committee_law#charter_adoption}的规定"
                            "报{place:township}人民政府备案。")]
    return None


# Other hooks a province may need (see docs/plugin_hooks.md):
#
# @hookimpl
# def docforge_select_agreements(household, village, places, as_of, policies):
#     """Replace the national rules of who signs which agreement (return None to keep them)."""
#     if household.migration == "inflow" and household.arrived_on and (as_of - household.arrived_on).days <= 30:
#         return Selection(agreements=[], reasons={"none": "来本村不满30日"}, jurisdiction=PROVINCE)
#     return None
#
# @hookimpl
# def docforge_legal_checks(document, village, places, as_of):
#     return [Finding(check="$ep.deposit", document=document.kind.value, clause=b.id, law="population_law",
#                     reason="押金条款须经县司法局审查") for b in document.blocks if "deposit" in b.tags]
''').substitute(names="、".join(j.name for j in s.places), verify=TO_VERIFY, verify_paren=f"（{TO_VERIFY}）",
                ep=s.entry_point, consts=consts.replace(f"{_const(province)} =", "PROVINCE =", 1),
                province_name=province.name, jur_note=jur_note.rstrip("\n"),
                all_consts=", ".join(["PROVINCE"] + [_const(j) for j in s.places[1:]]),
                amounts=amounts, lower=lower, policies=policies, example_id=example_id,
                most_const="PROVINCE" if most is province else _const(most))


def _tests(s: Scaffold) -> str:
    province, most = s.places[0], s.places[-1]
    others = ", ".join(_const(j) if j is not province else "PROVINCE" for j in s.places)
    return Template('''\
"""The plugin's own tests: docforge's national layer and exactly this plugin (nothing installed),
through the helpers of docforge.testing. Run them with: pytest"""

import datetime as dt

import pytest

import $module
from docforge import testing
from docforge.models import DocumentKind

AS_OF = dt.date(2026, 11, 30)
VILLAGE = testing.sample_village($others)  # a village of $most_name
HOUSEHOLDS = testing.sample_households(VILLAGE)


def test_the_plugin_loads_and_declares_its_places():
    pm = testing.plugin_manager($module)
    info = pm.info_of("$module")
    assert info.error is None
    assert [j.name for j in info.jurisdictions] == $names


@pytest.mark.parametrize("kind", [k.value for k in DocumentKind])
def test_every_document_resolves_for_a_village_of_the_plugin(kind):
    """Every amount, policy number and citation the national texts need is there."""
    as_of = testing.offered_on(kind, AS_OF)  # the agreements are not offered after 2021-08-19
    doc = testing.document(kind, VILLAGE, $module, household=HOUSEHOLDS.get(kind), as_of=as_of)
    assert doc.title and doc.blocks


def test_amounts_come_from_the_plugin():
    doc = testing.document("contraception", VILLAGE, $module, household=HOUSEHOLDS["contraception"],
                           as_of=testing.offered_on("contraception", AS_OF))
    testing.assert_value(doc, "deposit.contraception.one_child", value="人民币贰佰元整（¥200.00）",
                         plugin="$module", jurisdiction="$province_name")


def test_convention_gets_the_filing_article():
    doc = testing.document("convention", VILLAGE, $module, as_of=AS_OF)
    article = testing.assert_clause(doc, "$example_id", contains="人民政府备案", plugin="$module",
                                    jurisdiction="$most_name")
    assert doc.blocks[-1] is article  # the last article, numbered after the national ones
    text = testing.render_text("convention", VILLAGE, $module, as_of=AS_OF)
    assert text[-1] == f"{article.label}　本公约依照《中华人民共和国村民委员会组织法》第二十七条的规定报示例镇人民政府备案。"


def test_charter_cites_the_province_regulation():
    text = testing.render_text("charter", VILLAGE, $module, as_of=AS_OF)
    assert any("《$province_name人口与计划生育条例》" in line for line in text)
''').substitute(module=s.module, others=", ".join(f"{s.module}.{c}" for c in others.split(", ")),
                most_name=most.name, province_name=province.name, names=repr([j.name for j in s.places]),
                example_id=f"{s.entry_point}.convention.filing")


def _village(s: Scaffold) -> str:
    by = {j.level: j for j in s.places}
    lines = ["# An example village of the plugin's places: copy it for a real village and fill it in.",
             "# Check it with: docforge check --village examples/village.yaml"]
    for level, placeholder in ((Level.province, None), (Level.prefecture, None), (Level.county, "某某县"),
                               (Level.township, "某某镇"), (Level.village, "某某村")):
        j = by.get(level)
        if j is None and placeholder is None:
            continue
        name = j.name if j else placeholder
        code = f", code: \"{j.code}\"" if j and j.code else ""
        note = "  # the village's county: with its GB/T 2260 code" if j is None and level == Level.county else ""
        lines.append(f"{level.value}: {{name: {name}{code}}}{note}")
    lines += ["committee:", "  legal_representative: 张主任", "groups: [第一村民小组, 第二村民小组]", ""]
    return "\n".join(lines)


def _readme(s: Scaffold) -> str:
    names = "、".join(j.name for j in s.own)
    return Template('''\
# $dist

A [docforge](https://example.invalid/docforge) plugin for $names: the amounts, policy numbers,
laws and clauses docforge's national texts need for villages there.

## Install and try it

```sh
pip install -e .                 # into the environment where docforge is installed
docforge plugins                 # $ep 0.1.0, jurisdictions $names
docforge plugin check $ep        # every problem docforge can find, without rendering; exit 2 on errors
docforge render charter --village examples/village.yaml -o charter.docx
docforge explain contraception --village examples/village.yaml   # who supplied each value
pip install -e '.[test]' && pytest
```

## Before you ship it

1. Every number in `$module/__init__.py` is marked 待核实 (to verify) in its `legal_basis`: take each
   from the document named there and remove the mark. `docforge plugin check $ep` lists those left.
2. Give each instrument's versions their real dates (`docforge_instruments`).
3. $owner
4. Write clauses of your own in `docforge_clauses` (the ids: docforge's docs/plugin_hooks.md).
''').substitute(dist=s.distribution, names=names, ep=s.entry_point, module=s.module,
                owner=(f"The province's values come from {s.under[1]} (a dependency): supply only what differs in "
                       f"{names}, never the province's own values (one distribution owns a place)." if s.under else
                       f"A prefecture or county plugin of the same province should depend on this one "
                       f"(`docforge plugin new ... --under {s.entry_point}`) instead of repeating its values: one "
                       f"distribution owns a place."))


def _module_under(s: Scaffold) -> str:
    """A prefecture/county plugin under the installed province plugin: only its own places and values."""
    assert s.under is not None
    name, dist, _module_name = s.under
    province, most = s.places[0], s.places[-1]
    consts = "\n".join(f"{_const(j)} = {_jur_literal(j)}" for j in s.own)
    return Template('''\
"""docforge plugin: $names, under $province_name's plugin "$under" ($dist).

$province_name's regulation, amounts and policy numbers come from $dist (a dependency of this
distribution): one distribution owns a place, so this plugin declares only $names and supplies only
what differs there. docforge calls these hooks only for villages of $names; for them, a value this
plugin gives wins over the province's (the more specific place wins).

Each number below is marked $verify in its legal_basis: take it from the document you name there
(a prefecture's or county's 实施方案), then remove the mark. `docforge plugin check $ep` lists the
values still marked, and every other problem it can find.
"""

from docforge.hookspecs import hookimpl
from docforge.models import Amount, Clause, Finding, Jurisdiction, PolicyValue, Selection  # noqa: F401

$consts
VERIFY = "（$verify）"
PLAN = "《$most_name人口和计划生育村民自治实施方案》"


@hookimpl
def docforge_jurisdictions():
    return [$all_consts]


@hookimpl
def docforge_amounts(places, as_of):
    """Only the sums that differ from $province_name's (docs/plugin_hooks.md, "Amount keys")."""
    return [Amount(key="deposit.contraception.two_child", amount=800, jurisdiction=$most_const,
                   legal_basis=PLAN + VERIFY)]


@hookimpl
def docforge_clauses(document, places, as_of):
    """Add, replace or remove clauses by id (the ids: docs/plugin_hooks.md, "Clause ids").
    `document` is a DocumentKind: compare it with "charter", "convention", "contraception",
    "birth-spacing" (or "birth_spacing"), "outflow", "inflow"."""
    if document == "convention":
        return [Clause(id="$example_id", document="convention", op="add", type="article",
                       after="convention.entry_into_force", jurisdiction=$most_const, legal_basis=PLAN + VERIFY,
                       text="本公约依照{cite:villagers_committee_law#charter_adoption}的规定"
                            "报{place:township}人民政府备案。")]
    return None
''').substitute(names="、".join(j.name for j in s.own), province_name=province.name, under=name, dist=dist,
                verify=TO_VERIFY, ep=s.entry_point, consts=consts, most_name=most.name,
                all_consts=", ".join(_const(j) for j in s.own), most_const=_const(most),
                example_id=f"{s.entry_point}.convention.filing")


def _tests_under(s: Scaffold) -> str:
    assert s.under is not None
    name, dist, under_module = s.under
    province, most = s.places[0], s.places[-1]
    return Template('''\
"""The plugin's own tests: docforge's national layer, $province_name's plugin ($dist, a dependency)
and this plugin, through the helpers of docforge.testing. Run them with: pytest"""

import datetime as dt

import pytest

import $under_module
import $module
from docforge import testing
from docforge.models import DocumentKind, Jurisdiction

AS_OF = dt.date(2026, 11, 30)
PROVINCE = $province_literal
PLUGINS = ($under_module, $module)
VILLAGE = testing.sample_village(PROVINCE, $own)  # a village of $most_name
HOUSEHOLDS = testing.sample_households(VILLAGE)


def test_the_plugin_loads_and_declares_its_places():
    info = testing.plugin_manager(*PLUGINS).info_of("$module")
    assert info.error is None
    assert [j.name for j in info.jurisdictions] == $names


@pytest.mark.parametrize("kind", [k.value for k in DocumentKind])
def test_every_document_resolves_for_a_village_of_the_plugin(kind):
    as_of = testing.offered_on(kind, AS_OF)  # the agreements are not offered after 2021-08-19
    doc = testing.document(kind, VILLAGE, *PLUGINS, household=HOUSEHOLDS.get(kind), as_of=as_of)
    assert doc.title and doc.blocks


def test_own_amount_wins_over_the_province():
    doc = testing.document("contraception", VILLAGE, *PLUGINS, household=HOUSEHOLDS["contraception"],
                           as_of=testing.offered_on("contraception", AS_OF))
    testing.assert_value(doc, "deposit.contraception.two_child", value="人民币捌佰元整（¥800.00）",
                         plugin="$module", jurisdiction="$most_name")
    testing.assert_value(doc, "deposit.contraception.one_child", plugin="$under_module")


def test_convention_gets_the_filing_article():
    doc = testing.document("convention", VILLAGE, *PLUGINS, as_of=AS_OF)
    testing.assert_clause(doc, "$example_id", contains="人民政府备案", plugin="$module",
                          jurisdiction="$most_name")
''').substitute(province_name=province.name, dist=dist, under_module=under_module, module=s.module,
                province_literal=_jur_literal(province),
                own=", ".join(f"{s.module}.{_const(j)}" for j in s.own), most_name=most.name,
                names=repr([j.name for j in s.own]), example_id=f"{s.entry_point}.convention.filing")
