"""`sharemap load` / `sharemap db upgrade` as a user runs them: messages and exit codes."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from layers import registry

SHAREMAP = shutil.which("sharemap") or "sharemap"


def sharemap(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **env}
    return subprocess.run(
        [SHAREMAP, *args], capture_output=True, text=True, env=full_env, timeout=300
    )


def assert_clean_failure(proc: subprocess.CompletedProcess[str], code: int) -> None:
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_layer_is_a_usage_error(empty_db: str) -> None:
    proc = sharemap("load", "--layer", "toilets", "--database-url", empty_db)
    assert_clean_failure(proc, 2)
    assert "unknown layer 'toilets'" in proc.stderr
    assert "public_toilets" in proc.stderr


@pytest.mark.parametrize("command", ["load", "rollback"])
def test_testing_sites_is_loaded_and_rolled_back_only_with_its_parking(
    command: str, tmp_path: Path
) -> None:
    # a usage error before any store is opened: the URL is never used
    proc = sharemap(command, "--layer", "testing_sites", "--database-url", "postgresql:///nowhere")
    assert_clean_failure(proc, 2)
    assert f"sharemap {command}: testing_sites" in proc.stderr
    assert "use --layer testing_site_parking" in proc.stderr


def test_rollback_refuses_unless_parking_and_sites_both_keep_an_earlier_version(
    tmp_path: Path,
) -> None:
    from layers.record import FeatureRecord
    from layers.store import open_store

    store = open_store(None, data_dir=tmp_path)
    try:
        for layer, versions in (("testing_site_parking", "12"), ("testing_sites", "1")):
            for n in versions:
                record = FeatureRecord(layer=layer, id=f"{layer}:{n}", name=n, lon=127, lat=37.5)
                store.replace_layer(layer, [record], data_version=f"v{n}")
    finally:
        store.close()
    proc = sharemap(
        "rollback",
        "--layer",
        "testing_site_parking",
        DATABASE_URL="",
        SHAREMAP_DATA_DIR=str(tmp_path),
    )
    assert_clean_failure(proc, 1)
    assert "testing_site_parking and testing_sites must each keep an earlier version" in proc.stderr
    store = open_store(None, data_dir=tmp_path)
    try:
        assert store.version("testing_site_parking") == "v2"  # nothing was changed
    finally:
        store.close()


def test_bad_flag_is_a_usage_error() -> None:
    assert_clean_failure(sharemap("load", "--frobnicate"), 2)
    assert_clean_failure(sharemap("nonsense"), 2)


def test_missing_source_dir_says_what_to_put_where(empty_db: str, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    proc = sharemap(
        "load",
        "--layer",
        "cooling_shelters",
        "--source-dir",
        str(missing),
        "--database-url",
        empty_db,
    )
    assert_clean_failure(proc, 1)
    assert str(missing) in proc.stderr
    assert "seoul_cooling_shelters_2026.csv" in proc.stderr
    assert "서울시 무더위쉼터" in proc.stderr
    assert "nothing was changed" in proc.stderr


def test_missing_file_names_the_dataset(
    empty_db: str, tmp_path: Path, real_source_dir: Path
) -> None:
    src = tmp_path / "src"
    for s in registry.sources():
        if s.path != "parking/national_parking_std_2023-04.csv":
            (src / s.path).parent.mkdir(parents=True, exist_ok=True)
            (src / s.path).symlink_to(real_source_dir / s.path)
    proc = sharemap("load", "--source-dir", str(src), "--database-url", empty_db)
    assert_clean_failure(proc, 1)
    assert f"{src}/parking/national_parking_std_2023-04.csv" in proc.stderr
    assert "15012896" in proc.stderr and "전국주차장정보표준데이터" in proc.stderr


def test_unreachable_database_fails_cleanly(real_source_dir: Path) -> None:
    proc = sharemap(
        "load",
        "--layer",
        "cooling_shelters",
        "--database-url",
        "postgresql://postgres@127.0.0.1:1/nope",
    )
    assert_clean_failure(proc, 1)
    assert "cannot connect to the database" in proc.stderr


def test_database_without_postgis_fails_cleanly(real_source_dir: Path) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tests.conftest import ADMIN_URL, drop_database

    url = (
        make_url(ADMIN_URL)
        .set(database="sharemap_test_nopostgis")
        .render_as_string(hide_password=False)
    )
    engine = create_engine(
        make_url(ADMIN_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "sharemap_test_nopostgis"'))
        conn.execute(text('CREATE DATABASE "sharemap_test_nopostgis"'))
    engine.dispose()
    try:
        proc = sharemap("load", "--layer", "cooling_shelters", "--database-url", url)
        assert_clean_failure(proc, 1)
        assert "PostGIS" in proc.stderr and "sharemap db upgrade" in proc.stderr
    finally:
        drop_database(url)


def test_db_upgrade_creates_the_database(real_source_dir: Path) -> None:
    from sqlalchemy.engine import make_url

    from tests.conftest import ADMIN_URL, drop_database

    url = (
        make_url(ADMIN_URL)
        .set(database="sharemap_test_created")
        .render_as_string(hide_password=False)
    )
    drop_database(url)
    try:
        proc = sharemap("db", "upgrade", "--database-url", url)
        assert proc.returncode == 0, proc.stderr
        again = sharemap("db", "upgrade", "--database-url", url)
        assert again.returncode == 0, again.stderr
    finally:
        drop_database(url)


@pytest.mark.slow
def test_load_one_layer_prints_summary_and_report(
    empty_db: str, real_source_dir: Path, tmp_path: Path
) -> None:
    proc = sharemap(
        "load",
        "--layer",
        "cooling_shelters",
        "--database-url",
        empty_db,
        "--report-dir",
        str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    assert "cooling_shelters" in proc.stdout and "4017" in proc.stdout
    report = tmp_path / "cooling_shelters-rejects.csv"
    assert report.is_file() and str(report) in proc.stdout
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "file,row,reason,detail,name"
