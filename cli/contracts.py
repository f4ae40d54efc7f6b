"""`create|list|get data-contract(s)`: the contracts batch jobs apply."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from duckshred.cli.common import workspace
from duckshred.cli.output import Format, OutputOption, Result, note, render

if TYPE_CHECKING:
    from duckshred.service.contracts import Contract


def create(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="HANDLE/NAME/VERSION")],
    file: Annotated[Path, typer.Option("--file", "-F", help="Contract (JSON or YAML).")],
    schema: Annotated[Path | None, typer.Option("--schema", "-S",
                                                help="Simple schema JSON (STRM).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace this version while no batch job has used it.")] = False,
) -> None:
    """Register a data contract (STRM event contract + schema, STRM data contract, or YAML)."""
    from duckshred.service.catalog import Catalog
    from duckshred.service.contracts import normalise_contract, read_document

    contract = normalise_contract(ref, read_document(file),
                                  read_document(schema) if schema else None)
    Catalog(workspace(ctx, create=True)).save_contract(contract, force=force)
    from duckshred.service.subjects import collateral_warning

    warning = collateral_warning(contract)
    if warning:
        note(warning)
    pii = ", ".join(f"{name} ({level})" for name, level in contract.pii_fields.items()) or "none"
    note(f"data contract {ref}: {len(contract.columns)} columns, PII: {pii}")


def _rows(contract: Contract) -> list:
    return [contract.ref, contract.key_field, contract.data_subject_field,
            ",".join(contract.pii_fields)]


_HEADERS = ["REF", "KEY FIELD", "DATA SUBJECT FIELD", "PII FIELDS"]


def list_all(ctx: typer.Context, output: OutputOption = Format.table) -> None:
    """List data contracts."""
    from duckshred.service.catalog import Catalog

    contracts = Catalog(workspace(ctx)).contracts()
    render(Result({"dataContracts": [c.document() for c in contracts]}, _HEADERS,
                  [_rows(c) for c in contracts]), output)


def get(ctx: typer.Context, ref: str, output: OutputOption = Format.json) -> None:
    """Show a data contract: its columns, key field, data subject field and PII levels."""
    from duckshred.service.catalog import Catalog

    contract = Catalog(workspace(ctx)).contract(ref)
    render(Result(contract.document(), ["COLUMN", "TYPE", "PII PURPOSE LEVEL"],
                  [[c.name, c.type, contract.pii_fields.get(c.name)]
                   for c in contract.columns]), output)


def delete(ctx: typer.Context, ref: str, output: OutputOption = Format.plain) -> None:
    """Delete a data contract version that no batch job used."""
    from duckshred.service.catalog import Catalog

    Catalog(workspace(ctx)).delete_contract(ref)
    render(Result({"deletedDataContract": ref}, ["DELETED DATA CONTRACT"], [[ref]]), output)
