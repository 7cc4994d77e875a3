"""Derived layers (LayerSpec.derivation): what a derivation is called with, how it is found,
and the testing_site_parking derivation (screening sites joined with parking lots)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import import_module

from etl.load.inputs import InputFile, JobSettings, ReadOptions
from etl.load.locate import Geocoder, Located
from etl.load.points import finish_point_layer
from etl.load.regions import in_regions
from etl.load.report import LayerReport
from etl.load.rows import read_rows
from etl.regions import RegionIndex
from layers import registry
from layers.record import Reject
from layers.spec import LayerSpec

SITES = "sites"


@dataclass(frozen=True)
class DeriveInputs:
    """What a derivation (LayerSpec.derivation.derive, "module:function") is called with; it
    returns the layer's LayerReport, with records, and with a LayerReport holding the records
    of each declared companion layer in `companions` (other companion reports, without
    records, only add their rejects to the reports)."""

    located: Located  # the layer's own rows (derivation.features_kind), read and placed
    inputs: Mapping[str, Sequence[InputFile]]  # derivation.inputs kind -> its files
    regions: RegionIndex
    gazetteer: Callable[[], Geocoder]  # the offline gazetteer, built on the first call
    settings: JobSettings
    options: ReadOptions


def derive_function(spec: LayerSpec) -> Callable[[DeriveInputs], LayerReport]:
    assert spec.derivation is not None
    module, _, name = spec.derivation.derive.partition(":")
    function: Callable[[DeriveInputs], LayerReport] = getattr(import_module(module), name)
    return function


def companion_reports(report: LayerReport, spec: LayerSpec) -> list[LayerReport]:
    """The reports of the companion layers `spec`'s derivation declares (written with it)."""
    declared = spec.derivation.companions if spec.derivation else ()
    return [c for c in report.companions if c.layer in declared]


def derive_testing_site_parking(d: DeriveInputs) -> LayerReport:
    """Parking lots within SHAREMAP_PARKING_RADIUS_M of a screening site placed at its HIRA
    record or geocoded at address/building precision (the testing_site_parking derivation)."""
    from etl.site_match import source_matcher
    from etl.testing_sites import geocode_sites, join_parking, rows_placed, site_records

    spec = registry.get(d.located.layer)
    radius_m = d.settings.parking_radius_m
    gazetteer = d.gazetteer()
    # lots without coordinates are placed by their address, like any point layer's rows
    lots = finish_point_layer(d.located, d.regions, gazetteer)
    site_rows = read_rows(spec, d.inputs[SITES], kind=SITES, options=d.options)
    sites, precision, site_rejects = geocode_sites(
        site_rows.rows, gazetteer, source_matcher(d.settings.source_dir)
    )
    joined = tuple(join_parking(lots.records, sites, radius_m))
    kept = {r.id for r in joined}
    far = []
    for lot in lots.records:
        if lot.id not in kept:
            file, _, row = lot.source.rpartition("#")
            detail = (
                f"no screening site geocoded at address/building precision within {radius_m:g} m"
            )
            far.append(Reject(spec.id, file, int(row), "not near a testing site", detail, lot.name))
    # the companion layer testing_sites: the sites the lots' site_id names
    records = in_regions(site_records(sites, joined, radius_m), d.regions)
    rejects = (*site_rows.rejects, *site_rejects)
    sites_report = LayerReport(
        "testing_sites",
        rows_read=site_rows.rows_read,
        rejects=rejects,
        records=records,
        geocoded=Counter(precision),
        files=site_rows.files,
        extra={
            "sites": len(sites),
            "rows_placed": rows_placed(sites),
            "hira_outcomes": dict(Counter(s.hira_outcome or "-" for s in sites)),
            "site_rows_used": site_rows.rows_read - len(rejects),
            "with_lots": sum(1 for r in records if r.props["lots"]),
            "with_free_lots": sum(1 for r in records if r.props["free_lots"]),
        },
    )
    return replace(
        lots,
        rejects=(*lots.rejects, *far),
        records=joined,
        extra={**lots.extra, "free_lots": sum(1 for r in joined if r.fee == "free")},
        companions=(*lots.companions, sites_report),
    )
