"""The one module that handles cleartext key material.

Keysets travel as Tink JSON keysets in the reference system's compact shape:
``{"primaryKeyId":1,"key":[{"keyData":{"typeUrl":...,"value":...,"keyMaterialType":"SYMMETRIC"},
"status":"ENABLED","keyId":1,"outputPrefixType":"TINK"}]}``.

A batch job meets tens of thousands of keys, and Tink's keyset-handle path (JSON
reader, ``Keyset`` proto, primitive set, wrapper) costs ~20 µs a keyset against
~0.5 µs for one encryption. So a keyset of that shape goes straight to Tink's C++
AES-SIV key manager with its raw ``KeyData`` (~1.5 µs), and the ciphertext gets the
prefix Tink's wrapper would give it (``0x01 | key id``). Any other keyset (several
keys, another prefix type, pretty-printed JSON) takes Tink's own JSON reader and
wrapped primitive. Either way Tink does the cryptography and checks the key.

Primitives are cached per keyset string; ``clear_cipher_cache`` must be called
after keys are shredded so that no copy of a deleted key outlives it in memory.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol, cast

import tink
from tink import core, daead, secret_key_access
from tink.cc.pybind import tink_bindings
from tink.proto import aes_siv_pb2, tink_pb2

from duckshred.crypto._errors import DecryptionError, KeysetError

daead.register()

_TEMPLATE = daead.deterministic_aead_key_templates.AES256_SIV
_AES_SIV_TYPE_URL = _TEMPLATE.type_url
_KEY_SIZE = aes_siv_pb2.AesSivKeyFormat.FromString(_TEMPLATE.value).key_size  # 64: AES256-SIV
_NO_ASSOCIATED_DATA = b""  # what the reference system and every reader of its files use
_MAX_KEY_ID = 2**31 - 1  # Tink's own key ids are random in [1, 2^31 - 1]
_CACHE_LIMIT = 250_000  # ~1 KiB per entry; bounds memory on very large stores

# The reference system's compact keyset JSON, field for field, and its reader.
_COMPACT_KEYSET = (
    '{{"primaryKeyId":{key_id},"key":[{{"keyData":{{"typeUrl":"{type_url}",'
    '"value":"{value}","keyMaterialType":"SYMMETRIC"}},"status":"ENABLED",'
    '"keyId":{key_id},"outputPrefixType":"TINK"}}]}}'
)
_COMPACT_KEYSET_RE = re.compile(
    r'\{"primaryKeyId":(0|[1-9][0-9]{0,9}),"key":\[\{"keyData":\{"typeUrl":'
    + re.escape(f'"{_AES_SIV_TYPE_URL}"')
    + r',"value":"([A-Za-z0-9+/]+={0,2})","keyMaterialType":"SYMMETRIC"\},'
    r'"status":"ENABLED","keyId":\1,"outputPrefixType":"TINK"\}\]\}')

# Tink's C++ key manager, as `daead.register()` wraps it for the Python registry;
# called without that wrapper's Python frames (which double the cost of a call).
_KEY_MANAGER = tink_bindings.DeterministicAeadKeyManager.from_cc_registry(_AES_SIV_TYPE_URL)
_TINK_ERRORS = (tink.TinkError, tink_bindings.PythonTinkException)


def _split_serialized(message: Any, field: str, size: int) -> tuple[bytes, bytes]:
    """(head, tail) such that serialising ``message`` with ``field`` set to any ``size``
    bytes gives ``head + those bytes + tail``: the protobuf library's own encoding,
    worked out once, so a key costs a concatenation rather than a proto round trip."""
    marker = secrets.token_bytes(size)
    setattr(message, field, marker)
    encoded = message.SerializeToString()
    head, found, tail = encoded.partition(marker)
    probe = secrets.token_bytes(size)
    setattr(message, field, probe)
    if not found or message.SerializeToString() != head + probe + tail:
        raise RuntimeError(f"unexpected protobuf encoding of {type(message).__name__}")
    return head, tail


# AesSivKey{version: 0, key_value: 64 bytes}, and KeyData{type_url, value: that, SYMMETRIC}.
_AES_SIV_KEY_HEAD, _AES_SIV_KEY_TAIL = _split_serialized(
    aes_siv_pb2.AesSivKey(version=0), "key_value", _KEY_SIZE)
_KEY_VALUE_SIZE = len(_AES_SIV_KEY_HEAD) + _KEY_SIZE + len(_AES_SIV_KEY_TAIL)
_KEY_DATA_HEAD, _KEY_DATA_TAIL = _split_serialized(
    tink_pb2.KeyData(type_url=_AES_SIV_TYPE_URL, key_material_type=tink_pb2.KeyData.SYMMETRIC),
    "value", _KEY_VALUE_SIZE)


def _tink_prefix(key_id: int) -> bytes:
    return core.crypto_format.output_prefix(
        tink_pb2.Keyset.Key(key_id=key_id, output_prefix_type=tink_pb2.TINK))


# Tink's TINK prefix is a version byte and the key id, big-endian. Keys take it from
# these bytes (Tink's call builds a proto, ~1.5 µs a key); checked against Tink here.
_TINK_PREFIX_BYTE = _tink_prefix(1)[:1]
if any(_tink_prefix(key_id) != _TINK_PREFIX_BYTE + key_id.to_bytes(4, "big")
       for key_id in (1, 714921229, _MAX_KEY_ID)):
    raise RuntimeError("Tink's ciphertext prefix is not version byte + key id")


class _DeterministicAead(Protocol):
    """Tink's C++ primitive and its Python wrapper: the same two calls."""

    def encrypt_deterministically(self, plaintext: bytes, associated_data: bytes) -> bytes: ...

    def decrypt_deterministically(self, ciphertext: bytes, associated_data: bytes) -> bytes: ...


