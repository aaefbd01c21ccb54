"""``docforge bundle --county DIR``: a bundle for each village of a county, and a summary.

``DIR`` holds one folder per village, each with its village file (``village.yaml``, ``.yml`` or
``.json``) and one roster (.xlsx or .csv), as ``docforge example-county`` writes them. Each village
is bundled into ``OUT/<folder>/`` (see :mod:`docforge.bundle`); a village that fails (a roster with
errors and no ``--skip-bad-rows``, a plugin missing for its county …) is reported by name and the
others still complete. ``OUT/county-summary.json`` records each village's outcome and the totals.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .bundle import build_bundle
from .errors import DocforgeError, InputError
from .fsutil import fsync_dir, json_bytes, sha256_file, write_atomic
from .i18n import gettext as _
from .packet import BundleOptions, BundleReport, Totals
from .progress import Reporter
from .sources import RosterHouseholds

if TYPE_CHECKING:
    from .render.pdfpool import Pool

COUNTY_SUMMARY = "county-summary.json"
SUMMARY_FORMAT = 1
VILLAGE_FILES = ("village.yaml", "village.yml", "village.json")
ROSTER_SUFFIXES = (".xlsx", ".xlsm", ".csv")


@dataclass
class VillageFolder:
    """A village folder of the county: its village file and roster, or what is wrong with it."""

    folder: str
    village_file: Path | None = None
    roster: Path | None = None
    problem: str | None = None


@dataclass
class VillageOutcome:
    folder: str
    village: str | None  # the village's name, when its file could be read
    report: BundleReport | None = None
    error: str | None = None
    exit_code: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class CountyReport:
    out: Path
    villages: list[VillageOutcome] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)

    @property
    def failed(self) -> list[VillageOutcome]:
        return [v for v in self.villages if not v.ok]

    @property
    def exit_code(self) -> int:
        """0 if every village was bundled; else 2 if any failed for its input, 1 otherwise."""
        codes = {v.exit_code for v in self.failed}
        return 0 if not codes else 2 if 2 in codes else max(codes)


def find_villages(county: Path, out: Path | None = None) -> list[VillageFolder]:
    """The village folders of ``county`` in name order (hidden folders, and ``out`` if it is one of
    them, left out)."""
    if not county.is_dir():
        raise InputError(_("{path}: no such folder; --county takes a folder holding one folder per village", path=county))
    skip = out.resolve() if out is not None else None
    found = []
    for d in sorted(p for p in county.iterdir() if p.is_dir() and not p.name.startswith(".") and p.resolve() != skip):
        v = VillageFolder(d.name)
        files = sorted(p for p in d.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))
        villages = [p for p in files if p.name.lower() in VILLAGE_FILES]
        rosters = [p for p in files if p.suffix.lower() in ROSTER_SUFFIXES]
        if len(villages) != 1:
            v.problem = (_("{path}: no village file (village.yaml, village.yml or village.json)", path=d)
                         if not villages else
                         _("{path}: {n} village files ({names}); keep one", path=d, n=len(villages),
                           names=", ".join(p.name for p in villages)))
        elif len(rosters) != 1:
            v.problem = (_("{path}: no roster (.xlsx or .csv)", path=d) if not rosters else
                         _("{path}: {n} rosters ({names}); keep one in the folder", path=d, n=len(rosters),
                           names=", ".join(p.name for p in rosters)))
        else:
            v.village_file, v.roster = villages[0], rosters[0]
        found.append(v)
    if not found:
        raise InputError(_("{path}: no village folders; --county takes a folder holding one folder per village, "
                           "each with village.yaml and a roster (`docforge example-county` writes one)", path=county))
    return found


def _village_name(path: Path | None) -> str | None:
    from .inputs import load_village

    if path is None:
        return None
    try:
        return load_village(path).village.name
    except DocforgeError:
        return None


def build_county(county: Path | str, out: Path | str, options: BundleOptions, *, skip_bad_rows: bool = False,
                 reporter: Reporter | None = None, roster_encoding: str | None = None) -> CountyReport:
    """Bundle every village of ``county`` into ``out/<folder>/`` and write ``out/county-summary.json``
    (CSV rosters read in ``roster_encoding`` when given)."""
    county, out = Path(county), Path(out)
    reporter = reporter or Reporter()
    folders = find_villages(county, out)
    if out.exists() and not out.is_dir():
        raise InputError(_("{path}: exists and is not a folder; give -o a new or empty folder", path=out))
    out.mkdir(parents=True, exist_ok=True)
    (out / COUNTY_SUMMARY).unlink(missing_ok=True)  # written anew at the end
    report = CountyReport(out)
    reporter.villages(len(folders))
    with contextlib.ExitStack() as stack:
        # One LibreOffice pool for the whole county: its instances start once, not once per village.
        pool = None
        if options.pdf:
            from .render.pdfpool import Pool

            pool = stack.enter_context(Pool(options.jobs, options.timeout))
        for v in folders:
            county_village(v, out, report, reporter, pool, options, skip_bad_rows, roster_encoding)
    write_summary(report, county, options, skip_bad_rows)
    return report


def county_village(v: VillageFolder, out: Path, report: CountyReport, reporter: Reporter, pool: Pool | None,
                   options: BundleOptions, skip_bad_rows: bool, roster_encoding: str | None = None) -> None:
    """One village of a county run: bundled, or named as failed (the others go on)."""
    outcome = VillageOutcome(v.folder, _village_name(v.village_file))
    label = f"{v.folder} ({outcome.village})" if outcome.village else v.folder
    try:
        if v.problem:
            raise InputError(v.problem)
        assert v.village_file is not None and v.roster is not None
        outcome.report = build_bundle(v.village_file, RosterHouseholds(v.roster, skip_bad_rows, roster_encoding), out / v.folder,
                                      options, reporter=reporter, label=v.folder, pool=pool)
    except DocforgeError as e:
        outcome.error, outcome.exit_code = str(e), e.exit_code
        reporter.log(_("{label}: FAILED: {error}", label=label, error=e))
    else:
        t = outcome.report.totals
        report.totals.add(t)
        reporter.log(_("{label}: {households} households, {packets} packets, {documents} documents, {skipped} skipped "
                       "rows -> {path}", label=label, households=t.households, packets=t.packets,
                       documents=t.documents, skipped=t.skipped_rows, path=out / v.folder))
    report.villages.append(outcome)
    reporter.village_done()


def write_summary(report: CountyReport, county: Path, options: BundleOptions, skip_bad_rows: bool) -> None:
    """Write ``county-summary.json``: each village's outcome and the totals."""
    pdf = options.pdf
    villages = []
    for v in report.villages:
        d: dict[str, Any] = {"folder": v.folder, "village": v.village, "status": "ok" if v.ok else "failed"}
        if v.report is not None:
            d["manifest"] = f"{v.folder}/manifest.json"
            d["manifest_sha256"] = sha256_file(report.out / v.folder / "manifest.json")
            d["totals"] = v.report.totals.recorded(pdf)
        else:
            d["error"] = v.error
            d["exit_code"] = v.exit_code
        villages.append(d)
    summary = {
        "format": SUMMARY_FORMAT, "docforge": __version__, "county": str(county), "as_of": options.as_of.isoformat(),
        "formats": list(options.formats), "draft": options.draft, "sign_fields": options.sign_fields,
        "skip_bad_rows": skip_bad_rows,
        "totals": {"villages": len(report.villages), "failed": len(report.failed), **report.totals.recorded(pdf)},
        "failed": [v.folder for v in report.failed],
        "villages": villages,
    }
    write_atomic(report.out / COUNTY_SUMMARY, json_bytes(summary))
    fsync_dir(report.out)
