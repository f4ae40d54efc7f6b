"""The reader behind decrypt(): it follows the key store file, never holds it open."""

from __future__ import annotations

import duckdb

from duckshred.crypto import _keysets, cipher_for, new_keyset_json
from duckshred.udf.keyreader import KeystoreReader
from duckshred.udf.keystore import rewrite_keystore


def _store(path, keys: dict[str, str]) -> None:
    conn = duckdb.connect()
    conn.execute("ATTACH ? AS keystore", [str(path)])
    from duckshred.udf.keystore import KEYSTORE_DDL

    conn.execute(KEYSTORE_DDL)
    for link, keyset in keys.items():
        conn.execute("INSERT INTO keystore.encryption_keys VALUES (?, 'g', 'h', DATE '2010-12-01', "
                     "TIMESTAMPTZ '2010-12-02 00:00:00+00', ?, 'job')", [link, keyset])
    conn.close()


def test_reader_follows_a_rewritten_store_and_forgets_cached_ciphers(tmp_path):
    path = tmp_path / "keystore.duckdb"
    a, b = new_keyset_json(), new_keyset_json()
    _store(path, {"link-a": a, "link-b": b})
    reader = KeystoreReader(path)
    assert reader.keysets() == {"link-a": a, "link-b": b}
    assert reader.keysets() is reader.keysets()  # unchanged file: no reload
    loads = reader.reloads
    cipher_for(a)
    assert _keysets._cache
    rewrite_keystore(path, drop_key_links=["link-a"])
    assert reader.keysets() == {"link-b": b}
    assert reader.reloads == loads + 1
    assert not _keysets._cache
    # nothing holds the file: it can be opened for writing at once
    duckdb.connect(str(path)).close()


def test_reader_of_a_missing_store_finds_no_keys(tmp_path):
    assert KeystoreReader(tmp_path / "absent.duckdb").keysets() == {}
