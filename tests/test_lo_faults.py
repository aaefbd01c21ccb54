"""LibreOffice workers that die: a killed instance is replaced and its documents retried, and no
LibreOffice outlives a docforge run that is killed. Every process looked at here belongs to this
test's own run (found by the test's own temporary folder in its command line), never to others
running LibreOffice on the same machine."""

from __future__ import annotations

import datetime as dt
import os
import signal
import tempfile
import threading
import time
from pathlib import Path

import pytest

from docforge.demo import example_households, examples_dir
from docforge.inputs import load_household, load_village
from docforge.render import pdfpool
from docforge.render.docx import write_docx
from docforge.resolve import Resolver

pytestmark = pytest.mark.skipif(pdfpool.unavailable() is not None,
                                reason=f"LibreOffice pool unavailable: {pdfpool.unavailable()}")
AS_OF = dt.date(2020, 11, 30)  # households still sign agreements (not after 2021-08-20)


def processes_under(folder: Path, name: bytes = b"") -> list[int]:
    """Live processes (zombies left out) whose command line names ``folder`` (and ``name``)."""
    found = []
    needle = str(folder).encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in cmdline and name in cmdline and state not in ("Z", "X"):
            found.append(int(pid))
    return found


def wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


@pytest.fixture
def own_tmp(tmp_path, monkeypatch) -> Path:
    """This test's temporary folder, where the pool puts its LibreOffice profiles."""
    folder = tmp_path / "lo"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("docx")
    r = Resolver(load_village(examples_dir() / "village.yaml"), AS_OF)
    paths = [write_docx(r.document("charter"), out / "charter.docx")]
    for i, hf in enumerate(example_households()[:3]):
        paths.append(write_docx(r.document("contraception", load_household(hf)), out / f"c{i}.docx"))
    return paths


def test_soffice_killed_during_a_conversion_is_replaced_and_the_document_retried(docs, own_tmp, tmp_path):
    """LibreOffice killed while it converts (``Binary URP bridge disposed during call``): the
    instance is replaced, the document tried again, and every document is delivered."""
    with pdfpool.Pool(jobs=1, date=AS_OF) as pool:
        first = pool.submit(docs[1], tmp_path / "first.pdf")
        assert first.result(timeout=120) == tmp_path / "first.pdf"
        [office] = processes_under(own_tmp, b"soffice.bin")
        [launcher] = processes_under(own_tmp, b"oosplash")
        # Held still: the next document is surely in LibreOffice's hands when it is killed, and
        # the launcher cannot exit before the helper has seen the bridge go.
        os.kill(launcher, signal.SIGSTOP)
        os.kill(office, signal.SIGSTOP)
        futures = [pool.submit(d, tmp_path / f"{d.stem}.pdf") for d in docs]
        time.sleep(1.0)
        os.kill(office, signal.SIGKILL)
        results = [f.result(timeout=240) for f in futures]
    assert results == [tmp_path / f"{d.stem}.pdf" for d in docs], results
    assert all(p.read_bytes().startswith(b"%PDF-") for p in results)
    assert wait_for(lambda: not processes_under(own_tmp), 10), processes_under(own_tmp)


def test_soffice_killed_between_documents_is_replaced(docs, own_tmp, tmp_path):
    with pdfpool.Pool(jobs=1, date=AS_OF) as pool:
        assert pool.submit(docs[1], tmp_path / "first.pdf").result(timeout=120)
        [office] = processes_under(own_tmp, b"soffice.bin")
        os.kill(office, signal.SIGKILL)
        results = [pool.submit(d, tmp_path / f"{d.stem}.pdf").result(timeout=240) for d in docs]
    assert results == [tmp_path / f"{d.stem}.pdf" for d in docs], results
    assert wait_for(lambda: not processes_under(own_tmp), 10), processes_under(own_tmp)


# --------------------------------------------------------------------------- a whole bundle run

@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    from docforge.example_county import write_example_county

    out = tmp_path_factory.mktemp("county")
    list(write_example_county(out, villages=1, households=16, seed=3, as_of=AS_OF))
    return out / "village-001"


