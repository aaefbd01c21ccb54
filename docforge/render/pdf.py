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

`normalize_pdf` removes what LibreOffice stamps from the clock or from process state: the dates
in the document information and the XMP packet, the time-based /ID and /DocChecksum, and the
/UniqueID of embedded Type 1 fonts (a counter that depends on how many fonts the same process
exported before, so on the position of the document in its batch).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
)

from docforge.errors import ConversionError
from docforge.fsutil import write_atomic
from docforge.i18n import N_
from docforge.i18n import gettext as _

FONTS_CONF = Path(__file__).resolve().with_name("fonts.conf")

INSTALL_HINT = N_("install LibreOffice and the fonts with "
                  "`apt-get install libreoffice-writer-nogui fonts-noto-cjk fonts-liberation2` "
                  "(or run `make demo` / `make test`, which install them)")

BATCH_SIZE = 20
PROFILE_PREFIX = "docforge-lo-profile-"
RESTART_EVERY = 50  # runs per user profile before a fresh one
STARTUP_SECONDS = 30.0
SECONDS_PER_DOCUMENT = 5.0

_SOFFICE_CANDIDATES = (
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)
# Output that says nothing about the documents.
_NOISE = ("failed to launch javaldx",)


def find_soffice() -> str:
    """Path of the LibreOffice binary (``soffice`` or ``libreoffice``), or a ConversionError."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    for candidate in _SOFFICE_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    raise ConversionError(_("LibreOffice (soffice) was not found on PATH; {hint}.", hint=_(INSTALL_HINT)))


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
    from batch to batch; the profile is replaced every `restart_every` runs as well, so that
    whatever state it accumulates cannot slow later runs down. Not thread-safe: use one
    converter per thread.

    `timeout` is the limit in seconds for one LibreOffice run; by default it grows with the
    batch, 30 s + 5 s per document.
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
        self._runs = 0

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
        _check_unique_stems(docs)
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        result = ConversionResult()
        todo = []
        for docx in docs:
            problem = _docx_problem(docx)
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
            f"-env:UserInstallation={self._profile_url()}",
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
                finished = _wait_unreaped(proc, limit)
            finally:
                _kill_group(proc)  # nothing of the run may linger, finished or not
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

    def _profile_url(self) -> str:
        if self.profile is None or self._runs >= self.restart_every:
            self.close()
            self.profile = owned_temp_dir(PROFILE_PREFIX)
            self._runs = 0
        self._runs += 1
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
    `timeout` limits one LibreOffice run (default 30 s + 5 s per document in the batch); `date`
    becomes the PDFs' creation date (None: no date at all).
    """
    docs = list(dict.fromkeys(Path(p) for p in docx_paths))
    _check_unique_stems(docs)
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


# --- determinism --------------------------------------------------------------------------

_INFO_DATES = ("/CreationDate", "/ModDate")
_XMP_DATES = ("xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate")


def normalize_pdf(path: Path, date: dt.date | None = None) -> None:
    """Rewrite a PDF so that its bytes depend only on its content.

    Creation and modification dates (document information and XMP) become `date`, or are
    dropped when it is None; /ID becomes a hash of the content; /DocChecksum goes (pypdf writes
    its own trailer); Type 1 font /UniqueIDs become hashes of the font program.
    """
    path = Path(path)
    reader = PdfReader(path)
    for number in range(1, int(reader.trailer.get("/Size", 0))):
        obj = reader.get_object(number)
        if isinstance(obj, DictionaryObject) and obj.get("/Type") == "/FontDescriptor":
            font_file = obj.get("/FontFile")
            if font_file is not None:
                _stable_type1_unique_id(font_file.get_object())

    writer = PdfWriter(clone_from=reader)
    info = {k: v for k, v in (reader.metadata or {}).items() if k not in _INFO_DATES}
    if date is not None:
        info["/CreationDate"] = info["/ModDate"] = _pdf_date(date)
    writer.metadata = info
    metadata = writer.root_object.get("/Metadata")
    if metadata is not None:
        stream = metadata.get_object()
        stream.set_data(_xmp_with_date(stream.get_data(), date))

    write_pdf(writer, path)


def write_pdf(writer: PdfWriter, path: Path) -> None:
    """Write ``writer`` to ``path`` (atomically) with an /ID that depends only on the content.

    /ID is a hash of the file as written with a placeholder ID; both entries are equal, as for a
    file written once. The placeholder is then overwritten in place: same length, and the trailer
    comes after everything the cross-reference table points to."""
    writer._ID = ArrayObject([ByteStringObject(bytes(16)), ByteStringObject(bytes(16))])
    draft = io.BytesIO()
    writer.write(draft)
    data = draft.getvalue()
    head, sep, tail = data.rpartition(_ID_PLACEHOLDER)
    if not sep:
        raise ValueError("pypdf wrote no /ID entry in the trailer")
    file_id = hashlib.sha256(data).digest()[:16].hex().encode("ascii")
    write_atomic(Path(path), b"".join((head, b"/ID [ <%s> <%s> ]" % (file_id, file_id), tail)), fsync=False)


