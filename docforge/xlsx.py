"""A streaming reader for the first sheet of an .xlsx workbook, whose memory does not grow with the
sheet.

openpyxl's read-only mode grows with the number of rows: its parser clears each row it has read but
leaves the emptied element in the tree (about 90 bytes a row, 9 MB for a roster of 100,000 couples),
and it loads the shared-string table (every distinct text Excel stored) as a list of Python strings
(about 65 bytes a string besides its text). This reader drops each row from the tree once read and
keeps the shared strings as one UTF-8 buffer and an array of offsets (:class:`SharedStrings`).

The values are those of openpyxl's ``load_workbook(read_only=True, data_only=True)``, then
``reset_dimensions()`` and ``iter_rows(values_only=True)`` on the first worksheet, as lists: numbers
as int or float as written; shared, inline and rich-text strings (runs joined, phonetic runs left
out); booleans; error cells as their text (``#N/A``); a formula's cached value; a number whose cell
format is a date or time as ``datetime`` (``time``, or ``timedelta`` for a duration format), counted
from the workbook's 1900 or 1904 epoch; a row as wide as its last cell, gaps filled with None; a
missing row as an empty list. The recorded sheet size (``<dimension>``) is ignored: some writers get
it wrong. The small parts (content types, workbook, relationships, styles) are read with
openpyxl's own classes.

A hostile file cannot make it run without end or fill the memory: a gap in the row numbers
(``<row r="2000000000">``) is skipped in one step by :meth:`FirstSheet.numbered_rows`; a row or
column beyond Excel's own limits (1,048,576 rows, 16,384 columns), or more row elements than a
sheet can have, raises :class:`SheetTooLarge`; and every part is checked against a limit on its
unpacked size before it is read (:mod:`docforge.safezip`: a zip bomb is refused at once).
"""

from __future__ import annotations

import zipfile
import zlib
from array import array
from pathlib import Path
from typing import IO, Any, Generator, Iterator

from lxml import etree
from openpyxl.packaging.manifest import Manifest
from openpyxl.packaging.relationship import get_dependents, get_rels_path
from openpyxl.packaging.workbook import WorkbookPackage
from openpyxl.styles.stylesheet import Stylesheet
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601
from openpyxl.xml.constants import (ARC_CONTENT_TYPES, ARC_STYLE, ARC_WORKBOOK, SHARED_STRINGS, XLSM, XLSX, XLTM,
                                    XLTX)
from openpyxl.xml.functions import fromstring

from .i18n import _
from .safezip import MiB, ArchiveTooLarge, check_member

#: What a damaged sheet or string table raises while it is read.
READ_ERRORS = (etree.LxmlError, zipfile.BadZipFile, zlib.error, EOFError, KeyError, IndexError, ValueError,
               OverflowError)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROW, _V, _IS, _SI = (f"{{{_MAIN}}}{tag}" for tag in ("row", "v", "is", "si"))
_DIGITS = "0123456789"

#: Excel's limits: a sheet Excel writes never goes beyond them.
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
#: The most bytes read unpacked from one part: the sheet (streamed), the shared strings (kept, as
#: one buffer), any other part (parsed whole). A roster of a million rows fits.
SHEET_LIMIT = 2048 * MiB
STRINGS_LIMIT = 512 * MiB
PART_LIMIT = 64 * MiB


class WorkbookError(Exception):
    """The file is not a workbook this reader can read: the message says what failed."""


class SheetTooLarge(ArchiveTooLarge):
    """A row or column beyond Excel's limits, or more rows than a sheet can hold."""


