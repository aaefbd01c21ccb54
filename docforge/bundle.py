"""Packets and bundles: signature-ready DOCX and PDF for a village and its households.

A bundle directory holds one packet per village and one per household, and ``manifest.json``::

    DIR/manifest.json
    DIR/village/charter.docx, convention.docx, adoption-sheet.docx, packet.pdf
    DIR/households/<id>/<kind>-<n>-<holder>.docx …, packet.pdf

The village packet holds the 自治章程, the 自治公约 and the sheet that records their adoption by the
村民会议 (or 村民代表会议) and their filing with the township. A household packet holds the agreements
that :meth:`Resolver.selection` picks for the household, each in as many copies as its copies policy
names holders, each copy marked for who keeps it (甲方执, 县公证处执 …) and numbered 第 N 页 共 M 页.
``packet.pdf`` merges a packet's documents with an outline entry per document (or copy).

How a run goes (:func:`write_bundle`):

1. Households come in the order given: household files, or a roster streamed row by row
   (:func:`docforge.roster.iter_households`; a roster with errors is refused before anything is
   written, unless ``--skip-bad-rows`` leaves the bad rows out and records them). Each household's
   agreements are selected (:meth:`Resolver.selection`, with its reasons) and rendered to DOCX, here
   or by ``jobs`` worker processes; the results are taken in order, so the output does not depend on
   ``jobs``. A household that signs no agreement gets no packet, only its manifest entry.
2. A packet's *key* is a hash of what it is made of: docforge's and pypdf's versions, the plugins,
   the options, the input files, its title and the DOCX bytes. A packet whose directory holds a
   ``.done`` record with the same key, and files that match the record, is finished and is not
   built again.
3. Any other packet is staged in a temporary directory ``DIR/.tmp-<packet>``. Once a round holds
   ``round_size`` documents (and at the end), its DOCX files go to the run's
   :class:`docforge.render.pdfpool.Pool` (``jobs`` long-lived LibreOffice instances, started with
   the first packet to convert), and each packet's PDF is merged, in order, with an outline entry
   per document and, on request, empty signature fields. With ``jobs`` 1 one thing happens at a
   time (a round is converted, then its packets merged); with more, packets are merged and the
   next ones planned while LibreOffice converts, at most two rounds in flight.
4. A complete packet directory is renamed into place (``os.replace``); ``manifest.json`` is written
   last, atomically. An interrupted run (even ``kill -9``) leaves finished packets and temporary
   directories, never a half-written packet; the next run removes the temporary directories and
   builds only what is missing or changed, and removes the packets of households no longer there.
   Packets are not fsynced one by one: the next run re-hashes a finished packet's files against its
   ``.done`` record, so one that a power cut left incomplete is built again; the file system is
   synced once, before the manifest is written.

Memory stays flat however many households there are: nothing per household is kept. Each packet's
manifest entries wait in a JSON-lines file in the bundle's temporary area and ``manifest.json`` is
streamed from them and the ``.done`` records at the end; household ids are kept as 64-bit hashes
(:class:`IdSet`); a warning is kept once per (check, document, clause) with the number of households.

The manifest (format 2): ``format, docforge, plugins, as_of, draft, sign_fields, formats``;
``inputs`` (role village / roster / household, path, sha256); ``totals`` (households, packets,
documents, pages, files, warnings, skipped_rows); ``roster`` (roster runs: the file as read and its
warnings, each once with the rows counted); ``warnings`` (each once: the first household, the number
of households); ``skipped`` (roster rows left out: row, household_id, reasons); ``households`` (per
household in order: id, its roster row or file, its packet or null, agreements, the reason for
each, and the plugin that selected them); ``packets`` (name, household, title, key); ``files`` (per
file: path, kind, household, copy, pages, sha256, and a packet PDF's contents).

Output is deterministic: the same inputs, plugins, options and as-of date give byte-identical
files, manifest included (no clock, no absolute paths but those given).
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import io
import itertools
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import ConversionError, DocforgeError, InputError, RenderError
from .i18n import _, lazy, ngettext, pair, using
from .i18n import fields as text_fields
from .models import Document, DocumentKind, Finding, Household, Village, document_name
from .compact import IdSet
from .explain import provenance_dict
from .resolve import Resolver

if TYPE_CHECKING:
    from .models import Selection
    from .roster import HouseholdStream, RosterReport

MANIFEST = "manifest.json"
#: The manifest's own sha256, beside it (``sha256sum -c`` reads it): `verify` detects an edited
#: manifest. It proves integrity (nothing changed by accident or by a careless hand), not
#: authenticity: whoever edits the manifest can write a new hash too.
MANIFEST_HASH = "manifest.json.sha256"
DONE = ".done"
TMP_PREFIX = ".tmp-"
OLD_PREFIX = ".old-"
MANIFEST_FORMAT = 2
FORMATS = ("docx", "pdf")
ADOPTION_SHEET = "adoption-sheet"
#: Labels of the signature lines that get a signature field, and the field's role.
SIGN_LABELS = {"甲方法定代表人签章": "party_a", "乙方签章": "party_b"}
#: Documents converted per LibreOffice round: a finished round's packets survive an interruption.
ROUND_SIZE = 200

Log = Callable[[str], None]


# --------------------------------------------------------------------------- plan


@dataclass
class InputFile:
    """An input file of the run, as the manifest records it."""

    role: str  # village / household
    path: str
    sha256: str
    household: str | None = None

    @classmethod
    def of(cls, role: str, path: Path, household: str | None = None) -> InputFile:
        return cls(role, str(path), sha256_file(path), household)

    def as_dict(self) -> dict[str, Any]:
        d = {"role": self.role, "path": self.path, "sha256": self.sha256}
        if self.household is not None:
            d["household"] = self.household
        return d


@dataclass
class Item:
    """One DOCX of a packet: a document, or one copy of an agreement."""

    stem: str  # file name without .docx, unique in its packet
    kind: str  # charter, convention, adoption-sheet, contraception, …
    title: str  # the packet outline's entry
    data: bytes  # the rendered DOCX
    holder: str | None = None  # who keeps this copy (甲方, 乙方, 县公证处 …)
    copy: int | None = None  # 1-based copy number


@dataclass
class Packet:
    name: str  # path relative to the bundle: "village", "households/001"
    title: str
    items: list[Item]
    inputs: list[InputFile]
    household: str | None = None
    key: str = ""

    @property
    def tmp_name(self) -> str:
        return TMP_PREFIX + self.name.replace("/", "-")


@dataclass
class BundleOptions:
    as_of: dt.date
    formats: tuple[str, ...] = FORMATS
    draft: bool = False
    sign_fields: bool = False
    jobs: int = 1
    timeout: float | None = None
    round_size: int = ROUND_SIZE
    compare_from: dt.date | None = None  # the village packet gets the 修订对照表 from this date's text

    def __post_init__(self) -> None:
        formats = tuple(f for f in FORMATS if f in set(self.formats))
        unknown = set(self.formats) - set(FORMATS)
        if unknown or not formats:
            raise InputError(_("--format: unknown or empty format list {formats}; give one or both of {known}, "
                               "e.g. --format docx,pdf", formats=repr(",".join(self.formats)), known=", ".join(FORMATS)))
        self.formats = formats
        if self.jobs < 1:
            raise InputError(_("--jobs must be at least 1"))
        if self.round_size < 1:
            raise InputError(_("the round size must be at least 1"))
        if self.compare_from is not None and self.compare_from >= self.as_of:
            raise InputError(_("--compare-from {compare_from} must be before --as-of {as_of}: it is the date of "
                               "the text being revised", compare_from=self.compare_from.isoformat(),
                               as_of=self.as_of.isoformat()))

    @property
    def pdf(self) -> bool:
        return "pdf" in self.formats

    @property
    def docx(self) -> bool:
        return "docx" in self.formats


# --------------------------------------------------------------------------- helpers


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _sync_filesystem(path: Path) -> None:
    """Flush the file system holding ``path`` to disk (Linux ``syncfs``; elsewhere ``sync``)."""
    try:
        import ctypes

        fd = os.open(path, os.O_RDONLY)
        try:
            if ctypes.CDLL(None, use_errno=True).syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    except (OSError, AttributeError):
        pass
    os.sync()


_UNSAFE = re.compile(r"[^\w\-]", re.UNICODE)


def _safe_part(text: str) -> str:
    """A file-name part: word characters (CJK included) and '-', anything else '_'."""
    return _UNSAFE.sub("_", text) or "_"


def _plugins(resolver: Resolver) -> list[dict[str, Any]]:
    out = []
    for info in sorted(resolver.pm.infos.values(), key=lambda i: i.name):
        d: dict[str, Any] = {"name": info.name, "version": info.version, "distribution": info.distribution,
                             "default": info.default}
        if info.error:
            d["error"] = info.error
        out.append(d)
    return out


# --------------------------------------------------------------------------- rendering


def adoption_sheet_template() -> Path:
    return Path(str(resources.files("docforge").joinpath("templates", f"{ADOPTION_SHEET}.docx")))


def adoption_sheet_context(village: Village, documents: Sequence[Document], draft: bool = False) -> dict[str, Any]:
    """The adoption and filing record of the charter and the convention (the village file's
    ``charter``/``convention`` adoption facts; what it does not give is left blank to fill in)."""
    from .render import filters
    from .render.docx import clean

    blank = filters.BLANK
    records = []
    filing = [f"报送单位：{village.committee_name}", f"备案机关：{village.township_government}"]
    for n, doc in enumerate(documents, 1):
        adoption = getattr(village, doc.kind.value)
        if any(n.check == "adoption.new_draft" for n in doc.notices):  # a new text: adopted and filed anew
            adoption = adoption.model_copy(update={"adopted_on": None, "filed_with_township_on": None})
        if adoption.adopted_on or "adopted_by" in adoption.model_fields_set:
            meeting = adoption.adopted_by
        else:
            meeting = "村民会议／村民代表会议"
        adopted = filters.partial_date(adoption.adopted_on, width=4)
        filed = (filters.cn_date(adoption.filed_with_township_on) if adoption.filed_with_township_on
                 else filters.blank_date())
        name = f"《{doc.title}》"
        records.append({
            "label": filters.item_label(n, "paren"),
            "name": clean(name),
            "lines": [clean(x) for x in (
                f"会议名称：{meeting}",
                f"通过日期：{adopted}",
                f"应到人数：{blank * 4}人{blank * 2}实到人数：{blank * 4}人",
                f"表决结果：赞成{blank * 3}人，反对{blank * 3}人，弃权{blank * 3}人",
            )],
            "signature": [f"会议主持人签字：{blank * 6}记录人签字："],
        })
        short = "自治章程" if doc.kind == DocumentKind.charter else "自治公约"
        filing.append(f"{short}备案日期：{filed}")
    return {
        "title": clean(f"{village.village.name}自治章程和自治公约通过及备案记录"),
        "village": clean(village.village.name),
        "township": clean(village.township.name),
        "township_government": clean(village.township_government),
        "records": records,
        "filing": [clean(x) for x in filing],
        "filing_signature": [clean(f"报送单位（{village.committee_name}）盖章："),
                             f"备案机关经办人签字：{blank * 4}备案机关盖章："],
        "copy_mark": "",
        "page_total": False,
        "draft": draft,
    }


def plan_village_packet(r: Resolver, inputs: list[InputFile], draft: bool,
                        compare_from: dt.date | None = None) -> tuple[Packet, list[Document]]:
    from .render.docx import render_context
    from .render.docx import render_docx_fast as render_docx  # the same bytes, template compiled once

    docs = [r.document(DocumentKind.charter), r.document(DocumentKind.convention)]
    items = [Item(d.kind.value, d.kind.value, d.title, render_docx(d, draft=draft)) for d in docs]
    if compare_from is not None:  # the 修订对照表 of each, from the text of compare_from, before the sheet
        items += comparison_items(r, docs, compare_from, draft)
    ctx = adoption_sheet_context(r.village, docs, draft)
    items.append(Item(ADOPTION_SHEET, ADOPTION_SHEET, ctx["title"], render_context(adoption_sheet_template(), ctx)))
    title = f"{r.village.village.name}自治章程、自治公约及通过备案记录"
    return Packet("village", title, items, inputs), docs


def comparison_items(r: Resolver, docs: Sequence[Document], compare_from: dt.date, draft: bool) -> list[Item]:
    """The 修订对照表 of each of ``docs`` against the same village's text on ``compare_from``."""
    from .compare import LawRegistry, compare_documents
    from .render.comparison import comparison_stem, render_comparison

    old_r = Resolver(r.village, compare_from, r.pm)
    laws = LawRegistry({k: c.item for k, c in r.instruments().items()})
    items = []
    for doc in docs:
        c = compare_documents(old_r.document(doc.kind), doc, laws=laws)
        items.append(Item(comparison_stem(c), "comparison", c.title, render_comparison(c, draft)))
    return items


