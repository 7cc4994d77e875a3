"""What only the embedded store has: its files, loads killed at every step, hot reload in
another process's store. The behaviour both stores share is in test_contract.py."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyogrio
import pytest

from layers.record import FeatureRecord, Reject
from layers.store import NearQuery, StoreError, StoreUnavailable, open_store
from layers.store import embedded as embedded_module
from layers.store.embedded import EmbeddedStore, disk
from layers.store.postgis import PostgisStore
from tests.layers.store.synthetic import synthetic

ROOT = Path(__file__).resolve().parents[3]


def files(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


def test_layout_is_a_manifest_and_one_geopackage_per_kept_version(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path)
    for i in range(5):
        store.replace_layer(
            "campsites", synthetic("campsites", 10 + i, seed=i), data_version=f"v{i}"
        )
    store.replace_layer("bike_stations", synthetic("bike_stations", 4), data_version="b")
    assert files(tmp_path) == {
        "manifest.json",
        ".write.lock",
        "campsites.3.gpkg",
        "campsites.4.gpkg",
        "campsites.5.gpkg",
        "bike_stations.6.gpkg",
    }
    assert store.rollback("campsites") == "v3"
    assert "campsites.5.gpkg" not in files(tmp_path)
    # a layer file is an ordinary GeoPackage that GDAL (and so QGIS) opens
    frame = pyogrio.read_dataframe(tmp_path / "campsites.4.gpkg")
    assert len(frame) == 13 and frame.crs.to_epsg() == 4326
    assert set(frame.geom_type) == {"Point"}
    assert frame.loc[0, "props"].startswith("{")


def test_rejects_lie_beside_their_version_and_go_with_it(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path)
    for i in range(4):
        store.replace_layer(
            "campsites", synthetic("campsites", 3 + i, seed=i), data_version=f"v{i}"
        )
        store.store_rejects("campsites", f"v{i}", [Reject("campsites", "a.csv", i, "duplicate")])
    assert {f for f in files(tmp_path) if "rejects" in f} == {
        "campsites.2.rejects.json",
        "campsites.3.rejects.json",
        "campsites.4.rejects.json",
    }
    assert store.rollback("campsites") == "v2"
    assert "campsites.4.rejects.json" not in files(tmp_path)
    assert [r.row for r in store.rejects("campsites")] == [2]
    # a rejects file whose version a crashed writer never committed is cleared by the next write
    (tmp_path / "campsites.9.rejects.json").write_text("[]")
    store.replace_layer("bike_stations", synthetic("bike_stations", 4), data_version="b")
    assert "campsites.9.rejects.json" not in files(tmp_path)


def test_failed_load_leaves_no_files_behind(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path)
    store.replace_layer("bike_stations", synthetic("bike_stations", 30), data_version="good")
    before = files(tmp_path)

    def broken() -> Iterator[FeatureRecord]:
        yield from synthetic("bike_stations", 7000, seed=9)  # more than one batch
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        store.replace_layer("bike_stations", broken(), data_version="bad")
    assert files(tmp_path) == before


def test_duplicate_ids_and_bad_layer_ids_are_refused(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path)
    store.replace_layer("bike_stations", synthetic("bike_stations", 3), data_version="good")
    twice = synthetic("bike_stations", 3) + synthetic("bike_stations", 1)
    with pytest.raises(StoreError, match="duplicate feature id"):
        store.replace_layer("bike_stations", twice, data_version="bad")
    with pytest.raises(StoreError, match="invalid layer id"):
        store.replace_layer("../etc", [], data_version="x")
    assert store.version("bike_stations") == "good"


KILL_POINTS = {
    # between two batches handed to GDAL: a half-written temp GeoPackage
    "writing_the_layer_file": """
        gpkg.BATCH = 1000
        def rows():
            for i, r in enumerate(synthetic("bike_stations", 5000, seed=3)):
                if i == 2500:
                    die()
                yield r
        """,
    # the new layer file is in place, the manifest not yet replaced
    "before_the_manifest": """
        disk.write_manifest = lambda *a, **k: die()
        def rows():
            yield from synthetic("bike_stations", 5000, seed=3)
        """,
    # the new manifest is written and fsynced under its temp name, not yet renamed
    "renaming_the_manifest": """
        real_replace = os.replace
        def replace(src, dst):
            if str(dst).endswith("manifest.json"):
                die()
            real_replace(src, dst)
        os.replace = replace
        def rows():
            yield from synthetic("bike_stations", 5000, seed=3)
        """,
}


@pytest.mark.parametrize("point", sorted(KILL_POINTS))
def test_killed_load_leaves_previous_version(tmp_path: Path, point: str) -> None:
    reader = EmbeddedStore(tmp_path)
    reader.replace_layer("bike_stations", synthetic("bike_stations", 30), data_version="good")
    script = (
        textwrap.dedent(
            f"""
            import os, signal, sys
            sys.path.insert(0, {str(ROOT)!r})
            from tests.layers.store.synthetic import synthetic
            from layers.store.embedded import EmbeddedStore, disk, gpkg
            def die():
                os.kill(os.getpid(), signal.SIGKILL)
            """
        )
        + textwrap.dedent(KILL_POINTS[point])
        + f'EmbeddedStore({str(tmp_path)!r}).replace_layer("bike_stations", rows(), data_version="half")\n'
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr.decode()
    assert len(files(tmp_path)) > 3  # it did leave something behind
    for store in (reader, EmbeddedStore(tmp_path)):
        time.sleep(embedded_module.RELOAD_CHECK_S + 0.05)
        assert store.version("bike_stations") == "good"
        assert store.count("bike_stations") == 30
    # the next load cleans up what the dead writer left
    reader.replace_layer(
        "bike_stations", synthetic("bike_stations", 12, seed=4), data_version="next"
    )
    assert files(tmp_path) == {
        "manifest.json",
        ".write.lock",
        "bike_stations.1.gpkg",
        "bike_stations.2.gpkg",
    }
    assert reader.count("bike_stations") == 12
    assert reader.rollback("bike_stations") == "good"


@pytest.mark.slow
def test_a_writer_killed_at_random_moments_never_corrupts_the_store(tmp_path: Path) -> None:
    sizes = {f"v{i}": 3000 + 500 * i for i in range(40)}
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.layers.store.synthetic import synthetic
        from layers.store.embedded import EmbeddedStore
        store = EmbeddedStore({str(tmp_path)!r}, preload=False)
        for tag, n in {sizes!r}.items():
            store.replace_layer("campsites", synthetic("campsites", n, seed=n, name=tag), data_version=tag)
        """
    )
    rnd = random.Random(5)
    seen = set()
    for _ in range(4):
        writer = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.DEVNULL)
        time.sleep(rnd.uniform(0.8, 2.5))
        writer.kill()
        writer.wait()
        store = EmbeddedStore(tmp_path)
        tag = store.version("campsites")
        seen.add(tag)
        if tag is not None:
            records = list(store.features("campsites"))
            assert {r.name.split()[0] for r in records} == {tag}
            assert len(records) == store.count("campsites") == sizes[tag]
        store.close()
    assert len(seen - {None}) >= 2


