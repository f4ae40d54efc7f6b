"""The SQL functions in DuckDB: registration flags, round trips, NULLs, tampering."""

from __future__ import annotations

import base64
import json

import duckdb
import pytest

import duckshred
from duckshred.udf import FUNCTIONS, register_functions


@pytest.fixture
def conn():
    connection = duckshred.connect()
    yield connection
    connection.close()


def test_registration_is_idempotent():
    connection = duckdb.connect()
    register_functions(connection)
    register_functions(connection)  # a second call must not fail
    names = {row[0] for row in connection.execute(
        "SELECT function_name FROM duckdb_functions()").fetchall()}
    assert {f.name for f in FUNCTIONS} <= names


def test_only_the_random_function_has_side_effects():
    flagged = {f.name for f in FUNCTIONS if f.side_effects}
    assert flagged == {"tink_keyset_new", "tink_keyset_new_per_row"}


def test_keyset_new_gives_a_fresh_keyset_per_row(conn):
    keysets = [row[0] for row in conn.execute("SELECT tink_keyset_new() FROM range(50)").fetchall()]
    assert len(set(keysets)) == 50
    assert all(json.loads(k)["key"][0]["outputPrefixType"] == "TINK" for k in keysets)


def test_vectorised_keyset_new_gives_a_fresh_keyset_per_row(conn):
    keysets = [row[0] for row in conn.execute(
        "SELECT tink_keyset_new_per_row(i::VARCHAR) FROM range(5000) t(i)").fetchall()]
    assert len(set(keysets)) == 5000
    assert conn.execute("SELECT tink_decrypt(tink_encrypt('x', k), k) FROM "
                        "(SELECT tink_keyset_new_per_row('a') AS k)").fetchone() == ("x",)


def test_encrypt_decrypt_round_trip_and_determinism(conn):
    rows = conn.execute("""
        WITH k AS (SELECT tink_keyset_new() AS keyset),
        v AS (SELECT 'customer-' || i AS plaintext FROM range(5000) t(i))
        SELECT plaintext, tink_encrypt(plaintext, keyset) AS c1,
               tink_encrypt(plaintext, keyset) AS c2,
               tink_decrypt(tink_encrypt(plaintext, keyset), keyset) AS back
        FROM v, k""").fetchall()
    assert len(rows) == 5000
    assert all(c1 == c2 and back == plaintext for plaintext, c1, c2, back in rows)
    assert len({c1 for _, c1, _, _ in rows}) == 5000


def test_nulls(conn):
    keyset = conn.execute("SELECT tink_keyset_new()").fetchone()[0]
    row = conn.execute(
        "SELECT tink_encrypt(NULL, ?), tink_decrypt(NULL, ?),"
        " tink_decrypt(tink_encrypt('x', ?), NULL),"
        " tink_try_decrypt(tink_encrypt('x', ?), NULL), strm_mask(NULL, 's'),"
        " tink_decrypt(tink_encrypt('', ?), ?)",
        [keyset, keyset, keyset, keyset, keyset, keyset]).fetchone()
    assert row == (None, None, None, None, None, "")


def test_tampered_ciphertext_errors_without_leaking(conn):
    keyset = conn.execute("SELECT tink_keyset_new()").fetchone()[0]
    ciphertext = conn.execute("SELECT tink_encrypt('plain-secret', ?)", [keyset]).fetchone()[0]
    raw = bytearray(base64.b64decode(ciphertext))
    raw[-1] ^= 0xFF
    tampered = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(duckdb.Error) as caught:
        conn.execute("SELECT tink_decrypt(?, ?)", [tampered, keyset]).fetchall()
    message = str(caught.value)
    assert "does not decrypt" in message
    for secret in ("plain-secret", tampered, keyset):
        assert secret not in message
    # the lenient variant gives NULL for that row only, not for its whole batch
    rows = conn.execute("""
        SELECT tink_try_decrypt(CASE WHEN i = 7 THEN ? ELSE tink_encrypt('v' || i, ?) END, ?)
        FROM range(3000) t(i) ORDER BY i""", [tampered, keyset, keyset]).fetchall()
    assert rows[7] == (None,)
    assert sum(r[0] is None for r in rows) == 1


def test_reference_vector_in_sql(conn, reference_dir):
    vector = json.loads((reference_dir / "published-key-vector.json").read_text())
    plaintext = conn.execute("SELECT tink_decrypt(?, ?)",
                             [vector["ciphertext"], vector["encryptionKey"]]).fetchone()[0]
    assert plaintext == "17850"


def test_mask_in_sql(conn):
    assert conn.execute("SELECT strm_mask('unique-5', 'hi-there')").fetchone()[0] == (
        "1083e8169d7138e990cc30095578452")


def test_keyset_not_valid_gives_a_clear_error(conn):
    with pytest.raises(duckdb.Error, match="tink_encrypt: not a Tink JSON keyset"):
        conn.execute("SELECT tink_encrypt('x', 'not json')").fetchall()


