"""Every text a person reads, in Chinese or English: gettext catalogs, the language rule, helpers.

The users of docforge (a village committee, a township clerk, a province's staff) work in Chinese;
developers and logs may want English. Every user-facing message therefore goes through this module;
the English text in the code is the message id, the Chinese is in ``docforge/locale/zh_CN/LC_MESSAGES/
docforge.po``. Machine-readable output (``--json``, ``manifest.json``) keeps its English keys and
codes and adds the localized text beside them.

How to mark a message (read this before writing one)
-----------------------------------------------------
Import the helpers and wrap the English text; put every variable part in a *named* placeholder in
``str.format`` style, and pass the values as keywords (the translation may put them in another order)::

    from .i18n import _, ngettext, N_, lazy

    raise InputError(_("{file}: row {row}, column {column}: {problem}; fix: {fix}",
                       file=path, row=3, column="丈夫身份证号", problem=..., fix=...))

- ``_(msgid, **values)``: translate, then fill the placeholders (only when values are given, so a
  text with literal braces and no values is left alone). Never build the id at run time
  (``_(f"...")`` or ``_("a" + b)``): the extractor only sees string literals.
- ``ngettext(singular, plural, n, **values)``: a count. Pass ``n`` as a value too if the text shows
  it: ``ngettext("{n} row", "{n} rows", n, n=n)``. Chinese has one form, English two.
- ``N_(msgid)``: marks a literal for extraction without translating it (a table of texts defined at
  import time, translated later with ``_(text)`` where it is shown); ``N_plural(singular, plural)``
  the same for a counted text (``ngettext(*pair, n, n=n)``).
- ``lazy(msgid, **values)``: a text translated when it is turned into ``str`` (module-level constants
  shown later, after ``--lang`` is known); ``.text("zh")`` gives one language. Values may be lazy
  texts too (a phrase inside a sentence). Data that keeps both languages (a roster problem) takes
  lazy texts and stores ``in_language(text, "en")`` and ``in_language(text, "zh")``.
- ``both(msgid, **values)``: ``{"en": ..., "zh": ...}``, for JSON output and the manifest.
- ``pair(en, zh)``: a text whose two languages are data already (``Finding.reason``/``reason_zh``);
  ``fields("reason", text)`` fills such a pair of fields from one lazy text.
- ``date_text(d)``: a date in prose: 2026年12月3日 in Chinese, 2026-12-03 in English; ``lazy_date(d)``
  the same as a value of a lazy text.
- A comment starting ``# i18n:`` on the line above a call goes into the catalog as a note for the
  translator.
- ``_`` is a name: a function that calls ``_()`` must not also use ``_`` as a throwaway variable
  (``_, x = ...`` makes ``_`` local to the whole function); write ``_unused`` there.
- ``--help`` texts of click commands need no marking: command docstrings and ``help=`` /
  ``show_default=`` strings are collected from the command tree itself and translated when help is
  shown (``DocforgeCommand`` in ``cli.py``). Write them as ordinary English strings.
- Texts of data (legal findings' reasons, clause texts) are not messages: they are data and carry
  both languages themselves (``Finding.reason`` and ``Finding.reason_zh``).

How to add the Chinese
----------------------
1. ``make i18n`` re-extracts every message (docforge's code, the CLI's help texts, click's own texts)
   and updates ``docforge/locale/{zh_CN,en}/LC_MESSAGES/docforge.po`` (sorted by message id, no line
   numbers, so that parallel work merges cleanly).
2. Open the zh_CN file, find the entries whose ``msgstr`` is empty or marked ``#, fuzzy`` (a guess
   from a similar old message: check it, then delete the ``fuzzy`` flag), and write the Chinese. Keep
   every ``{placeholder}`` of the id, spelled the same. Write as a township office writes (see
   ``docs/glossary.md`` for the fixed terms): full-width punctuation （，：；。「」）, a space between a
   Chinese word and a number or Latin code ("第 3 行"), dates through ``date_text``.
3. ``pytest tests/test_i18n.py`` fails on a missing, empty or fuzzy translation, on a placeholder
   mismatch, on half-width punctuation beside Chinese, on a message in the code that is missing
   from the catalog, and on an f-string inside a translated call.
4. Merging: ``.gitattributes`` merges the ``.po`` files with ``union``, so two branches that each
   add entries keep both; if both changed the same entry it is left twice, which the test reports:
   keep one, then run ``make i18n``.
The English catalog keeps empty ``msgstr`` (English is the source language); it is there for its
plural rule and so that English wording can be changed without touching code.

The language rule
-----------------
``--lang zh|en`` (on every command) wins, then ``DOCFORGE_LANG``, then the locale: the first set of
``LC_ALL``, ``LC_MESSAGES``, ``LANG`` (POSIX order); Chinese when it starts with ``zh``, English
otherwise (``C``, ``POSIX``, ``en_US.UTF-8``, unset). A library user or the web app can switch for one
request with ``with using("zh"): ...`` (a context variable, so threads and tasks do not mix).

Catalogs are shipped as ``.po`` package data. On first use in a process the ``.po`` is read and
hashed; ``make setup``/``make i18n`` leave beside it a ``.mo`` named by that hash
(``docforge-<sha256>.mo``), which is loaded if present, so an edited ``.po`` can never meet a stale
``.mo``; without one (a wheel built from a clean checkout) the ``.po`` is compiled in memory with
Babel's ``read_po``/``write_mo``. A wheel, an editable install and a source checkout all read the
same file, and nothing is written at run time.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import gettext as _gettext
import hashlib
import io
import os
import string
from importlib import resources
from typing import Any, Iterator

DOMAIN = "docforge"
#: Our language codes and the catalog (locale) each one reads.
CATALOGS = {"zh": "zh_CN", "en": "en"}
LANGUAGES = tuple(CATALOGS)

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("docforge_lang", default=None)


def normalize(value: str | None) -> str | None:
    """``zh``, ``zh_CN``, ``zh-TW``, ``zh_CN.UTF-8`` -> ``zh``; ``en``, ``C``, ``en_US.UTF-8`` -> ``en``;
    empty -> None."""
    if not value:
        return None
    v = value.strip().lower()
    if not v:
        return None
    return "zh" if v.startswith("zh") else "en"


def locale_language(environ: "os._Environ[str] | dict[str, str] | None" = None) -> str:
    """The language of the locale alone: the first set of LC_ALL, LC_MESSAGES, LANG."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(var):
            return normalize(env[var]) or "en"
    return "en"


