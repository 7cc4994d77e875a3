"""What a geocoder answers: a point and how precise it is, and the online geocoder's shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

# "facility": placed at the named facility's own record (etl.site_match), not by its address
Precision = Literal["facility", "address", "building", "dong", "sigungu"]
# finest first
PRECISIONS: tuple[Precision, ...] = ("facility", "address", "building", "dong", "sigungu")


@dataclass(frozen=True)
class Geocode:
    lon: float
    lat: float
    precision: Precision
    matched: str  # what matched: the address key, the name, or the admin area


class OnlineGeocoder(Protocol):
    """An address search service; returns only answers it can stand behind, else None."""

    def geocode(self, address: str) -> Geocode | None: ...
