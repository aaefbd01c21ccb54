"""Where a bundle run's households come from: one type, :class:`Households`, for household files
(few: read and checked before anything is written), validated models given by a library caller,
and a roster streamed row by row (:func:`docforge.roster.iter_households`; a roster with errors is
refused before anything is written, unless ``skip_bad`` leaves the bad rows out and records them).

A run takes ``bind`` (the village, its file and the as-of date) and then iterates the source for
:class:`~docforge.packet.HouseholdSource` items; :func:`unique` is the run's one check that each
household id appears once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence, Sized
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .compact import IdSet
from .errors import InputError
from .i18n import LazyText, _, lazy, ngettext
from .models import Household, Village
from .packet import HouseholdSource, InputFile

if TYPE_CHECKING:
    from .roster import HouseholdStream, RosterReport


class Households:
    """A run's households, in the run's order. Subclasses say where they come from."""

    #: The run-level input file the manifest lists (a roster), if any.
    input: InputFile | None = None
    #: Bad rows are left out and recorded (:meth:`skip`) instead of stopping the run.
    skip_bad: bool = False
    #: Read and checked whole before anything is written.
    eager: bool = False

    def bind(self, village: Village, village_input: InputFile, as_of: dt.date) -> None:
        """The run's village, its file and the as-of date, given before iterating."""

    def __iter__(self) -> Iterator[HouseholdSource]:
        raise NotImplementedError

    def total(self) -> int | None:
        """How many households, once the first one was taken (None: not known until the end)."""
        return None

    def where(self, src: HouseholdSource) -> str:
        """Where a household came from, for an error message."""
        return src.input.path if src.input else "-"

    def earlier(self, household_id: str) -> str | None:
        """Where the first household with this id came from, if the source can say."""
        return None

    def skip(self, src: HouseholdSource, reasons: list[LazyText]) -> None:
        """Leave a household out (only with ``skip_bad``)."""
        raise NotImplementedError

    def skipped(self) -> list[dict[str, Any]]:
        """The manifest's ``skipped`` list: rows left out, with their reasons."""
        return []

    def summary(self) -> dict[str, Any] | None:
        """The manifest's ``roster`` entry, for a roster."""
        return None


class HouseholdModels(Households):
    """Validated households given by a library caller, in the order given, each with the input
    file the manifest lists for it (or None)."""

    def __init__(self, items: Iterable[HouseholdSource | tuple[Household, InputFile | None]]):
        self.items = items

    def __iter__(self) -> Iterator[HouseholdSource]:
        for s in self.items:
            yield s if isinstance(s, HouseholdSource) else HouseholdSource(*s)

    def total(self) -> int | None:
        return len(self.items) if isinstance(self.items, Sized) else None


class HouseholdFiles(Households):
    """Household files (one per ``--household``), in the order of their household ids."""

    eager = True

    def __init__(self, paths: Sequence[Path | str]):
        self.paths = [Path(p) for p in paths]
        self._sources: list[HouseholdSource] = []

    def bind(self, village: Village, village_input: InputFile, as_of: dt.date) -> None:
        from .inputs import load_household

        self._sources = []
        for path in self.paths:
            h = load_household(path)  # the model refuses an id that cannot name a folder
            self._sources.append(HouseholdSource(h, InputFile.of("household", path, h.id)))
        self._sources.sort(key=lambda s: s.household.id)

    def __iter__(self) -> Iterator[HouseholdSource]:
        return iter(self._sources)

    def total(self) -> int | None:
        return len(self._sources)

    def earlier(self, household_id: str) -> str | None:
        return next((s.input.path for s in self._sources if s.household.id == household_id and s.input), None)


