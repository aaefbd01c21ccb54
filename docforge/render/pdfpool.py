"""PDF from DOCX through a pool of long-lived LibreOffice instances, fed over LibreOffice's own bridge.

`docforge.render.pdf` starts one ``soffice --convert-to`` per batch: every batch pays LibreOffice's
start-up (about two seconds), and a batch must stay small enough to retry. Here each worker starts
LibreOffice once, with a user profile of its own, listening on a named pipe; a small helper
(`_unoworker.py`) connected to it over the ``uno`` bridge converts one document per request. The
bridge (Debian's ``python3-uno``) exists only for the system Python, so the helper runs under that
Python as a child process speaking JSON lines on stdin/stdout; docforge itself stays in the venv.

What `pdf.py` guarantees holds here too: one profile per LibreOffice instance; a timeout per
document; a hung or crashed instance is killed with its whole process group and the document is
tried once more on a fresh one; every PDF is checked and normalised with `pdf.normalize_pdf`, so the
bytes are those `pdf.convert_many` gives; an instance is restarted every `restart_every` documents
(long-lived instances slow down and leak). A document that still fails is listed in
``failures``; the others are delivered.

Use `unavailable()` to learn whether the pool can run here (LibreOffice and a Python with ``uno``);
`convert_many` falls back to `pdf.convert_many` when it cannot.
"""

from __future__ import annotations

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
from pathlib import Path

from docforge.errors import ConversionError

from . import pdf
from .pdf import FONTS_CONF, ConversionResult, find_soffice

WORKER = Path(__file__).with_name("_unoworker.py")
UNO_PYTHONS = ("/usr/bin/python3", "/usr/lib/libreoffice/program/python", "/opt/libreoffice/program/python")
UNO_HINT = "install LibreOffice's Python bridge with `apt-get install python3-uno`"
STARTUP_SECONDS = 60.0
SECONDS_PER_DOCUMENT = 60.0
RESTART_EVERY = 200

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
        self._log: object | None = None

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- life cycle --

    def start(self) -> None:
        self.close()
        self.profile = Path(tempfile.mkdtemp(prefix="docforge-lo-pool-"))
        pipe_name = f"docforge-{os.getpid()}-{next(_counter)}-{uuid.uuid4().hex[:8]}"
        self._log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [self.python, "-I", str(WORKER), self.soffice, self.profile.as_uri(), pipe_name],
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
            pdf._wait_unreaped(proc, 15.0 if polite else 0.0)
            pdf._kill_group(proc)  # whatever is left of the group (the launcher can ignore a kill)
            if proc.stdout:
                proc.stdout.close()
        if self._log is not None:
            self._log.close()  # type: ignore[attr-defined]
            self._log = None
        if self.profile is not None:
            shutil.rmtree(self.profile, ignore_errors=True)
            self.profile = None

    def kill(self) -> None:
        self.close(polite=False)

    # -- work --

    def convert(self, src: Path, dst: Path) -> str | None:
        """Convert one document; None on success, else the reason. Raises WorkerDied."""
        if self.proc is None or self.done >= self.restart_every:
            self.start()
        assert self.proc is not None and self.proc.stdin is not None
        request = json.dumps({"src": str(src), "dst": str(dst)}) + "\n"
        try:
            self.proc.stdin.write(request.encode("utf-8"))
            self.proc.stdin.flush()
        except OSError as exc:
            self.kill()
            raise WorkerDied(f"LibreOffice's helper stopped ({exc})") from None
        answer = self._read(self.timeout)
        self.done += 1
        if answer.get("ok"):
            return None
        if answer.get("fatal"):
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
    docs = [Path(p) for p in docx_paths]
    pdf._check_unique_stems(docs)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    soffice, python = find_soffice(), uno_python()
    assert python is not None
    merged = ConversionResult()
    lock = threading.Lock()
    todo: queue.SimpleQueue[Path] = queue.SimpleQueue()
    for docx in docs:
        problem = pdf._docx_problem(docx)
        if problem:
            merged.failures[docx] = problem
        else:
            todo.put(docx)

    with tempfile.TemporaryDirectory(prefix=".docforge-pdf-", dir=out_dir) as staging_dir:
        staging = Path(staging_dir).resolve()  # LibreOffice runs elsewhere: it needs absolute paths

        def one(worker: Worker, docx: Path) -> tuple[Path | None, str | None]:
            produced = staging / f"{docx.stem}.pdf"
            error = None
            for attempt in range(2):  # a hung or crashed instance: once more on a fresh one
                try:
                    error = worker.convert(docx.resolve(), produced)
                    break
                except WorkerDied as exc:
                    error = str(exc)
            if error is None and not produced.is_file():
                error = "LibreOffice produced no PDF"
            if error is not None:
                produced.unlink(missing_ok=True)
                return None, error
            try:
                pdf._check_complete(produced)
                pdf.normalize_pdf(produced, date)
            except Exception as exc:  # noqa: BLE001 - any unreadable PDF is the same failure
                produced.unlink(missing_ok=True)
                return None, f"LibreOffice wrote an unreadable PDF ({exc})"
            target = out_dir / produced.name
            os.replace(produced, target)
            return target, None

        def work() -> None:
            with Worker(soffice, python, timeout=timeout, restart_every=restart_every) as worker:
                while True:
                    try:
                        docx = todo.get_nowait()
                    except queue.Empty:
                        return
                    target, error = one(worker, docx)
                    with lock:
                        if target is not None:
                            merged.pdfs[docx] = target
                        else:
                            merged.failures[docx] = error or "LibreOffice produced no PDF"

        threads = [threading.Thread(target=work, name=f"docforge-pdfpool-{i}")
                   for i in range(max(1, min(jobs, len(docs))))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return ConversionResult(
        pdfs={d: merged.pdfs[d] for d in docs if d in merged.pdfs},
        failures={d: merged.failures[d] for d in docs if d in merged.failures},
    )
