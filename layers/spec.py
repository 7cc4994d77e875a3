"""What a layer is: its id, titles, fields and the source schemas it knows, as data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from geo.hours import parse_hours
from layers.bilingual import Bilingual

FieldType = Literal["text", "int", "float", "bool", "date", "json"]

# A source row after header matching: canonical field name -> cleaned text (None when blank).
Mapped = Mapping[str, str | None]


@dataclass(frozen=True)
class Field:
    """A layer-specific property (the common fields are the same for every layer)."""

    name: str
    type: FieldType
    label: Bilingual
    queryable: bool = True


@dataclass(frozen=True)
class Coords:
    """Where a schema keeps its coordinates: x/y column fields and their CRS."""

    x: str  # canonical field holding lon (EPSG:4326) or easting
    y: str  # canonical field holding lat (EPSG:4326) or northing
    epsg: int = 4326


# the usual layout: WGS84 longitude and latitude in the canonical fields `lon` and `lat`
LON_LAT = Coords(x="lon", y="lat", epsg=4326)


@dataclass(frozen=True)
class SourceSchema:
    """One header layout a layer can read.

    `columns` maps a canonical field name to the column names (aliases) that carry it;
    a file matches when all `required` fields are found in its header.
    """

    id: str
    columns: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]
    coords: Coords | None
    # canonical fields whose joined values form the source's own key, when it has one
    key: tuple[str, ...] = ()
    # the source's own key is unique within one file (else ids fall back to a content hash)
    key_unique: bool = True
    header_rows: int = 1
    # the kind of input for layers built from two kinds (testing_site_parking)
    kind: str = "features"


@dataclass(frozen=True)
class Normalised:
    """The common fields a layer's rule derives from a mapped row (coordinates excluded)."""

    name: str | None
    address: str | None
    phone: str | None = None
    opening_hours_raw: str | None = None
    fee: Literal["free", "paid", "unknown"] = "unknown"
    fee_text: str | None = None
    wheelchair: bool | None = None
    updated_at: str | None = None  # ISO date
    props: Mapping[str, Any] = field(default_factory=dict)
    # a structured schedule built from separate day columns (a geo.hours.Schedule); when
    # None, the loader reads `opening_hours_raw` with the layer's `read_hours`
    schedule: Any = None
    # a reason to reject the row (closed business, removed facility, ...), or None
    reject: str | None = None
    # text used for the content-hash id when the source has no unique key
    dedupe_key: str | None = None


@dataclass(frozen=True)
class Shape:
    """One stroke of a map pictogram, in a box of half-width 1 around the marker's centre
    (x right, y down): an ellipse (x0, y0, x1, y1), a polygon, a rectangle (x0, y0, x1, y1),
    a line through its points, or a text of height `size`. `width` is the outline or line
    width in tile pixels (0: filled)."""

    kind: Literal["ellipse", "polygon", "rectangle", "line", "text"]
    points: tuple[float, ...] = ()
    width: float = 0.0
    text: str = ""
    size: float = 0.0


@dataclass(frozen=True)
class Icon:
    """A layer's map symbol: a short name (for map styles) and its white pictogram, drawn
    inside the point markers of the raster tiles (layers/render.py)."""

    name: str
    shapes: tuple[Shape, ...] = ()


@dataclass(frozen=True)
class Derivation:
    """How the loader builds a derived layer instead of loading its rows as they are.

    The layer's rows of schema kind `features_kind` are read, placed and given ids like any
    point layer's; the files of the schema kinds in `inputs` are read too (from the given
    files, else the source directory); then `derive` — an "etl.module:function" the loader
    imports (layers never import etl) — makes the layer's records from both (etl/jobs.py
    documents its arguments). `companions` are layers whose records the derivation also
    returns: they are written, and rolled back, together with this layer.
    """

    derive: str
    features_kind: str = "features"
    inputs: tuple[str, ...] = ()
    companions: tuple[str, ...] = ()


_TITLE_AS_NOUN = Bilingual("", "")


@dataclass(frozen=True)
class LayerSpec:
    id: str
    title: Bilingual
    description: Bilingual
    colour: str  # "#rrggbb", used by map styles and raster tiles
    icon: Icon
    fields: tuple[Field, ...]
    schemas: tuple[SourceSchema, ...]
    # mapped source row -> normalised fields; pure, no I/O
    normalise: Callable[[str, Mapped], Normalised]
    # where the layer comes in every list of layers (the registry sorts by order, then id)
    order: int = 1000
    # the layer named inside a sentence ("… 공중화장실, 무더위쉼터 …"); default: the title
    # (in lower case in English)
    noun: Bilingual = _TITLE_AS_NOUN
    # merge: rows of different sources closer than this with matching names are one feature
    dedupe_radius_m: float = 50.0
    # generic words ending a name that say what kind of place it is, not which one (regular
    # expressions, matched at the end of a name reduced by etl.merge.name_key)
    generic_name_words: tuple[str, ...] = ()
    # the layer fields the map tiles carry besides id, name and fee (at most a few)
    tile_fields: tuple[str, ...] = ()
    # the layer's placed rows teach the offline gazetteer (etl/geocode/gazetteer.py) the places and
    # addresses it uses to place rows without coordinates, of every layer (when False, of
    # this layer's rows only)
    gazetteer_source: bool = True
    # searched by /api/near without `layers=`, and shown on the pages' first view
    near_default: bool = True
    first_view: bool = True
    # a layer built by the loader from its own rows and other inputs (None: loaded as read)
    derivation: Derivation | None = None
    # how the layer's opening_hours_raw is read into a geo.hours.Schedule (or None)
    read_hours: Callable[[str], Any] = parse_hours

    def __post_init__(self) -> None:
        if self.noun == _TITLE_AS_NOUN:
            object.__setattr__(self, "noun", Bilingual(self.title.ko, self.title.en.lower()))

    def schema(self, schema_id: str) -> SourceSchema:
        for s in self.schemas:
            if s.id == schema_id:
                return s
        raise KeyError(f"layer {self.id!r} has no source schema {schema_id!r}")