@pytest.fixture
def lo_tmp(tmp_path) -> Path:
    """The temporary folder of the runs a test starts; whatever of their LibreOffice a failed
    test leaves is killed at the end."""
    folder = tmp_path / "lo"
    yield folder
    for pid in processes_under(folder):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def start_bundle(county: Path, out: Path, lo_tmp: Path):
    """``docforge bundle`` with PDF in a subprocess whose temporary folder (so its LibreOffice
    profiles) is ``lo_tmp``."""
    import subprocess
    import sys

    lo_tmp.mkdir(exist_ok=True)
    docforge = Path(sys.executable).with_name("docforge")
    env = dict(os.environ, TMPDIR=str(lo_tmp))
    return subprocess.Popen([str(docforge), "bundle", "--village", str(county / "village.yaml"),
                             "--roster", str(county / "roster.xlsx"), "--as-of", AS_OF.isoformat(),
                             "--jobs", "2", "--round-size", "8", "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)


def converted(out: Path) -> int:
    """PDFs LibreOffice has delivered so far in a running bundle."""
    return len(list(out.glob(".tmp-convert-*/pdf/*.pdf"))) + len(list(out.glob("households/*/packet.pdf")))


def verify_ok(out: Path) -> None:
    from docforge.verify import verify_bundle

    report = verify_bundle(out)
    assert report.ok, "\n".join(report.lines())


def test_a_bundle_run_survives_a_killed_libreoffice_worker(county, tmp_path, lo_tmp):
    """Fault injection: one worker's soffice.bin is killed mid-run; the run finishes (exit 0) and
    every packet verifies."""
    out = tmp_path / "out"
    run = start_bundle(county, out, lo_tmp)
    try:
        assert wait_for(lambda: converted(out) >= 2 or run.poll() is not None, 180)
        offices = processes_under(lo_tmp, b"soffice.bin")
        assert run.poll() is None and offices, "the run ended before a worker could be killed"
        os.kill(offices[0], signal.SIGKILL)
        output = run.communicate(timeout=600)[0].decode()
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, output
    assert "could not be converted" not in output
    verify_ok(out)
    packets = sorted(out.glob("households/*/packet.pdf"))
    assert packets and all(p.read_bytes().startswith(b"%PDF-") for p in packets)
    assert wait_for(lambda: not processes_under(lo_tmp), 10), processes_under(lo_tmp)


def test_no_libreoffice_outlives_a_killed_run_and_the_next_run_reaps_its_profiles(county, tmp_path, lo_tmp):
    """``kill -9`` of docforge mid-run: within seconds no process of that run's LibreOffice remains;
    the same command run again finishes the bundle and leaves no profile of either run behind."""
    out = tmp_path / "out"
    run = start_bundle(county, out, lo_tmp)
    try:
        assert wait_for(lambda: converted(out) >= 1 or run.poll() is not None, 180)
        assert run.poll() is None and processes_under(lo_tmp, b"soffice.bin"), "the run ended too soon"
        before = processes_under(lo_tmp)
        run.send_signal(signal.SIGKILL)
        run.wait()
    finally:
        if run.poll() is None:
            run.kill()
    assert before
    assert wait_for(lambda: not processes_under(lo_tmp), 5), \
        f"left running after kill -9: {processes_under(lo_tmp)} (of {before})"
    again = start_bundle(county, out, lo_tmp)
    output = again.communicate(timeout=600)[0].decode()
    assert again.returncode == 0, output
    verify_ok(out)
    assert not list(lo_tmp.glob("docforge-lo-*")), list(lo_tmp.iterdir())
    assert not processes_under(lo_tmp)


def test_reap_stale_kills_only_what_ended_runs_left(tmp_path):
    """A profile named for a run that has ended is removed with every process still using it; one
    named for a live run (this one), or named otherwise, is left alone."""
    import subprocess
    import sys

    from docforge.render import libreoffice

    ended = subprocess.Popen(["true"])
    ended.wait()
    stale = tmp_path / f"{pdfpool.PROFILE_PREFIX}{ended.pid}-1-abc"
    live = tmp_path / f"{pdfpool.PROFILE_PREFIX}{os.getpid()}-{libreoffice.start_ticks(os.getpid())}-xyz"
    other = tmp_path / f"{pdfpool.PROFILE_PREFIX}otherwise"
    for d in (stale, live, other):
        d.mkdir()
    users = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", f"-env:UserInstallation={d.as_uri()}"])
             for d in (stale, live, other)]
    try:
        assert libreoffice.reap_stale((pdfpool.PROFILE_PREFIX,), tmp_path) == [stale]
        assert wait_for(lambda: users[0].poll() is not None, 5)
        assert users[0].returncode == -signal.SIGKILL
        assert users[1].poll() is None and users[2].poll() is None
        assert not stale.exists() and live.is_dir() and other.is_dir()
    finally:
        for u in users:
            u.kill()
            u.wait()
