"""Commands for one village's documents and the law: ``render``, ``explain``, ``compare``, ``demo``,
``check``, ``law``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from .. import i18n
from ..errors import InputError
from ..i18n import _, language, ngettext
from ..models import document_name
from .base import KINDS, as_of_option, cli, encoding_option, household_option, load_inputs, optional_date, village_option


@cli.command()
@click.argument("kind", type=click.Choice(KINDS))
@village_option
@household_option
@as_of_option
@click.option("--blank", is_flag=True, help="An agreement form with the parties and term left blank to fill in.")
@click.option("--draft", is_flag=True, help="Mark every page 征求意见稿.")
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf"]),
              help="docx, or pdf (converted by LibreOffice as bundle does). Default: from the -o suffix.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="The .docx or .pdf to write.")
def render(kind: str, village_file: Path, household_file: Path | None, as_of: dt.date, blank: bool, draft: bool,
           fmt: str | None, output: Path) -> None:
    """Render one document as DOCX or PDF."""
    from ..render import output_format, write_document
    from ..resolve import Resolver

    fmt = output_format(output, fmt)
    village, household = load_inputs(village_file, household_file)
    doc = Resolver(village, as_of).document(kind, household, blank=blank)
    write_document(doc, output, fmt, draft=draft)
    for f in doc.findings:
        click.secho(f.line(), fg="yellow", err=True)
    for f in doc.notices:
        click.secho(_("notice: {reason}", reason=f.reason_zh if language() == "zh" and f.reason_zh else f.reason),
                    fg="cyan", err=True)
    click.echo(_("wrote {path}", path=output))


@cli.command()
@click.argument("kind", type=click.Choice(KINDS))
@village_option
@household_option
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def explain(kind: str, village_file: Path, household_file: Path | None, as_of: dt.date, as_json: bool) -> None:
    """Show where every article, amount and citation of a document came from."""
    from ..explain import explain_document, explain_text

    village, household = load_inputs(village_file, household_file)
    report = explain_document(village, kind, household, as_of)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(explain_text(report))


@cli.command()
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--village", "village_file", type=click.Path(path_type=Path),
              help="The village file, compared between two dates (--from, --to).")
@click.option("--from", "from_date", callback=optional_date, metavar="YYYY-MM-DD",
              help="With --village: the date of the old text (e.g. the adopted text's date).")
@click.option("--to", "to_date", callback=optional_date, metavar="YYYY-MM-DD",
              help="With --village: the date of the new text. Default: today.")
@click.option("--village-from", "village_from", type=click.Path(path_type=Path),
              help="The village file of the old text (e.g. the adopted one), compared with --village-to.")
@click.option("--village-to", "village_to", type=click.Path(path_type=Path),
              help="The village file of the new text (e.g. the committee's draft).")
@click.option("--as-of", "as_of", callback=optional_date, metavar="YYYY-MM-DD",
              help="With --village-from/--village-to: the date both texts are resolved on. Default: today.")
@household_option
@click.option("--all", "show_all", is_flag=True, help="List unchanged articles too (the whole text side by side).")
@click.option("--format", "fmt", type=click.Choice(["docx", "pdf"]),
              help="What to write. Default: from the -o file's suffix, else docx.")
@click.option("--draft", is_flag=True, help="Mark every page 征求意见稿.")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              help="The file to write. Default: KIND-comparison.docx (or .pdf).")
def compare(kind: str, village_file: Path | None, from_date: dt.date | None, to_date: dt.date | None,
            village_from: Path | None, village_to: Path | None, as_of: dt.date | None,
            household_file: Path | None, show_all: bool, fmt: str | None, draft: bool, output: Path | None) -> None:
    """The 修订对照表 (原条文 | 修订后条文 | 修订依据) of a document: one village file on two dates
    (--village FILE --from DATE [--to DATE]) or two village files on one date (--village-from FILE
    --village-to FILE [--as-of DATE]). Articles are matched by clause id, not by number."""
    from ..compare import compare_villages
    from ..inputs import load_household, load_village
    from ..render import filters
    from ..render.comparison import write_comparison

    if village_file is not None:
        if village_from or village_to:
            raise click.UsageError(_("give --village FILE (one file on two dates) or --village-from FILE and "
                                     "--village-to FILE (two files on one date), not both"))
        if as_of is not None:
            raise click.UsageError(_("--as-of goes with --village-from/--village-to; with --village give --from "
                                     "DATE and --to DATE"))
        if from_date is None:
            raise click.UsageError(_("--village needs --from DATE: the date of the old text, e.g. --from 2006-07-24"))
        to_date = to_date or dt.date.today()
        if from_date >= to_date:
            raise click.UsageError(_("--from {from_date} must be before --to {to_date}: the old text's date first",
                                     from_date=from_date.isoformat(), to_date=to_date.isoformat()))
        old_file = new_file = village_file
        old_on, new_on = from_date, to_date
        old_source = f"{filters.cn_date(old_on)}文本"
        new_source = f"{filters.cn_date(new_on)}文本"
    elif village_from is not None and village_to is not None:
        if from_date is not None or to_date is not None:
            raise click.UsageError(_("--from/--to go with --village; two village files are compared on one date: "
                                     "give --as-of DATE"))
        old_file, new_file = village_from, village_to
        old_on = new_on = as_of or dt.date.today()
        old_source = f"{village_from}（{filters.cn_date(old_on)}）"
        new_source = f"{village_to}（{filters.cn_date(new_on)}）"
    else:
        raise click.UsageError(_("give --village FILE --from DATE [--to DATE], or --village-from FILE "
                                 "--village-to FILE [--as-of DATE]"))
    if output is None:
        fmt = fmt or "docx"
        output = Path(f"{kind}-comparison.{fmt}")
    else:
        suffix = output.suffix.lower().lstrip(".")
        if fmt is None:
            fmt = "pdf" if suffix == "pdf" else "docx"
        if suffix != fmt:
            raise click.UsageError(_("-o {output}: --format {format} writes a .{format} file; name it {name}",
                                     output=output, format=fmt, name=output.with_suffix("." + fmt).name))
    household = load_household(household_file) if household_file else None
    comparison, _old, new = compare_villages(
        kind, load_village(old_file), old_on, load_village(new_file), new_on, household=household,
        include_unchanged=show_all, old_source=old_source, new_source=new_source)
    write_comparison(comparison, output, fmt, draft=draft)
    for f in new.findings:
        click.secho(f.line(), fg="yellow", err=True)
    for row in comparison.rows:
        where = row.new_label or row.old_label or row.id
        click.echo(f"  {row.description} {where} ({row.id})")
    click.echo(_("wrote {output}: {title}, {summary}", output=output, title=comparison.title,
                 summary=comparison.summary()))


@cli.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Folder to write into.")
@as_of_option
def demo(output: Path, as_of: dt.date) -> None:
    """A full bundle (DOCX and PDF) of the example village and all its example households."""
    from ..demo import run_demo

    for line in run_demo(output, as_of):
        click.echo(line)


@cli.command()
@village_option
@click.option("--roster", "roster_file", type=click.Path(path_type=Path),
              help="A household roster (.xlsx or .csv) to validate as well.")
@as_of_option
@click.option("--strict", is_flag=True, help="Treat legal findings as errors (exit code 2).")
@click.option("--problems", "problems_file", type=click.Path(path_type=Path),
              help="Write the roster rows with their problems to this .xlsx, to correct and feed back.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@encoding_option
def check(village_file: Path, roster_file: Path | None, as_of: dt.date, strict: bool,
          problems_file: Path | None, as_json: bool, encoding: str | None) -> None:
    """Legal findings of the village's documents on --as-of, and the roster's problems."""
    from ..errors import LegalFindingError
    from ..inputs import load_village
    from ..law import check_documents, not_offered

    village = load_village(village_file)
    result = check_documents(village, as_of)
    findings = result.findings
    notices = [n for d in result.documents for n in d.notices]
    absent = not_offered(village, as_of)
    if strict:
        findings = [f.model_copy(update={"severity": "error"}) for f in findings]
    roster_report = None
    if roster_file is not None:
        from ..roster import check_roster

        roster_report = check_roster(village, roster_file, as_of, encoding)
        if problems_file is not None:
            from ..roster import write_problem_sheet

            write_problem_sheet(roster_report, None, problems_file)
    if as_json:
        out = {"as_of": as_of.isoformat(), "findings": [{**f.model_dump(mode="json"), "text": f.line()} for f in findings],
               "notices": [f.model_dump(mode="json") for f in notices], "not_offered": absent,
               "checked": [d.kind.value for d in result.documents],
               "not_checked": [n.as_dict() for n in result.not_checked]}
        if roster_report is not None:
            out["roster"] = "\0"  # its problems streamed in place: memory does not grow with them
        before, _placeholder, after = json.dumps(out, ensure_ascii=False, indent=2).partition('"\\u0000"')
        click.echo(before, nl=False)
        for chunk in roster_report.json_chunks() if roster_report is not None else ():
            click.echo(chunk, nl=False)
        click.echo(after)
    else:
        click.echo(ngettext("Legal findings as of {date}: {n}", "Legal findings as of {date}: {n}", len(findings),
                            date=i18n.date_text(as_of), n=len(findings)) if findings else
                   _("Legal findings as of {date}: none", date=i18n.date_text(as_of)))
        for f in findings:
            click.secho("  " + f.line(), fg="red" if f.severity == "error" else "yellow")
            if f.reason_zh and i18n.language() != "zh":  # the Chinese reason for the English reader too
                click.echo("      " + f.reason_zh)
        if notices:
            click.echo(_("Notices (not legal findings): {n}", n=len(notices)))
            for f in notices:
                why = f.reason_zh if language() == "zh" and f.reason_zh else f.reason
                where = " ".join(x for x in (document_name(f.document) if f.document else None, f.clause) if x)
                click.secho("  " + _("{where}: {problem}", where=where or "-", problem=why), fg="cyan")
        for kind, why in absent.items():
            click.echo(_("Not offered: {kind}: {reason}", kind=document_name(kind), reason=why))
        if result.not_checked:
            click.echo(_("Checked: {checked}. Not checked (values no installed plugin supplies for this village):",
                         checked=_(", ").join(document_name(d.kind) for d in result.documents) or _("none")))
            for n in result.not_checked:
                click.secho("  " + n.line(), fg="yellow")
        if roster_report is not None:
            for line in roster_report.lines(limit=200):  # --problems or --json: every one
                click.echo(line)
            if problems_file is not None:
                click.echo(_("wrote {path} (the rows with their problems; correct and feed it back)",
                             path=problems_file))
    if roster_report is not None and not roster_report.ok:
        raise InputError(ngettext("{file}: {n} problem to correct (listed above)",
                                  "{file}: {n} problems to correct (listed above)", roster_report.error_count,
                                  file=roster_file, n=roster_report.error_count))
    if strict and findings:
        raise LegalFindingError(ngettext("{n} legal finding under --strict (listed above)",
                                         "{n} legal findings under --strict (listed above)", len(findings),
                                         n=len(findings)))


@cli.command()
@as_of_option
@click.option("--village", "village_file", type=click.Path(path_type=Path),
              help="Only the instruments of this village's jurisdictions.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def law(as_of: dt.date, village_file: Path | None, as_json: bool) -> None:
    """The instruments and versions in force on --as-of, with the plugin that supplied each."""
    from ..inputs import load_village
    from ..law import instruments_on

    village = load_village(village_file) if village_file else None
    rows = [x.as_dict() for x in instruments_on(as_of, village)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(_("In force on {date}:", date=i18n.date_text(as_of)))
    for r in rows:
        since = i18n.date_text(dt.date.fromisoformat(r["effective_from"])) if r["effective_from"] else "-"
        period = (_("from {start} to {end}", start=since, end=i18n.date_text(dt.date.fromisoformat(r["effective_to"])))
                  if r["effective_to"] else _("from {start}", start=since))
        approx = " " + _("(dates approximate)") if r.get("certainty") == "approximate" else ""
        click.echo("  " + _("《{name}》 {version} ({period})", name=r["name"], version=r["version"], period=period)
                   + approx + f"  [{r['plugin']} {r['plugin_version'] or ''} @ {r['jurisdiction']}]")
