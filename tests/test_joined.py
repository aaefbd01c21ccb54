"""Agreements of one template converted joined into one document (docforge.render.batch): the
same pages, word for word and within a fifth of a point, as each converted alone, each with its
own page numbers and page total; what cannot be joined exactly is refused or converted alone."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from docforge import stamps
from docforge.demo import example_households, examples_dir
from docforge.inputs import load_household, load_village
from docforge.render import batch
from docforge.render.docx import render_docx_fast
from docforge.render.pdfpool import Joined, Pool
from docforge.resolve import Resolver

AS_OF = dt.date(2021, 8, 19)
VILLAGE = examples_dir() / "village.yaml"
HOUSEHOLDS = example_households()
NAMES = ["张伟", "欧阳建国", "李强", "司马小明"]

needs_lo = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                              reason="needs LibreOffice (soffice) and poppler-utils")


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(load_village(VILLAGE), AS_OF)


def agreements(resolver: Resolver, kind: str = "contraception") -> list[bytes]:
    """The blank-marked DOCX (as a bundle converts it) of one agreement for households that
    differ in the husband's name."""
    base = next(h for h in map(load_household, HOUSEHOLDS)
                if kind in [k.value for k in resolver.selection(h)[0].agreements])
    out = []
    for n, name in enumerate(NAMES):
        h = base.model_copy(update={"id": f"9{n}", "husband": base.husband.model_copy(update={"name": name})})
        out.append(render_docx_fast(resolver.document(kind, h), copy_mark=stamps.BLANK_MARK, page_total=True))
    return out


def edited(docx: bytes, edit) -> bytes:
    """``docx`` with its document.xml passed through ``edit`` (text -> text)."""
    src = zipfile.ZipFile(io.BytesIO(docx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                data = edit(data.decode("utf-8")).encode("utf-8")
            z.writestr(info, data)
    return out.getvalue()


def paragraphs(xml: str) -> list[str]:
    body = xml.split("<w:body>", 1)[1].rsplit("<w:sectPr", 1)[0]
    return re.findall(r"<w:p>.*?</w:p>|<w:p .*?</w:p>", body)


def longer(docx: bytes) -> bytes:
    """The agreement with fifteen of its paragraphs repeated before its last: two pages more."""
    def edit(xml: str) -> str:
        ps = paragraphs(xml)
        return xml.replace(ps[-1], "".join(ps[5:20]) + ps[-1], 1)
    return edited(docx, edit)


def words(pdf: Path, page: int) -> list[tuple[float, float, str]]:
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return [(float(x), float(y), t) for x, y, t in re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)<', out)]


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


# --------------------------------------------------------------------------- what may be joined (fast)


def test_agreements_of_one_template_share_a_frame_and_other_templates_do_not(resolver):
    contraception = agreements(resolver)
    frames = {batch.frame(d) for d in contraception}
    assert len(frames) == 1 and None not in frames
    outflow = agreements(resolver, "outflow")
    assert batch.frame(outflow[0]) not in frames


@pytest.mark.parametrize("markup", [
    '<w:tbl><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>',  # a table
    '<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr></w:p>',  # a list
    '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>'
    '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>',  # a field
    '<w:p><w:bookmarkStart w:id="0" w:name="x"/><w:bookmarkEnd w:id="0"/></w:p>',  # a bookmark
    '<w:p><w:pPr><w:sectPr/></w:pPr></w:p>',  # a section break of its own
])
def test_a_body_with_more_than_paragraphs_is_not_joined(resolver, markup):
    docx = agreements(resolver)[0]
    assert batch.frame(docx) is not None
    assert batch.frame(edited(docx, lambda xml: xml.replace("<w:body>", "<w:body>" + markup, 1))) is None


def test_joined_package_numbers_each_document_and_refers_each_total_to_its_own_end(resolver):
    docs = agreements(resolver)[:3]
    joined = zipfile.ZipFile(io.BytesIO(batch.join(docs)))
    xml = joined.read("word/document.xml").decode("utf-8")
    assert xml.count('<w:pgNumType w:start="1"/>') == 3
    for n in range(3):
        assert f'w:name="dfStart{n}"' in xml and f'w:name="dfEnd{n}"' in xml
        footers = [name for name in joined.namelist() if re.fullmatch(rf"word/footer\d+-df{n}\.xml", name)]
        assert len(footers) == 2  # odd and even pages
        for name in footers:
            footer = joined.read(name).decode("utf-8")
            assert f"PAGEREF dfEnd{n}" in footer and "NUMPAGES" not in footer
            assert f"/{name}" in joined.read("[Content_Types].xml").decode("utf-8")
    text = "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", xml))
    assert all(name in text for name in NAMES[:3])


