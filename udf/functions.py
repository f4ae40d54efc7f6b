"""The Python bodies of duckshred's SQL functions.

Vectorised over Arrow batches: DuckDB hands each function whole columns (2,048
rows at a time), so the per-row cost is one dictionary lookup and one Tink call.
Errors never quote the input: a message that reaches dbt's logs must not leak
plaintext or key material.
"""

from __future__ import annotations

from typing import cast

import pyarrow as pa
import pyarrow.compute as pc

from duckshred.crypto import (
    KeysetCipher,
    KeysetError,
    cipher_for,
    decrypt_batch,
    encrypt_batch,
    mask_value,
    new_keyset_json,
    new_keysets_json,
    subject_erasure_hashes,
)
from duckshred.udf._arrow import distinct_rows, integers, single_owner, strings


def keyset_new() -> str:
    """``tink_keyset_new()``: a fresh AES256-SIV keyset, compact Tink JSON."""
    return new_keyset_json()


def keyset_new_per_row(rows: pa.Array) -> pa.Array:
    """``tink_keyset_new_per_row(x)``: a fresh keyset for every row, whatever ``x`` is.

    The vectorised twin of ``tink_keyset_new()``: the argument only hands DuckDB's
    batch size to Python, saving the per-call overhead of a scalar UDF, which
    doubles the cost of making a job's tens of thousands of keys."""
    return strings(new_keysets_json(len(rows)))


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
    return strings(ciphertexts)  # base64 is ASCII


def _decrypt(ciphertexts: pa.Array, keysets: pa.Array, *, strict: bool) -> pa.Array:
    if isinstance(keysets, pa.ChunkedArray):
        keysets = keysets.combine_chunks()
    # a keyset (a 250-character string) is hashed once a batch, then rows carry its number
    encoded = pc.dictionary_encode(keysets)
    ciphers: list[KeysetCipher | None] = [
        _cipher(keyset, "tink_decrypt") for keyset in encoded.dictionary.to_pylist()]
    return decrypt_rows(ciphertexts, encoded.indices, ciphers, strict=strict)


def decrypt_rows(ciphertexts: pa.Array, rows: pa.Array | list[int | None],
                 ciphers: list[KeysetCipher | None], *, strict: bool = True) -> pa.Array:
    """Decrypt ``ciphertexts[i]`` with ``ciphers[rows[i]]``; NULL where either is missing
    (a NULL row or cipher is a shredded key); for a ciphertext that does not decrypt
    under its keyset, an error (``strict``) or NULL.

    Rows of one subject and day repeat one (ciphertext, keyset) pair: each distinct pair
    of the batch is decrypted once, and every row takes its pair's plaintext in Arrow."""
    if not isinstance(rows, pa.Array | pa.ChunkedArray):
        rows = integers(rows)
    if isinstance(rows, pa.ChunkedArray):
        rows = rows.combine_chunks()
    encoded = pc.dictionary_encode(_binary(ciphertexts))
    owners = single_owner(encoded.indices, rows)
    if owners is not None:
        # The usual batch: each ciphertext comes with one keyset, so the distinct
        # ciphertexts are the distinct pairs (a ciphertext copied beside another keyLink,
        # or a NULL keyset, takes the general path below).
        texts, cipher_numbers = encoded.dictionary.to_pylist(), owners.tolist()
        pairs = encoded.indices
    else:
        # The rows' cipher numbers are codes already: distinct_rows need not encode them again.
        numbers = pa.DictionaryArray.from_arrays(rows, integers(range(len(ciphers))))
        (texts, cipher_numbers), pairs = distinct_rows(encoded, numbers)
    keyed = [pair for pair, number in enumerate(cipher_numbers) if ciphers[number] is not None]
    plaintexts: list[bytes | None] = [None] * len(texts)
    failed = []
    for pair, plaintext in zip(keyed, decrypt_batch(
            [texts[pair] for pair in keyed],
            [cast(KeysetCipher, ciphers[cipher_numbers[pair]]) for pair in keyed]),
            strict=True):
        plaintexts[pair] = plaintext
        if plaintext is None:
            failed.append(pair)
    if strict and failed:
        doomed = set(failed)
        position = next(row for row, pair in enumerate(pairs.to_pylist()) if pair in doomed)
        raise ValueError(f"tink_decrypt: ciphertext does not decrypt under its keyset "
                         f"(tampered, truncated, or made with another key; value "
                         f"{position + 1} of its batch)")
    decrypted = strings(plaintexts)  # the builder takes the bytes as they are: check them
    try:
        decrypted.validate(full=True)
    except pa.ArrowInvalid:
        if strict:
            raise ValueError("tink_decrypt: a decrypted value is not UTF-8 text") from None
        decrypted = strings([_utf8_or_none(value) for value in plaintexts])
    return decrypted.take(pairs)


def _binary(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``texts`` as binary, without a copy where the type allows: Python then gets bytes,
    which Tink and base64 take, instead of decoding each value into a str."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if texts.type == pa.string():
        return texts.view(pa.binary())
    return texts.cast(pa.binary())


def _utf8_or_none(value: bytes | None) -> str | None:
    try:
        return None if value is None else value.decode("utf-8")
    except UnicodeDecodeError:
        return None


def decrypt(ciphertexts: pa.Array, keysets: pa.Array) -> pa.Array:
    """``tink_decrypt(ciphertext, keyset)``: NULL for NULL input or a shredded (NULL) key,
    an error for a tampered ciphertext or a wrong key."""
    return _decrypt(ciphertexts, keysets, strict=True)


def try_decrypt(ciphertexts: pa.Array, keysets: pa.Array) -> pa.Array:
    """``tink_try_decrypt(ciphertext, keyset)``: as ``tink_decrypt`` but NULL instead of errors."""
    return _decrypt(ciphertexts, keysets, strict=False)


def mask(values: pa.Array, seeds: pa.Array) -> pa.Array:
    """``strm_mask(value, seed)``: the reference MurmurHash3 masking; NULL stays NULL."""
    return strings([
        None if value is None else mask_value(value, seed or "")
        for value, seed in zip(values.to_pylist(), seeds.to_pylist(), strict=True)
    ])


def subject_hash(subjects: pa.Array, secrets: pa.Array) -> pa.Array:
    """``duckshred_subject_hash(subject, ledger_secret)``: the erasure ledger's keyed hash
    of a data subject id (NULL for a NULL id or a store without a secret)."""
    secret_values = set(secrets.to_pylist())
    if len(secret_values) != 1 or None in secret_values:
        if secret_values <= {None}:
            return pa.nulls(len(subjects), pa.string())
        raise ValueError("duckshred_subject_hash: one ledger secret per call")
    (secret,) = secret_values
    return strings(subject_erasure_hashes(secret, subjects.to_pylist()))


def _cipher(keyset: str, function: str) -> KeysetCipher:
    try:
        return cipher_for(keyset)
    except KeysetError as error:
        raise ValueError(f"{function}: {error}") from None
