"""Bundles end to end, with real LibreOffice: packets, copies, outline, page layout, fonts, manifest,
verify, determinism, resume after kill -9, drafts and signature fields.

One full bundle of the example village is built once per module and read back many ways.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from docforge import __version__
from docforge.bundle import DONE, TMP_PREFIX, BundleOptions, build_bundle
from docforge.cli import cli
from docforge.demo import example_households, examples_dir
from docforge.errors import InputError
from docforge.inputs import load_household, load_village
from docforge.packet import ends_group
from docforge.render.docx import docx_text
from docforge.resolve import Resolver
from docforge.verify import verify_bundle

AS_OF = dt.date(2021, 8, 19)  # the national agreements' last day: households sign some (docs/law.md)
JOBS = max(1, min(4, os.cpu_count() or 1))
VILLAGE = examples_dir() / "village.yaml"
HOUSEHOLDS = example_households()
INFLOW = next(h for h in HOUSEHOLDS if "inflow" in h.name)

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                                reason="needs LibreOffice (soffice) and poppler-utils (pdftotext)")

# GB/T 9704-2012 on A4, in points
PT_PER_TWIP = 1 / 20
LEFT = 1588 * PT_PER_TWIP  # 28 mm
RIGHT_EDGE = (11906 - 1474) * PT_PER_TWIP  # 26 mm from the right edge
BOTTOM = (16838 - 1984) * PT_PER_TWIP  # where the text area ends, from the top
LINE_PITCH = 579 * PT_PER_TWIP
HANGING = "，。、；：！？）》」』”’"  # punctuation LibreOffice may hang past the last cell


# --------------------------------------------------------------------------- helpers


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def pdftotext(pdf: Path, first: int, last: int) -> str:
    return subprocess.run(["pdftotext", "-layout", "-f", str(first), "-l", str(last), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def normalized(text: str) -> str:
    """Text without whitespace, page numbers (— 1 —, 第 1 页 共 3 页) and the draft header."""
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"第\d+页共\d+页", "", text)
    text = re.sub(r"—\d+—", "", text)
    return text.replace("征求意见稿", "")


def bbox_lines(pdf: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    """(xMin, yMin, xMax, yMax, text) of each text line of a page, y from the top."""
    html = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    out = []
    for m in re.finditer(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>',
                         html, re.S):
        words = re.findall(r">([^<]*)</word>", m.group(5))
        out.append((*map(float, m.groups()[:4]), "".join(words)))
    return out


def manifest_of(root: Path) -> dict:
    return json.loads((root / "manifest.json").read_text(encoding="utf-8"))


def packet_entry(manifest: dict, name: str) -> dict:
    return next(f for f in manifest["files"] if f["path"] == f"{name}/packet.pdf")


# A minimal OpenType collection reader: the cmap of each face of a .ttc, to prove which face's
# glyphs LibreOffice embedded (the faces of Noto CJK share one CFF table, named "...jp...").


def _tables(data: bytes, off: int) -> dict[str, tuple[int, int]]:
    num = struct.unpack_from(">H", data, off + 4)[0]
    tables = {}
    for i in range(num):
        tag, _, o, ln = struct.unpack_from(">4sIII", data, off + 12 + 16 * i)
        tables[tag.decode("latin-1")] = (o, ln)
    return tables


def ttc_faces(path: str) -> dict[str, dict[int, int]]:
    """{face name: {code point: glyph id}} of every face of a font collection."""
    data = Path(path).read_bytes()
    n = struct.unpack_from(">I", data, 8)[0] if data[:4] == b"ttcf" else 1
    offsets = struct.unpack_from(f">{n}I", data, 12) if data[:4] == b"ttcf" else (0,)
    faces = {}
    for off in offsets:
        tables = _tables(data, off)
        o, _ = tables["name"]
        _, count, so = struct.unpack_from(">HHH", data, o)
        name = None
        for i in range(count):
            pid, _eid, _lid, nid, ln, no = struct.unpack_from(">6H", data, o + 6 + 12 * i)
            if nid == 1 and pid == 3:  # the family name
                name = data[o + so + no:o + so + no + ln].decode("utf-16-be")
                break
        o, _ = tables["cmap"]
        nsub = struct.unpack_from(">H", data, o + 2)[0]
        subs = {}
        for i in range(nsub):
            pid, eid, so = struct.unpack_from(">HHI", data, o + 4 + 8 * i)
            subs[(pid, eid)] = o + so
        st = subs.get((3, 10)) or subs[(0, 4)]
        assert struct.unpack_from(">H", data, st)[0] == 12
        cmap = {}
        for i in range(struct.unpack_from(">I", data, st + 12)[0]):
            start, end, gid = struct.unpack_from(">III", data, st + 16 + 12 * i)
            for c in range(start, end + 1):
                cmap[c] = gid + c - start
        faces[name] = cmap
    return faces


def embedded_cjk_glyphs(pdf: Path) -> dict[str, dict[str, int]]:
    """{base font: {character: CID}} of the Type 1 CJK subsets LibreOffice embeds (glyphs /cidNNN)."""
    out: dict[str, dict[str, int]] = {}
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            ff = font["/FontDescriptor"].get_object().get("/FontFile")
            if ff is None:
                continue
            program = ff.get_object().get_data()
            enc = {int(c): int(g) for c, g in re.findall(rb"dup (\d+) /cid(\d+) put", program)}
            if not enc:
                continue
            tu = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            codes = {}
            for block in re.findall(r"beginbfchar(.*?)endbfchar", tu, re.S):
                for code, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                    codes[int(code, 16)] = bytes.fromhex(uni).decode("utf-16-be")
            for block in re.findall(r"beginbfrange(.*?)endbfrange", tu, re.S):
                for a, b, u in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                    for i, code in enumerate(range(int(a, 16), int(b, 16) + 1)):
                        codes[code] = chr(int(u, 16) + i)
            glyphs = out.setdefault(str(font["/BaseFont"]).split("+", 1)[-1], {})
            for code, cid in enc.items():
                if code in codes:
                    glyphs[codes[code]] = cid
    return out


def font_file(pattern: str) -> str:
    return subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True,
                          check=True).stdout


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "out"
    build_bundle(VILLAGE, HOUSEHOLDS, out, BundleOptions(as_of=AS_OF, jobs=JOBS))
    return out


@pytest.fixture(scope="module")
def signed(tmp_path_factory) -> tuple[Path, Path]:
    """The village and the inflow household, --draft --sign-fields, built twice."""
    base = tmp_path_factory.mktemp("signed")
    outs = (base / "a", base / "b")
    for out in outs:
        build_bundle(VILLAGE, [INFLOW], out, BundleOptions(as_of=AS_OF, draft=True, sign_fields=True, jobs=JOBS))
    return outs


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(load_village(VILLAGE), AS_OF)


# --------------------------------------------------------------------------- layout of the bundle


def test_bundle_files(bundle):
    m = manifest_of(bundle)
    files = {f["path"] for f in m["files"]}
    assert {"village/charter.docx", "village/convention.docx", "village/adoption-sheet.docx",
            "village/packet.pdf"} <= files
    for hf in HOUSEHOLDS:
        hid = load_household(hf).id
        assert f"households/{hid}/packet.pdf" in files
        assert (bundle / "households" / hid / DONE).is_file()
    assert not [p for p in bundle.rglob("*") if p.name.startswith(TMP_PREFIX)]
    on_disk = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*")
               if p.is_file() and p.name not in (DONE, "manifest.json", "manifest.json.sha256")}
    assert on_disk == files
    digest = hashlib.sha256((bundle / "manifest.json").read_bytes()).hexdigest()
    assert (bundle / "manifest.json.sha256").read_text() == f"{digest}  manifest.json\n"


def test_manifest(bundle):
    m = manifest_of(bundle)
    assert m["docforge"] == __version__
    assert m["as_of"] == AS_OF.isoformat()
    assert m["draft"] is False and m["sign_fields"] is False
    assert m["formats"] == ["docx", "pdf"]
    plugins = {p["name"]: p for p in m["plugins"]}
    assert plugins["sample_county"]["version"] and plugins["national"]["version"] == __version__
    inputs = {Path(i["path"]).name: i for i in m["inputs"]}
    assert inputs["village.yaml"]["role"] == "village"
    assert inputs["village.yaml"]["sha256"] == sha256(VILLAGE)
    for hf in HOUSEHOLDS:
        assert inputs[hf.name]["sha256"] == sha256(hf)
        assert inputs[hf.name]["household"] == load_household(hf).id
    for f in m["files"]:
        path = bundle / f["path"]
        assert f["sha256"] == sha256(path)
        assert f["kind"] in {"charter", "convention", "adoption-sheet", "contraception", "birth-spacing",
                             "outflow", "inflow", "packet"}
        if f["kind"] == "packet":
            assert f["pages"] == len(PdfReader(path).pages)
        if f["path"].startswith("households/"):
            assert f["household"] == f["path"].split("/")[1]
        else:
            assert f["household"] is None
    # findings of the documents are warnings: the inflow agreement lets the village committee fine
    assert any(w["household"] == "005" and w["check"] == "fine" for w in m["warnings"])
    assert all(w["severity"] and w["message"] for w in m["warnings"])


def test_copies_and_marks(bundle, resolver):
    m = manifest_of(bundle)
    for hf in HOUSEHOLDS:
        h = load_household(hf)
        selection, _ = resolver.selection(h)
        packet = packet_entry(m, f"households/{h.id}")
        expected = [(k.value, holder) for k in selection.agreements for holder in resolver.document(k, h).copies]
        assert [(c["kind"], c["copy"]) for c in packet["contents"]] == expected
        for c in packet["contents"]:
            docx = bundle / "households" / h.id / c["docx"]
            assert docx_text(docx)[0] == f"{c['copy']}执"  # the copy mark heads the copy
            entry = next(f for f in m["files"] if f["path"] == f"households/{h.id}/{c['docx']}")
            assert entry["copy"] == c["copy"] and entry["kind"] == c["kind"]
    inflow = packet_entry(m, "households/005")
    assert [c["copy"] for c in inflow["contents"]] == ["甲方", "乙方", "县公证处", "市公证处"]


def test_outline(bundle):
    m = manifest_of(bundle)
    for f in m["files"]:
        if f["kind"] != "packet":
            continue
        reader = PdfReader(bundle / f["path"])
        outline = [(o.title, reader.get_destination_page_number(o) + 1) for o in reader.outline]
        assert outline == [(c["title"], c["first_page"]) for c in f["contents"]]
        assert reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"
    village = packet_entry(m, "village")
    assert [c["kind"] for c in village["contents"]] == ["charter", "convention", "adoption-sheet"]
    inflow = packet_entry(m, "households/005")
    assert [c["title"] for c in inflow["contents"]] == [
        f"流入人口计划生育管理协议（{h}执）" for h in ("甲方", "乙方", "县公证处", "市公证处")]


def test_page_numbers(bundle):
    m = manifest_of(bundle)
    reader = PdfReader(bundle / "village" / "packet.pdf")
    for c in packet_entry(m, "village")["contents"]:  # standalone documents: — 1 —
        for i in range(c["pages"]):
            last = reader.pages[c["first_page"] - 1 + i].extract_text().strip().splitlines()[-1]
            assert last.strip() == f"— {i + 1} —"
    reader = PdfReader(bundle / "households" / "005" / "packet.pdf")
    for c in packet_entry(m, "households/005")["contents"]:  # copies: 第 N 页 共 M 页, per copy
        for i in range(c["pages"]):
            page = reader.pages[c["first_page"] - 1 + i].extract_text()
            assert page.strip().splitlines()[-1].strip() == f"第 {i + 1} 页 共 {c['pages']} 页"
            if i == 0:
                assert f"{c['copy']}执" in page.splitlines()[0]


def test_pdf_text_equals_docx_text(bundle):
    m = manifest_of(bundle)
    for f in m["files"]:
        if f["kind"] != "packet":
            continue
        pdf = bundle / f["path"]
        for c in f["contents"]:
            text = pdftotext(pdf, c["first_page"], c["first_page"] + c["pages"] - 1)
            assert "\ufffd" not in text
            assert normalized(text) == normalized("".join(docx_text(pdf.parent / c["docx"]))), c["docx"]


def test_charter_page_is_22_lines_of_28_characters(bundle):
    m = manifest_of(bundle)
    charter = packet_entry(m, "village")["contents"][0]
    pdf = bundle / "village" / "packet.pdf"
    full_pages = []
    for page in range(charter["first_page"], charter["first_page"] + charter["pages"]):
        body = [ln for ln in bbox_lines(pdf, page) if ln[1] < BOTTOM]
        footer = [ln for ln in bbox_lines(pdf, page) if ln[1] >= BOTTOM]
        assert [ln[4] for ln in footer] == [f"—{page - charter['first_page'] + 1}—"]
        assert len(body) <= 22
        for x0, _y0, x1, _y1, text in body:
            cells = len(text) - (1 if text[-1] in HANGING and x1 > RIGHT_EDGE + 1 else 0)
            assert cells <= 28, text
            assert x0 >= LEFT - 1 and x1 <= RIGHT_EDGE + 17  # a hanging stop overhangs one cell
        if len(body) == 22:
            full_pages.append(body)
    assert full_pages, "no charter page is completely filled"
    for body in full_pages:
        # A line's box bottom stands for its baseline only where the line is wholly in the body's
        # face: Latin glyphs (Liberation Serif) and the chapter headings' 黑体 descend further than
        # Fandol Fang, so those lines are left out.
        baselines = [None if re.search(r"[0-9A-Za-z]", ln[4]) or re.match(r"第.+章", ln[4]) else ln[3]
                     for ln in body]
        pitches = [b - a for a, b in zip(baselines, baselines[1:]) if a is not None and b is not None]
        assert len(pitches) >= 15
        assert all(abs(p - LINE_PITCH) < 0.5 for p in pitches), pitches
        # lines that run from margin to margin hold exactly 28 characters
        full = [ln for ln in body if abs(ln[0] - LEFT) < 1.5 and ln[2] > RIGHT_EDGE - 2]
        assert full
        for x0, _y0, x1, _y1, text in full:
            cells = len(text) - (1 if text[-1] in HANGING and x1 > RIGHT_EDGE + 1 else 0)
            assert cells == 28, text
            assert all("\u4e00" <= ch <= "\u9fff" or ch in HANGING + "《“—" for ch in text)


def test_fonts_embedded_and_simplified_chinese(bundle):
    pdf = bundle / "village" / "packet.pdf"
    rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert rows
    names = []
    for row in rows:
        name, emb = row.split()[0], row.split()[-5]
        assert emb == "yes", row
        names.append(name.split("+", 1)[-1])
    cjk = [n for n in names if "CJK" in n]
    assert cjk and all(n.startswith(("NotoSerifCJK", "NotoSansCJK")) for n in cjk)
    # Fang Song and Kai are the Fandol faces (GB 2312 fonts: no Japanese shapes to fear).
    assert all("CJK" in n or n.startswith(("Liberation", "Fandol")) for n in names), names
    # The faces of a Noto CJK collection share one CFF (named ...jp...); which face was used shows in
    # the glyphs: every embedded glyph is the one the SC face maps its character to.
    glyphs = embedded_cjk_glyphs(pdf)
    for font, chars in glyphs.items():
        if font.startswith("Fandol"):
            continue
        family = "Sans" if "Sans" in font else "Serif"
        faces = ttc_faces(font_file(f"Noto {family} CJK SC:{'bold' if 'Bold' in font else 'regular'}"))
        sc = faces[f"Noto {family} CJK SC"]
        assert all(sc.get(ord(ch)) == cid for ch, cid in chars.items()), font
        assert 0 not in chars.values()  # .notdef
    # The title's heavy Song (Noto Serif CJK SC Bold) holds characters whose SC and JP glyphs
    # differ, so the check above did tell the two apart.
    serif = next(c for f, c in glyphs.items() if "Serif" in f and "Bold" in f)
    faces = ttc_faces(font_file("Noto Serif CJK SC:bold"))
    assert any(faces["Noto Serif CJK SC"][ord(ch)] != faces["Noto Serif CJK JP"][ord(ch)] for ch in serif)


def test_adoption_sheet(bundle):
    """On AS_OF the charter no longer reads as adopted on 2006-08-20: a new draft, whose sheet leaves
    the adoption and filing dates blank to fill in at the 村民会议 (docs/law.md)."""
    lines = docx_text(bundle / "village" / "adoption-sheet.docx")
    text = "".join(lines)
    assert "村民代表会议" in text and "2006年8月20日" not in text and "2006年8月25日" not in text
    assert "通过日期：\u3000\u3000\u3000\u3000年" in text
    assert "某某镇人民政府" in text and "自治章程备案日期：\u3000\u3000\u3000\u3000年" in text
    assert "应到人数" in text and "会议主持人签字" in text
    m = manifest_of(bundle)
    assert any(w["check"] == "adoption.new_draft" and w["document"] == "charter" for w in m["warnings"])


def test_adoption_sheet_of_the_text_as_adopted_keeps_its_dates():
    from docforge.bundle import adoption_sheet_context

    r = Resolver(load_village(VILLAGE), dt.date(2006, 9, 1))
    docs = [r.document("charter"), r.document("convention")]
    assert not [n for d in docs for n in d.notices]
    ctx = adoption_sheet_context(r.village, docs)
    text = "".join(line for rec in ctx["records"] for line in rec["lines"]) + "".join(ctx["filing"])
    assert "通过日期：2006年8月20日" in text and "自治章程备案日期：2006年8月25日" in text


# --------------------------------------------------------------------------- verify


def test_verify_clean_and_tampered(bundle, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["verify", str(bundle)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ")

    copy = tmp_path / "copy"
    shutil.copytree(bundle, copy)
    changed = copy / "households" / "001" / "contraception-1-甲方.docx"
    data = bytearray(changed.read_bytes())
    data[len(data) // 2] ^= 1
    changed.write_bytes(bytes(data))
    (copy / "households" / "002" / "packet.pdf").unlink()
    (copy / "village" / "notes.txt").write_text("x")
    result = runner.invoke(cli, ["verify", str(copy)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "changed: households/001/contraception-1-甲方.docx (its sha256 differs from manifest.json)" in lines
    assert "missing: households/002/packet.pdf (listed in manifest.json, not in the folder)" in lines
    assert "extra: village/notes.txt (not listed in manifest.json)" in lines
    assert lines[-1].startswith("3 problems")

    (copy / "manifest.json").unlink()
    result = runner.invoke(cli, ["verify", str(copy)])
    assert result.exit_code == 1 and "no manifest" in result.output


# --------------------------------------------------------------------------- determinism, resume


def test_draft_and_sign_fields_are_deterministic(signed):
    a, b = signed
    assert tree(a) == tree(b)


def test_draft_header_on_every_page(signed):
    out = signed[0]
    assert manifest_of(out)["draft"] is True
    for pdf in out.rglob("packet.pdf"):
        reader = PdfReader(pdf)
        for i, page in enumerate(reader.pages):
            assert page.extract_text().strip().splitlines()[0].strip() == "征求意见稿", (pdf, i)


def test_signature_fields(signed):
    out = signed[0]
    m = manifest_of(out)
    reader = PdfReader(out / "households" / "005" / "packet.pdf")
    fields = reader.get_fields()
    sigs = {name: f for name, f in fields.items() if f.get("/FT") == "/Sig"}
    assert len(sigs) == 2 * 4  # 甲方 and 乙方, in each of the four copies
    assert "/AcroForm" in reader.trailer["/Root"]
    contents = packet_entry(m, "households/005")["contents"]
    for index, page in enumerate(reader.pages):
        widgets = [a.get_object() for a in page.get("/Annots") or []]
        text = page.extract_text()
        copy = next(c for c in contents if c["first_page"] <= index + 1 < c["first_page"] + c["pages"])
        if "甲方法定代表人签章" in text:
            assert sorted(w["/T"] for w in widgets) == sorted(
                f"sig_inflow_{contents.index(copy) + 1}_{r}" for r in ("party_a", "party_b"))
            for w in widgets:
                assert w["/FT"] == "/Sig" and w["/Subtype"] == "/Widget"
                x1, y1, x2, y2 = (float(v) for v in w["/Rect"])
                assert LEFT < x1 < x2 <= RIGHT_EDGE + 1 and y2 - y1 > 40
        else:
            assert not widgets
    # the village packet has no agreement to sign
    assert not PdfReader(out / "village" / "packet.pdf").get_fields()


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry))
    return kids


def test_resume_after_kill(bundle, tmp_path):
    out = tmp_path / "resumed"
    cmd = [sys.executable, "-m", "docforge.cli", "bundle", "--village", str(VILLAGE),
           *[a for hf in HOUSEHOLDS for a in ("--household", str(hf))],
           "--as-of", AS_OF.isoformat(), "--jobs", str(JOBS), "-o", str(out)]
    proc = subprocess.Popen([*cmd, "--round-size", "3"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (out / "village").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        # kill -9 docforge; then the LibreOffice runs it started (each leads its own process group)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGSTOP)
            kids = _children(proc.pid)
            os.kill(proc.pid, signal.SIGKILL)
            for kid in kids:
                try:
                    os.killpg(kid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        proc.wait()
    # The kill landed mid-run: the village packet was finished, the run as a whole was not.
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert (out / "village" / DONE).exists()
    assert not (out / "manifest.json").exists()
    assert len(list((out / "households").glob(f"*/{DONE}"))) < len(HOUSEHOLDS)
    village_pdf = (out / "village" / "packet.pdf").stat().st_ino

    done = subprocess.run(cmd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "village: already finished" in done.stdout
    assert (out / "village" / "packet.pdf").stat().st_ino == village_pdf  # not rebuilt
    assert not [p for p in out.rglob("*") if p.name.startswith(TMP_PREFIX)]
    assert tree(out) == tree(bundle)  # byte-identical to a clean run


def conversion_groups(ids: list[str]) -> list[list[str]]:
    """The PDF run's conversion groups of households ``ids`` (all signing an agreement), in order."""
    groups: list[list[str]] = [[]]
    for hid in ids:
        groups[-1].append(hid)
        if ends_group(hid, len(groups[-1])):
            groups.append([])
    return [g for g in groups if g]


