"""Checking a roster row by row: each cell read, each row made a :class:`Household`, cross-checks
(identity numbers, sexes, duplicates), and the streams :func:`check_roster` and :func:`iter_households`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterator

from pydantic import ValidationError

from ..compact import IntTable, hash64
from ..errors import mask_id, mask_ids
from ..i18n import LazyText, in_language, lazy, lazy_date, using
from ..inputs import error_texts
from ..models import (
    Child,
    Household,
    Migration,
    Village,
    household_id_problem,
    id_sex,
)
from .cells import BY_KEY, COLUMNS, CellError, is_blank, known_county, read_cell, read_text
from .reading import RawRow, RosterFile, open_roster
from .report import Problem, RosterError, RosterReport, SkippedRow

# --------------------------------------------------------------------------- checking rows


class _Checker:
    """Reads rows into households, recording every problem in the report."""

    def __init__(self, village: Village, roster: RosterFile, as_of: dt.date):
        self.village, self.roster, self.as_of = village, roster, as_of
        self.report = RosterReport(file=str(roster.path), format=roster.format, encoding=roster.encoding,
                                   header_row=roster.header_row, headers=roster.headers)
        #: 户编号 seen, as their 64-bit hash → row; identity numbers seen, as ``int(first 17 digits)`` →
        #: ``row * _MAX_COLUMNS + column index``: flat tables of about 20 bytes an entry, where dicts took
        #: 100 (29 MB for 100,000 couples, most of a bundle's memory growth)
        self.household_rows = IntTable()
        self.id_rows = IntTable()
        #: per column: identity numbers stored as numbers, and the first row with one
        self.numeric_ids: dict[int, list[int]] = {}
        self.migrants_missing: dict[str, int] = defaultdict(int)
        self.error_count = 0
        self.row_problems: list[Problem] = []  # those found while the current row was read
        self._file_problems()
        #: errors of the file itself (a required column missing …): no row can make a household
        self.file_errors = self.error_count

    def add(self, severity: str, message: "str | LazyText", fix: "str | LazyText", row: int | None = None,
            index: int | None = None, value: Any = None) -> Problem:
        column = self.roster.headers[index] if index is not None and index < len(self.roster.headers) else None
        shown = None
        if not is_blank(value):
            col = self.roster.columns.get(index) if index is not None else None
            kind = col.kind if col is not None else None
            text = str(value).strip()
            shown = mask_id(text) if kind == "id" else mask_ids(text)[:60]
        p = Problem(severity=severity, file=str(self.roster.path), row=row, column=column, column_index=index,
                    value=shown, message=in_language(message, "en"), fix=in_language(fix, "en"),
                    message_zh=in_language(message, "zh"), fix_zh=in_language(fix, "zh"))
        self.report.store.add(p)
        self.row_problems.append(p)
        self.error_count += severity == "error"
        return p

    def _file_problems(self) -> None:
        hr = self.roster.header_row
        for i, (column, j) in self.roster.duplicates.items():
            self.add("error", lazy("is a second {column} column (the first is column {first})", column=column.header,
                                   first=self.roster.headers[j]),
                     lazy("delete or rename one of the two columns"), hr, i)
        present = {c.key for c in self.roster.columns.values()}
        for c in COLUMNS:
            if c.required and c.key not in present:
                self.add("error", lazy("the file has no {column} column (English: {key})", column=c.header, key=c.key),
                         lazy("add a column headed {column}; `docforge roster-template` shows every column",
                              column=c.header), hr)
        for i, _h in self.roster.unknown.items():
            self.add("warning", lazy("is not a roster column and is ignored"),
                     lazy("rename it if it is one of: {columns}", columns="、".join(c.header for c in COLUMNS)), hr, i)

    def scan(self) -> Iterator[tuple[RawRow, Household | None, list[Problem]]]:
        for raw in self.roster.rows():
            self.row_problems = []
            self.report.rows += 1
            household = self.check_row(raw)
            if household is not None:
                self.report.households += 1
            yield raw, household, self.row_problems
        self._finish()

    def check_row(self, raw: RawRow) -> Household | None:
        n = raw.number
        errors_before = self.error_count
        cells: dict[str, Any] = {}
        for i, column in self.roster.columns.items():
            value = raw.values[i]
            try:
                cells[column.key] = read_cell(column, value, self.roster.epoch)
            except CellError as e:
                self.add("error", *e.texts, n, i, value)
                cells[column.key] = _BAD
                continue
            if cells[column.key] is None and column.required:
                self.add("error", lazy("is empty"), lazy("fill in the {column}", column=column.header), n, i)
            if column.kind == "id" and isinstance(value, (int, float)):
                self.numeric_ids.setdefault(i, [0, n])[0] += 1
        self._cross_check(n, cells)
        if self.error_count > errors_before or self.file_errors:
            return None
        return self._household(n, cells)

    def _at(self, key: str) -> int | None:
        return self.roster.index_of(key)

    def _cross_check(self, n: int, cells: dict[str, Any]) -> None:
        ok = {k: v for k, v in cells.items() if v is not None and v is not _BAD}
        for _who, key, sex in (("husband", "husband_id", "male"), ("wife", "wife_id", "female")):
            number = ok.get(key)
            if not number:
                continue
            if id_sex(number) != sex:
                wrong = (lazy("records a woman (17th digit even), but this is the husband's column") if sex == "male"
                         else lazy("records a man (17th digit odd), but this is the wife's column"))
                self.add("error", wrong,
                         lazy("check that husband and wife are not swapped, and the number is copied right"),
                         n, self._at(key), number)
            born = birth_date(number)
            if born > self.as_of:
                self.add("error", lazy("records a birth date ({born}) after {as_of}", born=lazy_date(born),
                                       as_of=lazy_date(self.as_of)),
                         lazy("copy the number again from the ID card"), n, self._at(key), number)
            if not known_county(number[:6]):
                self.add("warning", lazy("begins with {code}, which is not a county code python-stdnum knows",
                                         code=number[:6]),
                         lazy("check the first six digits (an old county code on a real card is fine)"),
                         n, self._at(key), number)
            self._check_duplicate_id(n, key, number)
        earliest = self.as_of.replace(year=self.as_of.year - Household.MAX_YEARS_BACK, day=min(self.as_of.day, 28))
        for key in ("marriage_date", "last_birth_date"):
            when = ok.get(key)
            if when and when > self.as_of:
                self.add("error", lazy("is after the as-of date {as_of}", as_of=lazy_date(self.as_of)),
                         lazy("correct the date (a date that has not happened yet cannot be recorded)"),
                         n, self._at(key), when.isoformat())
            elif when and when < earliest:
                self.add("error", f"is more than {Household.MAX_YEARS_BACK} years before the as-of date "
                                  f"{self.as_of.isoformat()}, which cannot be right for a couple of childbearing age",
                         "correct the date", n, self._at(key), when.isoformat())
        married = ok.get("marriage_date")
        for key in ("husband_id", "wife_id"):
            if married and ok.get(key) and married < birth_date(ok[key]):
                self.add("error", lazy("is before the birth date in {column}", column=BY_KEY[key].header),
                         lazy("correct the marriage date or the identity number"), n, self._at("marriage_date"),
                         married.isoformat())
        count, last = ok.get("children"), ok.get("last_birth_date")
        if last and not count and cells.get("children") is not _BAD:
            self.add("error", lazy("is given, but 子女数 is 0 or empty"), lazy("fill in 子女数, or clear 末次生育日期"),
                     n, self._at("last_birth_date"), last.isoformat())
        if count == 2 and last is None and self._at("last_birth_date") is not None:
            self.add("warning", lazy("is empty for a couple with two children, so the rule for the six months after "
                                     "the second birth cannot be applied"),
                     lazy("fill in the youngest child's birth date"),
                     n, self._at("last_birth_date"))
        if ok.get("plans_another_child") and count is not None and count != 1:
            self.add("warning", lazy("is 是, but the couple has {count} children; the birth-spacing agreement is for "
                                     "couples with one child", count=count), lazy("check 子女数 and 计划再生育"),
                     n, self._at("plans_another_child"), "是")
        self._check_household_id(n, ok.get("household_id"))
        self._check_group(n, ok.get("group"))
        if ok.get("migration") in (Migration.outflow, Migration.inflow):
            self._check_migrant(n, ok)

    def _check_household_id(self, n: int, hid: str | None) -> None:
        if not hid:
            return
        problem = household_id_problem(hid)
        if problem:
            self.add("error", problem, "give the household a 户编号 that can name a folder (see the reason)", n,
                     self._at("household_id"), hid)
            return
        first = self.household_rows.setdefault(hash64(hid), n)
        if first == n:
            return
        i = self._at("household_id")
        fix = lazy("give each household its own 户编号 (rows {first} and {row})", first=first, row=n)
        self.add("error", lazy("is also the 户编号 of row {first}", first=first), fix, n, i, hid)
        self.add("warning", lazy("is also the 户编号 of row {row}, which was refused", row=n), fix, first, i, hid)

    def _check_duplicate_id(self, n: int, key: str, number: str) -> None:
        i = self._at(key)
        assert i is not None  # the number was read from this column
        compact = int(number[:17])  # the check digit follows from the first 17 digits
        seen = self.id_rows.setdefault(compact, n * _MAX_COLUMNS + i)
        assert seen is not None  # a table with values
        if seen == n * _MAX_COLUMNS + i:
            return
        row, j = divmod(seen, _MAX_COLUMNS)
        fix = lazy("a person is listed once: correct one of rows {first} and {row}", first=row, row=n)
        self.add("error", lazy("also appears in row {row}, column {column}", row=row, column=self.roster.headers[j]),
                 fix, n, i, number)
        if row != n:
            self.add("warning", lazy("also appears in row {row}, column {column}, which was refused", row=n,
                                     column=self.roster.headers[i]), fix, row, j, number)

    def _check_group(self, n: int, group: str | None) -> None:
        groups = self.village.groups
        if group and groups and group not in groups:
            self.add("warning", lazy("is not one of the village's groups ({groups})", groups="、".join(groups)),
                     lazy("correct the name, or add the group to groups: in the village file"), n, self._at("group"),
                     group)

    def _check_migrant(self, n: int, ok: dict[str, Any]) -> None:
        term = lazy("the agreement's term follows the 婚育证明; without it the dates print blank")
        party = lazy("the agreement's 乙方 block prints it")
        needs = {"certificate_valid_from": term, "certificate_valid_to": term, "registered_address": party,
                 "current_address": party, "phone": party}
        for key, why in needs.items():
            if ok.get(key) is not None:
                continue
            i = self._at(key)
            if i is None:
                self.migrants_missing[key] += 1
            else:
                self.add("warning", lazy("is empty for a migrant household: {why}", why=why),
                         lazy("fill in the {column}", column=BY_KEY[key].header), n, i)
        start, end = ok.get("certificate_valid_from"), ok.get("certificate_valid_to")
        if start and end and end < start:
            self.add("error", lazy("is before 婚育证明有效期起"), lazy("correct the two dates of the 婚育证明"),
                     n, self._at("certificate_valid_to"), end.isoformat())

    def _household(self, n: int, cells: dict[str, Any]) -> Household | None:
        """The row's household: both spouses get the addresses, the husband the phone (printed once)."""
        children = children_from_count(cells.get("children") or 0, cells.get("last_birth_date"))
        address = {"registered_address": cells.get("registered_address"),
                   "current_address": cells.get("current_address")}

        def person(name: str, number: str, **more: Any) -> dict:
            return {k: v for k, v in {"name": cells[name], "id_number": cells[number], **address, **more}.items()
                    if v is not None}

        data = {
            "id": cells.get("household_id"), "group": cells.get("group"),
            "husband": person("husband_name", "husband_id", phone=cells.get("phone")),
            "wife": person("wife_name", "wife_id"),
            "marriage_date": cells.get("marriage_date"), "children": children,
            "hukou": cells.get("hukou"), "contraception": cells.get("contraception"),
            "migration": cells.get("migration"), "plans_another_child": bool(cells.get("plans_another_child")),
            "origin": cells.get("origin"), "destination": cells.get("destination"),
            "certificate_valid_from": cells.get("certificate_valid_from"),
            "certificate_valid_to": cells.get("certificate_valid_to"),
            "arrived_on": cells.get("arrived_on"),
        }
        try:
            return Household.model_validate({k: v for k, v in data.items() if v is not None})
        except ValidationError as e:  # what the row checks above do not catch
            for line in error_texts(e):
                self.add("error", line, lazy("correct the row"), n)
            return None

    def _finish(self) -> None:
        for i, (count, first) in self.numeric_ids.items():
            self.add("warning", lazy("holds identity numbers stored as numbers in {count} rows (first: row {first})",
                                     count=count, first=first),
                     lazy("format the column as text (设置单元格格式 → 文本) so Excel cannot round them"),
                     self.roster.header_row, i)
        for key, count in self.migrants_missing.items():
            self.add("warning", lazy("the file has no {column} column, which {count} migrant households need",
                                     column=BY_KEY[key].header, count=count),
                     lazy("add a {column} column", column=BY_KEY[key].header), self.roster.header_row)
        if self.report.rows == 0:
            self.add("warning", lazy("the roster has no data rows"), lazy("fill in one row per couple below the header"))


