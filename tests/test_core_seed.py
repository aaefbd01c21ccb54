"""The six documents of the example village, rendered by ``docforge render`` and read back from the
DOCX, against the seed's annexes (seed/000_eba4149c927f48f4.txt, lines 205–518), clause by clause.

The expected texts below are the seed's sentences as printed there (its ASCII ``,:;`` stand for the
full-width marks it lost in conversion), with each redaction (``*``, ``**``, ``***元``, or a bare
``元`` where the number is missing) written as ``{key}`` and filled with the value of the sample
plugin (docforge-sample-county). Where docforge's base text deliberately differs from the seed (a
typo, a missing word), the difference is spelled out with :func:`fix`, with its reason.
"""

from __future__ import annotations

import re

import pytest
from conftest import HOUSEHOLD_FOR, SEED_AS_OF

# --------------------------------------------------------------------------- the sample plugin's values

VALUES = {
    "deposit.contraception.one_child": "人民币叁佰元整（¥300.00）",
    "deposit.contraception.two_child": "人民币伍佰元整（¥500.00）",
    "deposit.birth_spacing.one_child": "人民币叁佰元整（¥300.00）",
    "deposit.migrant.min": "人民币贰佰元整（¥200.00）",
    "deposit.migrant.max": "人民币伍佰元整（¥500.00）",
    "deposit.outflow": "人民币叁佰元整（¥300.00）",
    "fee.outflow.breach": "人民币贰佰元整（¥200.00）",
    "fee.inflow.breach": "人民币壹仟元整（¥1,000.00）",
    "fine.inflow.no_certificate": "人民币伍佰元整（¥500.00）",
    "birth_spacing.years": "四",
    "outflow.days_away": "30",
    "outflow.missed_report_months": "3",
    "association.contact_min": "5",
    "association.contact_max": "10",
}

VALUE_OF = {v.split("（¥")[1].rstrip("）"): v.split("（")[0] for v in VALUES.values() if v.startswith("人民币")}
FULL_WIDTH = str.maketrans({",": "，", ":": "：", ";": "；"})
NUMERAL = "一二三四五六七八九十"


def s(seed: str) -> str:
    """A seed sentence as docforge prints it: full-width punctuation, ``{key}`` filled."""
    out = re.sub(r"\{([a-z_.]+)\}", lambda m: VALUES[m.group(1)], seed.translate(FULL_WIDTH))
    assert "{" not in out
    return out


def fix(seed: str, old: str, new: str, why: str) -> str:
    """Apply one deliberate editorial difference between the seed and docforge's base text."""
    assert why and seed.count(old) == 1, (old, seed)
    return seed.replace(old, new)


def heading(seed: str) -> str:
    """``第一章总则`` → ``第一章　总则``; ``第一条根据…`` → ``第一条　根据…``."""
    m = re.match(rf"^(第[{NUMERAL}]+[章条])(.+)$", seed)
    assert m, seed
    return f"{m.group(1)}\u3000{s(m.group(2))}"


def item(seed: str) -> str:
    """The seed lost the brackets of inner items: ``一村级…`` → ``（一）村级…``."""
    assert seed[0] in NUMERAL, seed
    return f"（{seed[0]}）{s(seed[1:])}"


BLANK_DATE = "签订时间：\u3000\u3000\u3000\u3000年\u3000\u3000\u3000\u3000月\u3000\u3000\u3000\u3000日"
SIGNATURE = ["甲方法定代表人签章：", "乙方签章：", "签订地点：某某镇某某村村民委员会", BLANK_DATE]

SAME_NAME = ("the seed names the provincial regulation 《某某省人口与计划生育条例》 in its other five "
             "annexes; the province plugin supplies one name")
TYPO_BUJIU = "the seed's 补助措施 is a typo of 补救措施 (the other annexes and the rest of this one say 补救)"

# --------------------------------------------------------------------------- 章程 (seed 207–279)

