"""The Python bodies of duckshred's SQL functions.

Vectorised over Arrow batches: DuckDB hands each function whole columns (2,048
rows at a time), so the per-row cost is one dictionary lookup and one Tink call.
Errors never quote the input: a message that reaches dbt's logs must not leak
plaintext or key material.
"""

from __future__ import annotations

import pyarrow as pa

from duckshred.crypto import DecryptionError, KeysetError, cipher_for, mask_value, new_keyset_json


def keyset_new() -> str:
    """``tink_keyset_new()``: a fresh AES256-SIV keyset, compact Tink JSON."""
    return new_keyset_json()


def keyset_new_per_row(rows: pa.Array) -> pa.Array:
    """``tink_keyset_new_per_row(x)``: a fresh keyset for every row, whatever ``x`` is.

    The vectorised twin of ``tink_keyset_new()``: the argument only hands DuckDB's
    batch size to Python, saving the per-call overhead of a scalar UDF, which
    doubles the cost of making a job's tens of thousands of keys."""
    return pa.array([new_keyset_json() for _ in range(len(rows))], pa.string())


def encrypt(plaintexts: pa.Array, keysets: pa.Array) -> pa.Array:
    """``tink_encrypt(plaintext, keyset)``: base64 deterministic AEAD; NULL stays NULL."""
    out: list[str | None] = []
    append = out.append
    ciphers: dict[str, object] = {}
    for plaintext, keyset in zip(plaintexts.to_pylist(), keysets.to_pylist(), strict=True):
        if plaintext is None or keyset is None:
            append(None)
            continue
        cipher = ciphers.get(keyset)
        if cipher is None:
            cipher = ciphers[keyset] = _cipher(keyset, "tink_encrypt")
        append(cipher.encrypt(plaintext))  # type: ignore[attr-defined]
    return pa.array(out, pa.string())


def _decrypt(ciphertexts: pa.Array, keysets: pa.Array, *, strict: bool) -> pa.Array:
    out: list[str | None] = []
    append = out.append
    # Rows of one subject and day repeat the same ciphertext: decrypt each pair once a batch.
    seen: dict[tuple[str, str], str | None] = {}
    for row, (ciphertext, keyset) in enumerate(
        zip(ciphertexts.to_pylist(), keysets.to_pylist(), strict=True)
    ):
        if ciphertext is None or keyset is None:  # NULL keyset: the key was shredded
            append(None)
            continue
        pair = (ciphertext, keyset)
        if pair in seen:
            append(seen[pair])
            continue
        try:
            plaintext: str | None = _cipher(keyset, "tink_decrypt").decrypt(ciphertext)
        except (DecryptionError, ValueError) as error:
            if strict:
                raise ValueError(f"tink_decrypt: {error} (value {row + 1} of its batch)") from None
            plaintext = None
        seen[pair] = plaintext
        append(plaintext)
    return pa.array(out, pa.string())


def decrypt(ciphertexts: pa.Array, keysets: pa.Array) -> pa.Array:
    """``tink_decrypt(ciphertext, keyset)``: NULL for NULL input or a shredded (NULL) key,
    an error for a tampered ciphertext or a wrong key."""
    return _decrypt(ciphertexts, keysets, strict=True)


def try_decrypt(ciphertexts: pa.Array, keysets: pa.Array) -> pa.Array:
    """``tink_try_decrypt(ciphertext, keyset)``: as ``tink_decrypt`` but NULL instead of errors."""
    return _decrypt(ciphertexts, keysets, strict=False)


def mask(values: pa.Array, seeds: pa.Array) -> pa.Array:
    """``strm_mask(value, seed)``: the reference MurmurHash3 masking; NULL stays NULL."""
    return pa.array(
        [
            None if value is None else mask_value(value, seed or "")
            for value, seed in zip(values.to_pylist(), seeds.to_pylist(), strict=True)
        ],
        pa.string(),
    )


def _cipher(keyset: str, function: str):  # noqa: ANN202 - KeysetCipher, kept private
    try:
        return cipher_for(keyset)
    except KeysetError as error:
        raise ValueError(f"{function}: {error}") from None
