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

How a run goes (:func:`write_bundle`), one module per stage:

- :mod:`docforge.packet`: the packet model, :class:`BundleOptions`, totals, ``.done`` records;
- :mod:`docforge.sources`: where the households come from (:class:`Households`);
- :mod:`docforge.planning`: a household's packet selected, rendered and staged;
- :mod:`docforge.writer`: staging, conversion rounds, finishing, resume;
- :mod:`docforge.assembly`: a packet's PDF (outline, copy marks, signature fields);
- :mod:`docforge.manifest`: warnings, the spilled lists and ``manifest.json``;
- :mod:`docforge.progress`: what the run tells its user (:class:`Reporter`).


1. Households come in the order given: household files, or a roster streamed row by row
   (:class:`docforge.sources.RosterHouseholds`; a roster with errors is refused before anything is
   written, unless ``--skip-bad-rows`` leaves the bad rows out and records them). Each household's
   agreements are selected (:meth:`Resolver.selection`, with its reasons) and rendered to DOCX, here
   or by ``jobs`` worker processes; the results are taken in order, so the output does not depend on
   ``jobs``. A household that signs no agreement gets no packet, only its manifest entry.
2. A packet's *key* is a hash of what it is made of: docforge's and pypdf's versions, the plugins,
   the options, the input files, its title and the DOCX bytes. A packet whose directory holds a
   ``.done`` record with the same key, and files that match the record, is finished and is not
   built again. With PDF, households come in *conversion groups* (about `packet.GROUP` of those
   that sign an agreement, cut after households whose id hashes so, :func:`packet.ends_group`):
   a group's agreements of one template are converted to PDF as one document
   (:mod:`docforge.render.batch`), so each packet's key also holds its group's
   (:func:`packet.group_keys`) and a group is finished, or built, whole.
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

Output is deterministic: the same inputs, plugins, options and as-of date give byte-identical
files, manifest included (no clock, no absolute paths but those given), for any ``jobs`` or
round size, in one run or resumed; a bundle brought up to date after an input changed is
byte-identical to one built from scratch.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .compact import IdSet
from .errors import DocforgeError, InputError
from .i18n import _
from .manifest import Spill, Warnings, findings_entries, plugins_entry, write_manifest
from .models import Household, Village
from .packet import (ADOPTION_SHEET, DONE, FORMATS, MANIFEST, MANIFEST_FORMAT, MANIFEST_HASH, OLD_PREFIX, ROUND_SIZE, TMP_PREFIX,
                     BundleOptions, BundleReport, HouseholdSource, InputFile, Item, Packet, Totals, ends_group, group_keys,
                     packet_is_done, packet_key, read_done, record_pages)
from .planning import (HouseholdJob, Planned, adoption_sheet_context, plan_all, plan_household_packet,
                       plan_village_packet)
from .progress import Log, Reporter
from .resolve import Resolver
from .sources import HouseholdFiles, HouseholdModels, Households, RosterHouseholds, RosterRefusedError, unique
from .writer import BundleWriter

if TYPE_CHECKING:
    from .plugins import PluginManager
    from .render.pdfpool import Pool

__all__ = [
    "ADOPTION_SHEET", "DONE", "FORMATS", "MANIFEST", "MANIFEST_FORMAT", "MANIFEST_HASH", "OLD_PREFIX", "ROUND_SIZE", "TMP_PREFIX",
    "BundleOptions", "BundleReport", "BundleWriter", "DiskFullError", "HouseholdFiles", "HouseholdModels", "HouseholdSource",
    "Households", "InputFile", "Item", "Packet", "Reporter", "RosterHouseholds", "RosterRefusedError", "Totals",
    "adoption_sheet_context", "build_bundle", "disk_full_message", "packet_is_done", "packet_key", "plan_household_packet",
    "plan_village_packet", "read_done", "record_pages", "write_bundle",
]


DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


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


