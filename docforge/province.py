"""``docforge bundle --province DIR``: every county of a province, and ``province-summary.json``;
``docforge verify`` of a county's or a province's whole output tree.

``DIR`` holds one folder per county, each a folder of village folders as ``--county`` reads them
(:mod:`docforge.county`). County ``C`` is bundled into ``OUT/C/`` exactly as ``docforge bundle
--county DIR/C -o OUT/C`` would (its villages in ``OUT/C/<village>/`` and ``OUT/C/county-summary.json``),
here one county after another, or on a Dask cluster with ``--cluster`` (:mod:`docforge.cluster`,
the same bytes). A county whose folder holds no village folder is named as failed; the others still
complete. ``OUT/province-summary.json`` records the counties, villages, households, documents,
pages, failures and the time the run took.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .county import COUNTY_SUMMARY, CountyReport, build_county
from .errors import DocforgeError, InputError
from .fsutil import json_bytes, sha256_file
from .i18n import _
from .output import Output, SharedFolder
from .packet import MANIFEST, BundleOptions, Totals
from .progress import Reporter
from .verify import VerifyReport, verify_bundle

PROVINCE_SUMMARY = "province-summary.json"
SUMMARY_FORMAT = 1


@dataclass
class CountyOutcome:
    """A county of a province run: its report, or why it could not be run at all."""

    folder: str
    report: CountyReport | None = None
    error: str | None = None
    exit_code: int = 0


@dataclass
class ProvinceReport:
    out: Path
    counties: list[CountyOutcome] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)
    seconds: float = 0.0

    @property
    def villages(self) -> int:
        return sum(len(c.report.villages) for c in self.counties if c.report is not None)

    @property
    def failed(self) -> list[str]:
        """The failed counties and villages, as ``county`` or ``county/village``."""
        out = []
        for c in self.counties:
            if c.report is None:
                out.append(c.folder)
            else:
                out += [f"{c.folder}/{v.folder}" for v in c.report.failed]
        return out

    @property
    def exit_code(self) -> int:
        codes = {c.exit_code for c in self.counties if c.report is None}
        codes |= {c.report.exit_code for c in self.counties if c.report is not None} - {0}
        codes.discard(0)
        return 0 if not codes else 2 if 2 in codes else max(codes)


def find_counties(province: Path, out: Path | None = None) -> list[Path]:
    """The county folders of ``province`` in name order (hidden folders, and ``out`` if it is one of
    them, left out)."""
    if not province.is_dir():
        raise InputError(_("{province}: no such folder; --province takes a folder holding one folder per county, "
                           "each holding one folder per village", province=province))
    skip = out.resolve() if out is not None else None
    found = sorted(p for p in province.iterdir() if p.is_dir() and not p.name.startswith(".") and p.resolve() != skip)
    if not found:
        raise InputError(_("{province}: no county folders; --province takes a folder holding one folder per county, "
                           "each as --county reads it (`docforge example-county -o {province}/<county>` writes one)",
                           province=province))
    return found


def prepare_out(out: Path) -> None:
    """The run's output folder, made; its province summary removed (written anew at the end)."""
    if out.exists() and not out.is_dir():
        raise InputError(_("{out}: exists and is not a folder; give -o a new or empty folder", out=out))
    out.mkdir(parents=True, exist_ok=True)
    (out / PROVINCE_SUMMARY).unlink(missing_ok=True)


def build_province(province: Path | str, out: Path | str, options: BundleOptions, *, skip_bad_rows: bool = False,
                   reporter: Reporter | None = None, roster_encoding: str | None = None) -> ProvinceReport:
    """Bundle every county of ``province`` into ``out/<county>/`` on this machine, one after another,
    and write ``out/province-summary.json``."""
    province, out = Path(province), Path(out)
    started = time.monotonic()
    reporter = reporter or Reporter()
    counties = find_counties(province, out)
    prepare_out(out)
    report = ProvinceReport(out)
    for county in counties:
        outcome = CountyOutcome(county.name)
        try:
            outcome.report = build_county(county, out / county.name, options, skip_bad_rows=skip_bad_rows,
                                          reporter=reporter, roster_encoding=roster_encoding)
        except DocforgeError as e:
            outcome.error, outcome.exit_code = str(e), e.exit_code
            reporter.log(_("{county}: FAILED: {error}", county=county.name, error=e))
        else:
            report.totals.add(outcome.report.totals)
        report.counties.append(outcome)
    report.seconds = time.monotonic() - started
    write_province_summary(report, province, options, skip_bad_rows, SharedFolder(out))
    return report


