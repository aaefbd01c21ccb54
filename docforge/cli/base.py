"""The command line's frame: the ``docforge`` group, its localized help and the options and helpers its
commands share."""

from __future__ import annotations

import datetime as dt
import errno
import inspect
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from .. import __version__, i18n
from ..errors import DocforgeError, cannot_write, mask_ids, shown
from ..i18n import _
from ..models import DocumentKind


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


class _Localized(click.Command):
    """``--lang`` on the command, and its help texts translated when shown (they are message ids;
    ``make i18n`` collects them from the command tree). A command, or a group through
    ``DocforgeGroup(_Localized, click.Group)``: these methods come before click.Group's."""

    context_class = _Context

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(_lang_option())

    def main(self, *args: Any, **kwargs: Any) -> Any:
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

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        _prescan_lang(args)
        self._help_option = None  # click builds --help's text once, in the language of that moment
        return super().parse_args(ctx, args)

    def _help_id(self, text: str | None) -> str | None:
        return i18n.gettext(inspect.cleandoc(text)) if text else text

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        help, self.help = self.help, self._help_id(self.help)
        try:
            super().format_help_text(ctx, formatter)
        finally:
            self.help = help

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _translated_help(self.get_params(ctx)):
            super().format_options(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        help, short = self.help, self.short_help
        self.help, self.short_help = self._help_id(help), self._help_id(short)
        try:
            return super().get_short_help_str(limit)
        finally:
            self.help, self.short_help = help, short


class DocforgeCommand(_Localized):
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


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """``--version``, in the language in force when it is shown (click's version_option fixes its
    message when the command tree is built)."""
    if not value or ctx.resilient_parsing:
        return
    click.echo(i18n.lazy("%(prog)s, version %(version)s") % {"prog": "docforge", "version": __version__},
               color=ctx.color)
    ctx.exit()


@click.group(cls=DocforgeGroup)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
              help="Show the version and exit.")
def cli() -> None:
    """Assemble village self-governance documents: the 自治章程, the 自治公约 and the four agreements."""


def load_inputs(village_file: Path, household_file: Path | None):
    from ..inputs import load_household, load_village

    return load_village(village_file), (load_household(household_file) if household_file else None)


def optional_date(ctx, param, value: str | None) -> dt.date | None:
    return None if value is None else parse_date(ctx, param, value)
