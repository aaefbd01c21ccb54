"""``docforge bundle --county DIR|--province DIR --cluster local[:N]|tcp://HOST:PORT``: the villages
of a county or a province bundled on a Dask cluster, the same bytes as one machine writes.

Imported only with ``--cluster`` (Dask is the optional extra ``docforge[cluster]``). See
``docs/cluster.md``.

- **Tasks.** One task per village (:func:`bundle_village`): the task runs exactly what a county run
  runs for the village (:func:`docforge.county.county_village`, so the same packets and manifest) and
  returns its small outcome. The client submits a window of a few tasks per worker thread, largest
  rosters first, and adds the next as they finish: neither the scheduler nor a task holds a
  province (the client holds the list of village folders: paths only).
- **Workers.** :class:`DocforgeWorker`, a Dask worker plugin, loads the plugins from the worker's
  installed distributions when it is registered and refuses the worker (the run stops before any
  task) when their names and versions differ from the client's; it keeps the worker's LibreOffice
  pool (started with the first document, the same fonts and profiles as one machine, closed when the
  worker ends).
- **Output.** Written by the workers into a folder every one of them reaches at the same path
  (:class:`docforge.output.SharedFolder`); the client writes the county and province summaries.
- **Faults.** A task whose worker dies goes to another worker, at most ``retries`` times (the
  scheduler's ``allowed-failures``), then its village is named as failed and the others finish. A run
  started again resumes: finished packets are kept, as on one machine. A LibreOffice that hangs is
  killed by its own worker's pool after the per-document timeout; the other workers go on. Ctrl-C
  cancels the queued tasks and asks the running ones to stop; a packet is complete or absent.
- **Progress.** Workers send the documents they convert (when converted) as Dask events; the client
  shows one bar for the run (villages done, documents converted) and the dashboard's address.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from distributed import Client, WorkerPlugin, get_worker
from distributed.client import as_completed

from . import __version__
from .county import COUNTY_SUMMARY, CountyReport, VillageFolder, VillageOutcome, county_village, find_villages
from .errors import DocforgeError, InputError
from .i18n import _
from .output import Output, SharedFolder
from .packet import BundleOptions
from .progress import Reporter
from .province import CountyOutcome, ProvinceReport, find_counties, prepare_out, write_province_summary
from .render.pdfpool import Joined, Pool

PLUGIN = "docforge"
TOPIC = "docforge-progress"
#: Tasks in flight per worker thread: enough to keep every worker busy, few enough that the
#: scheduler never holds a province.
WINDOW_PER_THREAD = 2
#: Seconds between a running task's progress messages to the client.
PROGRESS_EVERY = 0.5
DEFAULT_RETRIES = 2


class ClusterError(DocforgeError):
    """The cluster could not be used: no scheduler at the address, no worker, a worker refused."""

    exit_code = 1


class PluginMismatchError(ClusterError):
    """A worker's installed plugins (names and versions) differ from the client's."""


class Stopped(DocforgeError):
    """The run was stopped (Ctrl-C on the client): a running task ends at its next household."""

    exit_code = 130


# --------------------------------------------------------------------------- the plugin set


def plugin_set() -> dict[str, Any]:
    """What makes this process's packets: docforge's version and each installed plugin's name,
    distribution and version (a plugin that failed to load too, with its error)."""
    import pypdf

    from .plugins import make_plugin_manager

    pm = make_plugin_manager()
    plugins = sorted([i.name, i.distribution or "", i.version or "", "failed" if i.error else "ok"]
                     for i in pm.infos.values() if not i.default)
    return {"docforge": __version__, "pypdf": pypdf.__version__, "plugins": plugins}


def plugin_set_difference(client: dict[str, Any], worker: dict[str, Any]) -> list[str]:
    """How a worker's plugin set differs from the client's, one line per difference (empty: none)."""
    lines = []
    for key in ("docforge", "pypdf"):
        if client.get(key) != worker.get(key):
            lines.append(_("{name}: {client} on the client, {worker} on the worker", name=key,
                           client=client.get(key), worker=worker.get(key)))
    mine = {p[0]: p for p in client.get("plugins", [])}
    theirs = {p[0]: p for p in worker.get("plugins", [])}
    for name in sorted(mine.keys() | theirs.keys()):
        a, b = mine.get(name), theirs.get(name)
        if a == b:
            continue
        lines.append(_("plugin {name}: {client} on the client, {worker} on the worker", name=name,
                       client=_describe(a), worker=_describe(b)))
    return lines


def _describe(p: list[str] | None) -> str:
    if p is None:
        return _("not installed")
    text = f"{p[1] or p[0]} {p[2]}".strip()
    return text + (" " + _("(fails to load)") if p[3] != "ok" else "")


# --------------------------------------------------------------------------- the worker side


class CountingPool(Pool):
    """The worker's LibreOffice pool, counting the documents it converted (for the progress bar)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._count_lock = threading.Lock()
        self._converted = 0

    def submit(self, docx: Path, target: Path, sections: int | None = None) -> Future:
        future = super().submit(docx, target, sections)
        future.add_done_callback(self._count)
        return future

    def _count(self, future: Future) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        outcome = future.result()
        documents = 1 if isinstance(outcome, Path) else len(outcome.pages) if isinstance(outcome, Joined) else 0
        with self._count_lock:
            self._converted += documents

    def take_converted(self) -> int:
        """Documents converted since the last call."""
        with self._count_lock:
            n, self._converted = self._converted, 0
        return n


