"""Forgetting: crypto-shredding data subjects (and expired keys), the erasure
ledger that keeps them forgotten, and the receipt that says what is left.

Forgetting a subject deletes their keys from the key store by rewriting the
store file without them, so every copy of their encrypted data, wherever it
went, becomes noise, without touching a single data file. The subject's keyed
hash goes into the erasure ledger, so later jobs meeting their rows encrypt them
under keys that are never stored. On request (``purge_outputs``) the outputs
duckshred itself wrote that hold their decrypted rows or keys are rewritten
without them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from duckshred.crypto import clear_cipher_cache, keyset_erasure_needles, subject_erasure_hash
from duckshred.service.catalog import Catalog
from duckshred.service.contracts import Contract
from duckshred.service.errors import DuckshredError
from duckshred.service.locking import workspace_lock
from duckshred.service.project import KEY_LINK
from duckshred.service.subjects import outputs
from duckshred.service.subjects.index import KEYS, SUBJECTS, attach_store, keystore_connection
from duckshred.service.warehouse import job_table
from duckshred.service.workspace import Workspace
from duckshred.udf.keystore import (
    KEYSTORE_ALIAS,
    attach_keystore,
    ledger_secret,
    rewrite_keystore,
    sql_identifier,
)

_LEDGER = f"{KEYSTORE_ALIAS}.main.erasure_ledger"
_ERASED_LINKS = f"{KEYSTORE_ALIAS}.main.erased_key_links"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _secret(workspace: Workspace) -> str:
    """The workspace's ledger secret, made (in place: nothing is deleted) if the store
    predates the ledger."""
    conn = keystore_connection(workspace)
    try:
        secret = ledger_secret(conn)
    finally:
        conn.close()
    if secret is None:
        conn = duckdb.connect()
        try:
            attach_keystore(conn, workspace.keystore_path)
            secret = ledger_secret(conn)
        finally:
            conn.close()
    if secret is None:
        raise DuckshredError(f"the key store {workspace.keystore_path} has no ledger secret")
    return secret


def _count(conn: duckdb.DuckDBPyConnection, query: str, parameters: list[Any]) -> int:
    row = conn.execute(query, parameters).fetchone()
    return int(row[0]) if row else 0


def _table_exists(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(_count(conn, "SELECT count(*) FROM duckdb_tables() "
                       "WHERE database_name = ? AND table_name = ?", [KEYSTORE_ALIAS, table]))


def delete_data_subjects(workspace: Workspace, subject_ids: list[str],
                         lock_timeout_s: float = 60.0, *,
                         purge_outputs: bool = False) -> dict[str, Any]:
    """Forget subjects: drop them from the index, shred their keys, record them in the
    erasure ledger, and (``purge_outputs``) rewrite the outputs duckshred wrote without
    them. Returns the erasure receipt (never key material)."""
    with workspace_lock(workspace, "delete data subjects", timeout_s=lock_timeout_s):
        if not workspace.keystore_path.exists():
            return _receipt(workspace, subject_ids, [], [], [], [], purge_outputs)
        # One in-memory DuckDB for the whole shred (reading the store, its rewrite, the
        # receipt), each file attached by path while it is needed: making one costs
        # ~20 ms, a tenth of a shred.
        conn = duckdb.connect()
        try:
            return _delete_data_subjects(conn, workspace, subject_ids, purge_outputs)
        finally:
            conn.close()


def _delete_data_subjects(conn: duckdb.DuckDBPyConnection, workspace: Workspace,
                          subject_ids: list[str], purge_outputs: bool) -> dict[str, Any]:
    attach_store(conn, workspace)
    try:
        secret = ledger_secret(conn)
        if secret is None:  # a store from before the ledger: add it (in place), then read
            conn.execute(f"DETACH {KEYSTORE_ALIAS}")
            secret = _secret(workspace)
            attach_store(conn, workspace)
        hashes = {subject: subject_erasure_hash(secret, subject) for subject in subject_ids}
        doomed = conn.execute(
            f"SELECT s.data_subject, s.key_link, k.keyset FROM {SUBJECTS} AS s "
            f"LEFT JOIN {KEYS} AS k USING (key_link) "
            "WHERE list_contains(?::VARCHAR[], s.data_subject) ORDER BY 2, 1",
            [subject_ids]).fetchall()
        key_links = sorted({link for _, link, _ in doomed})
        collateral = [row[0] for row in conn.execute(
            f"SELECT DISTINCT data_subject FROM {SUBJECTS} "
            "WHERE list_contains(?::VARCHAR[], key_link) "
            "AND NOT list_contains(?::VARCHAR[], data_subject) ORDER BY 1",
            [key_links, subject_ids]).fetchall()]
        earlier: list[str] = []
        if _table_exists(conn, "erased_key_links"):
            earlier = [row[0] for row in conn.execute(
                f"SELECT DISTINCT key_link FROM {_ERASED_LINKS} "
                "WHERE list_contains(?::VARCHAR[], subject_hash)",
                [list(hashes.values())]).fetchall()]
    finally:
        # The rewrite attaches it by itself. IF EXISTS: adding a missing secret
        # detaches it, and may have failed before attaching it again.
        conn.execute(f"DETACH DATABASE IF EXISTS {KEYSTORE_ALIAS}")
    keysets = sorted({keyset for _, _, keyset in doomed if keyset})
    forget = [(hashes[subject], sorted({link for s, link, _ in doomed if s == subject}))
              for subject in subject_ids]
    rewrite_keystore(workspace.keystore_path, drop_key_links=key_links,
                     drop_subjects=subject_ids, forget=forget, conn=conn)
    clear_cipher_cache()
    return _receipt(workspace, subject_ids, key_links, sorted(set(key_links) | set(earlier)),
                    keysets, collateral, purge_outputs, conn=conn)


def shred_expired(workspace: Workspace, retention: timedelta | None = None,
                  before: datetime | None = None, *, dry_run: bool = False,
                  purge_outputs: bool = False, lock_timeout_s: float = 60.0) -> dict[str, Any]:
    """Shred every key whose expiry plus its retention is at or before ``before`` (now by
    default). A key's retention is its contract's ``retention_days``, else ``retention``;
    a key with neither is kept. The subjects stay free to come back: this is retention,
    not erasure (no ledger entry)."""
    moment = before or datetime.now(UTC)
    default_days = None if retention is None else retention.total_seconds() / 86400
    with workspace_lock(workspace, "shred expired keys", timeout_s=lock_timeout_s):
        if not workspace.keystore_path.exists():
            return {**_receipt(workspace, [], [], [], [], [], purge_outputs and not dry_run),
                    "dryRun": dry_run, "asOf": _iso(moment)}
        policies = _retention_by_job(workspace)
        conn = keystore_connection(workspace)
        try:
            conn.execute("CREATE TEMP TABLE policy AS SELECT unnest(?::VARCHAR[]) AS job_id, "
                         "unnest(?::DOUBLE[]) AS days",
                         [list(policies), list(policies.values())])
            doomed = conn.execute(f"""
                SELECT k.key_link, k.keyset FROM {KEYS} AS k
                LEFT JOIN temp.policy AS p ON p.job_id = k.created_by_job
                WHERE k.expiry + to_seconds(
                          (coalesce(p.days, ?::DOUBLE) * 86400)::BIGINT) <= ?
                ORDER BY k.key_link""", [default_days, moment]).fetchall()
            key_links = [link for link, _ in doomed]
            subjects = [row[0] for row in conn.execute(
                f"SELECT DISTINCT data_subject FROM {SUBJECTS} "
                "WHERE list_contains(?::VARCHAR[], key_link) ORDER BY 1", [key_links]).fetchall()]
        finally:
            conn.close()
        if not dry_run and key_links:
            rewrite_keystore(workspace.keystore_path, drop_key_links=key_links)
            clear_cipher_cache()
        receipt = _receipt(workspace, subjects, key_links, key_links,
                           [keyset for _, keyset in doomed], [], purge_outputs and not dry_run,
                           shredded=not dry_run)
    return {**receipt, "dryRun": dry_run, "asOf": _iso(moment),
            "contractsWithRetention": len({ref for ref, _ in _contract_retention(workspace)})}


def _contract_retention(workspace: Workspace) -> list[tuple[str, int]]:
    return [(c.ref, c.retention_days) for c in Catalog(workspace).contracts()
            if c.retention_days is not None]


def _retention_by_job(workspace: Workspace) -> dict[str, float]:
    """Job id -> its contract's retention in days, for the jobs whose contract sets one."""
    catalog = Catalog(workspace)
    by_contract = dict(_contract_retention(workspace))
    return {job["id"]: float(by_contract[job["contractRef"]]) for job in catalog.jobs()
            if job.get("contractRef") in by_contract}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def lift_erasure_ledger_entries(workspace: Workspace, subject_ids: list[str],
                                lock_timeout_s: float = 60.0) -> int:
    """Take subjects off the erasure ledger (they gave a new consent): later jobs store
    keys and index rows for them again. Returns how many entries were lifted."""
    with workspace_lock(workspace, "lift erasure ledger entries", timeout_s=lock_timeout_s):
        if not workspace.keystore_path.exists():
            return 0
        secret = _secret(workspace)
        hashes = [subject_erasure_hash(secret, subject) for subject in subject_ids]
        conn = keystore_connection(workspace)
        try:
            if not _table_exists(conn, "erasure_ledger"):
                return 0
            count = _count(conn, f"SELECT count(DISTINCT subject_hash) FROM {_LEDGER} "
                           "WHERE list_contains(?::VARCHAR[], subject_hash)", [hashes])
        finally:
            conn.close()
        if count:
            rewrite_keystore(workspace.keystore_path, drop_key_links=[], lift=hashes)
        return count


