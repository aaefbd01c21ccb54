"""Several documents of one template converted to PDF as one: their DOCX bodies joined into one
DOCX, a section each, converted by one LibreOffice call and split by the pages of each section.

LibreOffice spends most of a two- or three-page agreement's conversion on the document rather
than on its pages (loading the import filter, starting the layout, setting up the PDF export and
its fonts): twenty agreements converted as one take about a quarter of the CPU of twenty
conversions (docs/benchmarks.md). The documents are joined only when that changes nothing but
the PDF's font subsets:

- every part of the packages but ``word/document.xml`` is the same (:func:`frame`): the same
  styles, numbering, settings, headers, footers and relationships, so the joined package is any
  one of them with the bodies put together;
- each body is plain paragraphs and runs: no lists, fields, bookmarks, tables, drawings, notes,
  comments or sections of its own (:func:`frame` says None otherwise), so nothing numbers or
  refers across documents;
- each document is a section of its own (its own ``w:sectPr``, a new page) whose page numbers
  restart at 1, between two bookmarks; a header's or footer's page total (``NUMPAGES``) would
  count every document, so each document gets its own copy of that header or footer, its total a
  page reference to the bookmark at its end (see `join`). The PDF names each bookmark's place, by
  which it is split (`pages`).

LibreOffice lays each section out as it lays out the document alone: the same line and page
breaks, every word in the same place to within a fifth of a point (``tests/test_batch_pdf.py``);
what differs is only which glyphs each embedded font subset holds, and so the PDF's bytes. Which
documents are joined is decided by the bundle from its inputs alone (`docforge.writer`), so the
bytes are still the same for any ``--jobs``, round size, or a resumed run.
"""

from __future__ import annotations

import copy
import hashlib
import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from .docxzip import FIXED_ZIP_TIME, ZIP_LEVEL

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCUMENT = "word/document.xml"
#: Body elements allowed in a document that is joined: paragraphs, runs and their formatting.
ALLOWED = frozenset(f"{{{W}}}{name}" for name in (
    "body", "p", "pPr", "r", "rPr", "t", "tab", "br", "pStyle", "keepNext", "keepLines", "widowControl",
    "spacing", "ind", "jc", "rFonts", "b", "bCs", "i", "iCs", "u", "sz", "szCs", "color", "kern", "lang",
    "eastAsianLayout", "snapToGrid", "adjustRightInd", "autoSpaceDE", "autoSpaceDN", "wordWrap",
    "overflowPunct", "topLinePunct", "textAlignment", "outlineLvl", "vertAlign", "spacing", "w", "position",
    "shd", "highlight", "caps", "smallCaps", "strike", "dstrike", "vanish", "specVanish", "noProof",
    "contextualSpacing", "suppressAutoHyphens", "kinsoku", "rStyle", "bdr", "pBdr", "top", "bottom", "left",
    "right", "between", "tabs", "sectPr", "headerReference", "footerReference", "pgSz", "pgMar", "cols",
    "docGrid", "pgNumType", "type", "titlePg", "textDirection", "vAlign", "lastRenderedPageBreak",
    "proofErr", "fitText", "em", "effect", "emboss", "imprint", "outline", "shadow", "webHidden",
    "cs", "rtl",
))
_PARSER = etree.XMLParser(resolve_entities=False, huge_tree=True)
_SECT = f"{{{W}}}sectPr"


def frame(docx: bytes) -> str | None:
    """What a document must share with others to be joined with them: a hash of every part of
    its package but the body (names, sizes and CRCs), or None when it cannot be joined (a body
    that is not plain paragraphs in one section, see the module docstring)."""
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        listing = sorted((i.filename, i.CRC, i.file_size) for i in z.infolist() if i.filename != DOCUMENT)
        try:
            root = etree.fromstring(z.read(DOCUMENT), _PARSER)
        except (KeyError, etree.XMLSyntaxError):
            return None
    body = root.find(f"{{{W}}}body")
    if body is None or len(body) < 2 or body[-1].tag != _SECT or body[-2].tag != f"{{{W}}}p":
        return None
    for el in body.iter():
        if not isinstance(el.tag, str):  # comments, processing instructions
            continue
        if el.tag.startswith(f"{{{W}}}") and el.tag not in ALLOWED:
            return None
        if not el.tag.startswith(f"{{{W}}}"):  # markup of another vocabulary (drawings, math …)
            return None
        if el.tag == _SECT and el is not body[-1]:  # a section break of its own
            return None
    head = etree.tostring(etree.Element(root.tag, nsmap=root.nsmap), encoding="unicode")
    digest = hashlib.sha256(repr((listing, head, sorted(root.attrib.items()))).encode("utf-8"))
    return digest.hexdigest()


