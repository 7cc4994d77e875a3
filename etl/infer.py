"""Column-role inference for a header that matches no declared or saved schema: each column
gets a role (name, addresses, coordinates, phone, hours, fee, key, or one of the layer's own
fields) from its header (Korean, English, national open-data API field names) and its values
(degrees, Korean TM metres, phone numbers, addresses starting with a 시도), with the evidence
and a confidence; the roles become a schema for one of the layer's normalise rules."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from etl.column_evidence import as_float, header_scores, layer_words, value_scores, value_stats
from etl.normalise import SchemaMatch, header_key
from layers.spec import Coords, LayerSpec, SourceSchema

COMMON_ROLES: tuple[str, ...] = (
    "name",
    "road_address",
    "lot_address",
    "lat",
    "lon",
    "x",
    "y",
    "phone",
    "hours",
    "fee",
    "key",
)
# A role is settled at this confidence; below it the column is only a candidate.
ACCEPT = 0.5
# A runner-up this close to the winner (for name or coordinates) makes the mapping unsure.
MARGIN = 0.1
# The canonical field of a declared schema that takes each role, first present wins.
ROLE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "name": ("name",),
    "road_address": ("road_address", "address"),
    "lot_address": ("lot_address", "address"),
    "phone": ("phone",),
    "hours": ("hours", "weekday_hours", "hours_detail", "usage_time"),
    "fee": ("fee", "fee_info", "fee_type", "fee_text"),
}
HINT = "--columns name=쉼터명칭,lat=위도,lon=경도"


class UnsureMapping(ValueError):
    """Inference could not settle the name or the coordinates: the user must say."""


# -- the mapping ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    column: str
    role: str
    confidence: float
    why: str


@dataclass
class Inference:
    """Columns given roles, with the evidence, the candidates and what is unsure."""

    layer: str
    roles: dict[str, str] = field(default_factory=dict)  # role -> column
    evidence: dict[str, Evidence] = field(default_factory=dict)  # role -> how
    candidates: dict[str, list[Evidence]] = field(default_factory=dict)  # role -> ranked
    combined: str | None = None  # a column of "lat,lon" pairs
    lat_first: bool = True
    unsure: list[str] = field(default_factory=list)
    key_unique: bool = False
    # the provider code a key is a number within (LOCALDATA 개방자치단체코드, 제공기관코드)
    key_partner: str | None = None

    def describe(self) -> list[str]:
        """One line per mapped column: column → role (confidence): evidence."""
        lines = []
        for role, ev in sorted(self.evidence.items(), key=lambda kv: _role_order(kv[0])):
            column = ev.column
            if role == "key" and self.key_partner:
                column = f"{column} + {self.key_partner}"
            lines.append(f"{column} → {role} ({ev.confidence:.2f}): {ev.why}")
        return lines

    def refusal(self, unknown: str) -> str:
        """Why the mapping is refused (after `unknown`, why no known schema reads the file),
        the candidates for the name and the coordinates, and how to settle it."""
        lines = [f"{unknown}; the inferred mapping is unsure: " + "; ".join(self.unsure)]
        for role in ("name", "lat", "lon", "x", "y", "road_address"):
            cands = self.candidates.get(role, [])
            if cands:
                listed = ", ".join(f"{c.column} ({c.confidence:.2f})" for c in cands[:4])
                lines.append(f"  {role} candidates: {listed}")
        lines.append(f"say which columns to use, e.g. {HINT} (any role; repeatable)")
        return "\n".join(lines)


def _role_order(role: str) -> int:
    return COMMON_ROLES.index(role) if role in COMMON_ROLES else len(COMMON_ROLES)


def layer_roles(spec: LayerSpec) -> tuple[str, ...]:
    """Every role a column can take in this layer: the common ones, then the spec's fields."""
    return (*COMMON_ROLES, *(f.name for f in spec.fields if f.name not in COMMON_ROLES))


