"""PDF conversion through the real LibreOffice: fonts, determinism, batches, failures, timeouts."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from pypdf import PdfReader, PdfWriter

from docforge.errors import ConversionError
from docforge.render import determinism, libreoffice, pdf
from docforge.render.pdf import Converter, convert, convert_many, find_soffice, normalize_pdf

pytestmark = pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice is not installed (CI installs libreoffice-writer-nogui, fonts-noto-cjk "
    "and fonts-liberation2; locally run `make test`)",
)

# 骨 直 写 角 have different glyphs in Simplified Chinese and Japanese.
CHINESE = "村民自治章程第一条 骨直写角 为了保障村民依法办理自己的事情"
LATIN = "Village Charter 2026"


def make_docx(
    path: Path,
    text: str = CHINESE,
    *,
    east_asia: str = "宋体",
    lang: str | None = "zh-CN",
    paragraphs: int = 1,
) -> Path:
    """A DOCX as docforge's templates write it: the East Asian font and language set per run."""
    document = Document()
    for _ in range(paragraphs):
        paragraph = document.add_paragraph()
        for run_text in (text, " " + LATIN):
            run = paragraph.add_run(run_text)
            run.font.size = Pt(16)
            props = run._r.get_or_add_rPr()
            fonts = props.find(qn("w:rFonts"))
            if fonts is None:
                fonts = OxmlElement("w:rFonts")
                props.insert(0, fonts)
            fonts.set(qn("w:ascii"), "Times New Roman")
            fonts.set(qn("w:hAnsi"), "Times New Roman")
            fonts.set(qn("w:eastAsia"), east_asia)
            if lang:
                language = OxmlElement("w:lang")
                language.set(qn("w:val"), "en-US")
                language.set(qn("w:eastAsia"), lang)
                props.append(language)
    document.save(path)
    return path


def pdf_text(path: Path) -> str:
    """The PDF's text without whitespace (extraction breaks lines and spaces script changes)."""
    return "".join("".join(page.extract_text() for page in PdfReader(path).pages).split())


def pdffonts(path: Path) -> list[tuple[str, str]]:
    """(name, emb) per font, as poppler's pdffonts reports them."""
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts missing (apt-get install poppler-utils)")
    lines = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    # Columns: name type(may contain spaces) encoding emb sub uni object-number generation.
    return [(line.split()[0], line.split()[-5]) for line in lines if line.strip()]