def plan_household_packet(r: Resolver, h: Household, inputs: list[InputFile], draft: bool,
                          selection: Selection | None = None) -> tuple[Packet, list[Document]]:
    from .render.docx import render_docx_fast as render_docx  # the same bytes, template compiled once

    if selection is None:
        selection, _ = r.selection(h)
    items: list[Item] = []
    docs: list[Document] = []
    for kind in selection.agreements:
        doc = r.document(kind, h)
        docs.append(doc)
        holders = doc.copies or [""]
        for n, holder in enumerate(holders, 1):
            mark = f"{holder}执" if holder else None
            data = render_docx(doc, copy_mark=mark, page_total=True, draft=draft)
            stem = f"{kind.value}-{n}" + (f"-{_safe_part(holder)}" if holder else "")
            title = f"{doc.title}（{mark}）" if mark else doc.title
            items.append(Item(stem, kind.value, title, data, holder or None, n))
    title = f"{r.village.village.name}{h.group}{h.husband.name}、{h.wife.name}户协议书（户编号 {h.id}）"
    return Packet(f"households/{h.id}", title, items, inputs, household=h.id), docs


def packet_key(packet: Packet, options: BundleOptions, common: dict[str, Any]) -> str:
    import pypdf

    record = {
        "docforge": __version__, "pypdf": pypdf.__version__, **common,
        "formats": list(options.formats), "draft": options.draft, "sign_fields": options.sign_fields,
        "inputs": [i.as_dict() for i in packet.inputs], "title": packet.title,
        "items": [[i.stem, i.kind, i.title, i.holder, sha256_bytes(i.data)] for i in packet.items],
    }
    return sha256_bytes(json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8"))


# --------------------------------------------------------------------------- done records


def read_done(packet_dir: Path) -> dict[str, Any] | None:
    try:
        record = json.loads((packet_dir / DONE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def packet_is_done(out: Path, packet: Packet) -> dict[str, Any] | None:
    """The packet's ``.done`` record if its directory is finished with the same key and its files
    are exactly those the record lists, unchanged; otherwise None."""
    pdir = out / packet.name
    record = read_done(pdir)
    if not record or record.get("key") != packet.key:
        return None
    files = record.get("files") or []
    names = {Path(f["path"]).name for f in files}
    present = {p.name for p in pdir.iterdir() if p.name != DONE}
    if names != present:
        return None
    for f in files:
        if sha256_file(out / f["path"]) != f["sha256"]:
            return None
    return record


# --------------------------------------------------------------------------- PDF assembly


def _line_fragments(page) -> list[tuple[float, float, str]]:
    """(x, y, text) of each text run of a page, in user space."""
    frags: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            frags.append((x, y, text))

    page.extract_text(visitor_text=visit)
    return frags


def find_labels(page, labels: Iterable[str]) -> list[tuple[str, float, float, float]]:
    """Where each label starts a line of ``page``: (label, x_start, x_end, baseline y).

    Text runs are grouped into lines by their baseline; ``x_end`` is where the line's last run
    ending inside the label (and its colon) stops, estimated from the advance of the glyphs."""
    frags = _line_fragments(page)
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


def add_signature_fields(writer, start: int, count: int, item: Item, fields: list) -> None:
    """Empty signature fields (/FT /Sig widgets) beside each signature label of one copy."""
    from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject,
                               NumberObject, TextStringObject)

    for index in range(start, start + count):
        page = writer.pages[index]
        right = float(page.mediabox.right) - 74.6  # the right margin (26 mm)
        for label, _x0, x_end, y in find_labels(page, SIGN_LABELS):
            role = SIGN_LABELS[label]
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
            annots = page.get("/Annots")
            if annots is None:
                page[NameObject("/Annots")] = ArrayObject([ref])
            else:
                annots.get_object().append(ref)
            fields.append(ref)


def assemble_pdf(packet: Packet, pdfs: dict[str, Path], target: Path, sign_fields: bool) -> list[dict[str, Any]]:
    """Merge the packet's PDFs into ``target`` with an outline entry per item; return the contents
    (title, file, first page, pages of each item)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    from .render.pdf import write_pdf

    writer = PdfWriter()
    contents = []
    fields: list = []
    for item in packet.items:
        reader = PdfReader(pdfs[item.stem])
        start = len(writer.pages)
        writer.append(reader, import_outline=False)
        count = len(writer.pages) - start
        writer.add_outline_item(title=item.title, page_number=start)
        if sign_fields and item.holder is not None:
            add_signature_fields(writer, start, count, item, fields)
        entry: dict[str, Any] = {"title": item.title, "kind": item.kind, "docx": f"{item.stem}.docx",
                                 "first_page": start + 1, "pages": count}
        if item.holder is not None:
            entry["copy"] = item.holder
        contents.append(entry)
    if fields:
        writer._root_object[NameObject("/AcroForm")] = writer._add_object(
            DictionaryObject({NameObject("/Fields"): ArrayObject(fields)}))
    if hasattr(writer, "compress_identical_objects"):  # the copies share fonts and images
        writer.compress_identical_objects()
    writer.page_mode = "/UseOutlines"
    writer._root_object[NameObject("/Lang")] = TextStringObject("zh-CN")
    writer.add_metadata({"/Title": packet.title, "/Creator": f"docforge {__version__}",
                         "/Producer": f"docforge {__version__} (LibreOffice, pypdf)"})
    buf = io.BytesIO()
    writer.write(buf)
    # Written once more through a fresh clone: objects numbered without the gaps that removing
    # duplicates leaves. The documents were normalised when converted (no dates, stable font ids),
    # so what normalize_pdf would still do is the content-derived /ID.
    write_pdf(PdfWriter(clone_from=PdfReader(buf)), target)
    return contents


# --------------------------------------------------------------------------- the run


class Reporter:
    """What a run tells its user. This one passes everything to ``log`` as lines (in a county run
    prefixed with the village); the CLI's progress bar (:mod:`docforge.progress`) shows routine
    progress as a bar instead."""

    def __init__(self, log: Log | None = None):
        self._log = log or (lambda _msg: None)
        self._county = False
        self._prefix = ""

    def log(self, msg: str) -> None:
        """Something to see in any case: a packet removed, a document that failed."""
        self._log(self._prefix + msg)

    def detail(self, msg: str) -> None:
        """Routine progress (a packet written, a round converted); a progress bar shows it as such."""
        self._log(self._prefix + msg)

    def villages(self, total: int) -> None:
        """A county run of ``total`` villages begins."""
        self._county = True

    def start(self, label: str, total: int | None) -> None:
        """A village's bundle begins: ``total`` households (None: not known until the end)."""
        self._prefix = f"{label}: " if self._county else ""

    def advance(self, households: int = 0, documents: int = 0) -> None:
        """Households planned, and their documents."""

    def end(self) -> None:
        """The village's bundle is finished, or failed."""
        self._prefix = ""

    def village_done(self) -> None:
        """A village of a county run is done (bundled or failed)."""

    def paused(self) -> contextlib.AbstractContextManager:
        """No thread of the reporter's runs inside this block (worker processes are forked in it)."""
        return contextlib.nullcontext()


@dataclass
class Totals:
    """Counts of a run, for the manifest, the closing summary and the county summary."""

    households: int = 0  # households of the run (skipped rows not counted)
    packets: int = 0  # the village's and one per household that signs an agreement
    documents: int = 0  # DOCX documents, each copy counted
    pages: int = 0  # pages of the packets' PDFs
    files: int = 0  # files the manifest lists
    warnings: int = 0  # distinct warnings (documents and roster)
    skipped_rows: int = 0
    built: int = 0  # packets this run built (the others an earlier run had finished)
    finished: int = 0

    #: What the manifest records: the same for a fresh and a resumed run.
    RECORDED = ("households", "packets", "documents", "pages", "files", "warnings", "skipped_rows")

    def recorded(self, pdf: bool) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.RECORDED}
        if not pdf:
            d["pages"] = None
        return d

    def add(self, other: Totals) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class BundleReport:
    """What a run did. The manifest itself is on disk (``manifest``) and is not kept in memory."""

    out: Path
    totals: Totals
    warnings: list[dict[str, Any]]  # distinct warnings of the documents, with the households counted
    skipped: list[dict[str, Any]]  # roster rows left out (--skip-bad-rows)
    roster: dict[str, Any] | None = None  # the roster's summary and warnings
    village: str = ""

    @property
    def manifest(self) -> dict[str, Any]:
        """``manifest.json``, read whole (for small bundles and tests)."""
        return json.loads((self.out / MANIFEST).read_text(encoding="utf-8"))


class BundleWriter:
    """Writes packets into a bundle directory; see the module docstring."""

    def __init__(self, out: Path, options: BundleOptions, reporter: Reporter | None = None,
                 totals: Totals | None = None, pool: Any = None):
        """``pool``: a started `docforge.render.pdfpool.Pool` to convert with (a county run shares
        one among its villages); by default the writer starts its own with the first packet."""
        self.out = Path(out)
        self.options = options
        self.reporter = reporter or Reporter()
        self.totals = totals or Totals()
        self._lock_fd: int | None = None
        self._pending: list[Packet] = []
        self._pending_docs = 0
        self._pool: Any = pool
        self._own_pool = pool is None
        self._work: Path | None = None
        self._converting: collections.deque[tuple[Packet, dict[str, tuple[Path, Any]]]] = collections.deque()
        self._in_flight = 0
        self._converted_count = 0
        self.failures: dict[str, str] = {}

    # -- directory housekeeping

    def open(self) -> None:
        out = self.out
        if out.exists() and not out.is_dir():
            raise InputError(_("{path}: exists and is not a folder; give -o a new or empty folder", path=out))
        out.mkdir(parents=True, exist_ok=True)
        entries = [p for p in out.iterdir()]
        if entries and not self._is_bundle(entries):
            raise InputError(_("{path}: the folder is not empty and is not a docforge bundle; give -o a new or empty "
                               "folder (or an earlier bundle to update)", path=out))
        self._lock_fd = os.open(out, os.O_RDONLY)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(self._lock_fd)
            self._lock_fd = None
            if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise InputError(_("{path}: another docforge bundle run is writing this folder; wait for it to finish",
                                   path=out)) from None
            raise
        for p in entries:  # what an interrupted run left
            if p.name.startswith((TMP_PREFIX, OLD_PREFIX)) or p.name in (f".{MANIFEST}.tmp", f".{MANIFEST_HASH}.tmp"):
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
        # The old manifest no longer describes the folder once anything changes: it is written anew
        # at the end, and its absence marks an unfinished bundle.
        (out / MANIFEST).unlink(missing_ok=True)
        (out / MANIFEST_HASH).unlink(missing_ok=True)

    def close(self) -> None:
        # A run that stopped early: its queued documents are dropped.
        for _packet, futures in self._converting:
            for _src, future in futures.values():
                future.cancel()
        self._converting.clear()
        self._end_conversion(cancel=True)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    @property
    def lock_fd(self) -> int | None:
        return self._lock_fd

    def _is_bundle(self, entries: list[Path]) -> bool:
        if any(p.name == MANIFEST or p.name.startswith((TMP_PREFIX, OLD_PREFIX)) for p in entries):
            return True
        if (self.out / "village" / DONE).exists():
            return True
        hh = self.out / "households"
        return hh.is_dir() and any((d / DONE).exists() for d in hh.iterdir() if d.is_dir())

    def remove_stale(self, households: IdSet) -> None:
        """Remove household packets of earlier runs whose household is no longer in the bundle."""
        hh = self.out / "households"
        if not hh.is_dir():
            return
        with os.scandir(hh) as it:
            stale = [d.name for d in it if d.is_dir() and d.name not in households and (Path(d.path) / DONE).exists()]
        for name in sorted(stale):
            self.reporter.log(_("households/{name}: removed (household no longer in the bundle)", name=name))
            shutil.rmtree(hh / name)

    # -- packets

    def stage(self, packet: Packet) -> Path:
        """Write the packet's DOCX files into its temporary directory (and let go of the bytes)."""
        tmp = self.out / packet.tmp_name
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        for item in packet.items:
            (tmp / f"{item.stem}.docx").write_bytes(item.data)
            item.data = b""
        return tmp

    def finish(self, packet: Packet, tmp: Path, contents: list[dict[str, Any]] | None) -> dict[str, Any]:
        """Write the packet's ``.done`` record and rename its directory into place."""
        files: list[dict[str, Any]] = []
        for item in packet.items:
            path = tmp / f"{item.stem}.docx"
            if not self.options.docx:
                path.unlink()
                continue
            entry: dict[str, Any] = {"path": f"{packet.name}/{path.name}", "kind": item.kind,
                                     "household": packet.household, "copy": item.holder, "pages": None,
                                     "sha256": sha256_file(path)}
            if contents is not None:
                entry["pages"] = next(c["pages"] for c in contents if c["docx"] == path.name)
            files.append(entry)
        if contents is not None:
            pdf = tmp / "packet.pdf"
            from pypdf import PdfReader

            files.append({"path": f"{packet.name}/packet.pdf", "kind": "packet", "household": packet.household,
                          "copy": None, "pages": len(PdfReader(pdf).pages), "sha256": sha256_file(pdf),
                          "contents": contents})
        record = {"packet": packet.name, "key": packet.key, "files": files}
        # Not fsynced one by one (a third of a DOCX-only run's time): a later run re-hashes a finished
        # packet's files against this record, so a packet that a power cut left incomplete is built
        # again; the file system is synced once, before the manifest is written.
        (tmp / DONE).write_bytes(_json(record))
        final = self.out / packet.name
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            old = self.out / (OLD_PREFIX + packet.name.replace("/", "-"))
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old)
        else:
            os.replace(tmp, final)
        return record

    def enqueue(self, packet: Packet, tmp: Path) -> None:
        """A staged packet: finished at once without PDF, else converted with its round, which is
        handed to the LibreOffice pool as soon as it is full."""
        if not self.options.pdf:
            self._done(packet, self.finish(packet, tmp, None))
            return
        self._pool_started()  # LibreOffice starts while the next packets are planned
        if self._pending and self._pending_docs + len(packet.items) > self.options.round_size:
            self._submit_round()
        self._pending.append(packet)
        self._pending_docs += len(packet.items)

    def flush(self) -> None:
        """Convert every staged packet's documents and finish the packets; end the pool."""
        try:
            self._submit_round()
            self._finish_converted(keep=0)
        finally:
            self._end_conversion(cancel=False)

    def _end_conversion(self, cancel: bool) -> None:
        """End the pool this writer started (a shared one goes on) and remove the conversion folder."""
        if self._pool is not None and self._own_pool:
            self._pool.close(cancel=cancel)
            self._pool = None
        if self._work is not None:
            shutil.rmtree(self._work, ignore_errors=True)
            self._work = None

    def _pool_started(self) -> Any:
        # A PDF run plans its households in this process (see `write_bundle`): nothing forks
        # while the pool's threads run.
        if self._work is None:
            # Named for this process: a LibreOffice orphaned by a killed run cannot write into it.
            self._work = self.out / f"{TMP_PREFIX}convert-{os.getpid()}"
            shutil.rmtree(self._work, ignore_errors=True)
            (self._work / "in").mkdir(parents=True)
            (self._work / "pdf").mkdir()
        if self._pool is None:
            # Long-lived LibreOffice instances, one per job (batched soffice calls when LibreOffice's
            # Python bridge is missing); the same bytes either way.
            from .render.pdfpool import Pool

            self._pool = Pool(self.options.jobs, self.options.timeout).start()
        return self._pool

    def _submit_round(self) -> None:
        """Hand the pending packets' documents to the pool, in order. With one job, wait for them
        and finish the packets (one thing at a time); with more, keep converting while the packets
        of earlier rounds are assembled and the next ones planned, at most two rounds in flight."""
        group, self._pending, self._pending_docs = self._pending, [], 0
        if group:
            pool = self._pool_started()
            assert self._work is not None
            docs = sum(len(p.items) for p in group)
            self.reporter.detail(ngettext("converting {docs} documents to PDF ({n} LibreOffice worker)",
                                          "converting {docs} documents to PDF ({n} LibreOffice workers)",
                                          self.options.jobs, docs=docs, n=self.options.jobs))
            for p in group:
                futures = {}
                for item in p.items:
                    src = self._work / "in" / f"d{self._converted_count:07d}.docx"  # unique in the run
                    self._converted_count += 1
                    _link_or_copy(self.out / p.tmp_name / f"{item.stem}.docx", src)
                    futures[item.stem] = (src, pool.submit(src, self._work / "pdf" / f"{src.stem}.pdf"))
                self._converting.append((p, futures))
                self._in_flight += len(futures)
        if self.options.jobs == 1:  # the whole round converted first, then its packets merged
            for _packet, futures in self._converting:
                for _src, future in futures.values():
                    future.result()
            self._finish_converted(keep=0)
        else:
            self._finish_converted(keep=self.options.round_size)

    def _finish_converted(self, keep: int) -> None:
        """Finish converted packets in order: each one whose documents are done, and every one
        (waiting for its documents) until at most ``keep`` documents are in flight."""
        while self._converting:
            p, futures = self._converting[0]
            if self._in_flight <= keep and not all(f.done() for _src, f in futures.values()):
                return
            self._converting.popleft()
            self._in_flight -= len(futures)
            pdfs: dict[str, Path] = {}
            for stem, (src, future) in futures.items():
                outcome = future.result()
                if isinstance(outcome, Path):
                    pdfs[stem] = outcome
                else:
                    self.failures[f"{p.name}/{stem}.docx"] = outcome
            tmp = self.out / p.tmp_name
            if len(pdfs) != len(p.items):
                shutil.rmtree(tmp)
                self.reporter.log(_("{packet}: not written (a document failed to convert to PDF)", packet=p.name))
            else:
                contents = assemble_pdf(p, pdfs, tmp / "packet.pdf", self.options.sign_fields)
                self._done(p, self.finish(p, tmp, contents))
            for src, _future in futures.values():  # the run's disk use stays that of two rounds
                src.unlink(missing_ok=True)
                (self._work / "pdf" / f"{src.stem}.pdf").unlink(missing_ok=True)  # type: ignore[operator]

    def _done(self, packet: Packet, record: dict[str, Any]) -> None:
        self.totals.built += 1
        self.totals.pages += record_pages(record)
        self.reporter.detail(_("{packet}: written", packet=packet.name))

    def raise_failures(self) -> None:
        if self.failures:
            lines = "\n  ".join(f"{k}: {v}" for k, v in self.failures.items())
            raise ConversionError(_("{n} document(s) could not be converted to PDF; their packets were not written "
                                    "(the others were). Re-run the same command to retry:\n  {lines}",
                                    n=len(self.failures), lines=lines))