def build_bundle(village_file: Path | str, households: Households | Sequence[Path | str], out: Path | str,
                 options: BundleOptions, *, log: Log | None = None, reporter: Reporter | None = None,
                 label: str | None = None, pool: Pool | None = None) -> BundleReport:
    """Write (or finish) the bundle of a village file and its households into ``out``: household
    files (a list of paths, or :class:`HouseholdFiles`) or a roster (:class:`RosterHouseholds`);
    ``pool`` as for :func:`write_bundle`."""
    from .inputs import load_village

    village_file = Path(village_file)
    village = load_village(village_file)
    if not isinstance(households, Households):
        households = HouseholdFiles(households)
    return write_bundle(village, InputFile.of("village", village_file), households, Path(out), options,
                        log=log, reporter=reporter, label=label, pool=pool)


def write_bundle(village: Village, village_input: InputFile,
                 households: Households | Iterable[HouseholdSource | tuple[Household, InputFile | None]],
                 out: Path, options: BundleOptions, log: Log | None = None, *, reporter: Reporter | None = None,
                 label: str | None = None, pool: Pool | None = None, pm: PluginManager | None = None) -> BundleReport:
    """The library entry point for validated models: the households of ``households`` (a
    :class:`Households` source, or ``(Household, InputFile)`` pairs) in their order. ``label``
    names the village in progress output (default: its name). ``pool``: a started
    :class:`docforge.render.pdfpool.Pool` to convert with, left running (a county run shares one);
    by default the run starts its own and ends it. ``pm``: the plugin manager to resolve with
    (default: the installed plugins), e.g. one with a village's own layer registered.

    Nothing per household stays in memory: finished packets' entries wait in a JSON-lines file in
    the bundle's temporary area and ``manifest.json`` is streamed from it at the end; household ids
    are kept as 64-bit hashes; warnings once per (check, document, clause)."""
    if not isinstance(households, Households):
        households = HouseholdModels(households)
    reporter = reporter or Reporter(log)
    totals = Totals()
    ids = IdSet()
    households.bind(village, village_input, options.as_of)

    def counted() -> Iterator[HouseholdSource]:
        for src in unique(households, ids):
            totals.households += 1
            yield src

    households_in: Iterable[HouseholdSource]
    if households.eager:  # few, and checked whole before anything is written
        households_in = list(counted())
    r = Resolver(village, options.as_of, pm)  # a missing or broken plugin stops the run here
    common = {"as_of": options.as_of.isoformat(), "plugins": plugins_entry(r)}
    if not households.eager:  # a roster is checked when its first household is taken, before anything is written
        it = iter(counted())
        first = next(it, None)
        households_in = itertools.chain([first] if first is not None else [], it)
    total = households.total()

    writer = BundleWriter(out, options, reporter, totals, pool=pool)
    try:
        writer.open()
    except OSError as e:
        raise InputError(_("-o {out}: cannot be used as the bundle folder ({why}); give a folder you may write to",
                           out=out, why=e.strerror or e)) from None
    reporter.start(label or village.village.name, total)
    run: Run | None = None
    finished = False
    try:
        run = Run(writer, common)
        run.spill.add("inputs", village_input.as_dict())
        if households.input is not None:
            run.spill.add("inputs", households.input.as_dict())
        vp, vdocs = plan_village_packet(r, [village_input], options.draft, options.compare_from)
        vp.key = packet_key(vp, options, common)
        run.warnings.add(findings_entries(vdocs), None)
        record = packet_is_done(writer.out, vp)
        if record is None:
            writer.stage(vp)
        run.packet(vp, "finished" if record else "staged", record_pages(record) if record else 0)
        if record or not options.pdf:  # else counted when converted
            reporter.advance(0, len(vp.items))
        job_args = (village, village_input, options, common, writer.out)
        job = HouseholdJob(*job_args, resolver=r)
        # Worker processes render DOCX-only runs. With PDF, LibreOffice is nearly all the work
        # (about 100 ms a document against 0.5 ms for its DOCX), so the jobs go to LibreOffice and
        # this process plans the households while the pool converts and no process forks.
        planners = 1 if options.pdf else options.jobs
        for planned in plan_all(job, job_args, households_in, planners, reporter, writer.lock_fd):
            run.household(planned)
        run.close_group()
        writer.flush()
        writer.raise_failures()
        writer.remove_stale(ids)
        roster_summary = households.summary()
        skipped = households.skipped()
        write_manifest(writer.out, options, common, totals, run.spill, run.warnings, roster_summary, skipped)
        finished = True
    except OSError as e:
        if e.errno not in DISK_FULL:
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


