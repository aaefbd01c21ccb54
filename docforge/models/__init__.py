"""Pydantic models: the validated inputs and the resolved output.

Inputs: :class:`Village` (with its place chain), :class:`Household` (with :class:`Person` and
:class:`Child`). Plugin contributions: :class:`Jurisdiction`, :class:`Clause`, :class:`Amount`,
:class:`PolicyValue`, :class:`Instrument`, :class:`TemplateOverride`, :class:`Selection`.
Resolved output: :class:`Document` made of :class:`Block` objects, each with its :class:`Provenance`.

The package's modules: :mod:`.base` (the :class:`Model` base, the inputs' text rule and constrained
text types), :mod:`.places` (levels and jurisdictions), :mod:`.village` (the village file),
:mod:`.households` (the household file), :mod:`.kinds` (the document kinds), :mod:`.contributions`
(what plugins contribute) and :mod:`.resolved` (the resolved output). Their public names are
re-exported here: ``from docforge.models import Clause``.
"""

from __future__ import annotations

from .base import Address, CLAUSE_MAX_CHARS, Model, PersonName, Phone, PlaceName, text_problem
from .contributions import (
    Amount,
    ArticleRef,
    Basis,
    Certainty,
    Clause,
    Contribution,
    Instrument,
    InstrumentVersion,
    ItemStyle,
    Layout,
    LAYOUT_DOCUMENT_FIELDS,
    LAYOUT_FIELDS,
    PolicyValue,
    Selection,
    TemplateOverride,
)
from .households import (
    Child,
    Contraception,
    Household,
    HOUSEHOLD_ID_MAX_BYTES,
    HOUSEHOLD_ID_MAX_CHARS,
    household_id_problem,
    HukouType,
    id_sex,
    Migration,
    Person,
    SPOUSE,
    validate_id_number,
)
from .kinds import AGREEMENTS, BlockType, document_name, DOCUMENT_NAMES, DocumentKind
from .places import Jurisdiction, Level, LOCAL_LEVELS, NATIONAL, PlaceRef
from .resolved import Block, Document, Finding, Party, Provenance, Removal, ValueUse
from .village import ADOPTING_BODIES, Adoption, AdoptionDate, Committee, PartialDate, Place, Village

__all__ = [
    "Address", "ADOPTING_BODIES", "Adoption", "AdoptionDate", "AGREEMENTS", "Amount", "ArticleRef", "Basis",
    "Block", "BlockType", "Certainty", "Child", "Clause", "CLAUSE_MAX_CHARS", "Committee", "Contraception",
    "Contribution", "Document", "document_name", "DOCUMENT_NAMES", "DocumentKind", "Finding", "Household",
    "HOUSEHOLD_ID_MAX_BYTES", "HOUSEHOLD_ID_MAX_CHARS", "household_id_problem", "HukouType", "id_sex",
    "Instrument", "InstrumentVersion", "ItemStyle", "Jurisdiction", "Layout", "LAYOUT_DOCUMENT_FIELDS",
    "LAYOUT_FIELDS", "Level", "LOCAL_LEVELS", "Migration", "Model", "NATIONAL", "PartialDate", "Party",
    "Person", "PersonName", "Phone", "Place", "PlaceName", "PlaceRef", "PolicyValue", "Provenance", "Removal",
    "Selection", "SPOUSE", "TemplateOverride", "text_problem", "validate_id_number", "ValueUse", "Village",
]
