"""`sharemap load` meeting faults: SIGKILL at several points of a PostGIS load, and an embedded
store whose data directory is read-only or full. The previous version stays served, complete."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from layers.store.embedded import EmbeddedStore
from layers.store.postgis import PostgisStore

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
LAYER = "bike_stations"
FILE = Path(LAYER) / "seoul_ddareungi_stations_2022-06.csv"
# runs `sharemap load`, killing itself with SIGKILL at the named point
KILLER = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {root!r})
    point = sys.argv[1]

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    if point == "reading":  # the file read, nothing normalised or stored yet
        import etl.load
        read = etl.load.read_table
        etl.load.read_table = lambda *a, **k: (read(*a, **k), die())[0]
    elif point == "copy":  # in the middle of the staging COPY
        import layers.store.postgis.feature_rows as rows
        line, count = rows.copy_line, [0]
        def copy_line(*a):
            count[0] += 1
            if count[0] == 800:
                die()
            return line(*a)
        rows.copy_line = copy_line
    elif point == "swap":  # inside the swap's transaction: the old version demoted, the new not
        import sqlalchemy.engine.base as base
        from layers.store.postgis import queries
        execute = base.Connection.execute
        def patched(self, statement, *a, **k):
            if statement is queries.PROMOTE:
                die()
            return execute(self, statement, *a, **k)
        base.Connection.execute = patched
    from cli import main
    sys.exit(main(["load", *sys.argv[2:]]))
    """
).format(root=str(ROOT))


def sharemap_load(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "load", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )


def first_lines(source: Path, target: Path, lines: int) -> Path:
    """A shorter copy of a CSV (the previous version to fall back on)."""
    with source.open("rb") as f:
        target.write_bytes(b"".join(f.readline() for _ in range(lines)))
    return target


def scalar(store: PostgisStore, sql: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def served_whole(store: PostgisStore, version: str, rows: int) -> None:
    assert store.version(LAYER) == version
    assert store.count(LAYER) == rows
    assert len(list(store.features(LAYER))) == rows


def test_killed_postgis_loads_leave_the_previous_version(
    empty_db: str, real_source_dir: Path, tmp_path: Path
) -> None:
    small = first_lines(real_source_dir / FILE, tmp_path / "stations.csv", 400)
    env = {"SHAREMAP_REPORT_DIR": str(tmp_path / "reports")}
    first = sharemap_load("--layer", LAYER, str(small), "--database-url", empty_db, **env)
    assert first.returncode == 0, first.stderr
    store = PostgisStore(empty_db)
    try:
        previous, rows = store.version(LAYER), store.count(LAYER)
        assert previous and 300 < rows < 400
        full = str(real_source_dir / FILE)
        for point in ("reading", "copy", "swap"):
            proc = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    KILLER,
                    point,
                    "--layer",
                    LAYER,
                    full,
                    "--database-url",
                    empty_db,
                ],
                capture_output=True,
                text=True,
                env={**os.environ, **env},
                timeout=300,
            )
            assert proc.returncode == -9, (point, proc.stderr[-2000:])
            served_whole(store, previous, rows)
        # the swap's kill left a whole staging copy behind; the next load removes it
        assert scalar(store, "SELECT count(*) FROM layer_version WHERE status = 'staging'") == 1
        again = sharemap_load("--layer", LAYER, full, "--database-url", empty_db, **env)
        assert again.returncode == 0, again.stderr
        assert store.version(LAYER) != previous
        assert scalar(store, "SELECT count(*) FROM layer_version WHERE status = 'staging'") == 0
        new_rows = store.count(LAYER)
        assert new_rows > rows
        # the rows of the two kept versions and nothing else
        assert scalar(store, "SELECT count(*) FROM feature") == rows + new_rows
    finally:
        store.close()


@pytest.fixture
def small_tmpfs() -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    where = Path(tempfile.mkdtemp(prefix="sharemap-tmpfs-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(where)])
    if mounted.returncode != 0:
        where.rmdir()
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
        where.rmdir()


@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_embedded_load_into_a_full_or_read_only_directory(
    small_tmpfs: Path, real_source_dir: Path, tmp_path: Path, fault: str
) -> None:
    small = first_lines(real_source_dir / FILE, tmp_path / "stations.csv", 400)
    env = {"SHAREMAP_DATA_DIR": str(small_tmpfs), "SHAREMAP_REPORT_DIR": str(tmp_path / "r")}
    env_no_db = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    first = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "load", "--layer", LAYER, str(small)],
        capture_output=True,
        text=True,
        env={**env_no_db, **env},
        timeout=300,
    )
    assert first.returncode == 0, first.stderr
    store = EmbeddedStore(small_tmpfs / "store")
    previous, rows = store.version(LAYER), store.count(LAYER)
    assert previous and rows > 300
    if fault == "full":
        filler = small_tmpfs / "filler"
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True)
    else:
        subprocess.run(["mount", "-o", "remount,ro", str(small_tmpfs)], check=True)
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "cli.py"),
            "load",
            "--layer",
            LAYER,
            str(real_source_dir / FILE),
        ],
        capture_output=True,
        text=True,
        env={**env_no_db, **env},
        timeout=300,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    said = r"disk is full|No space left" if fault == "full" else r"[Rr]ead-only"
    assert re.search(said, proc.stderr) and str(small_tmpfs) in proc.stderr, proc.stderr
    assert len(proc.stderr) < 600  # a sentence, not a dump
    reopened = EmbeddedStore(small_tmpfs / "store")
    assert reopened.version(LAYER) == previous
    assert reopened.count(LAYER) == rows == len(list(reopened.features(LAYER)))
    if fault == "full":  # nothing half-written left behind to fill the disk further
        leftovers = [p.name for p in (small_tmpfs / "store").rglob("*") if ".tmp" in p.name]
        assert not leftovers