class SharedStrings:
    """The shared-string table: the strings UTF-8 encoded one after the other in one buffer, where
    each ends in an array of 4-byte offsets (8-byte past 4 GiB), decoded when a cell asks: 4 bytes
    a string besides its text, where a list of str takes about 65 (the object and the pointer)."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("I", [0])

    def append(self, text: str) -> None:
        self._data += text.encode("utf-8")
        end = len(self._data)
        if end > 0xFFFFFFFF and self._ends.typecode == "I":
            self._ends = array("Q", self._ends)
        self._ends.append(end)

    def __len__(self) -> int:
        return len(self._ends) - 1

    def __getitem__(self, index: int) -> str:
        """The string at ``index``; a negative index counts from the end, as in the list openpyxl keeps."""
        n = len(self._ends) - 1
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"shared string {index} of {n}")
        return self._data[self._ends[index]:self._ends[index + 1]].decode("utf-8")


def _local(tag: str) -> str:
    return tag[tag.find("}") + 1:]


def text_content(node: Any) -> str:
    """A string item's text as openpyxl's ``Text.content`` gives it: its own ``<t>`` (the last, if
    several) followed by the ``<t>`` of each rich-text run ``<r>``; phonetic runs are left out."""
    plain = None
    runs = []
    for child in node:
        name = _local(child.tag)
        if name == "t":
            plain = child.text
        elif name == "r":
            run = None
            for part in child:
                if _local(part.tag) == "t":
                    run = part.text
            if run is not None:
                runs.append(run)
    return (plain or "") + "".join(runs)


def _iterparse(source: IO[bytes], tag: str) -> Iterator[tuple[str, Any]]:
    """The ``end`` events of the elements ``tag`` of an XML part, as it is parsed. A part with a
    document type is refused: Excel writes none, and the entities it could declare are left
    unexpanded here (no file or network is read for them)."""
    parsed = etree.iterparse(source, events=("end",), tag=tag, remove_comments=True, remove_pis=True,
                             resolve_entities=False, no_network=True)
    for event, element in parsed:
        if element.getroottree().docinfo.doctype:
            raise ValueError("the part declares a document type (<!DOCTYPE>), which a workbook never has")
        yield event, element
        break
    yield from parsed


def _drop(element: Any) -> None:
    """Forget a parsed element and those before it, which the tree would otherwise keep."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def read_shared_strings(source: IO[bytes]) -> SharedStrings:
    """The shared-string table (``xl/sharedStrings.xml``), with openpyxl's removal of ``x005F_``."""
    strings = SharedStrings()
    for _event, si in _iterparse(source, _SI):
        strings.append(text_content(si).replace("x005F_", ""))
        _drop(si)
    return strings


_columns: dict[str, int] = {}


def _column(coordinate: str) -> int:
    letters = coordinate.rstrip(_DIGITS)
    index = _columns.get(letters)
    if index is None:
        index = column_index_from_string(letters)
        if index > MAX_COLUMNS:
            raise _beyond_column(_("cell {cell}", cell=coordinate[:20]))
        _columns[letters] = index
    return index


def _beyond_column(where: str) -> SheetTooLarge:
    return SheetTooLarge(_("{where} is beyond the last column of an Excel sheet (XFD, column {limit})", where=where,
                           limit=format(MAX_COLUMNS, ",")))


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise ValueError(f"{text} is not a valid row number") from None
        return int(number)


def _number(text: str) -> int | float:
    return float(text) if "." in text or "E" in text or "e" in text else int(text)


