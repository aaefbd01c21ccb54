"""User-facing failures. Each message names the file, row or field, what is wrong and how to fix it."""

from __future__ import annotations


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
    """Mask a 居民身份证号码 for logs and messages: keep the first 6 and last 4 characters."""
    if not number:
        return ""
    s = str(number)
    if len(s) <= 8:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]