def test_hot_reload_sees_another_stores_loads(tmp_path: Path) -> None:
    app = EmbeddedStore(tmp_path)  # opened before anything was loaded
    etl = EmbeddedStore(tmp_path)
    assert app.versions() == {}
    etl.replace_layer("public_toilets", synthetic("public_toilets", 20), data_version="v1")
    time.sleep(embedded_module.RELOAD_CHECK_S + 0.1)
    assert app.version("public_toilets") == "v1"
    assert app.count("public_toilets") == 20
    etl.replace_layer(
        "public_toilets", synthetic("public_toilets", 35, seed=2, name="new"), data_version="v2"
    )
    time.sleep(embedded_module.RELOAD_CHECK_S + 0.1)
    assert app.count("public_toilets") == 35
    hits = app.nearest(NearQuery(127.0, 37.55, ("public_toilets",), limit=3))
    assert all(h.feature.name.startswith("new ") for h in hits)
    info = app.layer_info("public_toilets")
    assert info is not None and info.data_version == "v2" and info.count == 35
    etl.rollback("public_toilets")
    time.sleep(embedded_module.RELOAD_CHECK_S + 0.1)
    assert app.version("public_toilets") == "v1"
    assert all(r.name.startswith("place ") for r in app.features("public_toilets"))


def test_reads_check_the_manifest_at_most_twice_a_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EmbeddedStore(tmp_path)
    store.replace_layer("public_toilets", synthetic("public_toilets", 5), data_version="v1")
    store.count("public_toilets")  # a write makes the next read check at once
    calls: list[Path] = []
    real = disk.manifest_signature

    def counting(directory: Path) -> disk.Signature | None:
        calls.append(directory)
        return real(directory)

    monkeypatch.setattr(disk, "manifest_signature", counting)
    for _ in range(200):
        store.count("public_toilets")
        store.nearest(NearQuery(127.0, 37.55, ("public_toilets",)))
    assert len(calls) <= 1


