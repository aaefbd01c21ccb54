"""The plugin contract. Each hook's docstring is its reference: ``tools/plugin_docs.py`` copies it
into docs/plugin_hooks.md (Markdown; ``Example::`` starts a Python example), and a test keeps the
two in step.

Every hook but :func:`docforge_jurisdictions` receives ``places`` (the village's place chain, national
first, as :class:`~docforge.models.Jurisdiction` objects) and ``as_of`` (the signing date), and returns
a list of contributions or ``None``. Contributions are data (pydantic models from
:mod:`docforge.models`), never rendered text. docforge calls a plugin's hooks only for villages
whose chain holds one of the plugin's declared jurisdictions.

A contribution names its ``jurisdiction``, one the plugin declares (another is refused); a plugin
that declares exactly one may leave it out. The engine keeps contributions in force on ``as_of``
(``effective_from``/``effective_to``), then lets the most specific jurisdiction win: village >
township > county > prefecture > province > national. Load order never matters. Two contributions
for one jurisdiction that disagree stop the run with an error naming both and the fields that differ.
"""

from __future__ import annotations

import datetime as dt

import pluggy

from .models import (Amount, Clause, Document, DocumentKind, Finding, Household, Instrument, Jurisdiction,
                     Layout,
                     PolicyValue, Selection, TemplateOverride, Village)

hookspec = pluggy.HookspecMarker("docforge")
hookimpl = pluggy.HookimplMarker("docforge")


@hookspec
def docforge_jurisdictions() -> list[Jurisdiction]:
    """The places this plugin speaks for.

    - **Arguments:** none.
    - **Returns:** a list of `Jurisdiction` (`from docforge.models import Jurisdiction`): `level`
      (`province`, `prefecture`, `county`, `township`, `village`), `name` and, where one exists, the
      GB/T 2260 `code` (`410000` a province, `411000` a prefecture, `411082` a county). A plugin may
      serve several places (a province and some of its counties); each contribution then says which
      one it is for (`jurisdiction=`).
    - **Precedence:** none. It is called once, when the plugin is registered. docforge calls the
      plugin's other hooks only for villages whose place chain holds one of these places (by code
      when both sides have one, else by name), so its failure stops only its own villages. A plugin
      whose `docforge_jurisdictions` raises or returns nothing, like one with an unknown hook name,
      an unknown argument or an argument with a default value, is *invalid*: it is not registered
      (none of its hooks is called), `docforge plugins` shows why, and rendering stops for the
      villages of the places it declares (in this hook or in its `pyproject.toml` keywords) until it
      is fixed or excluded.

    Example::

        @hookimpl
        def docforge_jurisdictions():
            return [Jurisdiction(level="province", name="河南省", code="410000"),
                    Jurisdiction(level="county", name="长葛市", code="411082")]
    """
    raise NotImplementedError  # a specification: the plugins implement it


