"""The load job, behind `sharemap load`: which layers to build, in which order, through which
stages (etl.load), and the checks every new version passes before one atomic swap per layer
with its companion layers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import partial

from etl.load.derive import DeriveInputs, companion_reports, derive_function
from etl.load.diff import compare_with_current, refusal
from etl.load.gazetteer import Gazetteers
from etl.load.inputs import (
    InputFile,
    JobSettings,
    LoadOptions,
    LoadRefused,
    default_inputs,
    given_inputs,
    split_kinds,
)
from etl.load.locate import Located, read_and_locate
from etl.load.points import finish_point_layer
from etl.load.regions import REGIONS, point_regions, regions_report, regions_version
from etl.load.report import LayerReport
from etl.load.write import store_records, write_reject_reports
from etl.regions import RegionIndex
from layers import registry
from layers.record import Region
from layers.store import Store


def run(
    store: Store,
    layer_ids: Sequence[str],
    settings: JobSettings,
    options: LoadOptions | None = None,
) -> list[LayerReport]:
    """Load the given layers; each is replaced atomically, and only after every layer asked
    for has been built and checked (etl.load.diff.refusal), so a refused load changes nothing.

    Point layers are placed in the store's regions (the source directory's when it has
    none); "regions" itself loads the given boundary files or the source directory's.
    With `options.files` exactly one layer is loaded, from those files; for
    testing_site_parking the kind (parking lots, testing sites) not given comes from the
    source directory. A dry run builds and checks the same, writes `*.dry-run.csv` reject
    reports and returns the reports with their `refusal` instead of raising.
    """
    options = options or LoadOptions()
    owners = registry.companion_owners()  # a companion layer is loaded by loading its owner
    asked = {owners.get(lid, lid) for lid in layer_ids}
    wanted = [
        lid
        for lid in (*registry.REFERENCE_IDS, *registry.LAYER_IDS)
        if lid in asked and lid not in owners
    ]
    if options.files and len(wanted) != 1:
        raise LoadRefused("files can be loaded into exactly one layer at a time")
    points = [lid for lid in wanted if lid != REGIONS]
    if not options.files:
        for lid in points:
            default_inputs(lid, settings.source_dir)  # refuses, naming the missing files
    reports: list[LayerReport] = []
    implicit_regions: list[Region] | None = None
    if REGIONS in wanted:
        region_report = regions_report(store, settings.source_dir, options.files, options.crs)
        regions = RegionIndex(region_report.regions)
        reports.append(region_report)
    else:
        regions, implicit_regions = point_regions(store, settings.source_dir)
    if points:
        reports += _point_reports(store, points, settings, options, regions)
    reports = [_checked(r, force=options.force) for r in reports]

    stored = [*reports, *(c for r in reports for c in _declared_companions(r))]
    refusals = [r.refusal for r in stored if r.refusal]
    if options.dry_run:
        return write_reject_reports(reports, settings.report_dir, dry_run=True)
    if refusals:
        raise LoadRefused("\n".join(refusals))

    if implicit_regions is not None:
        store.replace_regions(implicit_regions, data_version=regions_version(implicit_regions))
    written = []
    for report in reports:  # a layer and its companions in one swap
        if report.layer == REGIONS:
            outcome = store.replace_regions(report.regions, data_version=report.data_version)
            report = replace(report, changed=outcome.changed)
        else:
            declared = {c.layer for c in _declared_companions(report)}
            report = store_records(store, report, declared=declared, stored_apart=owners.keys())
        written.append(report)
    return write_reject_reports(written, settings.report_dir, dry_run=False)


def _checked(report: LayerReport, *, force: bool) -> LayerReport:
    """The report and its declared companions' with why each must not be stored, if so."""
    declared = {c.layer for c in _declared_companions(report)}
    companions = tuple(
        replace(c, refusal=refusal(c, force=force)) if c.layer in declared else c
        for c in report.companions
    )
    return replace(report, refusal=refusal(report, force=force), companions=companions)


def _declared_companions(report: LayerReport) -> list[LayerReport]:
    if report.layer == REGIONS:
        return []
    return companion_reports(report, registry.get(report.layer))


def _point_reports(
    store: Store,
    layer_ids: Sequence[str],
    settings: JobSettings,
    options: LoadOptions,
    regions: RegionIndex,
) -> list[LayerReport]:
    fresh, derive_inputs = _read_given(layer_ids, settings, options, regions)
    gazetteers = Gazetteers(settings, regions, fresh)
    reports = []
    for lid in layer_ids:
        spec = registry.get(lid)
        located = fresh.get(lid)
        if located is None:
            located = gazetteers.directory().located[lid]
        if spec.derivation is not None:
            derive = DeriveInputs(
                located,
                derive_inputs[lid],
                regions,
                partial(gazetteers.for_layer, spec, located),
                settings,
                options.read,
            )
            report = derive_function(spec)(derive)
            compared = {
                c.layer: compare_with_current(store, c, append=False)
                for c in companion_reports(report, spec)
            }
            companions = tuple(compared.get(c.layer, c) for c in report.companions)
            report = replace(report, companions=companions)
        else:
            gazetteer = gazetteers.for_layer(spec, located) if located.unplaced else None
            report = finish_point_layer(located, regions, gazetteer)
        reports.append(compare_with_current(store, report, append=options.append))
    return reports


def _read_given(
    layer_ids: Sequence[str], settings: JobSettings, options: LoadOptions, regions: RegionIndex
) -> tuple[dict[str, Located], dict[str, dict[str, list[InputFile]]]]:
    """The given files read and located (by layer), and each derived layer's input files by
    kind (the given ones, else the source directory's)."""
    given = given_inputs(layer_ids[0], options.files) if options.files else []
    fresh: dict[str, Located] = {}
    derive_inputs: dict[str, dict[str, list[InputFile]]] = {}
    for lid in layer_ids:
        spec = registry.get(lid)
        derivation = spec.derivation
        if derivation is not None:
            kinds = split_kinds(lid, given, options.read)
            derive_inputs[lid] = {
                kind: kinds.get(kind) or default_inputs(lid, settings.source_dir, kind=kind)
                for kind in derivation.inputs
            }
            kind = derivation.features_kind
            if kind in kinds:
                fresh[lid] = read_and_locate(spec, kinds[kind], regions, options.read, kind)
        elif given:
            fresh[lid] = read_and_locate(spec, given, regions, options.read)
    return fresh, derive_inputs
