"""The load's inputs: what a load is asked for, the files each layer reads (the manifest's,
or those given), and how to read them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from layers import registry
from layers.registry import Source
from layers.spec import LayerSpec


class LoadRefused(Exception):
    """A load that must not happen (missing files, unknown header, ...); nothing changed."""


@dataclass(frozen=True)
class InputFile:
    path: Path
    source: Source | None  # the manifest entry, when the file is one of the known ones
    dataset: str  # the id prefix for this file's features ("" = from the matched schema)


@dataclass(frozen=True)
class ReadOptions:
    """How to read a load's files: `--encoding` and `--crs` (None = sniff / detect)."""

    encoding: str | None = None
    crs: int | None = None
    columns: Mapping[str, str] | None = None  # role -> column (--columns)
    schema_dir: Path | None = None  # the user's saved schemas (etl.saved_schemas)
    infer_only: bool = False  # skip declared and saved schemas (to measure inference)


@dataclass(frozen=True)
class JobSettings:
    source_dir: Path
    report_dir: Path
    parking_radius_m: float = 1000.0
    kakao_rest_key: str | None = None


@dataclass(frozen=True)
class LoadOptions:
    """What one `sharemap load` asks for beyond the layers (see etl/cli.py)."""

    files: tuple[Path, ...] = ()  # load exactly these files (one layer); () = the source dir
    append: bool = False  # add to the current version instead of replacing it
    dry_run: bool = False  # build and report, change nothing
    force: bool = False  # allow removing more than half of a layer's rows
    crs: int | None = None  # EPSG of the files' coordinates (None = detect)
    encoding: str | None = None  # of the files' text (None = sniff)
    columns: tuple[tuple[str, str], ...] = ()  # role -> column (--columns)
    schema_dir: Path | None = None  # the user's saved schemas

    @property
    def read(self) -> ReadOptions:
        return ReadOptions(
            encoding=self.encoding,
            crs=self.crs,
            columns=dict(self.columns) or None,
            schema_dir=self.schema_dir,
        )


def missing_files_message(source_dir: Path, missing: Sequence[Source]) -> str:
    lines = [
        f"missing input files: put them under the source directory {source_dir}"
        " (set SHAREMAP_SOURCE_DIR to use another directory):"
    ]
    for s in missing:
        lines.append(f"  {source_dir / s.path}")
        lines.append(f"      dataset {s.dataset} '{s.title}' ({s.publisher}), from {s.portal}")
    return "\n".join(lines)


def default_inputs(layer_id: str, source_dir: Path, *, kind: str | None = None) -> list[InputFile]:
    """The manifest's default files of a layer (of one kind), all of which must exist."""
    wanted = [s for s in registry.sources_for(layer_id) if kind is None or _kind(s) == kind]
    if not source_dir.is_dir():
        raise LoadRefused(
            missing_files_message(source_dir, wanted).replace(
                "missing input files", f"the source directory {source_dir} does not exist"
            )
        )
    missing = [s for s in wanted if not (source_dir / s.path).exists()]  # a file or a folder
    if missing:
        raise LoadRefused(missing_files_message(source_dir, missing))
    return [InputFile(source_dir / s.path, s, s.dataset) for s in wanted]


def available_inputs(
    layer_id: str, source_dir: Path, *, kind: str | None = None
) -> list[InputFile]:
    """The manifest's default files of a layer that exist (for the gazetteer only)."""
    return [
        InputFile(source_dir / s.path, s, s.dataset)
        for s in registry.sources_for(layer_id)
        if (kind is None or _kind(s) == kind) and (source_dir / s.path).is_file()
    ]


def given_inputs(layer_id: str, files: Sequence[Path]) -> list[InputFile]:
    """Files named on the command line; a manifest file (by name) keeps its dataset."""
    out = []
    for path in files:
        source = registry.source_by_name(Path(path).name)
        if source is not None and source.layer != layer_id:
            source = None
        out.append(InputFile(Path(path), source, source.dataset if source else ""))
    return out


def split_kinds(
    layer_id: str, inputs: Sequence[InputFile], options: ReadOptions | None = None
) -> dict[str, list[InputFile]]:
    """Files of a derived layer by schema kind (manifest schema, else recognised by header)."""
    from etl.normalise import match_schema
    from etl.read import read_table

    spec = registry.get(layer_id)
    encoding = options.encoding if options else None
    kinds: dict[str, list[InputFile]] = {}
    for inp in inputs:
        if inp.source is not None:
            kind = spec.schema(inp.source.schema).kind
        else:
            table = read_table(inp.path, encoding=encoding)
            match = match_schema(
                spec, table.columns, geometry=table.has_geometry, source=str(inp.path)
            )
            kind = match.schema.kind
        kinds.setdefault(kind, []).append(inp)
    return kinds


def dataset_for(layer_id: str, schema_id: str) -> str:
    """The dataset of a file the manifest does not list: the one dataset the manifest reads
    with this schema (so a newer snapshot keeps the ids of the older one), else the schema."""
    datasets = {
        s.dataset
        for s in registry.sources_for(layer_id, default_only=False)
        if s.schema == schema_id
    }
    return datasets.pop() if len(datasets) == 1 else schema_id


def _kind(source: Source) -> str:
    return registry.get(source.layer).schema(source.schema).kind


def features_kind(spec: LayerSpec) -> str | None:
    """The schema kind whose rows become a derived layer's features (None: every row)."""
    return spec.derivation.features_kind if spec.derivation else None