def record_pages(record: dict[str, Any]) -> int:
    """The pages of a packet's PDF, from its ``.done`` record (0 without PDF)."""
    return sum(f["pages"] or 0 for f in record.get("files", []) if f.get("kind") == "packet")


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


# --------------------------------------------------------------------------- households, planned


@dataclass
class HouseholdSource:
    """A household of the run and where it came from: its own file, or a row of the roster."""

    household: Household
    input: InputFile | None = None
    row: int | None = None


@dataclass
class _Planned:
    """One household, planned (small: its DOCX files are already on disk, in its staging folder)."""

    entry: dict[str, Any]  # the manifest's household entry
    findings: list[dict[str, Any]]
    status: str  # none, removed (signs nothing), finished (by an earlier run), built, staged (for PDF)
    packet: Packet | None = None  # without the documents' bytes
    pages: int = 0
    input: dict[str, Any] | None = None  # the household's own file, as the manifest's inputs list it


def _findings(docs: Iterable[Document]) -> list[dict[str, Any]]:
    # a finding (or a notice, which is not a legal finding and says so) as a person reads it, in English and
    # in Chinese: the manifest does not depend on the locale
    return [{**f.model_dump(mode="json", exclude_none=True), **text_fields("message", pair(*_lines(f, notice)))}
            for d in docs for f, notice in [*((x, False) for x in d.findings), *((x, True) for x in d.notices)]]


