"""Copies of an agreement converted to PDF once, each copy's mark stamped onto its first page.

The copies of an agreement (甲方执, 乙方执, 县公证处执 …) differ only in the copy mark, a line of
its own above the title. Instead of one LibreOffice conversion per copy, a bundle converts:

- the agreement once, its mark line holding a blank (:data:`BLANK_MARK`, an ideographic space in
  the mark's own style, so the line keeps its height and every line below stays where it was);
- each distinct mark once per run, as a *stamp*: the same DOCX reduced to the mark alone (its
  page set-up, styles, headers and footers kept, their text removed), so LibreOffice sets the
  mark with the same font, size and position as in the whole document.

The packet's copy is then the agreement's pages with the stamp's page drawn underneath its first
page, as a form XObject: real text in the embedded font, extractable (``pdftotext``, pypdf) and
searchable, and the same pixels as a copy converted whole (``tests/test_stamps.py`` compares the
rendered pages). LibreOffice stays the only layout engine.

Copies are stamped only when that is exact: the template is one where the mark is the first
paragraph of the body in the ``DFCopyMark`` style, the copy's DOCX equals the blank one apart from
the mark's text, and the mark fits on its line. Anything else (a county's own template that puts
the mark in a header or a table, a very long holder name) is converted copy by copy, as before.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, cast

from lxml import etree
from markupsafe import escape

from .render.docxzip import FIXED_ZIP_TIME, ZIP_LEVEL

if TYPE_CHECKING:
    from pypdf import PageObject, PdfWriter
    from pypdf.generic import IndirectObject

#: The mark of the copy converted for all copies: an ideographic space keeps the mark's line.
BLANK_MARK = "\u3000"
#: The style of the copy mark's paragraph in the default templates.
MARK_STYLE = "DFCopyMark"
#: Longest mark stamped (characters); a longer one could wrap to a second line.
MAX_MARK = 20
#: The form XObject's name in a stamped page's resources.
FORM_NAME = "/DFCopyMark"

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOCUMENT = "word/document.xml"
_HEADER_FOOTER = re.compile(r"word/(header|footer)\d*\.xml")
_PARSER = etree.XMLParser(resolve_entities=False, huge_tree=True)


def _listing(z: zipfile.ZipFile) -> dict[str, tuple[int, int]]:
    """Each member's CRC and size (what tells two members apart without inflating them)."""
    return {i.filename: (i.CRC, i.file_size) for i in z.infolist()}


def _first_paragraph(body: etree._Element) -> etree._Element | None:
    first = body[0] if len(body) else None
    if first is None or first.tag != f"{{{_W}}}p":
        return None
    style = first.find(f"{{{_W}}}pPr/{{{_W}}}pStyle")
    return first if style is not None and style.get(f"{{{_W}}}val") == MARK_STYLE else None


def _text(p: etree._Element) -> str:
    return "".join(t.text or "" for t in p.iter(f"{{{_W}}}t"))


def stampable(blank: bytes, copy: bytes, mark: str) -> bool:
    """Whether ``copy`` (a copy's DOCX, its mark ``mark``) is ``blank`` (the same document with
    :data:`BLANK_MARK`) with only the mark's text changed, the mark heading the body in its own
    paragraph and short enough to stay on one line."""
    if not mark or len(mark) > MAX_MARK or "\n" in mark:
        return False
    with zipfile.ZipFile(io.BytesIO(blank)) as za, zipfile.ZipFile(io.BytesIO(copy)) as zb:
        la, lb = _listing(za), _listing(zb)
        if la.keys() != lb.keys() or _DOCUMENT not in la or any(la[n] != lb[n] for n in la if n != _DOCUMENT):
            return False
        a, b = za.read(_DOCUMENT), zb.read(_DOCUMENT)
    escaped = str(escape(mark)).encode("utf-8")
    if b.replace(b">" + escaped + b"</w:t>", b">" + BLANK_MARK.encode("utf-8") + b"</w:t>", 1) != a:
        return False
    body = etree.fromstring(a, _PARSER).find(f"{{{_W}}}body")
    first = _first_paragraph(body) if body is not None else None
    return first is not None and _text(first) == BLANK_MARK


def stamp_docx(copy: bytes) -> bytes:
    """The stamp of a copy: its DOCX reduced to the mark's paragraph (and the section's page
    set-up), headers and footers kept with their text removed, fixed document properties. The
    same template and mark give the same bytes whatever the household (a stamp serves a run)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(copy)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == _DOCUMENT:
                root = etree.fromstring(data, _PARSER)
                body = root.find(f"{{{_W}}}body")
                assert body is not None and _first_paragraph(body) is not None
                for child in list(body)[1:]:
                    if child.tag != f"{{{_W}}}sectPr":
                        body.remove(child)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            elif _HEADER_FOOTER.fullmatch(name):
                root = etree.fromstring(data, _PARSER)
                for p in root.iter(f"{{{_W}}}p"):  # the paragraphs stay (their height), their content goes
                    for child in list(p):
                        if child.tag != f"{{{_W}}}pPr":
                            p.remove(child)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            elif name == "docProps/core.xml":
                data = _STAMP_CORE
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            info.create_system = 0
            dst.writestr(info, data, compresslevel=ZIP_LEVEL)
    return out.getvalue()


_STAMP_CORE = (b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
               b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
               b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>docforge copy mark'
               b"</dc:title></cp:coreProperties>")


# --- the PDF side ---------------------------------------------------------------------------


#: Where a page sets a line of text: ``BT`` then ``x y Td`` (LibreOffice's way).
_TEXT_AT = re.compile(rb"BT\n(-?[\d.]+) (-?[\d.]+) Td ")


def _blank_line(y: bytes) -> re.Pattern[bytes]:
    """LibreOffice's block drawing the blank mark (one glyph, a hex string) on the line at ``y``."""
    return re.compile(rb"q [^\n]*rg\nBT\n-?[\d.]+ " + re.escape(y) + rb" Td /[^\s/]+ [\d.]+ Tf<[0-9A-Fa-f]+>Tj\nET\nQ\n")


