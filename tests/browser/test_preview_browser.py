"""In a real browser: headless Chromium opens the MapLibre preview page served by the app, which
loads /style.json, the TileJSON and the vector tiles, and draws points over Seoul."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from werkzeug.serving import make_server

from app import create_app
from layers import registry
from tests.conftest import CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]


@pytest.fixture(scope="module")
def base_url(loaded_db: tuple[str, list]) -> Iterator[str]:
    app = create_app({"DATABASE_URL": loaded_db[0]})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def test_maplibre_draws_points_over_seoul(base_url: str, tmp_path: Path, playwright: Any) -> None:
    tiles: list[tuple[int, str]] = []
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        page = browser.new_page(viewport={"width": 800, "height": 600})
        page.on(
            "response",
            lambda r: tiles.append((r.status, r.url)) if ".mvt" in r.url else None,
        )
        page.goto(f"{base_url}/tiles/preview#lon=126.978&lat=37.5665&zoom=11")
        page.wait_for_function("document.body.dataset.idle === '1'", timeout=60_000)
        errors = page.evaluate("window.sharemap.errors")
        shot = page.locator("#map canvas").screenshot()
        (tmp_path / "seoul.png").write_bytes(shot)
    finally:
        browser.close()

    assert not errors, errors
    ok = [url for status, url in tiles if status == 200]
    assert ok, f"no tile request succeeded: {tiles}"
    assert all("?v=" in url for url in ok)  # the TileJSON's versioned URLs

    image = Image.open(io.BytesIO(shot)).convert("RGB")
    colours = {registry.get(layer_id).colour for layer_id in registry.LAYER_IDS}
    targets = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in colours]
    background = image.getpixel((2, 2))
    pixels = list(image.get_flattened_data())
    drawn = sum(1 for p in pixels if p != background)
    # circles are drawn at 0.85 opacity over the base map: near a layer colour, not exactly it
    near_layer = sum(
        1
        for p in pixels
        if any(sum(abs(a - b) for a, b in zip(p, t, strict=True)) < 60 for t in targets)
    )
    assert drawn > 0.05 * len(pixels), "the canvas is blank"
    assert near_layer > 500, f"no points drawn ({near_layer} pixels in a layer colour)"
