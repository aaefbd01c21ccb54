"""Placeholder substitution: amounts, policy values (and their formats), citations of instruments and
clauses, places and document names in a clause's text."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any


from ..errors import InputError, PluginError
from ..i18n import N_, _, fields, lazy, lazy_date
from ..models import (Block, DocumentKind, Finding, Instrument, Level, Provenance, ValueUse)
from .. import conventions as filters
from .common import PLACEHOLDER, did_you_mean

if TYPE_CHECKING:
    from .resolver import Resolver


class Substitution:
    """Replaces the placeholders of clause text and records each value used."""

    def __init__(self, r: Resolver, kind: DocumentKind, blocks: dict[str, Block], doc_values: dict[str, str | None]):
        self.r, self.kind, self.blocks, self.doc_values = r, kind, blocks, doc_values
        self.uses: list[ValueUse] = []
        self.findings: list[Finding] = []
        self._seen: set[tuple[str, str]] = set()

    def _use(self, kind: str, key: str, value: str, prov: Provenance) -> None:
        if (kind, key) not in self._seen:
            self._seen.add((kind, key))
            self.uses.append(ValueUse(kind=kind, key=key, value=value, provenance=prov))

    def substitute(self, text: str, clause_id: str) -> str:
        if "《" in text and clause_id in self.blocks:
            self.literal_citations(text, clause_id)
        return PLACEHOLDER.sub(lambda m: self._one(m.group(1), m.group(2).strip(), m.group(3), clause_id), text)

    def _one(self, ns: str, key: str, fmt: str | None, clause_id: str) -> str:
        block = self.blocks.get(clause_id)
        needed_by = f"clause '{clause_id}' of {self.kind.value}" + (
            f" (plugin \"{block.provenance.plugin}\")" if block is not None else "")
        if ns == "amount":
            c = self.r.amounts().get(key)
            if c is None:
                return self.r._lack("amount", key, needed_by, f"{{amount:{key}}}")
            out = filters.money(c.item.amount)
            self._use("amount", key, out, c.provenance)
            return out
        if ns == "policy":
            c = self.r.policies().get(key)
            if c is None:
                return self.r._lack("policy value", key, needed_by, f"{{policy:{key}}}")
            out = _format_policy(c.item.value, fmt, key, needed_by, c.provenance.plugin)
            self._use("policy", key, str(c.item.value), c.provenance)
            return out
        if ns == "cite":
            return self._cite(key, fmt, clause_id, needed_by)
        if ns == "ref":
            target = self.blocks.get(key)
            if target is None:
                raise PluginError(_("{needed_by} refers to clause '{key}', which the document does not have "
                                    "(removed by a plugin?)", needed_by=needed_by, key=key)
                                  + did_you_mean([key], self.blocks))
            return target.label.rstrip("、")
        if ns == "place":
            try:
                place = getattr(self.r.village, Level(key).value)
            except (ValueError, AttributeError):
                raise PluginError(_("{needed_by}: unknown place level '{key}'", needed_by=needed_by, key=key)) from None
            if place is None:
                raise InputError(_("{needed_by} names the village's {key}, which the village file does not give",
                                   needed_by=needed_by, key=key))
            if fmt == "government" and key == "township":
                return self.r.village.township_government
            if fmt is not None:
                raise PluginError(_("{needed_by}: format '|{format}' does not apply to {{place:{level}}}; "
                                    "{{place:township|government}} names the township's government",
                                    needed_by=needed_by, format=fmt, level=key))
            return place.name
        if ns == "doc":
            value = self.doc_values.get(key)
            if value is None:
                raise InputError(_("{needed_by} needs the household's {key}: give --household FILE",
                                   needed_by=needed_by, key=key))
            return value
        raise AssertionError(ns)

    def _cite(self, key: str, fmt: str | None, clause_id: str, needed_by: str) -> str:
        inst_id, _, article = key.partition("#")
        c = self.r.instruments().get(inst_id)
        if c is None:
            return self.r._lack("instrument", inst_id, needed_by, f"{{cite:{key}}}")
        inst: Instrument = c.item
        version = inst.version_on(self.r.as_of)
        name = inst.name
        if version is None:
            earlier = [v for v in inst.versions if v.effective_from <= self.r.as_of]
            version = max(earlier, key=lambda v: v.effective_from) if earlier else None
            reason = (lazy("cites {law}, which is no longer in force on {date}", law=inst.name,
                           date=lazy_date(self.r.as_of)) if earlier else
                      lazy("cites {law}, which is not yet in force on {date}", law=inst.name,
                           date=lazy_date(self.r.as_of)))
            self.findings.append(Finding(
                check="citation.not_in_force", document=self.kind.value, clause=clause_id,
                plugin=c.provenance.plugin, law=inst.name, version=version.label if version else None,
                **fields("reason", reason)))
        if version and version.name:
            name = version.name
        if fmt == "short":
            if version and version.name:
                name = version.short_name or version.name
            elif inst.short_name:
                name = inst.short_name
        own = OWN_DOCUMENTS.get(inst_id)
        if own is not None:
            title, title_prov = self.r.document_title(own, full=fmt == "full")
            if fmt == "full" or title_prov.plugin != "national":  # the village's charter has a title of its own
                name = title
        out = f"《{name}》"
        numbers = []
        for one in (a.strip() for a in article.split(",") if a.strip()):
            ref = version.articles.get(one) if version else None
            if ref is None:
                self.findings.append(Finding(
                    check="citation.article_missing", document=self.kind.value, clause=clause_id,
                    plugin=c.provenance.plugin, law=inst.name, version=version.label if version else None,
                    article=one,
                    reason=f"cites article '{one}' of {inst.name}, which the version in force does not have"))
            else:
                numbers.append(ref.number)
        out += "、".join(filters.ordinal(n, "条") for n in numbers)
        self._use("citation", key, out + (f"（{version.label}）" if version else ""), c.provenance)
        return out

    def literal_citations(self, text: str, clause_id: str) -> None:
        """Findings for citations typed into clause text (《…》第N条) of an instrument the registry
        knows: an article number that is not the one in force, or a name the law no longer has; and a
        suggestion of ``{cite:}``, which follows the law when it is renumbered."""
        block = self.blocks.get(clause_id)
        plugin = block.provenance.plugin if block else None
        for m in LITERAL_CITATION.finditer(PLACEHOLDER.sub("\0", text)):
            written = m.group(1)
            found = self.r.instrument_named(written)
            if found is None:
                continue
            inst = found.item
            version = inst.version_on(self.r.as_of)
            as_of = self.r.as_of.isoformat()
            numbers = [_cn_int(n) for n in re.findall(r"第([零〇一二三四五六七八九十百千]+)条", m.group(2) or "")]
            if not numbers:
                current = (version.name if version and version.name else inst.name) if version else None
                own = OWN_DOCUMENTS.get(inst.id)
                if own is not None:
                    title, title_prov = self.r.document_title(own)
                    if title_prov.plugin == "national" or written == title:
                        continue
                    reason = (f"writes 《{written}》 as text, but the village's {own.value} is titled 《{title}》: "
                              f"write {{cite:{inst.id}}} so that the title follows the {own.value}")
                    zh = f"条文中直接写了《{written}》，而本村{OWN_NAME[own]}的标题为《{title}》，请改写为 {{cite:{inst.id}}}。"
                elif version is None:
                    reason = (f"writes 《{written}》 as text, which is not in force on {as_of}; "
                              f"write {{cite:{inst.id}}} to have docforge report which text applies")
                    zh = f"条文中直接写了《{written}》，该文件在{as_of}不在施行期内，请改写为 {{cite:{inst.id}}}。"
                elif written not in {current, version.short_name or inst.short_name}:
                    reason = (f"writes 《{written}》 as text; the text in force on {as_of} is 《{current}》 "
                              f"({version.label}): write {{cite:{inst.id}}} so that the name follows the law")
                    zh = (f"条文中直接写了《{written}》，{as_of}施行的是《{current}》（{version.label}），"
                          f"请改写为 {{cite:{inst.id}}}。")
                else:
                    continue
                self.findings.append(Finding(check="citation.literal", document=self.kind.value, clause=clause_id,
                                             plugin=plugin, law=inst.name, version=version.label if version else None,
                                             reason=reason, reason_zh=zh))
                continue
            for n in numbers:
                self.findings.append(self._literal_article(inst, version, written, n, clause_id, plugin))

    def _literal_article(self, inst: Instrument, version, written: str, n: int, clause_id: str,
                         plugin: str | None) -> Finding:
        as_of = self.r.as_of.isoformat()
        cited = f"《{written}》{filters.ordinal(n, '条')}"
        label = version.label if version else "none in force"
        in_force = next((aid for aid, ref in (version.articles.items() if version else []) if ref.number == n), None)
        if in_force is not None:
            summary = version.articles[in_force].summary
            reason = (f"writes {cited} as text: in the version in force on {as_of} ({label}) it is the article "
                      f"'{in_force}'{('（' + summary + '）') if summary else ''}, but typed text will not follow "
                      f"the law when it is renumbered: write {{cite:{inst.id}#{in_force}}}")
            zh = (f"条文中直接写了{cited}，在{as_of}施行的版本（{label}）中即为该条，但法律修改后条文序号不会随之更新，"
                  f"请改写为 {{cite:{inst.id}#{in_force}}}。")
            article = filters.ordinal(n, "条")
        else:
            moved = [(v, aid) for v in inst.versions for aid, ref in v.articles.items()
                     if ref.number == n and version is not None and aid in version.articles]
            if moved:
                old, aid = moved[-1]
                now = version.articles[aid].number
                article = filters.ordinal(now, "条")
                reason = (f"writes {cited} as text: that is article '{aid}' of {old.label}, which is {article} of "
                          f"the version in force on {as_of} ({label}): write {{cite:{inst.id}#{aid}}}")
                zh = (f"条文中直接写了{cited}，这是{old.label}的条文序号，在{as_of}施行的版本（{label}）中为{article}，"
                      f"请改写为 {{cite:{inst.id}#{aid}}}。")
            else:
                article = None
                reason = (f"writes {cited} as text; docforge's registry does not know which article of {inst.name} "
                          f"that is, so it cannot check it against the version in force on {as_of} ({label}): "
                          f"check it by hand, or give the article an id in the instrument's versions and write "
                          f"{{cite:{inst.id}#ID}}")
                zh = (f"条文中直接写了{cited}，docforge 的法规登记中没有该条，无法与{as_of}施行的版本（{label}）核对，"
                      f"请人工核对，或为该条设置编号后改写为 {{cite:{inst.id}#编号}}。")
        return Finding(check="citation.literal", document=self.kind.value, clause=clause_id, plugin=plugin,
                       law=inst.name, version=version.label if version else None, article=article, reason=reason,
                       reason_zh=zh)


OWN_NAME = {DocumentKind.charter: "村民自治章程", DocumentKind.convention: "村民自治公约"}
#: The village's own documents, citable by the ids of their instruments.
OWN_DOCUMENTS = {"village.charter": DocumentKind.charter, "village.convention": DocumentKind.convention}
#: 《name》 with the article numbers that follow it: 《…》第二十条, 《…》第一条、第二条和第二十七条.
LITERAL_CITATION = re.compile(r"《([^《》\0]+)》((?:(?:[、和及与]|、第)?第[零〇一二三四五六七八九十百千]+条)*)")


def _cn_int(numeral: str) -> int:
    import cn2an

    return int(cn2an.cn2an(numeral.replace("〇", "零"), "smart"))


def _format_policy(value: Any, fmt: str | None, key: str, needed_by: str, supplier: str = "") -> str:
    if fmt is None:
        return "、".join(value) if isinstance(value, list) else str(value)
    if fmt == "cn" and isinstance(value, int):
        return filters.cn_number(value)
    if fmt == "count_cn" and isinstance(value, list):
        return filters.cn_number(len(value))
    if fmt == "holders" and isinstance(value, list):
        return filters.holders_phrase(value)
    fits = {"cn": N_("an int"), "count_cn": N_("a list"), "holders": N_("a list of copy holders")}.get(fmt or "")
    raise PluginError(_("{needed_by}: format '|{format}' does not apply to policy '{key}' = {value}",
                        needed_by=needed_by, format=fmt, key=key, value=repr(value))
                      + (_(' (from plugin "{plugin}")', plugin=supplier) if supplier else "")
                      + (_("; '|{format}' takes {kind}", format=fmt, kind=_(fits)) if fits
                         else _("; the formats are |cn, |count_cn and |holders")))