@hookspec
def docforge_clauses(document: DocumentKind, places: list[Jurisdiction], as_of: dt.date) -> list[Clause] | None:
    """Clauses of `document`: add, replace, remove or move by stable id.

    - **Arguments:** `document`, the `DocumentKind` being assembled. It is a `str` enum that compares
      equal to its value in either spelling: `"charter"`, `"convention"`, `"contraception"`,
      `"birth-spacing"` (or `"birth_spacing"`, as in clause ids), `"outflow"`, `"inflow"`; comparing it
      with a string that is no kind (`document == "convetion"`) raises an error naming the nearest
      kind instead of being silently false. `places`; `as_of`.
    - **Returns:** a list of `Clause` (`from docforge.models import Clause`) or `None`. A `Clause` has
      a stable `id` (`[a-z0-9_.-]+`), its `document` (either spelling), an `op` and:

      | field | meaning |
      |---|---|
      | `op="add"` | a new clause; needs `type` and `text`. Placed at the end of `parent` (or of the document), or right `before` / `after` a sibling id (then `parent` may be left out). |
      | `op="replace"` | swaps the `text` (and/or `type`, `tags`) of an existing id, keeping its position; the clause's provenance becomes yours. |
      | `op="remove"` | deletes an id and everything under it (`keep_children=True`: only the id; its children take its place, e.g. to drop a chapter heading and keep its articles). |
      | `op="move"` | moves an existing id, with everything under it, right `before` / `after` another id (into that id's parent), or to the end of `parent`. It keeps the clause's id, text, type, tags and provenance and records who moved it (`explain` shows `moved here by …`); it takes no `text`, `type` or `tags` (add an `op="replace"` of the same id to change those too). A clause cannot be moved under itself. |
      | `type` | `title`, `chapter` (第一章), `article` (第一条), `section` (一、), `subsection` (（一）), `item` (（一） under an article or chapter, else 1、), `para` (no number) |
      | `text` | the clause's text, with [placeholders](#clause-text-placeholders); never a number of its own: the engine numbers |
      | `tags` | what legal checks look for, e.g. `deposit`, `deposit_forfeit`, `contraception_duty`, `sanction`; the national checks read the text as well, so tags refine and are never the only way a clause is checked ([law.md](law.md#legal-checks)) |
      | `basis` | the legal basis of the text: a list of `Basis(instrument=ID, version=LABEL, article=ID, note=…)` (registry ids; `from docforge.models import Basis`); `explain` and the 修订对照表 show it |
      | `reviewed` | `{check_id: reason}`: a check you have reviewed for this clause and found not to apply; that check leaves the clause alone |
      | `jurisdiction`, `effective_from`, `effective_to`, `legal_basis` | as for every contribution |

      Return a clause only when docforge asks for its document: a clause whose `document` is not the
      one asked for is never used (`docforge plugin check` warns about it).
    - **Precedence:** changes are applied layer by layer from the least to the most specific
      jurisdiction (national text first, the village file's own `clauses:` last), within one jurisdiction in plugin-name order and then in
      the order you return them. After all changes the engine numbers the document: chapters and
      articles count through the whole document, sections, subsections and items within their parent.
      So a county article inserted after 第十一条 becomes 第十二条, every later article moves down by one,
      and every `{ref:ID}` shows the number its target ends up with. Two plugins of one jurisdiction
      changing one id differently are a `ConflictError`. Adding an id that exists, placing a clause
      next to an id the document lacks, replacing/removing a missing id, or a `{ref:}` to a clause the
      document lacks stops the run naming your plugin and the clause.

    Example::

        @hookimpl
        def docforge_clauses(document, places, as_of):
            if document != "charter":
                return None
            return [Clause(id="huining.charter.education_aid", document="charter", op="add", type="article",
                           after="charter.incentives", legal_basis="会宁县人口和计划生育村民自治实施方案",
                           text="村委会对计生户子女考入大中专院校的，给予一次性助学补助；具体标准由村民代表会议确定，"
                                "并依照本章程{ref:charter.hearings}的规定公开。"),
                    Clause(id="charter.binding", document="charter", op="remove"),
                    # 第十五条 (hearings) becomes 第二条; every article between moves down by one
                    Clause(id="charter.hearings", document="charter", op="move", after="charter.basis")]
    """


@hookspec
def docforge_layout(document: DocumentKind, places: list[Jurisdiction], as_of: dt.date) -> list[Layout] | None:
    r"""How `document` is printed: title line, adoption line, label punctuation, item numbering.

    - **Arguments:** `document` (the `DocumentKind`), `places`, `as_of`.
    - **Returns:** `list[Layout] | None` (`from docforge.models import Layout`): how the document is printed, as data. A `Layout` names its
      `document` and sets only the fields it gives:

      | field | meaning | national default |
      |---|---|---|
      | `title` | the title line: `{title}` is the title clause's text, `{place:LEVEL}` a place's name (any [placeholder](#clause-text-placeholders) works) | `{place:village}{title}` (charter, convention), `{title}` (agreements) |
      | `adoption_line` | a line under the title (charter and convention only), centred in 楷体: `{adopted_on}` (`2009年5月12日`), `{adopted_on\|cn}` (`二〇〇九年五月十二日`) and `{adopted_by}` from the village file's `charter:` / `convention:` adoption facts; a day or month the village file leaves out prints as blanks (`二〇〇九年　　月　　日`), no date at all as `　　年　　月　　日` | none |
      | `article_separator` | between `第N条` and the article's text, e.g. `：` | `　` (U+3000) |
      | `chapter_separator` | between `第N章` and the chapter's title | `　` |
      | `item_style` | labels of items directly under an article or chapter: `paren` （一）, `comma` 一、, `arabic` 1、, `arabic_dot` 1., `arabic_paren` （1） | `paren` |
      | `clause` | an article's (or any clause's) id: the layout's `item_style` then numbers that clause's items only (whatever their parent type); a `Layout` with `clause` takes no other field | — |

    - **Precedence:** per field (and per `clause`), the most specific jurisdiction wins, then the village
      file's own `layout:` (same fields, later entries win), so a province sets its house style and a
      village changes one field. Two plugins of one jurisdiction that disagree on a field are a
      `ConflictError`. A `clause` the document does not have, and a placeholder the title or adoption
      line does not take, stop the run naming the plugin (or `village file, layout.N`). `explain` lists
      each field with who gave it.

    Example::

        @hookimpl
        def docforge_layout(document, places, as_of):
            if document == "charter":   # 梨洲街道姜家渡村计划生育村民自治章程 / 第一条：… / 1、…
                return [Layout(document="charter", title="{place:township}{place:village}{title}",
                               article_separator="：", item_style="arabic")]
            return None
    """


