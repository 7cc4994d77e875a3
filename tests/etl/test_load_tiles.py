"""The tile archive a load builds after its swap: a failed build never fails the load, and
`sharemap tiles build` builds it again (the embedded store, the real campsites file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.cli import main
from layers import tilearchive
from layers.store.embedded import EmbeddedStore

LAYER = "campsites"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_source_dir: Path) -> Path:
    monkeypatch.setenv("SHAREMAP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SHAREMAP_SOURCE_DIR", str(real_source_dir))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SHAREMAP_BUILD_TILES", "1")
    monkeypatch.setattr(tilearchive, "MAX_ZOOM", 7)  # the test's archives: z0-z7
    return tmp_path


def current_token(data_dir: Path) -> tuple[EmbeddedStore, str]:
    store = EmbeddedStore(data_dir / "store")
    return store, tilearchive.archive_token(store.versions())


@pytest.mark.slow
def test_a_failed_build_never_fails_the_load_and_tiles_build_mends_it(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(tilearchive, "build", broken)
        assert main(["load", "--layer", LAYER]) == 0
    err = capsys.readouterr().err
    assert "tile archive was not built (No space left on device)" in err
    assert "sharemap tiles build" in err
    store, token = current_token(data_dir)
    assert store.count(LAYER) > 100  # loaded all the same
    assert not store.has_tile_archive(token)

    assert main(["tiles", "build", "--max-zoom", "6"]) == 0
    out = capsys.readouterr().out
    assert f"tileset version {token}" in out and "(z0-z6)" in out
    path = store.tile_archive(token)
    assert path is not None
    archive = tilearchive.TileArchive(path)
    assert archive.max_zoom == 6 and archive.holds(tilearchive.archive_pins(store.versions()))
    archive.close()
    store.close()


@pytest.mark.slow
def test_a_load_builds_the_archive_of_its_versions(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["load", "--layer", LAYER]) == 0
    assert "tiles: " in capsys.readouterr().out
    store, token = current_token(data_dir)
    assert store.has_tile_archive(token)
    store.close()
    # loading the same data again changes nothing, and builds nothing
    assert main(["load", "--layer", LAYER]) == 0
    assert "tiles: " not in capsys.readouterr().out


def test_tiles_build_on_an_empty_store_fails_cleanly(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tiles", "build"]) == 1
    assert "no layer is loaded" in capsys.readouterr().err
    assert main(["tiles", "build", "--max-zoom", "15"]) == 2
    assert main(["tiles"]) == 2
