"""Planning a packet: a household's agreements selected, each rendered to DOCX (in as many copies
as its copies policy names holders, each marked for who keeps it), and the packet staged for the
writer; the village packet (charter, convention and the sheet recording their adoption and filing).

Households are planned in the order given: here, or by ``jobs`` worker processes fed chunks of
households, their results taken in order, so the output does not depend on ``jobs``.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import os
import re
import shutil
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import conventions, stamps
from .errors import RenderError
from .explain import provenance_dict
from .i18n import _
from .manifest import findings_entries
from .models import Document, DocumentKind, Household, Village
from .packet import (ADOPTION_SHEET, DONE, BundleOptions, HouseholdSource, InputFile, Item, Packet, packet_is_done,
                     packet_key, record_pages)
from .progress import Reporter
from .resolve import Resolver
from .writer import BundleWriter

if TYPE_CHECKING:
    from .models import Selection


UNSAFE = re.compile(r"[^\w\-]", re.UNICODE)


def safe_part(text: str) -> str:
    """A file-name part: word characters (CJK included) and '-', anything else '_'."""
    return UNSAFE.sub("_", text) or "_"


def adoption_sheet_template() -> Path:
    return Path(str(resources.files("docforge") / "templates" / f"{ADOPTION_SHEET}.docx"))


def adoption_sheet_context(village: Village, documents: Sequence[Document], draft: bool = False) -> dict[str, Any]:
    """The adoption and filing record of the charter and the convention (the village file's
    ``charter``/``convention`` adoption facts; what it does not give is left blank to fill in)."""
    from .render.docx import clean

    blank = conventions.BLANK
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
        adopted = conventions.partial_date(adoption.adopted_on, width=4)
        filed = (conventions.cn_date(adoption.filed_with_township_on) if adoption.filed_with_township_on
                 else conventions.blank_date())
        name = f"《{doc.title}》"
        records.append({
            "label": conventions.item_label(n, "paren"),
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
                          selection: Selection | None = None, pdf: bool = False) -> tuple[Packet, list[Document]]:
    """A household's packet: each agreement it signs in each of its copies. With ``pdf``, an
    agreement's copies that differ only in the copy mark are converted once (see
    :mod:`docforge.stamps`): the packet carries that DOCX and the marks' stamps to convert."""
    from .fsutil import sha256_bytes
    from .render.docx import render_docx_fast as render_docx  # the same bytes, template compiled once

    if selection is None:
        selection, _ = r.selection(h)
    items: list[Item] = []
    docs: list[Document] = []
    conversions: dict[str, bytes] = {}
    for kind in selection.agreements:
        doc = r.document(kind, h)
        docs.append(doc)
        holders = doc.copies or [""]
        copies: list[Item] = []
        for n, holder in enumerate(holders, 1):
            mark = f"{holder}执" if holder else None
            data = render_docx(doc, copy_mark=mark, page_total=True, draft=draft)
            stem = f"{kind.value}-{n}" + (f"-{safe_part(holder)}" if holder else "")
            title = f"{doc.title}（{mark}）" if mark else doc.title
            copies.append(Item(stem, kind.value, title, data, holder or None, n, dict(doc.signature_places)))
        if pdf and len(copies) > 1 and all(c.holder for c in copies):
            blank = render_docx(doc, copy_mark=stamps.BLANK_MARK, page_total=True, draft=draft)
            marks = [f"{c.holder}执" for c in copies]
            if all(stamps.stampable(blank, c.data, m) for c, m in zip(copies, marks, strict=True)):
                source = f".pdf-{kind.value}"
                conversions[f"{source}.docx"] = blank
                template = f"{doc.template or kind.value}|draft={draft}"
                for c, m in zip(copies, marks, strict=True):
                    stamp = stamps.stamp_for(template, m, c.data)
                    c.pdf_source, c.stamp = source, f".stamp-{sha256_bytes(stamp)[:20]}"
                    conversions[f"{c.stamp}.docx"] = stamp
        items += copies
    title = f"{r.village.village.name}{h.group}{h.husband.name}、{h.wife.name}户协议书（户编号 {h.id}）"
    return Packet(f"households/{h.id}", title, items, inputs, household=h.id, conversions=conversions), docs


