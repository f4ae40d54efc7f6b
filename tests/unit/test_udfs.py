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