CHARTER = [
    "某某村人口和计划生育村居民自治章程",  # seed 207: 人口和计划生育村居民自治章程范例, for this village
    heading("第一章总则"),
    heading(fix("第一条根据《人口与计划生育法》和《某某省人口和计划生育条例》等法律、法规的有关规定,按照贯彻落实“依法管理、村居民自治、优质服务、政策推动、综合治理”制度的要求,结合本村社区实际,制定本章程。",
                "人口和计划生育条例", "人口与计划生育条例", SAME_NAME)),
    heading("第二条村民委员会应当充分发挥计生协、妇女、青年、民兵等群团组织在村民自治中的作用,并自觉接受群众组织监督。"),
    heading("第三条本章程对村内已婚育龄夫妇均有约束力,实行章程面前人人平等。"),
    heading("第四条本章程的落实,是在村党支部的领导下,由村民委员会负责组织实施,由村民代表会议监督执行,并负责解释。"),
    heading("第二章村级组织"),
    heading("第五条村计划生育村民自治领导小组,具体领导村内的计划生育各项工作。"),
    heading("第六条村委会组织制定《计划生育村民自治章程》和《计划生育村民自治公约》,并组织引导全体村民共同遵守。"),
    heading("第七条村委会要认真贯彻执行有关法律法规,积极完成人口与计划生育责任目标任务。"),
    heading("第八条每个村委会要设一名计划生育宣传员。每个村民小组指定一名计划生育信息服务员。并注意加强业务培训,不断提高队伍素质。"),
    heading("第九条村委会必须加强计划生育协会组织建设。"),
    item("一村级计划生育协会一般与村委会任期同步,会长由村党支部书记或村主任担任。"),
    item("二每个村民小组要建立一个协会活动小组,组长一般由村民小组长担任。协会活动小组要有必要的学习活动场所和资料。"),
    item("三每个协会会员要主动联系{association.contact_min}—{association.contact_max}户群众,经常上门服务,与她们结成少生快富的对子。"),
    heading("第十条每个村都要建立计划生育协会之家,做到有牌子、有名册、有制度、有资料、有活动、有记录。"),
    heading("第十一条村委会要认真落实对计生户、计生协会会员户的优先、优惠、奖励、扶持、救助的措施。"),
    item("一优先:计生户在承包经济项目、农村合作医疗、孩子进入幼儿园、就医等方面优先。"),
    item("二优惠:计生户承包山林、养殖、种植等项目,给予优惠和照顾。"),
    item("三扶持:对计生户中的特困户给予一定的扶持。"),
    item("四奖励:对符合二孩生育条件自愿报名放弃二孩生育的计生户给予奖、优、免、补的奖励。"),
    item("五救助:对遇到重大困难的计划生育户根据情况给予救助。"),
    heading("第十二条村委会负责协调村计生协、妇女、青年、民兵等组织。在计生工作中,履行好各自的职责,使计划生育工作逐步形成群帮群治的工作局面。"),
    heading("第三章职责"),
    heading("第十三条村级计划生育协会的职责"),
    item("一做好计划生育宣传教育工作"),
    s("宣传计划生育法律法规和党的计划生育方针政策,宣传《人口和计划生育村居民自治章程》、《人口和计划生育村居民自治公约》,宣传实行计划生育的重要意义,宣传优生优育、避孕节育方面的知识,宣传计划生育好人好事、好的做法,向广大村民传授致富技术。"),
    item("二积极参与村民自治"),
    s("协助村两委对《章程》、《公约》不断进行修改和完善,协助村两委搞好计划生育政务公开,组织动员会员带动联系户广泛参与村民自治,积极参与民主决策、民主管理、民主监督,切实维护广大村民的合法权益。"),
    item("三积极参与两个文明建设,自觉做好群众思想工作,积极参与村里开展的精神文明建设活动,组织会员带头参与产业结构调整,带头勤劳致富奔小康。"),
    heading("第十四条村计生宣传员职责"),
    item("一在生育服务方面:承办新婚、出生、避孕节育措施落实、流动人口管理服务,人口与计划生育各种数据上报,二孩生育证申报、办理、发放,组织已婚育龄群众查环、查孕、查病,对意外妊娠的妇女搞好孕后补救服务,做好优生优育工作,建立优生优育档案,做好各项计划生育指导和服务工作。"),
    item("二在生产服务上:为育龄群众提供致富技术、致富信息服务,帮助计生户抓好生产。"),
    item("三在生活服务上:协助村党支部帮助群众解决生活中遇到的困难和问题,帮助群众创建文明幸福家庭,引导群众建立讲究卫生,勤俭持家、婆媳和睦,尊老爱幼的生活方式。"),
    heading("第十五条实行听证会制度。在村党支部的领导下,通过村民代表会、村计生协代表会对计划生育工作应用民主程序管理。听证会每季度举行一次,内容是:符合政策生育的家庭、奖励只生一孩的家庭、落实避孕措施的费用、生育、节育合同的签订、给予帮扶的计生家庭等等。广泛听取村民意见,并接受村民代表会议和共青团、妇代会、民兵、计生协等群众组织的监督。"),
    heading("第四章附则"),
    heading("第十六条本章程自村民会议或村民代表会议通过之日起执行。"),
    # Not in the seed: the sample county's own article (plugins/docforge-sample-county), citing the
    # article of the 村民委员会组织法 in force on the as-of date (1998 text: 第二十条).
    "第十七条\u3000本章程经村民会议或村民代表会议通过后，依照《中华人民共和国村民委员会组织法》第二十条的规定报某某镇人民政府备案。",
]

