"""Printing: table, JSON and plain forms, as the reference CLI had them."""

from __future__ import annotations

import csv
import io
import json
from enum import StrEnum
from typing import Any

import typer


class Format(StrEnum):
    table = "table"
    json = "json"
    plain = "plain"
    csv = "csv"


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


def print_csv(headers: list[str], rows: list[list[Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    typer.echo(buffer.getvalue(), nl=False)


def print_table(headers: list[str], rows: list[list[Any]]) -> None:
    cells = [[("" if value is None else str(value)) for value in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    for line in [headers, *cells]:
        typer.echo("   ".join(value.ljust(width) for value, width in zip(line, widths,
                                                                           strict=True)).rstrip())
