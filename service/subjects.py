"""Data subjects: list them, list their keyLinks, forget them (crypto-shredding),
and answer access requests.

Forgetting a subject deletes their keys from the key store by rewriting the
store file without them, so every copy of their encrypted data, wherever it
went, becomes noise, without touching a single data file.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from duckshred.crypto import clear_cipher_cache, keyset_key_material
from duckshred.service.catalog import Catalog
from duckshred.service.config import parse_config
from duckshred.service.errors import DuckshredError
from duckshred.service.locking import workspace_lock
from duckshred.service.project import DERIVED_INDEX, KEY_LINK, ROW_NR
from duckshred.service.warehouse import job_tables
from duckshred.service.workspace import Workspace
from duckshred.udf import attach_keystore, register_functions
from duckshred.udf.keystore import KEYSTORE_ALIAS, rewrite_keystore

_SUBJECTS = f"{KEYSTORE_ALIAS}.main.data_subject_keys"
_KEYS = f"{KEYSTORE_ALIAS}.main.encryption_keys"


def _keystore_connection(workspace: Workspace) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    if not workspace.keystore_path.exists():
        raise DuckshredError(f"the workspace {workspace.root} has no key store yet: "
                             "run a batch job first")
    attach_keystore(conn, workspace.keystore_path, read_only=True)
    return conn


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
    (empty on the last page)."""
    if page_size < 1:
        raise DuckshredError("--page-size must be at least 1")
    conn = _keystore_connection(workspace)
    try:
        after = _decode_token(page_token) if page_token else None
        rows = conn.execute(
            f"SELECT DISTINCT data_subject FROM {_SUBJECTS} "
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
    conn = _keystore_connection(workspace)
    try:
        rows = conn.execute(
            f"SELECT data_subject, key_link, expiry AT TIME ZONE 'UTC' FROM {_SUBJECTS} "
            "WHERE list_contains(?::VARCHAR[], data_subject) "
            "ORDER BY data_subject, expiry, key_link", [subject_ids]).fetchall()
    finally:
        conn.close()
    return [KeyLinkEntry(s, k, e.replace(tzinfo=UTC)) for s, k, e in rows]


# -- forgetting -------------------------------------------------------------------

def derived_datasets_holding(workspace: Workspace, key_links: list[str]) -> list[dict[str, Any]]:
    """Derived datasets (warehouse tables and the files they were written to) that
    hold decrypted values under any of ``key_links``."""
    if not key_links or not workspace.warehouse_path.exists():
        return []
    catalog = Catalog(workspace)
    found = []
    conn = duckdb.connect(str(workspace.warehouse_path), read_only=True)
    try:
        for job_id, table in job_tables(conn, "derived"):
            indexes = [row[0] for row in conn.execute(
                f'SELECT DISTINCT {DERIVED_INDEX} FROM {table} '
                f'WHERE list_contains(?::VARCHAR[], "{KEY_LINK}") ORDER BY 1',
                [key_links]).fetchall()]
            try:
                targets = [d.location.describe()
                           for d in parse_config(catalog.job(job_id)["config"]).derived]
            except DuckshredError:
                targets = []  # the job's record was deleted: only its table is known
            for index in indexes:
                found.append({
                    "jobId": job_id, "table": table, "derivedIndex": index,
                    "target": targets[index] if index < len(targets) else None})
    finally:
        conn.close()
    return found


def files_holding(paths: list[Path], needles: list[bytes]) -> list[str]:
    """The files among ``paths`` that contain any of ``needles``."""
    hits = []
    for path in paths:
        if path.is_file() and needles:
            data = path.read_bytes()
            if any(needle in data for needle in needles):
                hits.append(str(path))
    return hits


def delete_data_subjects(workspace: Workspace, subject_ids: list[str],
                         lock_timeout_s: float = 60.0) -> dict[str, Any]:
    """Forget subjects: drop them from the index and shred their keys. Returns the
    erasure receipt (never key material)."""
    with workspace_lock(workspace, "delete data subjects", timeout_s=lock_timeout_s):
        if not workspace.keystore_path.exists():
            return _receipt(subject_ids, [], [], [])
        conn = _keystore_connection(workspace)
        try:
            doomed = conn.execute(
                f"SELECT DISTINCT s.key_link, k.keyset FROM {_SUBJECTS} AS s "
                f"LEFT JOIN {_KEYS} AS k USING (key_link) "
                "WHERE list_contains(?::VARCHAR[], s.data_subject) ORDER BY 1",
                [subject_ids]).fetchall()
        finally:
            conn.close()
        key_links = [key_link for key_link, _ in doomed]
        rewrite_keystore(workspace.keystore_path, drop_key_links=key_links,
                         drop_subjects=subject_ids)
        clear_cipher_cache()
        # Prove it: none of the shredded key material is left in the key store files.
        needles: list[bytes] = []
        for _, keyset in doomed:
            if keyset:
                needles.append(keyset.encode())
                needles.append(json.loads(keyset)["key"][0]["keyData"]["value"].encode())
                needles.extend(keyset_key_material(keyset))
        leftovers = files_holding(
            sorted(workspace.root.glob(workspace.keystore_path.name + "*")), needles)
        derived = derived_datasets_holding(workspace, key_links)
    return _receipt(subject_ids, key_links, derived, leftovers)


def _receipt(subject_ids: list[str], key_links: list[str], derived: list[dict[str, Any]],
             leftovers: list[str]) -> dict[str, Any]:
    return {
        "deletedKeylinksCount": len(key_links),
        "dataSubjectIds": subject_ids,
        "keyLinks": key_links,
        "erasedAt": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "keyMaterialCheck": {
            "checkedFiles": "key store file and its write-ahead log",
            "keyMaterialFound": bool(leftovers),
            "filesWithKeyMaterial": leftovers,
        },
        # Decrypted copies made before the erasure: rebuild or delete them.
        "derivedDatasetsWithDecryptedValues": derived,
    }


# -- access requests --------------------------------------------------------------

def access_request(workspace: Workspace, subject_id: str) -> list[dict[str, Any]]:
    """Every row the warehouse holds for the subject, decrypted, with the dataset
    and keyLink it came from."""
    catalog = Catalog(workspace)
    key_links = [entry.key_link for entry in list_keylinks(workspace, [subject_id])]
    if not key_links or not workspace.warehouse_path.exists():
        return []
    conn = duckdb.connect(str(workspace.warehouse_path), read_only=True)
    records: list[dict[str, Any]] = []
    try:
        register_functions(conn)
        attach_keystore(conn, workspace.keystore_path, read_only=True)
        for job_id, table in job_tables(conn, "encrypted"):
            try:
                job = catalog.job(job_id)
                contract = catalog.contract(job["contractRef"])
                dataset = job["config"]["encrypted_data"]["target"]["file_name"]
            except DuckshredError:
                continue  # a job whose record was deleted: its contract is unknown
            pii = contract.pii_fields
            subject_field = contract.data_subject_field
            if not subject_field:
                continue
            columns = contract.names
            select = ", ".join(
                (f'decrypt("{name}", "{KEY_LINK}")' if name in pii else f'"{name}"')
                + f' AS "{name}"' for name in columns)
            rows = conn.execute(
                f'SELECT {ROW_NR}, "{KEY_LINK}", {select} '
                f'FROM {table} '
                f'WHERE list_contains(?::VARCHAR[], "{KEY_LINK}") ORDER BY {ROW_NR}',
                [key_links]).fetchall()
            for row in rows:
                values = dict(zip(columns, row[2:], strict=True))
                if values[subject_field] != subject_id:
                    continue  # a key shared with another subject's rows
                records.append({"dataset": dataset, "jobId": job_id, "row": row[0],
                                "keyLink": row[1], "values": values})
    finally:
        conn.close()
    return records
