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

How a run goes (:func:`build_bundle`):

1. Packets are planned one at a time: their documents resolved and rendered to DOCX. A packet's
   *key* is a hash of what it is made of: docforge's and pypdf's versions, the plugins, the
   options, the input files and the DOCX bytes. A packet whose directory holds a ``.done`` record
   with the same key, and files that match the record, is finished and is not built again.
2. Any other packet is staged in a temporary directory ``DIR/.tmp-<packet>``. Once a round holds
   ``round_size`` documents (and at the end), all its DOCX files are converted to PDF together in
   one :func:`docforge.render.pdf.convert_many` call (each document once, ``jobs`` LibreOffice
   workers), and each packet's PDF is merged with an outline entry per document and, on request,
   empty signature fields. Memory stays flat however many households there are.
3. A complete packet directory is renamed into place (``os.replace``); ``manifest.json`` is written
   last, atomically. An interrupted run (even ``kill -9``) leaves finished packets and temporary
   directories, never a half-written packet; the next run removes the temporary directories and
   builds only what is missing or changed.

Output is deterministic: the same inputs, plugins, options and as-of date give byte-identical
files, manifest included (no clock, no absolute paths).
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import hashlib
import io
import json
import math
import os
import re
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__
from .errors import ConversionError, InputError, RenderError
from .models import Document, DocumentKind, Household, Village
from .resolve import Resolver

MANIFEST = "manifest.json"
DONE = ".done"
TMP_PREFIX = ".tmp-"
OLD_PREFIX = ".old-"
MANIFEST_FORMAT = 1
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

    def __post_init__(self) -> None:
        formats = tuple(f for f in FORMATS if f in set(self.formats))
        unknown = set(self.formats) - set(FORMATS)
        if unknown or not formats:
            raise InputError(f"--format: unknown or empty format list {','.join(self.formats)!r}; "
                             f"give one or both of {', '.join(FORMATS)}, e.g. --format docx,pdf")
        self.formats = formats
        if self.jobs < 1:
            raise InputError("--jobs must be at least 1")
        if self.round_size < 1:
            raise InputError("the round size must be at least 1")

    @property
    def pdf(self) -> bool:
        return "pdf" in self.formats

    @property
    def docx(self) -> bool:
        return "docx" in self.formats


@dataclass
class BundleReport:
    """What a run did: the manifest it wrote, the packets built and those already finished."""

    out: Path
    manifest: dict[str, Any]
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[dict[str, Any]]:
        return self.manifest["warnings"]


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


_UNSAFE = re.compile(r"[^\w\-]", re.UNICODE)


def _safe_part(text: str) -> str:
    """A file-name part: word characters (CJK included) and '-', anything else '_'."""
    return _UNSAFE.sub("_", text) or "_"


def _check_household_id(hid: str, source: str) -> None:
    if (not hid or hid.startswith(".") or any(c in hid for c in "/\\\0") or hid != hid.strip()
            or len(hid) > 100 or any(ord(c) < 32 for c in hid)):
        raise InputError(f"{source}: household id {hid!r} cannot name a folder of the bundle: use letters, "
                         f"digits, Chinese characters, '-' or '_' (no '/', no leading '.')")


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
    filing = [f"报送单位：{village.committee_name}", f"备案机关：{village.township.name}人民政府"]
    for n, doc in enumerate(documents, 1):
        adoption = getattr(village, doc.kind.value)
        if adoption.adopted_on or "adopted_by" in adoption.model_fields_set:
            meeting = adoption.adopted_by
        else:
            meeting = "村民会议／村民代表会议"
        adopted = filters.cn_date(adoption.adopted_on) if adoption.adopted_on else filters.blank_date()
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
        "records": records,
        "filing": [clean(x) for x in filing],
        "filing_signature": [clean(f"报送单位（{village.committee_name}）盖章："),
                             f"备案机关经办人签字：{blank * 4}备案机关盖章："],
        "copy_mark": "",
        "page_total": False,
        "draft": draft,
    }


