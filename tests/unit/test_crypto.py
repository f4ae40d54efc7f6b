"""Crypto core: keysets, deterministic encryption, tampering, masking."""

from __future__ import annotations

import base64
import io
import json

import pytest
import tink
from tink import cleartext_keyset_handle, daead

from duckshred.crypto import (
    DecryptionError,
    KeysetError,
    cipher_for,
    clear_cipher_cache,
    keyset_key_material,
    mask_value,
    new_keyset_json,
)


def test_new_keyset_has_the_reference_compact_shape():
    keyset = new_keyset_json()
    document = json.loads(keyset)
    assert keyset == json.dumps(document, separators=(",", ":"))  # compact
    assert list(document) == ["primaryKeyId", "key"]
    (key,) = document["key"]
    assert list(key) == ["keyData", "status", "keyId", "outputPrefixType"]
    assert list(key["keyData"]) == ["typeUrl", "value", "keyMaterialType"]
    assert key["keyData"]["typeUrl"] == "type.googleapis.com/google.crypto.tink.AesSivKey"
    assert (key["status"], key["outputPrefixType"]) == ("ENABLED", "TINK")
    assert key["keyId"] == document["primaryKeyId"]
    assert len(keyset_key_material(keyset)[0]) == 64  # AES256-SIV: two 256-bit keys


def test_keysets_are_fresh():
    assert len({new_keyset_json() for _ in range(50)}) == 50


def test_ciphertext_format_and_determinism():
    keyset = new_keyset_json()
    cipher = cipher_for(keyset)
    first, second = cipher.encrypt("17850"), cipher.encrypt("17850")
    assert first == second
    raw = base64.b64decode(first)
    assert len(raw) == len(b"17850") + 21  # 0x01 | keyId (4) | SIV (16) | ciphertext
    assert raw[0] == 1
    assert int.from_bytes(raw[1:5], "big") == json.loads(keyset)["primaryKeyId"]
    assert cipher.decrypt(first) == "17850"
    assert cipher.encrypt("") != "" and cipher.decrypt(cipher.encrypt("")) == ""


def test_blog_post_snippet_decrypts_our_ciphertext():
    keyset = new_keyset_json()
    ciphertext = cipher_for(keyset).encrypt("12346")
    reader = tink.JsonKeysetReader(keyset)
    primitive = cleartext_keyset_handle.read(reader).primitive(daead.DeterministicAead)
    clear_text = primitive.decrypt_deterministically(base64.b64decode(ciphertext), b"")
    assert clear_text.decode("utf-8") == "12346"


def test_our_keyset_is_read_by_tinks_own_json_writer_round_trip():
    keyset = new_keyset_json()
    handle = cleartext_keyset_handle.read(tink.JsonKeysetReader(keyset))
    stream = io.StringIO()
    cleartext_keyset_handle.write(tink.JsonKeysetWriter(stream), handle)
    assert json.loads(stream.getvalue()) == json.loads(keyset)


def test_reference_key_vector(reference_dir):
    vector = json.loads((reference_dir / "published-key-vector.json").read_text())
    assert cipher_for(vector["encryptionKey"]).decrypt(vector["ciphertext"]) == vector["plaintext"]
    assert cipher_for(vector["encryptionKey"]).encrypt(vector["plaintext"]) == vector["ciphertext"]


@pytest.mark.parametrize("tamper", [
    lambda raw: raw[:-1] + bytes([raw[-1] ^ 1]),   # flipped bit in the ciphertext
    lambda raw: raw[:10] + bytes([raw[10] ^ 1]) + raw[11:],  # flipped bit in the SIV
    lambda raw: raw[:-2],                            # truncated
    lambda raw: b"\x01\x00\x00\x00\x01" + raw[5:],   # another key id
])
def test_tampering_is_detected_and_the_message_leaks_nothing(tamper):
    keyset = new_keyset_json()
    ciphertext = cipher_for(keyset).encrypt("secret-17850")
    tampered = base64.b64encode(tamper(base64.b64decode(ciphertext))).decode()
    with pytest.raises(DecryptionError) as caught:
        cipher_for(keyset).decrypt(tampered)
    message = str(caught.value)
    key_value = json.loads(keyset)["key"][0]["keyData"]["value"]
    for secret in ("secret-17850", tampered, keyset, key_value):
        assert secret not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_wrong_key_is_detected():
    ciphertext = cipher_for(new_keyset_json()).encrypt("x")
    with pytest.raises(DecryptionError):
        cipher_for(new_keyset_json()).decrypt(ciphertext)


def test_not_a_keyset():
    with pytest.raises(KeysetError):
        cipher_for('{"primaryKeyId": 1, "key": []')
    hmac = json.loads(new_keyset_json())
    hmac["key"][0]["keyData"]["typeUrl"] = "type.googleapis.com/google.crypto.tink.HmacKey"
    with pytest.raises(KeysetError):
        cipher_for(json.dumps(hmac))


def test_clearing_the_cache_forgets_primitives():
    from duckshred.crypto import _keysets

    keyset = new_keyset_json()
    assert keyset in _keysets._cache
    clear_cipher_cache()
    assert keyset not in _keysets._cache


@pytest.mark.parametrize(("seed", "value", "expected"), [
    ("hi-there", "unique-5", "1083e8169d7138e990cc30095578452"),
    ("hi-there", "session-273", "7cc66d130664caa9efacda1026c1c44"),
    ("hi-there", "sensitive-0", "e49bd309eed4a5094437a71ac2bc1cad"),
    ("hi-there", "not-sensitive-6", "538ad30b2aa2781e855c4eb059cf68a3"),
    ("", "strm_demo_user", "788d082a29fd07f61e1df95bbe98ef9f"),
])
def test_masking_vectors(seed, value, expected):
    assert mask_value(value, seed) == expected