class FirstSheet:
    """The first worksheet of a workbook (in the workbook's order, chart sheets skipped), opened:
    ``epoch`` is the workbook's date epoch, :meth:`rows` streams the rows. Use it as a context
    manager, or call :meth:`close`."""

    def __init__(self, path: Path | str):
        """Open the workbook and read everything but the sheet: raises :class:`WorkbookError`."""
        self.path = Path(path)
        self.archive: zipfile.ZipFile | None = None
        try:
            self.archive = zipfile.ZipFile(self.path)
            names = set(self.archive.namelist())
            for name in names & {ARC_CONTENT_TYPES, ARC_STYLE}:
                check_member(self.archive, name, PART_LIMIT)
            content_types = self._content_types()
            workbook_part = self._workbook_part(content_types)
            package = self._workbook(workbook_part)
            self.epoch = CALENDAR_MAC_1904 if package.properties.date1904 else CALENDAR_WINDOWS_1900
            self.sheet_part = self._first_sheet(package, workbook_part, names)
            self.date_styles, self.duration_styles = self._date_styles()
            self.strings = self._shared_strings(content_types)
            check_member(self.archive, self.sheet_part, SHEET_LIMIT)
        except ArchiveTooLarge as e:
            self.close()
            raise WorkbookError(str(e)) from e
        except Exception as e:  # noqa: BLE001 - zipfile, XML and openpyxl errors all mean "not a workbook"
            self.close()
            raise WorkbookError(f"{type(e).__name__}: {e}") from e

    def __enter__(self) -> FirstSheet:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()
            self.archive = None

    # -- the small parts, with openpyxl's classes

    def _content_types(self) -> Any:
        assert self.archive is not None
        return Manifest.from_tree(fromstring(self.archive.read(ARC_CONTENT_TYPES)))

    @staticmethod
    def _workbook_part(content_types: Any) -> str:
        """The workbook's part name, found as openpyxl finds it: by its content type."""
        kinds = [XLTM, XLTX, XLSM, XLSX]
        for kind in kinds:
            part = content_types.find(kind)
            if part:
                return part.PartName[1:]
        if {d.ContentType for d in content_types.Default} & set(kinds):
            return ARC_WORKBOOK
        raise OSError("File contains no valid workbook part")

    def _workbook(self, part: str) -> Any:
        assert self.archive is not None
        check_member(self.archive, part, PART_LIMIT)
        return WorkbookPackage.from_tree(fromstring(self.archive.read(part)))

    def _first_sheet(self, package: Any, workbook_part: str, names: set[str]) -> str:
        assert self.archive is not None
        rels_path = get_rels_path(workbook_part)
        if rels_path in names:
            check_member(self.archive, rels_path, PART_LIMIT)
        rels = get_dependents(self.archive, rels_path).to_dict()
        for sheet in package.sheets:
            if not sheet.id:
                continue
            rel = rels[sheet.id]
            if rel.target in names and "chartsheet" not in rel.Type:
                return rel.target
        raise ValueError("the workbook has no worksheet")

    def _date_styles(self) -> tuple[set[int], set[int]]:
        """The cell styles (indexes into ``cellXfs``) whose number format is a date or time, and
        those of them that are durations (``[h]:mm``)."""
        assert self.archive is not None
        try:
            src = self.archive.read(ARC_STYLE)
        except KeyError:
            return set(), set()
        stylesheet = Stylesheet.from_tree(fromstring(src))
        if not stylesheet.cell_styles:
            return set(), set()
        return set(stylesheet.date_formats), set(stylesheet.timedelta_formats)

    def _shared_strings(self, content_types: Any) -> SharedStrings:
        assert self.archive is not None
        part = content_types.find(SHARED_STRINGS)
        if part is None:
            return SharedStrings()
        check_member(self.archive, part.PartName[1:], STRINGS_LIMIT)
        with self.archive.open(part.PartName[1:]) as src:
            return read_shared_strings(src)

    # -- the sheet, streamed

    def rows(self) -> Iterator[list[Any]]:
        """The sheet's rows from row 1 to the last, each a list of values (see the module's
        docstring), a missing row as an empty list. Raises one of :data:`READ_ERRORS` on a damaged
        sheet (:class:`SheetTooLarge` beyond Excel's limits)."""
        expected = 1
        for number, values in self.numbered_rows():
            while expected < number:
                expected += 1
                yield []
            expected += 1
            yield values

    def numbered_rows(self) -> Generator[tuple[int, list[Any]], None, None]:
        """``(row number, values)`` of each row the sheet holds, in order: a gap in the numbers
        costs nothing. A row numbered at or below one before it is left out, as openpyxl does."""
        assert self.archive is not None
        with self.archive.open(self.sheet_part) as src:
            number = last = count = 0
            for _event, element in _iterparse(src, _ROW):
                count += 1
                r = element.get("r")
                number = number + 1 if r is None else _row_number(r)
                if number > MAX_ROWS:
                    raise SheetTooLarge(_("row {row} is beyond the last row of an Excel sheet ({limit})", row=number,
                                          limit=format(MAX_ROWS, ",")))
                if count > MAX_ROWS:
                    raise SheetTooLarge(_("the sheet holds more than {limit} rows, the most an Excel sheet can",
                                          limit=format(MAX_ROWS, ",")))
                values = self._values(element)
                _drop(element)
                if number > last:
                    last = number
                    yield number, values

    def _values(self, row: Any) -> list[Any]:
        cells = []
        column = 0
        for cell in row:
            coordinate = cell.get("r")
            column = _column(coordinate) if coordinate else column + 1
            if column > MAX_COLUMNS:
                raise _beyond_column(_("column {column} of row {row}", column=format(column, ","), row=row.get("r") or "?"))
            cells.append((column, self._value(cell)))
        if not cells:
            return []
        width = cells[-1][0]  # as openpyxl: the last cell's column, wherever it is
        values: list[Any] = [None] * width
        for c, v in cells:
            if c <= width:
                values[c - 1] = v
        return values

    def _value(self, cell: Any) -> Any:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            node = cell.find(_IS)
            return None if node is None else text_content(node)
        text = cell.findtext(_V) or None
        if text is None:
            return None
        if kind == "n":
            value = _number(text)
            style = cell.get("s")
            if style and int(style) in self.date_styles:
                try:
                    return from_excel(value, self.epoch, timedelta=int(style) in self.duration_styles)
                except (OverflowError, ValueError):
                    return "#VALUE!"  # as openpyxl: a date cell whose serial is out of range
            return value
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return from_ISO8601(text)
        return text  # "str" (a formula's text), "e" (an error such as #N/A)
