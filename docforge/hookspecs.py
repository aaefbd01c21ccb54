"""The plugin contract. Each hook's docstring is its reference.

Every hook but :func:`docforge_jurisdictions` receives ``places`` (the village's place chain, national
first, as :class:`~docforge.models.Jurisdiction` objects) and ``as_of`` (the signing date), and returns
a list of contributions or ``None``. Contributions are data (pydantic models from
:mod:`docforge.models`), never rendered text.

A contribution names its ``jurisdiction``; a plugin that declares exactly one jurisdiction may leave
it out. The engine keeps only contributions whose jurisdiction is in the village's chain and in force
on ``as_of`` (``effective_from``/``effective_to``), then lets the most specific jurisdiction win:
village > township > county > prefecture > province > national. Load order never matters. Two
plugins for the same jurisdiction that disagree on a value stop the run with an error naming both.
"""

from __future__ import annotations

import datetime as dt

import pluggy

from .models import (Amount, Clause, DocumentKind, Finding, Household, Instrument, Jurisdiction,
                     PolicyValue, Selection, TemplateOverride, Village)

hookspec = pluggy.HookspecMarker("docforge")
hookimpl = pluggy.HookimplMarker("docforge")


@hookspec
def docforge_jurisdictions() -> list[Jurisdiction]:
    """The jurisdictions this plugin speaks for.

    Return a list of :class:`Jurisdiction` (level, name, GB/T 2260 code where one exists). A plugin
    may serve several (a province and some of its counties). The national layer returns the
    national jurisdiction.

    Example::

        @hookimpl
        def docforge_jurisdictions():
            return [Jurisdiction(level="province", name="甘肃省", code="620000")]
    """


@hookspec
def docforge_clauses(document: DocumentKind, places: list[Jurisdiction], as_of: dt.date) -> list[Clause] | None:
    """Clauses of ``document``: add, replace or remove by stable id.

    The national layer adds the base text of each document. A more specific jurisdiction changes it:
    ``Clause(op="add", id=..., type="article", parent="charter.organisation", after="charter.benefits",
    text=...)`` inserts an article, ``op="replace"`` swaps an id's text in place, ``op="remove"``
    deletes an id and its children, ``op="move"`` puts an id (with its children) ``before``/``after``
    another id or at the end of ``parent``, keeping its text, tags and provenance and recording who
    moved it. The engine applies changes from the least to the most specific jurisdiction (the
    village file's own ``clauses:`` last), then numbers chapters, articles and items (第一章,
    第十一条, （一）), so a clause that writes ``{ref:ID}`` shows the number its target ends up with.

    Placeholders in ``text``: ``{amount:KEY}``, ``{policy:KEY}`` (``|cn``, ``|count_cn``,
    ``|holders`` formats), ``{cite:INSTRUMENT}`` (``|short``) or ``{cite:INSTRUMENT#ARTICLE}``,
    ``{ref:CLAUSE_ID}``, ``{place:LEVEL}``.

    Example::

        @hookimpl
        def docforge_clauses(document, places, as_of):
            if document == "charter":
                return [Clause(id="charter.incentives.housing", document="charter", op="add",
                               type="item", parent="charter.incentives",
                               text="优先：计生户申请宅基地优先安排。")]
    """


@hookspec
def docforge_amounts(places: list[Jurisdiction], as_of: dt.date) -> list[Amount] | None:
    """Sums of money: 履约保证金 deposits, 违约金 and fine caps, in yuan.

    Keys the national texts use: ``deposit.contraception.one_child``, ``deposit.contraception.two_child``,
    ``deposit.birth_spacing.one_child``, ``deposit.migrant.min``, ``deposit.migrant.max``,
    ``deposit.outflow``, ``fee.outflow.breach``, ``fee.inflow.breach``, ``fine.inflow.no_certificate``.
    No national default exists: a document that needs an amount nobody supplies is refused.

    Example::

        @hookimpl
        def docforge_amounts(places, as_of):
            return [Amount(key="deposit.contraception.one_child", amount="300",
                           legal_basis="县人口计生局〔2006〕12号")]
    """


