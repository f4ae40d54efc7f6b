"""Crypto core: keysets, deterministic encryption, tampering, masking."""

from __future__ import annotations

import base64
import io
import json

import pytest
import tink
from tink import cleartext_keyset_handle, daead, secret_key_access
from tink.proto import tink_pb2

from duckshred.crypto import (
    DecryptionError,
    KeysetError,
    cipher_for,
    clear_cipher_cache,
    decrypt_batch,
    keyset_key_material,
    mask_value,
    new_keyset_json,
    new_keysets_json,
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


def test_a_batch_of_new_keysets_is_fresh_and_encrypts_as_tinks_own_primitive():
    keysets = new_keysets_json(300)  # one CSPRNG read serves the whole batch
    assert len(set(keysets)) == 300
    ids = [json.loads(keyset)["primaryKeyId"] for keyset in keysets]
    assert len(set(ids)) == 300 and all(1 <= key_id < 2**31 for key_id in ids)
    assert len({bytes(keyset_key_material(keyset)[0]) for keyset in keysets}) == 300
    for keyset in keysets[:20]:
        # Tink reads it, writes the same JSON back, and its own wrapped primitive (which
        # adds the prefix itself) makes the same ciphertext as the warm cached one
        handle = tink.json_proto_keyset_format.parse(keyset, secret_key_access.TOKEN)
        assert json.dumps(json.loads(tink.json_proto_keyset_format.serialize(
            handle, secret_key_access.TOKEN)), separators=(",", ":")) == keyset
        expected = handle.primitive(daead.DeterministicAead).encrypt_deterministically(
            b"17850", b"")
        assert base64.b64decode(cipher_for(keyset).encrypt("17850")) == expected


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


def test_tink_writes_our_keyset_back_as_the_identical_compact_json():
    # Tink's reader takes the keyset made from raw CSPRNG bytes, and its writer gives
    # back the same document, field order included (it pretty-prints: compact it).
    for _ in range(20):
        keyset = new_keyset_json()
        handle = tink.json_proto_keyset_format.parse(keyset, secret_key_access.TOKEN)
        written = tink.json_proto_keyset_format.serialize(handle, secret_key_access.TOKEN)
        assert json.dumps(json.loads(written), separators=(",", ":")) == keyset
        assert 1 <= json.loads(keyset)["primaryKeyId"] < 2**31


def test_our_keysets_have_the_reference_keysets_shape(reference_dir):
    vector = json.loads((reference_dir / "published-key-vector.json").read_text())
    reference, ours = json.loads(vector["encryptionKey"]), json.loads(new_keyset_json())

    def shape(document):
        if isinstance(document, dict):
            return {key: shape(value) for key, value in document.items()}
        if isinstance(document, list):
            return [shape(value) for value in document]
        return type(document).__name__

    assert shape(ours) == shape(reference)
    assert list(ours) == list(reference)
    ours_key, reference_key = ours["key"][0], reference["key"][0]
    for field in ("status", "outputPrefixType"):
        assert ours_key[field] == reference_key[field]
    for field in ("typeUrl", "keyMaterialType"):
        assert ours_key["keyData"][field] == reference_key["keyData"][field]
    assert len(ours_key["keyData"]["value"]) == len(reference_key["keyData"]["value"])


def test_keysets_in_other_shapes_take_tinks_own_path(reference_dir):
    vector = json.loads((reference_dir / "published-key-vector.json").read_text())
    pretty = json.dumps(json.loads(vector["encryptionKey"]), indent=2)
    clear_cipher_cache()
    assert cipher_for(pretty).decrypt(vector["ciphertext"]) == vector["plaintext"]
    assert cipher_for(pretty).encrypt(vector["plaintext"]) == vector["ciphertext"]
    assert keyset_key_material(pretty) == keyset_key_material(vector["encryptionKey"])


def test_a_rotated_keyset_encrypts_with_its_primary_and_decrypts_with_every_key():
    handle = tink.new_keyset_handle(daead.deterministic_aead_key_templates.AES256_SIV)
    old = json.dumps(json.loads(tink.json_proto_keyset_format.serialize(
        handle, secret_key_access.TOKEN)), separators=(",", ":"))
    old_ciphertext = cipher_for(old).encrypt("17850")
    keyset = tink.JsonKeysetReader(old).read()
    new_key = tink.JsonKeysetReader(new_keyset_json()).read().key[0]
    keyset.key.append(new_key)
    keyset.primary_key_id = new_key.key_id
    rotated = json.dumps(json.loads(tink.json_proto_keyset_format.serialize(
        tink.proto_keyset_format.parse(keyset.SerializeToString(), secret_key_access.TOKEN),
        secret_key_access.TOKEN)), separators=(",", ":"))
    cipher = cipher_for(rotated)
    assert cipher.decrypt(old_ciphertext) == "17850"
    new_ciphertext = cipher.encrypt("17850")
    assert int.from_bytes(base64.b64decode(new_ciphertext)[1:5], "big") == new_key.key_id
    primitive = tink.proto_keyset_format.parse(
        keyset.SerializeToString(), secret_key_access.TOKEN).primitive(daead.DeterministicAead)
    assert primitive.decrypt_deterministically(base64.b64decode(new_ciphertext), b"") == b"17850"


def test_a_raw_prefix_keyset_gives_tinks_ciphertext():
    proto = tink.JsonKeysetReader(new_keyset_json()).read()
    proto.key[0].output_prefix_type = tink_pb2.RAW
    handle = tink.proto_keyset_format.parse(proto.SerializeToString(), secret_key_access.TOKEN)
    keyset = tink.json_proto_keyset_format.serialize(handle, secret_key_access.TOKEN)
    expected = handle.primitive(daead.DeterministicAead).encrypt_deterministically(b"x", b"")
    assert base64.b64decode(cipher_for(keyset).encrypt("x")) == expected
    assert cipher_for(keyset).decrypt(base64.b64encode(expected).decode()) == "x"


def test_a_keyset_with_a_bad_key_is_refused_without_quoting_it():
    document = json.loads(new_keyset_json())
    value = base64.b64decode(document["key"][0]["keyData"]["value"])
    for bad in (value[:-1], value[:2] + bytes(32), b"\x08\x01" + value):  # short; AES-128; v1
        document["key"][0]["keyData"]["value"] = base64.b64encode(bad).decode()
        keyset = json.dumps(document, separators=(",", ":"))
        with pytest.raises(KeysetError) as caught:
            cipher_for(keyset)
        assert document["key"][0]["keyData"]["value"] not in str(caught.value)
        assert caught.value.__cause__ is None


def test_decrypt_batch_gives_none_for_what_does_not_decrypt():
    keysets = [new_keyset_json(), new_keyset_json()]
    ciphers = [cipher_for(k) for k in keysets]
    good = [c.encrypt_to_base64(b"v%d" % i) for i, c in enumerate(ciphers)]
    tampered = bytearray(base64.b64decode(good[0]))
    tampered[-1] ^= 1
    texts = [good[0], good[1], good[0], base64.b64encode(bytes(tampered)), b"not base64!"]
    back = decrypt_batch(texts, [ciphers[i] for i in (0, 1, 1, 0, 0)])
    assert back == [b"v0", b"v1", None, None, None]


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
