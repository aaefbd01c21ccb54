"""User-facing failures. Each message names the file, row or field, what is wrong and how to fix it."""

from __future__ import annotations

import errno
import re
import unicodedata


class DocforgeError(Exception):
    """Base of every error the CLI prints without a traceback."""

    exit_code = 2


class InputError(DocforgeError):
    """An input file (village, household, roster) is invalid."""


class PluginError(DocforgeError):
    """A plugin failed to import, or contributes something invalid."""


class ConflictError(PluginError):
    """Two plugins for the same jurisdiction disagree on a value."""


class MissingValueError(DocforgeError):
    """A document needs a value that no plugin supplies for the village's jurisdictions."""


class RenderError(DocforgeError):
    """A template could not be rendered."""

    exit_code = 1


class ConversionError(DocforgeError):
    """LibreOffice could not convert a document to PDF."""

    exit_code = 1


class LegalFindingError(DocforgeError):
    """A legal check failed under ``--strict``."""


class Invalid(ValueError):
    """A validation failure (raised inside a pydantic validator, which shows ``str(e)``) whose text is
    a :func:`docforge.i18n.lazy` message: ``str`` in the language in force when raised, ``text`` (and
    ``reason``, the part that fits after a value) in either language."""

    def __init__(self, text, reason=None):
        super().__init__(str(text))
        self.text = text
        self.reason = reason if reason is not None else text


def mask_id(number: str | None) -> str:
    """Mask a 居民身份证号码 for logs and messages: keep the first 6 and last 4 characters of a value
    of 15 characters or more, the first 2 and last 2 of one of 9 to 14, and nothing of a shorter one."""
    if not number:
        return ""
    s = str(number)
    if len(s) <= 8:
        return "*" * len(s)
    if len(s) < 15:
        return s[:2] + "*" * (len(s) - 4) + s[-2:]
    return s[:6] + "*" * (len(s) - 10) + s[-4:]


#: What looks like an identity number anywhere in a text: a run of 15 or more digits (the old
#: 15-digit card, the 18-character one, and either glued to more digits), its last character
#: possibly X. Generous on purpose: masking a long number that was not an identity number costs
#: nothing, printing one that was is a leak.
ID_SHAPED = re.compile(r"\d{14,}[\dXx]")


def mask_ids(text: str) -> str:
    """``text`` with every identity-number-shaped run masked (:func:`mask_id`)."""
    return ID_SHAPED.sub(lambda m: mask_id(m.group(0)), text) if text else text


def has_id_number(text: str) -> bool:
    """Whether ``text`` holds something shaped like an identity number (15 or 18 characters)."""
    return bool(ID_SHAPED.search(text))


def visible(text: str) -> str:
    """``text`` with what does not print, or cannot go into XML or a spreadsheet (control and
    format characters, line breaks, surrogates, U+FFFE/U+FFFF), written as escapes (``\\x01``)."""
    if not _MAYBE_INVISIBLE.search(text):  # Chinese, Latin and their punctuation: the common case, fast
        return text
    return "".join(repr(c)[1:-1] if unicodedata.category(c) in _INVISIBLE or ord(c) in (0xFFFE, 0xFFFF) else c
                   for c in text)


_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
#: Anything outside printable ASCII and Latin-1 (but the soft hyphen), general punctuation (but its
#: format characters), CJK, Hangul and full-width forms: looked at character by character.
_MAYBE_INVISIBLE = re.compile("[^\u0020-\u007e\u00a0-\u00ac\u00ae-\u00ff\u2010-\u2027\u2030-\u205e"
                              "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff01-\uffef]")


def shown(text: str, limit: int = 20) -> str:
    """A short, safe rendering of user text for a message: identity numbers masked, at most
    ``limit`` characters (with the total), control characters visible as escapes."""
    s = mask_ids(str(text))
    out = visible(s[:limit])
    return f"'{out}'" + (f"… ({len(s)} characters)" if len(s) > limit else "")


def cannot_write(path: object, e: OSError, size: int | None = None) -> str:
    """The message for a file or folder that could not be written: which path, why, what to do."""
    from .i18n import _

    why = e.strerror or type(e).__name__
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return _("{path}: the disk is full ({size} bytes were to be written); nothing was written there. Free some "
                 "space and run the same command again", path=path, size=format(size or 0, ","))
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return _("{path}: cannot be written ({why}); choose a folder you may write to", path=path, why=why)
    if e.errno == errno.EISDIR:
        return _("{path}: is a folder; give the name of the file to write", path=path)
    if e.errno in (errno.ENOTDIR, errno.EEXIST):
        return _("{path}: cannot be written ({why}): a part of the path is a file, not a folder", path=path, why=why)
    return _("{path}: cannot be written ({why}); check that its folder exists and can be written", path=path, why=why)