def test_changed_input_rebuilds_only_its_conversion_group(bundle, tmp_path):
    """With PDF, a changed household's packet is built again with those of its conversion group
    (their PDFs' font subsets hold each other's glyphs); the other groups' packets are kept."""
    out = tmp_path / "updated"
    shutil.copytree(bundle, out)
    changed = tmp_path / HOUSEHOLDS[0].name
    changed.write_text(HOUSEHOLDS[0].read_text(encoding="utf-8").replace("张伟", "张炜"), encoding="utf-8")
    households = [changed, *HOUSEHOLDS[1:]]
    ids = [f"{n:03d}" for n in range(1, len(HOUSEHOLDS) + 1)]
    group = next(g for g in conversion_groups(ids) if "001" in g)
    before = {hid: (out / "households" / hid / DONE).stat().st_ino for hid in ids}
    lines: list[str] = []
    report = build_bundle(VILLAGE, households, out, BundleOptions(as_of=AS_OF, jobs=JOBS), log=lines.append)
    assert report.totals.built == len(group) and "households/001: written" in lines
    assert report.totals.finished == 1 + len(HOUSEHOLDS) - len(group)  # the village packet and the other groups
    for hid in ids:
        rebuilt = (out / "households" / hid / DONE).stat().st_ino != before[hid]
        assert rebuilt == (hid in group), hid
    fresh = tmp_path / "fresh"  # the same bytes as a bundle built from scratch
    build_bundle(VILLAGE, households, fresh, BundleOptions(as_of=AS_OF, jobs=JOBS))
    assert tree(out) == tree(fresh)
    # DOCX only: nothing is converted together, so only the changed packet is built again
    docx_out = tmp_path / "docx"
    build_bundle(VILLAGE, HOUSEHOLDS, docx_out, BundleOptions(as_of=AS_OF, formats=("docx",), jobs=JOBS))
    report = build_bundle(VILLAGE, households, docx_out, BundleOptions(as_of=AS_OF, formats=("docx",), jobs=JOBS))
    assert report.totals.built == 1 and report.totals.finished == len(HOUSEHOLDS)
    assert "张炜" in "".join(docx_text(out / "households" / "001" / "contraception-1-甲方.docx"))
    assert verify_bundle(out).ok
    # a household left out of the bundle: its packet goes
    report = build_bundle(VILLAGE, households[:-1], out, BundleOptions(as_of=AS_OF, formats=("docx", "pdf"), jobs=JOBS))
    last = next(g for g in conversion_groups(ids) if "006" in g)  # its group's others are converted anew
    assert report.totals.built == len(last) - 1 and not (out / "households" / "006").exists()
    assert verify_bundle(out).ok