class DocforgeWorker(WorkerPlugin):
    """A Dask worker plugin: the worker's plugins checked against the client's (see the module
    docstring) and the worker's LibreOffice pool, started with its first document and closed when the
    worker ends."""

    def __init__(self, expected: dict[str, Any], jobs: int = 1, timeout: float | None = None):
        self.expected, self.jobs, self.timeout = expected, jobs, timeout
        # Named for what it checks and starts: runs with the same plugins and pool share it (a second
        # registration leaves the first in place); other runs have their own.
        what = json.dumps([expected, jobs, timeout], sort_keys=True).encode("utf-8")
        self.name = f"{PLUGIN}-{hashlib.sha256(what).hexdigest()[:16]}"
        self.idempotent = True

    def setup(self, worker: Any) -> None:
        self.address = worker.address
        self.refused: str | None = None
        self.stopped: set[str] = set()
        self._pool: CountingPool | None = None
        self._lock = threading.Lock()
        found = plugin_set()  # the plugins of this worker's installed distributions, loaded here
        lines = plugin_set_difference(self.expected, found)
        if lines:
            self.refused = _("worker {worker} has other plugins than this computer, so its packets could differ; "
                             "install the same versions on every worker (pip install docforge-<plugin>==<version>), "
                             "then run again:\n  {lines}", worker=worker.address, lines="\n  ".join(lines))
            # A worker that joins later is refused too: it leaves before it takes any task.
            with contextlib.suppress(RuntimeError):
                worker.loop.add_callback(worker.close, reason="docforge: plugins differ from the client's", nanny=True)
            raise PluginMismatchError(self.refused)

    def pool(self) -> CountingPool:
        with self._lock:
            if self._pool is None:
                self._pool = CountingPool(self.jobs, self.timeout)
                self._pool.start()
            return self._pool

    def converted(self) -> int:
        pool = self._pool
        return pool.take_converted() if pool is not None else 0

    def teardown(self, worker: Any) -> None:
        if self._pool is not None:
            self._pool.close(cancel=True)
            self._pool = None


@dataclass
class VillageTask:
    """One village of the run, as a task carries it (paths and options, nothing read yet)."""

    run: str
    plugin: str  # the name of the run's worker plugin
    county: str  # the county folder ("" in a --county run)
    folder: VillageFolder
    output: Output  # where the run writes (the worker asks it for the village's folder)
    options: BundleOptions
    skip_bad_rows: bool
    roster_encoding: str | None


class WorkerReporter(Reporter):
    """A task's reporter: its notable lines and the documents its worker converted go to the client
    as events; asked to stop (Ctrl-C on the client), it ends the task at the next household."""

    def __init__(self, worker: Any, plugin: DocforgeWorker, task: VillageTask):
        super().__init__()
        self.worker, self.plugin, self.task = worker, plugin, task
        self._sent = time.monotonic()

    def _send(self, msg: dict[str, Any]) -> None:
        self.worker.log_event(TOPIC, {"run": self.task.run, **msg})

    def flush(self) -> None:
        self._sent = time.monotonic()
        n = self.plugin.converted()
        if n:
            self._send({"documents": n})

    def log(self, msg: str) -> None:
        self._send({"county": self.task.county, "log": msg})

    def detail(self, msg: str) -> None:
        self.advance()

    def advance(self, households: int = 0, documents: int = 0) -> None:
        if self.task.run in self.plugin.stopped:
            raise Stopped(_("the run was stopped"))
        if time.monotonic() - self._sent >= PROGRESS_EVERY:
            self.flush()


