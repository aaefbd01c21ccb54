"""Bounds on what docforge unpacks from a zip archive (an .xlsx roster, a .docx template).

A few kilobytes of zip can unpack into gigabytes (a zip bomb): every member docforge reads is
checked against a limit before it is read. The size checked is the one the archive's central
directory records, and :mod:`zipfile` never delivers more than that (a member that holds more
fails its CRC check: :class:`zipfile.BadZipFile`), so the check bounds what is unpacked.
"""

from __future__ import annotations

import zipfile

from .i18n import _

MiB = 1 << 20


class ArchiveTooLarge(ValueError):
    """A member of an archive unpacks to more than docforge reads: the message says which, how
    much, and the limit."""


def _size(n: int) -> str:
    return f"{n / MiB:,.0f} MiB" if n >= MiB else f"{n:,} bytes"


def check_member(archive: zipfile.ZipFile, name: str, limit: int) -> zipfile.ZipInfo:
    """The entry of member ``name`` (KeyError when missing), refused when it unpacks to more than
    ``limit`` bytes."""
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise ArchiveTooLarge(_("its part {part} unpacks to {size}, more than the {limit} docforge reads from one "
                                "part (compressed it is {packed}: a zip bomb, or not a file an office program wrote)",
                                part=name, size=_size(info.file_size), limit=_size(limit),
                                packed=_size(info.compress_size)))
    return info


def check_archive(archive: zipfile.ZipFile, member_limit: int, total_limit: int) -> None:
    """Refuse an archive with a member over ``member_limit`` bytes or, together, over ``total_limit``."""
    total = 0
    for info in archive.infolist():
        check_member(archive, info.filename, member_limit)
        total += info.file_size
        if total > total_limit:
            raise ArchiveTooLarge(_("it unpacks to more than {limit} in all (a zip bomb, or not a file an office "
                                    "program wrote)", limit=_size(total_limit)))