@hookspec
def docforge_policies(places: list[Jurisdiction], as_of: dt.date) -> list[PolicyValue] | None:
    """Policy numbers and choices.

    Keys: ``birth_spacing.years`` (int, 生育间隔 *年以上), ``fertile_age_limit`` (int, 已婚育龄妇女
    **周岁以下), ``marriage_age.men`` / ``marriage_age.women`` (int, 法定婚龄), ``outflow.days_away``
    (int, days away before a 婚育证明 is needed), ``outflow.missed_report_months`` (int),
    ``association.contact_min`` / ``association.contact_max`` (int, 联系户 per member),
    ``hearing.frequency`` (str, e.g. 每季度), ``inflow.party_a`` (``村民委员会`` or ``乡镇人民政府``),
    ``copies.contraception`` / ``copies.birth_spacing`` / ``copies.outflow`` / ``copies.inflow``
    (list of who keeps each copy, e.g. ``["甲方", "乙方", "县公证处", "市公证处"]``).

    Example::

        @hookimpl
        def docforge_policies(places, as_of):
            return [PolicyValue(key="birth_spacing.years", value=4)]
    """


@hookspec
def docforge_instruments(places: list[Jurisdiction], as_of: dt.date) -> list[Instrument] | None:
    """Laws, regulations and rules that clauses cite with ``{cite:ID}``.

    Each :class:`Instrument` has versions (in force from, until, repealed) and per version a map from
    stable article ids to article numbers, so ``{cite:population_law#contraception}`` shows the article
    number of the text in force on ``as_of``. A province supplies ``province.population_regulation`` and
    ``province.migrant_rules``. Return every version; the engine picks the one in force.

    Example::

        @hookimpl
        def docforge_instruments(places, as_of):
            return [Instrument(id="province.population_regulation", name="甘肃省人口与计划生育条例",
                               level="local_regulation", issuer="甘肃省人民代表大会常务委员会",
                               versions=[InstrumentVersion(label="2002年", effective_from="2002-12-01")])]
    """


@hookspec
def docforge_templates(places: list[Jurisdiction], as_of: dt.date) -> list[TemplateOverride] | None:
    """Replacement .docx templates for document kinds.

    ``path`` is absolute or relative to the plugin's module file. The template receives the same
    context as the default one (see ``docs/plugin_hooks.md``).

    Example::

        @hookimpl
        def docforge_templates(places, as_of):
            return [TemplateOverride(document="charter", path="templates/charter.docx")]
    """


@hookspec
def docforge_select_agreements(household: Household, village: Village, places: list[Jurisdiction],
                               as_of: dt.date, policies: dict) -> Selection | None:
    """The agreements ``household`` signs, each with its reason.

    ``policies`` maps each policy key (``fertile_age_limit``, ``marriage_age.men`` …) to the value
    resolved for this village, so rules need not hard-code numbers.

    The national layer implements the seed's rules; the most specific jurisdiction's answer wins,
    so a province replaces the rules by returning a :class:`Selection` (an empty ``agreements`` list
    is an answer too; return ``None`` to leave the decision to a broader jurisdiction).

    Example::

        @hookimpl
        def docforge_select_agreements(household, village, places, as_of, policies):
            if household.migration == "inflow":
                return Selection(agreements=["inflow"], reasons={"inflow": "在本辖区暂住"})
    """


@hookspec
def docforge_legal_checks(document: "object", village: Village, places: list[Jurisdiction],
                          as_of: dt.date) -> list[Finding] | None:
    """Findings for a resolved document: clauses that no longer agree with the law on ``as_of``.

    ``document`` is the resolved :class:`~docforge.models.Document` (blocks with their provenance and
    ``tags``, ``basis`` and ``reviewed``, the values used); ``village`` is the village file. Return
    :class:`Finding` objects (``reason`` in English, ``reason_zh`` in Chinese); they are warnings,
    errors under ``--strict``. Every jurisdiction's checks run (they add up; none replaces another);
    leave alone a block whose ``reviewed`` names your check id.

    Example::

        @hookimpl
        def docforge_legal_checks(document, village, places, as_of):
            return [Finding(check="local.example", document=document.kind, reason="…")
                    for b in document.blocks if "sanction" in b.tags]
    """
