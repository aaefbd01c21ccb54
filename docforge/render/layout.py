"""Line fitting for the body text: where a paragraph's lines will break, and how tightly to set it.

The templates set the body in 3号 (16 pt) Fang Song on the GB/T 9704 grid: 28 characters a line
(−0.25 pt character spacing), the first line indented two characters. Two flaws of Chinese
typesetting show up on that grid and are fixed here, before LibreOffice lays the page out:

- 孤字成行: the last line of a paragraph holds one or two characters ("行。").
- A stretched line: a unit that may not be broken (an amount such as "（¥300.00）", a date written
  in digits) does not fit at the end of a line, moves down whole, and the justified line before it
  is spaced out by two or more characters' width.

Both are cured the way a typesetter does it: the paragraph is set a little tighter (29 or 30
characters a line instead of 28), which pulls the last characters back or lets the unit fit. The
line grid (22 lines a page) is never touched, and a paragraph that sets well at 28 characters is
left alone. :func:`tightness` predicts LibreOffice's line breaks from the fonts' advance widths and
the line-breaking rules of GB/T 15834 (no closing punctuation at the start of a line, no opening
punctuation at its end, punctuation hanging past the margin, digits and Latin words unbroken);
``tests/test_print.py`` checks the prediction against the PDFs LibreOffice makes.
"""

from __future__ import annotations

from functools import lru_cache

FONT_PT = 16.0
TEXT_WIDTH_PT = 442.2  # A4 (210 mm) less the 28 mm and 26 mm margins
INDENT_EM = 2.0  # first-line indent of a body paragraph
# Character spacing of each level in twips (1/20 pt): the template's styles DFBody/DFLead (level 0)
# and their tighter variants (levels 1, 2). 28, 29 and 30 full-width characters a line.
SPACING_TWIPS = (-5, -16, -26)
LATIN_MARGIN_PT = 3.0

# May not start a line (GB/T 15834 5.1.1-5.1.3): they hang past the margin instead.
CLOSING = set("，。、；：？！）》〉」』】〕”’…—·%")
# May not end a line.
OPENING = set("（《〈「『【〔“‘")
# Half-width characters of Liberation Serif (Times New Roman metrics), in em.
_NARROW = {".": 0.25, ",": 0.25, ":": 0.278, ";": 0.278, " ": 0.25, "-": 0.333, "/": 0.278,
           "(": 0.333, ")": 0.333, "%": 0.833, "¥": 0.5, "$": 0.5}


def _em(ch: str) -> float:
    if ch.isascii() and ch.isdigit():
        return 0.5
    if ch in _NARROW:
        return _NARROW[ch]
    if ch.isascii():
        return 0.72 if ch.isupper() else 0.5
    return 1.0


def _latin(ch: str) -> bool:
    return (ch.isascii() and (ch.isalnum() or ch in ".,:/-%$")) or ch == "¥"


def _units(text: str) -> list[tuple[str, str]]:
    """The text as unbreakable units (body, hanging tail): a Chinese character or a run of Latin
    letters and digits, with the opening punctuation before it and the closing punctuation after."""
    units: list[list[str]] = []
    i, n = 0, len(text)
    while i < n:
        start = i
        while i < n and text[i] in OPENING:
            i += 1
        if i < n and _latin(text[i]):
            while i < n and _latin(text[i]):
                i += 1
        elif i < n:
            i += 1
        body = text[start:i]
        tail_start = i
        while i < n and text[i] in CLOSING:
            i += 1
        units.append([body, text[tail_start:i]])
    return [(b, t) for b, t in units]


def _width(s: str, spacing_pt: float) -> float:
    return sum(_em(ch) * FONT_PT + spacing_pt for ch in s)


def lines(text: str, level: int = 0, indent_em: float = INDENT_EM) -> list[tuple[str, float]]:
    """Predicted lines of ``text`` set at ``level``: each line's text and its slack in points
    (room left before justification; punctuation hanging past the margin counts as fitting)."""
    spacing = SPACING_TWIPS[level] / 20
    out: list[tuple[str, float]] = []
    line, used, room = "", 0.0, TEXT_WIDTH_PT - indent_em * FONT_PT
    for body, tail in _units(text):
        w_body = _width(body, spacing)
        # At most one closing mark hangs past the margin; the rest must fit.
        # One closing mark may hang past the margin after a Chinese character; after Latin text
        # LibreOffice does not hang it (seen in its PDFs), so there the whole tail must fit. Latin
        # widths are the fonts' nominal ones and LibreOffice rounds each glyph, so a unit with
        # Latin in it must also fit with a margin to be sure it does.
        latin = any(_latin(ch) for ch in body)
        w_tail_fit = _width(tail if latin else tail[:-1], spacing)
        margin = LATIN_MARGIN_PT if latin else -0.01
        if line and used + w_body + w_tail_fit > room - margin:
            out.append((line, room - used))
            line, used, room = "", 0.0, TEXT_WIDTH_PT
        line += body + tail
        used += w_body + _width(tail, spacing)
    out.append((line, max(room - used, 0.0)))
    return out


def _flaws(text: str, level: int) -> int:
    ls = lines(text, level)
    flaws = 0
    if len(ls) > 1 and len(ls[-1][0]) <= 2:
        flaws += 1
    for (_line, slack), (nxt, _) in zip(ls, ls[1:]):
        if slack >= 1.5 * FONT_PT and _latin(nxt.lstrip("".join(OPENING))[:1] or " "):
            flaws += 1
    return flaws


@lru_cache(maxsize=4096)
def tightness(text: str) -> int:
    """How tightly to set a body paragraph: 0 (the grid's 28 characters a line), 1 or 2 (29 or 30),
    whichever leaves the fewest 孤字 last lines and stretched lines, the loosest of equals."""
    flaws = [_flaws(text, level) for level in range(len(SPACING_TWIPS))]
    return flaws.index(min(flaws))
