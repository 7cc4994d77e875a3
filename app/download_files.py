"""Downloads as files on disk, for HEAD and Range requests (GDAL's /vsicurl/, geopandas): one
file per layer version and selection, written once (streamed, then renamed into place); a new
version of a layer removes the files of its older ones. A plain GET streams from the database."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path


def download_file(
    directory: Path,
    layer_id: str,
    version: str,
    key: str,
    suffix: str,
    body: Callable[[], Iterable[bytes]],
) -> Path:
    """The file of a download (`key` names its content within the version), written from
    `body()` when it is missing."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{layer_id}--{version}--{key}.{suffix}"
    if path.exists():
        return path
    for old in directory.glob(f"{layer_id}--*"):
        if not old.name.startswith(f"{layer_id}--{version}--"):
            old.unlink(missing_ok=True)
    fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{layer_id}-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in body():
                out.write(chunk)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
