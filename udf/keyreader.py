"""``decrypt(ciphertext, key_link)`` for connections that must not outlive a shred.

A DuckDB connection that attached the key store keeps reading the file it
opened, even after a shred has replaced it (and DuckDB hands a new
``connect()`` to the same path in one process that same old instance). So the
connections ``duckshred.connect`` makes never attach the store: their
``decrypt`` is a vectorised Python function that looks keysets up through a
``KeystoreReader``. The reader checks the store's file identity (device, inode,
size, modification time, and its write-ahead log's) on every batch of 2,048
values; when it changed (a shred swapped the file in, a job committed keys) it
drops its keys and every cached cipher and reloads through its own in-memory
DuckDB, which attaches the file by path for the load and detaches it after, and
so sees the new one. Between queries nothing holds the store open, and a
shredded key is gone from the next batch on, whichever process shredded it.
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

from duckshred.crypto import (
    KeysetCipher,
    KeysetError,
    cipher_cache_generation,
    ciphers_for,
    clear_cipher_cache,
)
from duckshred.udf import functions
from duckshred.udf._arrow import integers, strings
from duckshred.udf.files import wal_path

_Identity = tuple[int, ...] | None


def _identity(path: Path) -> _Identity:
    """What changes whenever the store's content may have: the file's identity and its WAL's."""
    try:
        store = os.stat(path)
    except FileNotFoundError:
        return None
    try:
        wal = os.stat(wal_path(path))
        wal_identity: tuple[int, ...] = (wal.st_ino, wal.st_size, wal.st_mtime_ns)
    except FileNotFoundError:
        wal_identity = ()
    return (store.st_dev, store.st_ino, store.st_size, store.st_mtime_ns, *wal_identity)


class _Keys:
    """One reading of the store: each keyLink's keyset, and the ciphers built so far.

    The keysets stay in Arrow until a batch meets their keyLink: a cold query meets
    about half of a job's keys, and turning all 20,000 into Python strings up front
    cost as much as loading them."""

    __slots__ = ("ciphers", "generation", "keysets", "rows")

    def __init__(self, links: list[str], keysets: pa.Array) -> None:
        self.rows = dict(zip(links, range(len(links)), strict=True))  # keyLink -> row
        self.keysets = keysets
        self.ciphers: dict[str, KeysetCipher] = {}  # keyLink -> its cipher, once built
        self.generation = cipher_cache_generation()  # of the cipher cache they came with

    def current_ciphers(self) -> dict[str, KeysetCipher]:
        """The ciphers built so far, none once the process's cipher cache was cleared."""
        generation = cipher_cache_generation()
        if generation != self.generation:
            self.ciphers = {}
            self.generation = generation
        return self.ciphers


_NO_KEYS = _Keys([], strings([]))


class KeystoreReader:
    """The keysets of one key store file, reloaded whenever the file changes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._loaded: _Identity = None
        self._keys = _NO_KEYS
        # An in-memory DuckDB of the reader's own that attaches the store by path for
        # each load and detaches it after: never the instance cache, which may hold the
        # old file, and one instance for all loads (making one costs ~20 ms).
        self._conn: duckdb.DuckDBPyConnection | None = None
        self.reloads = 0

    def _current(self) -> _Keys:
        """The store's keys as it holds them now (its identity checked on every call)."""
        current = _identity(self.path)
        with self._lock:
            if current != self._loaded or current is None:
                had_keys = bool(self._keys.rows)
                self._keys = _NO_KEYS if current is None else self._load()
                self._loaded = current
                self.reloads += 1
                if had_keys:
                    # Shredded keys must not live on in this process's cipher cache.
                    clear_cipher_cache()
            return self._keys

    def keysets(self) -> dict[str, str]:
        """keyLink -> keyset as the store holds them now."""
        keys = self._current()
        return dict(zip(keys.rows, keys.keysets.to_pylist(), strict=True))

    def _load(self) -> _Keys:
        if self._conn is None:
            # One thread: no idle workers for as long as the user's connection lives.
            self._conn = duckdb.connect(config={"threads": 1})
        conn = self._conn
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
            table = conn.sql("SELECT key_link, keyset FROM keystore.main.encryption_keys"
                             ).to_arrow_table()
        except duckdb.CatalogException:
            return _NO_KEYS  # a store no job has committed to yet
        finally:
            conn.execute("DETACH keystore")  # between queries nothing holds the store
        return _Keys(table.column(0).to_pylist(), table.column(1).combine_chunks())

    def decrypt(self, ciphertexts: pa.Array, key_links: pa.Array) -> pa.Array:
        """The body of ``decrypt(ciphertext, key_link)``: NULL for a NULL or shredded key,
        an error for a tampered ciphertext."""
        keys = self._current()
        if isinstance(key_links, pa.ChunkedArray):
            key_links = key_links.combine_chunks()
        # A batch holds a few dozen distinct keyLinks: look each up once a batch, and
        # build its cipher once a load.
        encoded = pc.dictionary_encode(key_links)
        links = encoded.dictionary.to_pylist()
        built = keys.current_ciphers()
        ciphers: list[KeysetCipher | None] = [built.get(link) for link in links]
        # NULL where the store has no key (shredded, born shredded, or never ours)
        new = [position for position, (link, cipher) in enumerate(zip(links, ciphers, strict=True))
               if cipher is None and link in keys.rows]
        if new:
            keysets = keys.keysets.take(integers([keys.rows[links[p]] for p in new])).to_pylist()
            try:
                made = ciphers_for(keysets)
            except KeysetError as error:
                raise ValueError(f"decrypt: {error}") from None
            for position, cipher in zip(new, made, strict=True):
                ciphers[position] = built[links[position]] = cipher
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
