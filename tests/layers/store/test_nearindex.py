"""The near-me engine both stores search (layers.store.nearme): exact against brute force, one
layer or many."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from geo.distance import distance_m, rank_key
from layers.record import FeatureRecord
from layers.store import NearQuery, nearme
from layers.store.embedded import EmbeddedStore
from layers.store.nearme import Snapshot
from tests.layers.store.synthetic import synthetic

LAYERS = ("bike_stations", "public_toilets", "campsites")


def spread(records: list[FeatureRecord], rnd: random.Random) -> list[FeatureRecord]:
    """The synthetic records moved all over Korea, some stacked on one spot (exact ties)."""
    out = []
    for r in records:
        if rnd.random() < 0.1:
            lon, lat = 127.0, 37.5
        else:
            lon, lat = round(rnd.uniform(126.0, 129.5), 7), round(rnd.uniform(33.2, 38.5), 7)
        out.append(replace(r, lon=lon, lat=lat))
    return sorted(out, key=lambda r: r.id)


def brute_force(records: list[FeatureRecord], q: NearQuery) -> list[tuple[str, float]]:
    rows = []
    for r in records:
        if any(getattr(r, name) != value for name, value in q.filters):
            continue
        d = round(distance_m(q.lon, q.lat, r.lon, r.lat), 1)
        if d <= q.radius_m:
            rows.append((rank_key(d, r.id), r))
    rows.sort(key=lambda t: t[0])
    return [(r.id, key[0]) for key, r in rows[: q.limit]]


Layers = dict[str, tuple[Snapshot, list[FeatureRecord]]]


class Index:
    """A snapshot searched like a store: hits as records."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot

    def hits(self, q: NearQuery) -> list:
        return nearme.search(self.snapshot, q).records()


def snapshot_of(directory: Path, layers: list[tuple[str, list[FeatureRecord]]]) -> Snapshot:
    key = tuple((layer_id, "1") for layer_id, _records in layers)
    return nearme.open_or_build(directory, key, lambda: layers)


@pytest.fixture(scope="module")
def layers(tmp_path_factory: pytest.TempPathFactory) -> Layers:
    rnd = random.Random(5)
    out = {}
    for k, layer_id in enumerate(LAYERS):
        records = spread(synthetic(layer_id, 400, seed=k), rnd)
        snapshot = snapshot_of(tmp_path_factory.mktemp(layer_id), [(layer_id, records)])
        out[layer_id] = (snapshot, records)
    return out


def test_one_index_over_several_layers_equals_brute_force(layers: Layers, tmp_path: Path) -> None:
    combined = Index(snapshot_of(tmp_path, [(k, records) for k, (_s, records) in layers.items()]))
    records = [r for _snapshot, layer_records in layers.values() for r in layer_records]
    rnd = random.Random(9)
    for _ in range(300):
        q = NearQuery(
            round(rnd.uniform(126.0, 129.5), 5),
            round(rnd.uniform(33.2, 38.5), 5),
            LAYERS,
            limit=rnd.choice([1, 5, 10, 40]),
            radius_m=rnd.choice([500.0, 20000.0, 60000.0]),
            filters=rnd.choice([(), (("fee", "free"),)]),
        )
        if rnd.random() < 0.2:  # on the stack of equal points: ties broken by id
            q = replace(q, lon=127.0, lat=37.5)
        got = [(h.feature.id, h.distance_m) for h in combined.hits(q)]
        assert got == brute_force(records, q)


def test_one_layer_index_equals_brute_force(layers: Layers) -> None:
    snapshot, records = layers["public_toilets"]
    layer = Index(snapshot)
    rnd = random.Random(4)
    for _ in range(200):
        q = NearQuery(
            round(rnd.uniform(126.0, 129.5), 5),
            round(rnd.uniform(33.2, 38.5), 5),
            ("public_toilets",),
            limit=rnd.choice([1, 10, 100]),
            radius_m=20000.0,
        )
        got = [(h.feature.id, h.distance_m) for h in layer.hits(q)]
        assert got == brute_force(records, q)


def test_an_accept_predicate_skips_features_and_keeps_searching(layers: Layers) -> None:
    layer = Index(layers["campsites"][0])
    q = NearQuery(127.0, 37.5, ("campsites",), limit=5, radius_m=200000.0)
    odd = replace(q, accept=lambda r: int(r.id[-1]) % 2 == 1)
    everything = [h.feature.id for h in layer.hits(replace(q, limit=400))]
    assert [h.feature.id for h in layer.hits(odd)] == [
        i for i in everything if int(i[-1]) % 2 == 1
    ][:5]


def test_warm_up_builds_the_all_layers_index_before_a_query(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path)
    for layer_id in LAYERS:
        store.replace_layer(layer_id, synthetic(layer_id, 30), data_version="a")
    reader = EmbeddedStore(tmp_path)
    assert reader._near is None
    reader.warm_up()
    index = reader._near
    assert index is not None
    assert {layer_id for layer_id, _version in index.key} == set(LAYERS)
    # a near-me over every layer uses it rather than building another
    reader.nearest(NearQuery(126.95, 37.55, LAYERS))
    assert reader._near is index
    # another process maps the same files rather than building them again
    other = EmbeddedStore(tmp_path)
    assert other.near_snapshot().directory == index.directory
    assert (tmp_path / "nearme").is_dir()
    reader.close()
    other.close()
    store.close()
