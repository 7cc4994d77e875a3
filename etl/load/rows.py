"""Stage 1, the rows: each input file read, its header matched to a schema, each row mapped
and normalised by the layer's spec; rows that cannot be used become rejects."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tqdm import tqdm

from etl.load.inputs import InputFile, LoadRefused, ReadOptions, dataset_for
from etl.normalise import SchemaMatch
from etl.read import GEOMETRY_PROBLEM, TRUNCATED_ROW, Table, read_table
from etl.recognise import recognise
from etl.validate import BadNumber, parse_number
from layers.feature import coordinate
from layers.record import Reject
from layers.spec import LayerSpec, Normalised

# A cell longer than this is not a name, an address or a note: its row is rejected.
MAX_FIELD_CHARS = 10_000
# An `EPSG:5186` / `epsg5174` in a coordinate column's name declares its CRS.
_EPSG_IN_NAME = re.compile(r"epsg\s*[:_]?\s*(\d{4,5})", re.IGNORECASE)


@dataclass(frozen=True)
class FileReport:
    """What a load made of one input file."""

    path: Path
    kind: str
    schema: str
    dataset: str
    encoding: str | None
    delimiter: str | None
    header_rows: int
    rows: int = 0
    # where the file says its coordinates' CRS is declared, and that CRS
    declared_epsg: int | None = None
    declared_by: str = "schema"
    crs: str | None = None  # the CRS used, and why (etl.detect_crs.CrsChoice.describe)
    # a saved or inferred schema's column -> role lines, with the evidence
    mapping: tuple[str, ...] = ()

    def describe(self) -> str:
        read = []
        if self.encoding:
            read.append(self.encoding)
        if self.delimiter:
            read.append({",": "comma", "\t": "tab", ";": "semicolon"}.get(self.delimiter, "?"))
        if self.header_rows > 1:
            read.append(f"{self.header_rows}-record header")
        how = f" ({', '.join(read)})" if read else ""
        crs = f"; CRS {self.crs}" if self.crs else "; no coordinates"
        unit = "features" if self.kind == "boundaries" else "rows"
        return f"{self.path.name}{how}: schema {self.schema} ({self.kind}), {self.rows} {unit}{crs}"


@dataclass(frozen=True)
class Candidate:
    """A source row on its way to becoming a FeatureRecord; each later stage returns a copy
    with what it adds (position, region, id)."""

    file: InputFile
    row: int
    match: SchemaMatch
    mapped: Mapping[str, str | None]
    norm: Normalised
    x: float | None = None
    y: float | None = None
    lon: float = float("nan")
    lat: float = float("nan")
    geocoded: str | None = None  # geocode precision when the position came from the address
    sido: str | None = None
    sigungu: str | None = None
    id: str = ""

    @property
    def source_ref(self) -> str:
        return f"{self.file.path.name}#{self.row}"

    def reject(self, layer: str, reason: str, detail: str = "") -> Reject:
        """This row rejected, with its position when it has a usable one (the audit maps it)."""
        reject = _row_reject(layer, self.file, self.row, reason, detail, self.norm.name)
        lon, lat = self.lon, self.lat
        if math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90:
            return replace(reject, lon=coordinate(lon), lat=coordinate(lat))
        return reject


@dataclass(frozen=True)
class Rows:
    """A layer's rows read from its files: the usable ones, and the rejects."""

    layer: str
    rows: tuple[Candidate, ...]
    files: tuple[FileReport, ...]
    rejects: tuple[Reject, ...]
    rows_read: int


@dataclass(frozen=True)
class Kept:
    """The rows a stage kept (with what it added), and those it rejected."""

    rows: tuple[Candidate, ...]
    rejects: tuple[Reject, ...]


