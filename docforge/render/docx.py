"""DOCX from docxtpl templates, in a sandboxed jinja environment with autoescape on.

Output is deterministic: zip entries get a fixed timestamp and order, and the templates carry fixed
core properties, so identical inputs give byte-identical files.

Two paths give the same bytes. `render_docx` is the reference: docxtpl loads the template, renders it
and python-docx saves it, for every document. `render_docx_fast` (used by `write_docx`) does the
template work once per template per process (`CompiledTemplate`) and per document only renders the
templated parts and writes the zip, copying every other member as precompressed bytes.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import os
import threading
import types
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.coreprops import CoreProperties
from docx.opc.oxml import serialize_part_xml
from docx.oxml.parser import element_class_lookup
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree
from markupsafe import Markup, escape

from ..errors import DocforgeError, InputError, RenderError, cannot_write, mask_ids, shown
from ..fsutil import write_atomic
from ..i18n import _
from ..models import Document, DocumentKind
from ..safezip import MiB, ArchiveTooLarge, check_archive
from . import filters, layout
from .docxzip import FIXED_ZIP_TIME, ZIP_LEVEL, ZIP_LIMIT, Member, Packed, deflated_members, write_zip

# Characters that XML 1.0 forbids, and the ones docxtpl turns into structure (\a \t \n \f).
# Characters that XML 1.0 forbids are dropped; the ones docxtpl turns into structure (\a \t \n \r)
# become spaces. One str.translate: clean() runs for every string of every document.
_CLEAN: dict[int, str | None] = {c: None for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xFFFE, 0xFFFF)}
_CLEAN.update({0x07: " ", 0x09: " ", 0x0A: " ", 0x0D: " "})


def template_path(kind: DocumentKind | str) -> Path:
    """The default template of ``kind`` (package data, ``templates/`` in the source tree)."""
    kind = DocumentKind(kind)
    return Path(str(resources.files("docforge").joinpath("templates").joinpath(f"{kind.value}.docx")))


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox, with a shortcut for the common case of template data: ``x.name`` on a plain dict.

    Jinja resolves ``x.name`` as ``getattr(x, "name")`` and only when that fails as ``x["name"]``;
    on a dict the failed attribute lookup raises, which costs more than the rest of the lookup.
    For an exact ``dict`` and a name that is not one of dict's own attributes the attribute lookup
    always fails, so going to the item first gives the same value, and the sandbox's checks are
    about attributes, which this does not return.
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def jinja_env() -> ImmutableSandboxedEnvironment:
    """The environment of every docforge template: sandboxed, autoescaped, strict about undefined
    names, with docforge's filters."""
    env = _Environment(autoescape=True, undefined=StrictUndefined)
    env.filters.update(money=filters.money, cn_date=filters.cn_date, cn_number=filters.cn_number,
                       ordinal=filters.ordinal)
    return env


def property_env() -> ImmutableSandboxedEnvironment:
    """The environment of the core properties (title, subject …): plain text, not XML. python-docx
    escapes what it stores, so escaping here too would print ``A&amp;B``; escaped markup from
    `clean` is turned back into its text."""
    env = _Environment(autoescape=False, undefined=StrictUndefined,
                       finalize=lambda v: v.unescape() if isinstance(v, Markup) else v)
    env.filters.update(jinja_env().filters)
    return env


class _DocxTemplate(DocxTemplate):
    """docxtpl's template, its core properties rendered by `property_env`."""

    def render_properties(self, context: dict[str, Any], jinja_env: Any = None) -> None:
        super().render_properties(context, property_env())


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def check_complete(body: etree._Element, ctx: dict[str, Any], what: str, names: frozenset[str]) -> None:
    """Fail unless every clause of the context (and its title and signature lines, where the
    template reads them: ``names``) is in the rendered body: a document never holds less than its
    clauses, whatever the template or the text did."""
    paragraphs = "\n".join("".join(t.text or "" for t in p.iter(_W + "t")) for p in body.iter(_W + "p"))
    expected: list[tuple[str, str]] = []
    if "title" in names and isinstance(ctx.get("title"), str):
        expected.append(("the title", ctx["title"]))
    if "blocks" in names:
        expected += ((f"clause {b.get('id')}", b.get("text", "")) for b in ctx.get("blocks") or ())
    if "signature" in names:
        expected += (("the signature lines", line) for line in ctx.get("signature") or ())
    for where, text in expected:
        text = text.unescape() if isinstance(text, Markup) else str(text)
        if text and text not in paragraphs:
            raise RenderError(_("{what}: the rendered document lacks {where} ({text}); nothing was written. The text "
                                "or the template holds something that breaks the document", what=what, where=where,
                                text=shown(text)))