def _lines(f: Finding, notice: bool) -> tuple[str, str]:
    out = []
    for lang in ("en", "zh"):
        with using(lang):
            if notice:
                reason = f.reason_zh if lang == "zh" and f.reason_zh else f.reason
                where = f"{document_name(f.document) if f.document else '-'} {f.clause or ''}"
                out.append(_("notice: {where}: {reason}", where=where, reason=reason))
            else:
                out.append(f.line())
    return out[0], out[1]


def _packet_entry(p: Packet) -> dict[str, Any]:
    return {"name": p.name, "household": p.household, "title": p.title, "key": p.key}


class _HouseholdJob:
    """Selects, renders and stages one household's packet: the same in the main process
    (``--jobs 1``) and in each worker process, which builds its own once."""

    def __init__(self, village: Village, village_input: InputFile, options: BundleOptions, common: dict[str, Any],
                 out: Path, resolver: Resolver | None = None):
        self.r = resolver or Resolver(village, options.as_of)
        self.village_input, self.options, self.common = village_input, options, common
        self.writer = BundleWriter(out, options)  # stages and finishes packets; the run's own holds the lock

    def __call__(self, src: HouseholdSource) -> _Planned:
        h = src.household
        selection, prov = self.r.selection(h)
        name = f"households/{h.id}"
        entry: dict[str, Any] = {"id": h.id}
        if src.row is not None:
            entry["row"] = src.row
        if src.input is not None:
            entry["file"] = src.input.path
        entry.update(packet=None, agreements=[k.value for k in selection.agreements], reasons=dict(selection.reasons),
                     selected_by={k: v for k, v in provenance_dict(prov).items() if v is not None})
        own = src.input.as_dict() if src.input else None
        if not selection.agreements:
            if (self.writer.out / name / DONE).exists():  # it signed something before
                shutil.rmtree(self.writer.out / name)
                return _Planned(entry, [], "removed", input=own)
            return _Planned(entry, [], "none", input=own)
        inputs = [self.village_input] + ([src.input] if src.input else [])
        packet, docs = plan_household_packet(self.r, h, inputs, self.options.draft, selection)
        packet.key = packet_key(packet, self.options, self.common)
        entry["packet"] = packet.name
        record = packet_is_done(self.writer.out, packet)
        if record is not None:
            status, pages = "finished", record_pages(record)
        else:
            tmp = self.writer.stage(packet)
            status, pages = "staged", 0
            if not self.options.pdf:
                self.writer.finish(packet, tmp, None)
                status = "built"
        for item in packet.items:
            item.data = b""
        return _Planned(entry, _findings(docs), status, packet, pages, own)


