"""Printing a command's result on stdout: table, JSON, plain or CSV.

Every command builds one ``Result`` and every ``-o`` value renders it, so no
format is offered that a command does not print. Progress, warnings and errors
go to stderr (``note``), never here: ``ID=$(duckshred create batch-job ...)``
captures the job id alone.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import typer


class Format(StrEnum):
    table = "table"
    json = "json"
    plain = "plain"
    csv = "csv"


# Every command accepts all four formats (each command's default is its own).
OutputOption = Annotated[Format, typer.Option("--output", "-o", help="table, json, plain or csv.")]


# The marker tables print for SQL NULL, so it cannot be mistaken for an empty string.
NULL = "NULL"


@dataclass
class Result:
    """What a command prints: a JSON document, and the same data as rows."""

    document: Any
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    # -o plain: these lines if given (e.g. a page token, then ids), else the rows
    # with their cells separated by a space.
    plain: Sequence[str] | None = None


def render(result: Result, output: Format) -> None:
    if output == Format.json:
        print_json(result.document)
    elif output == Format.csv:
        print_csv(list(result.headers), [list(r) for r in result.rows])
    elif output == Format.plain:
        lines = result.plain if result.plain is not None else [
            " ".join("" if v is None else str(v) for v in row) for row in result.rows]
        for line in lines:
            typer.echo(line)
    else:
        print_table(list(result.headers), [list(r) for r in result.rows])


def note(message: str) -> None:
    """Progress, warnings and hints: stderr, so stdout stays the result alone."""
    typer.echo(message, err=True)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


def print_csv(headers: list[str], rows: list[list[Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    typer.echo(buffer.getvalue(), nl=False)


def print_table(headers: list[str], rows: list[list[Any]]) -> None:
    cells = [[(NULL if value is None else str(value)) for value in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    for line in [headers, *cells]:
        typer.echo("   ".join(value.ljust(width) for value, width in zip(line, widths,
                                                                           strict=True)).rstrip())