# --------------------------------------------------------------------------- converted (LibreOffice)


@pytest.mark.slow
@needs_lo
def test_joined_documents_are_the_pages_of_each_converted_alone(tmp_path, resolver):
    docs = agreements(resolver)
    docs.insert(2, longer(docs[2]))  # five pages among three-page ones
    for n, data in enumerate(docs):
        (tmp_path / f"alone{n}.docx").write_bytes(data)
    (tmp_path / "joined.docx").write_bytes(batch.join(docs))
    with Pool(2) as pool:
        alone = [pool.submit(tmp_path / f"alone{n}.docx", tmp_path / f"alone{n}.pdf") for n in range(len(docs))]
        joined = pool.submit(tmp_path / "joined.docx", tmp_path / "joined.pdf", sections=len(docs)).result()
        alone_pdfs = [f.result() for f in alone]
    assert isinstance(joined, Joined), joined
    counts = [page_count(p) for p in alone_pdfs]
    assert counts[2] == 5 and counts.count(3) == 4
    assert list(joined.pages) == counts
    first = 1
    for n, (pdf, count) in enumerate(zip(alone_pdfs, counts, strict=True)):
        for page in range(1, count + 1):
            mine, theirs = words(joined.pdf, first + page - 1), words(pdf, page)
            assert [w[2] for w in mine] == [w[2] for w in theirs], (n, page)
            assert max(max(abs(a[0] - b[0]), abs(a[1] - b[1])) for a, b in zip(mine, theirs, strict=True)) < 0.25
            footer = "".join(w[2] for w in mine if w[1] > 740)
            assert footer == f"第{page}页共{count}页"
        first += count
    assert first - 1 == page_count(joined.pdf)


@pytest.mark.slow
@needs_lo
def test_a_last_paragraph_that_starts_before_the_last_page_is_not_split(tmp_path, resolver):
    """The page total refers to where the last paragraph starts: when that is not the last page
    the joined PDF is refused (and a bundle converts those documents alone)."""
    docs = agreements(resolver)[:2]

    def stretch(xml: str) -> str:  # a last paragraph long enough to run onto a new page
        last = paragraphs(xml)[-1]
        text = re.search(r"<w:t[^>]*>([^<]*)</w:t>", last).group(1)
        return xml.replace(last, last.replace(text, text * 40, 1), 1)

    docs[0] = edited(docs[0], stretch)
    (tmp_path / "joined.docx").write_bytes(batch.join(docs))
    with Pool(1) as pool:
        outcome = pool.submit(tmp_path / "joined.docx", tmp_path / "joined.pdf", sections=2).result()
    assert isinstance(outcome, str) and "last paragraph does not start on its last page" in outcome
    assert not (tmp_path / "joined.pdf").exists()


@pytest.mark.slow
@needs_lo
def test_a_bundle_converts_alone_what_cannot_be_split(tmp_path, resolver):
    """A conversion group whose joined PDF cannot be split exactly: each agreement is converted on
    its own, and every packet is written with its own page numbers and totals."""
    from docforge.packet import BundleOptions, Item, Packet
    from docforge.writer import BundleWriter

    docs = agreements(resolver)[:3]

    def stretch(xml: str) -> str:
        last = paragraphs(xml)[-1]
        text = re.search(r"<w:t[^>]*>([^<]*)</w:t>", last).group(1)
        return xml.replace(last, last.replace(text, text * 40, 1), 1)

    docs[1] = edited(docs[1], stretch)
    packets = [Packet(f"households/9{n}", f"户 {n}", [Item("contraception-1", "contraception", "协议书", data)], [],
                      household=f"9{n}", key=f"k{n}", group=1) for n, data in enumerate(docs)]
    writer = BundleWriter(tmp_path / "out", BundleOptions(as_of=AS_OF, jobs=1))
    writer.open()
    try:
        for p in packets:
            writer.stage(p)
        writer.enqueue_group(packets)
        writer.flush()
        writer.raise_failures()
    finally:
        writer.close()
    for n in range(3):
        pdf = tmp_path / "out" / "households" / f"9{n}" / "packet.pdf"
        count = page_count(pdf)
        assert count > 3 if n == 1 else count == 3
        for page in range(1, count + 1):
            assert "".join(w[2] for w in words(pdf, page) if w[1] > 740) == f"第{page}页共{count}页"
        assert NAMES[n] in subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
