"""DOCX from docxtpl templates, in a sandboxed jinja environment with autoescape on.

Output is deterministic: zip entries get a fixed timestamp and order, and the templates carry fixed
core properties, so identical inputs give byte-identical files.
"""

from __future__ import annotations

import io
import re
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..errors import RenderError
from ..models import Document, DocumentKind
from . import filters

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Characters that XML 1.0 forbids, and the ones docxtpl turns into structure (\a \t \n \f).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def template_path(kind: DocumentKind | str) -> Path:
    """The default template of ``kind`` (package data, ``templates/`` in the source tree)."""
    kind = DocumentKind(kind)
    return Path(str(resources.files("docforge").joinpath("templates", f"{kind.value}.docx")))


def jinja_env() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    env.filters.update(money=filters.money, cn_date=filters.cn_date, cn_number=filters.cn_number,
                       ordinal=filters.ordinal)
    return env


def clean(text: str) -> str:
    """Drop characters that would corrupt the XML or turn into docxtpl line/page breaks."""
    return _CONTROL.sub("", text.replace("\t", " ").replace("\n", " ").replace("\r", " ").replace("\a", " "))


def context(doc: Document, copy_mark: str | None = None, page_total: bool = False,
            draft: bool = False) -> dict[str, Any]:
    """The template context of a document. Templates see plain data: strings, lists and dicts."""
    return {
        "kind": doc.kind.value,
        "title": clean(doc.title),
        "village": clean(doc.village),
        "as_of": doc.as_of,
        "parties": [{"role": p.role, "lines": [clean(x) for x in p.lines]} for p in doc.parties],
        "blocks": [{"id": b.id, "type": b.type, "label": b.label, "text": clean(b.text),
                    "display": clean(b.display), "depth": b.depth} for b in doc.blocks],
        "signature": [clean(s) for s in doc.signature],
        "copies": doc.copies,
        "copy_mark": clean(copy_mark) if copy_mark else "",
        "page_total": page_total,
        "draft": draft,
    }


def normalize_docx(data: bytes) -> bytes:
    """Rewrite a DOCX zip with fixed timestamps, fixed attributes and the members in a fixed order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    names = src.namelist()
    # [Content_Types].xml first, as Word writes it; the rest in their existing (deterministic) order.
    names.sort(key=lambda n: (n != "[Content_Types].xml",))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            info.create_system = 0
            dst.writestr(info, src.read(name), compresslevel=6)
    return out.getvalue()


def render_docx(doc: Document, template: Path | None = None, **ctx_options: Any) -> bytes:
    """Render ``doc`` with docxtpl: the straightforward path, one template load per document."""
    tpl_path = template or (Path(doc.template) if doc.template else template_path(doc.kind))
    try:
        tpl = DocxTemplate(str(tpl_path))
        tpl.render(context(doc, **ctx_options), jinja_env=jinja_env(), autoescape=True)
        buf = io.BytesIO()
        tpl.save(buf)
    except Exception as e:  # noqa: BLE001 - any template fault names the template
        raise RenderError(f"template {tpl_path} failed for {doc.kind.value}: {type(e).__name__}: {e}") from e
    return normalize_docx(buf.getvalue())


def write_docx(doc: Document, path: Path, **ctx_options: Any) -> Path:
    """Render and write atomically (a temporary file renamed into place)."""
    data = render_docx(doc, **ctx_options)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def docx_text(path_or_bytes: Path | bytes, body_only: bool = True) -> list[str]:
    """The non-empty paragraphs of a DOCX body, for tests and ``verify``."""
    from docx import Document as Docx

    src = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else str(path_or_bytes)
    d = Docx(src)
    return [p.text for p in d.paragraphs if p.text.strip()]
