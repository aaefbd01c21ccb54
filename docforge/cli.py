"""The ``docforge`` command line: click commands only; the work happens in the library."""

from __future__ import annotations

import datetime as dt
import errno
import inspect
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from . import __version__, i18n
from .errors import DocforgeError, InputError, cannot_write, mask_ids, shown
from .i18n import N_plural, _, language, ngettext
from .models import DocumentKind, document_name

KINDS = [k.value for k in DocumentKind]  # the one list of document kinds: models.DocumentKind


def _set_lang(ctx, param, value: str | None) -> str | None:
    if value:
        i18n.set_language(value)
        os.environ["DOCFORGE_LANG"] = value  # worker processes speak it too
    return value


def _lang_option() -> click.Option:
    return click.Option(["--lang"], type=click.Choice(i18n.LANGUAGES), expose_value=False, is_eager=True,
                        callback=_set_lang, metavar="zh|en",
                        help="Language of messages: zh (Chinese) or en (English). Default: DOCFORGE_LANG, "
                             "else Chinese under a zh_* locale (LC_ALL, LC_MESSAGES, LANG), else English.")


def _prescan_lang(args: list[str]) -> None:
    """Take ``--lang`` before click parses anything, so that ``--help`` and usage errors speak it."""
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args):
            _set_lang(None, None, args[i + 1] if args[i + 1] in i18n.LANGUAGES else None)
        elif a.startswith("--lang="):
            _set_lang(None, None, a.split("=", 1)[1] if a.split("=", 1)[1] in i18n.LANGUAGES else None)


@contextmanager
def _translated_help(params):
    """Show each parameter's help (and show_default text) in the language in force."""
    saved = [(p, getattr(p, "help", None), getattr(p, "show_default", None)) for p in params]
    try:
        for p, h, d in saved:
            if isinstance(h, str):
                p.help = i18n.gettext(inspect.cleandoc(h))
            if isinstance(d, str):
                p.show_default = i18n.gettext(d)
        yield
    finally:
        for p, h, d in saved:
            if hasattr(p, "help"):
                p.help = h
            if hasattr(p, "show_default"):
                p.show_default = d


class _Formatter(click.HelpFormatter):
    """Full-width colons after headings in Chinese ("选项：")."""

    def write_heading(self, heading: str) -> None:
        if i18n.language() != "zh":
            return super().write_heading(heading)
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None and i18n.language() == "zh":
            prefix = _("Usage:")
        super().write_usage(prog, args, prefix)


class _Context(click.Context):
    formatter_class = _Formatter


