"""``docforge verify DIR``: re-check a bundle against its ``manifest.json``.

Every file the manifest lists must exist with its sha256; every file in the folder must be listed
(the manifest itself and the packets' ``.done`` records excepted). A leftover ``.tmp-*`` folder
means an interrupted run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .bundle import DONE, MANIFEST, OLD_PREFIX, TMP_PREFIX, sha256_file


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
        out = [f"error: {e}" for e in self.errors]
        out += [f"missing: {p} (listed in {MANIFEST}, not in the folder)" for p in self.missing]
        out += [f"changed: {p} (its sha256 differs from {MANIFEST})" for p in self.changed]
        out += [f"extra: {p} (not listed in {MANIFEST})" for p in self.extra]
        if self.ok:
            out.append(f"ok: {self.checked} files match {MANIFEST}")
        else:
            n = len(self.missing) + len(self.changed) + len(self.extra) + len(self.errors)
            out.append(f"{n} problem{'s' * (n != 1)} in {self.out}")
        return out


def verify_bundle(out: Path) -> VerifyReport:
    out = Path(out)
    report = VerifyReport(out)
    mpath = out / MANIFEST
    if not out.is_dir():
        report.errors.append(f"{out}: no such folder")
        return report
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        files = manifest["files"]
        listed = {f["path"]: f["sha256"] for f in files}
    except FileNotFoundError:
        report.errors.append(f"{mpath}: no manifest; the bundle was not finished (re-run docforge bundle "
                             f"with the same options to finish it)")
        return report
    except (OSError, ValueError, KeyError, TypeError) as e:
        report.errors.append(f"{mpath}: unreadable manifest ({type(e).__name__}: {e})")
        return report
    for rel, digest in sorted(listed.items()):
        path = out / rel
        if not path.is_file():
            report.missing.append(rel)
        elif sha256_file(path) != digest:
            report.changed.append(rel)
        else:
            report.checked += 1
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_dir():
            if path.name.startswith((TMP_PREFIX, OLD_PREFIX)):
                report.extra.append(rel + "/ (left by an interrupted run)")
            continue
        if any(part.startswith((TMP_PREFIX, OLD_PREFIX)) for part in path.relative_to(out).parts[:-1]):
            continue
        if rel == MANIFEST or path.name == DONE or rel in listed:
            continue
        report.extra.append(rel)
    return report
