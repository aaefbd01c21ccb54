"""Commands for packets: ``bundle`` (a village, a county, a province), ``verify``, ``roster-template``,
``example-county``."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from .. import i18n
from ..errors import mask_ids
from ..i18n import N_plural, _, language, ngettext
from .base import as_of_option, cli, encoding_option, optional_date


def _default_jobs() -> int:
    import os

    return max(1, min(4, os.cpu_count() or 1))


def _reporter():
    """A progress bar where stderr is a terminal, plain lines on stdout anywhere else."""
    if sys.stderr.isatty():
        from ..progress import ProgressBar

        return ProgressBar()
    from ..progress import Reporter

    return Reporter(click.echo)


#: counted words of the bundle's output lines: (singular, plural) message ids, "{n}" the count
_COUNTED = {
    "row": N_plural("{n} row", "{n} rows"), "village": N_plural("{n} village", "{n} villages"),
    "household": N_plural("{n} household", "{n} households"), "packet": N_plural("{n} packet", "{n} packets"),
    "document": N_plural("{n} document", "{n} documents"), "page": N_plural("{n} page", "{n} pages"),
    "warning": N_plural("{n} warning", "{n} warnings"),
    "skipped row": N_plural("{n} skipped row", "{n} skipped rows"), "file": N_plural("{n} file", "{n} files"),
}


def _plural(n: int, word: str) -> str:
    return ngettext(*_COUNTED[word], n, n=n)


def _echo_bundle_details(report, label: str = "", limit: int = 50) -> None:
    """What a village's run skipped and warned about, each warning once with how often it occurs."""
    at = _("{label}: ", label=label) if label else ""
    zh = i18n.language() == "zh"
    roster = report.roster
    if roster is not None:
        click.echo(at + _("roster {path}: {rows}, {households} valid households, {skipped} skipped",
                          path=roster["path"], rows=_plural(roster["rows"], "row"), households=roster["households"],
                          skipped=roster["skipped"]))
    zh = language() == "zh"
    for s in report.skipped[:limit]:
        reasons = (s.get("reasons_zh") or s["reasons"]) if zh else s["reasons"]
        click.secho(mask_ids(at + _("skipped row {row} (户编号 {household}): {reasons}", row=s["row"],
                                    household=s["household_id"] or "-", reasons=_("; ").join(reasons))),
                    fg="yellow", err=True)
    if len(report.skipped) > limit:
        click.secho(at + _("... and {n} more skipped rows (manifest.json lists them all)",
                           n=len(report.skipped) - limit), fg="yellow", err=True)
    for w in (roster or {}).get("warnings", []):
        row, column = w["first_row"], w["column"]
        where = (_("row {row}, column {column}", row=row, column=column) if row and column else
                 _("row {row}", row=row) if row else _("column {column}", column=column) if column else "")
        message = (w.get("message_zh") or w["message"]) if zh else w["message"]
        fix = (w.get("fix_zh") or w["fix"]) if zh else w["fix"]
        more = _(" (in {n} rows)", n=w["rows"]) if w["rows"] > 1 else ""
        click.secho(at + _("roster warning: {where}: {message}; fix: {fix}", where=where, message=message, fix=fix)
                    + more, fg="yellow", err=True)
    for w in report.warnings:
        n = w["households"]
        more = _("  (in {households})", households=_plural(n, "household")) if n > 1 else ""
        message = (w.get("message_zh") or w["message"]) if zh else w["message"]
        click.secho(f"{at}{message}{more}", fg="yellow", err=True)


def _summary(villages: int, totals, pdf: bool, seconds: float, failed: list[str] | None = None) -> str:
    fails = _(" ({n} failed: {folders})", n=len(failed), folders=", ".join(failed)) if failed else ""
    pages = _plural(totals.pages, "page") if pdf else _("no PDF pages (--format docx)")
    return _("summary: {villages}{failed}, {households}, {packets}, {documents}, {pages}, {warnings}, {skipped}, "
             "{seconds} s", villages=_plural(villages, "village"), failed=fails,
             households=_plural(totals.households, "household"), packets=_plural(totals.packets, "packet"),
             documents=_plural(totals.documents, "document"), pages=pages,
             warnings=_plural(totals.warnings, "warning"), skipped=_plural(totals.skipped_rows, "skipped row"),
             seconds="%.1f" % seconds)