# Blocks set in a heading style of their own, never tightened (docforge.render.layout).
_HEADINGS = frozenset({"title", "chapter", "section", "subsection"})


def clean(text: str) -> str:
    """Drop characters that would corrupt the XML or turn into docxtpl line/page breaks (input
    models refuse them; this guards plugin text). Text holding docxtpl's escaped tag markers
    (``{_{`` ``}_}`` ``{_%`` ``%_}``, which docxtpl turns into ``{{`` … after rendering) comes back as
    escaped markup whose ``_`` is a character reference, so it prints exactly as written."""
    text = text.translate(_CLEAN)
    if "{_" in text or "_}" in text:
        return Markup(str(escape(text)).replace("{_", "{&#95;").replace("_}", "&#95;}"))
    return text


def context(doc: Document, copy_mark: str | None = None, page_total: bool = False,
            draft: bool = False) -> dict[str, Any]:
    """The template context of a document. Templates see plain data: strings, lists and dicts."""
    return {
        "kind": doc.kind.value,
        "title": clean(doc.title),
        "adoption_line": clean(doc.adoption_line) if doc.adoption_line else "",
        "village": clean(doc.village),
        "as_of": doc.as_of,
        "parties": [{"role": p.role, "lines": [clean(x) for x in p.lines]} for p in doc.parties],
        "blocks": [{"id": b.id, "type": b.type, "label": b.label, "text": clean(b.text),
                    "display": clean(b.display), "depth": b.depth,
                    "tight": 0 if b.type in _HEADINGS else layout.tightness(b.display.translate(_CLEAN))}
                   for b in doc.blocks],
        "signature": [clean(s) for s in doc.signature],
        "copies": doc.copies,
        "copy_mark": clean(copy_mark) if copy_mark else "",
        "page_total": page_total,
        "draft": draft,
    }


