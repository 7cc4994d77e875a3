"""Stage 6, the checks: a new version's content hash and its diff with the current one
(optionally appended to it), and the refusals that stop a load before anything changes."""

from __future__ import annotations

import hashlib
import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

import shapely

from layers.record import FeatureRecord, Region
from layers.store import Store

if TYPE_CHECKING:
    from etl.load.report import LayerReport


@dataclass(frozen=True)
class VersionDiff:
    """How a new version of a layer differs from the current one, by feature id."""

    current_version: str | None
    current_rows: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: int

    def summary(self) -> str:
        if self.current_version is None:
            return f"no current version: {len(self.added)} added"
        return (
            f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed,"
            f" {self.unchanged} unchanged (current version {self.current_version},"
            f" {self.current_rows} rows)"
        )


def data_version(records: Iterable[FeatureRecord]) -> str:
    """A content hash of a layer: identical data keeps it, any change changes it."""
    h = hashlib.sha256()
    for r in sorted(records, key=lambda r: r.id):
        h.update(
            json.dumps(_record_dict(r), ensure_ascii=False, sort_keys=True, default=str).encode()
        )
        h.update(b"\n")
    return h.hexdigest()[:16]


def compare_with_current(store: Store, report: LayerReport, *, append: bool) -> LayerReport:
    """The report with its diff against the current version and its data version; with
    `append`, its records are the current ones plus the new (the new one winning on a
    shared id)."""
    current = store.version(report.layer)
    before: list[FeatureRecord] = list(store.features(report.layer)) if current else []
    if append and before:
        merged = {r.id: r for r in before}
        merged.update((r.id, r) for r in report.records)
        report = replace(report, records=tuple(merged.values()), appended=True)
    return replace(
        report,
        diff=version_diff(before, report.records, current),
        data_version=data_version(report.records),
    )


def version_diff(
    current: Iterable[FeatureRecord], new: Sequence[FeatureRecord], current_version: str | None
) -> VersionDiff:
    """Added, removed and changed feature ids (`source`, the file and row, is not content)."""
    before = {r.id: _content(r) for r in current}
    return _diff(before, {r.id: _content(r) for r in new}, current_version, operator.eq)


def regions_diff(
    current: Iterable[Region], new: Sequence[Region], current_version: str | None
) -> VersionDiff:
    """Added, removed and changed region codes."""
    before = {r.code: r for r in current}
    return _diff(before, {r.code: r for r in new}, current_version, _same_region)


def refusal(report: LayerReport, *, force: bool) -> str | None:
    """Why a load must not go ahead: it would leave the layer empty, or (unless forced)
    remove more than half of the current version's rows."""
    if report.loaded == 0:
        top = "; ".join(f"{k} {v}" for k, v in report.reject_reasons().most_common(3)) or "-"
        return (
            f"{report.layer}: no row could be loaded ({len(report.rejects)} rejected:"
            f" {top}); the current version stays"
        )
    diff = report.diff
    if diff is not None and not force and 2 * len(diff.removed) > diff.current_rows:
        append = "" if report.layer == "regions" else " (or --append to add to it)"
        return (
            f"{report.layer}: the load would remove {len(diff.removed)} of the current"
            f" {diff.current_rows} rows (more than half); check the files, or pass --force"
            f" to replace the layer anyway{append}"
        )
    return None


def _diff(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    current_version: str | None,
    same: Callable[[Any, Any], bool],
) -> VersionDiff:
    added = tuple(i for i in after if i not in before)
    removed = tuple(i for i in before if i not in after)
    changed = tuple(i for i, v in after.items() if i in before and not same(before[i], v))
    return VersionDiff(
        current_version,
        len(before),
        added,
        removed,
        changed,
        len(after) - len(added) - len(changed),
    )


def _content(r: FeatureRecord) -> str:
    d = _record_dict(r)
    del d["source"]
    return json.dumps(d, ensure_ascii=False, sort_keys=True, default=str)


def _same_region(a: Region, b: Region) -> bool:
    if (a.sido, a.sigungu) != (b.sido, b.sigungu):
        return False
    return a.wkb == b.wkb or bool(
        shapely.equals_exact(shapely.from_wkb(a.wkb), shapely.from_wkb(b.wkb), 1e-9)
    )


def _record_dict(r: FeatureRecord) -> dict[str, Any]:
    """A record's content, as hashed: every field but the layer."""
    return {f.name: getattr(r, f.name) for f in _FIELDS}


_FIELDS = tuple(f for f in fields(FeatureRecord) if f.name != "layer")