def infer(
    spec: LayerSpec,
    columns: Sequence[str],
    sample: Iterable[Mapping[str, str | None]],
    *,
    given: Mapping[str, str] | None = None,
) -> Inference:
    """Roles for the columns from their headers and the sample rows' values; `given`
    (role -> column, from --columns) settles those roles first."""
    rows = list(sample)
    words = layer_words(spec)
    labels = {
        f.name: {
            header_key(f.name),
            header_key(f.label.ko),
            header_key(re.sub(r"\(.*?\)", "", f.label.ko)),
            header_key(f.label.en),
        }
        for f in spec.fields
        if f.name not in COMMON_ROLES
    }
    scores: list[Evidence] = []
    for column in columns:
        if column.startswith("_"):
            continue
        key = header_key(column)
        values = [v for r in rows if (v := r.get(column))]
        header = header_scores(key, words)
        for name, keys in labels.items():
            if key in keys:
                header[name] = (0.8, f"header is the layer field {name!r}")
        for role, (score, why) in value_scores(value_stats(values), header).items():
            scores.append(Evidence(column, role, round(min(score, 0.99), 2), why))
    scores.sort(key=lambda e: (-e.confidence, _role_order(e.role), columns.index(e.column)))

    inf = Inference(spec.id)
    for e in scores:
        inf.candidates.setdefault(e.role, []).append(e)
    used: set[str] = set()
    for role, column in (given or {}).items():
        inf.roles[role] = column
        inf.evidence[role] = Evidence(column, role, 1.0, "given with --columns")
        used.add(column)
    if {"lat", "lon"} & set(given or {}) and given and given.get("lat") == given.get("lon"):
        inf.combined = given["lat"]
    pair = next((e for e in scores if e.role == "latlon" and e.column not in used), None)
    if pair and not ({"lat", "lon"} & inf.roles.keys()) and pair.confidence >= ACCEPT:
        inf.combined = pair.column
        for role in ("lat", "lon"):
            inf.roles[role] = pair.column
            inf.evidence[role] = Evidence(pair.column, role, pair.confidence, pair.why)
        used.add(pair.column)
    if inf.combined:
        values = [v for r in rows if (v := r.get(inf.combined))]
        inf.lat_first = value_stats(values).pair_lat_first
    for e in scores:
        if e.role == "latlon" or e.role in inf.roles or e.column in used or e.confidence < ACCEPT:
            continue
        inf.roles[e.role] = e.column
        inf.evidence[e.role] = e
        used.add(e.column)
    if "key" in inf.roles:
        values = [v for r in rows if (v := r.get(inf.roles["key"]))]
        inf.key_unique = _mostly_unique(values)
    if "key" not in (given or {}):
        _pair_key(inf, columns, rows)
    _check(inf, given or {}, rows)
    return inf


def _mostly_unique(values: Sequence[object]) -> bool:
    """Unique but for a few repeats (the loader tells exact repeats from reused keys)."""
    return bool(values) and len(set(values)) >= 0.95 * len(values)


_PROVIDER_CODE = re.compile(r"기관코드|자치단체코드|provider.?code|instt.?code|insttcode")


def _pair_key(
    inf: Inference, columns: Sequence[str], rows: Sequence[Mapping[str, str | None]]
) -> None:
    """A key that numbers places within a provider takes the provider's code as a second
    part: the inferred key with it, else the first key-like column unique with it."""
    partners = [c for c in columns if _PROVIDER_CODE.search(header_key(c))]
    if not partners:
        return
    # a layer field (provider_code) may be the partner too; a common role's column not
    taken = {c for r, c in inf.roles.items() if r != "key" and r in COMMON_ROLES}
    if "key" in inf.roles:
        primaries = [inf.roles["key"]]
    else:
        primaries = [e.column for e in inf.candidates.get("key", []) if e.column not in taken]
    for primary in primaries:
        for partner in partners:
            if partner in (primary, *taken):
                continue
            pairs = [(r.get(primary), r.get(partner)) for r in rows if r.get(primary)]
            if not pairs or not all(code for _, code in pairs):
                continue
            unique = _mostly_unique(pairs)
            if "key" not in inf.roles and not unique:
                continue
            if "key" not in inf.roles:
                why = f"header says number or id; unique together with {partner}"
                inf.roles["key"] = primary
                inf.evidence["key"] = Evidence(primary, "key", 0.8, why)
            inf.key_partner = partner
            inf.key_unique = unique
            return


def _check(
    inf: Inference, given: Mapping[str, str], rows: Sequence[Mapping[str, str | None]]
) -> None:
    roles = inf.roles
    for role in ("name", "lat", "lon"):
        if role in given or role not in roles:
            continue
        winner = inf.evidence[role]
        rivals = [
            c
            for c in inf.candidates.get(role, [])
            if c.column != winner.column
            and c.confidence >= ACCEPT
            and c.confidence >= winner.confidence - MARGIN
            and c.column not in roles.values()
            and not _same_values(rows, winner.column, c.column)
        ]
        if rivals:
            inf.unsure.append(
                f"{role}: {winner.column!r} ({winner.confidence:.2f}) or"
                f" {rivals[0].column!r} ({rivals[0].confidence:.2f})"
            )
    if "name" not in roles:
        inf.unsure.append("no column looks like the name")
    if ("lat" in roles) != ("lon" in roles):
        inf.unsure.append("only one of latitude and longitude found")
    if ("x" in roles) != ("y" in roles) and "lat" not in roles:
        inf.unsure.append("only one of x and y found")
    has_coords = ("lat" in roles and "lon" in roles) or ("x" in roles and "y" in roles)
    if not has_coords and not ({"road_address", "lot_address"} & roles.keys()):
        inf.unsure.append("no coordinates and no address")