@cli.command()
@click.option("--village", "village_file", type=click.Path(path_type=Path), help="The village file (YAML or JSON).")
@click.option("--household", "household_files", multiple=True, type=click.Path(path_type=Path),
              help="A household file (YAML or JSON); repeat for each household.")
@click.option("--roster", "roster_file", type=click.Path(path_type=Path),
              help="The village's household roster (.xlsx or .csv), read row by row.")
@click.option("--skip-bad-rows", is_flag=True,
              help="Leave out roster rows with errors (listed in the output and the manifest) instead of "
                   "refusing the roster.")
@click.option("--county", "county_dir", type=click.Path(path_type=Path),
              help="A folder with one folder per village (its village.yaml and one roster): a bundle for each "
                   "in -o DIR/<folder>/, and DIR/county-summary.json.")
@click.option("--province", "province_dir", type=click.Path(path_type=Path),
              help="A folder with one folder per county, each as --county reads it: each county in -o DIR/<county>/, "
                   "and DIR/province-summary.json.")
@click.option("--cluster", metavar="local[:N]|tcp://HOST:PORT",
              help="Run --county or --province on a Dask cluster: local:N starts N worker processes here, "
                   "tcp://HOST:PORT uses a running scheduler (docs/cluster.md). Needs docforge[cluster].")
@click.option("--retries", type=click.IntRange(min=0), default=2, show_default=True,
              help="With --cluster local: times a village is tried again when its worker dies.")
@as_of_option
@click.option("--format", "formats", default="docx,pdf", show_default=True, metavar="LIST",
              help="What to write: docx, pdf or both (comma-separated).")
@click.option("--draft", is_flag=True, help="Mark every page 征求意见稿 (a draft for discussion).")
@click.option("--sign-fields", is_flag=True, help="Add empty PDF signature fields at the signature lines.")
@click.option("--jobs", type=click.IntRange(min=1), default=_default_jobs, show_default="CPUs, at most 4",
              help="LibreOffice workers converting to PDF (a DOCX-only run: worker processes rendering).")
@click.option("--round-size", type=click.IntRange(min=1), default=200, show_default=True,
              help="Documents converted per LibreOffice round; the packets of a finished round survive "
                   "an interruption.")
