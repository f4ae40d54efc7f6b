"""duckshred's crypto core: Tink keysets, deterministic encryption, masking.

Security guarantees (inherited from Google Tink's deterministic AEAD, AES256-SIV):
equal plaintexts under the same keyset give equal ciphertexts (so encrypted columns
can still be joined and grouped), any change to a ciphertext is detected on decryption,
and without the keyset a ciphertext reveals nothing but its length.

This package knows nothing about DuckDB, dbt or the command line. Only
``_keysets`` touches cleartext key material (``_ledger`` holds the ledger's
HMAC, whose secret is not key material of any data).
"""

from duckshred.crypto._errors import CryptoError, DecryptionError, KeysetError
from duckshred.crypto._keysets import (
    KeysetCipher,
    cipher_cache_generation,
    cipher_for,
    ciphers_for,
    clear_cipher_cache,
    decrypt_batch,
    encrypt_batch,
    keyset_erasure_needles,
    keyset_key_material,
    new_keyset_json,
    new_keysets_json,
)
from duckshred.crypto._ledger import (
    new_ledger_secret,
    subject_erasure_hash,
    subject_erasure_hashes,
)
from duckshred.crypto._masking import mask_value

__all__ = [
    "CryptoError",
    "DecryptionError",
    "KeysetCipher",
    "KeysetError",
    "cipher_cache_generation",
    "cipher_for",
    "ciphers_for",
    "clear_cipher_cache",
    "decrypt_batch",
    "encrypt_batch",
    "keyset_erasure_needles",
    "keyset_key_material",
    "mask_value",
    "new_keyset_json",
    "new_keysets_json",
    "new_ledger_secret",
    "subject_erasure_hash",
    "subject_erasure_hashes",
]
