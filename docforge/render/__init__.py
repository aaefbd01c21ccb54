"""Rendering: DOCX from templates, PDF through LibreOffice."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

FORMATS = {".docx": "docx", ".pdf": "pdf"}


def output_format(path: Path, fmt: str | None) -> str:
    """The format to write ``path`` in: ``fmt`` if given, else the one its suffix names. A suffix that
    names no format, or names another one than ``fmt``, is refused (a DOCX under a .pdf name would
    otherwise be written without a word)."""
    from ..errors import InputError
    from ..i18n import _

    if Path(path).is_dir():
        raise InputError("-o " + _("{path}: is a folder; give the name of the file to write", path=path))
    by_suffix = FORMATS.get(path.suffix.lower())
    if fmt is None:
        if by_suffix is None:
            raise InputError(_("-o {path}: the suffix '{suffix}' names no format docforge writes; name the file "
                               ".docx or .pdf (or give --format docx|pdf with a name ending in it)",
                               path=path, suffix=path.suffix))
        return by_suffix
    if by_suffix != fmt:
        raise InputError(_("-o {path} does not end in .{format}, but --format is {format}: name it {name}",
                           path=path, format=fmt, name=path.with_suffix("." + fmt).name))
    return fmt


def write_document(doc: Any, path: Path, fmt: str, **ctx_options: Any) -> Path:
    """Write a resolved document as DOCX, or as PDF converted by LibreOffice the way ``bundle``
    converts (``pdfpool.convert_many``: the same checks and the same bytes). Nothing is left at
    ``path`` when the conversion fails."""
    from ..errors import ConversionError
    from ..i18n import _
    from . import pdfpool
    from .docx import write_docx

    if fmt == "docx":
        return write_docx(doc, path, **ctx_options)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".docforge-render-", dir=path.parent) as tmp:
        docx = write_docx(doc, Path(tmp) / f"{path.stem}.docx", **ctx_options)
        result = pdfpool.convert_many([docx], Path(tmp) / "pdf")
        if docx in result.failures:
            raise ConversionError(_("{path}: LibreOffice could not convert the document to PDF: {reason}. Write "
                                    "it as .docx to look at it.", path=path, reason=result.failures[docx]))
        os.replace(result.pdfs[docx], path)
    return path