@functools.lru_cache(maxsize=64)
def _stamp_page(stamp_pdf: Path) -> tuple[PageObject, bytes]:
    """A stamp's page and its content, read once in a process: a stamp PDF is named for its DOCX's
    hash (see `docforge.writer`) and a DOCX always converts to the same PDF."""
    from pypdf import PdfReader

    page = PdfReader(stamp_pdf).pages[0]
    contents = page.get_contents()
    return page, contents.get_data() if contents is not None else b""  # a page without content: an empty stamp


class Stamper:
    """Stamps copy marks onto pages of one packet's writer: each stamp PDF's page becomes one
    form XObject of the writer (its font embedded once), drawn on a copy's first page where the
    blank mark was, so that the page's text comes in the same order as in a copy converted whole
    (header, mark, title …); where that block is not found, underneath the page's content."""

    def __init__(self, writer: PdfWriter):
        self.writer = writer
        self._forms: dict[Path, tuple[IndirectObject, bytes | None]] = {}
        self._parts: dict[tuple[int, bytes | None], tuple[IndirectObject, IndirectObject] | None] = {}

    def _form(self, stamp_pdf: Path) -> tuple[IndirectObject, bytes | None]:
        form = self._forms.get(stamp_pdf)
        if form is None:
            from pypdf.generic import ArrayObject, DecodedStreamObject, FloatObject, NameObject

            page, data = _stamp_page(stamp_pdf)
            stream = DecodedStreamObject()
            stream.update({
                NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject([FloatObject(float(v)) for v in page.mediabox]),
                NameObject("/Resources"): page["/Resources"].clone(self.writer),
            })
            stream.set_data(data)
            at = _TEXT_AT.search(data)
            form = self._forms[stamp_pdf] = (self.writer._add_object(stream.flate_encode()),
                                             at.group(2) if at else None)
        return form

    def _split(self, page: PageObject, y: bytes | None) -> tuple[IndirectObject, IndirectObject] | None:
        """The page's content before and after its blank mark's block (once per conversion: its
        copies share their pages' content), or None when the block is not found."""
        from pypdf.generic import DecodedStreamObject

        contents = page.raw_get("/Contents")
        key = (getattr(contents, "idnum", id(contents)), y)
        if key not in self._parts:
            parts = None
            page_contents = page.get_contents()
            data = page_contents.get_data() if page_contents is not None else b""  # no content: no mark to find
            found = list(_blank_line(y).finditer(data)) if y is not None else []
            if len(found) == 1:
                halves = []
                for chunk in (data[:found[0].start()], data[found[0].end():]):
                    stream = DecodedStreamObject()
                    stream.set_data(chunk)
                    halves.append(self.writer._add_object(stream.flate_encode()))
                parts = (halves[0], halves[1])
            self._parts[key] = parts
        return self._parts[key]

    def stamp(self, page: PageObject, stamp_pdf: Path) -> None:
        """Draw the stamp on ``page`` (a page of this writer). The page's resources and contents,
        shared with the other copies of the same conversion, are not changed: the page gets its
        own resource dictionary and contents array."""
        from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

        form, y = self._form(stamp_pdf)
        parts = self._split(page, y)
        resources = DictionaryObject(cast(DictionaryObject, page["/Resources"].get_object()))
        old = resources.get("/XObject")
        xobjects = DictionaryObject(cast(DictionaryObject, old.get_object()) if old is not None else {})
        xobjects[NameObject(FORM_NAME)] = form
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
        draw = DecodedStreamObject()
        draw.set_data(f"q {FORM_NAME} Do Q\n".encode("ascii"))
        ref = self.writer._add_object(draw)
        if parts is not None:
            page[NameObject("/Contents")] = ArrayObject([parts[0], ref, parts[1]])
        else:
            contents = page.raw_get("/Contents")
            rest = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
            page[NameObject("/Contents")] = ArrayObject([ref, *rest])


_stamps: dict[tuple[str, str], bytes] = {}


def stamp_for(template_key: str, mark: str, copy: bytes) -> bytes:
    """`stamp_docx` of ``copy``, computed once per (template and options, mark) in a process."""
    key = (template_key, mark)
    stamp = _stamps.get(key)
    if stamp is None:
        if len(_stamps) > 256:
            _stamps.clear()
        stamp = _stamps[key] = stamp_docx(copy)
    return stamp
