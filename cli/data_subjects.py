"""`list|get|delete data-subject(s)`, `list data-subject-keylinks`: the Data Subjects API."""

from __future__ import annotations

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
    output: OutputOption = Format.plain,
) -> None:
    """Forget data subjects: remove them from the index and shred their keys."""
    from duckshred.service.subjects import delete_data_subjects

    ws = workspace(ctx)
    if not yes:
        # Declining raises Abort, which the app turns into exit 2 (1 means a failed job).
        typer.confirm(f"Shred every key of {len(subject_ids)} data subject(s)? This cannot be "
                      "undone", abort=True, err=True)
    receipt = delete_data_subjects(ws, subject_ids)
    derived = receipt["derivedDatasetsWithDecryptedValues"]
    render(Result(receipt, ["DELETED KEYLINKS", "SUBJECTS"],
                  [[receipt["deletedKeylinksCount"], len(subject_ids)]],
                  plain=[str(receipt["deletedKeylinksCount"])]), output)
    for dataset in derived:
        note(f"warning: derived dataset {dataset['target'] or dataset['table']} "
             f"(job {dataset['jobId']}) still holds decrypted values of these "
             "subjects: rebuild or delete it")


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