def normalize_docx(data: bytes) -> bytes:
    """Rewrite a DOCX zip with fixed timestamps, fixed attributes and the members in a fixed order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    names = src.namelist()
    # [Content_Types].xml first, as Word writes it; the rest in their existing (deterministic) order.
    names.sort(key=lambda n: (n != "[Content_Types].xml",))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            info.create_system = 0
            dst.writestr(info, src.read(name), compresslevel=ZIP_LEVEL)
    return out.getvalue()


def render_docx(doc: Document, template: Path | None = None, **ctx_options: Any) -> bytes:
    """Render ``doc`` with docxtpl: the straightforward path, one template load per document."""
    tpl_path = _template_of(doc, template)
    ctx = context(doc, **ctx_options)
    data = _rendering(tpl_path, doc.kind.value, _reference, ctx)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        name = next((n for n in z.namelist() if n.endswith("document.xml")), "word/document.xml")
        root = etree.fromstring(z.read(name), etree.XMLParser(resolve_entities=False, huge_tree=True))
    check_complete(root, ctx, f"template {tpl_path} for {doc.kind.value}", compiled_template(tpl_path).body_names)
    return data


def _template_of(doc: Document, template: Path | None) -> Path:
    return template or (Path(doc.template) if doc.template else template_path(doc.kind))


def _rendering(tpl_path: Path, what: str | None, render: Any, ctx: dict[str, Any]) -> bytes:
    """``render(tpl_path, ctx)``, any template fault turned into a RenderError naming the template
    (and ``what`` it was rendering, when given)."""
    try:
        return render(tpl_path, ctx)
    except DocforgeError:
        raise
    except Exception as e:  # noqa: BLE001 - any template fault names the template
        why = mask_ids(str(e))  # the fault may quote the whole of a value: a short prefix is enough
        why = why if len(why) <= 300 else f"{why[:300]}… ({len(why)} characters)"
        error = f"{type(e).__name__}: {why}"
        raise RenderError(_("template {path} failed for {what}: {error}", path=tpl_path, what=what, error=error)
                          if what else _("template {path} failed: {error}", path=tpl_path, error=error)) from e


#: The most a template may unpack to, per part and in all (python-docx reads every part whole):
#: the default templates unpack to about 100 KB; one with pictures, to a few MB.
TEMPLATE_PART_LIMIT = 64 * MiB
TEMPLATE_LIMIT = 256 * MiB


def check_template(tpl_path: Path) -> None:
    """Refuse a template that would unpack to more than `TEMPLATE_LIMIT` (a zip bomb), before
    python-docx reads it whole. Any other fault is left for docxtpl to report."""
    try:
        with zipfile.ZipFile(tpl_path) as z:
            check_archive(z, TEMPLATE_PART_LIMIT, TEMPLATE_LIMIT)
    except ArchiveTooLarge as e:
        raise RenderError(_("template {file} is refused: {reason}; use a .docx saved by Word or LibreOffice",
                            file=tpl_path, reason=e)) from None
    except (zipfile.BadZipFile, OSError):
        pass


def _reference(tpl_path: Path, ctx: dict[str, Any]) -> bytes:
    check_template(tpl_path)
    tpl = _DocxTemplate(str(tpl_path))
    tpl.render(ctx, jinja_env=jinja_env(), autoescape=True)
    buf = io.BytesIO()
    tpl.save(buf)
    return normalize_docx(buf.getvalue())


# --- the fast path -----------------------------------------------------------------------------
#
# What docxtpl + python-docx do to a template, per document, and what CompiledTemplate does once:
#   1. python-docx loads the package: every XML part parsed with its parser (remove_blank_text).
#   2. docxtpl serialises <w:body> and every header/footer part, rewrites its tags (patch_xml),
#      puts "\n" before each <w:p, compiles it with jinja (once per part, here: CompiledTemplate).
#   3. Per document: jinja render; "\n<w:p" back to "<w:p"; {_{ }_} {_% %_} unescaped;
#      resolve_listing (\t \a \n \f inside <w:t> become tabs, paragraphs, breaks, page breaks).
#   4. The body is parsed (recover=True), fix_tables and fix_docpr_ids applied, and it replaces the
#      template's <w:body>; header/footer XML is parsed again by python-docx's parser; six core
#      properties are rendered as templates and set through python-docx's CoreProperties.
#   5. python-docx saves: each XML part as etree.tostring(encoding="UTF-8", standalone=True), the
#      other parts as they are; normalize_docx rewrites the zip.
# Steps 3-5 for the templated parts are done here with the very same functions (docxtpl's own
# resolve_listing, fix_tables and fix_docpr_ids, python-docx's parser settings, CoreProperties and
# serialize_part_xml), so the bytes are the same by construction; tests/test_speed_paths.py checks
# it. Each step skipped is skipped only where it provably changes nothing: resolve_listing when the
# text has none of \t \a \n \f, fix_tables when there is no "tbl", fix_docpr_ids when there is no
# "docPr". The lxml round trip of the body is kept: it turns jinja's escapes (&#34; &#39;) into what
# lxml writes, collapses empty elements (<w:t></w:t> -> <w:t/>) and moves namespace declarations,
# for about 0.1 ms. Headers, footers and core properties have a few variants per template (draft,
# page_total, title): each is made once and found again by the values of the context names its
# template reads (jinja2.meta). Every other member is the same for every document and is copied as
# the deflated bytes normalize_docx gave it.

# docxtpl's DocxTemplate.render_properties renders these core properties, in this order.
_CORE_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_local = threading.local()


def _oxml_parser() -> etree.XMLParser:
    """python-docx's parser settings (docx.oxml.parser.oxml_parser), one parser per thread."""
    parser = getattr(_local, "oxml", None)
    if parser is None:
        parser = _local.oxml = etree.XMLParser(remove_blank_text=True, resolve_entities=False)
        parser.set_element_class_lookup(element_class_lookup)
    return parser


