"""File-system helpers of every writer: hashes, atomic writes (fsynced, no half-written file left
behind), fsync of a folder or a whole file system, and a JSON object streamed to disk."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def json_bytes(data: Any) -> bytes:
    """``data`` as the project writes JSON files: UTF-8, indented by two, keys in their order."""
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def tmp_path(path: Path) -> Path:
    """The temporary name beside ``path`` that an atomic write of it goes through."""
    return path.with_name(f".{path.name}.tmp")


@contextlib.contextmanager
def replacing(path: Path, mode: str, fsync: bool = True) -> Iterator[IO[Any]]:
    """A file opened (``mode``: "wb" or "w", UTF-8) under :func:`tmp_path`, renamed onto ``path``
    when the block ends, removed if the block fails; ``fsync``: on disk before the rename."""
    tmp = tmp_path(path)
    try:
        with open(tmp, mode, encoding=None if "b" in mode else "utf-8") as f:
            yield f
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes, fsync: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file, renamed into place: a reader sees the
    old file or the new one, never half of one. ``fsync``: on disk before the rename (a run that
    re-checks its files on resume, as a bundle's packets are, can leave it to one sync at the end)."""
    with replacing(path, "wb", fsync) as f:
        f.write(data)


def save_atomic(save: Callable[[str], None], out: Path) -> Path:
    """Call ``save(name)`` on a temporary file beside ``out``, then rename it into place: an
    interrupted run leaves no half-written file (for writers that take a file name)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    try:
        save(tmp)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (new and renamed files) to disk, where the system allows it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def sync_filesystem(path: Path) -> None:
    """Flush the file system holding ``path`` to disk (Linux ``syncfs``; elsewhere ``sync``)."""
    try:
        import ctypes

        fd = os.open(path, os.O_RDONLY)
        try:
            if ctypes.CDLL(None, use_errno=True).syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    except (OSError, AttributeError):
        pass
    os.sync()


def link_or_copy(src: Path, dst: Path) -> None:
    """A hard link of ``src`` at ``dst``, or a copy where links are not possible."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def write_json_stream(path: Path, items: Iterable[tuple[str, Any]]) -> None:
    """Write the object ``{key: value, …}`` exactly as ``json.dumps(indent=2)`` would, atomically;
    a value that is an iterator is written entry by entry, never held whole."""
    with replacing(path, "w") as f:
        f.write("{")
        for n, (key, value) in enumerate(items):
            f.write(("," if n else "") + "\n  " + json.dumps(key, ensure_ascii=False) + ": ")
            if isinstance(value, Iterator):
                empty = True
                for entry in value:
                    f.write(("[" if empty else ",") + "\n    " + _dumps(entry).replace("\n", "\n    "))
                    empty = False
                f.write("[]" if empty else "\n  ]")
            else:
                f.write(_dumps(value).replace("\n", "\n  "))
        f.write("\n}\n")