def _same_values(rows: Sequence[Mapping[str, str | None]], a: str, b: str) -> bool:
    """Two columns that say the same thing (a copy of the coordinates, of the name) in at
    least 90 % of the rows where either has a value: no real choice between them."""
    both = [(r.get(a), r.get(b)) for r in rows if r.get(a) or r.get(b)]
    if not both:
        return True
    same = 0
    for x, y in both:
        if x == y:
            same += 1
        elif x and y:
            fx, fy = as_float(x), as_float(y)
            same += fx is not None and fy is not None and abs(fx - fy) < 1e-6
    return same >= 0.9 * len(both)


# -- a schema from the roles ----------------------------------------------------------------

LAT_PART = " (lat)"
LON_PART = " (lon)"


def _canonical(schema: SourceSchema, role: str, taken: set[str]) -> str | None:
    if role in ROLE_FIELDS:
        for name in ROLE_FIELDS[role]:
            if name in schema.columns and name not in taken:
                return name
        return None
    if role == "key":
        # of a two-part key (a number within a provider), the number
        own = [k for k in schema.key if not re.search(r"provider|gov|code", k)]
        return (own or list(schema.key) or ["source_key"])[0]
    return role if role in schema.columns else None


def choose_rule(spec: LayerSpec, inf: Inference, kind: str | None = None) -> SourceSchema:
    """The declared schema whose normalise rule fits the roles best (its canonical fields,
    never its header aliases): most roles it takes, coordinates of the same kind."""
    projected = "lat" not in inf.roles and "x" in inf.roles

    def fit(schema: SourceSchema) -> tuple[int, int]:
        taken: set[str] = set()
        hits = 0
        for role in inf.roles:
            name = _canonical(schema, role, taken)
            if name and name != "source_key" and role not in ("lat", "lon", "x", "y"):
                taken.add(name)
                hits += 1
        has_coords = "lat" in inf.roles or "x" in inf.roles
        coords = 0
        if schema.coords is not None and has_coords:
            coords = 2 + (projected == (schema.coords.epsg != 4326))
        elif schema.coords is None and not has_coords:
            coords = 2
        return coords + hits, -len(schema.required)

    pool = [s for s in spec.schemas if kind is None or s.kind == kind] or list(spec.schemas)
    return max(pool, key=fit)


def build_match(
    spec: LayerSpec, inf: Inference, rule: SourceSchema, *, name: str, origin: str
) -> SchemaMatch:
    """A SchemaMatch reading the inferred columns into `rule`'s canonical fields."""
    column_for: dict[str, str] = {}
    split: dict[str, tuple[str, int]] = {}
    taken: set[str] = set()
    for role, column in inf.roles.items():
        if role in ("lat", "lon", "x", "y"):
            continue
        canon = _canonical(rule, role, taken)
        if canon:
            column_for[canon] = column
            taken.add(canon)
    coords = None
    cx, cy = (rule.coords.x, rule.coords.y) if rule.coords else ("lon", "lat")
    if "lat" in inf.roles and "lon" in inf.roles:
        if inf.combined:
            lat_col, lon_col = inf.combined + LAT_PART, inf.combined + LON_PART
            split[lat_col] = (inf.combined, 0 if inf.lat_first else 1)
            split[lon_col] = (inf.combined, 1 if inf.lat_first else 0)
        else:
            lat_col, lon_col = inf.roles["lat"], inf.roles["lon"]
        column_for[cx], column_for[cy] = lon_col, lat_col
        coords = Coords(x=cx, y=cy, epsg=4326)
    elif "x" in inf.roles and "y" in inf.roles:
        column_for[cx], column_for[cy] = inf.roles["x"], inf.roles["y"]
        coords = Coords(x=cx, y=cy, epsg=0)  # 0: detected (etl.detect_crs)
    key_column = inf.roles.get("key")
    key_fields = [f for f, c in column_for.items() if c == key_column][:1]
    if key_fields and inf.key_partner:
        part = next((k for k in rule.key if k not in column_for), "source_key_part")
        column_for[part] = inf.key_partner
        key_fields.append(part)
    schema = SourceSchema(
        id=rule.id,
        columns={f: (c,) for f, c in column_for.items()},
        required=tuple(column_for),
        coords=coords if rule.coords is not None or coords is not None else None,
        key=tuple(key_fields),
        key_unique=inf.key_unique,
        kind=rule.kind,
    )
    return SchemaMatch(
        schema,
        column_for,
        name=name,
        origin=origin,
        split=split,
        mapping=tuple(inf.describe()),
        inference=inf,
    )


def parse_columns(texts: Sequence[str], roles: Sequence[str]) -> dict[str, str]:
    """`--columns name=쉼터명칭,lat=위도` (repeatable) as role -> column; ValueError for a
    role the layer does not know or a malformed item."""
    out: dict[str, str] = {}
    for text in texts:
        for item in text.split(","):
            if not item.strip():
                continue
            role, sep, column = item.partition("=")
            role, column = role.strip(), column.strip()
            if not sep or not role or not column:
                raise ValueError(f"--columns takes ROLE=COLUMN items, got {item!r}")
            if role not in roles:
                raise ValueError(f"unknown role {role!r}; roles: {', '.join(roles)}")
            out[role] = column
    return out