def bundle_village(task: VillageTask) -> VillageOutcome:
    """The task: one village bundled on this worker, as a county run bundles it."""
    from distributed import Reschedule

    worker = get_worker()
    plugin = worker.plugins.get(task.plugin)
    if not isinstance(plugin, DocforgeWorker) or plugin.refused:
        raise Reschedule()  # a refused worker is leaving: the task goes to another
    options = task.options
    pool = plugin.pool() if options.pdf else None
    # The worker's pool converts (its size is the worker's); planning stays in this thread.
    # With PDF, ``jobs`` > 1 lets the writer plan and assemble while the pool converts (its value is
    # not the pool's size here: that is the worker's).
    options = replace(options, jobs=max(2, plugin.jobs) if options.pdf else 1)
    reporter = WorkerReporter(worker, plugin, task)
    where = [p for p in (task.county, task.folder.folder) if p]
    out = task.output.village_dir(*where).parent  # county_village writes into <out>/<village folder>
    out.mkdir(parents=True, exist_ok=True)
    report = CountyReport(out)
    try:
        county_village(task.folder, out, report, reporter, pool, options, task.skip_bad_rows, task.roster_encoding)
    finally:
        reporter.flush()
    outcome = report.villages[0]
    if outcome.ok:
        task.output.village_done(*where)
    return outcome


def ignore_sigint() -> None:
    """Run on each worker of a local cluster: Ctrl-C in the terminal reaches the whole process group;
    the client alone handles it (it stops the tasks and then the workers)."""
    import signal

    with contextlib.suppress(ValueError):  # not the worker's main thread
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def stop_run(run: str, dask_worker: Any = None) -> None:
    """Run on every worker when the client is stopped: the run's tasks end at their next household."""
    for plugin in (dask_worker or get_worker()).plugins.values():
        if isinstance(plugin, DocforgeWorker):
            plugin.stopped.add(run)


# --------------------------------------------------------------------------- the client side


@dataclass
class ClusterSpec:
    """``--cluster``: ``local`` or ``local:N`` (N worker processes here), or a scheduler's address."""

    text: str
    workers: int | None = None  # local
    address: str | None = None  # a running scheduler

    @classmethod
    def parse(cls, text: str) -> ClusterSpec:
        if text == "local" or text.startswith("local:"):
            n = text.partition(":")[2] or str(max(1, os.cpu_count() or 1))
            if not n.isdigit() or int(n) < 1:
                raise InputError(_("--cluster {text}: give local:N with N worker processes, at least 1 (e.g. local:2)",
                                   text=text))
            return cls(text, workers=int(n))
        if text.startswith(("tcp://", "tls://", "ws://", "wss://", "inproc://")):
            return cls(text, address=text)
        raise InputError(_("--cluster {text}: give local, local:N (N worker processes on this machine) or the address "
                           "of a running Dask scheduler, e.g. tcp://10.0.0.5:8786", text=text))


@contextlib.contextmanager
def connect(spec: ClusterSpec, jobs: int, timeout: float | None, retries: int,
            reporter: Reporter) -> Iterator[tuple[Client, str]]:
    """A client of the cluster, every worker checked and given the docforge plugin (and its name)."""
    import dask

    with contextlib.ExitStack() as stack:
        if spec.workers is not None:
            from distributed import LocalCluster

            # No statistical profiler in the workers (it samples every thread 100 times a second).
            settings: dict[str, Any] = {"distributed.scheduler.allowed-failures": retries,
                                        "distributed.worker.profile.enabled": False}
            if "forkserver" in multiprocessing.get_all_start_methods():
                settings["distributed.worker.multiprocessing-method"] = "forkserver"
            stack.enter_context(dask.config.set(settings))  # a worker restarted later is started the same way
            if "forkserver" in settings.values():
                _preload_docforge()
            # Worker processes (not threads): each with its own LibreOffice pool; no dashboard
            # port clash with another run on this machine.
            cluster = stack.enter_context(LocalCluster(
                n_workers=spec.workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                silence_logs=logging.ERROR))
            client = stack.enter_context(Client(cluster))
            client.run(ignore_sigint)
        else:
            try:
                client = stack.enter_context(Client(spec.address, timeout="20s"))
            except OSError as e:
                raise ClusterError(_("--cluster {address}: no Dask scheduler answers there ({why}); start one "
                                     "(`dask scheduler`) and its workers (`dask worker {address}`), or give "
                                     "--cluster local:N", address=spec.address, why=e)) from None
            try:
                client.wait_for_workers(1, timeout=60)
            except TimeoutError:
                raise ClusterError(_("--cluster {address}: the scheduler has no worker; start some with "
                                     "`dask worker {address}`", address=spec.address)) from None
        link = _dashboard(client)
        if link:
            reporter.log(_("Dask dashboard: {link}", link=link))
        try:
            plugin = DocforgeWorker(plugin_set(), jobs, timeout)
            client.register_plugin(plugin, name=plugin.name)
        except PluginMismatchError as e:
            raise PluginMismatchError(str(e)) from None
        yield client, plugin.name