#: Households a worker process plans per task; at most 2 × jobs tasks are in flight.
CHUNK = 16
_job: _HouseholdJob | None = None


def _start_worker(args: tuple, lock_fd: int | None) -> None:
    """A worker process: it dies with the run, leaves Ctrl-C to it, and builds its Resolver once."""
    global _job
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # Linux: killed when the run is (kill -9 leaves no worker behind)
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if lock_fd is not None:  # a forked copy of the run's lock on the bundle folder
        try:
            os.close(lock_fd)
        except OSError:
            pass
    _job = _HouseholdJob(*args)


def _plan_chunk(chunk: list[HouseholdSource]) -> list[_Planned]:
    assert _job is not None
    return [_job(src) for src in chunk]


def _chunks(items: Iterable[HouseholdSource], size: int) -> Iterator[list[HouseholdSource]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _plan_all(job: _HouseholdJob, job_args: tuple, sources: Iterable[HouseholdSource], jobs: int,
              reporter: Reporter, lock_fd: int | None) -> Iterator[_Planned]:
    """Each household planned, in the order given: here, or by ``jobs`` worker processes fed
    chunks of :data:`CHUNK` households with at most ``2 × jobs`` chunks in flight (memory stays
    flat), their results taken in order (the output does not depend on ``jobs``)."""
    if jobs == 1:
        for src in sources:
            yield job(src)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    chunks = _chunks(sources, CHUNK)
    first = next(chunks, None)
    if first is None:
        return
    # fork: the workers start with the plugins loaded and the templates compiled
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_start_worker, initargs=(job_args, lock_fd))
    window: collections.deque = collections.deque()
    try:
        with reporter.paused():  # the first submit forks every worker: no other thread may run then
            sys.stdout.flush()  # nor may output wait in a buffer that each worker would flush again
            sys.stderr.flush()
            window.append(pool.submit(_plan_chunk, first))
        for chunk in chunks:
            window.append(pool.submit(_plan_chunk, chunk))
            while len(window) > 2 * jobs:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()
    except BrokenProcessPool as e:
        raise RenderError(_("a worker process rendering the households' documents died ({error}); re-run the same "
                            "command to finish the bundle (or give --jobs 1)", error=e)) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# --------------------------------------------------------------------------- warnings, manifest


