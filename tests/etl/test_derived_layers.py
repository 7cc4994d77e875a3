"""A derived layer declared in its spec (LayerSpec.derivation): its inputs by schema kind, the
function that derives it, and a companion layer written and rolled back with it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from etl import jobs
from etl.load import gazetteer
from etl.load.derive import DeriveInputs
from etl.load.inputs import JobSettings, LoadOptions, features_kind
from etl.load.job import run
from etl.load.points import finish_point_layer
from etl.load.report import LayerReport
from etl.load.rows import read_rows
from layers import registry
from layers.bilingual import Bilingual
from layers.clean import tidy_text
from layers.record import FeatureRecord
from layers.spec import Coords, Derivation, Field, Icon, LayerSpec, Mapped, Normalised, SourceSchema
from layers.store import open_store
from tests.conftest import source_dir

PAIRS, EXTRAS = "demo_pairs", "demo_extras"


def _normalise(schema_id: str, row: Mapped) -> Normalised:
    return Normalised(name=tidy_text(row.get("name")), address=None, props={})


def _schema(schema_id: str, kind: str, name_column: str) -> SourceSchema:
    return SourceSchema(
        id=schema_id,
        columns={"key": ("번호",), "name": (name_column,), "lat": ("위도",), "lon": ("경도",)},
        required=("key", "name", "lat", "lon"),
        coords=Coords(x="lon", y="lat"),
        key=("key",),
        kind=kind,
    )


def _spec(layer_id: str, **extra: object) -> LayerSpec:
    return LayerSpec(
        id=layer_id,
        title=Bilingual(layer_id, layer_id),
        description=Bilingual("", ""),
        colour="#123456",
        icon=Icon("dot"),
        fields=(Field("partner", "text", Bilingual("짝", "Partner")),),
        normalise=_normalise,
        **extra,  # type: ignore[arg-type]
    )


SPECS = (
    _spec(
        PAIRS,
        schemas=(
            _schema("pair_points", "points", "이름"),
            _schema("pair_extras", "extras", "명칭"),
        ),
        derivation=Derivation(
            derive="tests.etl.test_derived_layers:derive_pairs",
            features_kind="points",
            inputs=("extras",),
            companions=(EXTRAS,),
        ),
    ),
    _spec(EXTRAS, schemas=()),
)


def derive_pairs(d: DeriveInputs) -> LayerReport:
    """Each point keeps the name of its nearest extra; the extras are the companion layer."""
    spec = registry.get(PAIRS)
    report = finish_point_layer(d.located, d.regions, None)  # every row has coordinates
    rows = read_rows(spec, d.inputs["extras"], kind="extras", options=d.options)
    extras = tuple(
        FeatureRecord(
            layer=EXTRAS,
            id=f"{EXTRAS}:{c.mapped['key']}",
            name=c.norm.name or "",
            lon=float(c.mapped["lon"] or 0),
            lat=float(c.mapped["lat"] or 0),
        )
        for c in rows.rows
    )

    def partner(r: FeatureRecord) -> FeatureRecord:
        nearest = min(extras, key=lambda e: (e.lon - r.lon) ** 2 + (e.lat - r.lat) ** 2)
        return replace(r, props={**r.props, "partner": nearest.name})

    companion = LayerReport(
        EXTRAS, rows_read=rows.rows_read, rejects=rows.rejects, records=extras, files=rows.files
    )
    return replace(
        report,
        records=tuple(partner(r) for r in report.records),
        companions=(*report.companions, companion),
    )


@pytest.fixture
def demo_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    # the registry's caches hold the real specs before and after: only its functions change
    specs = (*registry.all_specs(), *SPECS)
    by_id = {s.id: s for s in specs}
    monkeypatch.setattr(registry, "LAYER_IDS", tuple(by_id))  # first: undone to the real ids
    monkeypatch.setattr(registry, "all_specs", lambda: specs)
    monkeypatch.setattr(registry, "layer_ids", lambda: tuple(by_id))
    monkeypatch.setattr(registry, "get", by_id.__getitem__)
    # the source directory read with these layers is not kept for later tests
    monkeypatch.setattr(gazetteer.SourceDirectory, "_cached", None)


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.mark.usefixtures("demo_registry")
def test_a_derived_layer_and_its_companion_load_and_roll_back_together(tmp_path: Path) -> None:
    real = source_dir()
    if not (real / "boundaries").is_dir():
        pytest.skip(f"the real source files are not at {real}")
    points = _write(
        tmp_path / "points.csv",
        "번호,이름,위도,경도",
        ["P1,시청,37.5663,126.9779", "P2,광화문,37.5721,126.9769"],
    )
    extras = _write(tmp_path / "extras.csv", "번호,명칭,위도,경도", ["E1,덕수궁,37.5658,126.9751"])
    settings = JobSettings(real, tmp_path / "reports")
    store = open_store(None, data_dir=tmp_path / "data")
    try:
        run(store, [PAIRS], settings, LoadOptions(files=(points, extras)))
        assert sorted(r.id for r in store.features(PAIRS)) == [
            f"{PAIRS}:pair_points:P1",
            f"{PAIRS}:pair_points:P2",
        ]
        assert {r.props["partner"] for r in store.features(PAIRS)} == {"덕수궁"}
        assert [r.name for r in store.features(EXTRAS)] == ["덕수궁"]
        first = (store.version(PAIRS), store.version(EXTRAS))

        # asking for the companion loads its owner; both get a new version
        _write(
            extras,
            "번호,명칭,위도,경도",
            ["E1,덕수궁,37.5658,126.9751", "E2,경복궁,37.5745,126.977"],
        )
        run(store, [EXTRAS], settings, LoadOptions(files=(points, extras)))
        assert sorted(r.name for r in store.features(EXTRAS)) == ["경복궁", "덕수궁"]
        assert {r.props["partner"] for r in store.features(PAIRS)} == {"덕수궁", "경복궁"}
        assert store.version(PAIRS) != first[0] and store.version(EXTRAS) != first[1]

        # rolling back either rolls back both
        assert jobs.rollback(store, EXTRAS) is not None
        assert (store.version(PAIRS), store.version(EXTRAS)) == first
        assert [r.name for r in store.features(EXTRAS)] == ["덕수궁"]
    finally:
        store.close()


@pytest.mark.usefixtures("demo_registry")
def test_companions_are_owned_and_never_loaded_alone() -> None:
    assert registry.companion_owners() == {EXTRAS: PAIRS, "testing_sites": "testing_site_parking"}
    assert features_kind(registry.get(PAIRS)) == "points"
    assert features_kind(registry.get("parks")) is None


def _site(layer: str, n: int) -> FeatureRecord:
    return FeatureRecord(layer=layer, id=f"{layer}:{n}", name=f"{layer} {n}", lon=127.0, lat=37.5)


def test_testing_sites_roll_back_with_their_parking(tmp_path: Path) -> None:
    """The real spec: testing_sites is testing_site_parking's companion, in both directions."""
    assert registry.companion_owners()["testing_sites"] == "testing_site_parking"
    store = open_store(None, data_dir=tmp_path / "data")
    try:
        for n in (1, 2):
            for layer in ("testing_site_parking", "testing_sites"):
                store.replace_layer(layer, iter([_site(layer, n)]), data_version=f"v{n}")
        assert jobs.rollback(store, "testing_site_parking") == "v1"
        assert store.version("testing_sites") == "v1"
        assert [r.id for r in store.features("testing_sites")] == ["testing_sites:1"]
        # nothing older to go back to: both stay as they are
        assert jobs.rollback(store, "testing_sites") is None
        assert (store.version("testing_site_parking"), store.version("testing_sites")) == (
            "v1",
            "v1",
        )
    finally:
        store.close()
