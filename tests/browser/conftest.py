"""Fixtures of the browser tests: headless Chromium (Debian's, driven by Playwright), the app
on the real loaded database behind a live server, and "agency pages" on other localhost ports
that embed the widget in an iframe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from markupsafe import escape
from werkzeug.wrappers import Request, Response

from app import create_app
from tests.app.conftest import LiveServer, close_store
from tests.conftest import CHROMIUM

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"  # gitignored: screenshots and measurements
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-background-networking"]
SEOUL_CITY_HALL = {"latitude": 37.5665, "longitude": 126.978}


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def chromium(playwright: Any) -> Iterator[Any]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def serve(app: Flask) -> LiveServer:
    return LiveServer(app)


@pytest.fixture(scope="module")
def pages_url(loaded_db: tuple[str, list]) -> Iterator[str]:
    """The app as configured by default (the widget may be framed by any origin)."""
    app = create_app({"DATABASE_URL": loaded_db[0]})
    with serve(app) as server:
        yield server.url
    close_store(app)


class AgencyPage:
    """A page on another origin that embeds `?src=` in an iframe, like an agency's website."""

    def __init__(self) -> None:
        self.server = LiveServer(self.wsgi)
        self.url = self.server.url

    @staticmethod
    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        src = request.args.get("src", "")
        height = int(request.args.get("height", "420"))
        html = (
            '<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>기관 누리집</title>'
            '</head><body style="font-family: sans-serif; margin: 16px"><h1>○○구청 누리집</h1>'
            f'<iframe id="widget" src="{escape(src)}" title="공유지도" width="640" '
            f'height="{height}" style="border:1px solid #999"></iframe></body></html>'
        )
        return Response(html, mimetype="text/html")(environ, start_response)


@pytest.fixture(scope="module")
def agency_pages() -> Iterator[tuple[AgencyPage, AgencyPage]]:
    """Two agency pages on two more localhost ports (origins)."""
    first, second = AgencyPage(), AgencyPage()
    with first.server, second.server:
        yield first, second


@pytest.fixture(scope="module")
def restricted_url(
    loaded_db: tuple[str, list], agency_pages: tuple[AgencyPage, AgencyPage]
) -> Iterator[str]:
    """The app allowing only the first agency page to frame the widget."""
    allowed = agency_pages[0].url
    app = create_app({"DATABASE_URL": loaded_db[0], "SHAREMAP_EMBED_ALLOWED_ORIGINS": allowed})
    with serve(app) as server:
        yield server.url
    close_store(app)
