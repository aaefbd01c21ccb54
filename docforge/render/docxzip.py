"""The DOCX package as a zip whose bytes depend only on its members: every member deflated at one
level (`ZIP_LEVEL`), dated `FIXED_ZIP_TIME`, with the same attributes, in a given order, and no data
descriptors or zip64, as ``zipfile`` writes it to a seekable file. `docforge.render.docx` writes its
reference path with ``zipfile`` and its fast path with these functions (the same bytes, without
recompressing the members that are the same in every document).

The record layouts are those of the ZIP format (PKWARE APPNOTE 4.3.7, 4.3.12, 4.3.16), which
``zipfile`` uses too but does not document as its API.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

#: The date of every member (the earliest a zip can hold): no clock in the output.
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_LEVEL = 6  # deflate level of every DOCX member, fixed so that output is byte-stable
ZIP_LIMIT = 1 << 30  # far below zip64; a larger package goes the reference path

# The ZIP records: local file header, central directory entry, end of central directory.
FILE_HEADER = "<4s2B4HL2L2H"
FILE_HEADER_SIGNATURE = b"PK\003\004"
SIZE_FILE_HEADER = struct.calcsize(FILE_HEADER)
CENTRAL_DIR = "<4s4B4HL2L5H2L"
CENTRAL_DIR_SIGNATURE = b"PK\001\002"
END_ARCHIVE = b"<4s4H2LH"
END_ARCHIVE_SIGNATURE = b"PK\005\006"
_ZIP_VERSION = 20  # zipfile's DEFAULT_VERSION: what it writes for deflated members
_ZIP_ATTR = 0o600 << 16  # normalize_docx's external_attr
_DOS_DATE = (FIXED_ZIP_TIME[0] - 1980) << 9 | FIXED_ZIP_TIME[1] << 5 | FIXED_ZIP_TIME[2]
_DOS_TIME = FIXED_ZIP_TIME[3] << 11 | FIXED_ZIP_TIME[4] << 5 | FIXED_ZIP_TIME[5] // 2


class Member:
    """One zip member: its name as written, flag bits, CRC, size and deflated data."""

    __slots__ = ("name", "flags", "crc", "size", "data")

    def __init__(self, name: str, data: bytes, deflated: bytes | None = None, crc: int | None = None):
        try:
            self.name, self.flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            self.name, self.flags = name.encode("utf-8"), 0x800  # as zipfile marks UTF-8 names
        self.size = len(data)
        self.crc = zlib.crc32(data) if crc is None else crc
        self.data = deflate(data) if deflated is None else deflated


def deflate(data: bytes) -> bytes:
    """Raw deflate exactly as zipfile writes a ZIP_DEFLATED member at `ZIP_LEVEL`."""
    c = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def deflated_members(data: bytes) -> dict[str, Member]:
    """The members of a zip, with their deflated bytes as stored (read, not recompressed)."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            head = data[info.header_offset:info.header_offset + SIZE_FILE_HEADER]
            fields = struct.unpack(FILE_HEADER, head)
            start = info.header_offset + SIZE_FILE_HEADER + fields[10] + fields[11]  # name, extra
            raw = data[start:start + info.compress_size]
            member = Member(info.filename, b"", raw, info.CRC)
            member.size = info.file_size
            out[info.filename] = member
    return out


def local_header(m: Member) -> bytes:
    """Local file header, name and data of a member (they do not depend on its position)."""
    return struct.pack(FILE_HEADER, FILE_HEADER_SIGNATURE, _ZIP_VERSION, 0, m.flags,
                       zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE, m.crc, len(m.data), m.size, len(m.name),
                       0) + m.name + m.data


def central_entry(m: Member) -> tuple[bytes, bytes]:
    """A member's central directory entry, split around its 4-byte header offset (the last field)."""
    entry = struct.pack(CENTRAL_DIR, CENTRAL_DIR_SIGNATURE, _ZIP_VERSION, 0, _ZIP_VERSION,
                        0, m.flags, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE, m.crc, len(m.data), m.size,
                        len(m.name), 0, 0, 0, 0, _ZIP_ATTR, 0)
    return entry[:-4], m.name


class Packed:
    """A member ready to be written: its local part and its central directory entry."""

    __slots__ = ("local", "central")

    def __init__(self, m: Member):
        self.local = local_header(m)
        self.central = central_entry(m)


_OFFSET = struct.Struct("<L")


def write_zip(members: list[Packed]) -> bytes:
    """The zip normalize_docx writes (zipfile, seekable output, no data descriptors, no zip64)."""
    central: list[bytes] = []
    offset = 0
    for m in members:
        head, name = m.central
        central += (head, _OFFSET.pack(offset), name)
        offset += len(m.local)
    directory = b"".join(central)
    end = struct.pack(END_ARCHIVE, END_ARCHIVE_SIGNATURE, 0, 0, len(members), len(members),
                      len(directory), offset, 0)
    return b"".join([m.local for m in members]) + directory + end
