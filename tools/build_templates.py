"""Build the default .docx templates in ``templates/`` (GB/T 9704-2012 layout, docxtpl tags).

Run ``python tools/build_templates.py`` after changing the layout; ``tests/test_templates.py`` fails
when the committed templates differ from what this script builds.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from docforge.models import DocumentKind  # noqa: E402
from docforge.render.docx import normalize_docx  # noqa: E402
from docforge.render.layout import SPACING_TWIPS  # noqa: E402
from docforge.render.slim import slim_docx  # noqa: E402

KINDS = [k.value for k in DocumentKind]  # the one list of document kinds: models.DocumentKind
# Templates that are not documents of their own: the village packet's adoption and filing record,
# and the 修订对照表 (amendment comparison table, landscape).
SHEETS = ["adoption-sheet", "comparison"]

FANGSONG = "仿宋_GB2312"
XIAOBIAOSONG = "方正小标宋简体"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONG = "宋体"
LATIN = "Times New Roman"

# GB/T 9704-2012: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; 22 lines x 28 chars.
PAGE = {"w": 11906, "h": 16838, "top": 2098, "bottom": 1984, "left": 1588, "right": 1474,
        "header": 851, "footer": 1264}
LINE_PITCH = 579
PAGE_NUMBER_INSET = 280  # one 4号 (14 pt) character, in twips
CHAR_SPACING = -5  # twips; with the line grid gives 28 characters a line in LibreOffice 7.4


def _fonts(rpr, east_asia: str, size_pt: float, bold: bool = False, color: str | None = None,
           spacing: int | None = CHAR_SPACING) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr, val in (("w:ascii", LATIN), ("w:hAnsi", LATIN), ("w:eastAsia", east_asia), ("w:cs", LATIN)):
        fonts.set(qn(attr), val)
    if bold:
        rpr.append(OxmlElement("w:b"))
    if color:
        c = OxmlElement("w:color")
        c.set(qn("w:val"), color)
        rpr.append(c)
    if spacing is not None:
        sp = OxmlElement("w:spacing")
        sp.set(qn("w:val"), str(spacing))
        rpr.append(sp)
    for tag, val in (("w:sz", str(int(size_pt * 2))), ("w:szCs", str(int(size_pt * 2)))):
        el = OxmlElement(tag)
        el.set(qn("w:val"), val)
        rpr.append(el)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    rpr.append(lang)


def _para_props(ppr, align: str | None = None, first_line_chars: int | None = None,
                after_lines: float = 0, before_lines: float = 0, keep_next: bool = False,
                side_indent: tuple[int, int] | None = None, base: bool = False,
                grid: bool = True) -> None:
    """Paragraph properties, children in the schema's order. ``base`` (the Normal style) adds what
    every paragraph shares: widow and orphan control, and no automatic space between Chinese and
    Latin or digits (LibreOffice would print 2026 年 1 月 1 日 where the text says 2026年1月1日)."""
    if keep_next:
        ppr.append(OxmlElement("w:keepNext"))
    if base:
        ppr.append(OxmlElement("w:widowControl"))
        for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
            el = OxmlElement(tag)
            el.set(qn("w:val"), "0")
            ppr.append(el)
    if not grid:  # off the line grid: a footer line is as tall as its font, not a grid line
        el = OxmlElement("w:snapToGrid")
        el.set(qn("w:val"), "0")
        ppr.append(el)
    sp = OxmlElement("w:spacing")
    sp.set(qn("w:before"), str(int(before_lines * LINE_PITCH)))
    sp.set(qn("w:after"), str(int(after_lines * LINE_PITCH)))
    sp.set(qn("w:line"), "240")
    sp.set(qn("w:lineRule"), "auto")
    ppr.append(sp)
    if first_line_chars is not None or side_indent is not None:
        ind = OxmlElement("w:ind")
        if side_indent is not None:  # (left, right) in twips
            ind.set(qn("w:left"), str(side_indent[0]))
            ind.set(qn("w:right"), str(side_indent[1]))
        if first_line_chars is not None:
            ind.set(qn("w:firstLineChars"), str(first_line_chars * 100))
            ind.set(qn("w:firstLine"), str(first_line_chars * 320))
        ppr.append(ind)
    if align:
        jc = OxmlElement("w:jc")
        jc.set(qn("w:val"), align)
        ppr.append(jc)


def _style(doc, name: str, font: str, size: float, align: str = "both", indent: int | None = None,
           bold: bool = False, after: float = 0, before: float = 0, color: str | None = None,
           keep_next: bool = False, side_indent: tuple[int, int] | None = None, grid: bool = True,
           spacing: int = CHAR_SPACING):
    st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    st.base_style = doc.styles["Normal"]
    st.quick_style = True
    el = st.element
    ppr = el.get_or_add_pPr()
    _para_props(ppr, align, indent, after, before, keep_next, side_indent, grid=grid)
    rpr = el.get_or_add_rPr()
    _fonts(rpr, font, size, bold, color, spacing)
    return st


def _page_setup(doc, landscape: bool = False) -> None:
    sect = doc.sections[0]
    sectpr = sect._sectPr
    for child in list(sectpr):
        sectpr.remove(child)
    # footer reference is added later by python-docx when the footer is touched
    pgsz = OxmlElement("w:pgSz")
    pgsz.set(qn("w:w"), str(PAGE["h"] if landscape else PAGE["w"]))
    pgsz.set(qn("w:h"), str(PAGE["w"] if landscape else PAGE["h"]))
    if landscape:
        pgsz.set(qn("w:orient"), "landscape")
    sectpr.append(pgsz)
    mar = OxmlElement("w:pgMar")
    for k in ("top", "right", "bottom", "left", "header", "footer"):
        mar.set(qn(f"w:{k}"), str(PAGE[k]))
    mar.set(qn("w:gutter"), "0")
    sectpr.append(mar)
    cols = OxmlElement("w:cols")
    cols.set(qn("w:space"), "425")
    sectpr.append(cols)
    if landscape:  # a table page: its cells' smaller type keeps its own line height, no 22-line grid
        return
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))
    sectpr.append(grid)


def _field(paragraph, instr: str) -> None:
    """Append a complex field (PAGE, NUMPAGES) to ``paragraph``."""
    def run_with(el):
        r = OxmlElement("w:r")
        r.append(el)
        paragraph._p.append(r)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {instr} "
    run_with(it)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    t = OxmlElement("w:t")
    t.text = "1"
    run_with(t)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _tag(doc, text: str) -> None:
    doc.add_paragraph(text, style="DFBody")


def _document_body(doc, kind: str) -> None:
    if kind not in ("charter", "convention"):
        _tag(doc, "{%p for party in parties %}")
        _tag(doc, "{%p for line in party.lines %}")
        doc.add_paragraph("{{ line }}", style="DFParty")
        _tag(doc, "{%p endfor %}")
        _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p for b in blocks %}")
    _tag(doc, "{%p if b.type == 'chapter' %}")
    doc.add_paragraph("{{ b.display }}", style="DFChapter")
    _tag(doc, "{%p elif b.type == 'section' %}")
    doc.add_paragraph("{{ b.display }}", style="DFSection")
    _tag(doc, "{%p elif b.type == 'subsection' %}")
    doc.add_paragraph("{{ b.display }}", style="DFSubsection")
    for level in range(len(SPACING_TWIPS)):
        lead = "not loop.last and loop.nextitem.depth > b.depth"
        _tag(doc, f"{{%p elif b.tight == {level} and {lead} %}}")
        doc.add_paragraph("{{ b.display }}", style=f"DFLead{level or ''}")
        _tag(doc, f"{{%p elif b.tight == {level} %}}")
        doc.add_paragraph("{{ b.display }}", style=f"DFBody{level or ''}")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")
    if kind not in ("charter", "convention"):
        _signature_lines(doc, "signature")


def _signature_lines(doc, var: str, sign_style: str = "DFSign", plain_style: str = "DFSignature") -> None:
    """The lines of ``var``: a line ending in 签章：, 签字： or 盖章： gets room to sign below it."""
    _tag(doc, f"{{%p for line in {var} %}}")
    _tag(doc, "{%p if line.endswith('签章：') or line.endswith('签字：') or line.endswith('盖章：') %}")
    doc.add_paragraph("{{ line }}", style=sign_style)
    _tag(doc, "{%p else %}")
    doc.add_paragraph("{{ line }}", style=plain_style)
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")


def _adoption_sheet_body(doc) -> None:
    """The village packet's record of adoption (村民会议/村民代表会议) and filing (备案).

    Context: ``records`` (one per document: ``number`` 一、二…, ``name`` 《…》, ``meeting``,
    ``date``), ``filing`` (lines of the filing record) and ``filing_signature`` (lines to sign).
    """
    doc.add_paragraph("一、通过记录", style="DFSection")
    _tag(doc, "{%p for r in records %}")
    doc.add_paragraph("{{ r.label }}{{ r.name }}", style="DFSubsection")
    _tag(doc, "{%p for line in r.lines %}")
    doc.add_paragraph("{{ line }}", style="DFRecord")
    _tag(doc, "{%p endfor %}")
    _signature_lines(doc, "r.signature", "DFSignLast", "DFBody")
    _tag(doc, "{%p endfor %}")
    doc.add_paragraph("二、报{{ township }}人民政府备案记录", style="DFSection")
    _tag(doc, "{%p for line in filing %}")
    doc.add_paragraph("{{ line }}", style="DFBody")
    _tag(doc, "{%p endfor %}")
    _signature_lines(doc, "filing_signature", "DFSignBody", "DFBody")


# The 修订对照表 on landscape A4 (the same margins, turned): 原条文 | 修订后条文 | 修订依据.
COMPARISON_COLUMNS = [("原条文", 5000), ("修订后条文", 5000), ("修订依据", 3776)]  # twips, 13776 in all


def _cell_style(doc, name: str, font: str, size: float, align: str = "both", bold: bool = False) -> None:
    """A table-cell paragraph style: no first-line indent, no character spacing of the body grid."""
    st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    st.base_style = doc.styles["Normal"]
    st.quick_style = True
    _para_props(st.element.get_or_add_pPr(), align)
    _fonts(st.element.get_or_add_rPr(), font, size, bold, spacing=None)


def _el(tag: str, **attrs: str):
    el = OxmlElement(tag)
    for k, v in attrs.items():
        el.set(qn(f"w:{k}"), v)
    return el


def _tagged_run(paragraph, text: str, *props) -> None:
    """A run of ``text`` whose properties are the elements ``props`` (w:strike, w:u …)."""
    run = paragraph.add_run()
    if props:
        rpr = run._r.get_or_add_rPr()
        for p in props:
            rpr.append(p)
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    run._r.append(t)


def _marked_paragraph(cell, var: str) -> None:
    """A paragraph of ``var``'s segments: deleted ones struck through, inserted ones bold and underlined."""
    p = cell.add_paragraph(style="DFCell")
    _tagged_run(p, f"{{%r for s in {var}.segments %}}")
    _tagged_run(p, "{%r if s.mark == 'delete' %}")
    _tagged_run(p, "{{ s.text }}", _el("w:strike"))
    _tagged_run(p, "{%r elif s.mark == 'insert' %}")
    _tagged_run(p, "{{ s.text }}", _el("w:b"), _el("w:bCs"), _el("w:u", val="single"))
    _tagged_run(p, "{%r else %}")
    _tagged_run(p, "{{ s.text }}")
    _tagged_run(p, "{%r endif %}")
    _tagged_run(p, "{%r endfor %}")


