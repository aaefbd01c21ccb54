"""The Jinja filters of the templates: the text conventions of :mod:`docforge.conventions`."""

from ..conventions import (BLANK, blank_date, chapter, cn_date, cn_number, count_cn, holders_phrase, item_label, money,
                           money_capitals, ordinal, partial_date, round_amount)

__all__ = ["BLANK", "blank_date", "chapter", "cn_date", "cn_number", "count_cn", "holders_phrase", "item_label",
           "money", "money_capitals", "ordinal", "partial_date", "round_amount"]
