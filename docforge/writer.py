"""The bundle writer: a bundle folder opened and locked, each packet staged in a temporary folder,
its documents converted to PDF in rounds by the LibreOffice pool, the packet's PDF assembled, its
``.done`` record written and the folder renamed into place.

Once a round holds ``round_size`` documents (and at the end), its DOCX files go to the run's
:class:`docforge.render.pdfpool.Pool` (``jobs`` long-lived LibreOffice instances, started with the
first packet to convert), and each packet's PDF is merged, in order. With ``jobs`` 1 one thing
happens at a time (a round is converted, then its packets merged); with more, packets are merged
and the next ones planned while LibreOffice converts, at most two rounds in flight. An agreement's
copies are converted once, with each distinct copy mark converted once per run as a stamp and drawn
onto its copy's first page when the packet is assembled (:mod:`docforge.stamps`).

A complete packet directory is renamed into place (``os.replace``). An interrupted run (even
``kill -9``) leaves finished packets and temporary directories, never a half-written packet; the
next run removes the temporary directories and builds only what is missing or changed.
"""

from __future__ import annotations

import collections
import errno
import itertools
import fcntl
import functools
import os
import shutil
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .assembly import PdfPart, assemble_pdf
from .compact import IdSet
from .errors import ConversionError, InputError
from .fsutil import json_bytes, link_or_copy, sha256_file
from .i18n import _, ngettext
from .packet import DONE, MANIFEST, MANIFEST_HASH, OLD_PREFIX, TMP_PREFIX, BundleOptions, Packet, Totals, record_pages
from .progress import Reporter

if TYPE_CHECKING:
    from collections.abc import Callable

    from .render.pdfpool import Pool


def conversion_stems(packet: Packet) -> dict[str, int]:
    """The packet's DOCX files to convert (their stems), each with the number of documents it
    stands for: an agreement converted once for its copies counts each copy."""
    stems: dict[str, int] = {}
    for item in packet.items:
        stem = item.pdf_source or item.stem
        stems[stem] = stems.get(stem, 0) + 1
    return stems


#: Documents a LibreOffice instance gets in a writer's first round.
FIRST_ROUND = 8


#: A packet's documents being converted: stem -> (the DOCX handed over, its PDF or failure to
#: come, and for a document converted joined with others, its place among them).
Conversions = dict[str, tuple[Path, "Future[Any]", int | None]]