def _finish(dst_xml: str) -> str:
    """docxtpl's render_xml_part, after jinja. Before jinja, docxtpl puts "\n" before every ``<w:p``
    and takes it out again here; jinja can only remove such a newline (whitespace control, ``-%}``),
    which gives the same text, so the compiled templates are made without it, and this still removes
    any "\n<w:p" the template itself holds."""
    if "\n<w:p" in dst_xml:
        dst_xml = dst_xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")  # = re.sub(r"\n<w:p([ >])")
    if "{_" in dst_xml or "_}" in dst_xml:  # each of the four contains one of these: without, a no-op
        dst_xml = dst_xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    # resolve_listing only ever replaces \t \a \n \f (inside <w:t>); without any it is the identity.
    if not ("\n" in dst_xml or "\t" in dst_xml or "\a" in dst_xml or "\f" in dst_xml):
        return dst_xml
    return DocxTemplate.resolve_listing(None, dst_xml)  # uses nothing of the instance


def _body_tree(body_xml: str) -> etree._Element:
    """docxtpl's fix_tables: parse and widen/narrow table grids. docxtpl parses with recover=True,
    which on a character XML cannot hold silently drops the rest of the document; here the parse is
    strict and such a body fails loudly (the same XML parses to the same tree either way)."""
    parser = getattr(_local, "strict", None)
    if parser is None:
        parser = _local.strict = etree.XMLParser(resolve_entities=False, huge_tree=True)
    try:
        tree = etree.fromstring(body_xml, parser)
    except (etree.XMLSyntaxError, ValueError) as e:
        raise RenderError(_("the rendered document is not well-formed XML ({why}); nothing was written",
                            why=mask_ids(str(e))[:200])) from None
    if "tbl" not in body_xml and "w" in tree.nsmap:  # no table, nothing to fix; else fix_tables fails too
        return tree
    return DocxTemplate.fix_tables(None, body_xml)  # uses nothing of the instance


def _constant(template_text: str) -> bool:
    """Whether jinja renders ``template_text`` as itself: no tag, no newline to normalise or strip."""
    return not any(c in template_text for c in "{\r\n")


class _PackedCache:
    """Finished members by the text they were made from, for parts that vary little (headers,
    footers, core properties): a few variants per template, parsed, serialised and deflated once."""

    def __init__(self, limit: int = 256):
        self.limit = limit
        self.items: dict[Any, Packed] = {}

    def get(self, key: Any, make: Any) -> Packed:
        hit = self.items.get(key)
        if hit is None:
            hit = make()
            if len(self.items) >= self.limit:
                self.items.clear()
            self.items[key] = hit
        return hit


# Values whose type and value fix what jinja makes of them (exact types: a str subclass such as
# markupsafe.Markup renders differently from an equal str).
_SCALARS = frozenset({str, int, float, bool, type(None), dt.date, dt.datetime})


def _values_key(names: tuple[str, ...], ctx: dict[str, Any]) -> tuple | None:
    """The context values a small template reads, as a cache key; None when one is missing (let
    jinja raise) or is not a plain scalar."""
    key = []
    for name in names:
        if name not in ctx:
            return None
        value = ctx[name]
        if type(value) not in _SCALARS:
            return None
        key.append((type(value), value))
    return tuple(key)


class _SmallPart:
    """A header or footer part: its template, the context names it reads, and finished members by
    those names' values and by rendered text (a few variants per template: draft, page_total)."""

    def __init__(self, env: ImmutableSandboxedEnvironment, name: str, encoding: str, source: str):
        self.name = name
        self.encoding = encoding
        self.template = env.from_string(source)
        self.names = tuple(sorted(meta.find_undeclared_variables(env.parse(source))))
        self.by_values = _PackedCache()
        self.by_text = _PackedCache()

    def packed(self, ctx: dict[str, Any]) -> Packed:
        key = _values_key(self.names, ctx)
        if key is not None:
            hit = self.by_values.items.get(key)
            if hit is not None:
                return hit
        xml = _finish(self.template.render(ctx))
        packed = self.by_text.get(xml, lambda: self._make(xml))
        if key is not None:
            self.by_values.get(key, lambda: packed)
        return packed

    def _make(self, xml: str) -> Packed:
        element = etree.fromstring(xml.encode(self.encoding), _oxml_parser())  # python-docx's XmlPart.load
        return Packed(Member(self.name, serialize_part_xml(element)))


