"""PDF output that depends only on the document: what LibreOffice stamps from the clock or from
process state is removed or made a function of the content.

`normalize_pdf` sets the dates of the document information and of the XMP packet to the given date
(or drops them), replaces the time-based /ID with a hash of the content (`write_pdf`, also used for
the assembled packets) and drops /DocChecksum, and gives every embedded Type 1 font a /UniqueID
derived from the font program instead of LibreOffice's process-wide counter (which depends on how
many fonts the same process exported before, so on a document's place in its batch). The
/UniqueID is written twice, in the font's clear part and in its eexec-encrypted Private dict, so
the eexec cipher is here too (in C when the extension `_eexec` was built, else in Python: the same
bytes). `checked_and_normalized` refuses a truncated or empty PDF first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import io
import re
from pathlib import Path
from typing import Any, cast

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
)

from docforge.fsutil import write_atomic

_INFO_DATES = ("/CreationDate", "/ModDate")
_XMP_DATES = ("xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate")


def normalize_pdf(path: Path, date: dt.date | None = None) -> None:
    """Rewrite a PDF so that its bytes depend only on its content.

    Creation and modification dates (document information and XMP) become `date`, or are
    dropped when it is None; /ID becomes a hash of the content; /DocChecksum goes (pypdf writes
    its own trailer); Type 1 font /UniqueIDs become hashes of the font program.
    """
    path = Path(path)
    reader = PdfReader(path)
    for number in range(1, int(reader.trailer.get("/Size", 0))):
        obj = reader.get_object(number)
        if isinstance(obj, DictionaryObject) and obj.get("/Type") == "/FontDescriptor":
            font_file = obj.get("/FontFile")
            if font_file is not None:
                stable_type1_unique_id(font_file.get_object())

    writer = PdfWriter(clone_from=reader)
    info = {k: v for k, v in (reader.metadata or {}).items() if k not in _INFO_DATES}
    if date is not None:
        info["/CreationDate"] = info["/ModDate"] = _pdf_date(date)
    writer.metadata = info
    metadata = writer.root_object.get("/Metadata")
    if metadata is not None:
        stream = metadata.get_object()
        stream.set_data(_xmp_with_date(stream.get_data(), date))

    write_pdf(writer, path)


def write_pdf(writer: PdfWriter, path: Path) -> None:
    """Write ``writer`` to ``path`` (atomically) with an /ID that depends only on the content.

    /ID is a hash of the file as written with a placeholder ID; both entries are equal, as for a
    file written once. The placeholder is then overwritten in place: same length, and the trailer
    comes after everything the cross-reference table points to."""
    writer._ID = ArrayObject([ByteStringObject(bytes(16)), ByteStringObject(bytes(16))])
    draft = io.BytesIO()
    writer.write(draft)
    data = draft.getvalue()
    head, sep, tail = data.rpartition(_ID_PLACEHOLDER)
    if not sep:
        raise ValueError("pypdf wrote no /ID entry in the trailer")
    file_id = hashlib.sha256(data).digest()[:16].hex().encode("ascii")
    write_atomic(Path(path), b"".join((head, b"/ID [ <%s> <%s> ]" % (file_id, file_id), tail)), fsync=False)


_ID_PLACEHOLDER = b"/ID [ <%s> <%s> ]" % (bytes(16).hex().encode(), bytes(16).hex().encode())


def _pdf_date(date: dt.date) -> str:
    if not isinstance(date, dt.datetime):
        return date.strftime("D:%Y%m%d000000")
    text = date.strftime("D:%Y%m%d%H%M%S")
    offset = date.utcoffset()
    if offset is None:
        return text
    if not offset:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{text}{sign}{hours:02d}'{mins:02d}'"


def _xmp_date(date: dt.date) -> str:
    if not isinstance(date, dt.datetime):
        return date.isoformat()
    return date.isoformat(timespec="seconds").replace("+00:00", "Z")


def _xmp_with_date(xmp: bytes, date: dt.date | None) -> bytes:
    text = xmp.decode("utf-8")
    for name in _XMP_DATES:
        element = re.compile(rf"<{name}>[^<]*</{name}>")
        attribute = re.compile(rf'\s{name}="[^"]*"')
        if date is None:
            text = attribute.sub("", element.sub("", text))
        else:
            value = _xmp_date(date)
            text = element.sub(f"<{name}>{value}</{name}>", text)
            text = attribute.sub(f' {name}="{value}"', text)
    return text.encode("utf-8")


# Type 1 fonts: LibreOffice numbers every subset it emits with a process-wide counter, written
# in the clear part and again in the eexec-encrypted Private dict.

_UNIQUE_ID = re.compile(rb"/UniqueID \d+ def")
_EEXEC_KEY = 55665


def stable_type1_unique_id(stream: StreamObject) -> None:
    if "/Length1" not in stream or "/Length2" not in stream:
        return
    data = stream.get_data()
    len1, len2 = int(cast(NumberObject, stream["/Length1"])), int(cast(NumberObject, stream["/Length2"]))
    clear, secret, rest = data[:len1], data[len1 : len1 + len2], data[len1 + len2 :]
    current = _UNIQUE_ID.search(clear)
    if current is None:
        return
    # The clear part names the font and, in its Encoding, the CID of every glyph in the subset.
    digest = hashlib.sha256(_UNIQUE_ID.sub(b"", clear)).digest()
    # 4000000-4999999 is the UniqueID range for private use.
    unique_id = b"/UniqueID %d def" % (4_000_000 + int.from_bytes(digest[:8], "big") % 1_000_000)
    if current.group(0) == unique_id:  # normalized before (a merged packet, a re-run)
        return
    clear = _UNIQUE_ID.sub(unique_id, clear)
    secret = eexec_encrypt(_UNIQUE_ID.sub(unique_id, eexec_decrypt(secret)))
    stream.set_data(clear + secret + rest)
    stream[NameObject("/Length1")] = NumberObject(len(clear))
    stream[NameObject("/Length2")] = NumberObject(len(secret))


_eexec: Any
try:  # the same two functions at C speed, when the extension was built (see _eexec.c; no type stubs)
    _eexec = importlib.import_module("docforge.render._eexec")
except ImportError:  # pragma: no cover - depends on the installation
    _eexec = None


def eexec_decrypt(data: bytes) -> bytes:
    if _eexec is not None:
        return _eexec.decrypt(data, _EEXEC_KEY)
    return _eexec_decrypt_py(data)


def eexec_encrypt(data: bytes) -> bytes:
    if _eexec is not None:
        return _eexec.encrypt(data, _EEXEC_KEY)
    return _eexec_encrypt_py(data)


def _eexec_decrypt_py(data: bytes) -> bytes:
    r = _EEXEC_KEY
    out = bytearray(len(data))
    for i, c in enumerate(data):
        out[i] = c ^ (r >> 8)
        r = ((c + r) * 52845 + 22719) & 0xFFFF
    return bytes(out)


def _eexec_encrypt_py(data: bytes) -> bytes:
    r = _EEXEC_KEY
    out = bytearray(len(data))
    for i, p in enumerate(data):
        c = p ^ (r >> 8)
        out[i] = c
        r = ((c + r) * 52845 + 22719) & 0xFFFF
    return bytes(out)


def checked_and_normalized(produced: Path, date: dt.date | None) -> str | None:
    """Check a PDF LibreOffice wrote and normalise it in place (`normalize_pdf`); None when it is
    fine, else the reason, the file removed."""
    try:
        check_complete(produced)
        normalize_pdf(produced, date)
    except Exception as exc:  # noqa: BLE001 - any unreadable PDF is the same failure
        produced.unlink(missing_ok=True)
        return f"LibreOffice wrote an unreadable PDF ({exc})"
    return None


def check_complete(pdf: Path) -> None:
    """Fail on a truncated PDF: pypdf would silently rebuild its cross-reference table."""
    with pdf.open("rb") as f:
        head = f.read(5)
        f.seek(max(0, pdf.stat().st_size - 1024))
        tail = f.read()
    if head != b"%PDF-" or b"%%EOF" not in tail:
        raise ValueError("truncated or not a PDF")
    if len(PdfReader(pdf).pages) == 0:
        raise ValueError("no pages")

