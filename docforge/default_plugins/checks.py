"""The national legal checks: clauses that do not agree with the law in force on the as-of date.

Each check (:data:`CHECKS`) says from which day it applies, which clause tags mark what it looks for
and which patterns find it in the clause text (so that a plugin clause without tags is checked too;
the tags refine, the text is read as well), and which law it rests on: the instrument and article
ids of the registry (``data/instruments.yaml``), cited in the version in force on the as-of date.
Every finding gives its reason in English (``reason``) and in Chinese (``reason_zh``), citing the
law as it is written: 《中华人民共和国人口与计划生育法》（2021年修正）第十八条.

A clause that a plugin author has reviewed marks itself ``reviewed: {check_id: reason}``; that check
then leaves it alone (the reason stays in the clause's data for anyone who reads it).

A repealed or not-yet-in-force citation is reported by the engine itself (``citation.not_in_force``).
:func:`registry_findings` looks at the instruments themselves (provincial migrant rules made under
the repealed national regulation).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Iterable, Iterator

from ..hookspecs import hookimpl
from ..models import NATIONAL, Block, Document, DocumentKind, Finding, Instrument
from ..conventions import ordinal
from .national import national_instruments

D = dt.date
CHOICE_FROM = D(2016, 1, 1)  # 2015年修正: couples choose contraception; two children
VILLAGE_RULES_FROM = D(1998, 11, 4)  # 村民委员会组织法 1998 第二十条
PENALTY_LAW_FROM = D(1996, 10, 1)  # 行政处罚法
DECISION_FROM = D(2021, 6, 26)  # 中共中央、国务院《关于优化生育政策促进人口长期均衡发展的决定》
AMENDMENT_2021 = D(2021, 8, 20)  # 人口与计划生育法 2021年修正
PIPL_FROM = D(2021, 11, 1)  # 个人信息保护法


def _instrument(iid: str) -> Instrument:
    return next(i for i in national_instruments() if i.id == iid)


def repeal_date() -> dt.date:
    """The day the 流动人口计划生育工作条例 ceased to be in force (the repealing decision's date)."""
    return _instrument("state_council.repeal_2021").versions[0].effective_from


@dataclass(frozen=True)
class Cite:
    """A citation of the registry: ``instrument`` id and, optionally, an ``article`` id; ``text`` is
    said instead of the article (e.g. 删去原第四十一条、第四十二条)."""

    instrument: str
    article: str | None = None
    text: str | None = None
    on: dt.date | None = None  # cite the version in force on this day instead of the as-of date

    def resolve(self, as_of: dt.date) -> tuple[str, str | None, str | None]:
        """(name, version label, article) in the version in force on the day."""
        inst = _instrument(self.instrument)
        v = inst.version_on(self.on or as_of)
        name = (v.name if v and v.name else inst.name)
        article = self.text
        if self.article and v and self.article in v.articles:
            article = ordinal(v.articles[self.article].number, "条")
        return name, (v.label if v else None), article

    def zh(self, as_of: dt.date) -> str:
        name, version, article = self.resolve(as_of)
        inst = _instrument(self.instrument)
        if inst.level == "policy":  # 中共中央、国务院《关于…的决定》: the issuer before the title
            return f"{inst.issuer}《{name}》" + (f"（{version}）" if version else "")
        return f"《{name}》" + (f"（{version}）" if version else "") + (article or "")


@dataclass(frozen=True)
class Check:
    id: str
    since: dt.date | None
    reason: str
    reason_zh: str
    cites: tuple[Cite, ...]
    tags: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()  # a sentence that says one of these is not a hit (it negates)
    severity: str = "warning"
    until: dt.date | None = None

    def applies(self, as_of: dt.date) -> bool:
        return (self.since is None or self.since <= as_of) and (self.until is None or as_of <= self.until)

    def hits(self, block: Block) -> bool:
        if self.id in block.reviewed:
            return False
        if any(t in block.tags for t in self.tags):
            return True
        for sentence in re.split(r"[。；;]", block.text):
            if any(re.search(p, sentence) for p in self.patterns) and not any(u in sentence for u in self.unless):
                return True
        return False

    def finding(self, doc: Document, block: Block | None, as_of: dt.date) -> Finding:
        name, version, article = self.cites[0].resolve(as_of)
        # a further citation counts once its instrument is in force (the repeal, from its date)
        cites = [self.cites[0], *(c for c in self.cites[1:] if _instrument(c.instrument).version_on(as_of))]
        zh_law = "、".join(c.zh(as_of) for c in cites)
        return Finding(check=self.id, severity=self.severity, document=doc.kind.value,
                       clause=block.id if block else None,
                       plugin=block.provenance.plugin if block else "checks", law=name, version=version,
                       article=article, reason=self.reason, reason_zh=f"{self.reason_zh}（{zh_law}）")


VCL = Cite("villagers_committee_law", "charter_adoption")
FEE_LAW = Cite("population_law", text="删去原第四十一条、第四十二条")
DECISION = Cite("central_decision_2021")
BIRTH_POLICY = Cite("population_law", "birth_policy")

CHECKS: tuple[Check, ...] = (
    Check("contraception_duty", CHOICE_FROM,
          "imposes contraceptive measures, but since 2016-01-01 couples choose them themselves",
          "设定落实避孕节育措施的义务，但育龄夫妻自主选择避孕节育措施",
          (Cite("population_law", "contraception_choice"),),
          tags=("contraception_duty",),
          patterns=(r"(应|必须|须)(主动|及时)?(采取|落实|选择落实)[^。；，]{0,12}(避孕|节育|长效)",
                    r"(落实|采取)长效", r"(按期|定期)[^。；，]{0,8}(查孕|查环)")),
    Check("pregnancy_termination", AMENDMENT_2021,
          "obliges a woman to terminate a pregnancy (补救措施); no law allows it, and since 2021-08-20 a couple "
          "may have three children with no penalty for any birth",
          "要求终止妊娠（补救措施），没有法律依据；公民有生育的权利，一对夫妻可以生育三个子女，生育不再受处罚",
          (Cite("population_law", "rights_duties"), BIRTH_POLICY, DECISION),
          tags=("pregnancy_termination",),
          patterns=(r"终止妊娠", r"补救措施", r"孕后补救", r"引产", r"人工流产")),
    Check("birth_permit", AMENDMENT_2021,
          "requires a birth permit (生育证, 持证生育); since 2021 births are registered (生育登记服务制度), not permitted",
          "要求办理《生育证》、持证生育；现实行生育登记服务制度，一对夫妻可以生育三个子女",
          (DECISION, BIRTH_POLICY),
          tags=("birth_permit",), patterns=(r"生育证", r"持证生育", r"准生证", r"生育指标"),
          unless=("不再办理", "取消", "不需要", "无需")),
    Check("one_child_advocacy", CHOICE_FROM,
          "advocates one child per couple (少生快富, 只生一孩), against the birth policy of the law in force",
          "提倡一对夫妻只生育一个子女（如“少生快富”“只生一孩”），与现行法律的生育政策不符",
          (BIRTH_POLICY,),
          tags=("one_child_advocacy",),
          patterns=(r"少生快富", r"只生一(个|孩)", r"提倡[^。；，]{0,12}一个子女")),
    Check("forgo_birth_reward", CHOICE_FROM,
          "rewards giving up a lawful birth, against the birth policy of the law in force",
          "奖励放弃依法生育，与现行法律的生育政策不符",
          (BIRTH_POLICY,),
          tags=("forgo_birth_reward",), patterns=(r"放弃[^。；，]{0,4}(二孩|第二个孩子|再生育|生育)",)),
    Check("birth_spacing", AMENDMENT_2021,
          "imposes a birth interval; since 2021-08-20 a couple may have three children with no spacing rule",
          "规定生育间隔；一对夫妻可以生育三个子女，没有生育间隔的要求",
          (BIRTH_POLICY,),
          tags=("birth_spacing",), patterns=(r"生育间隔", r"间隔[^。；]{0,14}年以上"),
          unless=("不再有", "取消", "没有生育间隔", "不受生育间隔")),
    Check("population_goal", AMENDMENT_2021,
          "aims to lower fertility; since 2021-08-20 the law aims at an appropriate fertility level (适度生育水平)",
          "以降低生育水平为目标；现行法律要求推动实现适度生育水平，促进人口长期均衡发展",
          (Cite("population_law", "population_goal"),),
          tags=("population_goal",), patterns=(r"降低生育水平", r"控制人口(数量|增长)")),
    Check("service_access", DECISION_FROM,
          "ties access to medical care, kindergarten or schooling to family-planning status; the 2021 decision "
          "decouples them from births (全面脱钩), and village rules may not contradict state policy",
          "将就医、入园、入学等与是否计划生育挂钩；国家政策要求与个人生育情况全面脱钩，村规民约不得与国家的政策相抵触",
          (DECISION, VCL),
          tags=("service_access",),
          patterns=(r"(优先|限制|不予|凭)[^。；，]{0,24}(就医|医疗|幼儿园|入园|入托|入学|入户|上户)",
                    r"(就医|医疗|幼儿园|入园|入托|入学|入户|上户)[^。；，]{0,8}(等方面)?优先"),
          unless=("不得", "不与", "无关", "脱钩")),
    Check("certificate_licence", DECISION_FROM,
          "makes a residence or business licence depend on a 婚育证明; such conditions were decoupled from births "
          "in 2021 and the regulation behind the 婚育证明 was repealed",
          "将办理暂住证、居住证、营业执照等与交验婚育证明挂钩；国家政策要求与个人生育情况全面脱钩",
          (DECISION, Cite("state_council.repeal_2021")),
          tags=("certificate_licence",),
          patterns=(r"(暂住证|居住证|营业执照|工商|许可证)[^。；]{0,24}婚育证明",
                    r"婚育证明[^。；]{0,24}(暂住证|居住证|营业执照|许可证)")),
    Check("marriage_certificate", None,
          "requires a 婚育证明 under the 流动人口计划生育工作条例, which was repealed in September 2021",
          "要求办理或交验婚育证明，但《流动人口计划生育工作条例》已于2021年9月废止",
          (Cite("state_council.repeal_2021"),),
          tags=("marriage_certificate",), patterns=(r"婚育证明", r"婚育情况证明")),
    Check("public_posting", PIPL_FROM,
          "publishes individual households' births or contraception: sensitive personal information that may not "
          "be made public without the person's separate consent",
          "公开个人的生育、节育情况；生育、健康信息属于敏感个人信息，未经本人单独同意不得公开",
          (Cite("personal_information_protection_law", "no_disclosure"),
           Cite("personal_information_protection_law", "sensitive")),
          tags=("public_posting",),
          patterns=(r"(公开|公示|张榜|公布)[^。；，]{0,14}(生育|节育|避孕|孕情|怀孕)[^。；，]{0,8}(情况|名单|信息)",
                    r"(生育|节育)[^。；]{0,6}(情况|名单)[^。；]{0,6}(公开|公示|张榜)"),
          unless=("不公开", "不得公开", "不予公开", "不涉及")),
    Check("deposit", VILLAGE_RULES_FROM,
          "collects a deposit (履约保证金) from villagers; a village rule may not take villagers' lawful property",
          "向村民收取履约保证金；村民自治章程、村规民约不得有侵犯村民合法财产权利的内容",
          (VCL,),
          tags=("deposit",), patterns=(r"保证金", r"押金"),
          unless=("不收取", "不得收取", "不再收取", "取消", "不交纳", "无需交纳")),
    Check("deposit_forfeit", VILLAGE_RULES_FROM,
          "forfeits a deposit over childbirth or contraception: a village rule may not take villagers' lawful property",
          "以生育、节育为由不予退还保证金；村民自治章程、村规民约不得有侵犯村民合法财产权利的内容",
          (VCL,),
          tags=("deposit_forfeit",),
          patterns=(r"保证金[^。]{0,30}(不再退还|不予退还|不予退回|不退还|不退|没收)",
                    r"(没收|扣除|扣留)[^。；，]{0,6}保证金")),
    Check("fine", PENALTY_LAW_FROM,
          "imposes a fine; only an administrative organ may fine, within its legal powers, and a village "
          "committee or an agreement has no such power",
          "设定罚款；行政处罚只能由具有行政处罚权的行政机关在法定职权范围内实施，村民委员会和协议无权罚款",
          (Cite("administrative_penalty_law", "penalty_authority"),),
          tags=("fine",), patterns=(r"罚款", r"罚金"), unless=("无权罚款", "不得罚款", "不得处以罚款", "不予罚款")),
    Check("social_maintenance_fee", AMENDMENT_2021,
          "collects 社会抚养费, abolished in 2021: the amendment in force 2021-08-20 deleted the former articles 41 "
          "and 42, under the decision of 2021-06-26",
          "征收社会抚养费；社会抚养费已经取消",
          (FEE_LAW, DECISION, Cite("state_council.repeal_2021", text="废止《社会抚养费征收管理办法》")),
          tags=("social_maintenance_fee",), patterns=(r"社会抚养费",), unless=("取消", "不再征收", "不得征收")),
    Check("birth_sanction", AMENDMENT_2021,
          "imposes a penalty tied to births or contraception; the 2021 amendment removed 社会抚养费 and the "
          "penalties tied to births (the decision of 2021-06-26: 清理和废止相关处罚规定)",
          "设定与生育、节育挂钩的处罚；社会抚养费等制约措施已经取消，相关处罚规定已清理和废止",
          (FEE_LAW, DECISION),
          tags=("sanction",), patterns=(r"违法生育", r"违法多生育", r"计划外(怀孕|生育)", r"超生")),
)

CHECK_IDS = tuple(c.id for c in CHECKS)


def _with_repeal(check: Check) -> Check:
    """Checks that rest on the repeal start on its date (the registry's, not a constant here)."""
    if check.id == "marriage_certificate":
        return replace(check, since=repeal_date())
    return check


def clause_findings(doc: Document, as_of: dt.date, checks: Iterable[Check] | None = None) -> Iterator[Finding]:
    """The findings of every check in force on ``as_of`` on each clause of ``doc``."""
    active = [c for c in (_with_repeal(c) for c in (checks or CHECKS)) if c.applies(as_of)]
    for b in doc.blocks:
        if b.type == "title":
            continue
        for check in active:
            if check.id == "birth_sanction" and any(c.id == "social_maintenance_fee" and c.hits(b) for c in active):
                continue  # one finding for a fee clause
            if check.hits(b):
                yield check.finding(doc, b, as_of)


def _filing(doc: Document, village, as_of: dt.date) -> Iterator[Finding]:
    if doc.kind not in (DocumentKind.charter, DocumentKind.convention) or village is None:
        return
    adoption = getattr(village, doc.kind.value)
    filed = adoption.filed_with_township_on
    adopted = adoption.adopted_on is not None and adoption.adopted_on <= as_of
    draft = adoption.adopted_on is not None and adoption.adopted_on > as_of  # filing follows adoption
    if not draft and (filed is None or filed > as_of) and (adopted or adoption.adopted_on is None):
        name, version, article = VCL.resolve(as_of)
        what = "自治章程" if doc.kind == DocumentKind.charter else "自治公约"
        yield Finding(check="not_filed", document=doc.kind.value, plugin="checks", law=name, version=version,
                      article=article,
                      reason=f"the {doc.kind.value} is not filed with the {village.township_government} "
                             f"(报乡镇人民政府备案) as of {as_of.isoformat()}; record filed_with_township_on "
                             f"in the village file once filed",
                      reason_zh=f"截至{as_of.year}年{as_of.month}月{as_of.day}日，{what}尚未报{village.township_government}备案；"
                                f"备案后填写{what}的报乡镇备案日期（工作台「村情」第四步，或村情文件的 "
                                f"{doc.kind.value}.filed_with_township_on）（{VCL.zh(as_of)}）")


def findings(doc: Document, village, as_of: dt.date) -> Iterator[Finding]:
    yield from clause_findings(doc, as_of)
    yield from _filing(doc, village, as_of)


def registry_findings(instruments: Iterable[tuple[Instrument, str]], as_of: dt.date) -> list[Finding]:
    """Findings on the instruments a village's plugins supply (with the plugin that supplied each):
    provincial migrant rules made under the 流动人口计划生育工作条例 and still in force after its repeal
    are a warning that asks their plugin to confirm them (``confirmed_on`` on the version) or end them."""
    repealed = repeal_date()
    if as_of < repealed:
        return []
    out = []
    for inst, plugin in instruments:
        if inst.id == "migrant_regulation" or not (inst.id == "province.migrant_rules" or "流动人口计划生育" in inst.name):
            continue
        v = inst.version_on(as_of)
        if v is None or v.effective_from >= repealed or (v.confirmed_on and v.confirmed_on >= repealed):
            continue
        name = v.name or inst.name
        cite = Cite("state_council.repeal_2021").zh(as_of)
        out.append(Finding(
            check="migrant_rules_repealed_basis", plugin=plugin, law=name, version=v.label,
            reason=f"《{name}》 ({v.label}) was made under the 流动人口计划生育工作条例, repealed on "
                   f"{repealed.isoformat()}; plugin \"{plugin}\" should confirm it is still in force (set "
                   f"confirmed_on on its version) or end it (effective_to)",
            reason_zh=f"《{name}》（{v.label}）依据的《流动人口计划生育工作条例》已于{repealed.isoformat()}废止；"
                      f"请插件“{plugin}”确认该规定是否仍然有效（在该版本上填写 confirmed_on），"
                      f"或写明其失效日期（effective_to）（{cite}）"))
    return out


@hookimpl
def docforge_legal_checks(document, village, places, as_of):
    return [f for f in findings(document, village, as_of)] or None


@hookimpl
def docforge_jurisdictions():
    return [NATIONAL]