class KeysetCipher:
    """Deterministic AEAD under one keyset, with standard base64 ciphertexts:
    ciphertext = prefix + Tink's deterministic AEAD of the plaintext."""

    __slots__ = ("_prefix", "_primitive")

    def __init__(self, prefix: bytes, primitive: _DeterministicAead) -> None:
        self._prefix = prefix
        self._primitive = primitive

    def encrypt(self, plaintext: str) -> str:
        return self.encrypt_to_base64(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext_b64: str) -> str:
        try:
            return self.decrypt_from_base64(ciphertext_b64.encode("ascii")).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            raise _not_decryptable() from None

    def _encryptor(self) -> tuple[bytes, Callable[[bytes, bytes], bytes]]:
        """(prefix, encrypt): ciphertext = prefix + encrypt(plaintext, associated data)."""
        return self._prefix, self._primitive.encrypt_deterministically

    def encrypt_to_base64(self, plaintext: bytes) -> bytes:
        return binascii.b2a_base64(
            self._prefix + self._primitive.encrypt_deterministically(
                plaintext, _NO_ASSOCIATED_DATA), newline=False)

    def decrypt_from_base64(self, ciphertext_b64: bytes) -> bytes:
        try:
            ciphertext = binascii.a2b_base64(ciphertext_b64, strict_mode=True)
            if not ciphertext.startswith(self._prefix):
                raise _not_decryptable()
            return self._primitive.decrypt_deterministically(
                ciphertext[len(self._prefix):], _NO_ASSOCIATED_DATA)
        except (*_TINK_ERRORS, binascii.Error, ValueError, DecryptionError):
            # No chained cause: Tink's messages may echo input bytes.
            raise _not_decryptable() from None


def encrypt_batch(plaintexts: list[bytes | None], rows: list[int | None],
                  ciphers: list[KeysetCipher]) -> list[bytes | None]:
    """Encrypt ``plaintexts[i]`` under ``ciphers[rows[i]]`` (base64 bytes; None stays None).

    The hot loop of the SQL function, kept here so it can call Tink directly."""
    encryptors = [cipher._encryptor() for cipher in ciphers]
    prefixes = [prefix for prefix, _ in encryptors]
    encrypts = [encrypt for _, encrypt in encryptors]
    to_base64, no_data = binascii.b2a_base64, _NO_ASSOCIATED_DATA
    if None not in rows and None not in plaintexts:  # the usual case: one tight loop
        present = cast(list[int], rows)
        return [to_base64(prefixes[row] + encrypts[row](plaintext, no_data), newline=False)
                for plaintext, row in zip(cast(list[bytes], plaintexts), present, strict=True)]
    return [None if plaintext is None or row is None else
            to_base64(prefixes[row] + encrypts[row](plaintext, no_data), newline=False)
            for plaintext, row in zip(plaintexts, rows, strict=True)]