class _Warnings:
    """The documents' findings, each (check, document, clause) once, with the number of households
    whose documents have it and the first of them."""

    def __init__(self) -> None:
        self.entries: dict[tuple, dict[str, Any]] = {}
        self._last: dict[tuple, str | None] = {}

    def add(self, findings: list[dict[str, Any]], household: str | None) -> None:
        for f in findings:
            key = (f["check"], f.get("document"), f.get("clause"))
            entry = self.entries.get(key)
            if entry is None:
                entry = self.entries[key] = {"household": household, "households": 0, **f}
                self._last[key] = None
            if household is not None and self._last[key] != household:
                entry["households"] += 1
                self._last[key] = household

    def as_list(self) -> list[dict[str, Any]]:
        return list(self.entries.values())


class _Spill:
    """The manifest's long lists, one JSON line an entry, in the bundle's temporary area until
    the manifest is written."""

    SECTIONS = ("inputs", "households", "packets")

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir()
        self._files = {s: open(folder / f"{s}.jsonl", "w", encoding="utf-8") for s in self.SECTIONS}

    def add(self, section: str, entry: dict[str, Any]) -> None:
        self._files[section].write(json.dumps(entry, ensure_ascii=False) + "\n")

    def read(self, section: str) -> Iterator[dict[str, Any]]:
        self._files[section].flush()
        with open(self.folder / f"{section}.jsonl", encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)

    def close(self) -> None:
        for f in self._files.values():
            f.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def write_json_stream(path: Path, items: Iterable[tuple[str, Any]]) -> None:
    """Write the object ``{key: value, …}`` exactly as ``json.dumps(indent=2)`` would, atomically;
    a value that is an iterator is written entry by entry, never held whole."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("{")
        for n, (key, value) in enumerate(items):
            f.write(("," if n else "") + "\n  " + json.dumps(key, ensure_ascii=False) + ": ")
            if isinstance(value, Iterator):
                empty = True
                for entry in value:
                    f.write(("[" if empty else ",") + "\n    " + _dumps(entry).replace("\n", "\n    "))
                    empty = False
                f.write("[]" if empty else "\n  ]")
            else:
                f.write(_dumps(value).replace("\n", "\n  "))
        f.write("\n}\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _roster_summary(stream: HouseholdStream, roster_input: InputFile) -> dict[str, Any]:
    """The roster as read, and its warnings, each (column, message) once with the rows counted."""
    report = stream.report
    assert report is not None
    warnings: dict[tuple, dict[str, Any]] = {}
    for p in report.iter_problems("warning"):
        w = warnings.setdefault((p.column, p.message), {"column": p.column, "message": p.message, "fix": p.fix,
                                                        "message_zh": p.message_zh, "fix_zh": p.fix_zh,
                                                        "first_row": p.row, "value": p.value, "rows": 0})
        w["rows"] += 1
    return {"path": roster_input.path, "format": report.format, "encoding": report.encoding,
            "header_row": report.header_row, "rows": report.rows, "households": report.households,
            "skipped": len(stream.skipped), "warnings": list(warnings.values())}


# --------------------------------------------------------------------------- entry points


_DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class DiskFullError(DocforgeError):
    """The disk (or the user's quota) filled up while a bundle was written."""

    exit_code = 1


def disk_full_message(out: Path, e: OSError) -> str:
    """What a full disk did to a bundle run: which path, what was finished, and how to go on."""
    done, size = 0, 0
    for root, dirs, files in os.walk(out):
        dirs[:] = [d for d in dirs if not d.startswith((TMP_PREFIX, OLD_PREFIX))]
        if DONE in files:
            done += 1
        for f in files:
            with contextlib.suppress(OSError):
                size += os.lstat(os.path.join(root, f)).st_size
    where = e.filename or out
    amount = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} KB"
    return _("{where}: the disk is full ({why}). {done} packet(s) of {out} are finished ({amount}); no packet is "
             "half-written (the unfinished one stays in a temporary folder that the next run removes) and "
             "{manifest} is not written yet. Free some space and run the same command again: it keeps the finished "
             "packets and builds the rest", where=where, why=e.strerror or "no space left", done=done, out=out,
             amount=amount, manifest=MANIFEST)