def language() -> str:
    """The language in force: :func:`using`/:func:`set_language`, then DOCFORGE_LANG, then the locale."""
    return _current.get() or normalize(os.environ.get("DOCFORGE_LANG")) or locale_language()


def chosen_language(default: str | None = None) -> str | None:
    """The language asked for: :func:`using`/:func:`set_language`, then DOCFORGE_LANG, else ``default``
    (the locale is not asked: the workbench's committee works in Chinese whatever the server's locale)."""
    return _current.get() or normalize(os.environ.get("DOCFORGE_LANG")) or default


def set_language(value: str | None) -> None:
    """Fix the language for this context (the CLI's ``--lang``); None returns to the environment's."""
    _current.set(normalize(value))


@contextlib.contextmanager
def using(value: str | None) -> Iterator[None]:
    """Speak ``value`` (``zh``/``en``) inside the block."""
    token = _current.set(normalize(value))
    try:
        yield
    finally:
        _current.reset(token)


def catalog_path(lang: str):
    """The shipped ``.po`` of a language (``zh`` or ``en``)."""
    return resources.files(__package__).joinpath("locale").joinpath(CATALOGS[lang]).joinpath("LC_MESSAGES").joinpath(
        f"{DOMAIN}.po")


def compiled_name(po: bytes) -> str:
    """The file name of the ``.mo`` compiled from exactly these ``.po`` bytes."""
    return f"{DOMAIN}-{hashlib.sha256(po).hexdigest()[:16]}.mo"


def compile_po(po: bytes, lang: str) -> bytes:
    """A ``.po`` catalog compiled to ``.mo`` (fuzzy entries left out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalog = read_po(io.BytesIO(po), locale=CATALOGS[lang], domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


@functools.lru_cache(maxsize=None)
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog of a language, read once per process: the ``.mo`` compiled from this very
    ``.po`` if ``make`` left one beside it (named by the ``.po``'s hash, so never stale), else the
    ``.po`` compiled in memory. A missing catalog falls back to the English ids rather than failing a
    command (the test suite guards the files)."""
    try:
        po_file = catalog_path(lang)
        po = po_file.read_bytes()
    except (FileNotFoundError, KeyError):
        return _gettext.NullTranslations()
    try:
        mo = po_file.parent.joinpath(compiled_name(po)).read_bytes()
    except OSError:
        mo = compile_po(po, lang)
    return _gettext.GNUTranslations(io.BytesIO(mo))


def _fill(text: str, fallback: str, values: dict) -> str:
    if not values:
        return text
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        # A broken translation must not stop the command: say it in English instead.
        return fallback.format(**values)


def gettext(msgid: str, /, **values) -> str:
    """Translate ``msgid`` into the language in force and fill its named placeholders."""
    return _fill(translations(language()).gettext(msgid), msgid, values)


_ = gettext


