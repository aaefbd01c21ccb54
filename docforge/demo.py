"""``docforge demo``: a full bundle (DOCX and PDF) of the bundled example village and households."""

from __future__ import annotations

import datetime as dt
import os
from importlib import resources
from pathlib import Path
from typing import Iterator

from .bundle import BundleOptions, InputFile, write_bundle
from .i18n import gettext as _
from .i18n import language
from .inputs import load_household, load_village


def examples_dir() -> Path:
    return Path(str(resources.files("docforge").joinpath("examples")))


def example_households() -> list[Path]:
    return sorted((examples_dir() / "households").glob("*.yaml"))


def run_demo(out: Path, as_of: dt.date, jobs: int | None = None) -> Iterator[str]:
    """Write the example bundle into ``out``; yield what was done, line by line."""
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
    lines: list[str] = []
    options = BundleOptions(as_of=as_of, jobs=jobs or max(1, min(4, os.cpu_count() or 1)))
    report = write_bundle(village, village_input, households, Path(out), options, log=lines.append)
    yield from lines
    for w in report.warnings:
        yield (w.get("message_zh") or w["message"]) if language() == "zh" else w["message"]
    yield _("wrote {path}: {packets} packets, {files} files", path=Path(out) / "manifest.json",
            packets=report.totals.packets, files=report.totals.files)