def _preload_docforge() -> None:
    """Local workers fork from one server process that imported Dask and docforge once, instead of
    each importing them anew (seconds of a short run)."""
    from distributed.utils import get_mp_context

    ctx = get_mp_context()  # sets Dask's own preload list once; docforge's modules are added to it
    ctx.set_forkserver_preload(["distributed", "docforge.cluster", "docforge.bundle", "docforge.resolve",
                                "docforge.render.docx", "docforge.roster"])


def _dashboard(client: Client) -> str | None:
    try:
        import bokeh  # noqa: F401 - the dashboard needs it
    except ImportError:
        return None
    return client.dashboard_link


@dataclass
class _County:
    """A county of a cluster run, while its villages are out."""

    folder: str  # "" in a --county run
    source: Path
    out: Path
    villages: list[VillageFolder]
    outcomes: dict[str, VillageOutcome] = field(default_factory=dict)


class _Progress:
    """The client's view of the run, fed by the tasks' events (in the client's event loop thread)."""

    def __init__(self, run: str, reporter: Reporter, province: bool):
        self.run, self.reporter, self.province = run, reporter, province
        self.documents = 0
        self.stopping = False
        self._lock = threading.Lock()

    def event(self, event: Any) -> None:
        _ts, msg = event
        if not isinstance(msg, dict) or msg.get("run") != self.run or self.stopping:
            return
        if "documents" in msg:
            with self._lock:
                self.documents += msg["documents"]
                self.reporter.converted(msg["documents"])
        if "log" in msg:
            county = msg.get("county")
            self.reporter.log(f"{county}/{msg['log']}" if self.province and county else msg["log"])


def run_counties(client: Client, plugin: str, counties: list[_County], options: BundleOptions, skip_bad_rows: bool,
                 roster_encoding: str | None, reporter: Reporter, output: Output) -> list[CountyReport]:
    """Every village of ``counties`` as a task on the cluster; each county's summary written once its
    villages are done. Returns the county reports, in order."""
    run = uuid.uuid4().hex
    province = any(c.folder for c in counties)
    progress = _Progress(run, reporter, province)
    client.subscribe_topic(TOPIC, progress.event)
    threads = sum(client.nthreads().values()) or 1
    window = max(2, WINDOW_PER_THREAD * threads)
    for c in counties:
        c.out.mkdir(parents=True, exist_ok=True)
        (c.out / COUNTY_SUMMARY).unlink(missing_ok=True)
    # Largest rosters first (their size on disk stands for their households): the last villages to
    # finish are small ones, so no worker waits long at the end for one that started late.
    tasks = iter(sorted(((c, v) for c in counties for v in c.villages), key=lambda cv: -_roster_size(cv[1])))
    reporter.villages(sum(len(c.villages) for c in counties))
    futures = as_completed()
    owner: dict[Any, tuple[_County, VillageFolder]] = {}
    reports: dict[int, CountyReport] = {}

    def submit_next() -> bool:
        item = next(tasks, None)
        if item is None:
            return False
        c, v = item
        task = VillageTask(run, plugin, c.folder, v, output, options, skip_bad_rows, roster_encoding)
        f = client.submit(bundle_village, task, key=f"docforge-{c.folder or 'county'}-{v.folder}-{run}", pure=False)
        owner[f.key] = (c, v)
        futures.add(f)
        return True

    try:
        for _i in range(window):
            if not submit_next():
                break
        for f in futures:
            c, v = owner.pop(f.key)
            outcome = c.outcomes[v.folder] = _outcome(f, v, c, reporter, province)
            if not options.pdf and outcome.report is not None:  # nothing to convert: counted when written
                reporter.converted(outcome.report.totals.documents)
            f.release()
            reporter.village_done()
            if len(c.outcomes) == len(c.villages):
                reports[id(c)] = _write_county(c, options, skip_bad_rows, output)
            submit_next()
    except KeyboardInterrupt:
        progress.stopping = True
        reporter.log(_("stopping: the queued villages are cancelled and the running ones stop at their next household; "
                       "finished packets are kept (run the same command again to finish)"))
        with contextlib.suppress(Exception):
            client.cancel([f for f in futures.futures], force=True)
            client.run(stop_run, run)
        raise
    finally:
        with contextlib.suppress(Exception):
            client.unsubscribe_topic(TOPIC)
    return [reports[id(c)] for c in counties]