# --------------------------------------------------------------------------- 公约 (seed 283–307)

CONVENTION = [
    "某某村人口和计划生育村居民自治公约",  # seed 283
    heading("第一条为贯彻落实计划生育基本国策,提高村民自治能力,保障村民依法实行计划生育的权益,促进村委会和其它组织以及村民积极履行计划生育的义务,进一步降低生育水平,促进全村两个文明的健康发展。依据《中华人民共和国人口与计划生育法》、《某某省人口与计划生育条例》及《计划生育村民自治章程》,制定本公约。"),
    heading("第二条本公约对村内各个组织和全体村民具有约束力。"),
    heading("第三条计划生育村民自治,就是要认真贯彻落实“依法管理、村民自治、优质服务、政策推动、综合治理”的二十字方针。通过计划生育村民自治,形成“自我教育、自我管理、自我服务”的新局面。"),
    heading("第四条群众在婚姻、生育、节育方面依照有关法律法规依法实行“四自主”。"),
    item("一凡是符合法定结婚年龄的群众,什么时候结婚自主决定。"),
    item("二凡是符合《婚姻法》规定结了婚的育龄夫妻,什么时候生育第一个孩子自主决定。"),
    item("三凡已生育一个孩子及以上的群众,应主动采取避孕节育措施,生育第二个孩子,间隔必须在{birth_spacing.years}年以上。村委会要搞好避孕节育措施落实方面的服务,把各种节育措施的优、缺点讲清楚,让群众自主选择,采取长效避孕节育措施。"),
    item("四村委会一年组织一次以上孕检,育龄群众可根据自身实际自主决定是否参加孕检。"),
    heading(fix("第五条村委会与已婚育龄对象签订《生育间隔协议书》、《落实避孕节育措施协议书》、《流入流出人口计划生育管理协议书》,实行协议管理,签订协议时,已婚育龄对象须向村委会预交履约保证金,一孩夫妻{deposit.birth_spacing.one_child}生育间隔、避孕节育各{deposit.contraception.one_child},二孩夫妻{deposit.contraception.two_child},流入流出人口夫妻{deposit.migrant.min}至{deposit.migrant.max},履行者协议期限届满如数退回,违约者履约保证金不再退还。",
                "一孩夫妻{deposit.birth_spacing.one_child}生育间隔、避孕节育各{deposit.contraception.one_child}",
                "一孩夫妻生育间隔协议{deposit.birth_spacing.one_child}、避孕节育协议{deposit.contraception.one_child}",
                "the seed's '一孩夫妻***元生育间隔、避孕节育各***元' names one sum per agreement; with the "
                "sums printed it reads as 'each agreement: its sum'")),
    heading("第六条禁止早婚违法生育,禁止违法收养,违者按国家有关法律、法规处理。"),
    heading("第七条在村委会公开栏内,每月公开一次当月的生育、节育情况,每季度召开一次计划生育听证会,由村民代表及计生协会会员代表参加。村委会报告《计划生育村民自治章程》、《计划生育村民自治公约》的执行情况,接受村民的评议和监督。"),
    heading("第八条本公约自村民会议或村民代表会议通过之日起执行。由村民会议或村民代表会议负责解释。村民代表会议、计划生育协会监督计划生育公约的落实情况。"),
]

# --------------------------------------------------------------------------- 落实避孕节育措施协议书 (seed 311–341)

COUPLE_02 = "乙方：某某村村民委员会第一村民小组、王强与赵敏夫妻"  # seed: 乙方:村民委员会村民小组、夫妻

