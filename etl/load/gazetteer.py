"""The gazetteers a load geocodes with: built from the located rows of every default file
of the source directory (read once per process), plus the given files' rows."""

from __future__ import annotations

from collections.abc import Sequence

from etl.load.inputs import JobSettings, available_inputs, features_kind
from etl.load.locate import Geocoder, Located, read_and_locate
from etl.load.regions import REGIONS
from etl.load.rows import Candidate
from etl.regions import RegionIndex
from layers import registry
from layers.spec import LayerSpec

CENTROIDS_SCHEMA = "admin_centroids"


class SourceDirectory:
    """Every default point file of the source directory, read once per process: each load
    builds its gazetteer from all of them (so geocoding gives the same answer whichever
    layers or files are loaded). Keyed by the files' sizes and times; never mutated."""

    _cached: tuple[tuple[object, ...], SourceDirectory] | None = None

    def __init__(self, settings: JobSettings, regions: RegionIndex) -> None:
        self.settings = settings
        self.located: dict[str, Located] = {}
        for lid in registry.LAYER_IDS:
            spec = registry.get(lid)
            kind = features_kind(spec)
            files = available_inputs(lid, settings.source_dir, kind=kind)
            self.located[lid] = read_and_locate(spec, files, regions, kind=kind)
        self.paths = {
            i.path.resolve()
            for lid in registry.LAYER_IDS
            for i in available_inputs(lid, settings.source_dir)
        }
        self._gazetteer: Geocoder | None = None

    @classmethod
    def get(cls, settings: JobSettings, regions: RegionIndex) -> SourceDirectory:
        key = _identity(settings)
        if cls._cached is None or cls._cached[0] != key:
            cls._cached = (key, cls(settings, regions))
        return cls._cached[1]

    def gazetteer(self, extra: Sequence[Candidate] = ()) -> Geocoder:
        """The gazetteer of every default file's located rows, plus `extra` rows that are
        not already among them (a place listed twice would weigh twice in its medians)."""
        known = {_observation(c) for c in self._all_located()} if extra else set()
        extra = [c for c in extra if _observation(c) not in known]
        if extra:
            return build_gazetteer([*self._all_located(), *extra], self.settings)
        if self._gazetteer is None:
            self._gazetteer = build_gazetteer(self._all_located(), self.settings)
        return self._gazetteer

    def _all_located(self) -> list[Candidate]:
        return [
            c
            for lid, loc in self.located.items()
            if registry.get(lid).gazetteer_source
            for c in loc.located
        ]


class Gazetteers:
    """The gazetteers of one load, each built when first needed: the shared one (the placed
    rows of every default file, plus the given files'), and for a layer that teaches no
    other (LayerSpec.gazetteer_source False) the shared one plus its own placed rows."""

    def __init__(self, settings: JobSettings, regions: RegionIndex, fresh: dict[str, Located]):
        self.settings, self.regions, self.fresh = settings, regions, fresh
        self._directory: SourceDirectory | None = None
        self._shared: Geocoder | None = None

    def directory(self) -> SourceDirectory:
        if self._directory is None:
            self._directory = SourceDirectory.get(self.settings, self.regions)
        return self._directory

    def _extra(self) -> list[Candidate]:
        """The given files' placed rows (those of the source directory's own files are in
        the gazetteer already)."""
        paths = self.directory().paths
        return [
            c
            for lid, loc in self.fresh.items()
            if registry.get(lid).gazetteer_source
            for c in loc.located
            if c.file.path.resolve() not in paths
        ]

    def for_layer(self, spec: LayerSpec, located: Located) -> Geocoder:
        if not spec.gazetteer_source:
            return self.directory().gazetteer([*self._extra(), *located.located])
        if self._shared is None:
            self._shared = self.directory().gazetteer(self._extra())
        return self._shared


def _observation(c: Candidate) -> tuple[object, ...]:
    """What the gazetteer learns from a located row."""
    m = c.mapped
    return (m.get("road_address"), m.get("lot_address"), c.norm.address, c.norm.name, c.lon, c.lat)


def _identity(settings: JobSettings) -> tuple[object, ...]:
    files = []
    for s in registry.sources():
        path = settings.source_dir / s.path
        if s.default and path.is_file():
            stat = path.stat()
            files.append((str(path.resolve()), stat.st_size, stat.st_mtime_ns))
    return (str(settings.source_dir), settings.kakao_rest_key, tuple(files))


def build_gazetteer(located: Sequence[Candidate], settings: JobSettings) -> Geocoder:
    """The offline gazetteer: addresses and names of every located row, plus admin centroids."""
    from etl.geocode import Gazetteer, KakaoGeocoder, read_centroids

    centroids = next(i for i in registry.sources_for(REGIONS) if i.schema == CENTROIDS_SCHEMA)
    path = settings.source_dir / centroids.path
    online = KakaoGeocoder(settings.kakao_rest_key) if settings.kakao_rest_key else None
    return Gazetteer.from_candidates(
        located, read_centroids(path) if path.is_file() else [], online=online
    )
