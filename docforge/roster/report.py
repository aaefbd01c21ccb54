"""What checking a roster finds: each :class:`Problem` (row, column, message and fix, in English
and Chinese), the rows skipped, and the :class:`RosterReport` of a whole file (its problems kept on
disk, not in memory, for rosters of any length)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from typing import Any, Iterator, Literal

from pydantic import Field, PrivateAttr, field_validator

from ..errors import InputError, mask_ids, visible
from ..i18n import _, language, ngettext
from ..models import (
    Model,
)

# --------------------------------------------------------------------------- the report


class Problem(Model):
    """One thing wrong in a roster, where it is, and how to fix it."""

    severity: Literal["error", "warning"]
    file: str
    row: int | None = Field(None, description="row number as the spreadsheet shows it; none for the file")
    column: str | None = Field(None, description="the column's header as written in the file")
    column_index: int | None = Field(None, description="0-based position of the column")
    value: str | None = Field(None, description="the cell as read; identity numbers masked")
    message: str = Field(..., description="what is wrong, in English (stable for scripts)")
    fix: str = Field(..., description="how to correct it, in English")
    message_zh: str | None = Field(None, description="what is wrong, in Chinese")
    fix_zh: str | None = Field(None, description="how to correct it, in Chinese")

    def _texts(self) -> tuple[str, str]:
        if language() == "zh":
            return self.message_zh or self.message, self.fix_zh or self.fix
        return self.message, self.fix

    @field_validator("value", "message", "fix")
    @classmethod
    def _masked(cls, v: str | None) -> str | None:
        return visible(mask_ids(v)) if v else v

    def where(self) -> str:
        if self.row and self.column:
            return _("row {row}, column {column}", row=self.row, column=self.column)
        if self.row:
            return _("row {row}", row=self.row)
        return _("column {column}", column=self.column) if self.column else ""

    def short(self) -> str:
        """The problem without the file and row: what goes in the problem sheet's 问题 column."""
        message, fix = self._texts()
        if self.column and self.value:
            return _("{column}: '{value}' {message}; fix: {fix}", column=self.column, value=self.value,
                     message=message, fix=fix)
        if self.column:
            return _("{column}: {message}; fix: {fix}", column=self.column, message=message, fix=fix)
        if self.value:
            return _("'{value}' {message}; fix: {fix}", value=self.value, message=message, fix=fix)
        return _("{message}; fix: {fix}", message=message, fix=fix)

    def line(self) -> str:
        message, fix = self._texts()
        values = dict(severity=_("error") if self.severity == "error" else _("warning"), file=self.file,
                      where=self.where(), value=self.value, message=message, fix=fix)
        if self.where() and self.value:
            return _("{severity}: {file}, {where}: '{value}' {message}; fix: {fix}", **values)
        if self.where():
            return _("{severity}: {file}, {where}: {message}; fix: {fix}", **values)
        if self.value:
            return _("{severity}: {file}: '{value}' {message}; fix: {fix}", **values)
        return _("{severity}: {file}: {message}; fix: {fix}", **values)


class SkippedRow(Model):
    """A row ``iter_households(skip_bad=True)`` left out: for the command's output and the manifest.
    Its 户编号 and reasons are kept with identity numbers masked, and the 户编号 cut short."""

    row: int
    household_id: str | None = None
    reasons: list[str]
    reasons_zh: list[str] = Field(default_factory=list, description="the reasons in Chinese")

    @field_validator("household_id")
    @classmethod
    def _masked_id(cls, v: str | None) -> str | None:
        return None if v is None else (mask_ids(v) if len(v) <= 64 else mask_ids(v)[:64] + "…")

    @field_validator("reasons")
    @classmethod
    def _masked_reasons(cls, v: list[str]) -> list[str]:
        return [mask_ids(r) for r in v]