CONTRACEPTION = [
    "落实避孕节育措施协议书",
    "甲方：某某村村民委员会",  # seed 313: 甲方:村民委员会
    COUPLE_02,
    s("根据《中华人民共和国人口与计划生育法》、《某某省人口与计划生育条例》、《计划生育村民自治章程》及《计划生育村民自治公约》规定,经甲、乙双方协商签订本协议,望双方共同遵守。"),
    s("一、甲方的权利和义务"),
    item("一权利"),
    s(fix("甲方督促乙方在生育孩子后半年内选择落实长效避孕节育为主的避孕节育措施不能采取长效避孕节育措施的要有县级以上计划生育部门或医院证明;乙方因落实避孕节育措施失败而计划外怀孕,应督促乙方及时采取补救措施终止妊娠;乙方不按政策规定落实避孕节育措施而造成意外怀孕或违法生育、违法多生育的,甲方有权依法对乙方进行限制和处罚。",
          "避孕节育措施不能", "避孕节育措施,不能", "a comma is missing between the two clauses")),
    item("二义务"),
    s("向乙方进行计划生育政策、法律法规和避孕节育知识的宣传教育,提供安全、有效、适宜的避孕节育技术服务、生殖健康检查及优生优育咨询与指导;每年提供一次以上查孕查环和生殖健康检查服务;若乙方确系节育手术引起并发症、后遗症,应积极与施术单位或其它医疗单位联系并给予治疗。"),
    s(fix("二、乙方权利和义务", "乙方权利", "乙方的权利", "as in 一、甲方的权利和义务 and the other annexes")),
    item("一权利"),
    s("有得到计划生育法律、法规的宣传教育,每年提供一次以上查孕查环和生殖健康检查服务的权利;符合法律、法规规定可以再生育子女的,有不再生育的权利或有申请领取《生育证》后依法生育的权利;确系节育手术引起的并发症、后遗症,有得到免费治疗的权利。"),
    item("二义务"),
    s(fix("乙方有依法实行计划生育的义务,持证生育;有落实长效节育为主的避孕节育措施的义务,生育半年内选择安全、有效适宜的避孕措施不能采取长效避孕节育措施的要有县级以上计划生育部门或医院证明;因避孕措施失效,有及时采取补救措施终止妊娠的义务。",
          "有效适宜的避孕措施不能", "有效、适宜的避孕措施,不能", "as 安全、有效、适宜 everywhere else, and the comma as in 甲方's rights")),
    s("三、违约责任"),
    s("为确保各项义务和权利的落实,乙方签订协议时,必须向甲方预交履约保证金,金额为:一孩夫妻{deposit.contraception.one_child},二孩夫妻{deposit.contraception.two_child}。在规定时间内认真履行了协议的各项规定,如数退回保证金,违约者履约保证金不再退还,并按计生有关法律法规进行处罚。"),
    s(fix("四、本协议经甲、乙双签字盖章后生效。", "双签字", "双方签字", "双 alone is a typo of 双方 (the other annexes)")),
    s("五、本协议一式二份,甲、乙双方各执一份。"),
    *SIGNATURE,
]

# --------------------------------------------------------------------------- 生育间隔协议书 (seed 345–375)

