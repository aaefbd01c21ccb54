"""Responses the workbench's pages share: escaped text, attachments, files and zipped folders."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.responses import Response

from ..i18n import _
from ..models import DocumentKind


KINDS = [k.value for k in DocumentKind]

def internal_error(e: Exception) -> str:
    return f"{type(e).__name__}: {e}"


def esc(text: Any) -> str:
    from markupsafe import escape

    return str(escape(str(text)))


def attachment(name: str) -> dict[str, str]:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    return {"content-disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"}


def file_response(path: Path, name: str, root: Path) -> Response:
    path = path.resolve()
    if root not in path.parents or not path.is_file():
        raise HTTPException(404, _("No such file"))
    media = "application/pdf" if path.suffix == ".pdf" else "application/octet-stream"
    return Response(path.read_bytes(), media_type=media, headers=attachment(name))


def zip_folder(folder: Path, root: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file() and not p.name.startswith(".") and root in p.resolve().parents:
                z.write(p, p.relative_to(folder).as_posix())
    return buf.getvalue()
