"""The 修订对照表 as DOCX (and PDF through LibreOffice, as every other document).

The template ``templates/comparison.docx`` (built by ``tools/build_templates.py``) is landscape A4
with the GB/T 9704 margins, the title in 小标宋, and a table 原条文 | 修订后条文 | 修订依据 whose header
row repeats on every page. In the old column deleted words are struck through; in the new column
added words are bold and underlined. Rendering goes through the same sandboxed, autoescaped docxtpl
path as the other documents (:func:`docforge.render.docx.render_context`), so the same comparison
gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from ..compare import Comparison, Passage
from ..errors import InputError
from ..i18n import _
from .docx import clean, render_context

TEMPLATE = "comparison"
LEGEND = "说明：原条文中删除的文字加删除线，修订后条文中新增的文字加粗并加下划线；条序变动而内容未改的条文注明“条序调整”。"


def comparison_template() -> Path:
    return Path(str(resources.files("docforge").joinpath("templates", f"{TEMPLATE}.docx")))


def _cell(passages: list[Passage], side: str) -> list[dict[str, Any]]:
    """A cell's paragraphs for the template: the number, then the marked text. A paragraph that is
    only in this text has its number marked with it. At least one paragraph (a cell needs one)."""
    out = []
    for p in passages:
        whole = (side == "old" and p.status == "removed") or (side == "new" and p.status == "added")
        mark = ("delete" if side == "old" else "insert") if whole else "equal"
        segments = [{"text": clean(p.prefix), "mark": mark}] if p.prefix else []
        segments += [{"text": clean(s.text), "mark": s.mark} for s in p.segments]
        out.append({"segments": segments})
    return out or [{"segments": []}]


def comparison_context(comparison: Comparison, draft: bool = False) -> dict[str, Any]:
    """The template context of a comparison: title, the lines under it, and one entry per row."""
    c = comparison
    if c.include_unchanged:
        listed = f"本表列出全部{len(c.rows)}处条文，其中{c.summary()}" if c.counts()["unchanged"] < len(c.rows) \
            else f"本表列出全部{len(c.rows)}处条文。{c.summary()}"
    else:
        listed = f"本表共列{len(c.rows)}处：{c.summary()}" if c.rows else c.summary()
    intro = [f"原条文：{c.old_source}；修订后条文：{c.new_source}。", listed, LEGEND]
    if c.old_title != c.new_title:
        intro.insert(1, f"原标题：《{c.old_title}》。")
    return {
        "title": clean(c.title),
        "intro": [clean(x) for x in intro],
        "rows": [{"id": r.id, "change": r.change, "old": _cell(r.old, "old"), "new": _cell(r.new, "new"),
                  "basis": [clean(x) for x in r.basis_lines]} for r in c.rows],
        "copy_mark": "",
        "page_total": False,
        "draft": draft,
    }


def render_comparison(comparison: Comparison, draft: bool = False, template: Path | None = None) -> bytes:
    """The DOCX bytes of the 修订对照表 (deterministic: the same comparison, the same bytes)."""
    return render_context(template or comparison_template(), comparison_context(comparison, draft))


def write_comparison(comparison: Comparison, path: Path, fmt: str = "docx", draft: bool = False,
                     date: dt.date | None = None) -> Path:
    """Write the table to ``path`` as ``fmt`` (docx or pdf), atomically: nothing is left at
    ``path`` if rendering or conversion fails. A PDF goes through LibreOffice like every other
    document (:func:`docforge.render.pdf.convert`), dated ``date`` (default: the new text's date)."""
    if fmt not in ("docx", "pdf"):
        raise InputError(_("--format: '{format}' is not a format of the comparison table; give docx or pdf",
                           format=fmt))
    path = Path(path)
    data = render_comparison(comparison, draft)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "docx":
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        return path
    from .pdf import convert

    with tempfile.TemporaryDirectory(prefix=".docforge-compare-", dir=path.parent) as tmpdir:
        docx = Path(tmpdir) / f"{comparison_stem(comparison)}.docx"
        docx.write_bytes(data)
        convert(docx, path, date=date or comparison.new_as_of)
    return path


def comparison_stem(comparison: Comparison) -> str:
    """A file stem for the table: ``<kind>-comparison``."""
    return f"{comparison.kind.value}-comparison"