BIRTH_SPACING = [
    "生育间隔协议书",
    "甲方：某某村村民委员会",
    COUPLE_02,
    s("根据《中华人民共和国人口与计划生育法》、《某某省人口与计划生育条例》、《计划生育村民自治章程》及《计划生育村民自治公约》规定,经甲、乙双方协商签订本协议,望双方共同遵守。"),
    s("一、甲方的权利和义务"),
    item("一权利"),
    s("甲方要求乙方严格执行关于“提倡农业人口一对夫妻生育一个子女,符合再生育规定的,生育间隔时间必须满{birth_spacing.years}年以上”的生育政策;督促乙方在生育一孩后半年内落实避孕节育措施;若乙方发生意外怀孕或违法生育行为,依法对乙方进行限制和处罚。"),
    item("二义务"),
    s("甲方向乙方进行计划生育政策法规宣传教育,提供安全、有效、适宜的避孕节育技术服务、优生优育咨询与指导;符合法律、法规规定可以再生育子女的夫妻提出申请的,协助其终止避孕节育措施并核发《生育证》;为乙方提供每年一次的查孕查环和生殖健康检查服务。"),
    s("二、乙方的权利和义务"),
    item("一权利"),
    s("乙方有得到计划生育法律、法规的宣传教育,得到安全、有效、适宜的避孕节育技术服务以及优生优育、生殖健康等咨询指导和技术服务的权利;符合法律、法规规定可以再生育子女的,有不再生育的权利或有申请领取《生育证》后依法生育的权利;在落实避孕节育措施时,有权享受手术免费服务;有获得每年一次以上查孕、查环、查病和生殖健康服务的权利。"),
    item("二义务"),
    s(fix(fix("乙方有依法实行计划生育的义务,持证生育,“提倡农业人口夫妻生育一个子女,依法从严控制生育第二个孩子和生育间隔必须满{birth_spacing.years}年以上”有生育政策;间隔期必须采取长效节育措施,因避孕措施失效,有及时采取补助措施终止妊娠的义务,违反计划生育法律、法规者按有关规定处理。",
              "”有生育政策", "”的生育政策", "as 甲方's rights say: “…”的生育政策"),
          "补助措施", "补救措施", TYPO_BUJIU)),
    s("三、违约责任"),
    s(fix("为确保各项义务和权利的落实,乙方签订协议时,必须向甲方预交履约保证金,金额为:一孩夫妻{deposit.birth_spacing.one_child}。在规定时间内认真履行了协议的各项规定,如数退回保证金,违约者履约金不再退还,并按计生有关法律法规进行处罚。",
          "违约者履约金", "违约者履约保证金", "the deposit is the 履约保证金 named in the same sentence")),
    s("四、本协议经甲、乙双方签字盖章后生效。"),
    s("五、本协议一式二份,甲、乙双方各执一份。"),
    *SIGNATURE,
]

# --------------------------------------------------------------------------- 流出人口计划生育管理协议 (seed 379–441)

OUTFLOW = [
    "流出人口计划生育管理协议",
    "甲方：某某村村民委员会",
    # seed 383–389 (男户籍地址 / 乙方: / 女现居住地址 / 联系电话:), filled from h04-outflow.yaml
    "乙方：",
    "男：杨帆\u3000户籍地址：某某省某某县某某镇某某村第二村民小组\u3000现居住地址：广东省东莞市长安镇乌沙社区",
    "女：黄丽\u3000户籍地址：某某省某某县某某镇某某村第二村民小组\u3000现居住地址：广东省东莞市长安镇乌沙社区",
    "联系电话：13900000004",
    s("为了更好地贯彻执行国家人口与计划生育法律、法规,控制人口数量,提高人口素质,根据《中华人民共和国人口与计划生育法》、《某某省人口与计划生育条例》和《某某省流动人口计划生育管理规定》等法律、法规及我村的村规民约,经甲、乙双方协商签订本协议,须双方共同遵守。"),
    s("一、甲方的权利和义务"),
    item("一权利"),
    s("1、督促乙方执行户籍地的计划生育政策,督促已生育子女的已婚育龄妇女及时落实有效的避孕节育措施,若乙方发生计划外怀孕,甲方应配合现居住地督促乙方采取补救措施终止妊娠;"),
    s("2、乙方违反法律、法规及有关流动人口计划生育管理规定时,依法对其采取措施、限制和处罚。"),
    item("二义务"),
    s("1、负责对流出人员家属宣传计划生育政策法规;"),
    s("2、负责出具流出育龄人员的婚育证明,符合政策法规规定怀孕的,给予办理《生育证》;"),
    s("3、负责配合现居住地查清乙方的生育节育情况。"),
    s("二、乙方的权利和义务"),
    item("一权利"),
    s("1、有得到计划生育政策法规、避孕节育、生殖健康、优生优育等知识宣传、咨询与指导的权利;"),
    s("2、有得到避孕药具和节育技术服务的权利;"),
    s("3、符合法律、政策规定生育的,凭户籍所在地的《生育证》,可以在现居住地生育子女;"),
    s("4、享有查孕、查环等生殖健康服务的权利。"),
    item("二义务"),
    s(fix("1、乙方离开某某县在异地居住{outflow.days_away}天以,从事务工、经商等活动前要到户籍所属村居委会办取婚育情况证明,并到乡镇计生部门办理《流动人口婚育证明》;",
          "天以,", "天以上,", "以 alone is a typo of 以上")),
    s("2、乙方离开户口所在地到现居住地后,必须服从当地计划生育部门管理,定期每季度一次到当地计生部门进行避孕节育情况检查,并将避孕节育情况报告单加盖当地计生服务机构印章带回户籍所在地乡镇计生部门审验;"),
    s("3、乙方符合生育条件,需要在现居住地生育的,必须在户籍地办理《生育证》后始才得怀孕生育;"),
    s("4、乙方预交协议履约保证金{deposit.outflow},协议期满,乙方未违约,由甲方退回本保证金。"),
    s("三、协议期限与《婚育证明》的有效期一致"),
    "2026年1月1日至2028年12月31日。",  # seed 427: 年月日至年月日。 — the household's 婚育证明
    s("四、违约责任"),
    s("1、因甲方未按法律法规、履行职责,而导致乙方未能履行好协议,责任由甲方承担;"),
    s("2、若乙方未及时落实安全、有效、适宜的避孕节育措施而计划外怀孕的,必须自觉采取补救措施,且有关费用全部自理;造成违法生育、违法多生育的,除按法律、法规有关规定追究法律责任外,所预交的协议履约保证金不予退回;连续{outflow.missed_report_months}个月不将现居住地计生部门出具的避孕节育情况报告单寄回乡镇计生办审验,视为违约、并一次性征收违约金{fee.outflow.breach},且必须在规定时间内重新签订协议。"),
    s("3、若乙方拒交违约金,甲方有权拒绝为乙方出具相关证明材料。"),
    s("五、本协议经甲、乙双方签字盖章后生效。"),
    s("六、本协议一式二份,甲、乙双方各执一份。"),
    *SIGNATURE,
]

