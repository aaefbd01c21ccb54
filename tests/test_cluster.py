"""``docforge bundle --cluster``: a county on a real Dask LocalCluster of 2 worker processes, each
with its own LibreOffice, against the same county bundled on one machine: the same bytes, a worker
killed mid-run, the client killed and the run resumed, a worker with other plugins refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from docforge.county import COUNTY_SUMMARY
from docforge.fsutil import sha256_file
from docforge.packet import DONE, MANIFEST, TMP_PREFIX

pytest.importorskip("distributed")

AS_OF = "2021-08-19"  # the agreements are still offered (docs/law.md)
VILLAGES, HOUSEHOLDS = 3, 3


def docforge(*args: object, **kw) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFORGE_")}
    env.update(kw.pop("env", {}))
    return subprocess.Popen([sys.executable, "-m", "docforge.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True, **kw)


def finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        kill_group(proc.pid)
    return proc.returncode, out, err


def kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()}


def descendants(pid: int) -> list[int]:
    """``pid``'s child processes, and theirs (Linux /proc)."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        found += kids
        todo += kids
    return found


def children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry))
    return kids


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cluster")
    county = root / "county"
    code, _out, err = finish(docforge("example-county", "--villages", VILLAGES, "--households", HOUSEHOLDS,
                                      "--as-of", AS_OF, "-o", county))
    assert code == 0, err
    return county


def bundle_args(county: Path, out: Path, *extra: object) -> list[object]:
    return ["bundle", "--county", county, "--as-of", AS_OF, "-o", out, "--round-size", "2", *extra]


@pytest.fixture(scope="module")
def one_machine(county) -> Path:
    """The county bundled on one machine (``--jobs 2``), in a process that must not import Dask."""
    out = county.parent / "one-machine"
    code = ("import sys\nfrom docforge.cli import main\ntry:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
            "dask = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed'))\n"
            "assert not dask, dask\nsys.exit(code)\n")
    proc = subprocess.run([sys.executable, "-c", code, *map(str, bundle_args(county, out, "--jobs", 2))],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_cluster_writes_the_bytes_of_one_machine(county, one_machine):
    out = county.parent / "cluster"
    code, stdout, stderr = finish(docforge(*bundle_args(county, out, "--cluster", "local:2")))
    assert code == 0, stdout + stderr
    assert f"{VILLAGES} villages" in stdout and f"{VILLAGES * HOUSEHOLDS} households" in stdout
    mine, theirs = hashes(out), hashes(one_machine)
    assert len(mine) > VILLAGES * 5 and f"village-001/{MANIFEST}" in mine and COUNTY_SUMMARY in mine
    assert mine == theirs  # every file, the manifests and the county summary included
    summary = json.loads((out / COUNTY_SUMMARY).read_text(encoding="utf-8"))
    assert [v["status"] for v in summary["villages"]] == ["ok"] * VILLAGES
    assert summary["totals"]["pages"] > 0
    verify = subprocess.run([sys.executable, "-m", "docforge.cli", "verify", out], capture_output=True, text=True)
    assert verify.returncode == 0 and f"ok: {VILLAGES} bundle(s)" in verify.stdout, verify.stdout


def test_a_worker_killed_mid_run_is_replaced_and_every_packet_verifies(county, one_machine):
    out = county.parent / "worker-killed"
    proc = docforge(*bundle_args(county, out, "--cluster", "local:2", "--retries", 2))
    killed = None
    deadline = time.monotonic() + 240
    try:
        while killed is None and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
            if not list(out.glob(f"*/households/*/{DONE}")):
                continue  # the workers have not converted yet
            # a worker process of the client's cluster running a village: its LibreOffice helper is its child
            for pid in descendants(proc.pid):
                if any("_unoworker.py" in cmdline(c) for c in children(pid)):
                    os.kill(pid, signal.SIGKILL)
                    killed = pid
                    break
        assert killed is not None and proc.poll() is None, "the run ended before a worker could be killed"
        assert not (out / COUNTY_SUMMARY).exists()  # the kill landed mid-run
        code, stdout, stderr = finish(proc)
    finally:
        kill_group(proc.pid)
    assert code == 0, stdout + stderr
    assert hashes(out) == hashes(one_machine)
    verify = subprocess.run([sys.executable, "-m", "docforge.cli", "verify", out], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout


def test_a_killed_client_reruns_and_resumes(county, one_machine):
    out = county.parent / "client-killed"
    args = bundle_args(county, out, "--cluster", "local:2")
    proc = docforge(*args)
    deadline = time.monotonic() + 240
    try:
        while proc.poll() is None and time.monotonic() < deadline and not list(out.glob(f"*/{MANIFEST}")):
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before the client could be killed"
        os.kill(proc.pid, signal.SIGKILL)  # the client only: its workers and their LibreOffice end by themselves
        proc.wait()
    finally:
        time.sleep(2)
        kill_group(proc.pid)
    finished = sorted(p.parent.name for p in out.glob(f"*/{MANIFEST}"))
    assert finished and len(finished) < VILLAGES and not (out / COUNTY_SUMMARY).exists()
    kept = {p: p.stat().st_ino for p in (out / finished[0]).rglob("packet.pdf")}

    code, stdout, stderr = finish(docforge(*args))
    assert code == 0, stdout + stderr
    assert kept and all(p.stat().st_ino == ino for p, ino in kept.items())  # finished packets not built again
    assert not [p for p in out.rglob("*") if p.name.startswith(TMP_PREFIX)]
    assert hashes(out) == hashes(one_machine)


def test_a_worker_with_another_plugin_version_is_refused(county, tmp_path):
    """A worker whose installed docforge-sample-county is 1.0.1 (a real dist-info on its path, found
    before the client's 1.0.0) is refused before any village starts."""
    site = tmp_path / "site"
    info = site / "docforge_sample_county-1.0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: docforge-sample-county\nVersion: 1.0.1\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text("[docforge]\nsample_county = docforge_sample_county\n", encoding="utf-8")
    (info / "RECORD").write_text("", encoding="utf-8")
    scheduler_file = tmp_path / "scheduler.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFORGE_")}
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler = subprocess.Popen([*dask, "--port", "0", "--dashboard-address", ":0", "--scheduler-file", scheduler_file],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                                   "--no-nanny", "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  env={**env, "PYTHONPATH": str(site)}, start_new_session=True)
        out = tmp_path / "refused"
        code, stdout, stderr = finish(docforge(*bundle_args(county, out, "--cluster", address)), timeout=180)
    finally:
        for p in (worker, scheduler):
            if p is not None:
                kill_group(p.pid)
                p.wait()
    assert code == 1, stdout + stderr
    assert "other plugins than this computer" in stderr
    assert "plugin sample_county: docforge-sample-county 1.0.0 on the client, docforge-sample-county 1.0.1 on the worker" \
        in stderr, stderr
    assert not list(out.glob("*/households")) and not list(out.glob(f"*/{MANIFEST}"))  # no village started
