"""Offline geocoding of Korean addresses: an address parser (`address`), a gazetteer built from
the loaded files' own coordinates and the admin-area centroids (`gazetteer`), with an optional
online step (`kakao`).

Every answer says how precise it is (address, building, dong, sigungu); a coarse match is
never labelled as a finer one.
"""

from etl.geocode.address import (
    SEJONG,
    SIDO_NAMES,
    AddressKey,
    canonical_sido,
    legal_place,
    normalise_address,
    sido_spellings,
)
from etl.geocode.gazetteer import (
    ADDRESS_SPREAD_M,
    DONG_SPREAD_M,
    NAME_SPREAD_M,
    AdminCentroid,
    Gazetteer,
    name_variants,
    read_centroids,
)
from etl.geocode.kakao import KakaoGeocoder
from etl.geocode.result import PRECISIONS, Geocode, OnlineGeocoder, Precision

__all__ = [
    "ADDRESS_SPREAD_M",
    "DONG_SPREAD_M",
    "NAME_SPREAD_M",
    "PRECISIONS",
    "SEJONG",
    "SIDO_NAMES",
    "AddressKey",
    "AdminCentroid",
    "Gazetteer",
    "Geocode",
    "KakaoGeocoder",
    "OnlineGeocoder",
    "Precision",
    "canonical_sido",
    "legal_place",
    "name_variants",
    "normalise_address",
    "read_centroids",
    "sido_spellings",
]
