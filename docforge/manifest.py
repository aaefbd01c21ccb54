"""The bundle's ``manifest.json``: each warning once with the households counted, the long lists
(inputs, households, packets) spilled to JSON-lines files while the run goes, and the manifest
streamed out of them and the packets' ``.done`` records at the end (nothing per household kept in
memory).

The manifest (format 2): ``format, docforge, plugins, as_of, draft, sign_fields, formats``;
``inputs`` (role village / roster / household, path, sha256); ``totals`` (households, packets,
documents, pages, files, warnings, skipped_rows); ``roster`` (roster runs: the file as read and its
warnings, each once with the rows counted); ``warnings`` (each once: the first household, the number
of households); ``skipped`` (roster rows left out: row, household_id, reasons); ``households`` (per
household in order: id, its roster row or file, its packet or null, agreements, the reason for
each, and the plugin that selected them); ``packets`` (name, household, title, key); ``files`` (per
file: path, kind, household, copy, pages, sha256, and a packet PDF's contents).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from . import __version__
from .errors import ConversionError
from .fsutil import fsync_dir, sha256_file, sync_filesystem, write_atomic, write_json_stream
from .i18n import _, pair, using
from .i18n import fields as text_fields
from .models import Document, Finding, document_name
from .packet import MANIFEST, MANIFEST_FORMAT, MANIFEST_HASH, BundleOptions, Totals, read_done
from .resolve import Resolver


def plugins_entry(resolver: Resolver) -> list[dict[str, Any]]:
    """The manifest's ``plugins``: each plugin's name, version, distribution (and load error)."""
    out = []
    for info in sorted(resolver.pm.infos.values(), key=lambda i: i.name):
        d: dict[str, Any] = {"name": info.name, "version": info.version, "distribution": info.distribution,
                             "default": info.default}
        if info.error:
            d["error"] = info.error
        out.append(d)
    return out


def findings_entries(docs: Iterable[Document]) -> list[dict[str, Any]]:
    """The documents' findings and notices as the manifest's warnings list them."""
    # a finding (or a notice, which is not a legal finding and says so) as a person reads it, in English and
    # in Chinese: the manifest does not depend on the locale
    return [{**f.model_dump(mode="json", exclude_none=True), **text_fields("message", pair(*finding_lines(f, notice)))}
            for d in docs for f, notice in [*((x, False) for x in d.findings), *((x, True) for x in d.notices)]]


def finding_lines(f: Finding, notice: bool) -> tuple[str, str]:
    """A finding or notice as one line, in English and in Chinese."""
    out = []
    for lang in ("en", "zh"):
        with using(lang):
            if notice:
                reason = f.reason_zh if lang == "zh" and f.reason_zh else f.reason
                where = f"{document_name(f.document) if f.document else '-'} {f.clause or ''}"
                out.append(_("notice: {where}: {reason}", where=where, reason=reason))
            else:
                out.append(f.line())
    return out[0], out[1]


class Warnings:
    """The documents' findings, each (check, document, clause) once, with the number of households
    whose documents have it and the first of them."""

    def __init__(self) -> None:
        self.entries: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._last: dict[tuple[Any, ...], str | None] = {}

    def add(self, findings: list[dict[str, Any]], household: str | None) -> None:
        for f in findings:
            key = (f["check"], f.get("document"), f.get("clause"))
            entry = self.entries.get(key)
            if entry is None:
                entry = self.entries[key] = {"household": household, "households": 0, **f}
                self._last[key] = None
            if household is not None and self._last[key] != household:
                entry["households"] += 1
                self._last[key] = household

    def as_list(self) -> list[dict[str, Any]]:
        return list(self.entries.values())


class Spill:
    """The manifest's long lists, one JSON line an entry, in the bundle's temporary area until
    the manifest is written."""

    SECTIONS = ("inputs", "households", "packets")

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir()
        self._files: dict[str, IO[str]] = {s: open(folder / f"{s}.jsonl", "w", encoding="utf-8")
                                           for s in self.SECTIONS}

    def add(self, section: str, entry: dict[str, Any]) -> None:
        self._files[section].write(json.dumps(entry, ensure_ascii=False) + "\n")

    def read(self, section: str) -> Iterator[dict[str, Any]]:
        self._files[section].flush()
        with open(self.folder / f"{section}.jsonl", encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)

    def close(self) -> None:
        for f in self._files.values():
            f.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def write_manifest(out: Path, options: BundleOptions, common: dict[str, Any], totals: Totals, spill: Spill,
                   warnings: Warnings, roster_summary: dict[str, Any] | None,
                   skipped: list[dict[str, Any]]) -> None:
    """Stream ``out/manifest.json`` out of the spilled lists and the packets' ``.done`` records,
    after syncing the file system (the packets are on disk before the manifest says so)."""
    totals.skipped_rows = len(skipped)
    totals.warnings = len(warnings.entries) + len(roster_summary["warnings"] if roster_summary else [])

    def files() -> Iterator[dict[str, Any]]:
        for p in spill.read("packets"):
            record = read_done(out / p["name"])
            if record is None or record.get("key") != p["key"]:
                raise ConversionError(_("{packet}: its .done record is missing or stale; re-run the same "
                                        "command to finish the bundle", packet=p["name"]))
            yield from record["files"]

    manifest: list[tuple[str, Any]] = [
        ("format", MANIFEST_FORMAT), ("docforge", __version__), ("plugins", common["plugins"]),
        ("as_of", common["as_of"]),
        *([("compare_from", options.compare_from.isoformat())] if options.compare_from else []),
        ("draft", options.draft), ("sign_fields", options.sign_fields),
        ("formats", list(options.formats)), ("inputs", spill.read("inputs")),
        ("totals", totals.recorded(options.pdf)),
    ]
    if roster_summary is not None:
        manifest.append(("roster", roster_summary))
    manifest += [("warnings", warnings.as_list()), ("skipped", skipped),
                 ("households", spill.read("households")), ("packets", spill.read("packets")),
                 ("files", files())]
    sync_filesystem(out)
    write_json_stream(out / MANIFEST, manifest)
    write_atomic(out / MANIFEST_HASH, f"{sha256_file(out / MANIFEST)}  {MANIFEST}\n".encode())
    fsync_dir(out)