class ProblemStore:
    """Every problem of a roster, kept on disk in a private temporary SQLite database (deleted
    when closed or collected), so that memory does not grow with the number of problems: a roster
    of 200,000 rows can have 400,000. Problems come out in the order a clerk reads them: by row,
    then by column (file-level ones first), then as found."""

    def __init__(self, file: str):
        self.file = file
        self.errors = self.warnings = 0
        self._db = sqlite3.connect("", check_same_thread=False)  # "": on disk, private, removed on close
        self._db.execute("PRAGMA cache_size=-2048")  # at most 2 MiB of it in memory
        self._db.execute("CREATE TABLE problem (seq INTEGER PRIMARY KEY, row_key INTEGER, column_key INTEGER, "
                         "severity TEXT, row INTEGER, column TEXT, column_index INTEGER, value TEXT, message TEXT, "
                         "fix TEXT, message_zh TEXT, fix_zh TEXT)")
        self._lock = threading.Lock()

    def add(self, p: Problem) -> None:
        with self._lock:
            self._db.execute("INSERT INTO problem (row_key, column_key, severity, row, column, column_index, value, "
                             "message, fix, message_zh, fix_zh) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             (p.row or 0, -1 if p.column_index is None else p.column_index, p.severity, p.row,
                              p.column, p.column_index, p.value, p.message, p.fix, p.message_zh, p.fix_zh))
        if p.severity == "error":
            self.errors += 1
        else:
            self.warnings += 1

    def __len__(self) -> int:
        return self.errors + self.warnings

    def iterate(self, severity: str | None = None, limit: int | None = None, rows: tuple[int, int] | None = None,
                file: str | None = None) -> Iterator[Problem]:
        """The problems in order, of one ``severity``, at most ``limit``, in ``rows`` (first, last),
        naming ``file`` (default: the file checked)."""
        where: list[str] = []
        args: list[Any] = []
        if severity:
            where.append("severity = ?")
            args.append(severity)
        if rows:
            where.append("row_key BETWEEN ? AND ?")
            args += list(rows)
        sql = ("SELECT severity, row, column, column_index, value, message, fix, message_zh, fix_zh FROM problem"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY row_key, column_key, seq"
               + (f" LIMIT {int(limit)}" if limit is not None else ""))
        with self._lock:
            cursor = self._db.execute(sql, args)
        while True:
            with self._lock:
                batch = cursor.fetchmany(1000)
            if not batch:
                return
            for severity_, row, column, index, value, message, fix, message_zh, fix_zh in batch:
                yield Problem.model_construct(severity=severity_, file=file or self.file, row=row, column=column,
                                              column_index=index, value=value, message=message, fix=fix,
                                              message_zh=message_zh, fix_zh=fix_zh)

    def close(self) -> None:
        self._db.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self._db.close()


class RosterReport(Model):
    """Every problem of a roster, found in one pass. The problems are kept on disk
    (:class:`ProblemStore`): :meth:`iter_problems` streams them; ``problems``, ``errors`` and
    ``warnings`` are lists of them, for rosters small enough to hold them."""

    file: str
    format: Literal["xlsx", "csv"]
    encoding: str | None = None
    header_row: int = 1
    headers: list[str] = Field(default_factory=list)
    rows: int = Field(0, description="data rows read (fully empty rows are not counted)")
    households: int = Field(0, description="rows that make a valid household")
    _store: ProblemStore | None = PrivateAttr(None)

    @property
    def store(self) -> ProblemStore:
        if self._store is None:
            self._store = ProblemStore(self.file)
        return self._store

    def iter_problems(self, severity: str | None = None, limit: int | None = None) -> Iterator[Problem]:
        return self.store.iterate(severity, limit, file=self.file)

    @property
    def problems(self) -> list[Problem]:
        return list(self.iter_problems())

    @property
    def errors(self) -> list[Problem]:
        return list(self.iter_problems("error"))

    @property
    def warnings(self) -> list[Problem]:
        return list(self.iter_problems("warning"))

    @property
    def error_count(self) -> int:
        return self.store.errors

    @property
    def warning_count(self) -> int:
        return self.store.warnings

    @property
    def ok(self) -> bool:
        return not self.store.errors

    def summary(self) -> str:
        kind = f"{self.format}, {self.encoding}" if self.encoding else self.format
        return _("{file} ({kind}): {rows} rows, {households} valid households, {errors} errors, {warnings} warnings",
                 file=self.file, kind=kind, rows=self.rows, households=self.households, errors=self.error_count,
                 warnings=self.warning_count)

    def text(self, limit: int | None = None) -> str:
        return "\n".join(self.lines(limit))

    def lines(self, limit: int | None = None) -> Iterator[str]:
        """The summary, then each problem (the first ``limit``, then how many more and where to see
        them all)."""
        yield self.summary()
        shown = 0
        for p in self.iter_problems(limit=limit):
            shown += 1
            yield p.line()
        if shown < len(self.store):
            yield _("... and {count} more; `docforge check --roster FILE --problems OUT.xlsx` writes them all into a "
                    "sheet to correct (or --json lists them)", count=len(self.store) - shown)

    def json_chunks(self) -> Iterator[str]:
        """The report as JSON (its fields and ``problems``), in pieces: the problems are streamed."""
        head = json.dumps({**self.model_dump(mode="json"), "problems": []}, ensure_ascii=False, indent=2)
        before, after = head.rsplit('"problems": []', 1)
        yield before + '"problems": ['
        for n, p in enumerate(self.iter_problems()):
            yield ("," if n else "") + "\n    " + json.dumps(p.model_dump(mode="json"), ensure_ascii=False)
        yield "\n  ]" + after


class RosterError(InputError):
    """A roster with errors; ``report`` holds every problem."""

    def __init__(self, report: RosterReport, limit: int = 200):
        self.report = report
        super().__init__(ngettext("the roster has {n} error; nothing was produced.",
                                  "the roster has {n} errors; nothing was produced.", report.error_count,
                                  n=report.error_count) + "\n" + report.text(limit))