# --------------------------------------------------------------------------- 流入人口计划生育管理协议 (seed 445–511)

INFLOW = [
    "流入人口计划生育管理协议",
    "甲方：某某村村民委员会",  # the sample plugin keeps the national choice: inflow.party_a = 村民委员会
    # seed 449–457 (乙方:男户籍地址: 现住址: 女户籍地址: 现住址: 联系电话:), filled from h05-inflow.yaml
    "乙方：",
    "男：周杰\u3000户籍地址：四川省成都市双流区某某街道\u3000现居住地址：某某省某某县某某镇某某村第三村民小组",
    "女：吴芳\u3000户籍地址：四川省成都市双流区某某街道\u3000现居住地址：某某省某某县某某镇某某村第三村民小组",
    "联系电话：13700000005",
    s(fix("为了切实加强对流入人口的计划生育管理,确保我县“十五”人口计划的实现,根据国家《流动人口计划生育管理办法》和《某某省流动人口计划生育管理规定》,经甲、乙双方协商签订本协议,望双方共同遵守。",
          "《流动人口计划生育管理办法》", "《流动人口计划生育工作管理办法》",
          "docforge cites the full name of the text in force on the as-of date (the 1998 rules, in force "
          "until 2009-09-30)")),
    s("一、甲方的权利和义务"),
    item("一权利"),
    s("1、查验乙方的《流动人口婚育证明》及计划生育情况,乙方无《婚育证明》的可责令其补办,逾期不补办的,可对其处{fine.inflow.no_certificate}以内罚款;"),
    s("2、督促乙方落实避孕节育措施,若乙方计划外怀孕,督促其终止妊娠;"),
    s("3、若乙方计划外怀孕或违法生育、违法多生育,甲方应配合乡镇人民政府、计生办对乙方采取补救措施终止妊娠或征收社会抚养费、罚款等工作。"),
    item("二义务"),
    s("1、向乙方进行计划生育法律、法规知识的宣传教育;"),
    s("2、向乙方免费提供避孕药具和节育技术服务、咨询与指导;"),
    s("3、向乙方提供查孕查环等生殖健康服务并出具避孕节育情况报告单。"),
    s("二、乙方的权利和义务"),
    item("一权利"),
    s("1、有得到计划生育政策法规、避孕节育、生殖健康、优生优育等知识宣传、咨询与指导的权利;"),
    s("2、有得到避孕药具和节育技术服务的权利;"),
    s(fix("3、符合法律、政策规定生育的,凭户籍口所在地出具的《生育证》,在现居住地生育子女;",
          "户籍口所在地", "户籍所在地", "户籍口 is a typo (户口/户籍所在地)")),
    s("4、有得到查孕查环等生殖健康服务的权利。"),
    item("二义务"),
    s("1、在现居住地办理暂住证、个体工商许可证前,应先向甲方交验《流动人口婚育证明》,接受计划生育情况检查;"),
    s("2、无《婚育证明》的必须补办;"),
    s("3、出现计划外怀孕的必须及时终止妊娠并落实避孕节育措施;"),
    s("4、按期进行查孕查环,并将结果寄户籍所在地计生部门;"),
    s("5、违反计划生育法律、法规的,按政策处理。"),
    s("三、协议期限与《婚育证明》的有效期一致"),
    "2026年3月1日至2029年2月28日。",
    s("四、违约责任"),
    s("1、如果确因甲方为乙方施行节育手术引起并发症、后遗症,经县级以上计划生育技术鉴定组织鉴定属实的,由甲方负责进行治疗;"),
    s(fix("2、乙方因未落实节育措施而计划外怀孕的,必须及时采取补助措施且一切费用自理,造成违法生育的,除按法律、法规规定处罚外,还要向甲方交纳一次性违约金{fee.inflow.breach}。",
          "补助措施", "补救措施", TYPO_BUJIU)),
    s("五、本协议经甲、乙双方签字盖章后生效。"),
    s("六、本协议一式四份,甲、乙双方及县、市公证处各执一份。"),
    *SIGNATURE,
]

