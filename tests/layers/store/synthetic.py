"""Synthetic features around central Seoul for the store tests."""

from __future__ import annotations

import random

from layers.record import FeatureRecord


def synthetic(layer: str, n: int, seed: int = 1, name: str = "place") -> list[FeatureRecord]:
    rnd = random.Random(seed)
    return [
        FeatureRecord(
            layer=layer,
            id=f"{layer}:test:{i:05d}",
            name=f"{name} {i}",
            lon=round(126.9 + rnd.random() * 0.2, 7),
            lat=round(37.5 + rnd.random() * 0.1, 7),
            address=f"서울특별시 중구 세종대로 {i}",
            sido="서울특별시",
            sigungu="중구" if i % 2 else "종로구",
            fee="free" if i % 3 else "paid",
            source=f"synthetic.csv#{i + 2}",
            props={"capacity": i, "kind": "a" if i % 2 else "b"},
        )
        for i in range(n)
    ]
