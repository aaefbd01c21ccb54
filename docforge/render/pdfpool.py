"""PDF from DOCX through a pool of long-lived LibreOffice instances, fed over LibreOffice's own bridge.

`docforge.render.pdf` starts one ``soffice --convert-to`` per batch: every batch pays LibreOffice's
start-up (about two seconds), and a batch must stay small enough to retry. Here each worker starts
LibreOffice once, with a user profile of its own, listening on a named pipe; a small helper
(`_unoworker.py`) connected to it over the ``uno`` bridge converts one document per request. The
bridge (Debian's ``python3-uno``) exists only for the system Python, so the helper runs under that
Python as a child process speaking JSON lines on stdin/stdout; docforge itself stays in the venv.

What `pdf.py` guarantees holds here too: one profile per LibreOffice instance; a timeout per
document; a hung or crashed instance is killed with its whole process group and the document is
tried again on a fresh one, on up to three instances (an instance killed from outside too: its
bridge reports itself disposed); every PDF is checked and normalised with `determinism.normalize_pdf`, so the
bytes are those `pdf.convert_many` gives; an instance is restarted every `restart_every` documents
(long-lived instances slow down and leak). A document that still fails is listed in
``failures``; the others are delivered.

LibreOffice never outlives docforge: the helper kills its process group, itself included, once
docforge is gone (see `_unoworker.py`), and a pool that starts reaps what runs of this user that
were killed left behind (`libreoffice.reap_stale`: their profiles and any LibreOffice still using one).

Use `unavailable()` to learn whether the pool can run here (LibreOffice and a Python with ``uno``);
`convert_many` falls back to `pdf.convert_many` when it cannot.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import functools
import itertools
import json
import os
import queue
import selectors
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import Future
from pathlib import Path
from typing import IO

from docforge.errors import ConversionError

from . import batch, pdf
from .determinism import checked_and_normalized
from .libreoffice import (FONTS_CONF, RESTART_EVERY, SECONDS_PER_DOCUMENT, STARTUP_SECONDS, check_unique_stems,
                          docx_problem, find_soffice, kill_group, owned_temp_dir, reap_stale, wait_unreaped)
from .pdf import ConversionResult

WORKER = Path(__file__).with_name("_unoworker.py")
UNO_PYTHONS = ("/usr/bin/python3", "/usr/lib/libreoffice/program/python", "/opt/libreoffice/program/python")
UNO_HINT = "install LibreOffice's Python bridge with `apt-get install python3-uno`"
#: Instances a document is given to before it is reported as failed: an instance that dies (killed
#: from outside, or crashed) takes the documents it held, and the fresh one that replaces it can be
#: slow to start on a busy machine.
ATTEMPTS = 3
PROFILE_PREFIX = "docforge-lo-pool-"

_counter = itertools.count()


@functools.lru_cache(maxsize=1)
def uno_python() -> str | None:
    """A Python that can ``import uno`` ($DOCFORGE_UNO_PYTHON first), or None."""
    candidates = [os.environ.get("DOCFORGE_UNO_PYTHON", ""), *UNO_PYTHONS]
    for candidate in filter(None, candidates):
        if not os.access(candidate, os.X_OK):
            continue
        try:
            probe = subprocess.run([candidate, "-I", "-c", "import uno"], env=_clean_env(),
                                   capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return candidate
    return None


def unavailable() -> str | None:
    """Why the pool cannot run here, or None when it can."""
    try:
        find_soffice()
    except ConversionError as exc:
        return str(exc)
    if uno_python() is None:
        return f"no Python with LibreOffice's uno bridge was found; {UNO_HINT}"
    return None


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env["FONTCONFIG_FILE"] = str(FONTS_CONF)
    return env


class WorkerDied(Exception):
    """The LibreOffice instance or its helper is gone, hung or unusable."""


class Worker:
    """One LibreOffice instance with its own profile, driven through the helper. Not thread-safe."""

    def __init__(self, soffice: str, python: str, *, timeout: float | None = None,
                 restart_every: int = RESTART_EVERY):
        self.soffice = soffice
        self.python = python
        self.timeout = timeout or SECONDS_PER_DOCUMENT
        self.restart_every = restart_every
        self.proc: subprocess.Popen[bytes] | None = None
        self.profile: Path | None = None
        self.done = 0
        self._buffer = b""
        self._log: IO[bytes] | None = None

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- life cycle --

    def start(self) -> None:
        self.close()
        self.profile = owned_temp_dir(PROFILE_PREFIX)
        pipe_name = f"docforge-{os.getpid()}-{next(_counter)}-{uuid.uuid4().hex[:8]}"
        self._log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(  # the helper ends LibreOffice, and itself, when this process ends
            [self.python, "-I", str(WORKER), self.soffice, self.profile.as_uri(), pipe_name, str(os.getpid()),
             str(STARTUP_SECONDS)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, env=_clean_env(),
            start_new_session=True,  # one process group: helper, launcher and soffice.bin
        )
        self._buffer = b""
        self.done = 0
        answer = self._read(STARTUP_SECONDS)
        if not answer.get("ready"):
            self.close()
            raise WorkerDied(answer.get("error") or "LibreOffice did not start")

    def close(self, polite: bool = True) -> None:
        """End the instance (asked to, then its process group killed) and drop its profile."""
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                if proc.stdin:
                    proc.stdin.close()  # end of input: the helper ends LibreOffice and itself
            except OSError:
                pass
            # Wait without reaping: until reaped the helper's pid, the group's id, cannot be reused.
            wait_unreaped(proc, 15.0 if polite else 0.0)
            kill_group(proc)  # whatever is left of the group (the launcher can ignore a kill)
            if proc.stdout:
                proc.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.profile is not None:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None

    def kill(self) -> None:
        self.close(polite=False)

    # -- work --

    def convert(self, src: Path, dst: Path) -> str | None:
        """Convert one document; None on success, else the reason. Raises WorkerDied."""
        self.send(src, dst)
        return self.receive()


    @property
    def due(self) -> bool:
        """Whether the next `send` starts a fresh instance (none yet, or `restart_every` reached)."""
        return self.proc is None or self.done >= self.restart_every

    def send(self, src: Path, dst: Path, destinations: bool = False) -> None:
        """Hand one document to LibreOffice (starting or restarting it when `due`); its answer is
        read by `receive`, in order. ``destinations``: the PDF names its bookmarks' places.
        Raises WorkerDied."""
        if self.due:
            self.start()
        assert self.proc is not None and self.proc.stdin is not None
        fields: dict[str, object] = {"src": str(src), "dst": str(dst)}
        if destinations:
            fields["destinations"] = True
        request = json.dumps(fields) + "\n"
        try:
            self.proc.stdin.write(request.encode("utf-8"))
            self.proc.stdin.flush()
        except OSError as exc:
            self.kill()
            raise WorkerDied(f"LibreOffice's helper stopped ({exc})") from None
        self.done += 1

    def receive(self) -> str | None:
        """The answer to the oldest document sent: None on success, else the reason. Raises
        WorkerDied (the instance is then gone, with whatever else was sent to it)."""
        answer = self._read(self.timeout)
        if answer.get("ok"):
            return None
        if answer.get("fatal") or "DisposedException" in str(answer.get("error")):  # its bridge is gone
            self.kill()
            raise WorkerDied(answer.get("error") or "LibreOffice stopped")
        return answer.get("error") or "LibreOffice produced no PDF"

    def _read(self, limit: float) -> dict:
        """One JSON line from the helper within ``limit`` seconds, else kill and raise WorkerDied."""
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + limit
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not sel.select(remaining):
                    self.kill()
                    raise WorkerDied(f"LibreOffice did not answer within {limit:g} s and was killed")
                chunk = os.read(fd, 65536)
                if not chunk:
                    self.kill()
                    raise WorkerDied("LibreOffice's helper ended unexpectedly")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            self.kill()
            raise WorkerDied(f"LibreOffice's helper said {line[:200]!r}") from None


@dataclasses.dataclass(frozen=True)
class Joined:
    """What a document that joins several (`Pool.submit` with ``sections``) became: its PDF and
    the pages of each joined document, in order."""

    pdf: Path
    pages: tuple[int, ...]


@dataclasses.dataclass(eq=False)
class _Job:
    """A document in a pool: where from, where to, its future, and while LibreOffice has it, the
    temporary file it writes and how many instances it has been given to."""

    docx: Path
    target: Path
    future: Future
    produced: Path | None = None
    attempts: int = 0
    sections: int | None = None


_EMPTY = object()


class Pool:
    """``jobs`` long-lived LibreOffice instances converting the documents submitted to them.

    ``submit(docx, pdf)`` queues a document and returns a `concurrent.futures.Future` that
    resolves to ``pdf`` once it is written, checked and normalised, or to an error string when the
    document failed (a pool never raises for one bad document). Instances start in the background
    as soon as the pool does, so their start-up overlaps whatever the caller does meanwhile; they
    live until `close` (restarted every ``restart_every`` documents). Without LibreOffice's Python
    bridge (`unavailable`) each thread converts batches of queued documents with `pdf.Converter`
    instead: the same bytes, slower. A context manager; `close` waits for the queued documents.
    """

    def __init__(self, jobs: int = 1, timeout: float | None = None, *, date: dt.date | None = None,
                 restart_every: int = RESTART_EVERY, batch_size: int = pdf.BATCH_SIZE):
        self.jobs = max(1, jobs)
        self.timeout = timeout
        self.date = date
        self.restart_every = restart_every
        self.batch_size = batch_size
        self.fallback = unavailable()
        self._todo: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._closed = False

    def __enter__(self) -> Pool:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> Pool:
        """Start the instances (in the background); idempotent. The LibreOffice instances and
        profiles that runs of this user left behind when they were killed go first."""
        if not self._threads:
            reap_stale((PROFILE_PREFIX, pdf.PROFILE_PREFIX))
            work = self._convert_batches if self.fallback else self._convert_one_by_one
            self._threads = [threading.Thread(target=work, name=f"docforge-pdfpool-{i}", daemon=True)
                             for i in range(self.jobs)]
            for t in self._threads:
                t.start()
        return self

    @property
    def joins(self) -> bool:
        """Whether documents joined into one (`docforge.render.batch`) can be converted and split
        here: with LibreOffice's bridge, not with the batched ``soffice`` calls without it."""
        return not self.fallback

    def submit(self, docx: Path, target: Path, sections: int | None = None) -> Future:
        """Queue ``docx`` for conversion to ``target`` (its folder must exist). The future can be
        cancelled until a worker takes the document. With ``sections`` (only when `joins`), the
        document joins that many, and the future resolves to a `Joined` (its PDF and the pages of
        each section) instead of the PDF's path."""
        if self._closed:
            raise RuntimeError("the pool is closed")
        if sections and not self.joins:
            raise RuntimeError("documents joined into one need LibreOffice's Python bridge")
        self.start()
        future: Future = Future()
        problem = docx_problem(Path(docx))
        if problem:
            future.set_result(problem)
        else:
            self._todo.put(_Job(Path(docx).resolve(), Path(target), future, sections=sections))  # LibreOffice runs elsewhere
        return future

    def close(self, cancel: bool = False) -> None:
        """Let the queued documents finish (with ``cancel``: drop them, their futures saying so),
        then end every instance."""
        if self._closed:
            return
        self._closed = True
        while cancel and isinstance(job := self._next(block=False), _Job):
            job.future.set_result("not converted: the run stopped")
        for _ in self._threads:
            self._todo.put(None)
        for t in self._threads:
            t.join()

    # -- the threads --

    def _convert_one_by_one(self) -> None:
        python = uno_python()
        assert python is not None
        # With more than one job, each instance gets its next document before the previous one is
        # checked and normalised here, so it never waits for this process (nor for its GIL). With
        # one job, one thing happens at a time.
        depth = 2 if self.jobs > 1 else 1
        with Worker(find_soffice(), python, timeout=self.timeout, restart_every=self.restart_every) as worker:
            try:
                worker.start()  # now, not at the first document: start-up overlaps the caller's work
            except Exception:  # noqa: BLE001 - tried again, and reported, with the first document
                pass
            sent: collections.deque[_Job] = collections.deque()
            ending = False
            while sent or not ending:
                while not ending and len(sent) < depth and not (sent and worker.due):
                    job = self._next(block=not sent)
                    if job is _EMPTY:
                        break
                    if job is None:
                        ending = True
                        break
                    assert isinstance(job, _Job)
                    self._send(worker, job, sent)
                if sent:
                    self._receive(worker, sent)
            # Ended politely (about 0.4 s), not killed: then LibreOffice is reaped by its own
            # parents, and the CPU it used counts in this process's children (benchmarks read it).

    def _next(self, block: bool) -> _Job | None | object:
        """The next queued document that was not cancelled; None at the end; _EMPTY when nothing
        is queued and ``block`` is false."""
        while True:
            try:
                item = self._todo.get() if block else self._todo.get_nowait()
            except queue.Empty:
                return _EMPTY
            if item is None or item.future.set_running_or_notify_cancel():
                return item

    def _send(self, worker: Worker, job: _Job, sent: collections.deque[_Job]) -> None:
        job.produced = job.target.resolve().with_name(f".{job.target.name}.{threading.get_ident()}.tmp.pdf")
        while True:
            try:
                worker.send(job.docx, job.produced, destinations=bool(job.sections))
                sent.append(job)
                return
            except WorkerDied as exc:  # could not even start: again, then the document fails
                job.attempts += 1
                if job.attempts >= ATTEMPTS:
                    job.future.set_result(str(exc))
                    return

    def _receive(self, worker: Worker, sent: collections.deque[_Job]) -> None:
        """The oldest document's answer, then its PDF checked, normalised and put in place. A
        crashed or hung instance takes every document it held; each is tried again."""
        job = sent[0]
        try:
            error = worker.receive()
        except WorkerDied as exc:
            self._retry(worker, sent, str(exc))
            return
        if error is None and not (job.produced and job.produced.is_file()):
            # Done, it says, and wrote nothing: an instance not to be trusted any more.
            worker.kill()
            self._retry(worker, sent, "LibreOffice reported the PDF written, but there was none")
            return
        sent.popleft()
        try:
            job.future.set_result(self._finish(job, error))
        except Exception as exc:  # noqa: BLE001 - reported for this document; the pool goes on
            job.future.set_result(f"{type(exc).__name__}: {exc}")

    def _retry(self, worker: Worker, sent: collections.deque[_Job], reason: str) -> None:
        """The instance is gone with every document it held: each is tried again on a fresh one,
        or reported once it has been given to `ATTEMPTS` instances."""
        lost = list(sent)
        sent.clear()
        for n, job in enumerate(lost):
            job.attempts += 1
            if job.attempts >= ATTEMPTS:
                job.future.set_result(reason if n == 0 else f"LibreOffice stopped ({reason})")
            else:
                self._send(worker, job, sent)  # on a fresh instance

    def _finish(self, job: _Job, error: str | None) -> Path | Joined | str:
        produced = job.produced
        assert produced is not None
        if error is None and not produced.is_file():
            error = "LibreOffice produced no PDF"
        pages: tuple[int, ...] = ()
        if error is None and job.sections:
            try:
                pages = batch.pages(produced, job.sections)
            except Exception as exc:  # noqa: BLE001 - any unreadable PDF is the same failure
                error = f"LibreOffice's PDF of {job.sections} joined documents cannot be split ({exc})"
        if error is None:
            error = checked_and_normalized(produced, self.date)
        if error is not None:
            produced.unlink(missing_ok=True)
            return error
        os.replace(produced, job.target)
        return Joined(job.target, pages) if job.sections else job.target

    def _convert_batches(self) -> None:
        converter = pdf.Converter(find_soffice(), batch_size=self.batch_size, timeout=self.timeout, date=self.date)
        with converter:
            ending = False
            while not ending:
                job = self._next(block=True)
                if job is None:
                    return
                assert isinstance(job, _Job)
                batch = [job]
                while len(batch) < self.batch_size:
                    job = self._next(block=False)
                    if job is _EMPTY:
                        break
                    if job is None:
                        ending = True
                        break
                    assert isinstance(job, _Job)
                    batch.append(job)
                try:
                    self._batch(converter, batch)
                except Exception as exc:  # noqa: BLE001 - reported for these documents; the pool goes on
                    for job in batch:
                        if not job.future.done():
                            job.future.set_result(f"{type(exc).__name__}: {exc}")

    @staticmethod
    def _batch(converter: pdf.Converter, batch: list[_Job]) -> None:
        with tempfile.TemporaryDirectory(prefix=".docforge-pdf-", dir=batch[0].target.parent) as staging:
            names = {}  # unique stems for one soffice call
            for n, job in enumerate(batch):
                name = Path(staging) / f"d{n:05d}.docx"
                try:  # not a symbolic link: LibreOffice would name the PDF after its target
                    os.link(job.docx, name)
                except OSError:
                    shutil.copyfile(job.docx, name)
                names[name] = job
            result = converter.convert_many(list(names), Path(staging) / "out")
            for name, job in names.items():
                if name in result.pdfs:
                    os.replace(result.pdfs[name], job.target)
                    job.future.set_result(job.target)
                else:
                    job.future.set_result(result.failures.get(name, "LibreOffice produced no PDF"))


