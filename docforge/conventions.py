"""Chinese writing conventions of official documents: money, dates, numerals, labels, party lists.

Every function is pure; the engine (:mod:`docforge.resolve`) and the renderer (as Jinja filters,
:mod:`docforge.render.filters`) use the same. Numerals come from ``cn2an``; this module only adds
the document conventions around them (see ``DOMAIN.md``, "Writing conventions").

Money follows 中国人民银行《支付结算办法》附一《正确填写票据和结算凭证的基本规定》:

* the capitals start with ``人民币``; digits and units are 壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分零整;
  ten is written ``壹拾`` (never a bare ``拾``);
* ``整`` follows ``元`` when there are no 角 and 分, and follows ``角`` when there is no 分 (the
  standard makes it optional after 角; this house style always writes it); never after ``分``;
* when the 角 digit is 0 and the 分 digit is not, ``零`` is written after ``元`` (¥325.04 →
  人民币叁佰贰拾伍元零肆分);
* when the 元 digit is 0 and the 角 digit is not, the standard allows ``零`` after ``元`` or not;
  this house style writes it, the first form the standard gives (¥1,680.32 →
  人民币壹仟陆佰捌拾元零叁角贰分; ¥10.50 → 人民币壹拾元零伍角整);
* inside the integer part, ``cn2an`` writes one ``零`` per run of zeros, except that it omits
  ``零`` before a non-zero 千 digit that follows a zero 万 group (¥107,000.53 →
  人民币壹拾万柒仟元零伍角叁分; also 壹亿壹仟 for 100,001,000), which the standard allows and gives
  as its first form;
* amounts are rounded half-up to 0.01 before anything is written (2.005 → 2.01).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence, Sized
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal, SupportsIndex

import cn2an

from .i18n import gettext as _

__all__ = [
    "BLANK",
    "ItemStyle",
    "blank_date",
    "chapter",
    "cn_date",
    "cn_number",
    "count_cn",
    "holders_phrase",
    "item_label",
    "money",
    "money_capitals",
    "ordinal",
    "partial_date",
    "round_amount",
]

#: One blank character cell of a hand-fill gap: U+3000 IDEOGRAPHIC SPACE. It is one full character
#: wide on the 28-character grid, is not collapsed by HTML or word processors, and is not stretched
#: by justification the way ASCII spaces are.
BLANK = "\u3000"

_CENT = Decimal("0.01")
#: cn2an handles integers of at most 16 digits.
_MAX_AMOUNT = Decimal(10) ** 16

#: Heavenly stems naming the parties of an agreement: 甲方, 乙方, 丙方, ...
_STEMS = "甲乙丙丁戊己庚辛壬癸"

ItemStyle = Literal["paren", "comma", "arabic", "arabic_dot", "arabic_paren"]


# --------------------------------------------------------------------------- numbers


def _natural(n: object, *, minimum: int, what: str) -> int:
    """``n`` as a plain ``int`` not below ``minimum``; ``bool`` and non-integers are rejected."""
    if isinstance(n, bool):
        raise TypeError(f"{what} must be an integer, not a bool")
    try:
        if not isinstance(n, SupportsIndex):  # no __index__
            raise TypeError
        value = operator.index(n)
    except TypeError:
        raise TypeError(f"{what} must be an integer, not {type(n).__name__}") from None
    if value < minimum:
        raise ValueError(f"{what} must be at least {minimum}, got {value}")
    return value


def cn_number(n: int) -> str:
    """A non-negative integer in lower-case Chinese numerals, as statutes and counts write it.

    ``1`` → ``一``, ``10`` → ``十``, ``11`` → ``十一``, ``105`` → ``一百零五``,
    ``110`` → ``一百一十``, ``2`` → ``二`` (never ``两``), ``0`` → ``零``.
    """
    return str(cn2an.an2cn(_natural(n, minimum=0, what="number"), "low"))


def ordinal(n: int, unit: str = "条") -> str:
    """``第`` + numeral + ``unit``: ``ordinal(11)`` → ``第十一条``, ``ordinal(1, "章")`` → ``第一章``."""
    return f"第{cn_number(_natural(n, minimum=1, what='ordinal'))}{unit}"


def chapter(n: int) -> str:
    """A chapter heading number: ``chapter(1)`` → ``第一章``."""
    return ordinal(n, "章")


def count_cn(items: Sized) -> str:
    """The number of ``items`` as a Chinese numeral: two items → ``二`` (as in 一式二份)."""
    return cn_number(len(items))


def item_label(n: int, style: ItemStyle = "comma") -> str:
    """The label of the ``n``-th item of a list, in one of the heading styles of GB/T 9704.

    ``paren`` → ``（一）``, ``comma`` → ``一、``, ``arabic`` → ``1、``, ``arabic_dot`` → ``1.``,
    ``arabic_paren`` → ``（1）``. Parentheses are full-width; the dot is ASCII, as GB/T 9704 prints it.
    """
    n = _natural(n, minimum=1, what="item number")
    if style == "paren":
        return f"（{cn_number(n)}）"
    if style == "comma":
        return f"{cn_number(n)}、"
    if style == "arabic":
        return f"{n}、"
    if style == "arabic_dot":
        return f"{n}."
    if style == "arabic_paren":
        return f"（{n}）"
    raise ValueError(
        f"unknown item label style {style!r}; use one of paren, comma, arabic, arabic_dot, arabic_paren"
    )


# --------------------------------------------------------------------------- money


def round_amount(amount: Decimal | int | float | str) -> Decimal:
    """``amount`` as a ``Decimal`` rounded half-up to 0.01 (``"2.005"`` → ``Decimal("2.01")``).

    Accepts ``Decimal``, ``int``, a decimal string (surrounding whitespace allowed) or a ``float``,
    which is read through its shortest ``repr`` so that ``2.005`` means 2.005 and not the binary
    value just below it. Raises ``ValueError`` for negative, non-finite, unparsable amounts and
    amounts of 10**16 yuan or more; ``TypeError`` for other types (including ``bool``).
    """
    if isinstance(amount, bool):
        raise TypeError(_("amount must be a number, not a bool"))
    if isinstance(amount, Decimal):
        value = amount
    elif isinstance(amount, int):
        value = Decimal(amount)
    elif isinstance(amount, (float, str)):
        text = repr(amount) if isinstance(amount, float) else amount.strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("amount {amount} is not a decimal number", amount=repr(amount))) from None
    else:
        raise TypeError(_("amount must be a Decimal, int, float or str, not {type}", type=type(amount).__name__))
    if not value.is_finite():
        raise ValueError(_("amount {amount} is not a finite number", amount=repr(amount)))
    if value < 0:
        raise ValueError(_("amount {amount} is negative; money amounts must be zero or more", amount=repr(amount)))
    if value >= _MAX_AMOUNT:
        raise ValueError(_("amount {amount} is too large (at most 16 integer digits)", amount=repr(amount)))
    rounded = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    if rounded >= _MAX_AMOUNT:
        raise ValueError(_("amount {amount} is too large (at most 16 integer digits)", amount=repr(amount)))
    return rounded if rounded else Decimal("0.00")  # no "-0.00"


def money_capitals(amount: Decimal | int | float | str) -> str:
    """The amount in capitals, e.g. ``人民币伍佰元整``, ``人民币壹元零伍分``, ``人民币零元整``.

    The rules (《支付结算办法》 and the house decisions) are in the module docstring.
    """
    cents = int(round_amount(amount) * 100)
    if cents == 0:
        return "人民币零元整"
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    parts = ["人民币"]
    if yuan:
        parts += [cn2an.an2cn(yuan, "up"), "元"]
    if not jiao and not fen:
        parts.append("整")
        return "".join(parts)
    if yuan and (not jiao or yuan % 10 == 0):
        parts.append("零")
    if jiao:
        parts += [cn2an.an2cn(jiao, "up"), "角"]
    parts.append(f"{cn2an.an2cn(fen, 'up')}分" if fen else "整")
    return "".join(parts)


def money(amount: Decimal | int | float | str) -> str:
    """Capitals and digits together: ``人民币伍佰元整（¥500.00）``, ``…（¥1,234,567.89）``.

    The digits have thousands separators and two decimals; the parentheses are full-width.
    """
    rounded = round_amount(amount)
    return f"{money_capitals(rounded)}（¥{rounded:,.2f}）"


# --------------------------------------------------------------------------- dates


def cn_date(d: date, style: Literal["arabic", "chinese"] = "arabic") -> str:
    """A date as Chinese documents write it.

    ``arabic`` (default): ``2026年11月30日``, no leading zeros. ``chinese``:
    ``二〇二六年十一月三十日``: the year digit by digit with ``〇`` (not ``零``), month and day as
    numbers (10 → 十, 20 → 二十, 31 → 三十一). A ``datetime`` is accepted and its time ignored.
    """
    if not isinstance(d, date):
        raise TypeError(f"cn_date needs a date, not {type(d).__name__}")
    if style == "arabic":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "chinese":
        year = cn2an.an2cn(str(d.year), "direct").replace("零", "〇")
        return f"{year}年{cn_number(d.month)}月{cn_number(d.day)}日"
    raise ValueError(f"unknown date style {style!r}; use 'arabic' or 'chinese'")


def partial_date(value: object, style: Literal["arabic", "chinese"] = "arabic", width: int = 2) -> str:
    """A date whose day or month may be unknown, with ``width`` :data:`BLANK` cells for each unknown
    part: a ``date`` or ``YYYY-MM-DD`` text as :func:`cn_date` writes it, ``2009-05`` →
    ``2009年5月　　日``, ``2009`` → ``2009年　　月　　日`` (``chinese``: ``二〇〇九年　　月　　日``), and
    ``None`` → a date blank throughout (:func:`blank_date`)."""
    if value is None:
        return blank_date(width)
    if isinstance(value, date):
        return cn_date(value, style)
    parts = [int(x) for x in str(value).split("-")]
    if len(parts) == 3:
        return cn_date(date(*parts), style)
    gap = BLANK * _natural(width, minimum=1, what="blank width")
    year = str(parts[0]) if style == "arabic" else cn2an.an2cn(str(parts[0]), "direct").replace("零", "〇")
    if len(parts) == 2:
        month = str(parts[1]) if style == "arabic" else cn_number(parts[1])
        return f"{year}年{month}月{gap}日"
    return f"{year}年{gap}月{gap}日"


def blank_date(width: int = 4) -> str:
    """A date to be filled in by hand: ``width`` :data:`BLANK` cells before each of 年, 月, 日.

    With the default width: ``"\\u3000\\u3000\\u3000\\u3000年\\u3000\\u3000\\u3000\\u3000月"
    "\\u3000\\u3000\\u3000\\u3000日"``, i.e. ``　　　　年　　　　月　　　　日``. Ideographic spaces are
    used throughout (never ASCII spaces), so each gap is exactly ``width`` character cells.
    """
    gap = BLANK * _natural(width, minimum=1, what="blank width")
    return f"{gap}年{gap}月{gap}日"


# --------------------------------------------------------------------------- parties


def _merge_shared_suffix(items: Sequence[str]) -> str:
    """``["县公证处", "市公证处"]`` → ``县、市公证处`` when every item ends with the same suffix of at
    least two characters and has something before it; otherwise the items joined with ``、``."""
    if len(items) >= 2:
        first = items[0]
        size = 0
        while size < len(first) and all(
            len(item) > size and item[-1 - size] == first[-1 - size] for item in items
        ):
            size += 1
        if size >= 2 and all(len(item) > size for item in items):
            return "、".join(item[:-size] for item in items) + first[-size:]
    return "、".join(items)


def holders_phrase(holders: Sequence[str]) -> str:
    """Who keeps the copies of an agreement, as the copies clause writes it.

    A list that starts with ``甲方, 乙方`` (and possibly ``丙方``, ``丁方`` …, in order) names
    those parties together: ``甲、乙双方``, ``甲、乙、丙三方``. Further holders follow after ``及``,
    merged on a shared suffix of two or more characters: ``["甲方", "乙方", "县公证处", "市公证处"]``
    → ``甲、乙双方及县、市公证处``; ``["甲方", "乙方", "乡镇计生办"]`` → ``甲、乙双方及乡镇计生办``.
    Any other list is joined with ``、``. An empty list or an empty name raises ``ValueError``.
    """
    items = list(holders)
    if not items:
        raise ValueError("holders_phrase needs at least one holder")
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"holder names must be non-empty strings, got {item!r}")
    parties = 0
    while parties < min(len(items), len(_STEMS)) and items[parties] == f"{_STEMS[parties]}方":
        parties += 1
    if parties < 2:
        return "、".join(items)
    count = "双" if parties == 2 else cn_number(parties)
    phrase = "、".join(_STEMS[:parties]) + f"{count}方"
    tail = items[parties:]
    return f"{phrase}及{_merge_shared_suffix(tail)}" if tail else phrase
