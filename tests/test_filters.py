"""Golden and property tests for docforge.render.filters."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from docforge.conventions import (
    BLANK,
    blank_date,
    chapter,
    cn_date,
    cn_number,
    count_cn,
    holders_phrase,
    item_label,
    money,
    money_capitals,
    ordinal,
    round_amount,
)

# --------------------------------------------------------------------------- an independent parser
# Reads capitals / lower-case numerals back to a value, so the property tests do not trust cn2an.

_DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")} | {c: i for i, c in enumerate("零一二三四五六七八九")}
_SMALL = {"拾": 10, "佰": 100, "仟": 1000, "十": 10, "百": 100, "千": 1000}


def parse_integer(text: str) -> int:
    total = group = section = digit = 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in _SMALL:
            section += (digit or (1 if _SMALL[ch] == 10 else 0)) * _SMALL[ch]
            digit = 0
        elif ch == "万":
            group += (section + digit) * 10**4
            section = digit = 0
        elif ch == "亿":
            total = (total + group + section + digit) * 10**8
            group = section = digit = 0
        else:
            raise AssertionError(f"unexpected character {ch!r} in {text!r}")
    return total + group + section + digit


def parse_money(text: str) -> Decimal:
    assert text.startswith("人民币")
    body = text[3:].removesuffix("整")
    yuan = 0
    if "元" in body:
        integer, body = body.split("元")
        yuan = parse_integer(integer)
    cents = 0
    digit = None
    for ch in body:
        if ch == "零":
            continue
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch in "角分":
            assert digit is not None
            cents += digit * (10 if ch == "角" else 1)
            digit = None
        else:
            raise AssertionError(f"unexpected character {ch!r} in {text!r}")
    assert digit is None
    return Decimal(yuan) + Decimal(cents) / 100


# --------------------------------------------------------------------------- money: golden

MONEY_CAPITALS = [
    (500, "人民币伍佰元整"),
    (0, "人民币零元整"),
    ("0.00", "人民币零元整"),
    (1005, "人民币壹仟零伍元整"),
    (10, "人民币壹拾元整"),
    (100000, "人民币壹拾万元整"),
    (Decimal("0.5"), "人民币伍角整"),
    (Decimal("0.05"), "人民币伍分"),
    (Decimal("1.05"), "人民币壹元零伍分"),
    (Decimal("1.50"), "人民币壹元伍角整"),
    (Decimal("1234567.89"), "人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"),
    (100010, "人民币壹拾万零壹拾元整"),
    (Decimal("2.005"), "人民币贰元零壹分"),
    # The examples of 《支付结算办法》附一 (first form where the standard allows two; 整 after 角
    # is optional there and always written here).
    (Decimal("1409.50"), "人民币壹仟肆佰零玖元伍角整"),
    (Decimal("6007.14"), "人民币陆仟零柒元壹角肆分"),
    (Decimal("1680.32"), "人民币壹仟陆佰捌拾元零叁角贰分"),
    (Decimal("107000.53"), "人民币壹拾万柒仟元零伍角叁分"),
    (Decimal("16409.02"), "人民币壹万陆仟肆佰零玖元零贰分"),
    (Decimal("325.04"), "人民币叁佰贰拾伍元零肆分"),
    # Further zero handling.
    (Decimal("10.50"), "人民币壹拾元零伍角整"),
    (Decimal("10.05"), "人民币壹拾元零伍分"),
    (Decimal("100.55"), "人民币壹佰元零伍角伍分"),
    (Decimal("0.55"), "人民币伍角伍分"),
    (Decimal("0.01"), "人民币壹分"),
    (11, "人民币壹拾壹元整"),
    (110, "人民币壹佰壹拾元整"),
    (2000, "人民币贰仟元整"),
    (10010, "人民币壹万零壹拾元整"),
    (1000100, "人民币壹佰万零壹佰元整"),
    (1010000, "人民币壹佰零壹万元整"),
    (100000001, "人民币壹亿零壹元整"),
    (100100000, "人民币壹亿零壹拾万元整"),
]


@pytest.mark.parametrize(("amount", "expected"), MONEY_CAPITALS)
def test_money_capitals_golden(amount, expected):
    assert money_capitals(amount) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (500, "人民币伍佰元整（¥500.00）"),
        (0, "人民币零元整（¥0.00）"),
        (Decimal("1234567.89"), "人民币壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分（¥1,234,567.89）"),
        (Decimal("2.005"), "人民币贰元零壹分（¥2.01）"),
        (1005, "人民币壹仟零伍元整（¥1,005.00）"),
        (Decimal("0.05"), "人民币伍分（¥0.05）"),
    ],
)
def test_money_golden(amount, expected):
    assert money(amount) == expected


@pytest.mark.parametrize(
    "amount",
    [Decimal("1.05"), 1.05, "1.05", " 1.05 ", "1.050", Decimal("1.0500001"), Decimal("1.049999999999999999999999")],
)
def test_money_input_types(amount):
    assert money(amount) == "人民币壹元零伍分（¥1.05）"


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("2.005", "2.01"),
        (2.005, "2.01"),  # read through repr, not the binary value 2.00499…
        (2.675, "2.68"),
        ("0.004", "0.00"),
        ("0.005", "0.01"),
        ("1.995", "2.00"),
        ("9.999", "10.00"),
        (Decimal("-0"), "0.00"),
        ("1e3", "1000.00"),
    ],
)
def test_round_amount_half_up(amount, rounded):
    result = round_amount(amount)
    assert str(result) == rounded


def test_money_carry_from_rounding():
    assert money("9.999") == "人民币壹拾元整（¥10.00）"
    assert money(Decimal("-0")) == "人民币零元整（¥0.00）"


@pytest.mark.parametrize("amount", [-1, Decimal("-0.01"), "-0.001", -0.5, "abc", "", "NaN", "Infinity", 10**16])
def test_money_rejects_bad_values(amount):
    with pytest.raises(ValueError):
        money(amount)


@pytest.mark.parametrize("amount", [True, None, [1], object()])
def test_money_rejects_bad_types(amount):
    with pytest.raises(TypeError):
        money_capitals(amount)


def test_money_largest_amount():
    largest = Decimal("9999999999999999.99")
    assert parse_money(money_capitals(largest)) == largest
    with pytest.raises(ValueError):
        money("9999999999999999.995")  # rounds up to 10**16


# --------------------------------------------------------------------------- money: properties

ALLOWED = set("人民币壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分零整")


def _check_capitals(amount: Decimal, text: str) -> None:
    assert text.startswith("人民币"), text
    assert text.endswith(("整", "分")), text
    assert not text.endswith("分整"), text
    assert "零零" not in text, text
    assert set(text) <= ALLOWED, text
    assert "零元" not in text or text == "人民币零元整", text
    assert not text[3:].startswith("零") or text == "人民币零元整", text
    assert text.count("整") <= 1, text
    for i, ch in enumerate(text):
        if ch in "拾佰仟角分":  # always after a non-zero digit: 壹拾, never a bare 拾 or 零拾
            assert text[i - 1] in "壹贰叁肆伍陆柒捌玖", text
        if ch in "万亿元" and text != "人民币零元整":
            assert text[i - 1] not in "零币", text
    assert parse_money(text) == amount, text


@pytest.mark.parametrize("start", range(0, 137, 17))
def test_money_capitals_properties_yuan(start):
    for yuan in range(start, 100001, 137):
        _check_capitals(Decimal(yuan), money_capitals(yuan))


def test_money_capitals_properties_cents():
    for cents in range(0, 10_000_000, 1237):
        amount = Decimal(cents) / 100
        _check_capitals(amount, money_capitals(amount))
    for cents in range(0, 100):  # every 角/分 combination, with and without a 元 part ending in 0
        for yuan in (0, 1, 10, 100, 1001):
            amount = Decimal(yuan) + Decimal(cents) / 100
            text = money_capitals(amount)
            _check_capitals(amount, text)
            if cents % 10 == 0 and cents:
                assert text.endswith("角整"), text
            if yuan and cents and (cents < 10 or yuan % 10 == 0):
                assert "元零" in text, text


def test_money_capitals_properties_large():
    values = [int("1" + "0" * k + "1") for k in range(15)] + [10**k for k in range(16)]
    values += [int(s) for s in ("100001000", "1000010000", "120000000000", "3000000000000003")]
    for yuan in values:
        _check_capitals(Decimal(yuan), money_capitals(yuan))


def test_money_digits_have_separators():
    assert money(1234567).endswith("（¥1,234,567.00）")
    assert money(999).endswith("（¥999.00）")
    assert money(1000).endswith("（¥1,000.00）")


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("d", "arabic", "chinese"),
    [
        (date(2026, 11, 30), "2026年11月30日", "二〇二六年十一月三十日"),
        (date(2026, 1, 5), "2026年1月5日", "二〇二六年一月五日"),
        (date(2006, 10, 10), "2006年10月10日", "二〇〇六年十月十日"),
        (date(2000, 12, 20), "2000年12月20日", "二〇〇〇年十二月二十日"),
        (date(2021, 8, 31), "2021年8月31日", "二〇二一年八月三十一日"),
        (date(2016, 2, 29), "2016年2月29日", "二〇一六年二月二十九日"),
        (date(1998, 11, 4), "1998年11月4日", "一九九八年十一月四日"),
    ],
)
def test_cn_date_golden(d, arabic, chinese):
    assert cn_date(d) == arabic
    assert cn_date(d, "arabic") == arabic
    assert cn_date(d, style="chinese") == chinese


def test_cn_date_properties():
    day = date(1990, 1, 1)
    while day < date(2040, 1, 1):
        text = cn_date(day, "chinese")
        assert "零" not in text and "两" not in text
        year, rest = text.split("年")
        month, rest = rest.split("月")
        assert rest.endswith("日")
        assert len(year) == 4
        assert "".join(str(_DIGITS[c.replace("〇", "零")]) for c in year) == str(day.year)
        assert parse_integer(month) == day.month
        assert parse_integer(rest[:-1]) == day.day
        assert cn_date(day) == f"{day.year}年{day.month}月{day.day}日"
        day += timedelta(days=13)


def test_cn_date_accepts_datetime():
    assert cn_date(datetime(2026, 11, 30, 23, 59)) == "2026年11月30日"


def test_cn_date_rejects_bad_input():
    with pytest.raises(ValueError):
        cn_date(date(2026, 1, 1), "roman")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cn_date("2026-01-01")  # type: ignore[arg-type]


def test_blank_date():
    gap = "\u3000" * 4
    assert BLANK == "\u3000"
    assert blank_date() == f"{gap}年{gap}月{gap}日"
    assert blank_date() == "　　　　年　　　　月　　　　日"
    assert " " not in blank_date()
    assert blank_date(2) == "\u3000\u3000年\u3000\u3000月\u3000\u3000日"
    with pytest.raises(ValueError):
        blank_date(0)


# --------------------------------------------------------------------------- numerals


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "零"),
        (1, "一"),
        (2, "二"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (21, "二十一"),
        (100, "一百"),
        (105, "一百零五"),
        (110, "一百一十"),
        (111, "一百一十一"),
        (200, "二百"),
        (1000, "一千"),
        (2000, "二千"),
        (1010, "一千零一十"),
        (10000, "一万"),
        (100000, "十万"),
    ],
)
def test_cn_number_golden(n, expected):
    assert cn_number(n) == expected


def test_cn_number_properties():
    for n in range(0, 20001):
        text = cn_number(n)
        assert parse_integer(text) == n, text
        assert "两" not in text
        assert "零零" not in text
        assert n == 0 or not text.endswith("零")
        if 10 <= n < 20:
            assert text.startswith("十")


@pytest.mark.parametrize("bad", [-1, 1.0, "3", True, None])
def test_cn_number_rejects_bad_input(bad):
    with pytest.raises((TypeError, ValueError)):
        cn_number(bad)


@pytest.mark.parametrize(
    ("n", "unit", "expected"),
    [(1, "条", "第一条"), (11, "条", "第十一条"), (110, "条", "第一百一十条"), (4, "章", "第四章"), (2, "节", "第二节")],
)
def test_ordinal(n, unit, expected):
    assert ordinal(n, unit) == expected


def test_ordinal_default_and_chapter():
    assert ordinal(11) == "第十一条"
    assert chapter(1) == "第一章"
    assert chapter(4) == "第四章"
    with pytest.raises(ValueError):
        ordinal(0)


@pytest.mark.parametrize(
    ("n", "style", "expected"),
    [
        (1, "paren", "（一）"),
        (1, "comma", "一、"),
        (1, "arabic", "1、"),
        (1, "arabic_dot", "1."),
        (1, "arabic_paren", "（1）"),
        (12, "paren", "（十二）"),
        (3, "comma", "三、"),
        (10, "arabic", "10、"),
        (2, "arabic_dot", "2."),
        (11, "arabic_paren", "（11）"),
    ],
)
def test_item_label(n, style, expected):
    assert item_label(n, style) == expected


def test_item_label_rejects_bad_input():
    with pytest.raises(ValueError):
        item_label(1, "roman")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        item_label(0, "comma")


@pytest.mark.parametrize(("items", "expected"), [(["甲", "乙"], "二"), ([1, 2, 3, 4], "四"), ((), "零"), ("一二三", "三")])
def test_count_cn(items, expected):
    assert count_cn(items) == expected


# --------------------------------------------------------------------------- holders


@pytest.mark.parametrize(
    ("holders", "expected"),
    [
        (["甲方", "乙方"], "甲、乙双方"),
        (["甲方", "乙方", "县公证处", "市公证处"], "甲、乙双方及县、市公证处"),
        (["甲方", "乙方", "乡镇计生办"], "甲、乙双方及乡镇计生办"),
        (["甲方", "乙方", "丙方"], "甲、乙、丙三方"),
        (["甲方", "乙方", "丙方", "丁方"], "甲、乙、丙、丁四方"),
        (["甲方", "乙方", "丙方", "县公证处", "市公证处"], "甲、乙、丙三方及县、市公证处"),
        (["甲方", "乙方", "县人民政府", "乡镇人民政府"], "甲、乙双方及县、乡镇人民政府"),
        (["甲方", "乙方", "乡镇计生办", "县公证处"], "甲、乙双方及乡镇计生办、县公证处"),
        (["甲方", "乙方", "县卫生局", "市公安局"], "甲、乙双方及县卫生局、市公安局"),  # suffix 局 is one char
        (["甲方", "乙方", "公证处", "县公证处"], "甲、乙双方及公证处、县公证处"),  # nothing before the suffix
        (["村民委员会", "村民小组"], "村民委员会、村民小组"),
        (["县公证处", "市公证处"], "县公证处、市公证处"),
        (["乙方", "甲方"], "乙方、甲方"),
        (["甲方"], "甲方"),
        (["甲方", "县公证处"], "甲方、县公证处"),
        (["甲方", "丙方"], "甲方、丙方"),
    ],
)
def test_holders_phrase(holders, expected):
    assert holders_phrase(holders) == expected


def test_holders_phrase_rejects_empty():
    with pytest.raises(ValueError):
        holders_phrase([])
    with pytest.raises(ValueError):
        holders_phrase(["甲方", ""])
