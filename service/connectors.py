"""Data connectors: named locations (a local folder or an S3 bucket) read and
written through fsspec. Credentials for S3 come from the usual AWS environment
variables and are never stored in the workspace."""

from __future__ import annotations

import os
import posixpath
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from duckshred.service.errors import ConfigError
from duckshred.udf.files import fsync_path

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
        """The file's location, checked to stay inside the connector (see ``resolve``)."""
        resolved = self.resolve(relative)
        return str(resolved) if isinstance(resolved, Path) else f"s3://{self.bucket}/{resolved}"

    def resolve(self, relative: str) -> Path | str:
        """A local file's real path, or an S3 key, after normalising ``..`` (and, locally,
        symbolic links); a path that leaves the connector is a ``ConfigError``.

        Job files are untrusted: ``../outside.csv`` or a link out of the folder must
        neither be read nor written."""
        where = f"path {relative!r} of data connector {self.name}"
        if not relative or "\0" in relative:
            raise ConfigError(f"{where}: not a file path")
        if self.kind == "local":
            root = Path(os.path.realpath(self.path or "."))
            resolved = Path(os.path.realpath(root / relative.lstrip("/")))
            if resolved == root or not resolved.is_relative_to(root):
                raise ConfigError(f"{where} resolves outside the connector's folder {root}")
            return resolved
        key = posixpath.normpath(relative.lstrip("/"))
        if key in {".", ".."} or key.startswith("../"):
            raise ConfigError(f"{where} resolves outside the bucket {self.bucket}")
        return key

    def identity(self, relative: str) -> str:
        """One name per physical file: two locations with the same identity are one file."""
        resolved = self.resolve(relative)
        if isinstance(resolved, Path):
            return f"file://{resolved}"
        return f"s3://{self.endpoint_url or ''}/{self.bucket}/{resolved}"

    def local_path(self, relative: str) -> Path | None:
        """The file's own path when the connector is a local folder, else None."""
        resolved = self.resolve(relative)
        return resolved if isinstance(resolved, Path) else None

    def exists(self, relative: str) -> bool:
        return bool(self._filesystem().exists(self.url(relative)))

    def is_folder(self, relative: str) -> bool:
        return bool(self._filesystem().isdir(self.url(relative)))

    def fetch(self, relative: str, destination: Path) -> Path:
        """Copy a file out of the connector (S3 -> local disk)."""
        self._filesystem().get(self.url(relative), str(destination))
        return destination

    def parquet_columns(self, relative: str) -> list[str]:
        """The column names of a Parquet file (read from its footer only)."""
        import pyarrow.parquet as pq

        with self._filesystem().open(self.url(relative), "rb") as handle:
            return list(pq.read_schema(handle).names)

    def fingerprint(self, relative: str) -> str | None:
        """What changes whenever the file's bytes are replaced or rewritten: its size,
        modification time and inode locally, its size and ETag on S3 (None when it is
        gone). Equal fingerprints mean the file is the one duckshred wrote."""
        resolved = self.resolve(relative)
        if isinstance(resolved, Path):
            try:
                stat = resolved.stat()
            except FileNotFoundError:
                return None
            return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}"
        try:
            info = self._filesystem().info(self.url(relative), refresh=True)
        except FileNotFoundError:
            return None
        etag = info.get("ETag") or info.get("etag")
        return f"{info.get('size')}:{etag}" if etag else None

    def read_head(self, relative: str, size: int = 65536) -> bytes:
        with self._filesystem().open(self.url(relative), "rb") as handle:
            return handle.read(size)

    # -- publishing (see service/publish.py for the journal around these steps) ------

    def part_path(self, relative: str, tag: str) -> Path | None:
        """A local target's temporary name beside it (``.NAME.TAG.part``), made empty and
        private (0600), for a job to write the file into directly: ``stage`` then renames
        it in place instead of copying it (recovery removes a job's ``.part`` files).
        None for S3, whose files are written locally and uploaded."""
        if self.kind != "local":
            return None
        target = Path(self.url(relative))
        target.parent.mkdir(parents=True, exist_ok=True)
        part = Path(_staged(str(target), tag, "part"))
        # Created here with its final mode: the writer fills it in place, so the data
        # is never readable by others, not even while it is being written.
        handle = os.open(part, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.close(handle)
        return part

    def stage(self, local_file: Path, relative: str, tag: str) -> dict[str, object]:
        """Put a finished file beside its target under a temporary name (unless it was
        written there already, see ``part_path``), and keep the file it will replace (if
        any) as a backup; nothing visible changes yet.

        Returns the journal entry that ``swap_in``, ``finish`` and ``undo`` need."""
        url = self.url(relative)
        filesystem = self._filesystem()
        if self.kind == "local":
            target = Path(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            part, backup = Path(_staged(url, tag, "part")), Path(_staged(url, tag, "bak"))
            if Path(local_file) != part:
                shutil.copyfile(local_file, part)
            os.chmod(part, 0o600)  # private by default: the data is about people
            fsync_path(part)
            had_file = target.is_file()
            if had_file:
                try:
                    os.link(target, backup)  # the earlier file stays readable meanwhile
                except OSError:
                    shutil.copy2(target, backup)
            return {"url": url, "part": str(part), "backup": str(backup) if had_file else None,
                    "inode": part.stat().st_ino}
        had_file = bool(filesystem.exists(url))
        backup_url = _staged(url, tag, "bak")
        if had_file:
            filesystem.copy(url, backup_url)
        return {"url": url, "part": str(local_file), "backup": backup_url if had_file else None,
                "inode": None}

    def swap_in(self, entry: dict[str, object]) -> None:
        """Make the staged file visible at its target in one step."""
        if self.kind == "local":
            os.replace(str(entry["part"]), str(entry["url"]))
            fsync_path(Path(str(entry["url"])).parent)
        else:
            # one S3 PUT is atomic: the object appears whole or not at all
            self._filesystem().put_file(str(entry["part"]), str(entry["url"]))

    def finish(self, entry: dict[str, object]) -> None:
        """The job FINISHED: the earlier file is no longer needed."""
        if entry.get("backup"):
            self._remove(str(entry["backup"]))

    def undo(self, entry: dict[str, object]) -> None:
        """Put back what was at the target before, and remove only what this job made."""
        url, backup = str(entry["url"]), entry.get("backup")
        if self.kind == "local":
            Path(str(entry["part"])).unlink(missing_ok=True)
            target = Path(url)
            ours = target.is_file() and target.stat().st_ino == entry.get("inode")
            if backup and Path(str(backup)).exists():
                if ours or not target.exists():
                    os.replace(str(backup), target)
                else:
                    Path(str(backup)).unlink()  # someone else wrote the target since: keep theirs
            elif ours:
                target.unlink()
            return
        filesystem = self._filesystem()
        if backup and filesystem.exists(str(backup)):
            filesystem.copy(str(backup), url)
            filesystem.rm_file(str(backup))
        elif not backup:
            self._remove(url)

    def remove_leftovers(self, relative: str, tag: str) -> None:
        """What ``stage`` made for the job ``tag`` beside a target that its journal never
        recorded (a kill between staging a file and recording it): the ``.part`` goes,
        and the ``.bak`` too, after putting the earlier file back should the target be
        gone (it was never swapped out for good)."""
        url = self.url(relative)
        if self.kind == "local":
            target = Path(url)
            if not target.parent.is_dir():
                return
            for suffix in ("part", "bak"):
                leftover = Path(_staged(url, tag, suffix))
                if leftover.exists():
                    if suffix == "bak" and not target.exists():
                        leftover.replace(target)
                    else:
                        leftover.unlink()
            return
        filesystem = self._filesystem()
        backup = _staged(url, tag, "bak")
        if filesystem.exists(backup):
            if not filesystem.exists(url):
                filesystem.copy(backup, url)
            filesystem.rm_file(backup)

    def publish(self, local_file: Path, relative: str) -> None:
        """Put one finished file in place; readers never see a half-written file."""
        entry = self.stage(local_file, relative, f"{os.getpid()}")
        self.swap_in(entry)
        self.finish(entry)

    def remove(self, relative: str) -> None:
        self._remove(self.url(relative))

    def _remove(self, url: str) -> None:
        filesystem = self._filesystem()
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


def _staged(url: str, tag: str, kind: str) -> str:
    """Where the job ``tag`` stages a target's new file (``part``) or keeps the file it
    will replace (``bak``): ``.NAME.TAG.KIND`` beside the target, a local path or an S3
    URL. Recovery finds a job's leftovers by these names."""
    return posixpath.join(posixpath.dirname(url), f".{posixpath.basename(url)}.{tag}.{kind}")
