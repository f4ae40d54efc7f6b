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
    update: Annotated[bool, typer.Option(
        "--update", help="Replace the definition of an existing connector.")] = False,
) -> None:
    """Create a named location that batch jobs read from and write to (S3 credentials
    come from the AWS environment variables, never from the workspace)."""
    from duckshred.service.catalog import Catalog
    from duckshred.service.connectors import local_connector, s3_connector

    if (path is None) == (s3_bucket is None):
        raise typer.BadParameter("give exactly one of --path or --s3-bucket")
    connector = (local_connector(name, path) if path is not None
                 else s3_connector(name, s3_bucket or "", endpoint_url, region))
    Catalog(workspace(ctx, create=not update)).save_connector(connector, update=update)
    note(f"data connector {name}: {connector.describe()}")


def list_all(ctx: typer.Context, output: OutputOption = Format.table) -> None:
    """List data connectors."""
    from duckshred.service.catalog import Catalog

    connectors = Catalog(workspace(ctx)).connectors()
    render(Result({"dataConnectors": [c.to_dict() for c in connectors]},
                  ["NAME", "KIND", "LOCATION"],
                  [[c.name, c.kind, c.describe()] for c in connectors]), output)


def delete(ctx: typer.Context, name: str, output: OutputOption = Format.plain) -> None:
    """Delete a data connector that no batch job refers to (its files stay)."""
    from duckshred.service.catalog import Catalog

    Catalog(workspace(ctx)).delete_connector(name)
    render(Result({"deletedDataConnector": name}, ["DELETED DATA CONNECTOR"], [[name]]), output)