class RosterRefusedError(InputError):
    """A roster with errors, given without ``--skip-bad-rows``: nothing is written. ``report``
    holds every problem."""

    def __init__(self, report: RosterReport, village_path: str, roster_path: str, as_of: dt.date, limit: int = 50):
        self.report = report
        count = report.error_count
        rows = all(p.row is not None and p.row != report.header_row for p in report.iter_problems("error"))
        fix = (_("Correct them, or give --skip-bad-rows to leave those rows out (the output and the manifest list "
                 "them).") if rows else _("Correct the file: no row can be read while these are wrong."))
        lines = [ngettext("{path}: the roster has {n} error; no bundle was written. {fix}",
                          "{path}: the roster has {n} errors; no bundle was written. {fix}", count,
                          path=roster_path, n=count, fix=fix), report.summary()]
        lines += [p.line() for p in report.iter_problems("error", limit)]
        if count > limit:
            lines.append(_("... and {n} more errors", n=count - limit))
        lines.append(_("Every problem, in a sheet to correct and feed back: {command}",
                       command=" ".join(("docforge check --village", str(village_path), "--roster", str(roster_path),
                                         "--as-of", as_of.isoformat(), "--problems problems.xlsx"))))
        super().__init__("\n".join(lines))


def build_bundle(village_file: Path, household_files: Sequence[Path], out: Path, *, as_of: dt.date,
                 formats: Sequence[str] = FORMATS, draft: bool = False, sign_fields: bool = False,
                 jobs: int = 1, timeout: float | None = None, round_size: int = ROUND_SIZE,
                 roster: Path | None = None, skip_bad_rows: bool = False,
                 log: Log | None = None, reporter: Reporter | None = None, label: str | None = None,
                 pool: Any = None, compare_from: dt.date | None = None,
                 roster_encoding: str | None = None) -> BundleReport:
    """Write (or finish) the bundle of a village file and its households, from household files
    or streamed from a roster (a CSV one in ``roster_encoding`` when given), into ``out``;
    ``pool`` as for :func:`write_bundle`."""
    from .inputs import load_household, load_village

    options = BundleOptions(as_of=as_of, formats=tuple(formats), draft=draft, sign_fields=sign_fields,
                            jobs=jobs, timeout=timeout, round_size=round_size, compare_from=compare_from)
    village_file = Path(village_file)
    village = load_village(village_file)
    village_input = InputFile.of("village", village_file)
    if roster is not None:
        if household_files:
            raise InputError(_("give the households as household files or as one roster, not both"))
        from .roster import iter_households

        roster = Path(roster)
        stream = iter_households(village, roster, as_of, skip_bad=skip_bad_rows, encoding=roster_encoding)
        return write_bundle(village, village_input, None, out, options, log, reporter=reporter, roster=stream,
                            roster_input=InputFile.of("roster", roster), label=label, pool=pool)
    # Household files are few (one per --household): read and checked before anything is written.
    households: list[HouseholdSource] = []
    seen: dict[str, str] = {}
    for hf in household_files:
        hf = Path(hf)
        h = load_household(hf)  # the model refuses an id that cannot name a folder
        if h.id in seen:
            raise InputError(_("{path}: household id {household} is also the id of {other}; each household needs "
                               "its own id", path=hf, household=repr(h.id), other=seen[h.id]))
        seen[h.id] = str(hf)
        households.append(HouseholdSource(h, InputFile.of("household", hf, h.id)))
    households.sort(key=lambda s: s.household.id)
    return write_bundle(village, village_input, households, out, options, log, reporter=reporter, label=label,
                        pool=pool)


