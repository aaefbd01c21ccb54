"""The LibreOffice pool: same PDFs as pdf.convert_many, failures reported, nothing left running."""

from __future__ import annotations

import datetime as dt
import os
import signal
import tempfile
import zipfile
from pathlib import Path

import pytest

from docforge.demo import example_households, examples_dir
from docforge.inputs import load_household, load_village
from docforge.render import pdf, pdfpool
from docforge.render.docx import write_docx
from docforge.resolve import Resolver

pytestmark = pytest.mark.skipif(pdfpool.unavailable() is not None,
                                reason=f"LibreOffice pool unavailable: {pdfpool.unavailable()}")
AS_OF = dt.date(2021, 8, 19)  # the national agreements' last day: contraception and outflow documents exist (docs/law.md)


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("docx")
    r = Resolver(load_village(examples_dir() / "village.yaml"), AS_OF)
    paths = [write_docx(r.document("convention"), out / "convention.docx")]
    for i, hf in enumerate(example_households()[:3]):
        h = load_household(hf)
        paths.append(write_docx(r.document("contraception", h), out / f"c{i}.docx", copy_mark="甲方存",
                                page_total=True))
    return paths


@pytest.fixture(autouse=True)
def _own_profiles(tmp_path_factory, monkeypatch):
    """Pools of these tests keep their LibreOffice profiles under this session's temporary folder,
    so that `_pool_processes` sees this run's processes and not another docforge's on the machine."""
    own = tmp_path_factory.getbasetemp() / "profiles"
    own.mkdir(exist_ok=True)
    monkeypatch.setattr(tempfile, "tempdir", str(own))
    global _OWN
    _OWN = str(own).encode()


_OWN = b""


