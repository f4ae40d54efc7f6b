"""Access requests: every row duckshred keeps of a data subject, decrypted."""

from __future__ import annotations

from typing import Any

import duckdb

from duckshred.service.catalog import Catalog
from duckshred.service.errors import DuckshredError
from duckshred.service.project import KEY_LINK, ROW_NR
from duckshred.service.subjects.index import list_keylinks
from duckshred.service.warehouse import job_tables
from duckshred.service.workspace import Workspace
from duckshred.udf import register_functions
from duckshred.udf.keyreader import register_keystore_decrypt
from duckshred.udf.keystore import sql_identifier


def access_request(workspace: Workspace, subject_id: str) -> list[dict[str, Any]]:
    """Every row the warehouse holds for the subject, decrypted, with the dataset
    and keyLink it came from."""
    catalog = Catalog(workspace)
    key_links = [entry.key_link for entry in list_keylinks(workspace, [subject_id])]
    if not key_links or not workspace.warehouse_path.exists():
        return []
    conn = duckdb.connect()
    records: list[dict[str, Any]] = []
    try:
        conn.execute("ATTACH ? AS warehouse (READ_ONLY)", [str(workspace.warehouse_path)])
        conn.execute("USE warehouse")
        register_functions(conn)
        register_keystore_decrypt(conn, workspace.keystore_path)
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
            key_link, row_nr = sql_identifier(KEY_LINK), sql_identifier(ROW_NR)
            select = ", ".join(
                (f"decrypt({sql_identifier(name)}, {key_link})" if name in pii
                 else sql_identifier(name)) + f" AS {sql_identifier(name)}"
                for name in columns)
            rows = conn.execute(
                f"SELECT {row_nr}, {key_link}, {select} FROM {table} "
                f"WHERE list_contains(?::VARCHAR[], {key_link}) ORDER BY {row_nr}",
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
