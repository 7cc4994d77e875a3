"""The registry discovers the layer specs: a new layer is one spec module (plus its sources
manifest entry), and every face of the service picks it up with no other edit."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from layers import registry
from layers.spec import LayerSpec
from tests.conftest import source_dir

# the layers whose spec is tested against their real files in tests/layers/test_<layer>.py
# (test_parks.py checks the registry's place of parks too)
SPEC_MODULES = (
    "bike_stations",
    "campsites",
    "cooling_shelters",
    "public_toilets",
    "testing_site_parking",
)


@pytest.mark.parametrize("layer_id", SPEC_MODULES)
def test_registry_serves_each_layers_own_spec(layer_id: str) -> None:
    assert registry.get(layer_id) is importlib.import_module(f"layers.{layer_id}").SPEC


def test_every_spec_module_is_discovered_in_order() -> None:
    specs = registry.all_specs()
    assert all(isinstance(s, LayerSpec) for s in specs)
    assert tuple(s.id for s in specs) == registry.LAYER_IDS
    assert [(s.order, s.id) for s in specs] == sorted((s.order, s.id) for s in specs)
    # the order of every list of layers, unchanged by the discovery
    assert registry.LAYER_IDS[:5] == (
        "bike_stations",
        "public_toilets",
        "cooling_shelters",
        "campsites",
        "testing_site_parking",
    )
    # modules without a SPEC (the registry itself, the tile and render helpers) are not layers
    assert not {"registry", "spec", "tileset", "render", "clean"} & set(registry.LAYER_IDS)


def test_default_sets_come_from_the_specs() -> None:
    assert registry.near_default_ids() == tuple(
        s.id for s in registry.all_specs() if s.near_default
    )
    assert registry.first_view_ids() == tuple(s.id for s in registry.all_specs() if s.first_view)
    assert "parks" in registry.LAYER_IDS and "parks" not in registry.near_default_ids()


# -- a synthetic layer added as one module -----------------------------------------------------

LAYER = "drinking_fountains"
COLOUR = "#ab1234"

SPEC_MODULE = '''
"""Drinking fountains: a synthetic layer spec written by tests/layers/test_registry.py."""

from layers.bilingual import Bilingual
from layers.clean import tidy_address, tidy_text
from layers.spec import Coords, Field, Icon, LayerSpec, Normalised, Shape, SourceSchema

SPEC = LayerSpec(
    id="drinking_fountains",
    title=Bilingual("음수대", "Drinking fountains"),
    description=Bilingual("시험용 음수대 레이어", "A test layer of drinking fountains"),
    colour="#ab1234",
    icon=Icon("drop", (Shape("ellipse", (-0.5, -0.5, 0.5, 0.5)),)),
    fields=(Field("spouts", "int", Bilingual("꼭지 수", "Spouts")),),
    schemas=(
        SourceSchema(
            id="fountains_csv",
            columns={
                "key": ("번호",),
                "name": ("이름",),
                "road_address": ("주소",),
                "spouts": ("꼭지",),
                "lat": ("위도",),
                "lon": ("경도",),
            },
            required=("key", "name", "lat", "lon"),
            coords=Coords(x="lon", y="lat"),
            key=("key",),
        ),
    ),
    normalise=lambda schema_id, row: Normalised(
        name=tidy_text(row.get("name")),
        address=tidy_address(row.get("road_address"), None),
        fee="free",
        props={"spouts": int(row["spouts"]) if row.get("spouts") else None},
    ),
    order=15,
    tile_fields=("spouts",),
)
'''

ROWS = [
    ("F1", "시청앞 음수대", "서울특별시 중구 세종대로 110", "2", 37.5663, 126.9779),
    ("F2", "덕수궁 음수대", "서울특별시 중구 세종대로 99", "1", 37.5658, 126.9751),
    ("F3", "광화문 음수대", "서울특별시 종로구 세종대로 172", "3", 37.5721, 126.9769),
]

MANIFEST_ENTRY = f'''
[[source]]
path = "fountains/fountains_test.csv"
layer = "{LAYER}"
schema = "fountains_csv"
dataset = "test-fountains"
portal = "test"
title = "시험용 음수대 목록"
publisher = "sharemap tests"
region = "서울특별시"
reference_date = "2026-12"
default = true
'''

# Runs in a fresh interpreter, so that the spec is there from the first import on (as a
# module added to layers/ would be): loads the layer, then asks every face of the app.
PROBE = """
import json, sys
from pathlib import Path

import layers

extra, manifest, csv_path, data_dir, source_dir = sys.argv[1:6]
layers.__path__.append(extra)

from layers import registry

registry.MANIFEST_PATH = Path(manifest)

import mapbox_vector_tile

from app import create_app
from etl.load.inputs import JobSettings, LoadOptions
from etl.load.job import run
from geo.tiles import EXTENT, world_pixel
from layers.config import Config
from layers.store import open_store