def _pool_processes() -> list[int]:
    """This run's processes (helpers, soffice) whose command line names one of its pool profiles:
    orphans count too (a leftover soffice is reparented, so its ancestry would not show it)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"docforge-lo-pool-" in cmdline and _OWN in cmdline:
            found.append(int(pid))
    return found


def test_same_bytes_as_convert_many(docs, tmp_path):
    pooled = pdfpool.convert_many(docs, tmp_path / "pool", jobs=2, date=AS_OF)
    batched = pdf.convert_many(docs, tmp_path / "batch", jobs=1, date=AS_OF)
    assert not pooled.failures and not batched.failures
    for d in docs:
        assert pooled.pdfs[d] == tmp_path / "pool" / f"{d.stem}.pdf"
        assert pooled.pdfs[d].read_bytes() == batched.pdfs[d].read_bytes(), d.name
    assert not _pool_processes()
    assert not list((tmp_path / "pool").glob(".docforge-pdf-*"))


def test_restart_every_document(docs, tmp_path):
    result = pdfpool.convert_many(docs[:2], tmp_path, restart_every=1, date=AS_OF)
    assert sorted(result.pdfs) == sorted(docs[:2]) and not result.failures
    assert not _pool_processes()


def test_bad_documents_are_reported_and_others_delivered(docs, tmp_path):
    damaged = tmp_path / "damaged.docx"
    damaged.write_bytes(docs[0].read_bytes()[:5000])
    not_docx = tmp_path / "text.docx"
    not_docx.write_text("plain text, not a DOCX")
    missing = tmp_path / "missing.docx"
    garbage = tmp_path / "garbage.docx"  # a zip with a document.xml that is not XML: LibreOffice refuses it
    with zipfile.ZipFile(garbage, "w") as z:
        z.writestr("word/document.xml", "<<< not xml")
    result = pdfpool.convert_many([damaged, docs[1], not_docx, missing, garbage], tmp_path / "out", jobs=2)
    assert list(result.pdfs) == [docs[1]]
    assert set(result.failures) == {damaged, not_docx, missing, garbage}
    assert "not found" in result.failures[missing]
    assert "could not be loaded" in result.failures[garbage]
    assert not _pool_processes()


def test_a_killed_instance_is_replaced(docs, tmp_path):
    with pdfpool.Worker(pdf.find_soffice(), pdfpool.uno_python()) as worker:
        worker.start()
        os.killpg(worker.proc.pid, signal.SIGKILL)  # LibreOffice and its helper crash
        with pytest.raises(pdfpool.WorkerDied):
            worker.convert(docs[0].resolve(), tmp_path / "a.pdf")
        assert worker.convert(docs[0].resolve(), tmp_path / "a.pdf") is None  # a fresh instance
        assert (tmp_path / "a.pdf").is_file()
    assert not _pool_processes()


def test_timeout_kills_and_reports(docs, tmp_path):
    result = pdfpool.convert_many(docs[:1], tmp_path, timeout=0.01)
    assert docs[0] in result.failures
    assert "did not answer" in result.failures[docs[0]]
    assert not _pool_processes()


def test_falls_back_without_uno(docs, tmp_path, monkeypatch):
    monkeypatch.setattr(pdfpool, "unavailable", lambda: "no uno here")
    result = pdfpool.convert_many(docs[:1], tmp_path, date=AS_OF)
    assert list(result.pdfs) == docs[:1]


def test_slim_templates_give_the_same_pdfs(tmp_path):
    from docforge.render.docx import normalize_docx, render_docx_fast, template_path
    from docforge.render.slim import slim_docx

    r = Resolver(load_village(examples_dir() / "village.yaml"), AS_OF)
    h = load_household(example_households()[3])
    pairs = []
    for kind in ("convention", "outflow"):
        slim = tmp_path / f"slim-{kind}.docx"
        slim.write_bytes(normalize_docx(slim_docx(template_path(kind).read_bytes())))
        doc = r.document(kind, h) if kind == "outflow" else r.document(kind)
        a, b = tmp_path / f"a-{kind}.docx", tmp_path / f"b-{kind}.docx"
        a.write_bytes(render_docx_fast(doc, copy_mark="乙方存", page_total=True, draft=True))
        b.write_bytes(render_docx_fast(doc, template=slim, copy_mark="乙方存", page_total=True, draft=True))
        pairs.append((a, b))
    result = pdfpool.convert_many([p for pair in pairs for p in pair], tmp_path / "pdf", jobs=2, date=AS_OF)
    assert not result.failures
    for a, b in pairs:
        assert result.pdfs[a].read_bytes() == result.pdfs[b].read_bytes(), a.name


def test_relative_paths_work(docs, tmp_path, monkeypatch):
    """`docforge bundle -o out` passes folders relative to the working directory; LibreOffice runs
    in another one."""
    monkeypatch.chdir(tmp_path)
    rel = [Path(os.path.relpath(d, tmp_path)) for d in docs[:2]]
    result = pdfpool.convert_many(rel, Path("relative-out"), jobs=1, date=AS_OF)
    assert not result.failures, result.failures
    assert all((tmp_path / "relative-out" / f"{d.stem}.pdf").is_file() for d in rel)


def test_pool_futures_and_cancel(docs, tmp_path):
    with pdfpool.Pool(jobs=1, date=AS_OF) as pool:
        futures = [pool.submit(d, tmp_path / f"{d.stem}.pdf") for d in docs]
        bad = pool.submit(tmp_path / "missing.docx", tmp_path / "missing.pdf")
        assert futures[0].result() == tmp_path / f"{docs[0].stem}.pdf"
    assert all(f.result() == tmp_path / f"{d.stem}.pdf" for d, f in zip(docs, futures))
    assert bad.result() == "file not found"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{d.stem}.pdf" for d in docs)  # no temporaries

    pool = pdfpool.Pool(jobs=1).start()
    queued = [pool.submit(d, tmp_path / f"again-{d.stem}.pdf") for d in docs]
    pool.close(cancel=True)  # what a stopped bundle run does: queued documents are dropped
    assert all(f.done() for f in queued)
    assert "not converted: the run stopped" in {f.result() for f in queued[1:]}
    assert not _pool_processes()
    with pytest.raises(RuntimeError, match="closed"):
        pool.submit(docs[0], tmp_path / "late.pdf")


def test_pool_without_uno_converts_in_batches_with_the_same_bytes(docs, tmp_path, monkeypatch):
    reference = pdfpool.convert_many(docs, tmp_path / "uno", jobs=2, date=AS_OF)
    monkeypatch.setattr(pdfpool, "unavailable", lambda: "no uno here")
    same_stem = tmp_path / "other" / docs[1].name  # two sources with one stem: one soffice call each
    same_stem.parent.mkdir()
    same_stem.write_bytes(docs[1].read_bytes())
    with pdfpool.Pool(jobs=2, date=AS_OF) as pool:
        assert pool.fallback == "no uno here"
        futures = {d: pool.submit(d, tmp_path / f"fb-{i}.pdf") for i, d in enumerate([*docs, same_stem])}
    for d, f in futures.items():
        source = docs[1] if d == same_stem else d
        assert f.result().read_bytes() == reference.pdfs[source].read_bytes(), d.name


def test_pipelined_pool_restarts_and_survives_a_crash(docs, tmp_path, monkeypatch):
    """With two jobs each instance holds two documents at a time: a restart waits for both answers,
    and an instance that dies takes both, which are tried again on a fresh one."""
    real_receive = pdfpool.Worker.receive
    crashed = []

    def receive(self):
        if not crashed and self.done >= 2:  # two documents sent to this instance: crash it
            crashed.append(self.proc.pid)
            self.kill()
            raise pdfpool.WorkerDied("LibreOffice's helper ended unexpectedly")
        return real_receive(self)

    monkeypatch.setattr(pdfpool.Worker, "receive", receive)
    reference = pdf.convert_many(docs, tmp_path / "ref", date=AS_OF)
    many = [*docs, *docs]
    with pdfpool.Pool(jobs=2, date=AS_OF, restart_every=3) as pool:
        futures = [pool.submit(d, tmp_path / f"p{i}.pdf") for i, d in enumerate(many)]
    assert crashed
    for d, f in zip(many, futures):
        assert f.result().read_bytes() == reference.pdfs[d].read_bytes(), d.name
    assert not _pool_processes()