class CompiledTemplate:
    """A DOCX template prepared once per process: jinja templates of its templated parts (the body,
    each header and footer, six core properties) and the deflated bytes of every other member.

    `render` gives, for a context, the bytes `render_docx` gives. A template that uses what this
    does not replicate (footnotes, which docxtpl renders once per section; a header shared by two
    sections) sets `fallback` to the reason, and `render_docx_fast` takes the reference path.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.fallback: str | None = None
        self.env = jinja_env()
        check_template(self.path)
        self.property_env = property_env()
        tpl = _DocxTemplate(str(self.path))
        tpl.init_docx()
        docx = tpl.docx
        package = docx.part.package
        parts = list(package.iter_parts())
        if any(p.content_type == _FOOTNOTES for p in parts):
            self.fallback = "the template has footnotes"
        core_part = next((p for p in parts if p.content_type == CT.OPC_CORE_PROPERTIES), None)
        if core_part is None:
            self.fallback = "the template has no core properties part"

        # The body: docxtpl serialises <w:body> alone and, rendered, puts it in place of the old one.
        root = docx.element
        self.body_index = root.index(root.body)
        body_source = tpl.patch_xml(tpl.get_xml())
        self.body = self.env.from_string(body_source)
        self.body_names = frozenset(meta.find_undeclared_variables(self.env.parse(body_source)))
        self.shell = copy.deepcopy(root)
        self._roots = threading.local()
        placeholder = self.shell[self.body_index]
        for child in list(placeholder):
            placeholder.remove(child)
        self.document_name = docx.part.partname.lstrip("/")

        # Headers, then footers, in the order docxtpl renders them.
        self.parts: list[_SmallPart] = []
        for uri in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI):
            for _key, part in tpl.get_headers_footers(uri):
                xml = tpl.get_part_xml(part)
                encoding = tpl.get_headers_footers_encoding(xml)
                self.parts.append(_SmallPart(self.env, part.partname.lstrip("/"), encoding,
                                             tpl.patch_xml(xml)))

        # Core properties: python-docx parses the stored core.xml; docxtpl renders six of them.
        self.core_name = ""
        self.core_xml = b""
        self.core_templates: list[tuple[str, Any]] = []
        core_names: set[str] = set()
        if core_part is not None:
            self.core_name = core_part.partname.lstrip("/")
            with zipfile.ZipFile(self.path) as z:
                self.core_xml = z.read(self.core_name)
            props = CoreProperties(etree.fromstring(self.core_xml, _oxml_parser()))
            for prop in _CORE_PROPERTIES:
                text = getattr(props, prop)
                self.core_templates.append((prop, text if _constant(text) else self.property_env.from_string(text)))
                if not _constant(text):
                    core_names |= meta.find_undeclared_variables(self.env.parse(text))
        self.core_names = tuple(sorted(core_names))

        # Every other member as python-docx saves it and normalize_docx stores it.
        buf = io.BytesIO()
        docx.save(buf)
        saved = buf.getvalue()
        members = deflated_members(normalize_docx(saved))
        self.order = list(members)
        templated = [self.document_name, self.core_name, *(p.name for p in self.parts)]
        if len(set(templated)) != len(templated):
            self.fallback = self.fallback or "two sections share a header or footer part"
        elif not set(templated) <= set(self.order):
            self.fallback = self.fallback or "a templated part is missing from the saved package"
        if len(saved) > ZIP_LIMIT:
            self.fallback = self.fallback or "the package is too large"
        self.static = {name: Packed(m) for name, m in members.items() if name not in templated}
        self.core_by_values = _PackedCache()
        self.core_by_text = _PackedCache()

    def render(self, ctx: dict[str, Any]) -> bytes:
        """The DOCX bytes for template context ``ctx``, as `render_docx` would write them."""
        body_xml = _finish(self.body.render(ctx))
        tree = _body_tree(body_xml)
        check_complete(tree, ctx, f"template {self.path}", self.body_names)
        if "docPr" in body_xml:  # no docPr element without the name in the text
            DocxTemplate.fix_docpr_ids(types.SimpleNamespace(docx_ids_index=1000), tree)
        root = getattr(self._roots, "root", None)  # the document element, one per thread
        if root is None:
            root = self._roots.root = copy.deepcopy(self.shell)
        root.replace(root[self.body_index], tree)  # the previous document's body goes
        packed = {self.document_name: Packed(Member(self.document_name, serialize_part_xml(root)))}
        for part in self.parts:
            packed[part.name] = part.packed(ctx)
        packed[self.core_name] = self._core_packed(ctx)
        return write_zip([self.static.get(name) or packed[name] for name in self.order])

    def _core_packed(self, ctx: dict[str, Any]) -> Packed:
        key = _values_key(self.core_names, ctx)
        if key is not None:
            hit = self.core_by_values.items.get(key)
            if hit is not None:
                return hit
        values = tuple(t if isinstance(t, str) else t.render(ctx) for _p, t in self.core_templates)
        packed = self.core_by_text.get(values, lambda: self._core(values))
        if key is not None:
            self.core_by_values.get(key, lambda: packed)
        return packed

    def _core(self, values: tuple[str, ...]) -> Packed:
        core = etree.fromstring(self.core_xml, _oxml_parser())
        props = CoreProperties(core)
        for (prop, _t), value in zip(self.core_templates, values, strict=False):
            setattr(props, prop, value)
        return Packed(Member(self.core_name, serialize_part_xml(core)))


_compiled: dict[str, tuple[tuple[int, int], CompiledTemplate]] = {}
_compiled_lock = threading.Lock()


def _reset_after_fork() -> None:
    global _compiled_lock
    _compiled_lock = threading.Lock()  # a lock held by another thread at fork time stays held


os.register_at_fork(after_in_child=_reset_after_fork)


def compiled_template(path: Path | str) -> CompiledTemplate:
    """The `CompiledTemplate` of ``path``, built once per process (again if the file changed)."""
    key = os.fspath(path)
    st = os.stat(key)
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _compiled.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    with _compiled_lock:
        hit = _compiled.get(key)
        if hit is None or hit[0] != stamp:
            hit = _compiled[key] = (stamp, CompiledTemplate(Path(path)))
        return hit[1]


def render_docx_fast(doc: Document, template: Path | None = None, **ctx_options: Any) -> bytes:
    """The bytes `render_docx` gives for ``doc``, from a template compiled once per process."""
    return _rendering(_template_of(doc, template), doc.kind.value, _fast, context(doc, **ctx_options))


def render_context(template: Path | str, ctx: dict[str, Any]) -> bytes:
    """The DOCX bytes of ``template`` rendered with the template context ``ctx`` (as `context`
    makes it), by the fast path: what docxtpl's ``DocxTemplate(template).render(ctx)`` and a save
    give, normalised as `render_docx` does."""
    return _rendering(Path(template), None, _fast, ctx)


def _fast(tpl_path: Path, ctx: dict[str, Any]) -> bytes:
    compiled = compiled_template(tpl_path)
    if compiled.fallback:
        return _reference(tpl_path, ctx)
    return compiled.render(ctx)


def write_docx(doc: Document, path: Path, **ctx_options: Any) -> Path:
    """Render (fast path) and write atomically (a temporary file renamed into place); a path that
    cannot be written is an InputError naming it, and leaves nothing behind."""
    data = render_docx_fast(doc, **ctx_options)
    path = Path(path)
    if path.is_dir():
        raise InputError(_("-o {path}: is a folder; give the .docx file to write, e.g. {example}", path=path,
                           example=path / "out.docx"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data, fsync=False)  # a failed write leaves no temporary file behind
    except OSError as e:
        raise InputError(cannot_write(path, e, len(data))) from None
    return path


def docx_text(path_or_bytes: Path | bytes, body_only: bool = True) -> list[str]:
    """The non-empty paragraphs of a DOCX body, for tests and ``verify``."""
    from docx import Document as Docx

    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes)
    d = Docx(src)
    return [p.text for p in d.paragraphs if p.text.strip()]
