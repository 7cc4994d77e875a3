"""A GDAL/OGR client, untouched (Debian's gdal-bin), against a real server: ogrinfo lists the
five layers and ogr2ogr pulls every feature of each through the OAPIF driver."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pyogrio
import pytest

from layers import registry
from layers.store import Store

pytestmark = [
    pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="gdal-bin is not installed"),
]


def run(*args: str) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_ogrinfo_lists_the_five_layers(live_url: str) -> None:
    out = run("ogrinfo", "-ro", "-q", f"OAPIF:{live_url}/")
    for i, layer_id in enumerate(registry.LAYER_IDS, start=1):
        title = registry.get(layer_id).title.ko
        assert f"{i}: {layer_id} (title: {title})" in out


def test_ogrinfo_summary_of_a_layer(live_url: str, app_store: Store) -> None:
    out = run("ogrinfo", "-ro", "-so", f"OAPIF:{live_url}/", "campsites")
    assert f"Feature Count: {app_store.count('campsites')}" in out
    assert "Geometry: Point" in out and "name: String" in out


@pytest.mark.slow
def test_ogr2ogr_pulls_every_feature(live_url: str, app_store: Store, tmp_path: Path) -> None:
    # GDAL 3.6 pages 10 features at a time: one ogr2ogr per layer, side by side
    procs = {
        layer_id: subprocess.Popen(
            [
                "ogr2ogr",
                "-f",
                "GPKG",
                str(tmp_path / f"{layer_id}.gpkg"),
                f"OAPIF:{live_url}/",
                layer_id,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for layer_id in registry.LAYER_IDS
    }
    for layer_id, proc in procs.items():
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"{layer_id}: {err}"
    for layer_id in registry.LAYER_IDS:
        out = tmp_path / f"{layer_id}.gpkg"
        ids = pyogrio.read_dataframe(out, layer=layer_id, columns=["id"], read_geometry=False)["id"]
        expected = [r.id for r in app_store.features(layer_id)]
        assert len(ids) == len(expected), layer_id
        assert ids.is_unique and sorted(ids) == sorted(expected), layer_id