class _Localized:
    """``--lang`` on the command, and its help texts translated when shown (they are message ids;
    ``make i18n`` collects them from the command tree)."""

    context_class = _Context

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.params.append(_lang_option())

    def main(self, *args, **kwargs):
        i18n.localize_click()  # after the command tree is built: its texts stay message ids
        saved = os.environ.get("DOCFORGE_LANG")
        with i18n.using(None):  # --lang holds for this run only (several runs in one process: tests)
            try:
                return super().main(*args, **kwargs)
            finally:
                if saved is None:
                    os.environ.pop("DOCFORGE_LANG", None)
                else:
                    os.environ["DOCFORGE_LANG"] = saved

    def parse_args(self, ctx, args):
        _prescan_lang(args)
        self._help_option = None  # click builds --help's text once, in the language of that moment
        return super().parse_args(ctx, args)

    def _help_id(self, text):
        return i18n.gettext(inspect.cleandoc(text)) if text else text

    def format_help_text(self, ctx, formatter):
        help, self.help = self.help, self._help_id(self.help)
        try:
            super().format_help_text(ctx, formatter)
        finally:
            self.help = help

    def format_options(self, ctx, formatter):
        with _translated_help(self.get_params(ctx)):
            super().format_options(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        help, short = self.help, self.short_help
        self.help, self.short_help = self._help_id(help), self._help_id(short)
        try:
            return super().get_short_help_str(limit)
        finally:
            self.help, self.short_help = help, short


class DocforgeCommand(_Localized, click.Command):
    """A docforge command: ``--lang``, help in the language in force."""


class DocforgeGroup(_Localized, click.Group):
    """Prints a :class:`DocforgeError` as one message, without a traceback (exit 2: bad input)."""

    command_class = DocforgeCommand
    group_class = type  # a subgroup is a DocforgeGroup too: --lang and translated help on every command

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DocforgeError as e:
            # no identity number, whatever the source
            click.secho(_("error: {message}", message=mask_ids(str(e))), fg="red", err=True)
            ctx.exit(e.exit_code)
        except OSError as e:  # a path given on the command line that cannot be written: no traceback
            if e.filename is None:
                raise
            click.secho(_("error: {message}", message=mask_ids(cannot_write(e.filename, e))), fg="red", err=True)
            ctx.exit(1 if e.errno in (errno.ENOSPC, errno.EDQUOT) else 2)


def parse_date(ctx, param, value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(_("{value} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-30",
                                   value=shown(value))) from None


as_of_option = click.option("--as-of", "as_of", callback=parse_date, metavar="YYYY-MM-DD",
                            help="Signing date: the law, amounts and clauses in force on it. Default: today.")
village_option = click.option("--village", "village_file", required=True, type=click.Path(path_type=Path),
                              help="The village file (YAML or JSON).")
encoding_option = click.option("--encoding", metavar="NAME",
                                help="The text encoding of a CSV roster (gb18030, big5, utf-8, utf-16), when "
                                     "docforge cannot tell it from the file.")
household_option = click.option("--household", "household_file", type=click.Path(path_type=Path),
                                help="A household file (YAML or JSON); needed by the four agreements.")


@click.group(cls=DocforgeGroup)
@click.version_option(__version__, prog_name="docforge", help="Show the version and exit.",
                      message=i18n.lazy("%(prog)s, version %(version)s"))
def cli() -> None:
    """Assemble village self-governance documents: the 自治章程, the 自治公约 and the four agreements."""


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--all", "show_all", is_flag=True, help="Include docforge's own default plugins.")
def plugins(as_json: bool, show_all: bool) -> None:
    """List installed plugins: name, version, jurisdictions, hooks, and any that failed to load."""
    from .plugins import get_plugin_manager

    infos = [i for i in get_plugin_manager().infos.values() if show_all or not i.default]
    if as_json:
        click.echo(json.dumps([i.as_dict() for i in infos], ensure_ascii=False, indent=2))
        return
    if not infos:
        click.echo(_("No plugins installed (docforge's national layer is built in; --all shows it)."))
    zh = i18n.language() == "zh"
    for i in infos:
        jur = "、".join(f"{j.name}（{j.level.label if zh else j.level.value}{'，' + j.code if j.code else ''}）"
                       for j in i.jurisdictions)
        click.echo(f"{i.name} {i.version or ''}  [{i.distribution or i.module}]")
        if i.error:
            click.secho(f"  {i.error_line()}", fg="red")
            continue
        click.echo("  " + _("jurisdictions: {list}", list=jur or "-"))
        click.echo("  " + _("hooks: {list}", list=", ".join(i.hooks)))


@cli.group(cls=DocforgeGroup)
def plugin() -> None:
    """Write a plugin: start one (new), find its problems (check)."""


@plugin.command("new")
@click.option("--province", required=True, help="The province's name, e.g. 河南省.")
@click.option("--code", required=True, help="The province's GB/T 2260 code, e.g. 410000.")
@click.option("--prefecture", help="A prefecture the plugin also speaks for: NAME or NAME:CODE (许昌市:411000).")
@click.option("--prefecture-code", help="The prefecture's GB/T 2260 code, if not given as NAME:CODE.")
@click.option("--county", help="A county the plugin also speaks for: NAME or NAME:CODE (长葛市:411082).")
@click.option("--county-code", help="The county's GB/T 2260 code, if not given as NAME:CODE.")
@click.option("--under", metavar="PLUGIN", help="The installed plugin that owns the province: the new plugin "
              "declares only the prefecture/county, depends on it and takes the province's values from it.")
@click.argument("directory", type=click.Path(path_type=Path))
def plugin_new(province: str, code: str, prefecture: str | None, prefecture_code: str | None, county: str | None,
               county_code: str | None, under: str | None, directory: Path) -> None:
    """Write a new plugin distribution into DIRECTORY.

    DIRECTORY is named docforge-<place> (e.g. docforge-henan); it gets pyproject.toml with the entry
    point, the module, tests, an example village and a README, and installs and passes its tests as
    written."""
    from .models import Level
    from .scaffold import parse_place, plan, province_owner, write

    places = (parse_place(Level.province, province, code), parse_place(Level.prefecture, prefecture, prefecture_code),
              parse_place(Level.county, county, county_code))
    owner = None if under else province_owner(places[0])
    if owner and (prefecture or county):
        from .errors import InputError

        raise InputError(_('the installed plugin "{owner}" already speaks for {province}: one distribution owns a '
                           "place. Add --under {owner} to write a plugin of the prefecture/county only that depends "
                           "on it (or uninstall {owner} if the new plugin is to replace it)",
                           owner=owner, province=places[0]))
    if owner:
        click.secho(_('warning: the installed plugin "{owner}" already speaks for {province}; with both '
                      "installed, every value they give differently is a conflict. Uninstall {owner} when the new "
                      "plugin replaces it.", owner=owner, province=places[0]), fg="yellow", err=True)
    s = plan(directory, *places, under=under)
    for path in write(s):
        click.echo(_("wrote {path}", path=path))
    commands = f"pip install -e {directory} && docforge plugin check {s.entry_point} && (cd {directory} && pytest)"
    click.echo(_("next: {commands}", commands=commands))


@plugin.command("check")
@click.argument("target", required=False, metavar="[NAME|PATH]")
@as_of_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def plugin_check(ctx: click.Context, target: str | None, as_of: dt.date, as_json: bool) -> None:
    """Find a plugin's problems without rendering (exit 2 on errors).

    Checks an installed plugin by NAME, a plugin's folder by PATH, or every installed plugin."""
    from .plugincheck import check

    reports = check(target, as_of)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        for r in reports:
            for line in r.lines():
                color = "red" if line.lstrip().startswith("error") else "yellow" if line.lstrip().startswith("warning") else None
                click.secho(line, fg=color)
    ctx.exit(2 if any(r.errors for r in reports) else 0)


@cli.command()
@click.argument("name", type=click.Choice(["village", "household"]), required=False)
@click.option("--write", "write_dir", type=click.Path(path_type=Path), help="Write every schema into this folder.")
def schema(name: str | None, write_dir: Path | None) -> None:
    """Print the JSON Schema of an input file (or write them all with --write DIR)."""
    from .inputs import SCHEMAS, schema_text

    if write_dir:
        write_dir.mkdir(parents=True, exist_ok=True)
        for n in SCHEMAS:
            (write_dir / f"{n}.schema.json").write_text(schema_text(n), encoding="utf-8")
            click.echo(_("wrote {path}", path=write_dir / (n + ".schema.json")))
        return
    if not name:
        raise click.UsageError(_("give a NAME (village, household) or --write DIR"))
    click.echo(schema_text(name), nl=False)


def _load(village_file: Path, household_file: Path | None):
    from .inputs import load_household, load_village

    return load_village(village_file), (load_household(household_file) if household_file else None)


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
    from .render import output_format, write_document
    from .resolve import Resolver

    fmt = output_format(output, fmt)
    village, household = _load(village_file, household_file)
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
    from .explain import explain_document, explain_text

    village, household = _load(village_file, household_file)
    report = explain_document(village, kind, household, as_of)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(explain_text(report))


def _optional_date(ctx, param, value: str | None) -> dt.date | None:
    return None if value is None else parse_date(ctx, param, value)


@cli.command()
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--village", "village_file", type=click.Path(path_type=Path),
              help="The village file, compared between two dates (--from, --to).")
@click.option("--from", "from_date", callback=_optional_date, metavar="YYYY-MM-DD",
              help="With --village: the date of the old text (e.g. the adopted text's date).")
@click.option("--to", "to_date", callback=_optional_date, metavar="YYYY-MM-DD",
              help="With --village: the date of the new text. Default: today.")
@click.option("--village-from", "village_from", type=click.Path(path_type=Path),
              help="The village file of the old text (e.g. the adopted one), compared with --village-to.")
@click.option("--village-to", "village_to", type=click.Path(path_type=Path),
              help="The village file of the new text (e.g. the committee's draft).")
@click.option("--as-of", "as_of", callback=_optional_date, metavar="YYYY-MM-DD",
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
    from .compare import compare_villages
    from .inputs import load_household, load_village
    from .render import filters
    from .render.comparison import write_comparison

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
    from .demo import run_demo

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
    from .errors import LegalFindingError
    from .inputs import load_village
    from .law import check_documents, not_offered

    village = load_village(village_file)
    result = check_documents(village, as_of)
    findings = result.findings
    notices = [n for d in result.documents for n in d.notices]
    absent = not_offered(village, as_of)
    if strict:
        findings = [f.model_copy(update={"severity": "error"}) for f in findings]
    roster_report = None
    if roster_file is not None:
        from .roster import check_roster

        roster_report = check_roster(village, roster_file, as_of, encoding)
        if problems_file is not None:
            from .roster import write_problem_sheet

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
    from .inputs import load_village
    from .law import instruments_on

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


def _default_jobs() -> int:
    import os

    return max(1, min(4, os.cpu_count() or 1))


def _reporter():
    """A progress bar where stderr is a terminal, plain lines on stdout anywhere else."""
    if sys.stderr.isatty():
        from .progress import ProgressBar

        return ProgressBar()
    from .progress import Reporter

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
@click.option("--compare-from", "compare_from", callback=_optional_date, metavar="YYYY-MM-DD",
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

    from .bundle import build_bundle
    from .packet import BundleOptions
    from .sources import HouseholdFiles, RosterHouseholds

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
            from .county import COUNTY_SUMMARY, build_county

            county = build_county(county_dir, output, options, skip_bad_rows=skip_bad_rows, reporter=reporter,
                                  roster_encoding=encoding)
        else:
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
    from .province import is_tree, verify_tree
    from .verify import verify_bundle

    report = verify_tree(directory) if is_tree(directory) else verify_bundle(directory)
    for line in report.lines():
        click.echo(line)
    ctx.exit(0 if report.ok else 1)


def _bundle_tree(county_dir: Path | None, province_dir: Path | None, cluster: str | None, retries: int, output: Path,
                 options, skip_bad_rows: bool, encoding: str | None) -> int:
    """``bundle --province`` (here or with ``--cluster``) and ``bundle --county --cluster``: the run
    and what it prints; returns the exit code."""
    import time

    from .county import COUNTY_SUMMARY
    from .province import PROVINCE_SUMMARY

    started = time.monotonic()
    if cluster is not None:
        try:
            from . import cluster as dask_run
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
                from .province import build_province

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
    from .inputs import load_village
    from .roster import write_template

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
    from .example_county import write_example_county

    for line in write_example_county(output, villages, households, seed, as_of):
        click.echo(line)


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this machine (127.0.0.1) requires a password.")
@click.option("--data", "data_dir", type=click.Path(path_type=Path),
              help="Folder for the drafts, versions and uploads (one SQLite file). Default: ~/.local/share/docforge/web")
@click.option("--password-file", type=click.Path(path_type=Path),
              help="A file whose first line is the password (or set DOCFORGE_WEB_PASSWORD).")
def serve(port: int, host: str, data_dir: Path | None, password_file: Path | None) -> None:
    """The drafting committee's workbench in a browser: draft, check, compare and download (docs/web.md)."""
    from .web.serve import run

    run(host=host, port=port, data_dir=data_dir, password_file=password_file, echo=click.echo)


def main() -> None:
    cli(prog_name="docforge")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
