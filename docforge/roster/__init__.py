"""Household rosters (户花名册): read .xlsx and .csv files, check every row, and hand the clerk back a
sheet to correct.

A roster has one header row (Chinese or English column names, see :data:`COLUMNS`) and one row per
couple. Rows are streamed, so memory stays flat however long the roster is; only the 户编号 and the
identity numbers already seen are kept, to find duplicates.

- :func:`check_roster` reads the whole file and reports every problem at once (:class:`RosterReport`).
- :func:`iter_households` yields ``(row_number, Household)``; it refuses a roster with errors, or
  with ``skip_bad=True`` skips the bad rows and records them.
- :func:`write_problem_sheet` writes the rows back with a 问题 column and the problem cells
  highlighted; corrected, the sheet reads back as a roster.
- :func:`write_template` writes an empty roster with drop-down lists and cell formats.

The package's modules: :mod:`.cells` (the columns and the reading of one cell), :mod:`.reading`
(encodings, .csv and streamed .xlsx rows, headers), :mod:`.report` (problems and the report),
:mod:`.checking` (rows checked into households: :func:`check_roster`, :func:`iter_households`) and
:mod:`.sheets` (the problems sheet and the template). Their public names are re-exported here.
"""

from __future__ import annotations

from .cells import (
    BY_KEY,
    COLUMNS,
    CONTRACEPTION_WORDS,
    HEADER_INDEX,
    HUKOU_WORDS,
    ID_LIKE,
    IGNORED,
    IGNORED_HEADERS,
    MIGRATION_WORDS,
    PROBLEM_HEADER,
    WINDOWS_EPOCH,
    YES_NO_WORDS,
    CellError,
    Column,
    is_blank,
    known_county,
    normalize_header,
    read_cell,
    read_choice,
    read_count,
    read_date,
    read_id,
    read_text,
)
from .checking import HouseholdStream, birth_date, check_roster, children_from_count, iter_households
from .reading import (
    ENCODING_NAMES,
    LEGACY_ENCODINGS,
    PLAUSIBLE,
    RawRow,
    RosterFile,
    common_hanzi,
    detect_encoding,
    map_headers,
    open_roster,
)
from .report import Problem, ProblemStore, RosterError, RosterReport, SkippedRow
from .sheets import COMMENT_LIMIT, write_problem_sheet, write_template

__all__ = [
    "birth_date", "BY_KEY", "CellError", "check_roster", "children_from_count", "Column", "COLUMNS",
    "COMMENT_LIMIT", "common_hanzi", "CONTRACEPTION_WORDS", "detect_encoding", "ENCODING_NAMES",
    "HEADER_INDEX", "HouseholdStream", "HUKOU_WORDS", "ID_LIKE", "IGNORED", "IGNORED_HEADERS", "is_blank",
    "iter_households", "known_county", "LEGACY_ENCODINGS", "map_headers", "MIGRATION_WORDS",
    "normalize_header", "open_roster", "PLAUSIBLE", "Problem", "PROBLEM_HEADER", "ProblemStore", "RawRow",
    "read_cell", "read_choice", "read_count", "read_date", "read_id", "read_text", "RosterError",
    "RosterFile", "RosterReport", "SkippedRow", "WINDOWS_EPOCH", "write_problem_sheet", "write_template",
    "YES_NO_WORDS",
]
