"""A long-lived LibreOffice converter, run by `docforge.render.pdfpool` under a Python that has
LibreOffice's ``uno`` bridge (Debian: ``/usr/bin/python3`` with ``python3-uno``), not the venv's.

    python3 -I _unoworker.py SOFFICE PROFILE_URL PIPE_NAME

It starts SOFFICE listening on the named pipe with its own user profile, connects, and prints one
JSON line ``{"ready": true}``. Then, per line ``{"src": DOCX, "dst": PDF}`` read from stdin, it
converts and answers one line: ``{"ok": true}`` or ``{"error": "...", "fatal": bool}`` (fatal: the
LibreOffice process is gone or unusable; the worker exits after saying so). End of input ends
LibreOffice and the worker. Nothing of docforge is imported here: this runs under another Python.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

STARTUP_SECONDS = 60.0


def reply(**fields) -> None:
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


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
    soffice, profile_url, pipe_name = sys.argv[1:4]
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
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + STARTUP_SECONDS
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
    reply(ready=True, pid=office.pid)

    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        doc = None
        try:
            doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(request["src"]), "_blank", 0, load)
            if doc is None:
                reply(error="LibreOffice produced no PDF (source file could not be loaded)", fatal=False)
                continue
            no_autospace(doc)
            doc.storeToURL(uno.systemPathToFileUrl(request["dst"]), store)
            reply(ok=True)
        except Exception as exc:  # noqa: BLE001 - every failure is reported to the parent
            name = type(exc).__name__
            fatal = office.poll() is not None or name in ("DisposedException", "RuntimeException")
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
