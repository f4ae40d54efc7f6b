"""The reference system's masking: MurmurHash3 x64 128 of ``seed + value``."""

import mmh3


def mask_value(value: str, seed: str = "") -> str:
    """``hex(h1) + hex(h2)`` of MurmurHash3 x64 128 over UTF-8(seed + value), hash seed 0.

    Each half is unsigned, lower-case and *not* zero-padded (so 31 or 32 characters
    is normal), exactly as the reference system printed it.
    """
    h1, h2 = mmh3.hash64((seed + value).encode("utf-8"), 0, x64arch=True, signed=False)
    return f"{h1:x}{h2:x}"