_BAD = object()  # a cell that could not be read (already reported)
_MAX_COLUMNS = 16384  # Excel's limit


def birth_date(number: str) -> dt.date:
    """The birth date in an identity number that :func:`validate_id_number` accepted (stdnum's
    get_birth_date cleans and checks the number again: a third of the time of a big roster)."""
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def children_from_count(count: int, last_birth: dt.date | None) -> list[Child]:
    """A roster gives the number of children and the last birth only: ``count`` children, the last
    born on ``last_birth``, the earlier ones on dates unknown."""
    return [Child() for _ in range(count - 1)] + [Child(birth_date=last_birth)] if count else []


def check_roster(village: Village, path: Path | str, as_of: dt.date, encoding: str | None = None) -> RosterReport:
    """Read the whole roster and report every problem: errors (the row makes no household) and
    warnings (it does, but something needs a look)."""
    checker = _Checker(village, open_roster(path, encoding), as_of)
    for _found in checker.scan():
        pass
    return checker.report


class HouseholdStream:
    """What :func:`iter_households` returns: iterate it for ``(row_number, Household)``.

    Without ``skip_bad`` the whole roster is checked first and a :class:`RosterError` listing every
    problem is raised before anything is yielded. With ``skip_bad`` bad rows are left out and
    recorded in ``skipped``. After iteration, ``report`` holds every problem (warnings included).
    """

    def __init__(self, village: Village, path: Path | str, as_of: dt.date, skip_bad: bool = False,
                 encoding: str | None = None):
        self.village, self.path, self.as_of, self.skip_bad = village, Path(path), as_of, skip_bad
        self.encoding = encoding
        self.report: RosterReport | None = None
        self.skipped: list[SkippedRow] = []

    def __iter__(self) -> Iterator[tuple[int, Household]]:
        if not self.skip_bad:
            self.report = check_roster(self.village, self.path, self.as_of, self.encoding)
            if not self.report.ok:
                raise RosterError(self.report)
        checker = _Checker(self.village, open_roster(self.path, self.encoding), self.as_of)
        if self.skip_bad:
            self.report = checker.report
            if checker.file_errors:
                raise RosterError(checker.report)
        for raw, household, problems in checker.scan():
            if household is not None:
                yield raw.number, household
            else:
                i = checker.roster.index_of("household_id")
                hid = read_text(raw.values[i]) if i is not None else None
                errors = [p for p in problems if p.severity == "error"]
                with using("en"):
                    reasons = [p.short() for p in errors]
                with using("zh"):
                    reasons_zh = [p.short() for p in errors]
                self.skipped.append(SkippedRow(row=raw.number, household_id=hid, reasons=reasons,
                                               reasons_zh=reasons_zh))


def iter_households(village: Village, path: Path | str, as_of: dt.date, skip_bad: bool = False,
                    encoding: str | None = None) -> HouseholdStream:
    """The households of a roster, streamed as ``(row_number, Household)``; see :class:`HouseholdStream`."""
    return HouseholdStream(village, path, as_of, skip_bad, encoding)
