"""Crypto errors. Their messages never carry plaintext, ciphertext or key material."""


class CryptoError(Exception):
    """Base class of every error raised by the crypto core."""


class KeysetError(CryptoError):
    """A keyset that is not a valid Tink AES-SIV JSON keyset."""


class DecryptionError(CryptoError):
    """A ciphertext that does not authenticate under the given keyset
    (tampered, truncated, or encrypted with another key)."""
