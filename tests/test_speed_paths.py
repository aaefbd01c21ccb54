"""The fast DOCX path gives the very bytes of the straightforward docxtpl path."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from docx import Document as Docx

from docforge.demo import example_households, examples_dir
from docforge.errors import RenderError
from docforge.inputs import load_household, load_village
from docforge.models import DocumentKind
from docforge.render import docx as render
from docforge.render.docx import (compiled_template, docx_text, render_docx, render_docx_fast, template_path,
                                  write_docx)
from docforge.resolve import Resolver

AS_OF = dt.date(2021, 8, 19)  # the national agreements' last day: households sign some (docs/law.md)
NASTY = "张&伟<b>\"引\"'单'𠀀"  # markup characters and a character outside the BMP (U+20000)
OPTIONS = [
    {},
    {"copy_mark": "甲方存", "page_total": True},
    {"draft": True},
    {"copy_mark": f"乙方{NASTY}存", "page_total": True, "draft": True},
    {"copy_mark": "a\tb\nc\x07d", "page_total": False, "draft": False},  # cleaned control characters
]


@pytest.fixture(scope="module")
def village():
    return load_village(examples_dir() / "village.yaml")


@pytest.fixture(scope="module")
def resolver(village):
    return Resolver(village, AS_OF)


@pytest.fixture(scope="module")
def households():
    found = [load_household(p) for p in example_households()]
    nasty = found[0].model_copy(deep=True)
    nasty.id = "x&<>\"'"
    nasty.group = f"第{NASTY}组"
    nasty.husband.name = f"{NASTY}夫"
    nasty.wife.name = f"李&<娜>'\"𠀀"
    nasty.husband.registered_address = "某某村 <1> & \"2\" '3' 𠀀"
    nasty.wife.current_address = "]]> <![CDATA[ &amp; &#39; {{ title }} {% if %}"
    nasty.husband.phone = "138&0000"
    return [*found[:3], nasty]


def _differences(a: bytes, b: bytes) -> list[str]:
    za, zb = zipfile.ZipFile(io.BytesIO(a)), zipfile.ZipFile(io.BytesIO(b))
    if za.namelist() != zb.namelist():
        return [f"members {za.namelist()} != {zb.namelist()}"]
    out = [n for n in za.namelist() if za.read(n) != zb.read(n)]
    out += [f"{x.filename} zip attributes" for x, y in zip(za.infolist(), zb.infolist())
            if (x.date_time, x.compress_type, x.external_attr, x.create_system, x.flag_bits, x.extra)
            != (y.date_time, y.compress_type, y.external_attr, y.create_system, y.flag_bits, y.extra)]
    return out or ["same members, different zip bytes"]


def _same(doc, **options) -> bytes:
    slow = render_docx(doc, **options)
    fast = render_docx_fast(doc, **options)
    assert fast == slow, f"{doc.kind.value} {options}: {_differences(slow, fast)}"
    return fast


@pytest.mark.parametrize("kind", [k.value for k in DocumentKind])
def test_fast_equals_straightforward(resolver, households, kind):
    if DocumentKind(kind).is_agreement:
        docs = [resolver.document(kind, h) for h in households]
    else:
        docs = [resolver.document(kind)]
    for doc in docs:
        for options in OPTIONS:
            _same(doc, **options)


def test_nasty_text_survives(resolver, households):
    nasty = households[-1]
    data = _same(resolver.document("outflow", nasty), copy_mark=NASTY, draft=True)
    text = "\n".join(docx_text(data))
    assert f"{NASTY}夫" in text and "李&<娜>'\"𠀀" in text and NASTY in text
    assert "]]> <![CDATA[ &amp; &#39; {{ title }} {% if %}" in text
    core = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml").decode()
    assert "<dc:title>" in core


def test_nasty_village_name(village):
    v = village.model_copy(deep=True)
    v.village.name = f"某&<村>\"'{NASTY}"
    r = Resolver(v, AS_OF)
    for kind in ("charter", "convention"):
        for options in OPTIONS[:2]:
            _same(r.document(kind), **options)


def test_write_docx_uses_fast_path(resolver, households, tmp_path, monkeypatch):
    doc = resolver.document("contraception", households[0])
    expected = render_docx(doc, copy_mark="村委会存")
    monkeypatch.setattr(render, "render_docx", lambda *a, **k: pytest.fail("reference path used"))
    path = write_docx(doc, tmp_path / "a.docx", copy_mark="村委会存")
    assert path.read_bytes() == expected
    assert not list(tmp_path.glob(".*.tmp"))


def test_compiled_once_and_recompiled_when_changed(resolver, tmp_path):
    doc = resolver.document("charter")
    first = compiled_template(template_path("charter"))
    assert compiled_template(template_path("charter")) is first
    copy = tmp_path / "charter.docx"
    copy.write_bytes(template_path("charter").read_bytes())
    before = compiled_template(copy)
    assert render_docx_fast(doc, template=copy) == render_docx(doc, template=copy)
    # A changed template (another size, another mtime) is compiled again.
    changed = _custom_template(tmp_path / "custom.docx")
    copy.write_bytes(changed.read_bytes())
    os.utime(copy, ns=(1, 1))
    assert compiled_template(copy) is not before
    _same_with_template(doc, copy)


def test_zip_structure_matches_normalize(resolver, households):
    data = render_docx_fast(resolver.document("inflow", households[1]), page_total=True)
    assert render.normalize_docx(data) == data
    z = zipfile.ZipFile(io.BytesIO(data))
    assert z.namelist()[0] == "[Content_Types].xml"
    assert {i.date_time for i in z.infolist()} == {render.FIXED_ZIP_TIME}
    assert z.testzip() is None


# A template using what the default ones do not: a table (fix_tables), a picture (fix_docpr_ids),
# tabs and line breaks produced by the template (resolve_listing), escaped braces, a header.

_PNG = (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
        + struct.pack(">I", zlib.crc32(b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)))
        + struct.pack(">I", 12) + b"IDAT" + zlib.compress(b"\x00\xff\x00\x00")
        + struct.pack(">I", zlib.crc32(b"IDAT" + zlib.compress(b"\x00\xff\x00\x00")))
        + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND")))


def _custom_template(path: Path) -> Path:
    d = Docx()
    d.add_paragraph("{{ title }}")
    d.add_paragraph("A{{ '\\t' }}B{{ '\\n' }}C {{ village }}")
    d.add_paragraph("{_{ not a tag }_}")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "{%tc for p in parties %}"
    table.cell(0, 1).text = "{{ p.role }}{%tc endfor %}"
    table.cell(1, 0).text = "{{ copy_mark }}"
    d.add_paragraph("{%p for b in blocks %}")
    d.add_paragraph("{{ b.display }}")
    d.add_paragraph("{%p endfor %}")
    d.add_picture(io.BytesIO(_PNG))
    d.add_picture(io.BytesIO(_PNG))
    d.sections[0].header.paragraphs[0].text = "{{ village }} {{ copy_mark }}"
    d.core_properties.title = "{{ title }}"
    d.core_properties.subject = "{{ village }}"
    d.core_properties.author = "docforge"
    fixed = dt.datetime(2000, 1, 1)
    d.core_properties.created = d.core_properties.modified = d.core_properties.last_printed = fixed
    buf = io.BytesIO()
    d.save(buf)
    path.write_bytes(render.normalize_docx(buf.getvalue()))
    return path


def _same_with_template(doc, template: Path, **options) -> bytes:
    slow = render_docx(doc, template=template, **options)
    fast = render_docx_fast(doc, template=template, **options)
    assert fast == slow, _differences(slow, fast)
    return fast


def test_custom_template_features(resolver, households, tmp_path):
    template = _custom_template(tmp_path / "custom.docx")
    assert compiled_template(template).fallback is None
    for doc in (resolver.document("charter"), resolver.document("inflow", households[-1])):
        for options in OPTIONS:
            data = _same_with_template(doc, template, **options)
    document = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "<w:tab/>" in document and "<w:br/>" in document and "{{ not a tag }}" in document
    assert 'id="1001"' in document and 'id="1002"' in document


def test_template_errors_name_the_template(resolver, tmp_path):
    d = Docx()
    d.add_paragraph("{{ no_such_value }}")
    bad = tmp_path / "bad.docx"
    d.save(bad)
    doc = resolver.document("charter")
    with pytest.raises(RenderError, match="bad.docx"):
        render_docx_fast(doc, template=bad)
    d = Docx()
    d.add_paragraph("{% if %}")
    d.save(bad)
    os.utime(bad, ns=(2, 2))
    with pytest.raises(RenderError, match="bad.docx"):
        render_docx_fast(doc, template=bad)


def test_long_title_fails_like_reference(resolver):
    doc = resolver.document("charter").model_copy(update={"title": "章" * 300})
    with pytest.raises(RenderError) as slow:
        render_docx(doc)
    with pytest.raises(RenderError) as fast:
        render_docx_fast(doc)
    assert str(fast.value) == str(slow.value)


def test_values_key_tells_types_apart():
    from markupsafe import Markup

    names = ("a", "b")
    assert render._values_key(names, {"a": True, "b": "x"}) != render._values_key(names, {"a": 1, "b": "x"})
    assert render._values_key(names, {"a": "x&y", "b": 1}) != render._values_key(names, {"a": Markup("x&y"), "b": 1})
    assert render._values_key(names, {"a": [1], "b": 1}) is None  # not a plain scalar: render
    assert render._values_key(names, {"a": 1}) is None  # missing: let jinja raise


def test_slim_templates_keep_what_documents_use(resolver, households, tmp_path):
    from docforge.render.slim import slim_docx

    from docx import Document as Docx

    fat = io.BytesIO()
    Docx().save(fat)  # python-docx's default package: what the templates are built from
    fat_slim = render.normalize_docx(slim_docx(fat.getvalue()))
    assert "latentStyles" not in zipfile.ZipFile(io.BytesIO(fat_slim)).read("word/styles.xml").decode()
    assert len(fat_slim) < len(fat.getvalue()) / 2
    for kind in ("charter", "inflow"):
        original = template_path(kind).read_bytes()
        slim = render.normalize_docx(slim_docx(original))
        assert slim == original  # the shipped templates are built slim (tools/build_templates.py)
        assert render.normalize_docx(slim_docx(slim)) == slim  # idempotent
        names = zipfile.ZipFile(io.BytesIO(slim)).namelist()
        assert "word/stylesWithEffects.xml" not in names and "docProps/thumbnail.jpeg" not in names
        styles = zipfile.ZipFile(io.BytesIO(slim)).read("word/styles.xml").decode()
        before = zipfile.ZipFile(io.BytesIO(original)).read("word/styles.xml").decode()
        for sid in re.findall(r'w:styleId="(DF\w+)"', before):
            assert f'w:styleId="{sid}"' in styles
        assert "latentStyles" not in styles
        path = tmp_path / f"{kind}.docx"
        path.write_bytes(slim)
        doc = resolver.document(kind, households[-1]) if kind == "inflow" else resolver.document(kind)
        data = _same_with_template(doc, path, copy_mark=NASTY, page_total=True)
        assert docx_text(data) == docx_text(render_docx(doc, copy_mark=NASTY, page_total=True))


def test_the_zip_records_are_the_zip_formats():
    """docxzip writes the ZIP records with its own copy of their layouts: they are zipfile's."""
    import zipfile

    from docforge.render import docxzip

    assert (docxzip.FILE_HEADER, docxzip.FILE_HEADER_SIGNATURE, docxzip.SIZE_FILE_HEADER) == (
        zipfile.structFileHeader, zipfile.stringFileHeader, zipfile.sizeFileHeader)
    assert (docxzip.CENTRAL_DIR, docxzip.CENTRAL_DIR_SIGNATURE) == (zipfile.structCentralDir, zipfile.stringCentralDir)
    assert (docxzip.END_ARCHIVE, docxzip.END_ARCHIVE_SIGNATURE) == (zipfile.structEndArchive, zipfile.stringEndArchive)