def _comparison_body(doc) -> None:
    """The 修订对照表: a heading note, then one table row per changed unit.

    Context: ``intro`` (lines under the title), ``rows`` (each: ``old`` and ``new``, lists of
    paragraphs, each with ``segments`` of ``text`` and ``mark`` equal/delete/insert; ``basis``,
    lines of the 修订依据 cell). Every list of a cell holds at least one paragraph.
    """
    _tag(doc, "{%p for line in intro %}")
    doc.add_paragraph("{{ line }}", style="DFNote")
    _tag(doc, "{%p endfor %}")
    table = doc.add_table(rows=4, cols=len(COMPARISON_COLUMNS))
    tbl = table._tbl
    tblpr = tbl.tblPr
    for child in list(tblpr):
        if child.tag != qn("w:tblStyle"):
            tblpr.remove(child)
    style = tblpr.find(qn("w:tblStyle"))
    if style is not None:
        tblpr.remove(style)
    total = sum(w for _n, w in COMPARISON_COLUMNS)
    tblpr.append(_el("w:tblW", w=str(total), type="dxa"))
    tblpr.append(_el("w:jc", val="center"))
    borders = _el("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_el(f"w:{side}", val="single", sz="4", space="0", color="000000"))
    tblpr.append(borders)
    tblpr.append(_el("w:tblLayout", type="fixed"))
    margins = _el("w:tblCellMar")
    for side, w in (("top", "57"), ("left", "85"), ("bottom", "57"), ("right", "85")):
        margins.append(_el(f"w:{side}", w=w, type="dxa"))
    tblpr.append(margins)
    grid = tbl.tblGrid
    for col, (_name, width) in zip(grid.findall(qn("w:gridCol")), COMPARISON_COLUMNS):
        col.set(qn("w:w"), str(width))
    for row in table.rows:
        for cell, (_name, width) in zip(row.cells, COMPARISON_COLUMNS):
            tcpr = cell._tc.get_or_add_tcPr()
            tcpr.append(_el("w:tcW", w=str(width), type="dxa"))
            for p in list(cell._tc.findall(qn("w:p"))):
                cell._tc.remove(p)

    head = table.rows[0]
    trpr = head._tr.get_or_add_trPr()
    trpr.append(_el("w:cantSplit"))
    trpr.append(_el("w:tblHeader"))  # repeated on every page
    for cell, (name, _w) in zip(head.cells, COMPARISON_COLUMNS):
        cell.add_paragraph(name, style="DFCellHead")
    opening, body, closing = table.rows[1], table.rows[2], table.rows[3]
    opening.cells[0].add_paragraph("{%tr for row in rows %}", style="DFCell")
    closing.cells[0].add_paragraph("{%tr endfor %}", style="DFCell")
    for row in (opening, closing):
        for cell in row.cells[1:]:
            cell.add_paragraph("", style="DFCell")
    for cell, var in ((body.cells[0], "row.old"), (body.cells[1], "row.new")):
        cell.add_paragraph(f"{{%p for para in {var} %}}", style="DFCell")
        _marked_paragraph(cell, "para")
        cell.add_paragraph("{%p endfor %}", style="DFCell")
    basis = body.cells[2]
    basis.add_paragraph("{%p for line in row.basis %}", style="DFCellBasis")
    basis.add_paragraph("{{ line }}", style="DFCellBasis")
    basis.add_paragraph("{%p endfor %}", style="DFCellBasis")
    doc.add_paragraph("", style="DFNote")  # a document ends with a paragraph, not a table


def build(kind: str) -> bytes:
    doc = Document()
    styles = doc.styles
    normal = styles["Normal"]
    nrpr = normal.element.get_or_add_rPr()
    for child in list(nrpr):
        nrpr.remove(child)
    _fonts(nrpr, FANGSONG, 16)
    nppr = normal.element.get_or_add_pPr()
    for child in list(nppr):
        nppr.remove(child)
    _para_props(nppr, "both", base=True)
    # LibreOffice reads the CJK/Latin autospace switch from the document defaults, not from a style.
    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), "0")
        defaults.insert(0, el)

    # 小标宋 is never set bold in 公文: its weight is the face's own (fonts.conf maps it to a heavy
    # Song face when the licensed font is not installed).
    _style(doc, "DFTitle", XIAOBIAOSONG, 22, align="center", after=1)
    _style(doc, "DFCopyMark", HEITI, 16, align="right")
    _style(doc, "DFChapter", HEITI, 16, align="center", keep_next=True)
    _style(doc, "DFSection", HEITI, 16, indent=2, keep_next=True)
    _style(doc, "DFSubsection", KAITI, 16, indent=2, keep_next=True)
    _style(doc, "DFBody", FANGSONG, 16, indent=2)
    # An article or item whose own items follow (charter 第十四条 and its （一）（二）): kept with
    # the next paragraph, so a heading never ends a page without what it introduces.
    _style(doc, "DFLead", FANGSONG, 16, indent=2, keep_next=True)
    # Set tighter (29 or 30 characters a line) where docforge.render.layout finds that the grid's
    # 28 leave one or two characters alone on the last line, or stretch a line before an amount.
    for level, twips in enumerate(SPACING_TWIPS[1:], 1):
        _style(doc, f"DFBody{level}", FANGSONG, 16, indent=2, spacing=twips)
        _style(doc, f"DFLead{level}", FANGSONG, 16, indent=2, keep_next=True, spacing=twips)
    _style(doc, "DFParty", FANGSONG, 16, align="left")
    _style(doc, "DFSignature", FANGSONG, 16, align="left", keep_next=True)
    # A line to sign or stamp on (…签章：, …签字：): a blank line before, two after for the
    # signature or the seal; kept with what follows, so a signature block never splits.
    _style(doc, "DFSign", FANGSONG, 16, align="left", before=1, after=2, keep_next=True)
    _style(doc, "DFRecord", FANGSONG, 16, indent=2, keep_next=True)  # a record stays on one page
    _style(doc, "DFSignLast", FANGSONG, 16, indent=2, before=1, after=2)  # ends a record
    _style(doc, "DFSignBody", FANGSONG, 16, indent=2, before=1, after=2, keep_next=True)
    # GB/T 9704-2012 7.5: page numbers in 4号 (14 pt) half-width Arabic numerals with a dash each
    # side, odd pages at the right and even pages at the left, one character in from the edge of
    # the text block. The agreements' 第 N 页 共 M 页 stays centred (docs/printing.md says why).
    _style(doc, "DFFooter", SONG, 14, align="center", grid=False)
    _style(doc, "DFPageOdd", SONG, 14, align="right", side_indent=(0, PAGE_NUMBER_INSET), grid=False)
    _style(doc, "DFPageEven", SONG, 14, align="left", side_indent=(PAGE_NUMBER_INSET, 0), grid=False)
    _style(doc, "DFDraft", HEITI, 16, align="right", color="A6A6A6")
    if kind == "comparison":  # 4号 in the table: three columns of Chinese on a landscape page
        _cell_style(doc, "DFNote", FANGSONG, 14, align="left")
        _cell_style(doc, "DFCellHead", HEITI, 14, align="center")
        _cell_style(doc, "DFCell", FANGSONG, 14)
        _cell_style(doc, "DFCellBasis", FANGSONG, 12, align="left")

    body = doc.element.body
    for p in list(body):
        if p.tag == qn("w:p"):
            body.remove(p)
    _page_setup(doc, landscape=kind == "comparison")

    # The copy mark (甲方执, 县公证处执 …) stands at the top right, above the title.
    _tag(doc, "{%p if copy_mark %}")
    doc.add_paragraph("{{ copy_mark }}", style="DFCopyMark")
    _tag(doc, "{%p endif %}")
    doc.add_paragraph("{{ title }}", style="DFTitle")
    if kind == "adoption-sheet":
        _adoption_sheet_body(doc)
    elif kind == "comparison":
        _comparison_body(doc)
    else:
        _document_body(doc, kind)

    section = doc.sections[0]
    # Odd and even pages carry different page numbers (GB/T 9704 7.5), so both have a header (the
    # draft mark) and a footer of their own.
    doc.settings.odd_and_even_pages_header_footer = True
    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        hp = header.paragraphs[0]
        hp.text = "{%p if draft %}"
        hp.style = styles["DFDraft"]
        header.add_paragraph("征求意见稿", style="DFDraft")
        header.add_paragraph("{%p endif %}", style="DFDraft")
    for footer, style in ((section.footer, "DFPageOdd"), (section.even_page_footer, "DFPageEven")):
        footer.is_linked_to_previous = False
        fp = footer.paragraphs[0]
        fp.text = "{%p if page_total %}"
        fp.style = styles["DFFooter"]
        p = footer.add_paragraph("第 ", style="DFFooter")
        _field(p, "PAGE")
        p.add_run(" 页 共 ")
        _field(p, "NUMPAGES")
        p.add_run(" 页")
        footer.add_paragraph("{%p else %}", style="DFFooter")
        p = footer.add_paragraph("— ", style=style)
        _field(p, "PAGE")
        p.add_run(" —")
        footer.add_paragraph("{%p endif %}", style="DFFooter")

    cp = doc.core_properties
    cp.title = "{{ title }}"
    cp.author = "docforge"
    cp.last_modified_by = "docforge"
    cp.language = "zh-CN"
    cp.subject = ""
    cp.comments = ""
    cp.keywords = ""
    cp.revision = 1
    import datetime as dt
    fixed = dt.datetime(2000, 1, 1)
    cp.created = fixed
    cp.modified = fixed
    cp.last_printed = fixed
    buf = io.BytesIO()
    doc.save(buf)
    return normalize_docx(slim_docx(buf.getvalue()))


def main() -> None:
    out = ROOT / "docforge" / "templates"
    out.mkdir(exist_ok=True)
    for kind in KINDS + SHEETS:
        (out / f"{kind}.docx").write_bytes(build(kind))
        print(f"wrote docforge/templates/{kind}.docx")


if __name__ == "__main__":
    main()
