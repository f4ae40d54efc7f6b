"""Keyed hashes of forgotten data subjects, for the erasure ledger.

The ledger must let a later job recognise a forgotten subject without keeping
their id: an HMAC-SHA256 under a per-workspace secret (kept in the key store,
apart from the ledger's readers) cannot be reversed by hashing every likely id,
as a plain hash of a customer number could.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

_SECRET_BYTES = 32


def new_ledger_secret() -> str:
    """A fresh per-workspace ledger secret (hex)."""
    return secrets.token_hex(_SECRET_BYTES)


def subject_erasure_hash(secret_hex: str, subject_id: str) -> str:
    """HMAC-SHA256 of a data subject id under the workspace's ledger secret (hex)."""
    return hmac.new(bytes.fromhex(secret_hex), subject_id.encode("utf-8"),
                    hashlib.sha256).hexdigest()


def subject_erasure_hashes(secret_hex: str, subject_ids: list[str | None]) -> list[str | None]:
    """The batch form for SQL (NULL stays NULL); the key is decoded once."""
    key = bytes.fromhex(secret_hex)
    new = hmac.new
    return [None if subject is None else new(key, subject.encode("utf-8"), hashlib.sha256
                                            ).hexdigest() for subject in subject_ids]