def ngettext(singular: str, plural: str, n: int, /, **values) -> str:
    """The form of a counted text for ``n``; fills the placeholders when values are given."""
    text = translations(language()).ngettext(singular, plural, n)
    return _fill(text, singular if n == 1 else plural, values)


def N_(msgid: str, /) -> str:
    """Mark ``msgid`` for extraction only; translate it later with ``_(msgid)``."""
    return msgid


def N_plural(singular: str, plural: str, /) -> tuple[str, str]:
    """Mark a counted text for extraction without translating it; later ``ngettext(*pair, n, n=n)``."""
    return singular, plural


class LazyText:
    """A message translated each time it is shown (``str()``, f-strings, ``click.echo``)."""

    __slots__ = ("msgid", "values")

    def __init__(self, msgid: str, values: dict):
        self.msgid = msgid
        self.values = values

    def __str__(self) -> str:
        return gettext(self.msgid, **{k: str(v) if isinstance(v, LazyText) else v for k, v in self.values.items()})

    def text(self, lang: str) -> str:
        """The message in ``lang`` (``zh`` or ``en``), whatever the language in force."""
        with using(lang):
            return str(self)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __mod__(self, values) -> str:  # "%(prog)s" texts that a library fills in itself (click's --version)
        return str(self) % values

    def __repr__(self) -> str:
        return f"lazy({self.msgid!r})"

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.msgid)


class _Pair(LazyText):
    __slots__ = ()

    def __str__(self) -> str:
        return (self.values["zh"] or self.msgid) if language() == "zh" else self.msgid


def pair(en: str, zh: str | None) -> LazyText:
    """A text whose two languages are already written (data, such as a finding's ``reason`` and
    ``reason_zh``, or a library's English message beside our Chinese one): shown like a lazy text."""
    return _Pair(en, {"zh": zh})


def lazy(msgid: str, /, **values) -> LazyText:
    """``msgid`` translated when it is shown, in the language in force then."""
    return LazyText(msgid, values)


def both(msgid: "str | LazyText", /, **values) -> dict[str, str]:
    """The message in every language, for machine-readable output: ``{"en": ..., "zh": ...}``.
    ``msgid`` may be a :func:`lazy` text (its own values are used); a plain ``str`` that is not a
    message id stays as it is."""
    text = msgid if isinstance(msgid, LazyText) else LazyText(msgid, values)
    return {lang: text.text(lang) for lang in LANGUAGES}


def in_language(text: "str | LazyText", lang: str) -> str:
    """A :func:`lazy` text in ``lang``; anything else as ``str``."""
    return text.text(lang) if isinstance(text, LazyText) else str(text)


def date_zh(d: dt.date) -> str:
    """A date in Chinese prose: 2026年12月3日 (for a text that is Chinese whatever the language)."""
    return f"{d.year}年{d.month}月{d.day}日"


def date_text(d: dt.date | None) -> str:
    """A date in prose: 2026年12月3日 in Chinese, 2026-12-03 in English."""
    if d is None:
        return ""
    return date_zh(d) if language() == "zh" else d.isoformat()


def fields(name: str, text: "str | LazyText") -> dict[str, str]:
    """A model's English field and its ``_zh`` twin from one text:
    ``Finding(..., **fields("reason", lazy("cites {law} ...", law=...)))``."""
    return {name: in_language(text, "en"), f"{name}_zh": in_language(text, "zh")}


def lazy_date(d: dt.date) -> LazyText:
    """A date for a lazy text's value: 2026年12月3日 in Chinese, 2026-12-03 in English."""
    return pair(d.isoformat(), date_zh(d))


def placeholders(text: str) -> set[str]:
    """The named fields of a ``str.format`` text (``{row}``, ``{n:d}`` -> ``row``, ``n``)."""
    names = set()
    for _lit, field, _spec, _conv in string.Formatter().parse(text):
        if field is not None:
            names.add(field.split(".")[0].split("[")[0])
    return names


# click's own texts ("Usage:", "Options", "Missing option ...") are translated through the same
# catalog: click reads them with the standard library's global gettext, which cannot be given an
# in-memory catalog, so each click module's ``_``/``ngettext`` is pointed at ours.
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types", "utils")


def localize_click() -> None:
    """Route click's own messages through docforge's catalogs (idempotent)."""
    import importlib

    def click_ngettext(singular: str, plural: str, n: int) -> str:
        return translations(language()).ngettext(singular, plural, n)

    def click_gettext(message: str) -> str:
        return translations(language()).gettext(message)

    for name in CLICK_MODULES:
        mod: Any = importlib.import_module(f"click.{name}")
        if getattr(mod, "_", None) is _gettext.gettext:
            mod._ = click_gettext
        if getattr(mod, "ngettext", None) is _gettext.ngettext:
            mod.ngettext = click_ngettext
