"""Stage 5, the records: each kept row as a FeatureRecord, its opening hours parsed and its
position rounded as published (layers.feature.coordinate)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from etl.load.rows import Candidate
from layers.feature import coordinate
from layers.record import FeatureRecord
from layers.spec import LayerSpec


@dataclass(frozen=True)
class Records:
    """A layer's records, and how many opening-hours texts it had and how many parsed."""

    records: tuple[FeatureRecord, ...]
    hours_texts: int = 0
    hours_parsed: int = 0


def build_records(spec: LayerSpec, cands: Sequence[Candidate]) -> Records:
    texts = parsed = 0
    records = []
    for c in cands:
        record = to_record(spec, c)
        records.append(record)
        if c.norm.opening_hours_raw or c.norm.schedule is not None:
            texts += 1
            parsed += record.opening_hours is not None
    return Records(tuple(records), texts, parsed)


def to_record(spec: LayerSpec, c: Candidate) -> FeatureRecord:
    norm = c.norm
    hours_json = None
    if norm.schedule is not None:
        hours_json = norm.schedule.to_json()
    elif norm.opening_hours_raw:
        schedule = spec.read_hours(norm.opening_hours_raw)
        hours_json = schedule.to_json() if schedule is not None else None
    props = dict(norm.props)
    if c.geocoded:
        props["geocode_precision"] = c.geocoded
    as_normalised = {name: getattr(norm, name) for name in _AS_NORMALISED}
    return FeatureRecord(
        layer=spec.id,
        id=c.id,
        name=norm.name or "",
        lon=coordinate(c.lon),
        lat=coordinate(c.lat),
        sido=c.sido,
        sigungu=c.sigungu,
        opening_hours=hours_json,
        source=c.source_ref,
        props=props,
        **as_normalised,
    )


# the record fields that are the normalised row's fields of the same name
_AS_NORMALISED = (
    "address",
    "phone",
    "opening_hours_raw",
    "fee",
    "fee_text",
    "wheelchair",
    "updated_at",
)
