"""PDF packet assembly: a packet's converted documents merged into ``packet.pdf`` with an outline
entry per document (or copy) and, on request, empty signature fields at its signature lines.

pypdf has no public call to add an indirect object to a writer; ``_add_object`` is the one private
name used here (for the signature fields' widgets, their appearance streams and the form)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .packet import Item, Packet

if TYPE_CHECKING:
    from pypdf import PageObject, PdfWriter
    from pypdf.generic import IndirectObject

@dataclass(frozen=True)
class PdfPart:
    """Where a converted document's pages are: a PDF, from page ``first`` (0-based), ``count``
    pages (None: to its end). A document converted joined with others is a part of their PDF."""

    path: Path
    first: int = 0
    count: int | None = None


def line_fragments(page: PageObject) -> list[tuple[float, float, str]]:
    """(x, y, text) of each text run of a page, in user space."""
    frags: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font_dict: Any, font_size: Any) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            frags.append((x, y, text))

    page.extract_text(visitor_text=visit)
    return frags


def find_labels(page: PageObject, labels: Iterable[str]) -> list[tuple[str, float, float, float]]:
    """Where each label starts a line of ``page``: (label, x_start, x_end, baseline y).

    Text runs are grouped into lines by their baseline; ``x_end`` is where the line's last run
    ending inside the label (and its colon) stops, estimated from the advance of the glyphs."""
    frags = line_fragments(page)
    lines: dict[float, list[tuple[float, str]]] = {}
    for x, y, text in frags:
        key = next((k for k in lines if abs(k - y) < 1.0), round(y, 1))
        lines.setdefault(key, []).append((x, text))
    found = []
    for y, runs in sorted(lines.items(), key=lambda kv: -kv[0]):
        runs.sort()
        text = "".join(t for _, t in runs)
        for label in labels:
            if text.startswith(label):
                # the label (and its colon) ends inside some run: the advance of one character is
                # measured from that run and the next, else taken as 16 pt (3号)
                end_chars = len(label) + (1 if text[len(label):len(label) + 1] in ("：", ":") else 0)
                pos, x_end = 0, runs[0][0] + 16 * end_chars
                for i, (x, t) in enumerate(runs):
                    nxt = runs[i + 1][0] if i + 1 < len(runs) else None
                    if pos + len(t) >= end_chars:
                        step = ((nxt - x) / len(t)) if nxt is not None else 16.0
                        x_end = x + step * (end_chars - pos)
                        break
                    pos += len(t)
                found.append((label, runs[0][0], x_end, y))
    return found


def add_signature_fields(writer: PdfWriter, start: int, count: int, item: Item,
                         fields: list[IndirectObject]) -> None:
    """Empty signature fields (/FT /Sig widgets) beside each signature place of one copy (its
    ``signs``: the labels of the document's signature lines and their roles)."""
    from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject,
                               NumberObject, TextStringObject)

    for index in range(start, start + count):
        page = writer.pages[index]
        right = float(page.mediabox.right) - 74.6  # the right margin (26 mm)
        for label, _x0, x_end, y in find_labels(page, item.signs):
            role = item.signs[label]
            x1 = x_end + 6
            x2 = min(x1 + 240, right)
            y1, y2 = y - 52, y + 20  # the label line and the room left below it
            w, h = x2 - x1, y2 - y1
            ap = DecodedStreamObject()
            ap.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                       NameObject("/BBox"): ArrayObject([FloatObject(0), FloatObject(0),
                                                         FloatObject(round(w, 2)), FloatObject(round(h, 2))])})
            ap.set_data(b"")
            name = f"sig_{item.kind}_{item.copy or 1}_{role}".replace("-", "_")
            widget = DictionaryObject({
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Widget"),
                NameObject("/FT"): NameObject("/Sig"),
                NameObject("/T"): TextStringObject(name),
                NameObject("/TU"): TextStringObject(f"{label}（{item.title}）"),
                NameObject("/F"): NumberObject(4),  # print
                NameObject("/Rect"): ArrayObject([FloatObject(round(v, 2)) for v in (x1, y1, x2, y2)]),
                NameObject("/P"): page.indirect_reference,
                NameObject("/AP"): DictionaryObject({NameObject("/N"): writer._add_object(ap)}),
            })
            ref = writer._add_object(widget)
            annots = page.get("/Annots")  # a new array: the copies of one conversion share the old one
            page[NameObject("/Annots")] = ArrayObject([*(annots.get_object() if annots is not None else ()), ref])
            fields.append(ref)


def assemble_pdf(packet: Packet, pdfs: dict[str, PdfPart], target: Path, sign_fields: bool,
                 readers: dict[Path, Any] | None = None) -> list[dict[str, Any]]:
    """Merge the packet's PDFs into ``target`` with an outline entry per item; return the contents
    (title, file, first page, pages of each item).

    ``pdfs`` maps each converted stem to its pages (a whole PDF, or its part of a PDF of documents
    converted joined): an item's own stem, or its ``pdf_source`` (an agreement converted once for
    its copies) and its ``stamp`` (its copy mark, drawn onto the copy's first page by
    :class:`docforge.stamps.Stamper`). Each PDF is read once (``readers`` keeps them for the next
    packets, by path): the copies of one conversion share its fonts and page contents in the
    packet."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    from .render.determinism import write_pdf
    from .stamps import Stamper

    writer = PdfWriter()
    stamper = Stamper(writer)
    readers = {} if readers is None else readers
    contents = []
    fields: list[IndirectObject] = []
    for item in packet.items:
        part = pdfs[item.pdf_source or item.stem]
        reader = readers.get(part.path)
        if reader is None:
            reader = readers[part.path] = PdfReader(part.path)
        start = len(writer.pages)
        if part.first == 0 and part.count is None:
            writer.append(reader, import_outline=False)
        else:
            end = len(reader.pages) if part.count is None else part.first + part.count
            writer.append(reader, pages=list(range(part.first, end)), import_outline=False)
        count = len(writer.pages) - start
        if item.stamp:
            stamper.stamp(writer.pages[start], pdfs[item.stamp].path)
        writer.add_outline_item(title=item.title, page_number=start)
        if sign_fields and item.holder is not None:
            add_signature_fields(writer, start, count, item, fields)
        entry: dict[str, Any] = {"title": item.title, "kind": item.kind, "docx": f"{item.stem}.docx",
                                 "first_page": start + 1, "pages": count}
        if item.holder is not None:
            entry["copy"] = item.holder
        contents.append(entry)
    root = writer.root_object
    if fields:
        root[NameObject("/AcroForm")] = writer._add_object(
            DictionaryObject({NameObject("/Fields"): ArrayObject(fields)}))
    writer.page_mode = "/UseOutlines"
    root[NameObject("/Lang")] = TextStringObject("zh-CN")
    writer.add_metadata({"/Title": packet.title, "/Creator": f"docforge {__version__}",
                         "/Producer": f"docforge {__version__} (LibreOffice, pypdf)"})
    # The documents were normalised when converted (no dates, stable font ids), so what
    # normalize_pdf would still do is the content-derived /ID.
    write_pdf(writer, target)
    return contents
