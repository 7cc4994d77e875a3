"""Stage 7, the writes: a layer and its companion layers made current in one swap, with
their rejects; and the reject report files. Each returns the reports with what it did."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from etl.load.diff import data_version
from etl.load.report import LayerReport, write_reject_report
from layers.store import Store
from layers.store.types import LayerWrite


def store_records(
    store: Store,
    report: LayerReport,
    *,
    declared: Collection[str] = (),
    stored_apart: Collection[str] = (),
) -> LayerReport:
    """Make the records of the report and of its companion reports of the `declared` layers
    (companion layers written with it) their layers' current versions in one swap
    (Store.replace_layers), each with its rejects and those of its other companion reports,
    but of the layers `stored_apart` or written in the swap (which keep their own rejects)."""
    companions = {c.layer: _versioned(c) for c in report.companions if c.layer in declared}
    report = _with_companions(_versioned(report), companions)
    group = [report, *companions.values()]
    outcomes = store.replace_layers(
        [LayerWrite(r.layer, iter(r.records), r.data_version, r.summary()) for r in group]
    )
    apart = {*stored_apart, *companions}
    changed = {}
    for r, outcome in zip(group, outcomes, strict=True):
        changed[r.layer] = outcome.changed
        # kept with the version, so that any app instance can audit the last load
        rejects = [
            *r.rejects,
            *(x for c in r.companions if c.layer not in apart for x in c.rejects),
        ]
        store.store_rejects(r.layer, r.data_version, rejects)
    companions = {k: replace(c, changed=changed[k]) for k, c in companions.items()}
    return replace(_with_companions(report, companions), changed=changed[report.layer])


def write_reject_reports(
    reports: Sequence[LayerReport], directory: Path, *, dry_run: bool
) -> list[LayerReport]:
    """The reports with the paths of the reject reports written for them and their
    companions."""

    def written(report: LayerReport) -> LayerReport:
        path = write_reject_report(report, directory, dry_run=dry_run)
        return replace(report, report_path=path)

    return [
        replace(written(r), companions=tuple(written(c) for c in r.companions)) for r in reports
    ]


def _versioned(report: LayerReport) -> LayerReport:
    return replace(report, data_version=data_version(report.records))


def _with_companions(report: LayerReport, updated: Mapping[str, LayerReport]) -> LayerReport:
    return replace(report, companions=tuple(updated.get(c.layer, c) for c in report.companions))
