"""The ``docforge`` command line: click commands only; the work happens in the library."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from . import __version__
from .errors import DocforgeError, InputError

KINDS = ["charter", "convention", "contraception", "birth-spacing", "outflow", "inflow"]


class DocforgeGroup(click.Group):
    """Prints a :class:`DocforgeError` as one message, without a traceback (exit 2: bad input)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DocforgeError as e:
            click.secho(f"error: {e}", fg="red", err=True)
            ctx.exit(e.exit_code)


def parse_date(ctx, param, value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; write it as YYYY-MM-DD, e.g. 2026-11-30") from None


as_of_option = click.option("--as-of", "as_of", callback=parse_date, metavar="YYYY-MM-DD",
                            help="Signing date: the law, amounts and clauses in force on it. Default: today.")
village_option = click.option("--village", "village_file", required=True, type=click.Path(path_type=Path),
                              help="The village file (YAML or JSON).")
household_option = click.option("--household", "household_file", type=click.Path(path_type=Path),
                                help="A household file (YAML or JSON); needed by the four agreements.")


@click.group(cls=DocforgeGroup)
@click.version_option(__version__, prog_name="docforge")
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
        click.echo("No plugins installed (docforge's national layer is built in; --all shows it).")
    for i in infos:
        jur = "、".join(f"{j.name}（{j.level.value}{'，' + j.code if j.code else ''}）" for j in i.jurisdictions)
        click.echo(f"{i.name} {i.version or ''}  [{i.distribution or i.module}]")
        if i.error:
            click.secho(f'  Error importing plugin "{i.name}": {i.error}', fg="red")
            continue
        click.echo(f"  jurisdictions: {jur or '-'}")
        click.echo(f"  hooks: {', '.join(i.hooks)}")


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
            click.echo(f"wrote {write_dir / f'{n}.schema.json'}")
        return
    if not name:
        raise click.UsageError("give a NAME (village, household) or --write DIR")
    click.echo(schema_text(name), nl=False)


def _load(village_file: Path, household_file: Path | None):
    from .inputs import load_household, load_village

    return load_village(village_file), (load_household(household_file) if household_file else None)


@cli.command()
@click.argument("kind", type=click.Choice(KINDS))
@village_option
@household_option
@as_of_option
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="The .docx to write.")
def render(kind: str, village_file: Path, household_file: Path | None, as_of: dt.date, output: Path) -> None:
    """Render one document as DOCX."""
    from .render.docx import write_docx
    from .resolve import Resolver

    village, household = _load(village_file, household_file)
    doc = Resolver(village, as_of).document(kind, household)
    write_docx(doc, output)
    for f in doc.findings:
        click.secho(f.line(), fg="yellow", err=True)
    click.echo(f"wrote {output}")


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


@cli.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Folder to write into.")
@as_of_option
def demo(output: Path, as_of: dt.date) -> None:
    """All six documents for the bundled example village and its example households."""
    from .demo import run_demo

    for line in run_demo(output, as_of):
        click.echo(line)


def main() -> None:
    cli(prog_name="docforge")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