def cjk_font_program(path: Path) -> bytes:
    """The embedded CJK font program; equal programs mean equal glyph shapes."""
    reader = PdfReader(path)
    for number in range(1, int(reader.trailer["/Size"])):
        obj = reader.get_object(number)
        if hasattr(obj, "get") and obj.get("/Type") == "/FontDescriptor" and "CJK" in obj["/FontName"]:
            return obj["/FontFile"].get_object().get_data()
    raise AssertionError(f"{path.name} embeds no CJK font")


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One LibreOffice run over the documents most tests look at."""
    src = tmp_path_factory.mktemp("docx")
    docs = {
        "ref_sc": make_docx(src / "ref_sc.docx", east_asia="Noto Serif CJK SC"),
        "ref_jp": make_docx(src / "ref_jp.docx", east_asia="Noto Serif CJK JP", lang="ja-JP"),
        "untagged": make_docx(src / "untagged.docx", lang=None),
        "heiti": make_docx(src / "heiti.docx", east_asia="黑体"),
        "main": make_docx(src / "main.docx"),  # last: its fonts are not the batch's first
    }
    result = convert_many(list(docs.values()), tmp_path_factory.mktemp("pdf"))
    assert result.failures == {}
    return {key: result.pdfs[docx] for key, docx in docs.items()} | {"main_docx": docs["main"]}


def test_pdf_contains_the_chinese_and_latin_text(converted):
    text = pdf_text(converted["main"])
    assert CHINESE.replace(" ", "") in text
    assert LATIN.replace(" ", "") in text


def test_fonts_are_embedded_and_mapped_to_noto_cjk_and_liberation(converted):
    fonts = pdffonts(converted["main"])
    assert fonts and all(emb == "yes" for _name, emb in fonts), fonts
    names = " ".join(name for name, _emb in fonts)
    assert "NotoSerifCJK" in names and "LiberationSerif" in names
    assert "DejaVu" not in names
    heiti = " ".join(name for name, _emb in pdffonts(converted["heiti"]))
    assert "NotoSansCJK" in heiti and "DejaVu" not in heiti


def test_cjk_glyphs_are_simplified_chinese_not_japanese(converted):
    # pdffonts cannot tell: the Noto CJK collection's faces share one CFF table named
    # "NotoSerifCJKjp-Regular", so every face embeds under that name. The glyphs differ, so
    # compare the embedded programs with those of the explicitly SC and JP faces.
    sc, jp = cjk_font_program(converted["ref_sc"]), cjk_font_program(converted["ref_jp"])
    assert sc != jp
    assert cjk_font_program(converted["main"]) == sc
    # Without a language tag only fontconfig's choice of face decides the shapes.
    assert cjk_font_program(converted["untagged"]) == sc


def test_converting_twice_gives_identical_bytes(converted, tmp_path):
    # Alone in a fresh LibreOffice, not last in a batch of five: the same bytes.
    again = convert(converted["main_docx"], tmp_path / "again.pdf")
    assert again.read_bytes() == converted["main"].read_bytes()


def test_pdf_has_no_clock_dependent_metadata(converted):
    reader = PdfReader(converted["main"])
    assert "/DocChecksum" not in reader.trailer
    info = reader.metadata or {}
    assert "/CreationDate" not in info and "/ModDate" not in info
    first, second = reader.trailer["/ID"]
    assert first == second and len(first.original_bytes) == 16


def test_normalize_sets_the_given_date_and_is_idempotent(converted, tmp_path):
    copy = tmp_path / "dated.pdf"
    shutil.copy(converted["main"], copy)
    beijing = dt.timezone(dt.timedelta(hours=8))
    normalize_pdf(copy, dt.datetime(2026, 11, 30, 9, 0, tzinfo=beijing))
    info = PdfReader(copy).metadata
    assert info["/CreationDate"] == info["/ModDate"] == "D:20261130090000+08'00'"
    before = copy.read_bytes()
    normalize_pdf(copy, dt.datetime(2026, 11, 30, 9, 0, tzinfo=beijing))
    assert copy.read_bytes() == before


def _type1_programs(pdf_path: Path) -> list[tuple[bytes, bytes]]:
    """(clear part, eexec part) of every embedded Type 1 font program."""
    reader = PdfReader(pdf_path)
    out = []
    for number in range(1, int(reader.trailer["/Size"])):
        obj = reader.get_object(number)
        if isinstance(obj, dict) and obj.get("/Type") == "/FontDescriptor" and "/FontFile" in obj:
            stream = obj["/FontFile"].get_object()
            data, len1, len2 = stream.get_data(), int(stream["/Length1"]), int(stream["/Length2"])
            out.append((data[:len1], data[len1:len1 + len2]))
    return out


def test_type1_unique_ids_depend_on_the_font_alone(converted):
    # LibreOffice numbers font subsets with a per-process counter, in the clear part and again in
    # the encrypted Private dict; normalize_pdf puts a hash of the subset in both.
    programs = _type1_programs(converted["main"])
    assert programs, "the CJK fonts are embedded as Type 1 programs"
    for clear, secret in programs:
        plain = determinism._eexec_decrypt_py(secret)
        in_clear = re.search(rb"/UniqueID (\d+) def", clear).group(1)
        assert re.search(rb"/UniqueID (\d+) def", plain).group(1) == in_clear
        assert 4_000_000 <= int(in_clear) < 5_000_000
        assert b"/CharStrings" in plain  # decrypted for real, not noise


def test_eexec_extension_gives_the_bytes_of_the_python_cipher(converted):
    if determinism._eexec is None:
        pytest.skip("docforge.render._eexec was not built here (no C compiler at install time); "
                    "normalize_pdf then runs the Python functions, which the other tests exercise")
    samples = [secret for _clear, secret in _type1_programs(converted["main"])]
    samples += [bytes(range(256)) * 40, os.urandom(5000), b""]
    for data in samples:
        assert determinism._eexec.decrypt(data, 55665) == determinism._eexec_decrypt_py(data)
        assert determinism._eexec.encrypt(data, 55665) == determinism._eexec_encrypt_py(data)
        assert determinism.eexec_encrypt(determinism.eexec_decrypt(data)) == data


def test_normalize_neutralises_xmp_dates(converted, tmp_path):
    # LibreOffice writes XMP only for PDF/A exports, in this shape.
    xmp = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">\n'
        "<xmp:CreatorTool>Writer</xmp:CreatorTool>\n"
        "<xmp:CreateDate>2026-11-30T11:01:04Z</xmp:CreateDate>\n"
        "</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end=\"w\"?>"
    ).encode()
    writer = PdfWriter(clone_from=converted["main"])
    writer.xmp_metadata = xmp
    path = tmp_path / "xmp.pdf"
    writer.write(path)

    normalize_pdf(path)
    packet = PdfReader(path).root_object["/Metadata"].get_object().get_data().decode()
    assert "CreateDate" not in packet and "<xmp:CreatorTool>Writer" in packet

    writer.write(path)
    normalize_pdf(path, dt.date(2026, 11, 30))
    packet = PdfReader(path).root_object["/Metadata"].get_object().get_data().decode()
    assert "<xmp:CreateDate>2026-11-30</xmp:CreateDate>" in packet


def test_batch_of_thirty_all_arrive_with_two_workers(tmp_path):
    docs = [make_docx(tmp_path / f"household-{i:02d}.docx", f"第{i}户 {CHINESE}") for i in range(30)]
    result = convert_many(docs, tmp_path / "out", jobs=2)
    assert result.failures == {}
    assert list(result.pdfs) == docs
    for i, docx in enumerate(docs):
        assert result.pdfs[docx] == tmp_path / "out" / f"{docx.stem}.pdf"
        assert f"第{i}户" in pdf_text(result.pdfs[docx])
    assert not [p for p in (tmp_path / "out").iterdir() if p.suffix != ".pdf"]


def test_pdf_that_libreoffice_silently_skipped_is_retried(tmp_path):
    # Imitate a LibreOffice that stops early and still exits 0: drop the last of several files.
    real = find_soffice()
    wrapper = tmp_path / "soffice"
    wrapper.write_text(
        "#!/bin/bash\n"
        'args=("$@")\n'
        'if [[ "${args[-2]}" == *.docx ]]; then unset "args[-1]"; fi\n'
        f'exec {real} "${{args[@]}}"\n'
    )
    wrapper.chmod(0o755)
    docs = [make_docx(tmp_path / f"d{i}.docx") for i in range(3)]
    with Converter(str(wrapper)) as converter:
        result = converter.convert_many(docs, tmp_path / "out")
    assert result.failures == {}
    assert set(result.pdfs) == set(docs)


def test_damaged_documents_are_reported_by_name_and_the_others_delivered(tmp_path):
    good = [make_docx(tmp_path / f"good{i}.docx") for i in range(2)]
    random_bytes = tmp_path / "random.docx"
    random_bytes.write_bytes(os.urandom(4096))
    broken_xml = tmp_path / "broken.docx"  # a real zip that LibreOffice cannot load
    make_docx(broken_xml)
    with zipfile.ZipFile(broken_xml) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["word/document.xml"] = b"<w:document this is not xml"
    with zipfile.ZipFile(broken_xml, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)

    result = convert_many([good[0], random_bytes, broken_xml, good[1]], tmp_path / "out")
    assert set(result.pdfs) == set(good)
    assert set(result.failures) == {random_bytes, broken_xml}
    assert "not a DOCX" in result.failures[random_bytes]
    assert "could not be loaded" in result.failures[broken_xml]
    with pytest.raises(ConversionError, match="random.docx"):
        convert(random_bytes, tmp_path / "random.pdf")


def test_timeout_kills_libreoffice_and_reports_each_document(tmp_path, monkeypatch):
    # soffice.bin is running within 50 ms of the launch; no conversion finishes in 0.5 s.
    groups = []
    kill_group = pdf.kill_group
    monkeypatch.setattr(pdf, "kill_group", lambda proc: (groups.append(proc.pid), kill_group(proc)))
    docs = [make_docx(tmp_path / f"slow{i}.docx") for i in range(2)]
    converter = Converter(timeout=0.5)
    try:
        result = converter.convert_many(docs, tmp_path / "out")
        profile = converter.profile
    finally:
        converter.close()
    assert result.pdfs == {}
    assert set(result.failures) == set(docs)
    assert all("did not finish within 0.5 s" in reason for reason in result.failures.values())
    assert not (tmp_path / "out" / "slow0.pdf").exists()
    left = subprocess.run(["pgrep", "-af", str(profile)], capture_output=True, text=True)
    assert left.stdout == "", f"LibreOffice processes left behind:\n{left.stdout}"
    # Not even zombies: the launcher reaps soffice.bin before it is killed itself.
    table = subprocess.run(["ps", "-eo", "pgid=,pid=,stat=,comm="], capture_output=True, text=True)
    leftovers = [line for line in table.stdout.splitlines() if int(line.split()[0]) in groups]
    assert len(groups) == 4 and leftovers == [], leftovers


def test_missing_libreoffice_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(libreoffice.shutil, "which", lambda name: None)
    monkeypatch.setattr(libreoffice, "_SOFFICE_CANDIDATES", ())
    with pytest.raises(ConversionError, match="apt-get install libreoffice-writer-nogui") as info:
        find_soffice()
    assert "make test" in str(info.value)


def test_two_documents_with_one_pdf_name_are_refused(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    docs = [make_docx(tmp_path / "a" / "charter.docx"), make_docx(tmp_path / "b" / "charter.docx")]
    with pytest.raises(ConversionError, match="charter.pdf"):
        convert_many(docs, tmp_path / "out")


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        *[(name, "FandolFang") for name in ("仿宋_GB2312", "仿宋", "FangSong", "FangSong_GB2312")],
        *[(name, "FandolKai") for name in ("楷体_GB2312", "楷体", "KaiTi")],
        *[(name, "Noto Serif CJK SC") for name in ("方正小标宋简体", "方正小标宋_GBK", "宋体", "SimSun")],
        ("黑体", "Noto Sans CJK SC"),
        ("SimHei", "Noto Sans CJK SC"),
        ("Times New Roman", "Liberation Serif"),
        ("Arial", "Liberation Sans"),
    ],
)
def test_fontconfig_aliases(requested, expected):
    if shutil.which("fc-match") is None:
        pytest.skip("fc-match missing (package fontconfig)")
    found = subprocess.run(
        ["fc-match", "-f", "%{family[0]}", requested],
        env=dict(os.environ, FONTCONFIG_FILE=str(pdf.FONTS_CONF)),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert found == expected
