"""Inference without peeking: every real file a declared schema reads is read again with
all declared schemas hidden; the inferred roles must pick the declared columns and load the
same points (within 1 m) for at least 95 % of the rows the declared schema loads."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pytest

from etl.infer import ROLE_FIELDS
from etl.load.ids import assign_ids
from etl.load.inputs import InputFile, ReadOptions
from etl.load.locate import locate_rows
from etl.load.regions import assign_regions, default_regions
from etl.load.rows import Candidate, read_rows
from etl.normalise import SchemaMatch
from etl.regions import RegionIndex
from geo.distance import distance_m
from layers import registry
from layers.spec import SourceSchema
from tests.layers.real_files import SOURCE_DIR

SOURCES = [
    s for s in registry.sources() if s.layer != "regions" and (SOURCE_DIR / s.path).is_file()
]
# Rules only a declared schema carries (by column names inference cannot know), so
# inference may load rows the declared schema drops (never the reverse: the 95 % bound) or
# fill a field differently.
DECLARED_ONLY_RULES = {
    "localdata_campgrounds": "영업상태구분코드 (status_code) drops closed and suspended businesses",
    "localdata_toilets_2025": "개방시간상세 (hours_detail) 미개방 drops closed toilets",
    "national_bike_std": "운영시작시각/운영종료시각 make the hours",
    "seoul_shelters": "시설구분1 (facility_type) marks members-only 경로당",
    "mohw_screening": "the site kind (mohw_screening) comes from the schema",
    "mohw_safe_hospitals": "the site kind (safe_hospital) comes from the schema",
}


@cache
def _regions() -> RegionIndex:
    return RegionIndex(default_regions(SOURCE_DIR))


def declared_roles(schema: SourceSchema, match: SchemaMatch) -> dict[str, set[str]]:
    """role -> the columns the declared schema reads for it (by the same role table)."""
    col = match.column_for
    out: dict[str, set[str]] = {}
    for role, fields in ROLE_FIELDS.items():
        found = {col[f] for f in fields if f in col}
        if role in ("road_address", "lot_address") and role in col:
            found = {col[role]}
        if found:
            out[role] = found
    if schema.coords is not None:
        x, y = col.get(schema.coords.x), col.get(schema.coords.y)
        names = ("lon", "lat") if schema.coords.epsg == 4326 else ("x", "y")
        if x and y:
            out[names[0]], out[names[1]] = {x}, {y}
    if schema.key:
        out["key"] = {col[k] for k in schema.key if k in col}
    return out


@dataclass
class Outcome:
    path: str
    mapping: tuple[str, ...]
    roles_same: dict[str, bool]
    declared_rows: int
    same_rows: int
    extra_rows: int

    @property
    def share(self) -> float:
        return self.same_rows / self.declared_rows if self.declared_rows else 1.0


def _read(
    source: registry.Source, *, infer_only: bool
) -> tuple[SchemaMatch, dict[int, Candidate], bool]:
    spec = registry.get(source.layer)
    kind = spec.schema(source.schema).kind
    inp = InputFile(SOURCE_DIR / source.path, source, source.dataset)
    rows = read_rows(spec, [inp], kind=kind, options=ReadOptions(infer_only=infer_only))
    match = rows.rows[0].match
    if match.schema.coords is None:  # testing sites: placed by address later
        return match, {c.row: c for c in rows.rows}, False
    located = locate_rows(rows, _regions())
    # as loaded: in a sigungu, with an id, exact repeats dropped
    kept = assign_ids(spec, assign_regions(spec.id, located.located, _regions()).rows).rows
    return match, {c.row: c for c in kept}, True


def measure(source: registry.Source) -> Outcome:
    schema = registry.get(source.layer).schema(source.schema)
    declared, want, placed = _read(source, infer_only=False)
    inferred, got, _ = _read(source, infer_only=True)
    assert inferred.inference is not None
    roles = inferred.inference.roles
    expected = declared_roles(schema, declared)
    roles_same = {}
    for role, columns in expected.items():
        mapped = roles.get(role)
        if role in ("lat", "lon") and mapped is None:  # degrees under an x/y header
            mapped = roles.get({"lat": "y", "lon": "x"}[role])
        if role in ("road_address", "lot_address") and "address" in schema.columns:
            mapped = roles.get("road_address") or roles.get("lot_address")
            columns = {declared.column_for.get("address", "")} | columns
        roles_same[role] = mapped in columns
    same = 0
    for row, c in want.items():
        other = got.get(row)
        if other is None:
            continue
        if placed:
            same += distance_m(c.lon, c.lat, other.lon, other.lat) <= 1.0
        else:
            same += (c.norm.name, c.norm.address) == (other.norm.name, other.norm.address)
    return Outcome(
        source.path, inferred.mapping, roles_same, len(want), same, len(set(got) - set(want))
    )


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES, ids=[s.path for s in SOURCES])
def test_inference_alone_maps_the_declared_columns_and_loads_the_same_points(
    source: registry.Source,
) -> None:
    outcome = measure(source)
    core = {r: ok for r, ok in outcome.roles_same.items() if r in ("name", "lat", "lon", "x", "y")}
    assert core and all(core.values()), (outcome.roles_same, outcome.mapping)
    assert outcome.share >= 0.95, (outcome.same_rows, outcome.declared_rows, outcome.mapping)
    if outcome.extra_rows > 0.01 * outcome.declared_rows:
        assert source.schema in DECLARED_ONLY_RULES, outcome.extra_rows
    others = {r: ok for r, ok in outcome.roles_same.items() if r not in core}
    assert sum(others.values()) >= len(others) - 1, (others, outcome.mapping)
