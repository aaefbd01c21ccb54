"""Resolution: the place chain and precedence.

For a village and an as-of date, ask every plugin for its contributions, keep those for the village's
jurisdictions that are in force, let the most specific jurisdiction win (never load order), and
assemble a numbered :class:`~docforge.models.Document` whose every value keeps its provenance.

The parts: :mod:`.resolver` (:class:`Resolver`), :mod:`.tree` (the clause tree), :mod:`.substitution`
(placeholders, citations, policy formats), :mod:`.conflicts` (disagreeing contributions), :mod:`.layout`
(layout values) and :mod:`.common` (what they share). Their public names are importable from here.
"""

from __future__ import annotations

from .common import PLACEHOLDER, VALUE_KINDS, VILLAGE_FILE, Contributed, MissingValue, chain_text, did_you_mean
from .conflicts import check_layer_conflicts, conflict, differences
from .layout import LayoutValue, layout_error, layout_value, layout_values, unknown_placeholders
from .resolver import ADOPTION_PLACEHOLDER, FORM_PLACEHOLDER, N_CODES_DIFFER, N_NAMES_DIFFER, SIGN_PLACE, Resolver
from .substitution import LITERAL_CITATION, OWN_DOCUMENTS, OWN_NAME, Substitution
from .tree import ClauseTree

__all__ = [
    "ADOPTION_PLACEHOLDER", "FORM_PLACEHOLDER", "LITERAL_CITATION", "N_CODES_DIFFER", "N_NAMES_DIFFER",
    "OWN_DOCUMENTS", "OWN_NAME", "PLACEHOLDER", "SIGN_PLACE", "VALUE_KINDS", "VILLAGE_FILE", "ClauseTree",
    "Contributed", "LayoutValue", "MissingValue", "Resolver", "Substitution", "chain_text",
    "check_layer_conflicts", "conflict", "did_you_mean", "differences", "layout_error", "layout_value",
    "layout_values", "unknown_placeholders",
]