def write_province_summary(report: ProvinceReport, province: Path, options: BundleOptions, skip_bad_rows: bool,
                           output: Output, cluster: dict[str, Any] | None = None) -> None:
    """Write ``province-summary.json``: each county's outcome (its villages in its county summary), the
    totals, the failures and the time the run took."""
    pdf = options.pdf
    counties = []
    for c in report.counties:
        d: dict[str, Any] = {"folder": c.folder, "status": "ok" if c.report is not None and not c.report.failed else
                             "failed"}
        if c.report is not None:
            d["summary"] = f"{c.folder}/{COUNTY_SUMMARY}"
            d["summary_sha256"] = sha256_file(output.path(d["summary"]))
            d["villages"] = len(c.report.villages)
            d["failed"] = [v.folder for v in c.report.failed]
            d["totals"] = c.report.totals.recorded(pdf)
        else:
            d["error"] = c.error
            d["exit_code"] = c.exit_code
        counties.append(d)
    summary = {
        "format": SUMMARY_FORMAT, "docforge": __version__, "province": str(province), "as_of": options.as_of.isoformat(),
        "formats": list(options.formats), "draft": options.draft, "sign_fields": options.sign_fields,
        "skip_bad_rows": skip_bad_rows,
        "totals": {"counties": len(report.counties), "villages": report.villages, "failed": len(report.failed),
                   **report.totals.recorded(pdf)},
        "failed": report.failed,
        "seconds": round(report.seconds, 1),
        "finished": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "cluster": cluster,
        "counties": counties,
    }
    output.write(PROVINCE_SUMMARY, json_bytes(summary))


# --------------------------------------------------------------------------- verify a whole tree


@dataclass
class TreeReport:
    """``docforge verify`` of a county's or a province's output: each village's bundle checked
    against its manifest, and each summary against what it lists."""

    out: Path
    bundles: list[tuple[str, VerifyReport]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and all(r.ok for _rel, r in self.bundles)

    def lines(self) -> list[str]:
        out = [f"error: {p}" for p in self.problems]
        checked = 0
        for rel, r in self.bundles:
            checked += r.checked
            if not r.ok:
                out += [f"{rel}: {line}" for line in r.lines()]
        bad = len(self.problems) + sum(not r.ok for _rel, r in self.bundles)
        if bad:
            out.append(_("{out}: {bad} problem(s) in {bundles} bundle(s) checked", out=self.out, bad=bad,
                         bundles=len(self.bundles)))
        else:
            out.append(_("ok: {bundles} bundle(s), {files} files match their manifests", bundles=len(self.bundles),
                         files=checked))
        return out


def is_tree(directory: Path) -> bool:
    """Whether ``directory`` is a county's or a province's output (a summary and no manifest)."""
    return not (directory / MANIFEST).exists() and (
        (directory / PROVINCE_SUMMARY).exists() or (directory / COUNTY_SUMMARY).exists())


def verify_tree(directory: Path) -> TreeReport:
    """Verify every village bundle of a county's (``county-summary.json``) or a province's
    (``province-summary.json``) output, each summary's hashes, and that the summaries name every
    folder there is and record no failed village."""
    directory = Path(directory)
    report = TreeReport(directory)
    if (directory / PROVINCE_SUMMARY).exists():
        summary = _read(directory / PROVINCE_SUMMARY, report)
        if summary is None:
            return report
        listed = set()
        for c in summary.get("counties", []):
            listed.add(c["folder"])
            if c.get("summary") is None:
                report.problems.append(_("{county}: the county failed in the run ({error}); run the same command again",
                                         county=c["folder"], error=(c.get("error") or "").splitlines()[0]))
                continue
            path = directory / c["summary"]
            if not path.is_file() or sha256_file(path) != c.get("summary_sha256"):
                report.problems.append(_("{path}: missing, or its sha256 differs from {summary}", path=c["summary"],
                                         summary=PROVINCE_SUMMARY))
                continue
            _verify_county(directory / c["folder"], c["folder"] + "/", report)
        _extra_folders(directory, listed, "", report)
    else:
        _verify_county(directory, "", report)
    return report


def _read(path: Path, report: TreeReport) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data
    except (OSError, ValueError) as e:
        report.problems.append(_("{path}: unreadable ({why})", path=path, why=e))
        return None


def _verify_county(county: Path, prefix: str, report: TreeReport) -> None:
    summary = _read(county / COUNTY_SUMMARY, report)
    if summary is None:
        return
    listed = set()
    for v in summary.get("villages", []):
        folder = v["folder"]
        listed.add(folder)
        rel = prefix + folder
        if v.get("status") != "ok":
            report.problems.append(_("{village}: the village failed in the run ({error}); correct it and run the same "
                                     "command again", village=rel, error=(v.get("error") or "").splitlines()[0]))
            continue
        r = verify_bundle(county / folder)
        report.bundles.append((rel, r))
        if r.ok and sha256_file(county / folder / MANIFEST) != v.get("manifest_sha256"):
            manifest = rel + "/" + MANIFEST
            report.problems.append(_("{path}: its sha256 differs from {summary}", path=manifest,
                                     summary=prefix + COUNTY_SUMMARY))
    _extra_folders(county, listed, prefix, report)


def _extra_folders(folder: Path, listed: set[str], prefix: str, report: TreeReport) -> None:
    for p in sorted(folder.iterdir()):
        if p.is_dir() and p.name not in listed:
            report.problems.append(_("{path}: a folder the summary does not list", path=prefix + p.name))
