"""The JSON documents the commands print, in the camelCase shapes of STRM's API.

The CLI prints these; they live here so a library user gets the same shapes and
the CLI stays a printer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # not at run time: the subjects modules load DuckDB
    from duckshred.service.subjects import KeyLinkEntry


def keylinks_document(entries: list[KeyLinkEntry]) -> dict[str, Any]:
    """``{"dataSubjectKeylinks": [{"dataSubjectId", "keylinksAndTimestamps": [...]}]}``,
    one entry per subject in the order ``entries`` first names them."""
    grouped: dict[str, list[dict[str, str]]] = {}
    for entry in entries:
        grouped.setdefault(entry.data_subject, []).append(
            {"keyLink": entry.key_link,
             "expiryTime": entry.expiry.strftime("%Y-%m-%dT%H:%M:%SZ")})
    return {"dataSubjectKeylinks": [
        {"dataSubjectId": subject, "keylinksAndTimestamps": links}
        for subject, links in grouped.items()]}


def data_subjects_document(ids: list[str], next_token: str) -> dict[str, Any]:
    return {"dataSubjects": [{"dataSubjectId": i} for i in ids], "nextPageToken": next_token}


def job_summary(job: dict[str, Any]) -> dict[str, Any]:
    """One line about a job: id, latest state, creation time, contract, message."""
    last = job["states"][-1]
    return {"id": job["id"], "state": last["state"], "created": job["states"][0]["stateTime"],
            "contract": job["contractRef"], "message": last["message"],
            "step": job.get("currentStep") if last["state"] in {"STARTED", "RUNNING"} else None}
