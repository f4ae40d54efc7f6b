"""``decrypt(ciphertext, key_link)`` for connections that must not outlive a shred.

A DuckDB connection that attached the key store keeps reading the file it
opened, even after a shred has replaced it (and DuckDB hands a new
``connect()`` to the same path in one process that same old instance). So the
connections ``duckshred.connect`` makes never attach the store: their
``decrypt`` is a vectorised Python function that looks keysets up through a
``KeystoreReader``. The reader checks the store's file identity (device, inode,
size, modification time, and its write-ahead log's) on every batch of 2,048
values; when it changed (a shred swapped the file in, a job committed keys) it
drops its keys and every cached cipher and reloads through a fresh in-memory
DuckDB that attaches the file by path, and so sees the new one. Between queries
nothing holds the store open, and a shredded key is gone from the next batch on,
whichever process shredded it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from duckdb import func
from duckdb.sqltypes import VARCHAR

from duckshred.crypto import KeysetCipher, KeysetError, cipher_for, clear_cipher_cache
from duckshred.udf import functions

_Identity = tuple[int, ...] | None


def _identity(path: Path) -> _Identity:
    """What changes whenever the store's content may have: the file's identity and its WAL's."""
    try:
        store = os.stat(path)
    except FileNotFoundError:
        return None
    try:
        wal = os.stat(f"{path}.wal")
        wal_identity: tuple[int, ...] = (wal.st_ino, wal.st_size, wal.st_mtime_ns)
    except FileNotFoundError:
        wal_identity = ()
    return (store.st_dev, store.st_ino, store.st_size, store.st_mtime_ns, *wal_identity)


class KeystoreReader:
    """The keysets of one key store file, reloaded whenever the file changes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._loaded: _Identity = None
        self._keysets: dict[str, str] = {}
        self.reloads = 0

    def keysets(self) -> dict[str, str]:
        """keyLink -> keyset as the store holds them now (checked on every call)."""
        current = _identity(self.path)
        with self._lock:
            if current != self._loaded or current is None:
                had_keys = bool(self._keysets)
                self._keysets = {} if current is None else self._load()
                self._loaded = current
                self.reloads += 1
                if had_keys:
                    # Shredded keys must not live on in this process's cipher cache.
                    clear_cipher_cache()
            return self._keysets

    def _load(self) -> dict[str, str]:
        conn = duckdb.connect()  # never the instance cache: it may hold the old file
        try:
            try:
                conn.execute("ATTACH ? AS keystore (READ_ONLY)", [str(self.path)])
            except duckdb.IOException as error:
                if "lock" in str(error).lower():
                    raise duckdb.IOException(
                        "decrypt: the key store is being written by another duckshred "
                        "process (a batch job or a shred); try again when it has finished"
                    ) from None
                raise
            try:
                rows = conn.execute("SELECT key_link, keyset FROM keystore.main.encryption_keys"
                                    ).fetchall()
            except duckdb.CatalogException:
                rows = []  # a store no job has committed to yet
        finally:
            conn.close()
        return dict(rows)

    def decrypt(self, ciphertexts: pa.Array, key_links: pa.Array) -> pa.Array:
        """The body of ``decrypt(ciphertext, key_link)``: NULL for a NULL or shredded key,
        an error for a tampered ciphertext."""
        keysets = self.keysets()
        if isinstance(key_links, pa.ChunkedArray):
            key_links = key_links.combine_chunks()
        # A batch holds a few dozen distinct keyLinks: look each up, and build its
        # cipher, once a batch.
        encoded = pc.dictionary_encode(key_links)
        ciphers: list[KeysetCipher | None] = []
        for link in encoded.dictionary.to_pylist():
            keyset = keysets.get(link)
            if keyset is None:
                ciphers.append(None)  # shredded, born shredded, or never ours
                continue
            try:
                ciphers.append(cipher_for(keyset))
            except KeysetError as error:
                raise ValueError(f"decrypt: {error}") from None
        return functions.decrypt_rows(ciphertexts, encoded.indices, ciphers)


def register_keystore_decrypt(conn: duckdb.DuckDBPyConnection, path: str | os.PathLike[str]
                              ) -> KeystoreReader:
    """Define ``decrypt(ciphertext, key_link)`` on ``conn``, reading the store at ``path``."""
    reader = KeystoreReader(path)
    conn.create_function(
        "decrypt", reader.decrypt, [VARCHAR, VARCHAR], VARCHAR, type=func.PythonUDFType.ARROW,
        null_handling=func.FunctionNullHandling.SPECIAL,
        exception_handling=duckdb.PythonExceptionHandling.DEFAULT,
        # Not a pure function: the same keyLink stops decrypting once shredded, so
        # DuckDB must not fold or reuse a result across the shred.
        side_effects=True)
    return reader