def decrypt_batch(ciphertexts: list[bytes], ciphers: list[KeysetCipher]) -> list[bytes | None]:
    """Decrypt base64 ``ciphertexts[i]`` under ``ciphers[i]``: the plaintext bytes, or None
    where it does not decrypt (the caller decides whether that is an error).

    The hot loop of the SQL function, kept here so it can call Tink directly."""
    from_base64, no_data = binascii.a2b_base64, _NO_ASSOCIATED_DATA
    out: list[bytes | None] = []
    append = out.append
    for ciphertext_b64, cipher in zip(ciphertexts, ciphers, strict=True):
        try:
            ciphertext = from_base64(ciphertext_b64, strict_mode=True)
            prefix = cipher._prefix
            if ciphertext.startswith(prefix):
                append(cipher._primitive.decrypt_deterministically(
                    ciphertext[len(prefix):], no_data))
                continue
        except (*_TINK_ERRORS, binascii.Error, ValueError):
            pass
        append(None)
    return out


def _not_decryptable() -> DecryptionError:
    return DecryptionError("ciphertext does not decrypt under its keyset "
                           "(tampered, truncated, or made with another key)")


# A plain dict (insertion-ordered: the oldest entry goes first when full): an
# OrderedDict's bookkeeping cost as much as building a primitive.
_cache: dict[str, KeysetCipher] = {}
_cache_lock = threading.Lock()


def _remember_all(entries: list[tuple[str, KeysetCipher]]) -> None:
    with _cache_lock:
        _cache.update(entries)
        while len(_cache) > _CACHE_LIMIT:
            del _cache[next(iter(_cache))]


def _aes_siv_primitive(key_value: bytes) -> _DeterministicAead:
    """Tink's C++ AES-SIV primitive for a serialised ``AesSivKey`` (Tink checks it)."""
    if len(key_value) == _KEY_VALUE_SIZE:
        key_data = _KEY_DATA_HEAD + key_value + _KEY_DATA_TAIL
    else:  # not a 64-byte key: let Tink's key manager say why it is refused
        key_data = tink_pb2.KeyData(type_url=_AES_SIV_TYPE_URL, value=key_value,
                                    key_material_type=tink_pb2.KeyData.SYMMETRIC
                                    ).SerializeToString()
    return cast(_DeterministicAead, _KEY_MANAGER.primitive(key_data))


def new_keyset_json() -> str:
    """A fresh AES256-SIV keyset as compact Tink JSON (the reference system's shape)."""
    return new_keysets_json(1)[0]


# The compact keyset around its key id and base64 key value (see _COMPACT_KEYSET).
_KEYSET_HEAD, _KEYSET_AFTER_ID, _KEYSET_AFTER_VALUE, _KEYSET_TAIL = (
    _COMPACT_KEYSET.format(key_id="\0", type_url=_AES_SIV_TYPE_URL, value="\0").split("\0"))
_KEY_ID_BYTES = 4


def new_keysets_json(count: int) -> list[str]:
    """``count`` fresh AES256-SIV keysets as compact Tink JSON (the reference system's shape).

    Each key is 64 bytes from the OS CSPRNG, as Tink's own key manager makes it, under a
    random key id in Tink's range [1, 2^31 - 1]; the keysets are written directly in the
    compact shape (Tink reads them back, and writes the same JSON). One CSPRNG read serves
    the whole batch: a job makes tens of thousands of keys, and a read costs ~1 µs."""
    stride = _KEY_SIZE + _KEY_ID_BYTES
    randomness = os.urandom(stride * count)
    to_base64, head, tail = binascii.b2a_base64, _AES_SIV_KEY_HEAD, _AES_SIV_KEY_TAIL
    keysets, ciphers = [], []
    for start in range(0, stride * count, stride):
        key_value = head + randomness[start:start + _KEY_SIZE] + tail
        # 31 random bits; 0 is not a Tink key id (drawn again: still uniform on the rest)
        key_id = int.from_bytes(randomness[start + _KEY_SIZE:start + stride], "big") & _MAX_KEY_ID
        while key_id == 0:
            key_id = secrets.randbits(31)
        keyset_json = (f"{_KEYSET_HEAD}{key_id}{_KEYSET_AFTER_ID}"
                       f"{to_base64(key_value, newline=False).decode('ascii')}"
                       f"{_KEYSET_AFTER_VALUE}{key_id}{_KEYSET_TAIL}")
        keysets.append(keyset_json)
        # The new key is about to encrypt rows: keep its primitive warm.
        ciphers.append((keyset_json, KeysetCipher(
            _TINK_PREFIX_BYTE + key_id.to_bytes(_KEY_ID_BYTES, "big"),
            _aes_siv_primitive(key_value))))
    _remember_all(ciphers)
    return keysets