@click.option("--compare-from", "compare_from", callback=optional_date, metavar="YYYY-MM-DD",
              help="Add to the village packet the 修订对照表 of the charter and the convention against their "
                   "text on this date (e.g. the adopted text's), before the adoption sheet.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="The bundle folder (new, empty, or an earlier bundle to finish or update).")
@encoding_option
@click.pass_context
def bundle(ctx: click.Context, village_file: Path | None, household_files: tuple[Path, ...], roster_file: Path | None,
           skip_bad_rows: bool, county_dir: Path | None, province_dir: Path | None, cluster: str | None, retries: int,
           as_of: dt.date, formats: str, draft: bool,
           sign_fields: bool, jobs: int, round_size: int, compare_from: dt.date | None, output: Path,
           encoding: str | None) -> None:
    """Signature-ready packets: the village's and one per household that signs an agreement, with
    manifest.json; for one village (--village with --roster or --household) or a county (--county)."""
    import time

    from ..bundle import build_bundle
    from ..packet import BundleOptions
    from ..sources import HouseholdFiles, RosterHouseholds

    if province_dir is not None or cluster is not None:
        if village_file or household_files or roster_file or compare_from or (province_dir and county_dir):
            raise click.UsageError(_("--province and --cluster take each village's files from its folder: give "
                                     "--county DIR or --province DIR, without --village, --household, --roster "
                                     "or --compare-from"))
        if province_dir is None and county_dir is None:
            raise click.UsageError(_("--cluster runs a county or a province: give --county DIR or --province DIR"))
        if cluster is not None and ctx.get_parameter_source("jobs") != click.core.ParameterSource.COMMANDLINE:
            jobs = 1  # with --cluster: LibreOffice instances per worker
        options = BundleOptions(as_of=as_of, formats=tuple(f.strip() for f in formats.split(",") if f.strip()),
                                draft=draft, sign_fields=sign_fields, jobs=jobs, round_size=round_size)
        ctx.exit(_bundle_tree(county_dir, province_dir, cluster, retries, output, options, skip_bad_rows, encoding))
    if county_dir is not None:
        if village_file or household_files or roster_file:
            raise click.UsageError(_("--county takes each village's files from its folder: give it without "
                                     "--village, --household or --roster"))
    elif village_file is None:
        raise click.UsageError(_("give --village FILE with --roster FILE (or --household FILE ...), or --county DIR"))
    if roster_file and household_files:
        raise click.UsageError(_("give the households as one --roster or as --household files, not both"))
    if compare_from is not None and county_dir is not None:
        raise click.UsageError(_("--compare-from applies to one village's packet: give it with --village"))
    if skip_bad_rows and not (roster_file or county_dir):
        raise click.UsageError(_("--skip-bad-rows applies to rosters: give --roster FILE or --county DIR"))
    started = time.monotonic()
    format_list = [f.strip() for f in formats.split(",") if f.strip()]
    options = BundleOptions(as_of=as_of, formats=tuple(format_list), draft=draft, sign_fields=sign_fields,
                            jobs=jobs, round_size=round_size, compare_from=compare_from)
    reporter = _reporter()
    try:
        if county_dir is not None:
            from ..county import COUNTY_SUMMARY, build_county

            county = build_county(county_dir, output, options, skip_bad_rows=skip_bad_rows, reporter=reporter,
                                  roster_encoding=encoding)
        else:
            assert village_file is not None  # refused above: --village FILE or --county DIR
            households = (RosterHouseholds(roster_file, skip_bad_rows, encoding) if roster_file is not None
                          else HouseholdFiles(household_files))
            report = build_bundle(village_file, households, output, options, reporter=reporter)
    finally:
        reporter.close()
    pdf = "pdf" in format_list
    if county_dir is None:
        _echo_bundle_details(report)
        t = report.totals
        click.echo(_("wrote {path}: {packets} ({built} built, {finished} already finished), {files}, {warnings}",
                     path=output / "manifest.json", packets=_plural(t.packets, "packet"), built=t.built,
                     finished=t.finished, files=_plural(t.files, "file"), warnings=_plural(t.warnings, "warning")))
        click.echo(_summary(1, t, pdf, time.monotonic() - started))
        return
    for v in county.villages:
        if v.report is not None:
            _echo_bundle_details(v.report, v.folder)
    for v in county.failed:
        first = (v.error or "").splitlines()[0]
        click.secho(mask_ids(_("failed: {folder}", folder=v.folder) + (f" ({v.village})" if v.village else "")
                             + _(": {error}", error=first)), fg="red", err=True)
    click.echo(_("wrote {path}", path=output / COUNTY_SUMMARY))
    click.echo(_summary(len(county.villages), county.totals, pdf, time.monotonic() - started,
                        [v.folder for v in county.failed]))
    ctx.exit(county.exit_code)


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.pass_context
def verify(ctx: click.Context, directory: Path) -> None:
    """Check a bundle against its manifest.json: missing, extra and changed files (exit 1 if any)."""
    from ..province import is_tree, verify_tree
    from ..verify import verify_bundle

    report = verify_tree(directory) if is_tree(directory) else verify_bundle(directory)
    for line in report.lines():
        click.echo(line)
    ctx.exit(0 if report.ok else 1)


def _bundle_tree(county_dir: Path | None, province_dir: Path | None, cluster: str | None, retries: int, output: Path,
                 options, skip_bad_rows: bool, encoding: str | None) -> int:
    """``bundle --province`` (here or with ``--cluster``) and ``bundle --county --cluster``: the run
    and what it prints; returns the exit code."""
    import time

    from ..county import COUNTY_SUMMARY
    from ..province import PROVINCE_SUMMARY

    started = time.monotonic()
    if cluster is not None:
        try:
            from .. import cluster as dask_run
        except ImportError as e:
            raise click.ClickException(_("--cluster needs Dask ({why}): pip install 'docforge[cluster]'", why=e)) from None
    reporter = _reporter()
    try:
        if province_dir is not None:
            if cluster is not None:
                province = dask_run.build_province_on_cluster(province_dir, output, options, cluster,
                                                              skip_bad_rows=skip_bad_rows, reporter=reporter,
                                                              roster_encoding=encoding, retries=retries)
            else:
                from ..province import build_province

                province = build_province(province_dir, output, options, skip_bad_rows=skip_bad_rows,
                                          reporter=reporter, roster_encoding=encoding)
            counties = [(f"{c.folder}/", c.report) for c in province.counties if c.report is not None]
        else:
            assert county_dir is not None and cluster is not None
            county = dask_run.build_county_on_cluster(county_dir, output, options, cluster, skip_bad_rows=skip_bad_rows,
                                                      reporter=reporter, roster_encoding=encoding, retries=retries)
            counties = [("", county)]
    except KeyboardInterrupt:
        reporter.close()
        click.secho(_("stopped: no packet is half-written; run the same command again to finish"), fg="red", err=True)
        return 130
    finally:
        reporter.close()
    for prefix, report in counties:
        for v in report.villages:
            if v.report is not None:
                _echo_bundle_details(v.report, prefix + v.folder)
    for prefix, report in counties:
        for v in report.failed:
            first = (v.error or "").splitlines()[0]
            click.secho(mask_ids(f"failed: {prefix}{v.folder}" + (f" ({v.village})" if v.village else "") + f": {first}"),
                        fg="red", err=True)
    seconds = time.monotonic() - started
    if province_dir is not None:
        for c in province.counties:
            if c.report is None:
                click.secho(mask_ids(f"failed: {c.folder}: {(c.error or '').splitlines()[0]}"), fg="red", err=True)
        click.echo(_("wrote {path}", path=output / PROVINCE_SUMMARY))
        click.echo(_summary(province.villages, province.totals, options.pdf, seconds, province.failed))
        return province.exit_code
    click.echo(_("wrote {path}", path=output / COUNTY_SUMMARY))
    click.echo(_summary(len(county.villages), county.totals, options.pdf, seconds, [v.folder for v in county.failed]))
    return county.exit_code


@cli.command("roster-template")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="The .xlsx to write.")
@click.option("--village", "village_file", type=click.Path(path_type=Path),
              help="A village file: its 村民小组 become a drop-down list.")
def roster_template(output: Path, village_file: Path | None) -> None:
    """Write an empty household roster (.xlsx) with drop-down lists and one example row."""
    from ..inputs import load_village
    from ..roster import write_template

    click.echo(_("wrote {path}", path=write_template(output, load_village(village_file) if village_file else None)))


@cli.command("example-county")
@click.option("--villages", type=click.IntRange(1), default=3, show_default=True, help="Number of villages.")
@click.option("--households", type=click.IntRange(1), default=50, show_default=True, help="Households per village.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="The same seed and as-of date write the same county.")
@as_of_option
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Folder to write into.")
def example_county(villages: int, households: int, seed: int, as_of: dt.date, output: Path) -> None:
    """Write a synthetic county of the sample plugin: per village a village.yaml and a roster."""
    from ..example_county import write_example_county

    for line in write_example_county(output, villages, households, seed, as_of):
        click.echo(line)