def write_bundle(village: Village, village_input: InputFile,
                 households: Iterable[HouseholdSource | tuple[Household, InputFile]] | None,
                 out: Path, options: BundleOptions, log: Log | None = None, *, reporter: Reporter | None = None,
                 roster: HouseholdStream | None = None, roster_input: InputFile | None = None,
                 label: str | None = None, pool: Any = None, pm: Any = None) -> BundleReport:
    """The library entry point for validated models: ``households`` in the order given, or the
    households streamed from ``roster`` (:func:`docforge.roster.iter_households`) in roster order.
    ``label`` names the village in progress output (default: its name). ``pool``: a started
    :class:`docforge.render.pdfpool.Pool` to convert with, left running (a county run shares one);
    by default the run starts its own and ends it. ``pm``: the plugin manager to resolve with
    (default: the installed plugins), e.g. one with a village's own layer registered.

    Nothing per household stays in memory: finished packets' entries wait in a JSON-lines file in
    the bundle's temporary area and ``manifest.json`` is streamed from it at the end; household ids
    are kept as 64-bit hashes; warnings once per (check, document, clause)."""
    from .roster import RosterError, SkippedRow

    reporter = reporter or Reporter(log)
    totals = Totals()
    r = Resolver(village, options.as_of, pm)  # a missing or broken plugin stops the run here
    common = {"as_of": options.as_of.isoformat(), "plugins": _plugins(r)}
    ids = IdSet()
    if roster is not None:
        if roster_input is None:
            roster_input = InputFile.of("roster", roster.path)
        sources: Iterator[HouseholdSource] = (HouseholdSource(h, None, row) for row, h in roster)
    else:
        sources = (s if isinstance(s, HouseholdSource) else HouseholdSource(*s) for s in households or ())

    def checked() -> Iterator[HouseholdSource]:
        """Household ids each once (``Household`` already refuses one that cannot name a folder);
        with --skip-bad-rows, a repeated id is skipped like any bad row."""
        for src in sources:
            hid = src.household.id
            problem = None
            if not ids.add(hid):
                problem = lazy("household id {household} is also the id of an earlier household; each household "
                               "needs its own id", household=repr(hid))
            if problem is None:
                totals.households += 1
                yield src
            elif roster is not None and roster.skip_bad:
                roster.skipped.append(SkippedRow(row=src.row, household_id=hid, reasons=[problem.text("en")],
                                                 reasons_zh=[problem.text("zh")]))
            else:
                where = (_("{path}, row {row}", path=roster_input.path, row=src.row) if roster_input else
                         src.input.path if src.input else "-")
                raise InputError(_("{where}: {problem}", where=where, problem=problem))

    households_in = checked()
    total = None if roster is not None else (len(households) if isinstance(households, Sized) else None)
    try:  # a roster is checked here, before anything is written
        first = next(households_in, None)
    except RosterError as e:
        assert roster_input is not None
        raise RosterRefusedError(e.report, village_input.path, roster_input.path, options.as_of) from None
    if roster is not None and not roster.skip_bad and roster.report is not None:
        total = roster.report.households
    households_in = itertools.chain([first] if first is not None else [], households_in)

    writer = BundleWriter(out, options, reporter, totals, pool=pool)
    try:
        writer.open()
    except OSError as e:
        raise InputError(_("-o {out}: cannot be used as the bundle folder ({why}); give a folder you may write to",
                           out=out, why=e.strerror or e)) from None
    reporter.start(label or village.village.name, total)
    run: _Run | None = None
    finished = False
    try:
        run = _Run(writer, common)
        run.spill.add("inputs", village_input.as_dict())
        if roster_input is not None:
            run.spill.add("inputs", roster_input.as_dict())
        vp, vdocs = plan_village_packet(r, [village_input], options.draft, options.compare_from)
        vp.key = packet_key(vp, options, common)
        run.warnings.add(_findings(vdocs), None)
        record = packet_is_done(writer.out, vp)
        if record is None:
            writer.stage(vp)
        run.packet(vp, "finished" if record else "staged", record_pages(record) if record else 0)
        reporter.advance(0, len(vp.items))
        job_args = (village, village_input, options, common, writer.out)
        job = _HouseholdJob(*job_args, resolver=r)
        # Worker processes render DOCX-only runs. With PDF, LibreOffice is nearly all the work
        # (about 100 ms a document against 0.5 ms for its DOCX), so the jobs go to LibreOffice and
        # this process plans the households while the pool converts and no process forks.
        planners = 1 if options.pdf else options.jobs
        for planned in _plan_all(job, job_args, households_in, planners, reporter, writer.lock_fd):
            run.household(planned)
        writer.flush()
        writer.raise_failures()
        writer.remove_stale(ids)
        roster_summary = _roster_summary(roster, roster_input) if roster is not None and roster_input else None
        skipped = [s.model_dump(mode="json") for s in roster.skipped] if roster is not None else []
        run.write_manifest(roster_summary, skipped)
        finished = True
    except OSError as e:
        if e.errno not in _DISK_FULL:
            raise
        raise DiskFullError(disk_full_message(writer.out, e)) from None
    finally:
        try:
            if run is not None:
                run.spill.close()
            writer.close()
        except OSError:
            if finished:  # a failure already on its way says more than this one
                raise
        reporter.end()
    return BundleReport(writer.out, totals, run.warnings.as_list(), skipped, roster_summary, village.village.name)


class _Run:
    """What one :func:`write_bundle` keeps while it goes: counts, each warning once, and the
    manifest's long lists spilled to disk (nothing per household in memory)."""

    def __init__(self, writer: BundleWriter, common: dict[str, Any]):
        self.writer, self.common = writer, common
        self.options, self.reporter, self.totals = writer.options, writer.reporter, writer.totals
        self.warnings = _Warnings()
        self.spill = _Spill(writer.out / f"{TMP_PREFIX}manifest-{os.getpid()}")

    def packet(self, p: Packet, status: str, pages: int) -> None:
        """A packet of the bundle: finished by an earlier run, built, or staged to build."""
        self.spill.add("packets", _packet_entry(p))
        t = self.totals
        t.packets += 1
        t.documents += len(p.items)
        t.files += len(p.items) * self.options.docx + self.options.pdf
        if status == "finished":
            t.finished += 1
            t.pages += pages
            self.reporter.detail(f"{p.name}: already finished")
        elif status == "built":
            t.built += 1
            self.reporter.detail(f"{p.name}: written")
        else:
            self.writer.enqueue(p, self.writer.out / p.tmp_name)

    def household(self, planned: _Planned) -> None:
        entry = planned.entry
        if planned.input is not None:
            self.spill.add("inputs", planned.input)
        self.spill.add("households", entry)
        self.warnings.add(planned.findings, entry["id"])
        if planned.status == "removed":
            self.reporter.log(f"households/{entry['id']}: removed (the household signs no agreement now)")
        if planned.packet is not None:
            self.packet(planned.packet, planned.status, planned.pages)
        self.reporter.advance(1, len(planned.packet.items) if planned.packet else 0)

    def write_manifest(self, roster_summary: dict[str, Any] | None, skipped: list[dict[str, Any]]) -> None:
        """Stream ``manifest.json`` out of the spilled lists and the packets' ``.done`` records."""
        out, options, spill = self.writer.out, self.options, self.spill
        self.totals.skipped_rows = len(skipped)
        self.totals.warnings = len(self.warnings.entries) + len(roster_summary["warnings"] if roster_summary else [])

        def files() -> Iterator[dict[str, Any]]:
            for p in spill.read("packets"):
                record = read_done(out / p["name"])
                if record is None or record.get("key") != p["key"]:
                    raise ConversionError(_("{packet}: its .done record is missing or stale; re-run the same "
                                            "command to finish the bundle", packet=p["name"]))
                yield from record["files"]

        manifest: list[tuple[str, Any]] = [
            ("format", MANIFEST_FORMAT), ("docforge", __version__), ("plugins", self.common["plugins"]),
            ("as_of", self.common["as_of"]),
            *([("compare_from", options.compare_from.isoformat())] if options.compare_from else []),
            ("draft", options.draft), ("sign_fields", options.sign_fields),
            ("formats", list(options.formats)), ("inputs", spill.read("inputs")),
            ("totals", self.totals.recorded(options.pdf)),
        ]
        if roster_summary is not None:
            manifest.append(("roster", roster_summary))
        manifest += [("warnings", self.warnings.as_list()), ("skipped", skipped),
                     ("households", spill.read("households")), ("packets", spill.read("packets")),
                     ("files", files())]
        _sync_filesystem(out)  # the packets are on disk before the manifest says so
        write_json_stream(out / MANIFEST, manifest)
        _write_atomic(out / MANIFEST_HASH, f"{sha256_file(out / MANIFEST)}  {MANIFEST}\n".encode())
        _fsync_dir(out)

