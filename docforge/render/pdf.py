"""PDF from DOCX through LibreOffice headless, with output that does not depend on the clock.

Each `Converter` runs LibreOffice as one short-lived ``soffice --convert-to`` process per batch of
documents, with a user profile of its own, in a process group of its own, under a timeout, and
with `fonts.conf` (next to this module) mapping the official Chinese font names to Noto CJK SC.
A batch that hangs is killed and run once more, then its documents one at a time; LibreOffice can
stop early and still exit 0, so every expected PDF is checked and a missing one retried alone. A
document that still fails is reported in `ConversionResult.failures`; the others are delivered.

Why not one long-lived LibreOffice: without the ``uno`` Python bridge (Debian's python3-uno, for
the system Python, not docforge's virtualenv) nothing can send it work except another ``soffice``
process, and LibreOffice quits after serving one forwarded ``--convert-to`` call. Batching spreads
the start-up (about a second) over the batch instead.

Every PDF is checked and made independent of the clock and of process state by
`docforge.render.determinism`; the processes are found, timed and killed by
`docforge.render.libreoffice` (the tuning constants there are the pool's as well).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from docforge.errors import ConversionError
from docforge.i18n import gettext as _

from .determinism import checked_and_normalized, normalize_pdf, write_pdf
from .libreoffice import (FONTS_CONF, INSTALL_HINT, RESTART_EVERY, SECONDS_PER_DOCUMENT, STARTUP_SECONDS,
                          check_unique_stems, docx_problem, find_soffice, kill_group, owned_temp_dir, reap_stale,
                          wait_unreaped)

__all__ = [  # the converter, and what callers of this module used before it was split
    "BATCH_SIZE", "FONTS_CONF", "INSTALL_HINT", "PROFILE_PREFIX", "ConversionResult", "Converter", "checked_and_normalized",
    "convert", "convert_many", "find_soffice", "normalize_pdf", "write_pdf",
]

BATCH_SIZE = 20
PROFILE_PREFIX = "docforge-lo-profile-"
# Output that says nothing about the documents.
_NOISE = ("failed to launch javaldx",)


@dataclass
class ConversionResult:
    """What a conversion delivered: ``pdfs`` maps each DOCX to its PDF, ``failures`` to a reason."""

    pdfs: dict[Path, Path] = field(default_factory=dict)
    failures: dict[Path, str] = field(default_factory=dict)

    def update(self, other: ConversionResult) -> None:
        self.pdfs.update(other.pdfs)
        self.failures.update(other.failures)


class Converter:
    """One LibreOffice worker: its own user profile, one ``soffice`` process per batch.

    Two LibreOffice instances sharing a profile hand work to each other or fail silently, so
    every converter gets a fresh profile directory. Each run is a new process, so nothing leaks
    from batch to batch; the profile is replaced after `restart_every` documents as well, so that
    whatever state it accumulates cannot slow later runs down. Not thread-safe: use one
    converter per thread.

    `timeout` is the limit in seconds for one LibreOffice run; by default it grows with the
    batch: `STARTUP_SECONDS` + `SECONDS_PER_DOCUMENT` per document (`docforge.render.libreoffice`).
    """

    def __init__(
        self,
        soffice: str | None = None,
        *,
        batch_size: int = BATCH_SIZE,
        timeout: float | None = None,
        restart_every: int = RESTART_EVERY,
        date: dt.date | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.soffice = soffice or find_soffice()
        self.batch_size = batch_size
        self.timeout = timeout
        self.restart_every = restart_every
        self.date = date
        self.profile: Path | None = None
        self._documents = 0  # converted with the current profile

    def __enter__(self) -> Converter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove the user profile. Processes never outlive a run, so there is nothing to stop."""
        if self.profile is not None:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None

    def convert_many(self, docx_paths: Iterable[Path], out_dir: Path) -> ConversionResult:
        """Convert to ``out_dir/<stem>.pdf``; a document that fails is reported, not raised."""
        docs = list(dict.fromkeys(Path(p) for p in docx_paths))
        check_unique_stems(docs)
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        result = ConversionResult()
        todo = []
        for docx in docs:
            problem = docx_problem(docx)
            if problem:
                result.failures[docx] = problem
            else:
                todo.append(docx)
        # LibreOffice writes into a staging directory, so a PDF left over from an earlier run is
        # never mistaken for fresh output and a half-written one never reaches out_dir.
        with tempfile.TemporaryDirectory(prefix=".docforge-pdf-", dir=out_dir) as staging:
            for start in range(0, len(todo), self.batch_size):
                batch = todo[start : start + self.batch_size]
                self._convert_batch(batch, Path(staging), out_dir, result)
        return result

    def _convert_batch(
        self, batch: list[Path], staging: Path, out_dir: Path, result: ConversionResult
    ) -> None:
        reasons: dict[Path, str] = {}
        remaining = batch
        for _attempt in range(2):  # a run that hangs is killed and tried once more
            timed_out, error = self._run(remaining, staging)
            remaining = [d for d in remaining if not self._collect(d, staging, out_dir, result, reasons)]
            if not timed_out or not remaining:
                break
        for docx in remaining:
            if len(batch) > 1:  # LibreOffice stopped early or choked on a neighbour: alone now
                _timed_out, error = self._run([docx], staging)
                if self._collect(docx, staging, out_dir, result, reasons):
                    continue
            result.failures[docx] = error or reasons.get(docx) or "LibreOffice produced no PDF"

    def _collect(
        self,
        docx: Path,
        staging: Path,
        out_dir: Path,
        result: ConversionResult,
        reasons: dict[Path, str],
    ) -> bool:
        produced = staging / f"{docx.stem}.pdf"
        if not produced.is_file():
            return False
        problem = checked_and_normalized(produced, self.date)
        if problem:
            reasons[docx] = problem
            return False
        target = out_dir / produced.name
        os.replace(produced, target)
        result.pdfs[docx] = target
        return True

    def _run(self, docs: Sequence[Path], outdir: Path) -> tuple[bool, str | None]:
        """Run LibreOffice on ``docs``; return whether it timed out and what it complained of."""
        if not docs:  # soffice --headless with no input never exits
            return False, None
        limit = self._limit(len(docs))
        command = [
            self.soffice,
            "--headless",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            f"-env:UserInstallation={self._profile_url(len(docs))}",
            # Without it LibreOffice imports an unreadable .docx as plain text and "succeeds".
            "--infilter=MS Word 2007 XML",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(outdir),
            *(str(d.resolve()) for d in docs),
        ]
        env = dict(os.environ, FONTCONFIG_FILE=str(FONTS_CONF))
        with tempfile.TemporaryFile() as log:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                env=env,
                start_new_session=True,  # its own process group: one kill reaches soffice.bin
            )
            try:
                finished = wait_unreaped(proc, limit)
            finally:
                kill_group(proc)  # nothing of the run may linger, finished or not
            if not finished:
                return True, f"LibreOffice did not finish within {limit:g} s and was killed"
            log.seek(0)
            messages = [
                line.strip()
                for line in log.read().decode("utf-8", "replace").splitlines()
                if line.strip() and not any(noise in line for noise in _NOISE)
            ]
        if proc.returncode != 0 or messages:
            detail = "; ".join(messages) or f"exit status {proc.returncode}"
            return False, f"LibreOffice produced no PDF ({detail})"
        return False, None

    def _limit(self, count: int) -> float:
        if self.timeout is not None:
            return self.timeout
        return STARTUP_SECONDS + SECONDS_PER_DOCUMENT * count

    def _profile_url(self, documents: int) -> str:
        if self.profile is None or self._documents >= self.restart_every:
            self.close()
            self.profile = owned_temp_dir(PROFILE_PREFIX)
            self._documents = 0
        self._documents += documents
        return self.profile.as_uri()