def collateral_warning(contract: Contract) -> str | None:
    """What to tell someone registering a contract whose key field is not its data
    subject field: shredding one subject then shreds other subjects' data too."""
    key_field, subject_field = contract.key_field, contract.data_subject_field
    if not subject_field or key_field == subject_field:
        return None
    return (f"warning: the key field `{key_field}` differs from the data subject field "
            f"`{subject_field}`: subjects who share a `{key_field}` value on a day share a "
            "key, so deleting one of them also shreds the others' data of that day (the "
            "erasure receipt lists them as collateral)")


def born_shredded_records(workspace: Workspace, job_id: str) -> int:
    """Rows of a finished job encrypted under keys that were never stored (forgotten
    subjects met again)."""
    conn = duckdb.connect()
    try:
        conn.execute("ATTACH ? AS warehouse (READ_ONLY)", [str(workspace.warehouse_path)])
        conn.execute(f"ATTACH ? AS {KEYSTORE_ALIAS} (READ_ONLY)", [str(workspace.keystore_path)])
        encrypted = f'warehouse.{job_table(job_id, "encrypted")}'
        return _count(conn, f"SELECT count(*) FROM {encrypted} AS e ANTI JOIN {KEYS} AS k "
                      f"ON k.key_link = e.{sql_identifier(KEY_LINK)}", [])
    finally:
        conn.close()


