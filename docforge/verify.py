"""``docforge verify DIR``: re-check a bundle against its ``manifest.json``.

Every file the manifest lists must exist, as a regular file inside the bundle (not a symbolic
link, nor reached through one), with its sha256; every file and folder in the bundle must be
listed (the manifest, its hash and the packets' ``.done`` records excepted), so an added file or an
added empty folder is found. ``manifest.json.sha256`` must hold the manifest's own hash, and each
packet's ``.done`` record must list exactly the manifest's files of that packet with the same
hashes, so an edited manifest or record is found too. A leftover ``.tmp-*`` folder means an
interrupted run. The manifest is read a piece at a time and the listed paths are kept as hashes,
so a bundle of 100,000 households is checked in little memory.

What this proves is integrity, not authenticity: a bundle changed by accident, by a faulty copy or
by a careless hand is found, but whoever can edit the files can also write a new manifest and new
hashes. To prove who made a bundle, sign ``manifest.json.sha256`` (or the manifest) with a tool the
recipients trust, e.g. ``gpg --detach-sign`` or ``ssh-keygen -Y sign``; the hash covers every file.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .compact import IdSet
from .fsutil import sha256_file
from .i18n import _, ngettext
from .packet import DONE, MANIFEST, MANIFEST_HASH, OLD_PREFIX, TMP_PREFIX


class Explained(str):
    """A problem entry that carries its own reason (a plain entry is a path, and the report says why)."""


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
        out += [_("changed: {explained}", explained=p) if isinstance(p, Explained) else
                _("changed: {path} (its sha256 differs from {manifest})", path=p, manifest=MANIFEST)
                for p in self.changed]
        out += [_("extra: {explained}", explained=p) if isinstance(p, Explained) else
                _("extra: {path} (not listed in {manifest})", path=p, manifest=MANIFEST) for p in self.extra]
        if self.ok:
            out.append(_("ok: {n} files match {manifest}", n=self.checked, manifest=MANIFEST))
        else:
            n = len(self.missing) + len(self.changed) + len(self.extra) + len(self.errors)
            out.append(ngettext("{n} problem in {path}", "{n} problems in {path}", n, n=n, path=self.out))
        return out


_WS = re.compile(r"\s*")


def _skip_ws(buf: str, pos: int) -> int:
    """Where the white space from ``pos`` ends (the pattern always matches)."""
    m = _WS.match(buf, pos)
    return m.end() if m is not None else pos


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
                pos = _skip_ws(buf, pos)
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


def _walk(root: Path, rel: str, report: VerifyReport, listed: IdSet) -> Iterator[str]:
    """The files under ``root`` (paths relative to the bundle), folder by folder in name order;
    a folder left by an interrupted run is reported, not entered, and so is a folder that holds
    no file the manifest lists (an added empty folder, say), or a symbolic link to a folder."""
    with os.scandir(root) as it:
        entries = sorted(it, key=lambda e: e.name)
    holds_listed = False
    for e in entries:
        if e.is_symlink() and e.is_dir():
            report.extra.append(Explained(_("{path}/ (a symbolic link to a folder, not part of a bundle)",
                                            path=rel + e.name)))
        elif e.is_dir(follow_symlinks=False):
            if e.name.startswith((TMP_PREFIX, OLD_PREFIX)):
                report.extra.append(Explained(_("{path} (left by an interrupted run)", path=rel + e.name + "/")))
            else:
                before = len(report.extra)
                found = False
                for path in _walk(Path(e.path), f"{rel}{e.name}/", report, listed):
                    found = found or path in listed
                    yield path
                holds_listed = holds_listed or found
                if not found and len(report.extra) == before:
                    report.extra.append(Explained(_("{path}/ (a folder with no file that {manifest} lists)", path=rel + e.name,
                                          manifest=MANIFEST)))
        else:
            holds_listed = holds_listed or f"{rel}{e.name}" in listed
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
    _check_manifest_hash(out, report)
    listed = IdSet()
    entries = IdSet()  # (path, sha256) of each listed file, for the .done records
    real_out = Path(os.path.realpath(out))
    try:
        for f in _files_and_packets(mpath, entries):
            rel, digest = f["path"], f["sha256"]
            listed.add(rel)
            entries.add(_entry_key(f))
            path = out / rel
            if path.is_symlink() or (path.exists() and Path(os.path.realpath(path)) != real_out / rel):
                report.changed.append(Explained(_("{path} (a symbolic link, or reached through one: a bundle holds files)",
                                        path=rel)))
            elif not path.is_file():
                report.missing.append(rel)
            elif sha256_file(path) != digest:
                report.changed.append(rel)
            else:
                report.checked += 1
    except (OSError, ValueError, KeyError, TypeError) as e:
        report.errors.append(_("{path}: unreadable manifest ({error})", path=mpath, error=type(e).__name__ + ": " + str(e)))
        return report
    for rel in _walk(out, "", report, listed):
        if rel in (MANIFEST, MANIFEST_HASH) or rel in listed:
            continue
        if rel.rsplit("/", 1)[-1] == DONE:
            _check_done(out, rel, entries, report)
            continue
        report.extra.append(rel)
    return report


def _entry_key(entry: Any) -> str:
    return json.dumps(entry, ensure_ascii=False, sort_keys=True)


def _files_and_packets(path: Path, entries: IdSet) -> Iterator[dict[str, Any]]:
    """The manifest's ``files`` entries, streamed; its ``packets`` go into ``entries`` on the way."""
    seen = False
    for key, entry in iter_json_lists(path):
        if key == "packets":
            entries.add(_entry_key({"packet": entry["name"], "key": entry["key"]}))
        elif key == "files":
            seen = True
            yield entry
    if not seen:
        raise ValueError("no files list")


def _check_manifest_hash(out: Path, report: VerifyReport) -> None:
    """``manifest.json.sha256`` holds the manifest's own sha256."""
    hpath = out / MANIFEST_HASH
    try:
        recorded = hpath.read_text(encoding="utf-8").split()[0] if not hpath.is_symlink() else ""
    except (OSError, ValueError, IndexError):
        report.errors.append(_("{path}: missing or unreadable: the manifest's own hash cannot be checked (re-run "
                               "docforge bundle with the same options to write it)", path=hpath))
        return
    if recorded != sha256_file(out / MANIFEST):
        report.changed.append(Explained(_("{manifest} (its sha256 differs from {hash}: the manifest was edited)",
                                manifest=MANIFEST, hash=MANIFEST_HASH)))


def _check_done(out: Path, rel: str, entries: IdSet, report: VerifyReport) -> None:
    """A packet's ``.done`` record says what the manifest says of that packet: its name and key,
    and each of its files' entries (path, hash, pages, contents …) exactly."""
    folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
    try:
        record = json.loads((out / rel).read_text(encoding="utf-8"))
        if record["packet"] != folder or _entry_key({"packet": record["packet"], "key": record["key"]}) not in entries:
            report.changed.append(Explained(_("{path} (its packet or key differs from {manifest})", path=rel,
                                              manifest=MANIFEST)))
            return
        bad = [f["path"] for f in record["files"]
               if _entry_key(f) not in entries or f["path"].rsplit("/", 1)[0] != folder]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        report.changed.append(Explained(_("{path} (unreadable: {why})", path=rel, why=type(e).__name__)))
        return
    if bad:
        report.changed.append(Explained(_("{path} (says of {n} file(s) other than {manifest} does, e.g. {example})", path=rel,
                                n=len(bad), manifest=MANIFEST, example=bad[0])))