def test_docx_only_and_blank_adoption_facts(tmp_path):
    """A village file without adoption facts (会宁县's): the sheet leaves them blank to fill in."""
    out = tmp_path / "docx"
    outflow = next(h for h in HOUSEHOLDS if "outflow" in h.name)
    report = build_bundle(examples_dir() / "gansu" / "village.yaml", [outflow], out,
                          BundleOptions(as_of=AS_OF, formats=("docx",)))
    files = report.manifest["files"]
    assert {f["kind"] for f in files} == {"charter", "convention", "adoption-sheet", "outflow"}
    assert all(f["pages"] is None for f in files)
    assert not list(out.rglob("*.pdf"))
    assert verify_bundle(out).ok
    sheet = docx_text(out / "village" / "adoption-sheet.docx")
    assert "会议名称：村民会议／村民代表会议" in sheet
    assert "通过日期：　　　　年　　　　月　　　　日" in sheet
    assert "自治公约备案日期：　　　　年　　　　月　　　　日" in sheet
    assert "备案机关：会师镇人民政府" in sheet


def test_refuses_unsafe_output_and_inputs(tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "thesis.docx").write_text("mine")
    with pytest.raises(InputError, match="not a docforge bundle"):
        build_bundle(VILLAGE, [], busy, BundleOptions(as_of=AS_OF, formats=("docx",)))
    with pytest.raises(InputError, match="also the id"):
        build_bundle(VILLAGE, [INFLOW, INFLOW], tmp_path / "dup", BundleOptions(as_of=AS_OF, formats=("docx",)))
    with pytest.raises(InputError, match="format"):
        build_bundle(VILLAGE, [], tmp_path / "fmt", BundleOptions(as_of=AS_OF, formats=("odt",)))