LAYER = "drinking_fountains"
store = open_store(None, data_dir=data_dir)
run(
    store,
    [LAYER],
    JobSettings(Path(source_dir), Path(data_dir) / "reports"),
    LoadOptions(files=(Path(csv_path),)),
)
store.close()

app = create_app(Config.from_env({"SHAREMAP_DATA_DIR": data_dir}))
client = app.test_client()
out = {"layer_ids": list(registry.LAYER_IDS)}

def get(path):
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True)[:300])
    return r

near = get("/api/near?lat=37.5665&lon=126.978&limit=100").get_json()
out["near_default"] = sorted(f["id"] for f in near["features"]
                             if f["properties"]["layer"] == LAYER)
near = get(f"/api/near?lat=37.5665&lon=126.978&layers={LAYER}").get_json()
out["near_layer"] = [
    (f["id"], f["properties"]["details"].get("spouts")) for f in near["features"]
]
items = get(f"/collections/{LAYER}/items").get_json()
out["items"] = sorted(f["id"] for f in items["features"])
out["collections"] = [c["id"] for c in get("/collections?f=json").get_json()["collections"]]
out["queryables"] = sorted(get(f"/collections/{LAYER}/queryables").get_json()["properties"])
csv = get(f"/download/{LAYER}.csv").get_data(as_text=True)
out["csv_rows"] = len(csv.strip().splitlines()) - 1
z = 13
x, y = (int(v // EXTENT) for v in world_pixel(126.9779, 37.5663, z))
mvt = mapbox_vector_tile.decode(get(f"/tiles/{z}/{x}/{y}.mvt?layers={LAYER}").data)
out["mvt"] = {
    name: sorted(f["properties"].get("spouts") for f in layer["features"])
    for name, layer in mvt.items()
}
png = get(f"/tiles/{LAYER}/{z}/{x}/{y}.png")
out["png"] = [png.mimetype, len(png.data)]
style = get("/style.json").get_json()
out["style"] = [
    (l.get("source-layer"), l.get("paint", {}).get("circle-color"))
    for l in style["layers"] if l.get("source-layer") == LAYER
]
out["tilejson"] = [l["id"] for l in get("/tiles.json").get_json()["vector_layers"]]
near_page = get(f"/near?layers={LAYER}").get_data(as_text=True)
out["near_page"] = [f'value="{LAYER}"' in near_page, "음수대" in near_page,
                    "시험용 음수대 목록" in near_page]
builder = get("/embed/builder?lang=en").get_data(as_text=True)
out["builder"] = [f'value="{LAYER}"' in builder, "Drinking fountains" in builder]
embed = get(f"/embed?layers={LAYER}").get_data(as_text=True)
out["embed"] = [f"/tiles/{LAYER}/" in embed]
doc = get("/openapi.json").get_json()
out["openapi"] = [
    f"/collections/{LAYER}/items" in doc["paths"],
    f"/download/{LAYER}.geojson" in doc["paths"],
    LAYER in json.dumps(doc["paths"]["/api/near"]),
    "Drinking fountains" in json.dumps(doc["paths"]),
]
print(json.dumps(out))
"""


@pytest.mark.slow
def test_a_new_spec_module_appears_everywhere_with_no_other_edit(tmp_path: Path) -> None:
    real = source_dir()
    if not (real / "boundaries").is_dir():
        pytest.skip(f"the real source files are not at {real}")
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / f"{LAYER}.py").write_text(textwrap.dedent(SPEC_MODULE), encoding="utf-8")
    manifest = tmp_path / "sources.toml"
    manifest.write_text(
        registry.MANIFEST_PATH.read_text(encoding="utf-8") + MANIFEST_ENTRY, encoding="utf-8"
    )
    csv = tmp_path / "fountains_test.csv"
    csv.write_text(
        "번호,이름,주소,꼭지,위도,경도\n" + "".join(",".join(map(str, r)) + "\n" for r in ROWS),
        encoding="utf-8",
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            str(extra),
            str(manifest),
            str(csv),
            str(tmp_path / "data"),
            str(real),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])

    ids = [f"{LAYER}:test-fountains:{key}" for key, *_ in ROWS]
    # discovered, ordered by its `order` (15: after bike_stations)
    assert out["layer_ids"][:2] == ["bike_stations", LAYER]
    assert out["near_default"] == sorted(ids)  # near_default (the spec's default: True)
    assert sorted(i for i, _ in out["near_layer"]) == sorted(ids)
    assert dict(out["near_layer"])[ids[0]] == 2
    assert out["items"] == sorted(ids)
    assert LAYER in out["collections"]
    assert "spouts" in out["queryables"]
    assert out["csv_rows"] == len(ROWS)
    assert out["mvt"] == {LAYER: [1, 2, 3]}  # its tile field
    assert out["png"][0] == "image/png" and out["png"][1] > 200
    assert out["style"] == [[LAYER, COLOUR]]
    assert LAYER in out["tilejson"]
    assert out["near_page"] == [True, True, True]
    assert out["builder"] == [True, True]
    assert out["embed"] == [True]
    assert out["openapi"] == [True, True, True, True]
