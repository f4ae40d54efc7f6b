"""Whether any of many byte strings (keyLinks, key material) occurs in a file.

An erasure looks for a subject's keyLinks and keysets (a few, or a few hundred
byte strings) in every file under the workspace and in the outputs it must
read. ``needle in data`` once per needle costs a pass over the bytes per
needle; past a handful of needles this module makes one pass for all of them:

Every needle of 15 bytes or more fully covers at least one 8-byte word that is
8-byte aligned in the searched buffer, whatever its offset (a word starts at
most 7 bytes into it). So the buffer is read as aligned 64-bit words, each is
hashed into a bit table holding the hashes of every needle's 8-byte windows at
offsets 0..7, and only the few words that hit are checked against the needles
they may start.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

_WORD = 8
_SHORTEST_HASHED = 2 * _WORD - 1  # shorter needles may cover no aligned word
_FEW = 4  # up to this many needles, one ``in`` per needle is as fast
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads ASCII words


def minimal_needles(needles: Iterable[bytes]) -> list[bytes]:
    """The needles without those that contain another: a needle holding another is
    found through it (a keyset's JSON through its base64 value). Shortest first."""
    kept: list[bytes] = []
    for needle in sorted(set(needles), key=lambda n: (len(n), n)):
        if needle and not any(shorter in needle for shorter in kept):
            kept.append(needle)
    return kept


class NeedleSet:
    """Byte strings to look for, prepared once for any number of buffers."""

    def __init__(self, needles: Iterable[bytes]) -> None:
        self.needles = minimal_needles(needles)
        self.overlap = max((len(n) for n in self.needles), default=1) - 1
        hashed = [n for n in self.needles if len(n) >= _SHORTEST_HASHED]
        self._plain = [n for n in self.needles if len(n) < _SHORTEST_HASHED]
        if len(hashed) <= _FEW:
            self._plain += hashed
            hashed = []
        # word value -> the (needle, offset) pairs whose window at offset is that word
        self._windows: dict[int, list[tuple[bytes, int]]] = {}
        for needle in hashed:
            for offset in range(_WORD):
                word = int.from_bytes(needle[offset:offset + _WORD], "little")
                self._windows.setdefault(word, []).append((needle, offset))
        # ~1/64 of the table set: few false hits, and small enough to stay in cache
        bits = min(26, max(16, (len(self._windows) * 64).bit_length()))
        self._shift = np.uint64(64 - bits)
        self._table = np.zeros(1 << bits, dtype=bool)
        if self._windows:
            words = np.fromiter(self._windows, dtype=np.uint64, count=len(self._windows))
            self._table[self._hash(words)] = True

    def __bool__(self) -> bool:
        return bool(self.needles)

    def _hash(self, words: np.ndarray) -> np.ndarray:
        hashed = np.multiply(words, _MULTIPLIER)
        np.right_shift(hashed, self._shift, out=hashed)
        return hashed

    def found_in(self, data: bytes) -> bool:
        """Whether a needle occurs whole inside ``data``."""
        if any(needle in data for needle in self._plain):
            return True
        if not self._windows:
            return False
        words = np.frombuffer(data, dtype="<u8", count=len(data) // _WORD)
        for index in np.flatnonzero(self._table[self._hash(words)]).tolist():
            for needle, offset in self._windows.get(int(words[index]), ()):
                start = index * _WORD - offset
                if start >= 0 and data[start:start + len(needle)] == needle:
                    return True
        return False

    def found_in_stream(self, chunks: Iterable[bytes]) -> bool:
        """Whether a needle occurs in the concatenated chunks, also across their borders."""
        if not self.needles:
            return False
        tail = b""
        for chunk in chunks:
            data = tail + chunk
            if self.found_in(data):
                return True
            tail = data[-self.overlap:] if self.overlap else b""
        return False
