"""What a bundle run tells its user. :class:`Reporter` passes everything on as plain lines (a pipe,
a log file, CI); on a terminal ``docforge bundle`` shows a progress bar on stderr instead
(:class:`ProgressBar`: households done of all, documents done and their rate, elapsed time and time
left; villages done of all in a county run). A household counts when its packet is written and a
document when it is (with PDF: when LibreOffice has converted it, each copy counted), not when
they are planned.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from .i18n import _, ngettext

Log = Callable[[str], None]


class Reporter:
    """What a run tells its user. This one passes everything to ``log`` as lines (in a county run
    prefixed with the village); :class:`ProgressBar` shows routine progress as a bar instead."""

    def __init__(self, log: Log | None = None):
        self._log = log or (lambda _msg: None)
        self._county = False
        self._prefix = ""

    def log(self, msg: str) -> None:
        """Something to see in any case: a packet removed, a document that failed."""
        self._log(self._prefix + msg)

    def detail(self, msg: str) -> None:
        """Routine progress (a packet written, a round converted); a progress bar shows it as such."""
        self._log(self._prefix + msg)

    def villages(self, total: int) -> None:
        """A county run of ``total`` villages begins."""
        self._county = True

    def start(self, label: str, total: int | None) -> None:
        """A village's bundle begins: ``total`` households (None: not known until the end)."""
        self._prefix = f"{label}: " if self._county else ""

    def advance(self, households: int = 0, documents: int = 0) -> None:
        """Households done (their packets written, or nothing to write), and documents written."""

    def converted(self, documents: int) -> None:
        """Documents converted to PDF (each copy counted), as they are: by this process's converters
        (called from their threads) or by a cluster's workers (``--cluster``)."""

    def end(self) -> None:
        """The village's bundle is finished, or failed."""
        self._prefix = ""

    def village_done(self) -> None:
        """A village of a county run is done (bundled or failed)."""

    def paused(self) -> contextlib.AbstractContextManager[None]:
        """No thread of the reporter's runs inside this block (worker processes are forked in it)."""
        return contextlib.nullcontext()

    def close(self) -> None:
        """The run is over: stop any display of the reporter's own."""


class ProgressBar(Reporter):
    """A rich progress display on stderr; routine per-packet lines are left out, notable ones are
    printed above the bar. It is redrawn by a thread of its own, which :meth:`paused` stops while
    worker processes are forked."""

    REFRESH = 0.25  # seconds between redraws

    def __init__(self, console: Any = None) -> None:
        super().__init__()
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        self.console = console or Console(stderr=True)
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[unit]}"),
            TextColumn("{task.fields[extra]}"), TimeElapsedColumn(), TextColumn("{task.fields[left]}"),
            TimeRemainingColumn(), console=self.console, auto_refresh=False)
        self._lock = threading.Lock()
        self._started = 0.0
        self._county: Any = None
        self._village: Any = None
        self._documents = 0  # of the village
        self._run_documents = 0  # of the whole run (a county's or a province's bar)
        self._run_started = time.monotonic()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    # -- the display and its redraw thread

    def _ensure_started(self) -> None:
        if self._ticker is None:
            self.progress.start()
            self._resume()

    def _tick(self) -> None:
        while not self._stop.wait(self.REFRESH):
            self.progress.refresh()

    def _resume(self) -> None:
        self._stop.clear()
        self._ticker = threading.Thread(target=self._tick, name="docforge-progress", daemon=True)
        self._ticker.start()

    def _halt(self) -> None:
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        running = self._ticker is not None and self._ticker.is_alive()
        if running:
            self._halt()
        try:
            yield
        finally:
            if running:
                self._resume()

    def close(self) -> None:
        """Stop redrawing and leave the last state of the bar on the screen."""
        if self._ticker is not None:
            self._halt()
            self._ticker = None
            self.progress.refresh()
            self.progress.stop()

    # -- Reporter

    def log(self, msg: str) -> None:
        if self._ticker is None:
            self.console.print(msg, markup=False, highlight=False)
        else:
            self.progress.console.print(msg, markup=False, highlight=False)

    def detail(self, msg: str) -> None:
        pass  # the bar shows it

    def villages(self, total: int) -> None:
        self._ensure_started()
        self._county = self.progress.add_task(_("villages"), total=total, unit=_("villages"), extra="",
                                              left=_("left"))

    def start(self, label: str, total: int | None) -> None:
        self._ensure_started()
        self._documents = 0
        if self._village is not None:
            self.progress.remove_task(self._village)
        self._started = time.monotonic()
        self._village = self.progress.add_task(label, total=total, unit=_("households"), extra=self._extra(),
                                               left=_("left"))

    def _extra(self, documents: int | None = None, started: float | None = None) -> str:
        """``N documents, R a second`` of the village (or of the whole run, for the county's bar)."""
        n = self._documents if documents is None else documents
        seconds = time.monotonic() - (self._started if started is None else started)
        rate = "{:.1f}".format(n / seconds if n and seconds > 0 else 0.0)
        return ngettext("{n} document, {rate} a second", "{n} documents, {rate} a second", n, n=n, rate=rate)

    def advance(self, households: int = 0, documents: int = 0) -> None:
        with self._lock:
            self._documents += documents
            self._run_documents += documents
            if self._village is not None:
                self.progress.update(self._village, advance=households, extra=self._extra())
            if self._county is not None and documents:
                self.progress.update(self._county, extra=self._extra(self._run_documents, self._run_started))

    def converted(self, documents: int) -> None:
        self.advance(0, documents)

    def end(self) -> None:
        if self._village is not None:
            task = next((t for t in self.progress.tasks if t.id == self._village), None)
            if task is not None and task.total is None:  # the total is known now
                self.progress.update(self._village, total=task.completed)
        self.progress.refresh()

    def village_done(self) -> None:
        if self._county is not None:
            self.progress.update(self._county, advance=1)
            self.progress.refresh()