@hookspec
def docforge_amounts(places: list[Jurisdiction], as_of: dt.date) -> list[Amount] | None:
    """Sums of money: 履约保证金 deposits, 违约金 and fine caps, in yuan.

    - **Arguments:** `places`, `as_of`.
    - **Returns:** a list of `Amount` (`from docforge.models import Amount`) or `None` — a list even
      for one value: a dict of key → sum is refused (`expected a list of Amount, got dict`). An
      `Amount` is a `key` and an `amount` in yuan (`Decimal`, `int` or a decimal string; at most two
      decimals, not negative). Text shows it as `人民币伍佰元整（¥500.00）`. An invalid one stops the run
      naming your plugin, the item and its key: `plugin "henan" returned an invalid Amount from
      docforge_amounts (item 13, key 'deposit.outflow'): amount: Input should be greater than or equal
      to 0 (got -5)`.
    - **Precedence:** per key, the most specific jurisdiction. There is **no national default**: a
      document that needs a key no plugin supplies for the village is refused with a
      `MissingValueError` naming the key, the clause and the village's jurisdiction chain. The keys
      the national texts use are listed under [Amount keys](#amount-keys); your own clauses may use
      keys of your own.

    Example::

        @hookimpl
        def docforge_amounts(places, as_of):
            return [Amount(key="deposit.contraception.two_child", amount=600,
                           legal_basis="会宁县人口和计划生育村民自治实施方案"),
                    Amount(key="fee.inflow.breach", amount=1000, effective_from="2010-01-01")]
    """


@hookspec
def docforge_policies(places: list[Jurisdiction], as_of: dt.date) -> list[PolicyValue] | None:
    """Policy numbers and choices.

    - **Arguments:** `places`, `as_of`.
    - **Returns:** a list of `PolicyValue` (`from docforge.models import PolicyValue`) or `None`. A
      `PolicyValue` is a `key` and a `value`: an `int`, a `str` or a `list[str]`. See
      [Policy keys](#policy-keys).
    - **Precedence:** per key, the most specific jurisdiction. The national layer supplies the
      marriage ages, the hearing frequency, the inflow agreement's 甲方 and the copies lists; the
      numbers the seed redacts (spacing years, age limit, days, months, contact households) have no
      national default. A format that does not fit a value (`{policy:hearing.frequency|cn}`) stops the
      run naming the clause, the plugin that supplied it and the plugin that supplied the value.

    Example::

        @hookimpl
        def docforge_policies(places, as_of):
            return [PolicyValue(key="birth_spacing.years", value=4),
                    PolicyValue(key="inflow.party_a", value="乡镇人民政府"),
                    PolicyValue(key="copies.inflow", value=["甲方", "乙方", "县公证处"])]
    """


@hookspec
def docforge_instruments(places: list[Jurisdiction], as_of: dt.date) -> list[Instrument] | None:
    """Laws, regulations and rules that clauses cite with `{cite:ID}`.

    - **Arguments:** `places`, `as_of`.
    - **Returns:** a list of `Instrument` (`from docforge.models import Instrument, InstrumentVersion,
      ArticleRef`) or `None`. An `Instrument` has an `id`, `name` (without 《》), optional `short_name`
      (for `{cite:ID|short}`), `issuer`, `level` (`law`, `administrative_regulation`,
      `local_regulation`, `rule`, `village_rule`) and `versions`. Each `InstrumentVersion` has a
      `label` (e.g. `2015年修正`), `effective_from` (first day in force), optional `effective_to` (last
      day in force), optional `adopted` (the day it was passed, for the record; resolution reads only
      the in-force dates), `repealed` (`True` for a version that ended by repeal rather than by a newer
      text: give its last day as `effective_to`), optional `name`/`short_name` when the text was
      renamed, and `articles`: stable article ids mapped to `ArticleRef(number=…, summary=…)`, so
      `{cite:population_law#contraception_choice}` prints the article number of the version in force.
      Return every version; the engine picks the one in force on `as_of`.
    - **Precedence:** per instrument id, the most specific jurisdiction (a province supplies
      `province.population_regulation` and `province.migrant_rules`; a plugin may also supply a newer
      version table of a national id). If no version is in force, the last earlier one is cited and
      the document carries a `citation.not_in_force` finding; an article id the version lacks gives
      `citation.article_missing`. Two plugins giving one instrument differently is a conflict that
      lists the fields that differ (`versions[0].effective_from: 2002-12-01 vs 2002-10-01`).

    Example::

        @hookimpl
        def docforge_instruments(places, as_of):
            return [Instrument(id="province.population_regulation", name="甘肃省人口与计划生育条例",
                               issuer="甘肃省人民代表大会常务委员会", level="local_regulation", versions=[
                                   InstrumentVersion(label="2014年修正", adopted="2014-03-26",
                                                     effective_from="2014-03-26", effective_to="2016-03-31"),
                                   InstrumentVersion(label="2016年修正", effective_from="2016-04-01")])]
    """


