"""Writing roster sheets: the problems sheet (the rows written back with a 问题 column and the
problem cells marked) and the empty roster template with its drop-down lists and cell formats."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable

from ..errors import InputError, cannot_write
from ..i18n import _
from ..models import (
    Village,
)
from .cells import COLUMNS, PROBLEM_HEADER, Column
from .reading import RawRow, map_headers, open_roster
from .report import Problem, RosterReport

# --------------------------------------------------------------------------- writing sheets

#: Problem cells that get a comment in the problem sheet (every problem is in its 问题 column).
COMMENT_LIMIT = 2000
_FILLS = {"error": "FFC7CE", "warning": "FFEB9C", "header": "DDEBF7", "required": "BDD7EE"}
_FORMATS = {"date": "yyyy-mm-dd", "id": "@", "text": "@"}


def _atomic_save(save: Callable[[str], None], out: Path) -> Path:
    """Write through a temporary file beside ``out``: an interrupted run leaves no half-written sheet;
    a path that cannot be written is an InputError naming it."""
    if out.is_dir():
        raise InputError(_("{path}: is a folder; give the .xlsx file to write, e.g. {example}", path=out,
                           example=out / "roster.xlsx"))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as e:
        raise InputError(cannot_write(out, e)) from None
    os.close(fd)
    try:
        save(tmp)
        os.replace(tmp, out)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(cannot_write(out, e)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def _sheet_value(value: Any, kind: str | None) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if kind == "id" and isinstance(value, int):
        return str(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def write_problem_sheet(report: RosterReport, rows: Iterable[RawRow] | None, out: Path | str) -> Path:
    """Write the roster's rows with a 问题 column and the problem cells highlighted (red: error,
    yellow: warning; for the first `COMMENT_LIMIT` cells the message is also the cell's comment),
    and a second sheet 问题清单 listing every problem. The first sheet keeps the roster's own
    headers, so once corrected it reads back as a roster. ``rows`` are the rows as read
    (``open_roster(path).rows()``); ``None`` reads them again from ``report.file``. Rows and
    problems are streamed (openpyxl's write-only workbook; the problems merged in by row from the
    report's store): memory stays flat however many there are. Comments are capped because
    openpyxl keeps every one in memory until the file is saved."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    if rows is None:
        rows = open_roster(report.file, report.encoding).rows()
    comments = [0]
    fills = {k: PatternFill("solid", fgColor=c) for k, c in _FILLS.items()}
    columns = map_headers(report.headers)[0]
    kinds = {i: c.kind for i, c in columns.items()}
    width = len(report.headers)

    def row_cells(ws, values: list[Any], problems: list[Problem], header: bool) -> list[Any]:
        worst = {p.column_index: p for p in sorted(problems, key=lambda p: p.severity == "error")}
        cells = []
        for i, value in enumerate((values + [None] * width)[:width]):
            cell = WriteOnlyCell(ws, _sheet_value(value, kinds.get(i)))
            if isinstance(value, str):
                cell.data_type = "s"  # "=..." read from a CSV is text, never a formula
            if header:
                cell.font = Font(bold=True)
            elif kinds.get(i) in _FORMATS and (kinds[i] != "date" or isinstance(value, dt.date)):
                cell.number_format = _FORMATS[kinds[i]]
            if (p := worst.get(i)) is not None:
                cell.fill = fills[p.severity]
                if comments[0] < COMMENT_LIMIT:
                    comments[0] += 1
                    cell.comment = Comment(p.short(), "docforge")
            cells.append(cell)
        return cells

    def save(path: str) -> None:
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("花名册")
        ws.freeze_panes = "A2"
        for i in range(width + 1):
            ws.column_dimensions[get_column_letter(i + 1)].width = columns[i].width if i in columns else 16
        ws.column_dimensions[get_column_letter(width + 1)].width = 60
        hr = report.header_row
        head = row_cells(ws, list(report.headers), list(report.store.iterate(rows=(hr, hr))), header=True)
        ws.append([*head, _bold(WriteOnlyCell(ws, PROBLEM_HEADER), Font)])
        pending = report.store.iterate(rows=(hr + 1, 1 << 62))  # in row order, as the rows come
        following = next(pending, None)
        for raw in rows:
            problems = []
            while following is not None and (following.row or 0) <= raw.number:
                if following.row == raw.number:
                    problems.append(following)
                following = next(pending, None)
            note = "\n".join(_("{severity}: {problem}", severity=_("error") if p.severity == "error" else _("warning"),
                                 problem=p.short()) for p in problems)
            ws.append([*row_cells(ws, raw.values, problems, header=False), _sheet_value(note, None) or None])
        listing = wb.create_sheet("问题清单")
        listing.append(["级别", "行", "列", "内容", "问题", "修改方法"])
        for p in report.iter_problems():
            message, fix = p._texts()
            listing.append([_sheet_value(x, None) for x in (_("error") if p.severity == "error" else _("warning"),
                                                            p.row, p.column, p.value, message, fix)])
        wb.save(path)

    return _atomic_save(save, Path(out))


def _bold(cell: Any, font: Any) -> Any:
    cell.font = font(bold=True)
    return cell


def write_template(out: Path | str, village: Village | None = None) -> Path:
    """An empty roster for a clerk: headers (required ones darker, each with a comment saying what
    goes in it), one example row, drop-down lists for the enumerated columns (and for 村民小组 when
    the village lists its groups), date and text formats, a frozen header row and a 说明 sheet."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    lists = {c.key: c.options for c in COLUMNS if c.choices}
    example = {c.key: c.example for c in COLUMNS}
    if village and village.groups:
        lists["group"] = list(village.groups)
        example["group"] = village.groups[0]
    options = wb.create_sheet("选项")
    options.sheet_state = "hidden"
    for j, c in enumerate(COLUMNS, start=1):
        letter = get_column_letter(j)
        head = ws.cell(row=1, column=j, value=c.header)
        head.font = Font(bold=True)
        head.alignment = Alignment(horizontal="center")
        head.fill = PatternFill("solid", fgColor=_FILLS["required" if c.required else "header"])
        head.comment = Comment(f"{c.help}{'（必填）' if c.required else ''}", "docforge")
        ws.column_dimensions[letter].width = c.width
        cell = ws.cell(row=2, column=j, value=example[c.key])
        if c.kind in _FORMATS:
            ws.column_dimensions[letter].number_format = _FORMATS[c.kind]
            cell.number_format = _FORMATS[c.kind]
        if c.key in lists:
            options.cell(row=1, column=j, value=c.header)
            for k, word in enumerate(lists[c.key], start=2):
                options.cell(row=k, column=j, value=word)
        dv = _validation(c, f"'选项'!${letter}$2:${letter}${len(lists.get(c.key, ())) + 1}"
                         if c.key in lists else None)
        if dv is not None:
            dv.add(f"{letter}2:{letter}1048576")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    _instructions(wb.create_sheet("说明"))
    return _atomic_save(wb.save, Path(out))


def _validation(c: Column, list_range: str | None):
    from openpyxl.worksheet.datavalidation import DataValidation

    common = {"allow_blank": True, "showErrorMessage": True, "errorTitle": c.header}
    if list_range:
        return DataValidation(type="list", formula1=f"={list_range}", **common,
                              error=f"{c.header}：请从下拉列表中选择（{c.allowed()}）")
    if c.kind == "date":
        return DataValidation(type="date", operator="between", formula1="DATE(1900,1,1)", formula2="DATE(2099,12,31)",
                              errorStyle="warning", error=f"{c.header}：请填写日期，如 2026-11-30", **common)
    if c.kind == "id":
        return DataValidation(type="textLength", operator="equal", formula1="18", errorStyle="warning",
                              error=f"{c.header}：居民身份证号码为18位", **common)
    if c.kind == "count":
        return DataValidation(type="whole", operator="between", formula1="0", formula2="20",
                              error=f"{c.header}：请填写0到20的整数", **common)
    return None


def _instructions(ws) -> None:
    ws.append(["列名", "English", "必填", "填写说明", "可选值"])
    for c in COLUMNS:
        ws.append([c.header, c.key, "是" if c.required else "", c.help,
                   str(c.allowed()) if c.choices else ("如 2026-11-30" if c.kind == "date" else "")])
    ws.append([])
    ws.append(["第2行是示例，请改写或删除。完全空白的行被跳过。身份证号、户编号、电话请按文本填写。"])
    for letter, width in zip("ABCDE", (18, 26, 6, 50, 50), strict=False):
        ws.column_dimensions[letter].width = width