class BundleWriter:
    """Writes packets into a bundle directory; see the module docstring."""

    def __init__(self, out: Path, options: BundleOptions, reporter: Reporter | None = None,
                 totals: Totals | None = None, pool: Pool | None = None):
        """``pool``: a started `docforge.render.pdfpool.Pool` to convert with (a county run shares
        one among its villages); by default the writer starts its own with the first packet."""
        self.out = Path(out)
        self.options = options
        self.reporter = reporter or Reporter()
        self.totals = totals or Totals()
        self._lock_fd: int | None = None
        self._pending: list[Packet] = []
        self._pending_docs = 0
        self._pool: Pool | None = pool
        self._own_pool = pool is None
        self._work: Path | None = None
        self._converting: collections.deque[tuple[Packet, Conversions]] = collections.deque()
        self._in_flight = 0
        self._converted_count = 0
        self._stamps: dict[str, Future[Path | str]] = {}  # copy marks' stamps converted in this run
        self._joined: dict[Path, int] = {}  # a joined DOCX handed over -> its packets not finished yet
        self._readers: dict[Path, Any] = {}  # the joined PDFs being assembled from, read once each
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
            for _src, future, _place in futures.values():
                future.cancel()
        self._converting.clear()
        for future in self._stamps.values():
            future.cancel()
        self._stamps.clear()
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
        for name, data in packet.conversions.items():  # for the PDF only (see docforge.stamps)
            (tmp / name).write_bytes(data)
        packet.conversions.clear()
        return tmp

    def finish(self, packet: Packet, tmp: Path, contents: list[dict[str, Any]] | None) -> dict[str, Any]:
        """Write the packet's ``.done`` record and rename its directory into place."""
        files: list[dict[str, Any]] = []
        for item in packet.items:  # what was staged for the PDF only is not part of the packet
            for name in (item.pdf_source, item.stamp):
                if name:
                    (tmp / f"{name}.docx").unlink(missing_ok=True)
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
            files.append({"path": f"{packet.name}/packet.pdf", "kind": "packet", "household": packet.household,
                          "copy": None, "pages": sum(c["pages"] for c in contents), "sha256": sha256_file(pdf),
                          "contents": contents})
        record = {"packet": packet.name, "key": packet.key, "files": files}
        # Not fsynced one by one (a third of a DOCX-only run's time): a later run re-hashes a finished
        # packet's files against this record, so a packet that a power cut left incomplete is built
        # again; the file system is synced once, before the manifest is written.
        (tmp / DONE).write_bytes(json_bytes(record))
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
        self._add([packet])

    def enqueue_group(self, packets: list[Packet]) -> None:
        """A conversion group's staged packets (PDF runs; see `docforge.packet.ends_group`): handed
        to the pool with the same round, their agreements of one template joined into one document
        to convert (:mod:`docforge.render.batch`)."""
        self._add(packets)

    def _add(self, packets: list[Packet]) -> None:
        """Packets to convert, added to the round (a full round goes to the pool first)."""
        self._pool_started()  # LibreOffice starts while the next packets are planned
        conversions = sum(len(conversion_stems(p)) for p in packets)
        # The first round is small, so that LibreOffice starts converting while the rest is planned
        # (a county's villages one after the other each begin with one).
        size = self.options.round_size if self._converted_count else min(self.options.round_size,
                                                                          FIRST_ROUND * self.options.jobs)
        if self._pending and self._pending_docs + conversions > size:
            self._submit_round()
        self._pending.extend(packets)
        self._pending_docs += conversions
        if self._pending_docs >= size:
            self._submit_round()

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

    def _pool_started(self) -> Pool:
        # A PDF run plans its households in this process (see `write_bundle`): nothing forks
        # while the pool's threads run.
        if self._work is None:
            # Named for this process: a LibreOffice orphaned by a killed run cannot write into it.
            self._work = self.out / f"{TMP_PREFIX}convert-{os.getpid()}"
            shutil.rmtree(self._work, ignore_errors=True)
            (self._work / "in").mkdir(parents=True)
            (self._work / "pdf").mkdir()
            (self._work / "stamps").mkdir()
        if self._pool is None:
            # Long-lived LibreOffice instances, one per job (batched soffice calls when LibreOffice's
            # Python bridge is missing); the same bytes either way.
            from .render.pdfpool import Pool

            self._pool = Pool(self.options.jobs, self.options.timeout).start()
        return self._pool

    def _submit_round(self) -> None:
        """Hand the pending packets' documents to the pool, in order: each DOCX converted for the
        packet (an agreement once for all its copies) and each copy mark's stamp not converted yet
        in this run. With one job, wait for them and finish the packets (one thing at a time); with
        more, keep converting while the packets of earlier rounds are assembled and the next ones
        planned, at most two rounds in flight."""
        group, self._pending, self._pending_docs = self._pending, [], 0
        if group:
            pool = self._pool_started()
            assert self._work is not None
            docs = sum(len(conversion_stems(p)) for p in group)
            self.reporter.detail(ngettext("converting {docs} documents to PDF ({n} LibreOffice worker)",
                                          "converting {docs} documents to PDF ({n} LibreOffice workers)",
                                          self.options.jobs, docs=docs, n=self.options.jobs))
            joined = self._join(group, pool)
            for p in group:
                futures: Conversions = {}
                for stem, copies in conversion_stems(p).items():
                    if (p.name, stem) in joined:
                        futures[stem] = joined[(p.name, stem)]
                        continue
                    src = self._work / "in" / f"d{self._converted_count:07d}.docx"  # unique in the run
                    self._converted_count += 1
                    link_or_copy(self.out / p.tmp_name / f"{stem}.docx", src)
                    future = pool.submit(src, self._work / "pdf" / f"{src.stem}.pdf")
                    future.add_done_callback(self._counter(copies))
                    futures[stem] = (src, future, None)
                for item in p.items:
                    if item.stamp and item.stamp not in self._stamps:
                        src = self._work / "stamps" / f"{item.stamp}.docx"
                        link_or_copy(self.out / p.tmp_name / f"{item.stamp}.docx", src)
                        self._stamps[item.stamp] = pool.submit(src, src.with_suffix(".pdf"))
                self._converting.append((p, futures))
                self._in_flight += len(futures)
        if self.options.jobs == 1:  # the whole round converted first, then its packets merged
            for _packet, futures in self._converting:
                for _src, future, _place in futures.values():
                    future.result()
            self._finish_converted(keep=0)
        else:
            self._finish_converted(keep=self.options.round_size)

    def _join(self, packets: list[Packet], pool: Pool) -> dict[tuple[str, str], tuple[Path, Future[Any], None]]:
        """The documents of each conversion group among ``packets`` that are converted joined into
        one: those of one frame (:func:`docforge.render.batch.frame`: one template, plain
        paragraphs), two or more, in the packets' order. (packet, stem) -> the joined DOCX and a
        future of the document's pages (a `PdfPart`). When LibreOffice's PDF of the joined
        documents cannot be split exactly (`docforge.render.batch.pages`), each is converted on its
        own instead."""
        from .render.batch import frame, join

        out: dict[tuple[str, str], tuple[Path, Future[Any], None]] = {}
        if not pool.joins:  # without LibreOffice's bridge: one by one (the same pages, other font subsets)
            return out
        assert self._work is not None
        for group, members in itertools.groupby(packets, key=lambda p: p.group):
            if group is None:
                continue
            frames: dict[str, list[tuple[Packet, str, int, bytes]]] = {}
            for p in members:
                for stem, copies in conversion_stems(p).items():
                    data = (self.out / p.tmp_name / f"{stem}.docx").read_bytes()
                    key = frame(data)
                    if key is not None:
                        frames.setdefault(key, []).append((p, stem, copies, data))
            for docs in frames.values():
                if len(docs) < 2:
                    continue
                src = self._work / "in" / f"j{self._converted_count:07d}.docx"
                self._converted_count += 1
                src.write_bytes(join([data for *_rest, data in docs]))
                parts: list[Future[Any]] = [Future() for _ in docs]
                for part in parts:
                    part.set_running_or_notify_cancel()
                future = pool.submit(src, self._work / "pdf" / f"{src.stem}.pdf", sections=len(docs))
                future.add_done_callback(self._split(docs, parts, pool))
                self._joined[src] = len({p.name for p, *_rest in docs})
                for (p, stem, _copies, _data), part in zip(docs, parts, strict=True):
                    out[(p.name, stem)] = (src, part, None)
        return out

    def _split(self, docs: list[tuple[Packet, str, int, bytes]], parts: list[Future[Any]],
               pool: Pool) -> Callable[[Future[Any]], None]:
        """Resolves each joined document's future with its pages of the joined PDF, or, when that
        PDF could not be made or split, with its own conversion (its own DOCX, converted alone)."""
        from .render.pdfpool import Joined

        def split(future: Future[Any]) -> None:
            if future.cancelled():
                for part in parts:
                    part.set_result("not converted: the run stopped")
                return
            outcome = future.result()
            if isinstance(outcome, Joined):
                first = 0
                for (_p, _stem, copies, _data), part, count in zip(docs, parts, outcome.pages, strict=True):
                    part.set_result(PdfPart(outcome.pdf, first, count))
                    first += count
                    self.reporter.converted(copies)
                return
            work = self._work
            for (p, stem, copies, _data), part in zip(docs, parts, strict=True):
                try:
                    if work is None:  # the run has ended
                        raise RuntimeError("the pool is closed")
                    alone = work / "pdf" / f"j-{p.name.replace('/', '-')}-{stem}.pdf"
                    single = pool.submit(self.out / p.tmp_name / f"{stem}.docx", alone)
                except RuntimeError:  # the run is stopping: the pool takes nothing more
                    part.set_result(outcome)
                    continue
                single.add_done_callback(self._counter(copies))
                single.add_done_callback(functools.partial(self._alone, part))

        return split

    @staticmethod
    def _alone(part: Future[Any], future: Future[Any]) -> None:
        """A joined document's pages from its own conversion (see `_split`)."""
        if future.cancelled():
            part.set_result("not converted: the run stopped")
        else:
            outcome = future.result()
            part.set_result(PdfPart(outcome) if isinstance(outcome, Path) else outcome)

    def _counter(self, documents: int) -> Callable[[Future[Any]], None]:
        """Counts a conversion's documents (each copy it stands for) once it is converted."""
        def converted(future: Future[Any]) -> None:
            if not future.cancelled() and not isinstance(future.result(), str):
                self.reporter.converted(documents)
        return converted

    def _finish_converted(self, keep: int) -> None:
        """Finish converted packets in order: each one whose documents are done, and every one
        (waiting for its documents) until at most ``keep`` documents are in flight."""
        while self._converting:
            p, futures = self._converting[0]
            stamps = {item.stamp: self._stamps[item.stamp] for item in p.items if item.stamp}
            waiting = [f for _src, f, _place in futures.values()] + list(stamps.values())
            if self._in_flight <= keep and not all(f.done() for f in waiting):
                return
            self._converting.popleft()
            self._in_flight -= len(futures)
            pdfs: dict[str, PdfPart] = {}
            for stem, (_src, future, _place) in [*futures.items(), *((s, (None, f, None)) for s, f in stamps.items())]:
                outcome = future.result()
                if isinstance(outcome, Path):
                    pdfs[stem] = PdfPart(outcome)
                elif isinstance(outcome, PdfPart):
                    pdfs[stem] = outcome
                else:
                    self.failures[f"{p.name}/{stem}.docx"] = str(outcome)
            tmp = self.out / p.tmp_name
            if len(pdfs) != len(futures) + len(stamps):
                shutil.rmtree(tmp)
                self.reporter.log(_("{packet}: not written (a document failed to convert to PDF)", packet=p.name))
            else:
                contents = assemble_pdf(p, pdfs, tmp / "packet.pdf", self.options.sign_fields, self._readers)
                self._done(p, self.finish(p, tmp, contents))
            assert self._work is not None
            for _src, future, _place in futures.values():
                outcome = future.result()
                if isinstance(outcome, PdfPart) and outcome.path.name.startswith("j-"):  # converted alone
                    outcome.path.unlink(missing_ok=True)
            for src in dict.fromkeys(src for src, _future, _place in futures.values()):  # disk use: two rounds
                if src in self._joined:
                    self._joined[src] -= 1
                    if self._joined[src]:
                        continue  # other packets are still to be assembled from it
                    del self._joined[src]
                pdf = self._work / "pdf" / f"{src.stem}.pdf"
                self._readers.pop(pdf, None)
                src.unlink(missing_ok=True)
                pdf.unlink(missing_ok=True)

    def _done(self, packet: Packet, record: dict[str, Any]) -> None:
        if packet.household is not None:
            self.reporter.advance(1, 0)  # a household is done once its packet is written
        self.totals.built += 1
        self.totals.pages += record_pages(record)
        self.reporter.detail(_("{packet}: written", packet=packet.name))

    def raise_failures(self) -> None:
        if self.failures:
            lines = "\n  ".join(f"{k}: {v}" for k, v in self.failures.items())
            raise ConversionError(_("{n} document(s) could not be converted to PDF; their packets were not written "
                                    "(the others were). Re-run the same command to retry:\n  {lines}",
                                    n=len(self.failures), lines=lines))
