"""The embedded store's directory: the manifest naming each layer's files, atomic file
placement, the writers' lock and the clean-up of what a crashed writer left behind."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from layers.store.base import StoreError, StoreUnavailable

MANIFEST = "manifest.json"
LOCK = ".write.lock"
TEMP_PREFIX = ".tmp-"
FORMAT = 1
# a layer file: "<layer_id>.<version_id>.gpkg"
LAYER_FILE = re.compile(r"^([a-z][a-z0-9_]*)\.([0-9]+)\.gpkg$")
LAYER_ID = re.compile(r"^[a-z][a-z0-9_]*$")
# the rows a version's load rejected, beside its GeoPackage: "<layer_id>.<version_id>.rejects.json"
REJECTS_SUFFIX = ".rejects.json"

Signature = tuple[int, int, int, int]  # inode, mtime_ns, ctime_ns, size of the manifest


@dataclass(frozen=True)
class Version:
    """One loaded version of a layer: its GeoPackage file and what the load recorded."""

    version_id: int
    data_version: str
    file: str
    rows: int
    loaded_at: str  # ISO timestamp
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    """Every layer's kept versions, oldest first; the last one is current."""

    layers: Mapping[str, tuple[Version, ...]] = field(default_factory=dict)
    next_version_id: int = 1

    def current(self, layer_id: str) -> Version | None:
        versions = self.layers.get(layer_id)
        return versions[-1] if versions else None

    def with_versions(self, layer_id: str, versions: tuple[Version, ...]) -> Manifest:
        layers = {k: v for k, v in self.layers.items() if k != layer_id}
        if versions:
            layers[layer_id] = versions
        next_id = max([self.next_version_id, *(v.version_id + 1 for v in versions)])
        return replace(self, layers=layers, next_version_id=next_id)

    def files(self) -> set[str]:
        return {v.file for versions in self.layers.values() for v in versions}

    def to_json(self) -> str:
        doc = {
            "format": FORMAT,
            "next_version_id": self.next_version_id,
            "layers": {
                layer: [v.__dict__ for v in versions]
                for layer, versions in sorted(self.layers.items())
            },
        }
        return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes, origin: Path) -> Manifest:
        try:
            doc = json.loads(text)  # undecodable bytes raise ValueError too
            if doc.get("format") != FORMAT:
                raise StoreUnavailable(
                    f"{origin} has format {doc.get('format')!r}; this sharemap reads format "
                    f"{FORMAT} (load the data again, or use the sharemap that wrote it)"
                )
            layers = {
                layer: tuple(Version(**v) for v in versions)
                for layer, versions in doc["layers"].items()
            }
            return cls(layers=layers, next_version_id=int(doc["next_version_id"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StoreUnavailable(f"{origin} is not a sharemap manifest: {exc}") from None


def check_layer_id(layer_id: str) -> None:
    """Layer ids name files, so only plain lower-case names are allowed."""
    if not LAYER_ID.match(layer_id):
        raise StoreError(f"invalid layer id {layer_id!r}: use lower-case letters, digits and _")


def read_manifest(directory: Path) -> tuple[Manifest, Signature | None]:
    """The manifest and the signature of the file it was read from (no file: empty, None)."""
    path = directory / MANIFEST
    try:
        with path.open("rb") as fh:
            st = os.fstat(fh.fileno())
            text = fh.read()
    except FileNotFoundError:
        return Manifest(), None
    except OSError as exc:
        raise StoreUnavailable(f"cannot read {path}: {exc}") from None
    return Manifest.from_json(text, path), _signature(st)


def manifest_signature(directory: Path) -> Signature | None:
    """A cheap check for a new manifest: it is always replaced, never rewritten in place."""
    try:
        return _signature(os.stat(directory / MANIFEST))
    except FileNotFoundError:
        return None


def _signature(st: os.stat_result) -> Signature:
    return (st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)


def write_manifest(directory: Path, manifest: Manifest) -> None:
    with placed_atomically(directory / MANIFEST) as tmp:
        tmp.write_text(manifest.to_json() + "\n", encoding="utf-8")


@contextlib.contextmanager
def placed_atomically(final: Path) -> Iterator[Path]:
    """A temp path in the same directory; on success it is fsynced and renamed onto `final`
    (and the directory fsynced), so readers see the old file or the whole new one."""
    tmp = final.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex[:12]}-{final.name}")
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, final)
        fsync_directory(final.parent)
    except BaseException:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal")):
            with contextlib.suppress(OSError):
                leftover.unlink()
        raise


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def write_lock(directory: Path) -> Iterator[None]:
    """One writer at a time per directory (the kernel drops the lock when a writer dies)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(directory / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreUnavailable(f"cannot write the embedded store at {directory}: {exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def remove_leftovers(directory: Path, manifest: Manifest) -> list[str]:
    """Delete temp files and layer files no manifest names: what a killed writer left.

    Only call this holding the write lock, when no other writer can be mid-write.
    """
    keep = manifest.files()
    removed = []
    for path in directory.iterdir():
        name = path.name
        if name.endswith(REJECTS_SUFFIX):
            name = name.removesuffix(REJECTS_SUFFIX) + ".gpkg"  # goes with its version's file
        if name.startswith(TEMP_PREFIX) or (LAYER_FILE.match(name) and name not in keep):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            removed.append(path.name)
    return removed


def rejects_file(layer_file: str) -> str:
    """The file beside a version's GeoPackage that keeps the rows its load rejected."""
    return layer_file.removesuffix(".gpkg") + REJECTS_SUFFIX


def remove_files(directory: Path, names: set[str]) -> None:
    """Remove versions' files, and the rejects kept beside them."""
    for name in names:
        for victim in (name, rejects_file(name)):
            with contextlib.suppress(FileNotFoundError):
                (directory / victim).unlink()
