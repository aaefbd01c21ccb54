"""Copies of an agreement converted once, their copy marks stamped (docforge.stamps): the same
pages, pixel for pixel and word for word, as each copy converted whole by LibreOffice; the mark
real, extractable text in the same place; fewer conversions; progress counted when converted."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from docforge import stamps
from docforge.bundle import BundleOptions, build_bundle
from docforge.demo import example_households, examples_dir
from docforge.inputs import load_household, load_village
from docforge.packet import InputFile
from docforge.planning import plan_household_packet
from docforge.progress import Reporter
from docforge.render.docx import docx_text, render_docx_fast
from docforge.render.pdfpool import Pool
from docforge.render.pdfpool import convert_many as pool_convert
from docforge.resolve import Resolver

AS_OF = dt.date(2021, 8, 19)
VILLAGE = examples_dir() / "village.yaml"
HOUSEHOLDS = example_households()
INFLOW = next(h for h in HOUSEHOLDS if "inflow" in h.name)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

needs_lo = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
                              reason="needs LibreOffice (soffice) and poppler-utils")


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(load_village(VILLAGE), AS_OF)


def inflow_doc(resolver):
    h = load_household(INFLOW)
    return resolver.document("inflow", h)


# --------------------------------------------------------------------------- the DOCX side (fast)


def test_copies_of_the_default_templates_are_stampable(resolver):
    doc = inflow_doc(resolver)
    blank = render_docx_fast(doc, copy_mark=stamps.BLANK_MARK, page_total=True)
    assert doc.copies == ["甲方", "乙方", "县公证处", "市公证处"]
    for holder in doc.copies:
        copy = render_docx_fast(doc, copy_mark=f"{holder}执", page_total=True)
        assert stamps.stampable(blank, copy, f"{holder}执")
        assert not stamps.stampable(blank, copy, "丙方执")  # not this copy's mark


def test_not_stampable_when_the_copy_differs_elsewhere_or_the_mark_is_long(resolver):
    doc = inflow_doc(resolver)
    blank = render_docx_fast(doc, copy_mark=stamps.BLANK_MARK, page_total=True)
    copy = render_docx_fast(doc, copy_mark="甲方执", page_total=True)
    other = render_docx_fast(doc, copy_mark="甲方执", page_total=True, draft=True)  # a header differs
    assert not stamps.stampable(blank, other, "甲方执")
    long_mark = "某" * (stamps.MAX_MARK + 1)
    assert not stamps.stampable(blank, render_docx_fast(doc, copy_mark=long_mark, page_total=True), long_mark)
    # the mark somewhere else than the first paragraph: the template below puts it in the title too
    with zipfile.ZipFile(io.BytesIO(copy)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["word/document.xml"] = members["word/document.xml"].replace(
        "流入人口计划生育管理协议".encode(), "流入人口计划生育管理协议甲方执".encode())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    assert not stamps.stampable(blank, buf.getvalue(), "甲方执")


def test_stamp_docx_holds_the_mark_alone(resolver):
    doc = inflow_doc(resolver)
    copy = render_docx_fast(doc, copy_mark="县公证处执", page_total=True, draft=True)
    stamp = stamps.stamp_docx(copy)
    assert docx_text(stamp) == ["县公证处执"]
    with zipfile.ZipFile(io.BytesIO(stamp)) as z:
        for name in z.namelist():
            if re.fullmatch(r"word/(header|footer)\d*\.xml", name):
                assert "征求意见稿" not in z.read(name).decode() and b"instrText" not in z.read(name)
    # the same template and mark give the same stamp for any household
    other = resolver.document("inflow", load_household(INFLOW).model_copy(update={"id": "X9"}))
    assert stamps.stamp_docx(render_docx_fast(other, copy_mark="县公证处执", page_total=True, draft=True)) == stamp


def test_plan_with_pdf_converts_each_agreement_once(resolver):
    h = load_household(INFLOW)
    inputs = [InputFile("village", str(VILLAGE), "0" * 64)]
    plain, _ = plan_household_packet(resolver, h, inputs, draft=False)
    packet, _ = plan_household_packet(resolver, h, inputs, draft=False, pdf=True)
    assert not plain.conversions and all(i.pdf_source is None for i in plain.items)
    assert [i.data for i in packet.items] == [i.data for i in plain.items]  # the DOCX files do not change
    inflow = [i for i in packet.items if i.kind == "inflow"]
    assert {i.pdf_source for i in inflow} == {".pdf-inflow"}
    assert len({i.stamp for i in inflow}) == 4
    expected = {f"{name}.docx" for i in packet.items for name in (i.pdf_source, i.stamp) if name}
    assert ".pdf-inflow.docx" in expected and set(packet.conversions) == expected
    assert docx_text(packet.conversions[f"{inflow[2].stamp}.docx"]) == ["县公证处执"]


# --------------------------------------------------------------------------- the PDF side (LibreOffice)


class CountingPool(Pool):
    """The real pool, counting what it is given."""

    submitted: list[Path]
    documents: int = 0  # what the conversions stand for: a document joining several counts each

    def submit(self, docx, target, sections=None):
        self.submitted = getattr(self, "submitted", [])
        self.submitted.append(Path(docx))
        self.documents += sections or 1
        return super().submit(docx, target, sections)


class Recorder(Reporter):
    def __init__(self):
        super().__init__()
        self.converted_docs = 0
        self.households = 0

    def advance(self, households=0, documents=0):
        self.households += households
        self.converted_docs += documents

    def converted(self, documents):
        self.converted_docs += documents


def png_pages(pdf: Path, first: int, last: int, out: Path, prefix: str) -> list[bytes]:
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(first), "-l", str(last), str(pdf), str(out / prefix)],
                   check=True)
    return [p.read_bytes() for p in sorted(out.glob(f"{prefix}-*.png"))]


def mark_box(pdf: Path, page: int, mark: str) -> tuple[str, ...]:
    xml = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">' + mark + "</word>", xml)
    assert m, f"{mark} not found on page {page} of {pdf}"
    return m.groups()


def pdftotext(pdf: Path, first: int, last: int) -> str:
    return subprocess.run(["pdftotext", "-layout", "-f", str(first), "-l", str(last), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


@needs_lo
@pytest.mark.slow
@pytest.mark.parametrize("draft", [False, True])
def test_stamped_copies_are_the_pages_of_copies_converted_whole(tmp_path, resolver, draft):
    out = tmp_path / "bundle"
    reporter = Recorder()
    with CountingPool(2) as pool:
        report = build_bundle(VILLAGE, HOUSEHOLDS, out, BundleOptions(as_of=AS_OF, draft=draft, jobs=2),
                              reporter=reporter, pool=pool)
        submitted, documents = list(pool.submitted), pool.documents
    m = report.manifest
    # one document converted per agreement (and per document of the village packet), one per
    # distinct mark; agreements of one template are joined into one conversion (test_joined.py)
    agreements, marks = 0, set()
    for hf in HOUSEHOLDS:
        h = load_household(hf)
        for kind in resolver.selection(h)[0].agreements:
            doc = resolver.document(kind, h)
            agreements += 1
            marks |= {f"{c}执" for c in doc.copies} if len(doc.copies) > 1 else set()
    assert documents == 3 + agreements + len(marks)
    assert len(submitted) < documents < m["totals"]["documents"]
    # progress: every document counted once, when converted; every household once its packet is written
    assert reporter.converted_docs == m["totals"]["documents"]
    assert reporter.households == len(HOUSEHOLDS)

    # each copy of the inflow household, converted whole, against its pages in the packet
    packet = next(f for f in m["files"] if f["path"] == "households/005/packet.pdf")
    whole = pool_convert([out / "households" / "005" / c["docx"] for c in packet["contents"]], tmp_path / "whole",
                         jobs=2, date=AS_OF)
    assert not whole.failures
    images = tmp_path / "png"
    images.mkdir()
    reader = PdfReader(out / packet["path"])
    for n, c in enumerate(packet["contents"]):
        alone = whole.pdfs[out / "households" / "005" / c["docx"]]
        first, last = c["first_page"], c["first_page"] + c["pages"] - 1
        assert c["pages"] == len(PdfReader(alone).pages)
        stamped = png_pages(out / packet["path"], first, last, images, f"p{n}")
        converted = png_pages(alone, 1, c["pages"], images, f"w{n}")
        assert stamped == converted, f"{c['docx']}: the pages differ from the copy converted whole"
        mark = f"{c['copy']}执"
        assert mark_box(out / packet["path"], first, mark) == mark_box(alone, 1, mark)
        assert pdftotext(out / packet["path"], first, last) == pdftotext(alone, 1, c["pages"])
        lines = reader.pages[first - 1].extract_text().splitlines()  # the text in the same order
        assert lines[: 2 if draft else 1] == (["征求意见稿", mark] if draft else [mark])
        assert "\u3000" not in lines[1 if draft else 0]


@needs_lo
@pytest.mark.slow
def test_the_mark_is_searchable_text_in_the_headings_font(tmp_path):
    out = tmp_path / "bundle"
    report = build_bundle(VILLAGE, [INFLOW], out, BundleOptions(as_of=AS_OF, jobs=1))
    pdf = out / "households" / "005" / "packet.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert [line for line in text.splitlines() if line.endswith("执") and len(line) <= 6] == [
        "甲方执", "乙方执", "县公证处执", "市公证处执"]
    reader = PdfReader(pdf)
    first = reader.pages[0]
    form = first["/Resources"]["/XObject"][stamps.FORM_NAME].get_object()
    fonts = [f.get_object()["/BaseFont"] for f in form["/Resources"]["/Font"].values()]
    assert fonts and all(re.fullmatch(r"/[A-Z]{6}\+NotoSansCJK[\w-]*", str(f)) for f in fonts), fonts
    # the copies share one conversion's page contents: page 2 of every copy is the same stream
    contents = next(f for f in report.manifest["files"] if f["kind"] == "packet" and f["household"])["contents"]
    assert all(c["pages"] > 1 for c in contents)
    second = [reader.pages[c["first_page"]].raw_get("/Contents") for c in contents]
    assert len(second) == 4 and len({c.idnum for c in second}) == 1


@needs_lo
@pytest.mark.slow
def test_progress_bar_counts_converted_documents_with_rate_and_time_left(tmp_path):
    from rich.console import Console

    from docforge.i18n import using
    from docforge.progress import ProgressBar

    screen = io.StringIO()
    with using("en"):
        bar = ProgressBar(Console(file=screen, force_terminal=True, width=160))
        try:
            report = build_bundle(VILLAGE, [INFLOW], tmp_path / "out", BundleOptions(as_of=AS_OF, jobs=1),
                                  reporter=bar)
        finally:
            bar.close()
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    frames = [line for line in re.split(r"[\r\n]", shown) if "households" in line]
    documents = report.manifest["totals"]["documents"]  # the village's 3 and the household's copies
    assert re.search(rf"1/1 households\s+{documents} documents, [\d.]+ a second", frames[-1]), frames[-1]
    assert "left" in frames[-1]
    # counted as converted, never ahead: the household is done only once all its documents are
    counts = [int(m.group(1)) for f in frames if (m := re.search(r"(\d+) documents?,", f))]
    assert counts == sorted(counts) and counts[0] < documents
    assert all(re.search(rf"\b{documents} documents", f) for f in frames if "1/1 households" in f)