@hookspec
def docforge_templates(places: list[Jurisdiction], as_of: dt.date) -> list[TemplateOverride] | None:
    """Replacement .docx templates for document kinds.

    - **Arguments:** `places`, `as_of`.
    - **Returns:** a list of `TemplateOverride` (`from docforge.models import TemplateOverride`) or
      `None`: a `document` kind and the `path` of a `.docx` template, absolute or relative to your
      plugin's module file (ship it as package data).
    - **Precedence:** per document kind, the most specific jurisdiction. The template receives the
      [template context](#template-context); a missing file stops the run naming your plugin.

    Example::

        @hookimpl
        def docforge_templates(places, as_of):
            return [TemplateOverride(document="charter", path="templates/charter.docx")]
    """


@hookspec
def docforge_select_agreements(household: Household, village: Village, places: list[Jurisdiction],
                               as_of: dt.date, policies: dict) -> Selection | None:
    """The agreements `household` signs, each with its reason.

    - **Arguments:** `household` (`docforge.models.Household`: the couple, `children`, `hukou`
      户口性质, `contraception` 节育措施, `migration` 流动类型, `arrived_on` 到达现居住地日期 (for an
      inflow couple the day they came, for an outflow couple the day they left; `None` when the
      household file or roster does not give it) …), `village` (`docforge.models.Village`), `places`,
      `as_of`, and `policies`: a dict of every policy key to the value resolved for this village
      (`fertile_age_limit`, `marriage_age.men` …), so rules need not hard-code numbers.
    - **Returns:** one `Selection` (`from docforge.models import Selection`) or `None`: the
      `agreements` the household signs (a list of document kinds) and a `reasons` dict (kind → why;
      `none` → why nothing). An empty list is an answer; `None` leaves the decision to a broader
      jurisdiction. A plugin that declares several places sets `jurisdiction=` on its `Selection`,
      as on every contribution.
    - **Precedence:** the answer of the most specific jurisdiction wins as a whole. Two answers of one
      jurisdiction with different agreements are a `ConflictError`. The national layer implements the
      seed's rules (seed lines 135–139).

    Example::

        @hookimpl
        def docforge_select_agreements(household, village, places, as_of, policies):
            if household.migration == "inflow":
                if household.arrived_on and (as_of - household.arrived_on).days <= 30:
                    return Selection(agreements=[], reasons={"none": "来本村居住不满30日"}, jurisdiction=HENAN)
                return Selection(agreements=["inflow"], reasons={"inflow": "在本辖区暂住的育龄流动人口"},
                                 jurisdiction=HENAN)
            return None
    """


@hookspec
def docforge_legal_checks(document: Document, village: Village, places: list[Jurisdiction],
                          as_of: dt.date) -> list[Finding] | None:
    """Findings for a resolved document: clauses that no longer agree with the law on `as_of`.

    - **Arguments:** `document`, the resolved `docforge.models.Document` (numbered `blocks`, each with
      `id`, `label`, `text`, `tags`, `basis`, `reviewed` and `provenance`; the `values` used; `kind`,
      `as_of`); `village`;
      `places`; `as_of`.
    - **Returns:** a list of `Finding` (`from docforge.models import Finding`) or `None`. A `Finding`
      has a `check` id (printed with it: `[check county.deposit by henan]`), `severity` (`warning`, the
      default, or `error`), the `document` and `clause` it concerns, a `reason` in English and, best,
      a `reason_zh` in Chinese citing the law as it is written
      (《中华人民共和国人口与计划生育法》（2021年修正）第十八条), and the `law`, `version` and `article` it
      rests on. Give `law` as an instrument id (`population_law`,
      `province.population_regulation`): the engine prints the instrument's name in the version in
      force and fills `version` if you leave it out; any other text is printed as it is. Leave
      `plugin` out: the engine sets it to the plugin that supplied the clause (or yours, for a finding
      about no clause) and `checked_by` to your plugin. A block that marks itself `reviewed` for your
      check id should be left alone (`check_id in block.reviewed`).
    - **Precedence:** none: every check of every jurisdiction in the chain runs and the findings add
      up (a plugin's checks run only for villages of its jurisdictions). Findings are printed by
      `render`, listed by `explain` and `check`, and are errors under `check --strict`.

    Example::

        @hookimpl
        def docforge_legal_checks(document, village, places, as_of):
            return [Finding(check="county.deposit", document=document.kind.value, clause=b.id,
                            law="population_law", reason="押金条款须经县司法局审查")
                    for b in document.blocks if "deposit" in b.tags]
    """