def test_decrypt_pairs_each_ciphertext_with_its_own_rows_keyset(conn):
    # One batch: values repeat under several keysets; the same ciphertext also appears
    # beside another row's keyset, where it must not decrypt (no sharing across keys).
    from duckshred.crypto import new_keyset_json

    keysets = [new_keyset_json() for _ in range(5)]
    conn.execute("""
        CREATE TEMP TABLE t AS
        SELECT i, 'v' || (i % 7) AS plaintext, (?::VARCHAR[])[i % 5 + 1] AS keyset
        FROM range(2000) r(i) ORDER BY i""", [keysets])
    conn.execute("CREATE TEMP TABLE c AS SELECT i, plaintext, keyset, "
                 "tink_encrypt(plaintext, keyset) AS ciphertext FROM t ORDER BY i")
    rows = conn.execute("SELECT plaintext, tink_decrypt(ciphertext, keyset) FROM c "
                        "ORDER BY i").fetchall()
    assert all(plaintext == back for plaintext, back in rows)
    swapped = conn.execute("""
        SELECT i, tink_try_decrypt(ciphertext,
            CASE WHEN i IN (3, 1500) THEN (SELECT keyset FROM c WHERE i = 1) ELSE keyset END)
        FROM c ORDER BY i""").fetchall()
    assert [i for i, back in swapped if back is None] == [3, 1500]
    with pytest.raises(duckdb.Error, match="value 1501 of its batch"):
        conn.execute("""
            SELECT tink_decrypt(ciphertext, CASE WHEN i = 1500 THEN
                (SELECT keyset FROM c WHERE i = 1) ELSE keyset END)
            FROM (SELECT * FROM c WHERE i < 2048 ORDER BY i)""").fetchall()


def test_decrypt_of_bytes_that_are_not_text(conn):
    from duckshred.crypto import cipher_for

    keyset = conn.execute("SELECT tink_keyset_new()").fetchone()[0]
    not_text = cipher_for(keyset).encrypt_to_base64(b"\xff\xfe").decode()
    assert conn.execute("SELECT tink_try_decrypt(?, ?)", [not_text, keyset]).fetchone() == (
        None,)
    with pytest.raises(duckdb.Error, match="not UTF-8"):
        conn.execute("SELECT tink_decrypt(?, ?)", [not_text, keyset]).fetchall()


def test_distinct_rows_numbers_each_distinct_row_once():
    import pyarrow as pa

    from duckshred.udf._arrow import distinct_rows

    texts = pa.array(["a", "b", "a", None, "b", "a"])
    same = pa.array(["p"] * 6)
    other = pa.array(["x", "x", "y", "x", "x", "x"])
    (t, s, o), numbers = distinct_rows(texts, same, other)
    rows = [None if n is None else (t[n], s[n], o[n]) for n in numbers.to_pylist()]
    assert rows == [("a", "p", "x"), ("b", "p", "x"), ("a", "p", "y"), None,
                    ("b", "p", "x"), ("a", "p", "x")]
    assert len(t) == len(set(zip(t, s, o, strict=True))) == 3
    (only,), numbers = distinct_rows(same)
    assert only == ["p"] and numbers.to_pylist() == [0] * 6


def test_single_owner_gives_each_code_its_one_owner_or_none():
    import pyarrow as pa
    import pyarrow.compute as pc

    from duckshred.udf._arrow import single_owner

    codes = pc.dictionary_encode(pa.array(["c1", "c2", None, "c1", "c3", None])).indices
    owners = single_owner(codes, pa.array([7, 4, 9, 7, 7, 1], pa.int32()))
    # the NULL rows' owners (9, 1) take no part: each ciphertext code has its rows' owner
    assert owners is not None and owners.tolist() == [7, 4, 7]
    # a ciphertext beside two owners (copied next to another keyLink): no single owner
    assert single_owner(codes, pa.array([7, 4, 9, 5, 7, 1], pa.int32())) is None
    # NULL owners (a NULL keyset) always take the general path
    assert single_owner(codes, pa.array([7, 4, None, 7, 7, 1], pa.int32())) is None
    # a slice starts inside the validity bitmap: codes [NULL, c1, c3, NULL]
    sliced = single_owner(codes.slice(2), pa.array([9, 3, 5, 1], pa.int32()))
    assert sliced is not None and (sliced[0], sliced[2]) == (3, 5)


def test_a_jobs_functions_do_not_import_pandas():
    # pyarrow's pa.array(list) imports pandas (0.2-0.6 s) to ask whether the list is a
    # pandas object; a batch job never uses pandas, so its functions build arrays otherwise.
    import subprocess
    import sys

    script = """
import sys
import duckdb
from duckshred.udf.registration import register_functions
conn = register_functions(duckdb.connect())
rows = conn.execute(
    "SELECT tink_encrypt(v, k), strm_mask(v, 's'), java_timestamp_epoch_ms(t, 'yyyy-MM-dd', 'UTC'),"
    " java_zone_offsets('Europe/Amsterdam')[2], java_zone_day_codes('Europe/Amsterdam')[1]"
    " FROM (SELECT range::VARCHAR AS v, tink_keyset_new_per_row(v) AS k,"
    " '2011-0' || (range % 9 + 1) || '-01' AS t FROM range(5000))").fetchall()
assert len(rows) == 5000 and all(None not in row for row in rows), rows[:3]
print('pandas' in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
