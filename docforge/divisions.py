"""GB/T 2260 administrative division codes: their form at each level, and the provinces' codes.

A code is six digits: two for the province (``410000``), two for the prefecture (``411000``), two
for the county (``411082``). Townships (GB/T 10114) and villages carry the statistical codes of
nine and twelve digits that begin with their county's code. Only the province table is kept here:
prefectures and counties change every year, and docforge checks their form, not their list.
"""

from __future__ import annotations

from .i18n import N_, _
from .models import Jurisdiction, Level

PROVINCES = {
    "110000": "北京市", "120000": "天津市", "130000": "河北省", "140000": "山西省", "150000": "内蒙古自治区",
    "210000": "辽宁省", "220000": "吉林省", "230000": "黑龙江省", "310000": "上海市", "320000": "江苏省",
    "330000": "浙江省", "340000": "安徽省", "350000": "福建省", "360000": "江西省", "370000": "山东省",
    "410000": "河南省", "420000": "湖北省", "430000": "湖南省", "440000": "广东省", "450000": "广西壮族自治区",
    "460000": "海南省", "500000": "重庆市", "510000": "四川省", "520000": "贵州省", "530000": "云南省",
    "540000": "西藏自治区", "610000": "陕西省", "620000": "甘肃省", "630000": "青海省", "640000": "宁夏回族自治区",
    "650000": "新疆维吾尔自治区", "710000": "台湾省", "810000": "香港特别行政区", "820000": "澳门特别行政区",
}


def province_of(code: str | None) -> Jurisdiction | None:
    """The province a division code lies in, from the table."""
    if not code or len(code) < 2 or not code[:2].isdigit():
        return None
    prov = code[:2] + "0000"
    name = PROVINCES.get(prov)
    return Jurisdiction(level=Level.province, name=name, code=prov) if name else None


def code_problem(j: Jurisdiction) -> str | None:
    """What is wrong with ``j``'s code for its level, as a sentence with the fix, or None."""
    code, level = j.code, j.level
    if level == Level.national or code is None:
        return None
    form = {Level.province: N_("a province code is six digits ending in 0000 (河南省: 410000)"),
            Level.prefecture: N_("a prefecture code is six digits ending in 00 but not 0000 (许昌市: 411000)"),
            Level.county: N_("a county code is six digits not ending in 00 (长葛市: 411082)"),
            Level.township: N_("a township code is nine digits beginning with its county's code (GB/T 10114)"),
            Level.village: N_("a village code is twelve digits beginning with its township's code")}[level]
    digits = {Level.township: 9, Level.village: 12}.get(level, 6)
    ok = code.isdigit() and len(code) == digits
    if ok and level == Level.province:
        ok = code.endswith("0000")
    elif ok and level == Level.prefecture:
        ok = code.endswith("00") and not code.endswith("0000")
    elif ok and level == Level.county:
        ok = not code.endswith("00")
    if not ok:
        return _("{place}: the code '{code}' is not a GB/T 2260 {level} code; {form}", place=j, code=code,
                 level=level.value, form=_(form))
    province = province_of(code)
    if province is None:
        return _("{place}: the code '{code}' begins with {prefix}, which is no province's code (GB/T 2260)",
                 place=j, code=code, prefix=code[:2])
    if level == Level.province and province.name != j.name:
        return _("{place}: the code {code} is {province}'s; check the name or the code", place=j, code=code,
                 province=province.name)
    return None


def contains(outer: Jurisdiction, inner: Jurisdiction) -> bool | None:
    """Whether ``outer`` (a broader level) contains ``inner`` by their codes; None when a code is missing."""
    if not outer.code or not inner.code or outer.level.rank >= inner.level.rank:
        return None
    prefix = {Level.province: 2, Level.prefecture: 4, Level.county: 6, Level.township: 9}.get(outer.level)
    if prefix is None:
        return None
    return inner.code[:prefix] == outer.code[:prefix]