def convert_many(
    docx_paths: list[Path],
    out_dir: Path,
    jobs: int = 1,
    timeout: float | None = None,
    *,
    date: dt.date | None = None,
    restart_every: int = RESTART_EVERY,
) -> ConversionResult:
    """Convert DOCX files to ``out_dir/<stem>.pdf`` with `jobs` long-lived LibreOffice instances.

    Same contract and same bytes as `pdf.convert_many` (which it falls back to when `unavailable()`):
    failures are listed with their reason, the others delivered. `timeout` limits one document
    (default 60 s); `date` becomes the PDFs' creation date (None: no date at all).
    """
    if unavailable():
        return pdf.convert_many(docx_paths, out_dir, jobs=jobs, timeout=timeout, date=date)
    docs = list(dict.fromkeys(Path(p) for p in docx_paths))
    check_unique_stems(docs)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if not docs:
        return ConversionResult()
    with Pool(min(jobs, len(docs)), timeout, date=date, restart_every=restart_every) as pool:
        futures = {d: pool.submit(d, out_dir / f"{d.stem}.pdf") for d in docs}
        outcomes = {d: f.result() for d, f in futures.items()}
    return ConversionResult(
        pdfs={d: o for d, o in outcomes.items() if isinstance(o, Path)},
        failures={d: o for d, o in outcomes.items() if not isinstance(o, Path)},
    )
