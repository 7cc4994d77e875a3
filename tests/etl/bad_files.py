"""Builders of broken workbooks shared by the reader's and the loader's bad-file tests."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


def zip_bomb(path: Path, megabytes: int, *, lie: bool = False) -> Path:
    """An "xlsx" whose sheet is `megabytes` MiB of zeros; `lie` declares 1,000 bytes."""
    chunk = bytes(1 << 20)
    with (
        zipfile.ZipFile(
            path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1 if lie else 6
        ) as z,
        z.open("xl/worksheets/sheet1.xml", "w") as member,
    ):
        for _ in range(megabytes):
            member.write(chunk)
    if lie:
        data = bytearray(path.read_bytes())
        local = data.index(b"PK\x03\x04")
        data[local + 22 : local + 26] = (1000).to_bytes(4, "little")
        central = data.index(b"PK\x01\x02")
        data[central + 24 : central + 28] = (1000).to_bytes(4, "little")
        path.write_bytes(bytes(data))
    return path
