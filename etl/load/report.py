"""A layer's load report: built once from its stages' outputs, then copied (never changed)
by the diff and write stages; and the reject report CSV."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.load.diff import VersionDiff
from etl.load.locate import Geocoded, Located
from etl.load.records import Records
from etl.load.rows import FileReport, Kept
from layers.record import FeatureRecord, Region, Reject


@dataclass(frozen=True)
class LayerReport:
    layer: str
    rows_read: int = 0
    rejects: tuple[Reject, ...] = ()
    records: tuple[FeatureRecord, ...] = ()
    hours_texts: int = 0
    hours_parsed: int = 0
    geocoded: Counter[str] = field(default_factory=Counter)
    extra: Mapping[str, Any] = field(default_factory=dict)
    data_version: str = ""
    changed: bool = False
    report_path: Path | None = None
    # inputs that shape the layer without becoming its rows (the testing sites)
    companions: tuple[LayerReport, ...] = ()
    files: tuple[FileReport, ...] = ()
    # the reference table's polygons (layer "regions" only)
    regions: tuple[Region, ...] = ()
    diff: VersionDiff | None = None
    # why this load must not happen (a dry run reports it instead of refusing)
    refusal: str | None = None
    appended: bool = False  # the current version's features were kept (--append)

    @property
    def loaded(self) -> int:
        return len(self.records) + len(self.regions)

    def reject_reasons(self) -> Counter[str]:
        return Counter(r.reason for r in self.rejects)

    def summary(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "rows_read": self.rows_read,
            "loaded": self.loaded,
            "rejected": len(self.rejects),
            "reject_reasons": dict(self.reject_reasons().most_common()),
            "hours_texts": self.hours_texts,
            "hours_parsed": self.hours_parsed,
            "geocoded": dict(self.geocoded),
            "data_version": self.data_version,
            **self.extra,
            **{c.layer: c.summary() for c in self.companions},
        }


def point_report(
    located: Located, geocoded: Geocoded, kept: tuple[Kept, ...], records: Records
) -> LayerReport:
    """The report of a point layer from its stages: rejects in stage order."""
    read = located.read
    extra = {"swapped_repaired": located.swapped_repaired} if located.swapped_repaired else {}
    return LayerReport(
        read.layer,
        rows_read=read.rows_read,
        rejects=(
            *read.rejects,
            *located.rejects,
            *geocoded.rejects,
            *(r for k in kept for r in k.rejects),
        ),
        records=records.records,
        hours_texts=records.hours_texts,
        hours_parsed=records.hours_parsed,
        geocoded=geocoded.precision,
        extra=extra,
        files=located.files,
    )


def write_reject_report(report: LayerReport, directory: Path, *, dry_run: bool = False) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    suffix = ".dry-run" if dry_run else ""
    path = directory / f"{report.layer}-rejects{suffix}.csv"
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "row", "reason", "detail", "name"])
        for r in sorted(report.rejects, key=lambda r: (r.file, r.row)):
            writer.writerow([r.file, r.row, r.reason, r.detail, r.name or ""])
    tmp.replace(path)
    return path