# -- the receipt -----------------------------------------------------------------------


def _receipt(workspace: Workspace, subject_ids: list[str], shredded_links: list[str],
             all_links: list[str], keysets: list[str], collateral: list[str],
             purge_outputs: bool, *, shredded: bool = True,
             conn: duckdb.DuckDBPyConnection | None = None) -> dict[str, Any]:
    """What was shredded now, and for every output duckshred wrote under the subjects'
    keyLinks (of this erasure and earlier ones) what it still holds (``conn``: the
    shred's in-memory DuckDB, to read the warehouse in)."""
    jobs = outputs.jobs_holding(workspace, all_links, conn)
    if purge_outputs:
        outputs.purge(workspace, jobs, all_links)
    key_needles = [needle for keyset in keysets for needle in keyset_erasure_needles(keyset)]
    report = outputs.output_report(workspace, jobs, all_links, key_needles, conn)
    # Key material: every file under the workspace, and the key exports in the targets.
    in_workspace = (outputs.workspace_files_holding(workspace, key_needles)
                    if shredded else [])
    in_exports = [entry["location"] for entry in report
                  if entry["kind"] == "keysFile" and entry["status"] == outputs.HOLDS_KEY_MATERIAL]
    derived = [{"jobId": e["jobId"], "table": e["location"].removeprefix("warehouse "),
                "derivedIndex": e["derivedIndex"],
                "target": next((f["location"] for f in report if f["kind"] == "derivedFile"
                                and f["jobId"] == e["jobId"]
                                and f["derivedIndex"] == e["derivedIndex"]), None)}
               for e in report if e["kind"] == "derivedTable"
               and e["status"] == outputs.HOLDS_PLAINTEXT]
    return {
        "deletedKeylinksCount": len(shredded_links),
        "dataSubjectIds": subject_ids,
        "keyLinks": shredded_links,
        "erasedAt": _now(),
        # Subjects who shared a shredded key (key field != data subject field):
        # their rows under those keys are shredded too.
        "collateralDataSubjects": collateral,
        "outputsPurged": purge_outputs,
        "outputs": report,
        "keyMaterialCheck": {
            "checkedFiles": "every file under the workspace, and the key exports in the targets",
            "keyMaterialFound": bool(in_workspace or in_exports),
            "filesWithKeyMaterial": in_exports + in_workspace,
        },
        # Decrypted copies made before the erasure: purge, rebuild or delete them.
        "derivedDatasetsWithDecryptedValues": derived,
    }