#: The bookmarks that mark where each joined document starts and ends (n: its place, from 0).
START, END = "dfStart{n}", "dfEnd{n}"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_RELS = "word/_rels/document.xml.rels"
_TOTAL = re.compile(rb"(<w:instrText[^>]*>)\s*NUMPAGES\b[^<]*(</w:instrText>)")
_SIMPLE_TOTAL = re.compile(rb'(<w:fldSimple\b[^>]*\bw:instr=")\s*NUMPAGES\b[^"]*(")')


def join(documents: Sequence[bytes]) -> bytes:
    """One DOCX holding ``documents`` (all of one :func:`frame`), each a section starting a new
    page with its page numbers restarting at 1, between the bookmarks ``START`` and ``END``.

    A header or footer that shows the page total (``NUMPAGES``) is copied for each document, the
    total becoming a page reference (``PAGEREF``) to the document's ``END`` bookmark: the number
    of the page its last paragraph starts on, which is its page count since its numbers start at
    1 (`pages` checks that the last paragraph starts on the last page). LibreOffice computes
    it while laying out; nothing is filled in afterwards. The package is the first document's."""
    if not documents:
        raise ValueError("nothing to join")
    roots = []
    for data in documents:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            roots.append(etree.fromstring(z.read(DOCUMENT), _PARSER))
    with zipfile.ZipFile(io.BytesIO(documents[0])) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    rels = etree.fromstring(parts[_RELS], _PARSER)
    types = etree.fromstring(parts["[Content_Types].xml"], _PARSER)
    # the headers and footers with a page total, by relationship id
    totals: dict[str, tuple[str, str]] = {}  # rId -> (part name in word/, relationship type)
    for rel in rels:
        target, kind = rel.get("Target", ""), rel.get("Type", "")
        if kind.endswith(("/header", "/footer")) and rel.get("TargetMode") != "External":
            data = parts.get(f"word/{target}", b"")
            if _TOTAL.search(data) or _SIMPLE_TOTAL.search(data):
                totals[rel.get("Id", "")] = (target, kind)
    bodies = [list(_body(root)) for root in roots]
    first = roots[0]
    body = first.find(f"{{{W}}}body")
    assert body is not None
    for el in list(body):
        body.remove(el)
    for n, elements in enumerate(bodies):
        sect = _restarting(elements[-1])
        paragraphs = elements[:-1]
        _bookmark(paragraphs[0], paragraphs[-1], n)
        for ref in sect:
            rid = ref.get(f"{{{_R}}}id")
            if ref.tag in (f"{{{W}}}headerReference", f"{{{W}}}footerReference") and rid in totals:
                target, kind = totals[rid]
                own = f"{Path(target).stem}-df{n}{Path(target).suffix}"
                new_id = f"rIdDf{n}x{rid}"
                data = parts[f"word/{target}"]
                bookmark = END.format(n=n).encode("ascii")
                data = _TOTAL.sub(rb"\1 PAGEREF " + bookmark + rb" \2", data)
                data = _SIMPLE_TOTAL.sub(rb"\1 PAGEREF " + bookmark + rb" \2", data)
                parts[f"word/{own}"] = data
                etree.SubElement(rels, f"{{{_PKG_RELS}}}Relationship", Id=new_id, Type=kind, Target=own)
                content = next((o.get("ContentType") for o in types if o.get("PartName") == f"/word/{target}"), None)
                if content:
                    etree.SubElement(types, f"{{{_TYPES}}}Override", PartName=f"/word/{own}", ContentType=content)
                ref.set(f"{{{_R}}}id", new_id)
        for el in paragraphs:
            body.append(el)
        if n < len(bodies) - 1:  # a section ends with its last paragraph's properties
            last = paragraphs[-1]
            ppr = last.find(f"{{{W}}}pPr")
            if ppr is None:
                ppr = etree.Element(f"{{{W}}}pPr")
                last.insert(0, ppr)
            change = ppr.find(f"{{{W}}}pPrChange")
            if change is not None:
                change.addprevious(sect)
            else:
                ppr.append(sect)
        else:
            body.append(sect)
    parts[DOCUMENT] = etree.tostring(first, xml_declaration=True, encoding="UTF-8", standalone=True)
    parts[_RELS] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True)
    parts["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as zout:
        for name, data in parts.items():
            member = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(member, data)
    return out.getvalue()


def _body(root: etree._Element) -> etree._Element:
    body = root.find(f"{{{W}}}body")
    if body is None:
        raise ValueError("a DOCX without a body")
    return body


def _bookmark(first: etree._Element, last: etree._Element, n: int) -> None:
    """A document's bookmarks: ``START`` at the start of its first paragraph, ``END`` at the
    start of its last (at its end, the bookmark moved the line's last glyph by 0.4 pt; a last
    paragraph that does not start on the last page is caught by `pages`)."""
    for name, paragraph, number in ((START, first, 2 * n), (END, last, 2 * n + 1)):
        begin = etree.Element(f"{{{W}}}bookmarkStart")
        begin.set(f"{{{W}}}id", str(number))
        begin.set(f"{{{W}}}name", name.format(n=n))
        end = etree.Element(f"{{{W}}}bookmarkEnd")
        end.set(f"{{{W}}}id", str(number))
        ppr = paragraph.find(f"{{{W}}}pPr")
        at = 0 if ppr is None else paragraph.index(ppr) + 1
        paragraph.insert(at, begin)
        paragraph.insert(at + 1, end)


#: Children of ``w:sectPr`` that come before ``w:pgNumType`` (ECMA-376 Part 1, 17.6.17).
_BEFORE_PGNUM = frozenset(f"{{{W}}}{n}" for n in (
    "headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz", "pgMar", "paperSrc",
    "pgBorders", "lnNumType"))


def _restarting(sect: etree._Element) -> etree._Element:
    """A copy of a section's properties whose page numbers start at 1, on a new page."""
    sect = copy.deepcopy(sect)
    kind = sect.find(f"{{{W}}}type")
    if kind is not None and kind.get(f"{{{W}}}val") not in (None, "nextPage"):
        kind.set(f"{{{W}}}val", "nextPage")
    numbering = sect.find(f"{{{W}}}pgNumType")
    if numbering is None:
        numbering = etree.Element(f"{{{W}}}pgNumType")
        before = [el for el in sect if el.tag in _BEFORE_PGNUM]
        if before:
            before[-1].addnext(numbering)
        else:
            sect.insert(0, numbering)
    numbering.set(f"{{{W}}}start", "1")
    return sect


def pages(pdf: Path, count: int) -> tuple[int, ...]:
    """The pages of each of the ``count`` documents joined in ``pdf`` (converted with its
    bookmarks' places named), from where each starts; raises ValueError when the places are not
    those of ``count`` documents one after the other."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    total = len(reader.pages)
    places: dict[str, int] = {}
    for name, destination in reader.named_destinations.items():
        page = reader.get_destination_page_number(destination)
        if page is not None:
            places[str(name).lstrip("/")] = page
    try:
        starts = [places[START.format(n=n)] for n in range(count)]
        ends = [places[END.format(n=n)] for n in range(count)]
    except KeyError as exc:
        raise ValueError(f"the PDF does not say where joined document {exc} is") from None
    bounds = [*starts, total]
    counts = tuple(bounds[n + 1] - bounds[n] for n in range(count))
    if starts[0] != 0 or any(c < 1 for c in counts):
        raise ValueError(f"the joined documents' pages are not in order (starts {starts})")
    for n in range(count):  # the page total refers to where the last paragraph starts
        if ends[n] != bounds[n + 1] - 1:
            raise ValueError(f"joined document {n + 1}'s last paragraph does not start on its last page")
    return counts
