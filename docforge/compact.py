"""Per-row bookkeeping that stays small for rosters and bundles of 100,000 households: 64-bit keys
(and values) in flat arrays, at most four fifths full, instead of Python dicts and sets of strings
(10 to 40 bytes an entry instead of about 100).
"""

from __future__ import annotations

import hashlib
from array import array


def hash64(text: str) -> int:
    """A 64-bit hash of ``text`` (never 0), the same in every process and run."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little") or 1


def _zeros(n: int) -> array:
    """``n`` zero 64-bit slots, allocated once (``array("Q", bytes(8 * n))`` would first build the
    bytes, doubling the memory a table takes while it grows)."""
    return array("Q", [0]) * n


class IntTable:
    """A map of positive ints below 2⁶⁴ to ints below 2⁶⁴ (or, with ``values=False``, a set of
    them), by linear probing in flat arrays at most 4/5 full (a dozen probes at worst, on average,
    for a new key: well under a microsecond)."""

    def __init__(self, values: bool = True):
        self._keys = _zeros(1024)
        self._values = _zeros(1024) if values else None
        self._len = 0

    def _slot(self, key: int) -> int:
        keys, mask = self._keys, len(self._keys) - 1
        i = key & mask
        while keys[i] and keys[i] != key:
            i = (i + 1) & mask
        return i

    def setdefault(self, key: int, value: int = 0) -> int | None:
        """The value of ``key`` if it is there (None in a set); else store ``value`` and return it."""
        i = self._slot(key)
        if self._keys[i]:
            return self._values[i] if self._values is not None else None
        self._keys[i] = key
        if self._values is not None:
            self._values[i] = value
        self._len += 1
        if 5 * self._len > 4 * len(self._keys):
            self._grow()
        return value

    def get(self, key: int) -> int | None:
        i = self._slot(key)
        if not self._keys[i]:
            return None
        return self._values[i] if self._values is not None else key

    def __contains__(self, key: int) -> bool:
        return bool(self._keys[self._slot(key)])

    def __len__(self) -> int:
        return self._len

    def _grow(self) -> None:
        keys, values = self._keys, self._values
        self._keys = _zeros(2 * len(keys))
        new_values = self._values = _zeros(2 * len(keys)) if values is not None else None
        for n, key in enumerate(keys):
            if key:
                i = self._slot(key)
                self._keys[i] = key
                if values is not None and new_values is not None:
                    new_values[i] = values[n]


class IdSet:
    """A set of strings kept as their :func:`hash64`. Two strings sharing a hash (a chance of about
    n²/2⁶⁵, 3·10⁻¹⁰ for 100,000) count as one."""

    def __init__(self) -> None:
        self._table = IntTable(values=False)

    def add(self, text: str) -> bool:
        """Add ``text``; False if it was there already."""
        before = len(self._table)
        self._table.setdefault(hash64(text))
        return len(self._table) > before

    def __contains__(self, text: str) -> bool:
        return hash64(text) in self._table

    def __len__(self) -> int:
        return len(self._table)
