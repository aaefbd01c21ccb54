"""A long-lived LibreOffice converter, run by `docforge.render.pdfpool` under a Python that has
LibreOffice's ``uno`` bridge (Debian: ``/usr/bin/python3`` with ``python3-uno``), not the venv's.

    python3 -I _unoworker.py SOFFICE PROFILE_URL PIPE_NAME [PARENT_PID]

It starts SOFFICE listening on the named pipe with its own user profile, connects, and prints one
JSON line ``{"ready": true}``. Then, per line ``{"src": DOCX, "dst": PDF}`` read from stdin, it
converts and answers one line: ``{"ok": true}`` or ``{"error": "...", "fatal": bool}`` (fatal: the
LibreOffice process is gone or unusable, its bridge disposed; the worker exits after saying so).
A request may add ``"destinations": true``: the PDF then
also names each bookmark's place (the joined documents of `docforge.render.batch` are found by
theirs). End of input ends LibreOffice and the worker. Nothing of docforge is imported here: this runs
under another Python.

LibreOffice never outlives docforge: the helper leads a process group of its own (docforge starts
it in a new session) that holds the launcher and ``soffice.bin``, and when docforge (PARENT_PID)
is gone, however it ended (``kill -9`` included), the helper kills that whole group, itself with
it. It learns so from a parent-death signal (``prctl(PR_SET_PDEATHSIG)`` on Linux), from a
watchdog thread that checks its parent twice a second (everywhere, and while the main thread
waits inside LibreOffice), and from a reply it cannot deliver.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

STARTUP_SECONDS = 60.0  # when not given on the command line
WATCH_SECONDS = 0.5
PR_SET_PDEATHSIG = 1
#: What an exception from a LibreOffice that is gone says (pyuno names its classes in full, such
#: as ``com.sun.star.lang.DisposedException``).
GONE = ("DisposedException", "Binary URP bridge")

_office: subprocess.Popen | None = None


def end_everything() -> None:
    """Kill LibreOffice and this helper at once: the whole process group when the helper leads
    one (as docforge starts it), else LibreOffice's launcher and the helper."""
    try:
        if os.getpgrp() == os.getpid():
            os.killpg(os.getpid(), signal.SIGKILL)
        elif _office is not None:
            _office.kill()
    finally:
        os._exit(1)


def watch_parent(parent: int) -> None:
    """End everything once ``parent`` is no longer this process's parent (it ended). A SIGTERM
    (the parent-death signal, or anyone's polite kill) ends everything too."""

    def parent_gone() -> None:
        if os.getppid() != parent:
            end_everything()

    signal.signal(signal.SIGTERM, lambda *_args: end_everything())
    try:  # Linux: SIGTERM the moment the parent ends (or the thread of it that started us)
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError, ValueError):
        pass

    def watchdog() -> None:
        while True:
            parent_gone()
            time.sleep(WATCH_SECONDS)

    parent_gone()  # it may have ended before the signal was set up
    threading.Thread(target=watchdog, name="parent-watchdog", daemon=True).start()


def reply(**fields) -> None:
    try:
        sys.stdout.write(json.dumps(fields) + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, ValueError, OSError):  # nobody reads: docforge is gone
        end_everything()


def gone(office: subprocess.Popen, exc: Exception, desktop) -> bool:
    """Whether LibreOffice is gone or unusable after ``exc``: its launcher ended, its bridge was
    disposed, or it no longer answers a trivial call."""
    if office.poll() is not None:
        return True
    text = f"{type(exc).__name__} {getattr(exc, 'Message', '') or exc}"
    if any(word in text for word in GONE):
        return True
    return not answers(desktop)


def answers(desktop) -> bool:
    try:
        desktop.getFrames().getCount()
    except Exception:  # noqa: BLE001 - any failure of a trivial call means the bridge is gone
        return False
    return True


def no_autospace(doc) -> None:
    """Print dates and amounts as written ("2026年1月1日", not "2026 年 1 月 1 日").

    LibreOffice puts extra space between Chinese and Latin or digits unless a paragraph says not to
    (its "ParaIsCharacterDistance"), and its DOCX import ignores Word's switch for it (w:autoSpaceDE,
    which the templates set for Word). Every paragraph style inherits from the default one.
    """
    styles = doc.getStyleFamilies().getByName("ParagraphStyles")
    if styles.hasByName("Standard"):
        styles.getByName("Standard").setPropertyValue("ParaIsCharacterDistance", False)


def main() -> int:
    global _office
    soffice, profile_url, pipe_name = sys.argv[1:4]
    parent = int(sys.argv[4]) if len(sys.argv) > 4 else os.getppid()
    startup = float(sys.argv[5]) if len(sys.argv) > 5 else STARTUP_SECONDS  # docforge.render.libreoffice's
    watch_parent(parent)
    try:
        import uno
        from com.sun.star.beans import PropertyValue
        from com.sun.star.connection import NoConnectException
    except ImportError as exc:
        reply(error=f"no uno bridge in {sys.executable}: {exc}", fatal=True)
        return 1

    def props(**kw):
        out = []
        for name, value in kw.items():
            p = PropertyValue()
            p.Name, p.Value = name, value
            out.append(p)
        return tuple(out)

    accept = f"pipe,name={pipe_name};urp;StarOffice.ComponentContext"
    office = subprocess.Popen(
        [soffice, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
         f"-env:UserInstallation={profile_url}", f"--accept={accept}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    _office = office
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + startup
    while True:
        try:
            ctx = resolver.resolve(f"uno:{accept}")
            break
        except NoConnectException:
            if office.poll() is not None or time.monotonic() > deadline:
                reply(error=f"LibreOffice did not start (exit status {office.poll()})", fatal=True)
                return 1
            time.sleep(0.05)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    load = props(Hidden=True, ReadOnly=True, FilterName="MS Word 2007 XML")
    store = props(FilterName="writer_pdf_Export", Overwrite=True)
    with_destinations = props(FilterName="writer_pdf_Export", Overwrite=True, FilterData=uno.Any(
        "[]com.sun.star.beans.PropertyValue", props(ExportBookmarksToPDFDestination=True)))
    reply(ready=True, pid=office.pid)

    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        doc = None
        try:
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(request["src"]), "_blank", 0, load)
            if doc is None:
                fatal = office.poll() is not None or not answers(desktop)
                reply(error="LibreOffice produced no PDF (source file could not be loaded)", fatal=fatal)
                if fatal:
                    return 1
                continue
            no_autospace(doc)
            doc.storeToURL(uno.systemPathToFileUrl(request["dst"]),
                           with_destinations if request.get("destinations") else store)
            reply(ok=True)
        except Exception as exc:  # noqa: BLE001 - every failure is reported to the parent
            name = type(exc).__name__
            fatal = gone(office, exc, desktop)
            message = getattr(exc, "Message", "") or str(exc)
            reply(error=f"{name}: {message}".strip(), fatal=fatal)
            if fatal:
                return 1
        finally:
            if doc is not None:
                try:
                    doc.close(True)
                except Exception:  # noqa: BLE001 - a document that will not close is dropped
                    pass
    if os.getppid() != parent:  # end of input because docforge is gone: no politeness
        end_everything()
    try:
        desktop.terminate()
    except Exception:  # noqa: BLE001 - LibreOffice ends on the bridge closing anyway
        pass
    try:
        office.wait(timeout=20)
    except subprocess.TimeoutExpired:
        office.kill()
    return 0


if __name__ == "__main__":
    os.environ.pop("PYTHONPATH", None)
    sys.exit(main())