def render_template(template: Path, ctx: dict[str, Any]) -> bytes:
    """Render a docxtpl template with docforge's sandboxed environment; deterministic bytes."""
    from docxtpl import DocxTemplate

    from .render.docx import jinja_env, normalize_docx

    try:
        tpl = DocxTemplate(str(template))
        tpl.render(ctx, jinja_env=jinja_env(), autoescape=True)
        buf = io.BytesIO()
        tpl.save(buf)
    except Exception as e:  # noqa: BLE001 - any template fault names the template
        raise RenderError(f"template {template} failed: {type(e).__name__}: {e}") from e
    return normalize_docx(buf.getvalue())


def plan_village_packet(r: Resolver, inputs: list[InputFile], draft: bool) -> tuple[Packet, list[Document]]:
    from .render.docx import render_docx_fast as render_docx  # the same bytes, template compiled once

    docs = [r.document(DocumentKind.charter), r.document(DocumentKind.convention)]
    items = [Item(d.kind.value, d.kind.value, d.title, render_docx(d, draft=draft)) for d in docs]
    ctx = adoption_sheet_context(r.village, docs, draft)
    items.append(Item(ADOPTION_SHEET, ADOPTION_SHEET, ctx["title"], render_template(adoption_sheet_template(), ctx)))
    title = f"{r.village.village.name}自治章程、自治公约及通过备案记录"
    return Packet("village", title, items, inputs), docs


def plan_household_packet(r: Resolver, h: Household, inputs: list[InputFile], draft: bool
                          ) -> tuple[Packet, list[Document]]:
    from .render.docx import render_docx_fast as render_docx  # the same bytes, template compiled once

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
        "inputs": [i.as_dict() for i in packet.inputs],
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

    from .render.pdf import normalize_pdf

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
    # duplicates leaves (normalize_pdf reads every object number below /Size).
    PdfWriter(clone_from=PdfReader(buf)).write(target)
    normalize_pdf(target, None)
    return contents


# --------------------------------------------------------------------------- the run