def convert_many(
    docx_paths: list[Path],
    out_dir: Path,
    jobs: int = 1,
    timeout: float | None = None,
    *,
    date: dt.date | None = None,
    batch_size: int = BATCH_SIZE,
) -> ConversionResult:
    """Convert DOCX files to ``out_dir/<stem>.pdf`` with `jobs` LibreOffice workers in parallel.

    Documents that fail are listed in ``failures`` with the reason; the others are delivered.
    `timeout` limits one LibreOffice run (default `STARTUP_SECONDS` + `SECONDS_PER_DOCUMENT` per document in the batch); `date`
    becomes the PDFs' creation date (None: no date at all).
    """
    docs = list(dict.fromkeys(Path(p) for p in docx_paths))
    check_unique_stems(docs)
    soffice = find_soffice()
    reap_stale((PROFILE_PREFIX,))
    jobs = max(1, jobs)
    size = max(1, min(batch_size, math.ceil(len(docs) / jobs)))  # keep every worker busy
    batches: queue.SimpleQueue[list[Path]] = queue.SimpleQueue()
    for start in range(0, len(docs), size):
        batches.put(docs[start : start + size])
    merged = ConversionResult()
    lock = threading.Lock()

    def work() -> None:
        with Converter(soffice, batch_size=size, timeout=timeout, date=date) as converter:
            while True:
                try:
                    batch = batches.get_nowait()
                except queue.Empty:
                    return
                part = converter.convert_many(batch, out_dir)
                with lock:
                    merged.update(part)

    with ThreadPoolExecutor(jobs, thread_name_prefix="docforge-pdf") as pool:
        for future in [pool.submit(work) for _ in range(jobs)]:
            future.result()  # a worker's exception is the caller's
    return ConversionResult(
        pdfs={d: merged.pdfs[d] for d in docs if d in merged.pdfs},
        failures={d: merged.failures[d] for d in docs if d in merged.failures},
    )


def convert(
    docx: Path, pdf: Path, *, timeout: float | None = None, date: dt.date | None = None
) -> Path:
    """Convert one DOCX to `pdf`; raise ConversionError naming the document if it fails."""
    docx, pdf = Path(docx), Path(pdf)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".docforge-pdf-", dir=pdf.parent) as tmp:
        result = convert_many([docx], Path(tmp), timeout=timeout, date=date)
        if docx in result.failures:
            raise ConversionError(_(
                "{path}: could not be converted to PDF: {error}. Open it in LibreOffice Writer to see whether it is "
                "damaged.", path=docx, error=result.failures[docx]))
        os.replace(result.pdfs[docx], pdf)
    return pdf
