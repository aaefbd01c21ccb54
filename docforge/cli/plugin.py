"""Commands for plugins and input files: ``plugins``, ``plugin new``, ``plugin check``, ``schema``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from .. import i18n
from ..i18n import _
from .base import DocforgeGroup, as_of_option, cli


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--all", "show_all", is_flag=True, help="Include docforge's own default plugins.")
def plugins(as_json: bool, show_all: bool) -> None:
    """List installed plugins: name, version, jurisdictions, hooks, and any that failed to load."""
    from ..plugins import get_plugin_manager

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
    from ..errors import InputError
    from ..models import Level
    from ..scaffold import parse_place, plan, province_owner, write

    province_place = parse_place(Level.province, province, code) if province else None
    if province_place is None:  # click's required=True takes an empty --province ""
        raise InputError(_("--province is empty: give the province's name, e.g. 河南省"))
    places = (province_place, parse_place(Level.prefecture, prefecture, prefecture_code),
              parse_place(Level.county, county, county_code))
    owner = None if under else province_owner(places[0])
    if owner and (prefecture or county):
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
    from ..plugincheck import check

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
    from ..inputs import SCHEMAS, schema_text

    if write_dir:
        write_dir.mkdir(parents=True, exist_ok=True)
        for n in SCHEMAS:
            (write_dir / f"{n}.schema.json").write_text(schema_text(n), encoding="utf-8")
            click.echo(_("wrote {path}", path=write_dir / (n + ".schema.json")))
        return
    if not name:
        raise click.UsageError(_("give a NAME (village, household) or --write DIR"))
    click.echo(schema_text(name), nl=False)
