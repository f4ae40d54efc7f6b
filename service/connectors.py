"""Data connectors: named locations (a local folder or an S3 bucket) read and
written through fsspec. Credentials for S3 come from the usual AWS environment
variables and are never stored in the workspace."""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from duckshred.service.errors import ConfigError

if TYPE_CHECKING:  # fsspec loads when a file is touched: listing commands start faster
    import fsspec


@dataclass(frozen=True)
class Connector:
    name: str
    kind: str  # "local" or "s3"
    path: str | None = None
    bucket: str | None = None
    endpoint_url: str | None = None
    region: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Connector:
        return cls(**data)

    def describe(self) -> str:
        if self.kind == "local":
            return f"local folder {self.path}"
        endpoint = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket}{endpoint}"

    # -- access ---------------------------------------------------------------

    def _filesystem(self) -> fsspec.AbstractFileSystem:
        import fsspec

        if self.kind == "local":
            return fsspec.filesystem("file")
        client_kwargs: dict[str, Any] = {}
        if self.endpoint_url:
            client_kwargs["endpoint_url"] = self.endpoint_url
        if self.region:
            client_kwargs["region_name"] = self.region
        # skip_instance_cache: credentials or endpoints may change between calls
        return fsspec.filesystem("s3", client_kwargs=client_kwargs, skip_instance_cache=True)

    def url(self, relative: str) -> str:
        relative = relative.lstrip("/")
        if self.kind == "local":
            return str(Path(self.path or ".") / relative)
        return f"s3://{self.bucket}/{relative}"

    def local_path(self, relative: str) -> Path | None:
        """The file's own path when the connector is a local folder, else None."""
        return Path(self.url(relative)) if self.kind == "local" else None

    def exists(self, relative: str) -> bool:
        return bool(self._filesystem().exists(self.url(relative)))

    def fetch(self, relative: str, destination: Path) -> Path:
        """Copy a file out of the connector (S3 -> local disk)."""
        self._filesystem().get(self.url(relative), str(destination))
        return destination

    def parquet_columns(self, relative: str) -> list[str]:
        """The column names of a Parquet file (read from its footer only)."""
        import pyarrow.parquet as pq

        with self._filesystem().open(self.url(relative), "rb") as handle:
            return list(pq.read_schema(handle).names)

    def read_head(self, relative: str, size: int = 65536) -> bytes:
        with self._filesystem().open(self.url(relative), "rb") as handle:
            return handle.read(size)

    def publish(self, local_file: Path, relative: str) -> None:
        """Put a finished file in place; readers never see a half-written file."""
        if self.kind == "local":
            target = Path(self.url(relative))
            target.parent.mkdir(parents=True, exist_ok=True)
            aside = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
            shutil.copyfile(local_file, aside)
            os.replace(aside, target)
        else:
            # one S3 PUT is atomic: the object appears whole or not at all
            self._filesystem().put_file(str(local_file), self.url(relative))

    def remove(self, relative: str) -> None:
        filesystem = self._filesystem()
        url = self.url(relative)
        if filesystem.exists(url):
            filesystem.rm_file(url)


def local_connector(name: str, path: str | Path) -> Connector:
    folder = Path(path).expanduser().resolve()
    if not folder.is_dir():
        raise ConfigError(f"data connector {name}: {folder} is not a folder")
    return Connector(name=name, kind="local", path=str(folder))


def s3_connector(name: str, bucket: str, endpoint_url: str | None, region: str | None
                 ) -> Connector:
    if not bucket or "/" in bucket:
        raise ConfigError(f"data connector {name}: {bucket!r} is not an S3 bucket name")
    return Connector(name=name, kind="s3", bucket=bucket, endpoint_url=endpoint_url,
                     region=region)
