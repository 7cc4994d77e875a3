"""Raster tile drawing: the cluster labels."""

import pytest

from layers.render import count_label


@pytest.mark.parametrize(
    ("count", "label"),
    [
        (1, "1"),
        (999, "999"),
        (1000, "1.0k"),
        (1234, "1.2k"),
        (1999, "1.9k"),
        (9951, "9.9k"),
        (9999, "9.9k"),
        (10000, "10k"),
        (23456, "23k"),
    ],
)
def test_count_label_rounds_thousands_down(count: int, label: str) -> None:
    assert count_label(count) == label