def _roster_size(v: VillageFolder) -> int:
    try:
        return v.roster.stat().st_size if v.roster is not None else 0
    except OSError:
        return 0


def _outcome(f: Any, v: VillageFolder, c: _County, reporter: Reporter, province: bool) -> VillageOutcome:
    from distributed.scheduler import KilledWorker

    try:
        return f.result()
    except KilledWorker:
        error = _("{village}: the worker bundling it died each time it was tried; it is left unfinished (run the same "
                  "command again to finish it; --retries sets how often a village is tried again)", village=v.folder)
    except DocforgeError as e:
        error = str(e)
    except Exception as e:  # noqa: BLE001 - one village's failure does not stop the others
        error = _("{village}: {kind}: {error}", village=v.folder, kind=type(e).__name__, error=e)
    label = f"{c.folder}/{v.folder}" if province else v.folder
    reporter.log(_("{village}: FAILED: {error}", village=label, error=error))
    return VillageOutcome(v.folder, None, error=error, exit_code=1)


def _write_county(c: _County, options: BundleOptions, skip_bad_rows: bool, output: Output) -> CountyReport:
    from .county import write_summary

    report = CountyReport(c.out)
    for v in c.villages:
        outcome = c.outcomes[v.folder]
        report.villages.append(outcome)
        if outcome.report is not None:
            outcome.report.out = c.out / v.folder
            report.totals.add(outcome.report.totals)
    write_summary(report, c.source, options, skip_bad_rows)
    return report


def build_county_on_cluster(county: Path | str, out: Path | str, options: BundleOptions, cluster: str, *,
                            skip_bad_rows: bool = False, reporter: Reporter | None = None,
                            roster_encoding: str | None = None, retries: int = DEFAULT_RETRIES) -> CountyReport:
    """:func:`docforge.county.build_county` on a Dask cluster: the same files, byte for byte."""
    county, out = Path(county), Path(out)
    reporter = reporter or Reporter()
    spec = ClusterSpec.parse(cluster)
    villages = find_villages(county, out)
    if out.exists() and not out.is_dir():
        raise InputError(_("{out}: exists and is not a folder; give -o a new or empty folder", out=out))
    output = SharedFolder(out)
    with connect(spec, options.jobs, options.timeout, retries, reporter) as (client, plugin):
        [report] = run_counties(client, plugin, [_County("", county, out, villages)], options, skip_bad_rows, roster_encoding,
                                reporter, output)
    return report


def build_province_on_cluster(province: Path | str, out: Path | str, options: BundleOptions, cluster: str, *,
                              skip_bad_rows: bool = False, reporter: Reporter | None = None,
                              roster_encoding: str | None = None, retries: int = DEFAULT_RETRIES) -> ProvinceReport:
    """:func:`docforge.province.build_province` on a Dask cluster."""
    province, out = Path(province), Path(out)
    started = time.monotonic()
    reporter = reporter or Reporter()
    spec = ClusterSpec.parse(cluster)
    report = ProvinceReport(out)
    counties: list[_County] = []
    for county in find_counties(province, out):
        try:
            counties.append(_County(county.name, county, out / county.name, find_villages(county, out)))
        except DocforgeError as e:
            report.counties.append(CountyOutcome(county.name, error=str(e), exit_code=e.exit_code))
            reporter.log(_("{county}: FAILED: {error}", county=county.name, error=e))
    prepare_out(out)
    output = SharedFolder(out)
    with connect(spec, options.jobs, options.timeout, retries, reporter) as (client, plugin):
        workers = len(client.scheduler_info().get("workers", {}))
        reports = run_counties(client, plugin, counties, options, skip_bad_rows, roster_encoding, reporter, output)
    for c, r in zip(counties, reports, strict=True):
        report.counties.append(CountyOutcome(c.folder, r))
        report.totals.add(r.totals)
    report.counties.sort(key=lambda c: c.folder)
    report.seconds = time.monotonic() - started
    write_province_summary(report, province, options, skip_bad_rows, output,
                           cluster={"cluster": spec.text, "workers": workers, "retries": retries})
    return report