class RosterHouseholds(Households):
    """The households of a roster (.xlsx or .csv), streamed row by row in roster order; a CSV one
    read in ``encoding`` when given (else the encoding found in the file)."""

    def __init__(self, path: Path | str, skip_bad: bool = False, encoding: str | None = None):
        self.path = Path(path)
        self.skip_bad = skip_bad
        self.encoding = encoding
        self.stream: HouseholdStream | None = None
        self._village_path = ""
        self._as_of: dt.date | None = None

    def bind(self, village: Village, village_input: InputFile, as_of: dt.date) -> None:
        from .roster import iter_households

        self.stream = iter_households(village, self.path, as_of, skip_bad=self.skip_bad, encoding=self.encoding)
        self.input = InputFile.of("roster", self.path)
        self._village_path, self._as_of = village_input.path, as_of

    def __iter__(self) -> Iterator[HouseholdSource]:
        from .roster import RosterError

        assert self.stream is not None and self.input is not None and self._as_of is not None, "bind() first"
        try:  # a roster is checked here, before the first household
            for row, h in self.stream:
                yield HouseholdSource(h, None, row)
        except RosterError as e:
            raise RosterRefusedError(e.report, self._village_path, self.input.path, self._as_of) from None

    def total(self) -> int | None:
        report = self.stream.report if self.stream is not None else None
        return report.households if report is not None and not self.skip_bad else None

    def where(self, src: HouseholdSource) -> str:
        assert self.input is not None
        return _("{path}, row {row}", path=self.input.path, row=src.row)

    def skip(self, src: HouseholdSource, reasons: list[LazyText]) -> None:
        from .roster import SkippedRow

        assert self.stream is not None and src.row is not None
        self.stream.skipped.append(SkippedRow(row=src.row, household_id=src.household.id,
                                              reasons=[r.text("en") for r in reasons],
                                              reasons_zh=[r.text("zh") for r in reasons]))

    def skipped(self) -> list[dict[str, Any]]:
        return [s.model_dump(mode="json") for s in self.stream.skipped] if self.stream is not None else []

    def summary(self) -> dict[str, Any] | None:
        """The roster as read, and its warnings, each (column, message) once with the rows counted."""
        stream, roster_input = self.stream, self.input
        assert stream is not None and roster_input is not None
        report = stream.report
        assert report is not None
        warnings: dict[tuple[Any, ...], dict[str, Any]] = {}
        for p in report.iter_problems("warning"):
            w = warnings.setdefault((p.column, p.message), {"column": p.column, "message": p.message, "fix": p.fix,
                                                            "message_zh": p.message_zh, "fix_zh": p.fix_zh,
                                                            "first_row": p.row, "value": p.value, "rows": 0})
            w["rows"] += 1
        return {"path": roster_input.path, "format": report.format, "encoding": report.encoding,
                "header_row": report.header_row, "rows": report.rows, "households": report.households,
                "skipped": len(stream.skipped), "warnings": list(warnings.values())}


def unique(households: Households, ids: IdSet) -> Iterator[HouseholdSource]:
    """The households with each id once (ids kept in ``ids``; ``Household`` already refuses an id
    that cannot name a folder); a repeated id stops the run, or with ``skip_bad`` is skipped like
    any bad row."""
    for src in households:
        hid = src.household.id
        if ids.add(hid):
            yield src
            continue
        earlier = households.earlier(hid)
        problem = (lazy("household id {household} is also the id of {other}; each household needs its own id",
                        household=repr(hid), other=earlier) if earlier else
                   lazy("household id {household} is also the id of an earlier household; each household "
                        "needs its own id", household=repr(hid)))
        if households.skip_bad:
            households.skip(src, [problem])
        else:
            raise InputError(_("{where}: {problem}", where=households.where(src), problem=problem))


class RosterRefusedError(InputError):
    """A roster with errors, given without ``--skip-bad-rows``: nothing is written. ``report``
    holds every problem."""

    def __init__(self, report: RosterReport, village_path: str, roster_path: str, as_of: dt.date, limit: int = 50):
        self.report = report
        count = report.error_count
        rows = all(p.row is not None and p.row != report.header_row for p in report.iter_problems("error"))
        fix = (_("Correct them, or give --skip-bad-rows to leave those rows out (the output and the manifest list "
                 "them).") if rows else _("Correct the file: no row can be read while these are wrong."))
        lines = [ngettext("{path}: the roster has {n} error; no bundle was written. {fix}",
                          "{path}: the roster has {n} errors; no bundle was written. {fix}", count,
                          path=roster_path, n=count, fix=fix), report.summary()]
        lines += [p.line() for p in report.iter_problems("error", limit)]
        if count > limit:
            lines.append(_("... and {n} more errors", n=count - limit))
        lines.append(_("Every problem, in a sheet to correct and feed back: {command}",
                       command=" ".join(("docforge check --village", str(village_path), "--roster", str(roster_path),
                                         "--as-of", as_of.isoformat(), "--problems problems.xlsx"))))
        super().__init__("\n".join(lines))
