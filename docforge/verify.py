"""``docforge verify DIR``: re-check a bundle against its ``manifest.json``.

Every file the manifest lists must exist with its sha256; every file in the folder must be listed
(the manifest itself and the packets' ``.done`` records excepted). A leftover ``.tmp-*`` folder
means an interrupted run. The manifest is read a piece at a time and the listed paths are kept as
hashes, so a bundle of 100,000 households is checked in little memory.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .bundle import DONE, MANIFEST, OLD_PREFIX, TMP_PREFIX, sha256_file
from .compact import IdSet
from .i18n import gettext as _
from .i18n import ngettext


@dataclass
class VerifyReport:
    out: Path
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.changed or self.extra or self.errors)

    def lines(self) -> list[str]:
        out = [_("error: {message}", message=e) for e in self.errors]
        out += [_("missing: {path} (listed in {manifest}, not in the folder)", path=p, manifest=MANIFEST)
                for p in self.missing]
        out += [_("changed: {path} (its sha256 differs from {manifest})", path=p, manifest=MANIFEST)
                for p in self.changed]
        out += [_("extra: {path} (not listed in {manifest})", path=p, manifest=MANIFEST) for p in self.extra]
        if self.ok:
            out.append(_("ok: {n} files match {manifest}", n=self.checked, manifest=MANIFEST))
        else:
            n = len(self.missing) + len(self.changed) + len(self.extra) + len(self.errors)
            out.append(ngettext("{n} problem in {path}", "{n} problems in {path}", n, n=n, path=self.out))
        return out


_WS = re.compile(r"\s*")


def iter_json_lists(path: Path, chunk: int = 1 << 16) -> Iterator[tuple[str, Any]]:
    """``(key, entry)`` for each entry of each list of the JSON object in ``path`` (and ``(key,
    value)`` for each other value), reading ``chunk`` characters at a time: no list is held whole."""
    decoder = json.JSONDecoder()
    with open(path, encoding="utf-8") as f:
        buf, pos, eof = "", 0, False

        def more() -> None:
            nonlocal buf, pos, eof
            data = f.read(chunk)
            eof = not data
            buf, pos = buf[pos:] + data, 0

        def peek() -> str:
            nonlocal pos
            while True:
                pos = _WS.match(buf, pos).end()
                if pos < len(buf):
                    return buf[pos]
                if eof:
                    raise ValueError("unexpected end of the file")
                more()

        def expect(chars: str) -> str:
            nonlocal pos
            c = peek()
            if c not in chars:
                raise ValueError(f"expected one of {chars!r}, found {c!r}")
            pos += 1
            return c

        def value() -> Any:
            nonlocal pos
            peek()
            while True:
                try:
                    v, end = decoder.raw_decode(buf, pos)
                    if end < len(buf) or eof:  # a number cut at the end of the buffer is not whole
                        pos = end
                        return v
                except json.JSONDecodeError:
                    if eof:
                        raise
                more()

        expect("{")
        if peek() == "}":
            return
        while True:
            key = value()
            expect(":")
            if peek() == "[":
                expect("[")
                if peek() == "]":
                    expect("]")
                else:
                    while True:
                        yield key, value()
                        if expect(",]") == "]":
                            break
            else:
                yield key, value()
            if expect(",}") == "}":
                return


def manifest_files(path: Path) -> Iterator[dict[str, Any]]:
    """The entries of a manifest's ``files`` list, streamed; ValueError if it has none."""
    seen = False
    for key, entry in iter_json_lists(path):
        if key == "files":
            seen = True
            yield entry
    if not seen:
        raise ValueError("no files list")


def _walk(root: Path, rel: str, report: VerifyReport) -> Iterator[str]:
    """The files under ``root`` (paths relative to the bundle), folder by folder in name order;
    a folder left by an interrupted run is reported, not entered."""
    with os.scandir(root) as it:
        entries = sorted(it, key=lambda e: e.name)
    for e in entries:
        if e.is_dir(follow_symlinks=False):
            if e.name.startswith((TMP_PREFIX, OLD_PREFIX)):
                report.extra.append(_("{path} (left by an interrupted run)", path=rel + e.name + "/"))
            else:
                yield from _walk(Path(e.path), f"{rel}{e.name}/", report)
        else:
            yield f"{rel}{e.name}"


def verify_bundle(out: Path) -> VerifyReport:
    out = Path(out)
    report = VerifyReport(out)
    mpath = out / MANIFEST
    if not out.is_dir():
        report.errors.append(_("{path}: no such folder", path=out))
        return report
    if not mpath.is_file():
        report.errors.append(_("{path}: no manifest; the bundle was not finished (re-run docforge bundle with the "
                               "same options to finish it)", path=mpath))
        return report
    listed = IdSet()
    try:
        for f in manifest_files(mpath):
            rel, digest = f["path"], f["sha256"]
            listed.add(rel)
            path = out / rel
            if not path.is_file():
                report.missing.append(rel)
            elif sha256_file(path) != digest:
                report.changed.append(rel)
            else:
                report.checked += 1
    except (OSError, ValueError, KeyError, TypeError) as e:
        report.errors.append(_("{path}: unreadable manifest ({error})", path=mpath, error=type(e).__name__ + ": " + str(e)))
        return report
    for rel in _walk(out, "", report):
        if rel == MANIFEST or rel.rsplit("/", 1)[-1] == DONE or rel in listed:
            continue
        report.extra.append(rel)
    return report
