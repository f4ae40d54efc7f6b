"""`sql QUERY`: DuckDB with the crypto functions, the warehouse and the key store."""

from __future__ import annotations

import typer

from duckshred.cli.common import workspace
from duckshred.cli.output import Format, OutputOption, Result, render


def run(ctx: typer.Context, query: str, output: OutputOption = Format.table) -> None:
    """DuckDB with the crypto functions, the warehouse, the key store and
    decrypt(ciphertext, key_link)."""
    from duckshred.service.adhoc import run_query

    headers, rows = run_query(workspace(ctx), query)
    render(Result([dict(zip(headers, row, strict=True)) for row in rows], headers, rows),
           output)