EXPECTED = {"charter": CHARTER, "convention": CONVENTION, "contraception": CONTRACEPTION,
            "birth-spacing": BIRTH_SPACING, "outflow": OUTFLOW, "inflow": INFLOW}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The six documents, each rendered once by ``docforge render`` (in-process CLI)."""
    from conftest import VILLAGE, _invoke, docx_paragraphs

    out = tmp_path_factory.mktemp("seed")
    docs = {}
    for kind in EXPECTED:
        path = out / f"{kind}.docx"
        args = ["render", kind, "--village", VILLAGE, "--as-of", SEED_AS_OF.isoformat(), "-o", path]
        if kind in HOUSEHOLD_FOR:
            args += ["--household", HOUSEHOLD_FOR[kind]]
        run = _invoke(*args)
        assert run.code == 0 and run.exception is None, run.output
        docs[kind] = docx_paragraphs(path)
    return docs


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_document_matches_seed_clause_by_clause(rendered, kind):
    got, want = rendered[kind], EXPECTED[kind]
    for n, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"{kind}, paragraph {n + 1}:\n got: {g}\nwant: {w}"
    assert len(got) == len(want), f"{kind}: {len(got)} paragraphs, the seed has {len(want)}: {got[len(want):]}"


def test_charter_numbering_and_chapters(rendered):
    text = rendered["charter"]
    articles = [p.split("\u3000", 1)[0] for p in text if re.match(r"^第.+条\u3000", p)]
    assert articles == [f"第{n}条" for n in
                        "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七".split()]
    assert [p for p in text if re.match(r"^第.+章\u3000", p)] == \
        ["第一章\u3000总则", "第二章\u3000村级组织", "第三章\u3000职责", "第四章\u3000附则"]
    assert [p[:4] for p in rendered["convention"] if re.match(r"^第.条\u3000", p)] == \
        [f"第{n}条\u3000" for n in "一二三四五六七八"]


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_no_redaction_mark_or_empty_amount(rendered, kind):
    text = "\n".join(rendered[kind])
    assert "*" not in text and "＊" not in text
    # a sum with its number missing reads 保证金元 / 违约金元 / 夫妻元 / 处元, or an empty ¥
    assert not re.search(r"(保证金|违约金|夫妻|处|至)元", text)
    assert not re.search(r"¥\s*[）)]|人民币[元（]|人民币$", text, re.M)
    # every sum is written twice, in capitals and digits, and the two agree
    for capitals, digits in re.findall(r"(人民币[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整]+)（¥([\d,]+\.\d\d)）", text):
        assert capitals == VALUE_OF[digits], (capitals, digits)
    assert text.count("人民币") == len(re.findall(r"人民币[^（]+（¥[\d,]+\.\d\d）", text))



@pytest.mark.parametrize("kind", ["contraception", "birth-spacing", "outflow", "inflow"])
def test_agreement_parties_and_signature_block(rendered, kind):
    text = rendered[kind]
    assert text[1] == "甲方：某某村村民委员会" and text[2].startswith("乙方：")
    assert text[-4:] == ["甲方法定代表人签章：", "乙方签章：", "签订地点：某某镇某某村村民委员会", BLANK_DATE]
    copies = [p for p in text if "本协议一式" in p]
    assert len(copies) == 1 and copies[0].endswith("各执一份。")
