"""Slim a DOCX template: what python-docx's default template carries and no document of ours uses.

python-docx starts every document from its own default template: ~160 style definitions and ~270
latent styles (styles.xml, 355 kB), a Word 2010 copy of them (stylesWithEffects.xml, 438 kB), a
bibliography (customXml) and the thumbnail of an empty page. LibreOffice reads every style of
styles.xml for every document it converts: on docforge's templates that is about 45% of its time
per document (measured with `bench/run.py`), for no visible effect.

`slim_docx` keeps every custom style (docforge's DF… styles), every default style, every style some
part refers to (pStyle, rStyle, tblStyle, numStyleLink, styleLink), and what those are based on,
linked to or followed by; it drops the latent styles and the three unused parts. Intended for
``tools/build_templates.py`` (``normalize_docx(slim_docx(data))``): converted to PDF, a slimmed
template gives the same bytes (checked in tests/test_speed_paths.py and by ``bench/run.py``).
"""

from __future__ import annotations

import io

from docx import Document as Docx
from docx.opc.constants import CONTENT_TYPE as CT
from docx.oxml.ns import qn

DROP_RELTYPES = (
    "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml",
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail",
)
_REFERENCES = ("pStyle", "rStyle", "tblStyle", "numStyleLink", "styleLink")
_CHAINS = ("basedOn", "link", "next")


def slim_docx(data: bytes) -> bytes:
    """``data`` without unused styles, latent styles, stylesWithEffects, customXml and thumbnail
    (saved by python-docx: pass the result through ``normalize_docx`` for fixed zip metadata)."""
    doc = Docx(io.BytesIO(data))
    package = doc.part.package
    for owner in (doc.part, package):
        for rid in [rid for rid, rel in owner.rels.items() if rel.reltype in DROP_RELTYPES]:
            owner.rels.pop(rid)

    styles_part = next(p for p in package.iter_parts() if p.content_type == CT.WML_STYLES)
    root = styles_part.element
    referenced: set[str] = set()
    for part in package.iter_parts():
        if part is styles_part or not hasattr(part, "element"):
            continue
        for tag in _REFERENCES:
            referenced.update(el.get(qn("w:val")) for el in part.element.iter(qn(f"w:{tag}")))
    by_id = {s.get(qn("w:styleId")): s for s in root.iter(qn("w:style"))}
    keep: set[str] = set()
    todo = [sid for sid, s in by_id.items()
            if sid in referenced or s.get(qn("w:default")) in ("1", "true", "on")
            or s.get(qn("w:customStyle")) in ("1", "true", "on")]
    while todo:
        sid = todo.pop()
        if sid in keep or sid not in by_id:
            continue
        keep.add(sid)
        style = by_id[sid]
        for tag in _CHAINS + _REFERENCES:  # a style can itself point at others (numbering, tables)
            for el in style.iter(qn(f"w:{tag}")):
                todo.append(el.get(qn("w:val")))
    for sid, style in by_id.items():
        if sid not in keep:
            style.getparent().remove(style)
    for latent in root.findall(qn("w:latentStyles")):
        root.remove(latent)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
