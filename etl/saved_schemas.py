"""The user's saved schemas: column mappings kept by `sharemap schema add` under
SHAREMAP_DATA_DIR/schemas/<layer>/<name>.json (outside the package, so they survive its
upgrades), recognised beside the declared schemas of the layer specs."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from etl.infer import Evidence, Inference, build_match
from etl.normalise import SchemaMatch, header_key
from layers.spec import LayerSpec

_NAME = re.compile(r"^[\w][\w.-]{0,79}$")


class SavedSchemaError(ValueError):
    """A saved schema that cannot be written, found or read."""


@dataclass(frozen=True)
class SavedSchema:
    layer: str
    name: str
    rule: str  # the declared schema whose normalise rule reads the rows
    roles: Mapping[str, str]  # role -> column
    combined: str | None = None  # a column of "lat,lon" pairs
    lat_first: bool = True
    key_unique: bool = False
    key_partner: str | None = None  # the provider code a two-part key is a number within
    header: tuple[str, ...] = ()  # the header of the file it was made from

    def describe(self) -> str:
        roles = ", ".join(f"{role}={col}" for role, col in self.roles.items())
        return f"{self.name} (saved; rule {self.rule}): {roles}"


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise SavedSchemaError(
            f"bad schema name {name!r}: letters, digits, '_', '-' and '.', at most 80"
        )
    return name


def default_name(path: Path) -> str:
    """A schema name from a file name: its stem with other characters as '_'."""
    stem = re.sub(r"[^\w.-]+", "_", path.stem).strip("._-") or "schema"
    return stem[:80]


def path_of(directory: Path, layer: str, name: str) -> Path:
    return directory / layer / f"{check_name(name)}.json"


def save(directory: Path, schema: SavedSchema) -> Path:
    path = path_of(directory, schema.layer, schema.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    data = {**asdict(schema), "roles": dict(schema.roles), "header": list(schema.header)}
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def load(directory: Path | None, layer: str) -> list[SavedSchema]:
    """The layer's saved schemas, by name; unreadable files are skipped with no error
    (a half-written file must not stop a load)."""
    if directory is None or not (directory / layer).is_dir():
        return []
    out = []
    for path in sorted((directory / layer).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            out.append(
                SavedSchema(
                    layer=layer,
                    name=path.stem,
                    rule=str(data["rule"]),
                    roles={str(k): str(v) for k, v in dict(data["roles"]).items()},
                    combined=data.get("combined"),
                    lat_first=bool(data.get("lat_first", True)),
                    key_unique=bool(data.get("key_unique", False)),
                    key_partner=data.get("key_partner"),
                    header=tuple(data.get("header", ())),
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


def remove(directory: Path, layer: str, name: str) -> None:
    path = path_of(directory, layer, name)
    if not path.is_file():
        known = ", ".join(s.name for s in load(directory, layer)) or "none"
        raise SavedSchemaError(f"{layer} has no saved schema {name!r} (saved: {known})")
    path.unlink()


def match_saved(
    spec: LayerSpec, saved: Sequence[SavedSchema], columns: Sequence[str], kind: str | None
) -> SchemaMatch | None:
    """The saved schema (of the most roles) whose every column is in the header."""
    by_key = {header_key(c): c for c in columns}
    for s in sorted(saved, key=lambda s: -len(s.roles)):
        needed = [*s.roles.values(), *([s.key_partner] if s.key_partner else [])]
        if not all(header_key(col) in by_key for col in needed):
            continue
        try:
            rule = spec.schema(s.rule)
        except KeyError:
            continue  # the rule was renamed since: the schema no longer applies
        if kind is not None and rule.kind != kind:
            continue
        roles = {role: by_key[header_key(col)] for role, col in s.roles.items()}
        inf = Inference(
            spec.id,
            roles=roles,
            evidence={r: Evidence(c, r, 1.0, f"saved schema {s.name}") for r, c in roles.items()},
            combined=by_key.get(header_key(s.combined)) if s.combined else None,
            lat_first=s.lat_first,
            key_unique=s.key_unique,
            key_partner=by_key[header_key(s.key_partner)] if s.key_partner else None,
        )
        return build_match(spec, inf, rule, name=s.name, origin="saved")
    return None