class Run:
    """What one :func:`write_bundle` keeps while it goes: counts, each warning once, and the
    manifest's long lists spilled to disk (nothing per household in memory)."""

    def __init__(self, writer: BundleWriter, common: dict[str, Any]):
        self.writer, self.common = writer, common
        self.options, self.reporter, self.totals = writer.options, writer.reporter, writer.totals
        self.warnings = Warnings()
        self.spill = Spill(writer.out / f"{TMP_PREFIX}manifest-{os.getpid()}")
        self.group: list[Planned] = []  # a PDF run's conversion group, until it is complete
        self.group_size = 0  # its households that sign an agreement
        self.groups = 0

    def packet(self, p: Packet, status: str, pages: int) -> None:
        """A packet of the bundle: finished by an earlier run, built, or staged to build."""
        self.spill.add("packets", p.entry())
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
        elif status == "staged":
            self.writer.enqueue(p, self.writer.out / p.tmp_name)

    def household(self, planned: Planned) -> None:
        """A household planned: taken now, or with PDF, once its conversion group is complete
        (households that sign nothing wait with it, so that the manifest keeps their order)."""
        if planned.status != "planned" and not self.group:
            self._household(planned)
            return
        self.group.append(planned)
        if planned.status == "planned":
            self.group_size += 1
            if ends_group(planned.entry["id"], self.group_size):
                self.close_group()

    def close_group(self) -> None:
        """A conversion group's households: finished when each of its packets is (with the group's
        keys), else all staged and handed to the writer as one group (its agreements of one template
        converted as one document)."""
        members = [p for p in self.group if p.status == "planned"]
        if members:
            self.groups += 1
            for p, key in zip(members, group_keys([p.packet.key for p in members]), strict=True):  # type: ignore[union-attr]
                assert p.packet is not None
                p.packet.key, p.packet.group = key, self.groups
            records = [packet_is_done(self.writer.out, p.packet) for p in members]  # type: ignore[arg-type]
            for p, record in zip(members, records, strict=True):
                assert p.packet is not None
                if all(records):
                    p.status, p.pages = "finished", record_pages(record)  # type: ignore[arg-type]
                    for item in p.packet.items:
                        item.data = b""
                    p.packet.conversions.clear()
                else:
                    self.writer.stage(p.packet)
                    p.status = "grouped"
        group, self.group, self.group_size = self.group, [], 0
        for planned in group:
            self._household(planned)
        if members and members[0].status == "grouped":
            self.writer.enqueue_group([p.packet for p in members])  # type: ignore[misc]

    def _household(self, planned: Planned) -> None:
        entry = planned.entry
        if planned.input is not None:
            self.spill.add("inputs", planned.input)
        self.spill.add("households", entry)
        self.warnings.add(planned.findings, entry["id"])
        if planned.status == "removed":
            self.reporter.log(f"households/{entry['id']}: removed (the household signs no agreement now)")
        if planned.packet is not None:
            self.packet(planned.packet, planned.status, planned.pages)
        if planned.status != "grouped":  # a grouped packet counts once converted
            self.reporter.advance(1, len(planned.packet.items) if planned.packet else 0)
