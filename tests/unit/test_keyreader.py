"""The reader behind decrypt(): it follows the key store file, never holds it open."""

from __future__ import annotations

import duckdb

from duckshred.crypto import _keysets, cipher_for, new_keyset_json
from duckshred.udf.keyreader import KeystoreReader
from duckshred.udf.keystore import rewrite_keystore
from tests.unit.keystores import write_store


def test_reader_follows_a_rewritten_store_and_forgets_cached_ciphers(tmp_path):
    path = tmp_path / "keystore.duckdb"
    a, b = new_keyset_json(), new_keyset_json()
    write_store(path, {"link-a": a, "link-b": b})
    reader = KeystoreReader(path)
    assert reader.keysets() == {"link-a": a, "link-b": b}
    loads = reader.reloads
    assert reader.keysets() == {"link-a": a, "link-b": b}
    assert reader.reloads == loads  # unchanged file: no reload
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


def test_ad_hoc_decryption_in_a_fresh_process_does_not_import_pandas(tmp_path):
    # pyarrow imports pandas (0.2-0.6 s) for pa.array of a list or pa.scalar of a Python
    # value; the first decrypt() of a fresh `duckshred sql` must not pay for it.
    import json
    import subprocess
    import sys

    a, b = new_keyset_json(), new_keyset_json()
    write_store(tmp_path / "keystore.duckdb", {"link-a": a, "link-b": b})
    keys = [("link-a", a), ("link-b", b)]
    rows = [[cipher_for(keys[i % 2][1]).encrypt(f"value-{i % 7}"), *keys[i % 2]]
            for i in range(5000)]  # a few batches of 2,048
    rows += [[None, "link-a", a], [cipher_for(a).encrypt("gone"), "link-shredded", a]]
    (tmp_path / "rows.json").write_text(json.dumps(rows))
    tampered = cipher_for(a).encrypt("x")[:-4] + "AAA="
    script = """
import json, sys
import duckshred
rows, tampered = json.load(open(sys.argv[2])), sys.argv[3]
conn = duckshred.connect(sys.argv[1])
conn.execute("CREATE TEMP TABLE t (c VARCHAR, l VARCHAR, k VARCHAR)")
conn.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
got = conn.execute("SELECT decrypt(c, l), tink_decrypt(c, k), tink_try_decrypt(c, k) FROM t "
                   "ORDER BY rowid").fetchall()
try:
    conn.execute("SELECT decrypt(?, 'link-a')", [tampered]).fetchall()
    error = None
except Exception as raised:
    error = str(raised)
print(json.dumps({"got": got, "error": error, "pandas": "pandas" in sys.modules}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), str(tmp_path / "rows.json"), tampered],
        capture_output=True, text=True, check=True)
    found = json.loads(result.stdout)
    assert not found["pandas"]
    expected = [[f"value-{i % 7}"] * 3 for i in range(5000)]
    assert found["got"] == [*expected, [None, None, None], [None, "gone", "gone"]]
    assert "does not decrypt under its keyset" in found["error"]


def test_clearing_the_cipher_cache_also_clears_the_readers_ciphers(tmp_path):
    import pyarrow as pa

    from duckshred.crypto import clear_cipher_cache
    from duckshred.udf._arrow import strings

    path = tmp_path / "keystore.duckdb"
    a = new_keyset_json()
    write_store(path, {"link-a": a})
    reader = KeystoreReader(path)
    batch = (strings([cipher_for(a).encrypt("v")]), strings(["link-a"]))
    assert reader.decrypt(*batch) == pa.array(["v"])
    kept = reader._keys.current_ciphers()["link-a"]
    assert reader._keys.current_ciphers()["link-a"] is kept  # built once a load
    clear_cipher_cache()
    assert reader._keys.current_ciphers() == {}
    assert reader.decrypt(*batch) == pa.array(["v"])
    assert reader._keys.current_ciphers()["link-a"] is not kept
