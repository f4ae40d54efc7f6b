"""The data-subject index: which subjects the key store knows, page by page, and
the keyLinks (with expiry) of each."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from duckshred.service.errors import DuckshredError
from duckshred.service.workspace import Workspace
from duckshred.udf.layout import KEYSTORE_ALIAS

if TYPE_CHECKING:
    import duckdb

SUBJECTS = f"{KEYSTORE_ALIAS}.main.data_subject_keys"
KEYS = f"{KEYSTORE_ALIAS}.main.encryption_keys"


def keystore_connection(workspace: Workspace) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB with the key store attached read-only as ``keystore``.

    Never ``duckdb.connect(path)``: DuckDB hands out the instance it already has
    open for a path in this process, which may be the store as it was before a shred.
    """
    if not workspace.keystore_path.exists():
        raise DuckshredError(f"the workspace {workspace.root} has no key store yet: "
                             "run a batch job first")
    import duckdb  # here: a workspace without a key store answers without loading DuckDB

    conn = duckdb.connect()
    attach_store(conn, workspace)
    return conn


def attach_store(conn: duckdb.DuckDBPyConnection, workspace: Workspace) -> None:
    """Attach the key store read-only as ``keystore`` on an in-memory DuckDB, by path."""
    conn.execute(f"ATTACH ? AS {KEYSTORE_ALIAS} (READ_ONLY)", [str(workspace.keystore_path)])


# -- paging -----------------------------------------------------------------------

def _encode_token(last_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([last_id]).encode()).decode().rstrip("=")


def _decode_token(token: str) -> str:
    try:
        padded = token + "=" * (-len(token) % 4)
        (last_id,) = json.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(last_id, str):
            raise ValueError
        return last_id
    except (ValueError, TypeError, binascii.Error):
        raise DuckshredError(f"invalid page token {token!r}: pass the token a previous "
                             "page printed") from None


def list_data_subjects(workspace: Workspace, page_size: int = 100, page_token: str = ""
                       ) -> tuple[list[str], str]:
    """One page of subject ids in ascending string order, and the next page's token
    (empty on the last page). Forgotten subjects have no index rows: never listed."""
    if page_size < 1:
        raise DuckshredError("--page-size must be at least 1")
    conn = keystore_connection(workspace)
    try:
        after = _decode_token(page_token) if page_token else None
        rows = conn.execute(
            f"SELECT DISTINCT data_subject FROM {SUBJECTS} "
            "WHERE ?::VARCHAR IS NULL OR data_subject > ? "
            "ORDER BY data_subject LIMIT ?",
            [after, after, page_size + 1]).fetchall()
    finally:
        conn.close()
    ids = [row[0] for row in rows[:page_size]]
    next_token = _encode_token(ids[-1]) if len(rows) > page_size else ""
    return ids, next_token


@dataclass(frozen=True)
class KeyLinkEntry:
    data_subject: str
    key_link: str
    expiry: datetime  # UTC


def list_keylinks(workspace: Workspace, subject_ids: list[str]) -> list[KeyLinkEntry]:
    conn = keystore_connection(workspace)
    try:
        rows = conn.execute(
            f"SELECT data_subject, key_link, expiry AT TIME ZONE 'UTC' FROM {SUBJECTS} "
            "WHERE list_contains(?::VARCHAR[], data_subject) "
            "ORDER BY data_subject, expiry, key_link", [subject_ids]).fetchall()
    finally:
        conn.close()
    return [KeyLinkEntry(s, k, e.replace(tzinfo=UTC)) for s, k, e in rows]
