"""`create|list|get data-contract(s)`: the contracts batch jobs apply."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from duckshred.cli.common import workspace
from duckshred.cli.output import Format, OutputOption, Result, note, render


def _pii(contract: dict) -> list[str]:
    return [c["name"] for c in contract["columns"] if c.get("pii")]


def create(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="HANDLE/NAME/VERSION")],
    file: Annotated[Path, typer.Option("--file", "-F", help="Contract (JSON or YAML).")],
    schema: Annotated[Path | None, typer.Option("--schema", "-S",
                                                help="Simple schema JSON (STRM).")] = None,
) -> None:
    """Register a data contract (STRM event contract + schema, STRM data contract, or YAML)."""
    from duckshred.service.catalog import Catalog
    from duckshred.service.contracts import normalise_contract, read_document

    contract = normalise_contract(ref, read_document(file),
                                  read_document(schema) if schema else None)
    Catalog(workspace(ctx, create=True)).save_contract(contract)
    pii = ", ".join(f"{c['name']} ({c['purpose_level']})" for c in contract["columns"]
                    if c.get("pii")) or "none"
    note(f"data contract {ref}: {len(contract['columns'])} columns, PII: {pii}")


def _rows(contract: dict) -> list:
    return [contract["ref"], contract["key_field"], contract.get("data_subject_field"),
            ",".join(_pii(contract))]


_HEADERS = ["REF", "KEY FIELD", "DATA SUBJECT FIELD", "PII FIELDS"]


def list_all(ctx: typer.Context, output: OutputOption = Format.table) -> None:
    """List data contracts."""
    from duckshred.service.catalog import Catalog

    contracts = Catalog(workspace(ctx)).contracts()
    render(Result({"dataContracts": contracts}, _HEADERS, [_rows(c) for c in contracts]),
           output)


def get(ctx: typer.Context, ref: str, output: OutputOption = Format.json) -> None:
    """Show a data contract: its columns, key field, data subject field and PII levels."""
    from duckshred.service.catalog import Catalog

    contract = Catalog(workspace(ctx)).contract(ref)
    render(Result(contract, ["COLUMN", "TYPE", "PII PURPOSE LEVEL"],
                  [[c["name"], c.get("type"), c.get("purpose_level") if c.get("pii") else None]
                   for c in contract["columns"]]), output)
