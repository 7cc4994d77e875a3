"""HIRA's hospital list (건강보험심사평가원 병원정보서비스, 전국 병의원 및 약국 현황): the
`hospitals` of a folder of per-시군구 JSON files, each keyed by the 시/도 and 시/군/구 its
address names, so that the screening lists of 2020–2022 can be matched against them."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from etl.geocode import SEJONG, canonical_sido, normalise_address, sido_spellings

# 시/군/구 keyed as another: one that moved between 시/도 after the screening lists were
# published, keyed as the newer (군위군, 경상북도 → 대구광역시 in 2023; HIRA files it under
# 대구), and a short form the lists use (`부산광역시 진구` for 부산진구)
SIGUNGU_ALIASES: dict[tuple[str, str], tuple[str, str]] = {
    ("경상북도", "군위군"): ("대구광역시", "군위군"),
    ("부산광역시", "진구"): ("부산광역시", "부산진구"),
}

RegionKey = tuple[str, str | None]


class HiraError(Exception):
    """The HIRA folder cannot be read; the message names the file."""


@dataclass(frozen=True)
class HiraRecord:
    """One HIRA hospital, clinic or public health centre with its WGS84 point."""

    name: str
    kind: str  # 종별코드명: 보건소, 보건의료원, 보건지소, 종합병원, 병원, 의원 …
    address: str
    region: RegionKey  # (canonical 시/도, 시/군/구 without its 일반구; None in 세종)
    lon: float
    lat: float
    phone: str | None
    source: str  # "<시도>/<시군구>.json"


def region_key(sido: str | None, city: str | None) -> RegionKey | None:
    """The matching key of a 시/도 and a 시/군/구 (its 시 for a 시 with 일반구: `성남시`),
    the 시/군/구 that moved being keyed as its newer 시/도; None without a 시/도, or without
    a 시/군/구 outside 세종."""
    if sido is None:
        return None
    if sido == SEJONG:
        return (SEJONG, None)
    if city is None:
        return None
    sido, city = SIGUNGU_ALIASES.get((sido, city), (sido, city))
    return (sido, city)


def address_region(
    address: str | None, sido: str | None = None, sigungu: str | None = None
) -> RegionKey | None:
    """The region key of an address, with a row's own 시도/시군구 texts filling in what the
    address leaves out (`남부순환로2637` in a 서울 강남구 row)."""
    ak = normalise_address(address, sido=sido, sigungu=sigungu) if address else None
    if ak is None:
        ak = normalise_address(f"{sido or ''} {sigungu or ''}".strip() or None)
    if ak is None:
        return None
    return region_key(ak.sido, ak.city)


def read_hira(folder: Path) -> Iterator[HiraRecord]:
    """The `hospitals` of every `<시도>/<시군구>.json` under `folder` with a name and a point
    (`pharmacies` are not read). A record whose address gives no region takes its file's
    시/도 and, where HIRA's 시군구 is a plain one (`강남구`, `가평군`), that too."""
    files = sorted(Path(folder).glob("*/*.json"))
    if not files:
        raise HiraError(f"{folder}: no <시도>/<시군구>.json files")
    for path in files:
        yield from _read_file(path)


def _read_file(path: Path) -> Iterator[HiraRecord]:
    source = f"{path.parent.name}/{path.name}"
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise HiraError(f"{source}: {exc}") from None
    hospitals = data.get("hospitals") if isinstance(data, dict) else None
    if not isinstance(hospitals, list):
        raise HiraError(f"{source}: no `hospitals` array")
    file_sido = canonical_sido(path.parent.name)
    file_sgg = path.stem
    for item in hospitals:
        record = _record(item, source, file_sido, file_sgg)
        if record is not None:
            yield record


def _record(item: Any, source: str, file_sido: str | None, file_sgg: str) -> HiraRecord | None:
    if not isinstance(item, dict):
        return None
    name, address = _text(item.get("name")), _text(item.get("addr")) or ""
    lon, lat = _number(item.get("x")), _number(item.get("y"))
    if name is None or lon is None or lat is None:
        return None
    # parsed without the file's hints first: the matcher parses it so too (one cache entry)
    region = address_region(address) or address_region(address, file_sido)
    if region is None:
        region = region_key(file_sido, _plain_sigungu(file_sido, file_sgg))
    if region is None:
        return None
    return HiraRecord(
        name=name,
        kind=_text(item.get("cl_nm")) or "",
        address=address,
        region=region,
        lon=lon,
        lat=lat,
        phone=_text(item.get("tel")),
        source=source,
    )


def _plain_sigungu(sido: str | None, sgg: str) -> str | None:
    """The 시/군/구 a HIRA 시군구 name stands for when it can be told without the address: a
    시 or 군, or a 구 of a 특별시/광역시, without the 시/도 prefix HIRA gives some (`대구남구`
    → `남구`, `대구군위군` → `군위군`); None for the 구 of a 시 (`성남분당구`)."""
    metro = sido is not None and sido.endswith(("특별시", "광역시"))
    short = next((a for a in sido_spellings(sido) if len(a) == 2), None) if sido else None
    if metro and short and sgg.startswith(short) and len(sgg) >= len(short) + 2:
        sgg = sgg[len(short) :]
    if sgg.endswith(("시", "군")) or (metro and sgg.endswith("구")):
        return sgg
    return None


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
