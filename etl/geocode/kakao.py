"""The online geocoder: Kakao Local's address search, asked only for answers it can place at
one building (off unless a REST API key is configured)."""

from __future__ import annotations

import json
import math
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

from etl.geocode.result import Geocode

Opener = Callable[..., Any]


class KakaoGeocoder:
    """Kakao Local address search (needs a REST API key; off unless one is configured)."""

    URL = "https://dapi.kakao.com/v2/local/search/address.json"

    def __init__(
        self, rest_key: str, *, timeout_s: float = 5.0, opener: Opener | None = None
    ) -> None:
        if not rest_key:
            raise ValueError("a Kakao REST API key is required")
        self._key = rest_key
        self._timeout_s = timeout_s
        self._open: Opener = opener or urllib.request.urlopen

    def request(self, address: str) -> urllib.request.Request:
        query = urllib.parse.urlencode({"query": address, "analyze_type": "exact"})
        return urllib.request.Request(
            f"{self.URL}?{query}", headers={"Authorization": f"KakaoAK {self._key}"}
        )

    def geocode(self, address: str) -> Geocode | None:
        with self._open(self.request(address), timeout=self._timeout_s) as resp:
            data = json.loads(resp.read().decode("utf-8"))
        docs = data.get("documents") or []
        if len(docs) != 1:  # none, or ambiguous
            return None
        doc = docs[0]
        # REGION / ROAD answers name an area or a whole road, not a building
        if doc.get("address_type") not in ("ROAD_ADDR", "REGION_ADDR"):
            return None
        lon, lat = float(doc["x"]), float(doc["y"])
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return None
        return Geocode(lon, lat, "address", f"kakao: {doc.get('address_name') or address}")