class BundleWriter:
    """Writes packets into a bundle directory; see the module docstring."""

    def __init__(self, out: Path, options: BundleOptions, log: Log | None = None):
        self.out = Path(out)
        self.options = options
        self.log = log or (lambda _msg: None)
        self._lock_fd: int | None = None
        self._pending: list[Packet] = []
        self._pending_docs = 0
        self._staged: dict[str, Path] = {}
        self.records: dict[str, dict[str, Any]] = {}
        self.built: list[str] = []
        self.failures: dict[str, str] = {}

    # -- directory housekeeping

    def open(self) -> None:
        out = self.out
        if out.exists() and not out.is_dir():
            raise InputError(f"{out}: exists and is not a folder; give -o a new or empty folder")
        out.mkdir(parents=True, exist_ok=True)
        entries = [p for p in out.iterdir()]
        if entries and not self._is_bundle(entries):
            raise InputError(f"{out}: the folder is not empty and is not a docforge bundle; "
                             f"give -o a new or empty folder (or an earlier bundle to update)")
        self._lock_fd = os.open(out, os.O_RDONLY)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            os.close(self._lock_fd)
            self._lock_fd = None
            if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise InputError(f"{out}: another docforge bundle run is writing this folder; "
                                 f"wait for it to finish") from None
            raise
        for p in entries:  # what an interrupted run left
            if p.name.startswith((TMP_PREFIX, OLD_PREFIX)) or p.name == f".{MANIFEST}.tmp":
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
        # The old manifest no longer describes the folder once anything changes: it is written anew
        # at the end, and its absence marks an unfinished bundle.
        (out / MANIFEST).unlink(missing_ok=True)

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _is_bundle(self, entries: list[Path]) -> bool:
        if any(p.name == MANIFEST or p.name.startswith((TMP_PREFIX, OLD_PREFIX)) for p in entries):
            return True
        if (self.out / "village" / DONE).exists():
            return True
        hh = self.out / "households"
        return hh.is_dir() and any((d / DONE).exists() for d in hh.iterdir() if d.is_dir())

    def remove_stale(self, wanted: set[str]) -> None:
        """Remove household packets of earlier runs whose household is no longer in the bundle."""
        hh = self.out / "households"
        if not hh.is_dir():
            return
        for d in sorted(hh.iterdir()):
            name = f"households/{d.name}"
            if d.is_dir() and name not in wanted and (d / DONE).exists():
                self.log(f"{name}: removed (household no longer in the bundle)")
                shutil.rmtree(d)

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
        for p in tmp.iterdir():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
        _write_atomic(tmp / DONE, _json(record))
        _fsync_dir(tmp)
        final = self.out / packet.name
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():
            old = self.out / (OLD_PREFIX + packet.name.replace("/", "-"))
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old)
        else:
            os.replace(tmp, final)
        _fsync_dir(final.parent)
        return record

    def add(self, packet: Packet) -> None:
        """Stage a packet to build; a round is converted as soon as it is full."""
        if self._pending and self._pending_docs + len(packet.items) > self.options.round_size:
            self.flush()
        self._staged[packet.name] = self.stage(packet)
        self._pending.append(packet)
        self._pending_docs += len(packet.items)
        if not self.options.pdf:
            self.flush()

    def flush(self) -> None:
        """Convert the staged packets' documents in one LibreOffice call, then finish each packet."""
        group, self._pending, self._pending_docs = self._pending, [], 0
        if not group:
            return
        if not self.options.pdf:
            for p in group:
                self._done(p, self.finish(p, self._staged.pop(p.name), None))
            return
        from .render.pdf import convert_many

        # Named for this process: a LibreOffice orphaned by a killed run cannot write into it.
        work = self.out / f"{TMP_PREFIX}convert-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        (work / "in").mkdir(parents=True)
        sources: dict[Path, tuple[Packet, Item]] = {}
        for p in group:
            for item in p.items:
                src = work / "in" / f"d{len(sources):05d}.docx"  # unique names for one output folder
                _link_or_copy(self._staged[p.name] / f"{item.stem}.docx", src)
                sources[src] = (p, item)
        jobs = min(self.options.jobs, len(sources))
        batch = max(1, min(20, math.ceil(len(sources) / jobs)))
        self.log(f"converting {len(sources)} documents to PDF ({jobs} LibreOffice worker{'s' * (jobs > 1)})")
        result = convert_many(list(sources), work / "pdf", jobs=jobs, timeout=self.options.timeout, batch_size=batch)
        pdfs: dict[str, dict[str, Path]] = {p.name: {} for p in group}
        for src, (p, item) in sources.items():
            if src in result.pdfs:
                pdfs[p.name][item.stem] = result.pdfs[src]
            else:
                self.failures[f"{p.name}/{item.stem}.docx"] = result.failures.get(src, "no PDF")
        for p in group:
            tmp = self._staged.pop(p.name)
            if len(pdfs[p.name]) != len(p.items):
                shutil.rmtree(tmp)
                self.log(f"{p.name}: not written (a document failed to convert to PDF)")
                continue
            contents = assemble_pdf(p, pdfs[p.name], tmp / "packet.pdf", self.options.sign_fields)
            self._done(p, self.finish(p, tmp, contents))
        shutil.rmtree(work, ignore_errors=True)

    def _done(self, packet: Packet, record: dict[str, Any]) -> None:
        self.records[packet.name] = record
        self.built.append(packet.name)
        self.log(f"{packet.name}: written")

    def raise_failures(self) -> None:
        if self.failures:
            lines = "\n  ".join(f"{k}: {v}" for k, v in self.failures.items())
            raise ConversionError(f"{len(self.failures)} document(s) could not be converted to PDF; their packets "
                                  f"were not written (the others were). Re-run the same command to retry:\n  {lines}")


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def build_bundle(village_file: Path, household_files: Sequence[Path], out: Path, *, as_of: dt.date,
                 formats: Sequence[str] = FORMATS, draft: bool = False, sign_fields: bool = False,
                 jobs: int = 1, timeout: float | None = None, round_size: int = ROUND_SIZE,
                 log: Log | None = None) -> BundleReport:
    """Write (or finish) the bundle of a village file and household files into ``out``."""
    from .inputs import load_household, load_village

    options = BundleOptions(as_of=as_of, formats=tuple(formats), draft=draft, sign_fields=sign_fields,
                            jobs=jobs, timeout=timeout, round_size=round_size)
    village_file = Path(village_file)
    village = load_village(village_file)
    households: list[tuple[Household, InputFile]] = []
    for hf in household_files:
        hf = Path(hf)
        h = load_household(hf)
        households.append((h, InputFile.of("household", hf, h.id)))
    return write_bundle(village, InputFile.of("village", village_file), households, out, options, log)


