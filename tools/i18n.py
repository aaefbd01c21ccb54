"""Extract every user-facing message and update the catalogs (``make i18n``).

    python tools/i18n.py           # re-extract; add new ids to docforge/locale/*/LC_MESSAGES/docforge.po
    python tools/i18n.py --check   # exit 1 if a catalog is not up to date with the code
    python tools/i18n.py --compile # only compile each .po to its .mo (make setup does this)

Three sources of message ids, one template:
1. docforge's code, through Babel's Python extractor (``_``, ``gettext``, ``ngettext``, ``N_``,
   ``lazy``, ``both``; ``# i18n:`` comments go to the translator);
2. the CLI's help texts, read from the click command tree (docstrings, ``help=``, ``show_default=``);
3. click's own texts (usage lines, "Missing option", "Show this message and exit."), from the
   installed click, shown through ``docforge.i18n.localize_click``.
The catalogs are written sorted by id, with file names but no line numbers, and a fixed header, so
that two branches that each add messages merge without touching each other's lines.
"""

from __future__ import annotations

import datetime as dt
import inspect
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.extract import extract_from_dir, extract_from_file  # noqa: E402
from babel.messages.pofile import read_po, write_po  # noqa: E402

from docforge.i18n import CATALOGS, CLICK_MODULES, DOMAIN  # noqa: E402

LOCALE_DIR = ROOT / "docforge" / "locale"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "N_plural": (1, 2), "lazy": None,
            "both": None}
FIXED_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
# click shows this one through a variable (``_(extra["required"])``), so its extractor misses it.
CLICK_EXTRA = ("required",)


def _new_catalog(locale: str | None = None) -> Catalog:
    return Catalog(locale=locale, domain=DOMAIN, project="docforge", version="", fuzzy=False,
                   creation_date=FIXED_DATE, revision_date=FIXED_DATE,
                   copyright_holder="the docforge authors", msgid_bugs_address="",
                   header_comment=("# Messages of docforge. Update with `make i18n`; "
                                   "see the docstring of docforge/i18n.py."))


def help_key(text: str) -> str:
    """The id of a click help text: the text as click shows it (docstring indentation removed)."""
    return inspect.cleandoc(text)


def cli_help_texts() -> list[tuple[str, str]]:
    """(text, where) of every help text of the command tree."""
    from docforge.cli import cli

    out: list[tuple[str, str]] = []

    def walk(cmd, path: str) -> None:
        for text in (cmd.help, cmd.short_help, cmd.epilog):
            if text:
                out.append((help_key(text), path))
        for p in cmd.params:
            for text in (getattr(p, "help", None), getattr(p, "show_default", None)):
                if isinstance(text, str) and text:
                    out.append((help_key(text), f"{path} {p.opts[0] if p.opts else p.name}"))
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            walk(sub, f"{path} {name}")

    walk(cli, "docforge")
    return out


def template() -> Catalog:
    """Every message id docforge shows, from the three sources."""
    cat = _new_catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT / "docforge"), keywords=KEYWORDS, comment_tags=("i18n:",), strip_comment_tags=True):
        cat.add(message, locations=[(f"docforge/{filename}", None)], auto_comments=comments, context=context)
    for text, where in cli_help_texts():
        cat.add(text, locations=[("docforge/cli/", None)], auto_comments=[f"--help of {where}"])
    import click

    click_dir = Path(click.__file__).parent
    for name in CLICK_MODULES:
        for lineno, message, comments, context in extract_from_file(
                "python", click_dir / f"{name}.py", keywords={"_": None, "ngettext": (1, 2)}):
            cat.add(message, locations=[(f"click/{name}.py", None)], context=context)
    for message in CLICK_EXTRA:
        cat.add(message, locations=[("click/core.py", None)])
    for m in cat:  # no line numbers: a moved line must not change the catalogs
        m.locations = sorted({(f, None) for f, _ in m.locations})
    return cat


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def updated(locale: str, tmpl: Catalog) -> bytes:
    path = po_path(locale)
    if path.exists():
        with path.open("rb") as f:
            cat = read_po(f, locale=locale, domain=DOMAIN)
    else:
        cat = _new_catalog(locale)
    cat.update(tmpl, no_fuzzy_matching=(locale == "en"))
    cat.creation_date = cat.revision_date = FIXED_DATE
    cat.fuzzy = False
    cat.last_translator = cat.language_team = "docforge"
    buf = io.BytesIO()
    write_po(buf, cat, width=0, sort_output=True, include_lineno=False, ignore_obsolete=True)
    # The "Generated-By" header names the Babel version, which differs between machines.
    lines = [ln for ln in buf.getvalue().split(b"\n") if not ln.startswith(b'"Generated-By:')]
    return b"\n".join(lines)


def compile_catalogs() -> list[Path]:
    """Beside each ``.po`` its ``.mo``, named by the ``.po``'s hash (docforge.i18n loads it only if
    the name matches); older ``.mo`` files are removed."""
    from docforge.i18n import compile_po, compiled_name

    written = []
    for lang, locale in CATALOGS.items():
        po_file = po_path(locale)
        po = po_file.read_bytes()
        target = po_file.parent / compiled_name(po)
        for old in po_file.parent.glob(f"{DOMAIN}-*.mo"):
            if old != target:
                old.unlink()
        if not target.exists():
            tmp = target.with_suffix(".tmp")
            tmp.write_bytes(compile_po(po, lang))
            tmp.replace(target)
            written.append(target)
    return written


def main(argv: list[str]) -> int:
    if "--compile" in argv:
        for path in compile_catalogs():
            print(f"compiled {path.relative_to(ROOT)}")
        return 0
    check = "--check" in argv
    tmpl = template()
    stale = []
    for locale in CATALOGS.values():
        data = updated(locale, tmpl)
        path = po_path(locale)
        if path.exists() and path.read_bytes() == data:
            continue
        stale.append(path)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    if check and stale:
        print("stale catalogs (run make i18n): " + ", ".join(str(p.relative_to(ROOT)) for p in stale))
        return 1
    for path in stale:
        print(f"updated {path.relative_to(ROOT)}")
    compile_catalogs()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
