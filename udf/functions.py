"""The Python bodies of duckshred's SQL functions.

Vectorised over Arrow batches: DuckDB hands each function whole columns (2,048
rows at a time), so the per-row cost is one dictionary lookup and one Tink call.
Errors never quote the input: a message that reaches dbt's logs must not leak
plaintext or key material.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from duckshred.crypto import (
    DecryptionError,
    KeysetCipher,
    KeysetError,
    cipher_for,
    encrypt_batch,
    mask_value,
    new_keyset_json,
    subject_erasure_hashes,
)


def keyset_new() -> str:
    """``tink_keyset_new()``: a fresh AES256-SIV keyset, compact Tink JSON."""
    return new_keyset_json()


def keyset_new_per_row(rows: pa.Array) -> pa.Array:
    """``tink_keyset_new_per_row(x)``: a fresh keyset for every row, whatever ``x`` is.

    The vectorised twin of ``tink_keyset_new()``: the argument only hands DuckDB's
    batch size to Python, saving the per-call overhead of a scalar UDF, which
    doubles the cost of making a job's tens of thousands of keys."""
    return pa.array([new_keyset_json() for _ in range(len(rows))], pa.string())


def _ciphers_by_row(keysets: pa.Array, function: str) -> tuple[list[int | None], list]:
    """Each row's index into the batch's distinct keysets, and their ciphers: a
    keyset (a 250-character string) is hashed and looked up once a batch, not once a row."""
    if isinstance(keysets, pa.ChunkedArray):
        keysets = keysets.combine_chunks()
    encoded = pc.dictionary_encode(keysets)
    return (encoded.indices.to_pylist(),
            [_cipher(keyset, function) for keyset in encoded.dictionary.to_pylist()])


def encrypt(plaintexts: pa.Array, keysets: pa.Array) -> pa.Array:
    """``tink_encrypt(plaintext, keyset)``: base64 deterministic AEAD; NULL stays NULL."""
    rows, ciphers = _ciphers_by_row(keysets, "tink_encrypt")
    ciphertexts = encrypt_batch(plaintexts.cast(pa.binary()).to_pylist(), rows, ciphers)
    return pa.array(ciphertexts, pa.binary()).cast(pa.string())  # base64 is ASCII


def _decrypt(ciphertexts: pa.Array, keysets: pa.Array, *, strict: bool) -> pa.Array:
    rows, ciphers = _ciphers_by_row(keysets, "tink_decrypt")
    return decrypt_rows(ciphertexts, rows, ciphers, strict=strict)


def decrypt_rows(ciphertexts: pa.Array, rows: list[int | None],
                 ciphers: list[KeysetCipher | None], *, strict: bool = True) -> pa.Array:
    """Decrypt ``ciphertexts[i]`` with ``ciphers[rows[i]]``; NULL where either is missing
    (a NULL row or cipher is a shredded key)."""
    decrypt_with = [None if cipher is None else cipher.decrypt_from_base64
                    for cipher in ciphers]
    out: list[str | None] = []
    append = out.append
    # Rows of one subject and day repeat one ciphertext: decrypt it once a batch.
    seen: dict[bytes, tuple[int, str | None]] = {}
    for position, (ciphertext, row) in enumerate(
        zip(ciphertexts.cast(pa.binary()).to_pylist(), rows, strict=True)
    ):
        if ciphertext is None or row is None:  # NULL keyset: the key was shredded
            append(None)
            continue
        known = seen.get(ciphertext)
        if known is not None and known[0] == row:
            append(known[1])
            continue
        decrypt_one = decrypt_with[row]
        if decrypt_one is None:  # no keyset for this row: shredded
            append(None)
            continue
        try:
            plaintext: str | None = decrypt_one(ciphertext).decode("utf-8")
        except (DecryptionError, UnicodeDecodeError):
            if strict:
                raise ValueError(f"tink_decrypt: ciphertext does not decrypt under its keyset "
                                 f"(tampered, truncated, or made with another key; value "
                                 f"{position + 1} of its batch)") from None
            plaintext = None
        seen[ciphertext] = (row, plaintext)
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


def subject_hash(subjects: pa.Array, secrets: pa.Array) -> pa.Array:
    """``duckshred_subject_hash(subject, ledger_secret)``: the erasure ledger's keyed hash
    of a data subject id (NULL for a NULL id or a store without a secret)."""
    secret_values = set(secrets.to_pylist())
    if len(secret_values) != 1 or None in secret_values:
        if secret_values <= {None}:
            return pa.nulls(len(subjects), pa.string())
        raise ValueError("duckshred_subject_hash: one ledger secret per call")
    (secret,) = secret_values
    return pa.array(subject_erasure_hashes(secret, subjects.to_pylist()), pa.string())


def _cipher(keyset: str, function: str) -> KeysetCipher:
    try:
        return cipher_for(keyset)
    except KeysetError as error:
        raise ValueError(f"{function}: {error}") from None