@dataclass
class Planned:
    """One household, planned (small: its DOCX files are already on disk, in its staging folder)."""

    entry: dict[str, Any]  # the manifest's household entry
    findings: list[dict[str, Any]]
    #: none, removed (signs nothing), finished (by an earlier run), built; with PDF: planned (its
    #: documents' bytes kept until its conversion group is complete), then finished or grouped (staged)
    status: str
    packet: Packet | None = None  # without the documents' bytes, but while planned
    pages: int = 0
    input: dict[str, Any] | None = None  # the household's own file, as the manifest's inputs list it


class HouseholdJob:
    """Selects, renders and stages one household's packet: the same in the main process
    (``--jobs 1``) and in each worker process, which builds its own once."""

    def __init__(self, village: Village, village_input: InputFile, options: BundleOptions, common: dict[str, Any],
                 out: Path, resolver: Resolver | None = None):
        self.r = resolver or Resolver(village, options.as_of)
        self.village_input, self.options, self.common = village_input, options, common
        self.writer = BundleWriter(out, options)  # stages and finishes packets; the run's own holds the lock

    def __call__(self, src: HouseholdSource) -> Planned:
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
                return Planned(entry, [], "removed", input=own)
            return Planned(entry, [], "none", input=own)
        inputs = [self.village_input] + ([src.input] if src.input else [])
        packet, docs = plan_household_packet(self.r, h, inputs, self.options.draft, selection, self.options.pdf)
        packet.key = packet_key(packet, self.options, self.common)
        entry["packet"] = packet.name
        if self.options.pdf:  # finished or built with its conversion group (see docforge.bundle.Run)
            return Planned(entry, findings_entries(docs), "planned", packet, 0, own)
        record = packet_is_done(self.writer.out, packet)
        if record is not None:
            status, pages = "finished", record_pages(record)
        else:  # DOCX only: staged and finished here
            self.writer.finish(packet, self.writer.stage(packet), None)
            status, pages = "built", 0
        for item in packet.items:
            item.data = b""
        return Planned(entry, findings_entries(docs), status, packet, pages, own)


#: Households a worker process plans per task; at most 2 × jobs tasks are in flight.
CHUNK = 16
_job: HouseholdJob | None = None


def start_worker(args: tuple, lock_fd: int | None) -> None:
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
    _job = HouseholdJob(*args)


def plan_chunk(chunk: list[HouseholdSource]) -> list[Planned]:
    assert _job is not None
    return [_job(src) for src in chunk]


def chunked(items: Iterable[HouseholdSource], size: int) -> Iterator[list[HouseholdSource]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def plan_all(job: HouseholdJob, job_args: tuple, sources: Iterable[HouseholdSource], jobs: int,
              reporter: Reporter, lock_fd: int | None) -> Iterator[Planned]:
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

    chunks = chunked(sources, CHUNK)
    first = next(chunks, None)
    if first is None:
        return
    # fork: the workers start with the plugins loaded and the templates compiled
    ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=start_worker, initargs=(job_args, lock_fd))
    window: collections.deque = collections.deque()
    try:
        with reporter.paused():  # the first submit forks every worker: no other thread may run then
            sys.stdout.flush()  # nor may output wait in a buffer that each worker would flush again
            sys.stderr.flush()
            window.append(pool.submit(plan_chunk, first))
        for chunk in chunks:
            window.append(pool.submit(plan_chunk, chunk))
            while len(window) > 2 * jobs:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()
    except BrokenProcessPool as e:
        raise RenderError(_("a worker process rendering the households' documents died ({error}); re-run the same "
                            "command to finish the bundle (or give --jobs 1)", error=e)) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