_ID_PLACEHOLDER = b"/ID [ <%s> <%s> ]" % (bytes(16).hex().encode(), bytes(16).hex().encode())


def _pdf_date(date: dt.date) -> str:
    if not isinstance(date, dt.datetime):
        return date.strftime("D:%Y%m%d000000")
    text = date.strftime("D:%Y%m%d%H%M%S")
    offset = date.utcoffset()
    if offset is None:
        return text
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}'{mins:02d}'"


def _xmp_date(date: dt.date) -> str:
    if not isinstance(date, dt.datetime):
        return date.isoformat()
    return date.isoformat(timespec="seconds").replace("+00:00", "Z")


def _xmp_with_date(xmp: bytes, date: dt.date | None) -> bytes:
    text = xmp.decode("utf-8")
    for name in _XMP_DATES:
        element = re.compile(rf"<{name}>[^<]*</{name}>")
        attribute = re.compile(rf'\s{name}="[^"]*"')
        if date is None:
            text = attribute.sub("", element.sub("", text))
        else:
            value = _xmp_date(date)
            text = element.sub(f"<{name}>{value}</{name}>", text)
            text = attribute.sub(f' {name}="{value}"', text)
    return text.encode("utf-8")


# Type 1 fonts: LibreOffice numbers every subset it emits with a process-wide counter, written
# in the clear part and again in the eexec-encrypted Private dict.

_UNIQUE_ID = re.compile(rb"/UniqueID \d+ def")
_EEXEC_KEY = 55665


def _stable_type1_unique_id(stream: StreamObject) -> None:
    if "/Length1" not in stream or "/Length2" not in stream:
        return
    data = stream.get_data()
    len1, len2 = int(stream["/Length1"]), int(stream["/Length2"])
    clear, secret, rest = data[:len1], data[len1 : len1 + len2], data[len1 + len2 :]
    current = _UNIQUE_ID.search(clear)
    if current is None:
        return
    # The clear part names the font and, in its Encoding, the CID of every glyph in the subset.
    digest = hashlib.sha256(_UNIQUE_ID.sub(b"", clear)).digest()
    # 4000000-4999999 is the UniqueID range for private use.
    unique_id = b"/UniqueID %d def" % (4_000_000 + int.from_bytes(digest[:8], "big") % 1_000_000)
    if current.group(0) == unique_id:  # normalized before (a merged packet, a re-run)
        return
    clear = _UNIQUE_ID.sub(unique_id, clear)
    secret = _eexec_encrypt(_UNIQUE_ID.sub(unique_id, _eexec_decrypt(secret)))
    stream.set_data(clear + secret + rest)
    stream[NameObject("/Length1")] = NumberObject(len(clear))
    stream[NameObject("/Length2")] = NumberObject(len(secret))


try:  # the same two functions at C speed, when the extension was built (see _eexec.c)
    from . import _eexec
except ImportError:  # pragma: no cover - depends on the installation
    _eexec = None  # type: ignore[assignment]


def _eexec_decrypt(data: bytes) -> bytes:
    if _eexec is not None:
        return _eexec.decrypt(data, _EEXEC_KEY)
    return _eexec_decrypt_py(data)


def _eexec_encrypt(data: bytes) -> bytes:
    if _eexec is not None:
        return _eexec.encrypt(data, _EEXEC_KEY)
    return _eexec_encrypt_py(data)


def _eexec_decrypt_py(data: bytes) -> bytes:
    r = _EEXEC_KEY
    out = bytearray(len(data))
    for i, c in enumerate(data):
        out[i] = c ^ (r >> 8)
        r = ((c + r) * 52845 + 22719) & 0xFFFF
    return bytes(out)


def _eexec_encrypt_py(data: bytes) -> bytes:
    r = _EEXEC_KEY
    out = bytearray(len(data))
    for i, p in enumerate(data):
        c = p ^ (r >> 8)
        out[i] = c
        r = ((c + r) * 52845 + 22719) & 0xFFFF
    return bytes(out)


# --- checks -------------------------------------------------------------------------------


def _check_unique_stems(docs: Sequence[Path]) -> None:
    seen: dict[str, Path] = {}
    for docx in docs:
        other = seen.setdefault(docx.stem, docx)
        if other != docx:
            raise ConversionError(_(
                "{path} and {other} would both become {pdf}; give the documents distinct file names or convert them "
                "into separate directories.", path=other, other=docx, pdf=docx.stem + ".pdf"))


def _docx_problem(docx: Path) -> str | None:
    if not docx.is_file():
        return "file not found"
    try:
        with zipfile.ZipFile(docx) as archive:
            if "word/document.xml" not in archive.namelist():
                return "not a DOCX file (the archive has no word/document.xml)"
    except (zipfile.BadZipFile, OSError) as exc:
        return f"not a DOCX file, damaged or misnamed ({exc})"
    return None