def _compact_key(keyset_json: str) -> tuple[int, bytes] | None:
    """(key id, serialised AesSivKey) of a keyset in the compact one-key shape, else None."""
    match = _COMPACT_KEYSET_RE.fullmatch(keyset_json)
    if match is None:
        return None
    key_id = int(match.group(1))
    if not 0 <= key_id < 2**32:
        raise KeysetError("keyset has a key id out of range")
    try:
        # The pattern admits only the base64 alphabet; strict mode also checks the padding.
        return key_id, binascii.a2b_base64(match.group(2), strict_mode=True)
    except binascii.Error:
        raise KeysetError("not a Tink JSON keyset") from None


def _tink_keyset(keyset_json: str) -> tink_pb2.Keyset:
    """Any other Tink JSON keyset, through Tink's own reader."""
    try:
        return tink.JsonKeysetReader(keyset_json).read()
    except (*_TINK_ERRORS, ValueError, KeyError, TypeError):
        raise KeysetError("not a Tink JSON keyset") from None


def _cipher_of(keyset_json: str) -> KeysetCipher:
    try:
        compact = _compact_key(keyset_json)
        if compact is not None:
            key_id, key_value = compact
            return KeysetCipher(_TINK_PREFIX_BYTE + key_id.to_bytes(_KEY_ID_BYTES, "big"),
                                _aes_siv_primitive(key_value))
        keyset = _tink_keyset(keyset_json)
        if any(key.key_data.type_url != _AES_SIV_TYPE_URL for key in keyset.key):
            raise KeysetError("keyset is not an AES-SIV (deterministic AEAD) keyset")
        handle = tink.proto_keyset_format.parse(keyset.SerializeToString(),
                                                secret_key_access.TOKEN)
        # Tink's wrapper adds and checks the prefixes itself.
        return KeysetCipher(b"", handle.primitive(daead.DeterministicAead))
    except _TINK_ERRORS:
        raise KeysetError("keyset is not usable for deterministic AEAD") from None


def cipher_for(keyset_json: str) -> KeysetCipher:
    """The (cached) cipher of a JSON keyset."""
    cipher = _cache.get(keyset_json)
    if cipher is not None:
        return cipher
    cipher = _cipher_of(keyset_json)
    _remember_all([(keyset_json, cipher)])
    return cipher


def ciphers_for(keysets_json: Sequence[str]) -> list[KeysetCipher]:
    """The (cached) ciphers of many JSON keysets, in order: a batch of values meets a few
    dozen keysets, and those not cached yet are remembered together."""
    ciphers = [_cache.get(keyset_json) for keyset_json in keysets_json]
    if None not in ciphers:
        return cast(list[KeysetCipher], ciphers)
    made = []
    for position, cipher in enumerate(ciphers):
        if cipher is None:
            keyset_json = keysets_json[position]
            ciphers[position] = cipher = _cipher_of(keyset_json)
            made.append((keyset_json, cipher))
    _remember_all(made)
    return cast(list[KeysetCipher], ciphers)


_generation = 0  # how many times the cache was cleared


def clear_cipher_cache() -> None:
    """Forget every cached primitive (call after shredding keys), also those that
    holders of ciphers keep beside this cache (they check ``cipher_cache_generation``)."""
    global _generation
    with _cache_lock:
        _cache.clear()
        _generation += 1


def cipher_cache_generation() -> int:
    """Changes whenever the cipher cache is cleared: whoever keeps ciphers of their own
    drops them then."""
    return _generation


def _key_values(keyset_json: str) -> list[bytes]:
    """The serialised AES-SIV key of each key in a keyset."""
    compact = _compact_key(keyset_json)
    if compact is not None:
        return [compact[1]]
    return [key.key_data.value for key in _tink_keyset(keyset_json).key
            if key.key_data.type_url == _AES_SIV_TYPE_URL]


def keyset_key_material(keyset_json: str) -> list[bytes]:
    """The raw AES-SIV key bytes inside a keyset (for proving they were erased from disk)."""
    try:
        return [aes_siv_pb2.AesSivKey.FromString(value).key_value
                for value in _key_values(keyset_json)]
    except Exception:  # protobuf's DecodeError; its message may quote the bytes
        raise KeysetError("keyset holds a malformed AES-SIV key") from None


def keyset_erasure_needles(keyset_json: str) -> list[bytes]:
    """Every byte string that betrays a keyset in a file: its JSON (as written, and as a
    CSV export doubles its quotes), each key's base64 ``value`` and raw AES-SIV bytes."""
    needles = [keyset_json.encode(), keyset_json.replace('"', '""').encode()]
    needles += [base64.b64encode(value) for value in _key_values(keyset_json)]
    needles += keyset_key_material(keyset_json)
    return needles