def test_readers_never_see_half_a_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded_module, "RELOAD_CHECK_S", 0.0)  # check on every read
    sizes = {f"v{i}": 2000 + 700 * i for i in range(8)}
    reader = EmbeddedStore(tmp_path)
    reader.replace_layer(
        "bike_stations", synthetic("bike_stations", 1000, name="start"), data_version="start"
    )
    sizes["start"] = 1000
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.layers.store.synthetic import synthetic
        from layers.store.embedded import EmbeddedStore
        store = EmbeddedStore({str(tmp_path)!r}, preload=False)
        for tag, n in {sizes!r}.items():
            if tag != "start":
                store.replace_layer("bike_stations", synthetic("bike_stations", n, seed=n, name=tag), data_version=tag)
        """
    )
    writer = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE)
    seen = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = writer.poll() is not None
        records = list(reader.features("bike_stations"))
        tags = {r.name.split()[0] for r in records}
        assert len(tags) == 1, tags
        (tag,) = tags
        assert len(records) == sizes[tag]
        seen.add(tag)
        if done:
            break
    assert writer.wait(timeout=60) == 0, writer.stderr.read().decode() if writer.stderr else ""
    assert "v7" in seen and len(seen) >= 3  # it switched versions while reading


def test_concurrent_writers_lose_no_update(tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def load(layer: str) -> None:
        try:
            store = EmbeddedStore(tmp_path, preload=False)
            for i in range(4):
                store.replace_layer(
                    layer, synthetic(layer, 500 + i, seed=i), data_version=f"{layer}{i}"
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=load, args=(layer,)) for layer in ("campsites", "bike_stations")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    store = EmbeddedStore(tmp_path)
    assert store.versions() == {"campsites": "campsites3", "bike_stations": "bike_stations3"}
    assert store.rollback("campsites") == "campsites2"
    assert store.rollback("bike_stations") == "bike_stations2"


def test_open_store_picks_the_store_from_the_config(tmp_path: Path) -> None:
    store = open_store(None, data_dir=tmp_path)
    assert isinstance(store, EmbeddedStore) and store.directory == tmp_path / "store"
    assert isinstance(open_store("", data_dir=tmp_path), EmbeddedStore)
    pg = open_store("postgresql://postgres@127.0.0.1:5432/none", data_dir=tmp_path)
    assert isinstance(pg, PostgisStore)
    pg.close()
    with pytest.raises(StoreUnavailable, match="DATABASE_URL"):
        open_store(None)


def test_an_unusable_directory_is_reported(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(StoreUnavailable, match="file"):
        EmbeddedStore(tmp_path / "file" / "store").check()
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(StoreUnavailable, match="not a sharemap manifest"):
        EmbeddedStore(tmp_path)
    (tmp_path / "manifest.json").write_bytes(b'{"format": 1, "name": "\xc7\xd1"}')  # CP949
    with pytest.raises(StoreUnavailable, match="not a sharemap manifest"):
        EmbeddedStore(tmp_path)


def test_a_record_survives_the_geopackage_unchanged(tmp_path: Path) -> None:
    record = FeatureRecord(
        layer="campsites",
        id="campsites:x:1",
        name='tab\tnewline\n"quote" \\ 캠핑장',
        lon=127.123456789012,
        lat=37.000000000001,
        opening_hours={"note": "연중무휴", "rules": [[1, 2.5, None, True]]},
        wheelchair=True,
        props={"nested": {"a": [1, {"b": None}]}, "n": 10**15},
    )
    EmbeddedStore(tmp_path).replace_layer("campsites", [record], data_version="v")
    assert EmbeddedStore(tmp_path).get("campsites", record.id) == record