def checked_and_normalized(produced: Path, date: dt.date | None) -> str | None:
    """Check a PDF LibreOffice wrote and normalise it in place (`normalize_pdf`); None when it is
    fine, else the reason, the file removed."""
    try:
        _check_complete(produced)
        normalize_pdf(produced, date)
    except Exception as exc:  # noqa: BLE001 - any unreadable PDF is the same failure
        produced.unlink(missing_ok=True)
        return f"LibreOffice wrote an unreadable PDF ({exc})"
    return None


def _check_complete(pdf: Path) -> None:
    """Fail on a truncated PDF: pypdf would silently rebuild its cross-reference table."""
    with pdf.open("rb") as f:
        head = f.read(5)
        f.seek(max(0, pdf.stat().st_size - 1024))
        tail = f.read()
    if head != b"%PDF-" or b"%%EOF" not in tail:
        raise ValueError("truncated or not a PDF")
    if len(PdfReader(pdf).pages) == 0:
        raise ValueError("no pages")


def _wait_unreaped(proc: subprocess.Popen[bytes], limit: float) -> bool:
    """Wait up to `limit` seconds for the launcher to exit, leaving it unreaped.

    While it is an unreaped zombie its pid cannot be reused, so killing its process group
    afterwards can only reach processes of this run.
    """
    if not hasattr(os, "waitid"):  # macOS: reap, and accept the tiny pid-reuse window
        try:
            proc.wait(limit)
        except subprocess.TimeoutExpired:
            return False
        return True
    deadline = time.monotonic() + limit
    pause = 0.005
    while True:
        if os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(pause, remaining))
        pause = min(pause * 2, 0.05)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the run's process group (the launcher can ignore a plain kill), then reap it.

    The launcher's children go first: the launcher reaps them and exits, instead of dying with
    them and leaving them to init as zombies (which a container without an init never reaps).
    """
    members = _group_members(proc.pid)
    for pid in members:
        _kill_member(pid, proc.pid)
    if members:
        _wait_unreaped(proc, 1.0)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _group_members(pgid: int) -> list[int]:
    """Processes of the group other than its leader (Linux; elsewhere none are found)."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    members = []
    for entry in entries:
        if entry.isdigit() and int(entry) != pgid:
            try:
                if os.getpgid(int(entry)) == pgid:
                    members.append(int(entry))
            except OSError:
                pass
    return members


def _kill_member(pid: int, pgid: int) -> None:
    if not hasattr(os, "pidfd_open"):
        return  # the group kill gets it
    try:
        handle = os.pidfd_open(pid)
    except OSError:
        return
    try:
        # The handle pins the process: if it still belongs to the group, it is the one found.
        if os.getpgid(pid) == pgid:
            signal.pidfd_send_signal(handle, signal.SIGKILL)
    except OSError:
        pass
    finally:
        os.close(handle)


# --- LibreOffice left behind by a run that was killed ------------------------------------------


def _start_ticks(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks after boot, Linux), or None when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def owned_temp_dir(prefix: str) -> Path:
    """A fresh temporary folder named for this process (``<prefix><pid>-<start>-<random>``), so
    that a later run can tell it was left behind by a run that has ended (`reap_stale`)."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-{_start_ticks(os.getpid()) or 0}-"))


_OWNED = re.compile(r"(\d+)-(\d+)-")


def _owner_alive(pid: int, ticks: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: not ours to judge
    now = _start_ticks(pid)
    return now is None or ticks == 0 or now == ticks  # a different start time: the pid was reused


def reap_stale(prefixes: Sequence[str], folder: Path | None = None) -> list[Path]:
    """Kill the processes of, and remove, the LibreOffice profiles (``<prefix><pid>-<start>-…``
    from `owned_temp_dir`) that this user's runs left behind in ``folder`` (the temporary folder):
    those whose run has ended (``kill -9``, a power cut) and whose LibreOffice may still run. A
    profile of a run still going, another user's, or one named otherwise is left alone. Returns
    the profiles removed."""
    folder = Path(folder or tempfile.gettempdir())
    stale = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    for entry in entries:
        prefix = next((p for p in prefixes if entry.name.startswith(p)), None)
        if prefix is None or not (m := _OWNED.match(entry.name, len(prefix))):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
        except OSError:
            continue
        if not _owner_alive(int(m[1]), int(m[2])):
            stale.append(Path(entry.path))
    if not stale:
        return []
    needles = [str(p).encode() for p in stale]
    for pid in _processes_naming(needles):
        _kill_pid(pid)
    for p in stale:
        shutil.rmtree(p, ignore_errors=True)
    return stale


def _processes_naming(needles: Sequence[bytes]) -> list[int]:
    """This user's processes whose command line holds one of ``needles`` (Linux)."""
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid != os.getuid():
                continue
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if any(n in cmdline for n in needles):
            found.append(int(entry))
    return found


def _kill_pid(pid: int) -> None:
    """SIGKILL one process, through a pidfd where there is one (no pid reuse in between)."""
    try:
        if hasattr(os, "pidfd_open"):
            handle = os.pidfd_open(pid)
            try:
                signal.pidfd_send_signal(handle, signal.SIGKILL)
            finally:
                os.close(handle)
        else:
            os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
