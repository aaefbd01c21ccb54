"""The ``docforge`` command line: click commands only; the work happens in the library.

The group and what its commands share are in :mod:`.base`; the commands, by area, in :mod:`.plugin`,
:mod:`.documents`, :mod:`.bundles` and :mod:`.workbench` (importing them registers them on :data:`cli`).
"""

from __future__ import annotations

from . import plugin, documents, bundles, workbench  # noqa: F401, I001  (registers the commands)
from .base import KINDS, DocforgeCommand, DocforgeGroup, cli, parse_date

__all__ = ["KINDS", "DocforgeCommand", "DocforgeGroup", "cli", "main", "parse_date"]


def main() -> None:
    cli(prog_name="docforge")

