"""`list|get|delete data-subject(s)`, `list data-subject-keylinks`: the Data Subjects API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from duckshred.cli.common import workspace
from duckshred.cli.output import Format, OutputOption, Result, note, render


def list_all(
    ctx: typer.Context,
    page_size: Annotated[int, typer.Option(min=1, help="Ids per page.")] = 100,
    page_token: Annotated[str, typer.Option(help="Token printed by the previous page.")] = "",
    output: OutputOption = Format.plain,
) -> None:
    """List data subject ids in ascending order, one page at a time."""
    from duckshred.service.documents import data_subjects_document
    from duckshred.service.subjects import list_data_subjects

    ids, next_token = list_data_subjects(workspace(ctx), page_size, page_token)
    render(Result(data_subjects_document(ids, next_token), ["DATASUBJECT"], [[i] for i in ids],
                  plain=[next_token, *ids]), output)
    if next_token and output == Format.table:
        note(f"next page: --page-token {next_token}")


def list_keylinks(
    ctx: typer.Context,
    subject_ids: list[str],
    output: OutputOption = Format.table,
    tz: Annotated[str | None, typer.Option(help="Zone for table output (default: local).")
                  ] = None,
) -> None:
    """List the keyLinks (and their expiry) of data subjects."""
    from zoneinfo import ZoneInfo

    from duckshred.service.documents import keylinks_document
    from duckshred.service.subjects import list_keylinks as keylinks

    entries = keylinks(workspace(ctx), subject_ids)
    zone = ZoneInfo(tz) if tz else None
    rows = [[e.data_subject, e.key_link,
             e.expiry.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S.%f%z")] for e in entries]
    render(Result(keylinks_document(entries), ["DATASUBJECT", "KEYLINK", "EXPIRY"], rows),
           output)


def delete(
    ctx: typer.Context,
    subject_ids: list[str],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")
                   ] = False,
    purge_outputs: Annotated[bool, typer.Option(
        "--purge-outputs", help="Also rewrite every derived file, derived warehouse table and "
        "keys export duckshred wrote without these subjects' rows and keys.")] = False,
    output: OutputOption = Format.plain,
) -> None:
    """Forget data subjects: shred their keys, keep them out of later jobs (erasure
    ledger), and report every output that still holds them."""
    from duckshred.service.subjects import delete_data_subjects

    ws = workspace(ctx)
    if not yes:
        # Declining raises Abort, which the app turns into exit 2 (1 means a failed job).
        typer.confirm(f"Shred every key of {len(subject_ids)} data subject(s)? This cannot be "
                      "undone", abort=True, err=True)
    _render_receipt(delete_data_subjects(ws, subject_ids, purge_outputs=purge_outputs), output)


def _render_receipt(receipt: dict, output: Format) -> None:
    render(Result(receipt, ["KIND", "JOB", "LOCATION", "STATUS"],
                  [[o["kind"], o["jobId"], o["location"], o["status"]]
                   for o in receipt["outputs"]],
                  plain=[str(receipt["deletedKeylinksCount"])]), output)
    warnings = {"holdsPlaintext": "still holds decrypted rows",
                "holdsKeyMaterial": "still holds their key material"}
    for entry in receipt["outputs"]:
        if entry["status"] in warnings:
            note(f"warning: {entry['location']} (job {entry['jobId']}) "
                 f"{warnings[entry['status']]}: purge it with --purge-outputs, or rebuild or "
                 "delete it")
    named = {entry["location"] for entry in receipt["outputs"]}
    for path in receipt["keyMaterialCheck"]["filesWithKeyMaterial"]:
        if path not in named:
            note(f"warning: {path} holds shredded key material")
    if receipt.get("collateralDataSubjects"):
        note(f"warning: {len(receipt['collateralDataSubjects'])} other data subject(s) shared "
             "the shredded keys (the key field is not the data subject field): their rows "
             "under those keys are shredded too; see -o json")


def lift_ledger_entries(
    ctx: typer.Context,
    subject_ids: list[str],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")
                   ] = False,
    output: OutputOption = Format.plain,
) -> None:
    """Lift erasure ledger entries (a forgotten subject gave a new consent): later batch
    jobs store keys for them and list them again. Prints how many entries were lifted."""
    from duckshred.service.subjects import lift_erasure_ledger_entries

    ws = workspace(ctx)
    if not yes:
        typer.confirm(f"Let {len(subject_ids)} forgotten data subject(s) back into later "
                      "batch jobs?", abort=True, err=True)
    lifted = lift_erasure_ledger_entries(ws, subject_ids)
    render(Result({"liftedEntriesCount": lifted}, ["LIFTED ENTRIES"], [[lifted]]), output)


def shred(
    ctx: typer.Context,
    expired: Annotated[bool, typer.Option(
        "--expired", help="Shred every key whose expiry plus the retention has passed.")
                       ] = False,
    retention: Annotated[int | None, typer.Option(
        min=0, help="Days to keep a key after its expiry, for keys whose contract sets no "
        "`retentionDays` (default: such keys are kept).")] = None,
    before: Annotated[datetime | None, typer.Option(
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
        help="Judge expiry as of this UTC date instead of now.")] = None,
    dry_run: Annotated[bool, typer.Option(help="Only report what would be shredded.")
                       ] = False,
    purge_outputs: Annotated[bool, typer.Option(
        "--purge-outputs", help="Also rewrite the derived files, tables and keys exports "
        "without the shredded keys' rows and keys.")] = False,
    output: OutputOption = Format.plain,
) -> None:
    """Retention: shred every key whose expiry plus its retention has passed (its
    contract's `retentionDays`, else --retention; keys with neither are kept)."""
    from duckshred.service.errors import DuckshredError
    from duckshred.service.subjects import shred_expired

    if not expired:
        raise DuckshredError("say what to shred: --expired")
    moment = before.replace(tzinfo=UTC) if before else None
    receipt = shred_expired(workspace(ctx), None if retention is None else
                            timedelta(days=retention), moment, dry_run=dry_run,
                            purge_outputs=purge_outputs)
    _render_receipt(receipt, output)
    if retention is None and not receipt["contractsWithRetention"]:
        note("note: no retention is configured (no contract sets `retentionDays` and no "
             "--retention was given): nothing is shredded by age")


def get(
    ctx: typer.Context,
    subject_id: str,
    output: OutputOption = Format.json,
) -> None:
    """Access request: every row the warehouse holds for a data subject, decrypted."""
    from duckshred.service.subjects import access_request

    records = access_request(workspace(ctx), subject_id)
    columns: list[str] = []
    for record in records:
        columns += [c for c in record["values"] if c not in columns]
    render(Result({"dataSubjectId": subject_id, "records": records},
                  ["dataset", "jobId", "row", "keyLink", *columns],
                  [[r["dataset"], r["jobId"], r["row"], r["keyLink"],
                    *(r["values"].get(c) for c in columns)] for r in records]), output)
