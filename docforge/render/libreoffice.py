"""LibreOffice as a process: finding it, the tuning of its runs, and control of its processes.

Both converters use this module: `docforge.render.pdf` (one ``soffice --convert-to`` per batch) and
`docforge.render.pdfpool` (long-lived instances over the ``uno`` bridge). What they share:

* the tuning constants (one set, for both): how long LibreOffice may take to start, how long a
  document may take, and after how many documents an instance's user profile is replaced;
* the checks before a conversion: a document that is not a DOCX (`docx_problem`), two documents
  that would write the same PDF (`check_unique_stems`);
* process control: `wait_unreaped` (wait for a launcher without reaping it, so its pid, the id of its
  process group, cannot be reused meanwhile) and `kill_group` (kill the whole group, leaving no
  zombie behind);
* profiles owned by a run (`owned_temp_dir`), and `reap_stale`, which removes the profiles of runs
  killed from outside and kills any LibreOffice still using them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

from docforge.errors import ConversionError
from docforge.i18n import N_
from docforge.i18n import gettext as _

FONTS_CONF = Path(__file__).resolve().with_name("fonts.conf")

INSTALL_HINT = N_("install LibreOffice and the fonts with "
                  "`apt-get install libreoffice-writer-nogui fonts-noto-cjk fonts-liberation2` "
                  "(or run `make demo` / `make test`, which install them)")

# The tuning of LibreOffice runs, one set for both converters (they had 30 s / 5 s / 50 runs and
# 60 s / 60 s / 200 documents). A start-up on a fresh profile takes about two seconds on an idle
# machine, but up to half a minute on two busy cores (a county run converting with every core):
# 60 s, the value that held under that load. A packet's document converts in about a second; 30 s
# allows for a machine thirty times slower before a run counts as hung, and a batch of 20 is then
# given 60 + 20 x 30 s; hangs are rare, so waiting longer for one costs less than failing a slow
# document. A profile (and a long-lived instance) is replaced after 200 documents: long-lived
# instances slow down and leak, and a fresh profile costs one slower start in 200 documents.
#: Seconds LibreOffice may take to start (before its first document).
STARTUP_SECONDS = 60.0
#: Seconds one document may take to convert.
SECONDS_PER_DOCUMENT = 30.0
#: Documents converted with one user profile (one instance of the pool) before a fresh one.
RESTART_EVERY = 200

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


# --- checks before a conversion ------------------------------------------------------------


def check_unique_stems(docs: Sequence[Path]) -> None:
    seen: dict[str, Path] = {}
    for docx in docs:
        other = seen.setdefault(docx.stem, docx)
        if other != docx:
            raise ConversionError(_(
                "{path} and {other} would both become {pdf}; give the documents distinct file names or convert them "
                "into separate directories.", path=other, other=docx, pdf=docx.stem + ".pdf"))


def docx_problem(docx: Path) -> str | None:
    if not docx.is_file():
        return "file not found"
    try:
        with zipfile.ZipFile(docx) as archive:
            if "word/document.xml" not in archive.namelist():
                return "not a DOCX file (the archive has no word/document.xml)"
    except (zipfile.BadZipFile, OSError) as exc:
        return f"not a DOCX file, damaged or misnamed ({exc})"
    return None



# --- process control -----------------------------------------------------------------------


def wait_unreaped(proc: subprocess.Popen[bytes], limit: float) -> bool:
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


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the run's process group (the launcher can ignore a plain kill), then reap it.

    The launcher's children go first: the launcher reaps them and exits, instead of dying with
    them and leaving them to init as zombies (which a container without an init never reaps).
    """
    members = _group_members(proc.pid)
    for pid in members:
        _kill_member(pid, proc.pid)
    if members:
        wait_unreaped(proc, 1.0)
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


def start_ticks(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks after boot, Linux), or None when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def owned_temp_dir(prefix: str) -> Path:
    """A fresh temporary folder named for this process (``<prefix><pid>-<start>-<random>``), so
    that a later run can tell it was left behind by a run that has ended (`reap_stale`)."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-{start_ticks(os.getpid()) or 0}-"))


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
    now = start_ticks(pid)
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

