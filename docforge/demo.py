"""``docforge demo``: all six documents for the bundled example village and households."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Iterator

from .inputs import load_household, load_village
from .render.docx import write_docx
from .resolve import Resolver


def examples_dir() -> Path:
    return Path(str(resources.files("docforge").joinpath("examples")))


def example_households() -> list[Path]:
    return sorted((examples_dir() / "households").glob("*.yaml"))


def run_demo(out: Path, as_of: dt.date) -> Iterator[str]:
    village = load_village(examples_dir() / "village.yaml")
    r = Resolver(village, as_of)
    for kind in ("charter", "convention"):
        path = write_docx(r.document(kind), out / f"{kind}.docx")
        yield f"wrote {path}"
    for hf in example_households():
        h = load_household(hf)
        selection, _ = r.selection(h)
        for kind in selection.agreements:
            path = write_docx(r.document(kind, h), out / "households" / h.id / f"{kind.value}.docx")
            yield f"wrote {path}  ({selection.reasons[kind.value]})"
