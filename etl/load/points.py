"""A point layer's stages after reading and locating, in order: geocode, regions, ids,
records, report."""

from __future__ import annotations

from etl.load.ids import assign_ids
from etl.load.locate import Geocoder, Located, geocode_rows
from etl.load.records import build_records
from etl.load.regions import assign_regions
from etl.load.report import LayerReport, point_report
from etl.regions import RegionIndex
from layers import registry


def finish_point_layer(
    located: Located, regions: RegionIndex, gazetteer: Geocoder | None
) -> LayerReport:
    """The report of a layer's located rows: those without coordinates geocoded, every row
    given its region and id, duplicates dropped, the rest made records."""
    spec = registry.get(located.layer)
    geocoded = geocode_rows(spec.id, located.unplaced, gazetteer)
    placed = assign_regions(spec.id, (*located.located, *geocoded.placed), regions)
    ids = assign_ids(spec, placed.rows)
    return point_report(located, geocoded, (placed, ids), build_records(spec, ids.rows))
