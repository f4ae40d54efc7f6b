"""`create|list data-connector(s)`: named locations that batch jobs read and write."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from duckshred.cli.common import workspace
from duckshred.cli.output import Format, OutputOption, Result, note, render


def create(
    ctx: typer.Context,
    name: str,
    path: Annotated[Path | None, typer.Option(help="A local folder.")] = None,
    s3_bucket: Annotated[str | None, typer.Option(help="An S3 bucket.")] = None,
    endpoint_url: Annotated[str | None, typer.Option(help="S3-compatible endpoint.")] = None,
    region: Annotated[str | None, typer.Option(help="S3 region.")] = None,
) -> None:
    """Create a named location that batch jobs read from and write to."""
    from duckshred.service.catalog import Catalog
    from duckshred.service.connectors import local_connector, s3_connector

    if (path is None) == (s3_bucket is None):
        raise typer.BadParameter("give exactly one of --path or --s3-bucket")
    connector = (local_connector(name, path) if path is not None
                 else s3_connector(name, s3_bucket or "", endpoint_url, region))
    Catalog(workspace(ctx, create=True)).save_connector(connector)
    note(f"data connector {name}: {connector.describe()}")


def list_all(ctx: typer.Context, output: OutputOption = Format.table) -> None:
    """List data connectors."""
    from duckshred.service.catalog import Catalog

    connectors = Catalog(workspace(ctx)).connectors()
    render(Result({"dataConnectors": [c.to_dict() for c in connectors]},
                  ["NAME", "KIND", "LOCATION"],
                  [[c.name, c.kind, c.describe()] for c in connectors]), output)
