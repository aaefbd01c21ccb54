"""``docforge demo``: the bundled example village and its households, on two dates side by side.

- ``OUT/seed-2006-07-24/``: the village packet as of the seed's date (its plan is dated 2006-07-24):
  the charter and the convention as the seed prints them. The legal findings of that date, of all
  six documents (the agreements as blank forms), are printed.
- ``OUT/today-<DATE>/`` (``as-of-<DATE>`` for a date other than today): the bundle of the village
  and its example households as of the signing date, the 修订对照表 of the charter and the
  convention against the seed's text in the village packet, before the adoption sheet
  (``bundle --compare-from 2006-07-24``); its findings are printed too.

The example households are of today (married, with children born, after 2006), so they are bundled
only on the later date. Each folder is an ordinary bundle (DOCX and PDF, ``manifest.json``).
"""

from __future__ import annotations

import datetime as dt
import os
from importlib import resources
from pathlib import Path
from typing import Iterator

from .bundle import write_bundle
from .i18n import _, date_text, language
from .inputs import load_household, load_village
from .law import check_village
from .packet import BundleOptions, InputFile

#: The date of the seed's plan: the text docforge reproduces exactly.
SEED_DATE = dt.date(2006, 7, 24)


def examples_dir() -> Path:
    return Path(str(resources.files("docforge").joinpath("examples")))


def example_households() -> list[Path]:
    return sorted((examples_dir() / "households").glob("*.yaml"))


def demo_folders(as_of: dt.date, today: dt.date | None = None) -> list[tuple[str, dt.date, dt.date | None]]:
    """(folder, as-of date, compare-from date) of each bundle the demo writes."""
    today = today or dt.date.today()
    out: list[tuple[str, dt.date, dt.date | None]] = [(f"seed-{SEED_DATE.isoformat()}", SEED_DATE, None)]
    if as_of > SEED_DATE:
        name = "today" if as_of == today else "as-of"
        out.append((f"{name}-{as_of.isoformat()}", as_of, SEED_DATE))
    return out


def run_demo(out: Path, as_of: dt.date, jobs: int | None = None) -> Iterator[str]:
    """Write the example bundles into ``out`` (see the module docstring); yield what was done,
    line by line: per date the bundle, the legal findings of the six documents, and where the
    修订对照表 are."""
    base = examples_dir()
    village_file = base / "village.yaml"
    village = load_village(village_file)
    # Inputs are named relative to the examples folder, so the manifest does not depend on where
    # docforge is installed.
    village_input = InputFile("village", "examples/village.yaml", InputFile.of("village", village_file).sha256)
    households = []
    for hf in example_households():
        h = load_household(hf)
        households.append((h, InputFile("household", f"examples/households/{hf.name}",
                                        InputFile.of("household", hf).sha256, h.id)))
    jobs = jobs or max(1, min(4, os.cpu_count() or 1))
    for folder, date, compare_from in demo_folders(as_of):
        target = Path(out) / folder
        yield _("== {village} as of {date}: {folder}", village=village.village.name, date=date_text(date),
                folder=target)
        lines: list[str] = []
        options = BundleOptions(as_of=date, jobs=jobs, compare_from=compare_from)
        signers = households if compare_from is not None else []
        report = write_bundle(village, village_input, signers, target, options, log=lines.append)
        yield from lines
        if signers:
            entries = report.manifest["households"]
            signing = sum(1 for h in entries if h.get("agreements"))
            yield _("wrote {manifest}: {packets} packets, {files} files; {signing} of {households} households sign "
                    "agreements", manifest=target / "manifest.json", packets=report.totals.packets,
                    files=report.totals.files, signing=signing, households=len(households))
        else:
            yield _("wrote {manifest}: the village packet, {files} files", manifest=target / "manifest.json",
                    files=report.totals.files)
        _docs, findings = check_village(village, date)
        yield _("legal findings as of {date}: {count}", date=date_text(date), count=len(findings) or _("none"))
        for f in findings:
            yield f"  {f.line()}"
        for w in report.warnings:  # what is not a finding but must not pass silently (a new draft …)
            if w["message"].startswith("notice"):
                yield "  " + ((w.get("message_zh") or w["message"]) if language() == "zh" else w["message"])
        if signers:  # why a household signs no agreement (each reason once)
            for reason in dict.fromkeys(r for h in entries if not h.get("agreements")
                                        for r in (h.get("reasons") or {}).values()):
                yield f"  {reason}"
        if compare_from is not None:
            yield _("the 修订对照表 ({old} → {new}): {charter}, {convention} (and in {packet})",
                    old=date_text(compare_from), new=date_text(date),
                    charter=target / "village" / "charter-comparison.docx",
                    convention=target / "village" / "convention-comparison.docx",
                    packet=target / "village" / "packet.pdf")