def write_bundle(village: Village, village_input: InputFile, households: Sequence[tuple[Household, InputFile]],
                 out: Path, options: BundleOptions, log: Log | None = None) -> BundleReport:
    """The library entry point for validated models (e.g. households read from a roster)."""
    log = log or (lambda _msg: None)
    seen: dict[str, InputFile] = {}
    for h, src in households:
        _check_household_id(h.id, src.path)
        if h.id in seen:
            raise InputError(f"{src.path}: household id {h.id!r} is also the id of {seen[h.id].path}; "
                             f"each household needs its own id")
        seen[h.id] = src

    r = Resolver(village, options.as_of)
    common = {"as_of": options.as_of.isoformat(), "plugins": _plugins(r)}
    households = sorted(households, key=lambda x: x[0].id)
    warnings: list[dict[str, Any]] = []
    packets: list[dict[str, Any]] = []
    skipped: list[str] = []

    def note(docs: list[Document], household: str | None) -> None:
        for d in docs:
            for f in d.findings:
                warnings.append({"household": household, **f.model_dump(mode="json", exclude_none=True),
                                 "message": f.line()})

    def plans():
        """One packet at a time, rendered when its turn comes (memory stays flat)."""
        vp, vdocs = plan_village_packet(r, [village_input], options.draft)
        note(vdocs, None)
        yield vp
        for h, src in households:
            hp, hdocs = plan_household_packet(r, h, [village_input, src], options.draft)
            note(hdocs, h.id)
            yield hp

    writer = BundleWriter(out, options, log)
    writer.open()
    try:
        writer.remove_stale({"village"} | {f"households/{h.id}" for h, _ in households})
        for p in plans():
            p.key = packet_key(p, options, common)
            packets.append({"name": p.name, "household": p.household, "title": p.title, "key": p.key})
            record = packet_is_done(writer.out, p)
            if record:
                writer.records[p.name] = record
                skipped.append(p.name)
                log(f"{p.name}: already finished")
            else:
                writer.add(p)
        writer.flush()
        writer.raise_failures()
        manifest = {
            "format": MANIFEST_FORMAT,
            "docforge": __version__,
            "plugins": common["plugins"],
            "as_of": common["as_of"],
            "draft": options.draft,
            "sign_fields": options.sign_fields,
            "formats": list(options.formats),
            "inputs": [village_input.as_dict()] + [src.as_dict() for _, src in households],
            "warnings": warnings,
            "packets": packets,
            "files": [f for p in packets for f in writer.records[p["name"]]["files"]],
        }
        _write_atomic(writer.out / MANIFEST, _json(manifest))
        _fsync_dir(writer.out)
    finally:
        writer.close()
    return BundleReport(writer.out, manifest, writer.built, skipped)