def read_rows(
    spec: LayerSpec,
    inputs: Sequence[InputFile],
    *,
    kind: str | None = None,
    options: ReadOptions | None = None,
) -> Rows:
    """Every row of the inputs, normalised; rows that cannot be used become rejects.

    A file without data rows, or whose header matches none of the layer's schemas, refuses
    the load (LoadRefused / UnknownSchema).
    """
    options = options or ReadOptions()
    rows: list[Candidate] = []
    rejects: list[Reject] = []
    files: list[FileReport] = []
    for inp in inputs:
        table, match = recognise(
            spec,
            read_table(inp.path, encoding=options.encoding),
            kind=kind,
            source=str(inp.path),
            given=options.columns,
            schema_dir=options.schema_dir,
            infer_only=options.infer_only,
        )
        if not inp.dataset:
            saved = match.origin == "saved"
            inp = replace(
                inp, dataset=match.name if saved else dataset_for(spec.id, match.schema.id)
            )
        count = 0
        for row_number, row in tqdm(
            table.rows, desc=f"{spec.id}: {inp.path.name}", unit=" rows", disable=None, leave=False
        ):
            count += 1
            cand = _candidate(
                spec, inp, match, row_number, row, decimal_comma=table.delimiter == ";"
            )
            if isinstance(cand, Reject):
                rejects.append(cand)
            else:
                rows.append(cand)
        if count == 0:
            raise LoadRefused(f"{inp.path}: the file has a header but no data rows")
        files.append(replace(_file_report(inp, table, match), rows=count))
    return Rows(spec.id, tuple(rows), tuple(files), tuple(rejects), sum(f.rows for f in files))


def _candidate(
    spec: LayerSpec,
    inp: InputFile,
    match: SchemaMatch,
    row_number: int,
    row: Mapping[str, str | None],
    *,
    decimal_comma: bool,
) -> Candidate | Reject:
    """One row mapped and normalised, or why it cannot be used."""
    problem = _row_problem(row)
    if problem is not None:
        return _row_reject(spec.id, inp, row_number, *problem)
    mapped = match.map_row(row)
    try:
        norm = spec.normalise(match.schema.id, mapped)
    except Exception as exc:  # a rule that trips on odd data rejects the row, not the load
        return _row_reject(spec.id, inp, row_number, "unparsable row", repr(exc)[:200])
    if norm.reject:
        return _row_reject(spec.id, inp, row_number, norm.reject, name=norm.name)
    if not norm.name:
        return _row_reject(spec.id, inp, row_number, "no name")
    coords = match.schema.coords
    if coords is None:
        return Candidate(inp, row_number, match, mapped, norm)
    try:
        x = parse_number(mapped.get(coords.x), decimal_comma=decimal_comma)
        y = parse_number(mapped.get(coords.y), decimal_comma=decimal_comma)
    except BadNumber as exc:
        return _row_reject(spec.id, inp, row_number, "unparsable number", str(exc), norm.name)
    return Candidate(inp, row_number, match, mapped, norm, x, y)


def _file_report(inp: InputFile, table: Table, match: SchemaMatch) -> FileReport:
    schema = match.schema
    declared, declared_by = None, "schema"
    if schema.coords is not None:
        declared = schema.coords.epsg or None  # 0: an inferred schema's, to be detected
        named = _EPSG_IN_NAME.search(match.column_for.get(schema.coords.x, ""))
        if table.has_geometry:
            # GeoJSON without a `crs` member is WGS84 by its specification
            declared, declared_by = table.geometry_epsg or 4326, "file"
        elif named:
            declared, declared_by = int(named.group(1)), "column name"
    return FileReport(
        inp.path,
        schema.kind,
        match.label,
        inp.dataset,
        table.encoding,
        table.delimiter,
        table.header_rows,
        declared_epsg=declared,
        declared_by=declared_by,
        mapping=match.mapping,
    )


def _row_problem(row: Mapping[str, str | None]) -> tuple[str, str] | None:
    """(reason, detail) for a row that cannot be read as a place at all."""
    truncated = row.get(TRUNCATED_ROW)
    if truncated:
        return "truncated row", truncated
    geometry = row.get(GEOMETRY_PROBLEM)
    if geometry:
        return "not a point geometry", geometry
    for column, value in row.items():
        if value is not None and len(value) > MAX_FIELD_CHARS:
            return "oversized cell", f"{column}: {len(value):,} characters"
    return None


def _row_reject(
    layer: str, inp: InputFile, row: int, reason: str, detail: str = "", name: str | None = None
) -> Reject:
    return Reject(layer=layer, file=inp.path.name, row=row, reason=reason, detail=detail, name=name)
