"""The pages in headless Chromium: the phone page /near (geolocation, layer toggles, place
search, map taps, directions links, keyboard, labels and contrast), the widget in an iframe on
other origins (and frame-ancestors), the network log, and the first-load page weight."""

from __future__ import annotations

import gzip
import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest

from layers import registry
from tests.browser.conftest import SEOUL_CITY_HALL, AgencyPage

pytestmark = [pytest.mark.browser, pytest.mark.postgis, pytest.mark.slow]

PHONE = {"width": 360, "height": 640}
WEIGHT_BUDGET_BYTES = 300 * 1024
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def get_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return dict(json.loads(response.read()))


def near_api(base: str, lat: float, lon: float, layer: str, limit: int = 5) -> list[dict[str, Any]]:
    q = f"lat={lat:.6f}&lon={lon:.6f}&layers={layer}&limit={limit}&lang=ko"
    return list(get_json(f"{base}/api/near?{q}")["features"])


def distance_text(m: float) -> str:
    """The page's formatting of a distance."""
    return f"{round(m)} m" if m < 1000 else f"{m / 1000:.1f} km"


@pytest.fixture
def phone(chromium: Any) -> Iterator[Any]:
    """A 360×640 phone context whose location is Seoul City Hall, permission granted."""
    context = chromium.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        geolocation=SEOUL_CITY_HALL,
        permissions=["geolocation"],
        locale="ko-KR",
    )
    yield context
    context.close()


def wait_until(page: Any, expression: str, timeout_s: float = 30.0) -> None:
    """Poll a JavaScript expression until it is truthy (wait_for_function evaluates strings
    with eval, which the pages' Content-Security-Policy forbids)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(100)


def wait_for_results(page: Any) -> None:
    wait_until(page, "document.body.dataset.ready === '1' && !document.body.dataset.loading")


def result_layers(page: Any) -> list[str]:
    return list(page.eval_on_selector_all("li.result", "els => els.map(e => e.dataset.layer)"))


# -- /near ----------------------------------------------------------------------------------------


def test_geolocation_lists_the_nearest_public_toilet(
    phone: Any, pages_url: str, artifacts: Path
) -> None:
    page = phone.new_page()
    page.goto(f"{pages_url}/near")
    page.click("#locate")
    wait_for_results(page)

    lat, lon = SEOUL_CITY_HALL["latitude"], SEOUL_CITY_HALL["longitude"]
    expected = near_api(pages_url, lat, lon, "public_toilets", limit=1)[0]
    item = page.locator('li.result[data-layer="public_toilets"]').first
    assert item.get_attribute("data-id") == expected["id"]
    assert item.locator(".name").inner_text().endswith(expected["properties"]["name"])
    assert item.locator(".distance").inner_text() == distance_text(
        expected["properties"]["distance_m"]
    )
    assert float(item.get_attribute("data-distance-m")) == expected["properties"]["distance_m"]
    distances = page.eval_on_selector_all("li.result", "els => els.map(e => +e.dataset.distanceM)")
    assert distances == sorted(distances)
    # the same places on the map, numbered as in the list
    assert page.locator(".pin").count() == page.locator("li.result").count()
    page.screenshot(path=str(artifacts / "near-ko-360x640.png"))
    page.evaluate("window.scrollTo(0, document.getElementById('map').offsetTop - 8)")
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "near-ko-360x640-map-and-list.png"))


def test_toggling_a_layer_changes_the_list(phone: Any, pages_url: str) -> None:
    page = phone.new_page()
    page.goto(f"{pages_url}/near")
    page.click("#locate")
    wait_for_results(page)
    before = result_layers(page)
    assert "public_toilets" in before and len(set(before)) > 1

    page.click(".options summary")
    page.uncheck('input[name="layer"][value="public_toilets"]')
    wait_until(
        page,
        "!document.body.dataset.loading && "
        "![...document.querySelectorAll('li.result')].some(e => e.dataset.layer === 'public_toilets')",
    )
    after = result_layers(page)
    assert after and "public_toilets" not in after
    assert set(after) == set(before) - {"public_toilets"}

    page.check("#free")  # a filter asks the API again: every result is free
    page.wait_for_timeout(100)
    wait_until(page, "!document.body.dataset.loading")
    fees = page.eval_on_selector_all(
        "li.result .badges .badge:nth-child(2)", "els => els.map(e => e.className)"
    )
    assert fees and all("fee-free" in f for f in fees)


def test_a_testing_site_lists_its_parking_free_first(phone: Any, pages_url: str) -> None:
    lat, lon = SEOUL_CITY_HALL["latitude"], SEOUL_CITY_HALL["longitude"]
    sites = near_api(pages_url, lat, lon, "testing_sites", limit=20)
    site = next(
        f
        for f in sites
        if 0 < f["properties"]["details"]["free_lots"] < f["properties"]["details"]["lots"] <= 100
    )
    details = site["properties"]["details"]
    site_lon, site_lat = site["geometry"]["coordinates"]
    page = phone.new_page()
    page.goto(f"{pages_url}/near?lat={site_lat}&lon={site_lon}&layers=testing_sites")
    wait_for_results(page)
    item = page.locator(f'li.result[data-id="{site["id"]}"]')
    counts = item.locator(".site-parking-counts").inner_text()
    assert str(details["lots"]) in counts and str(details["free_lots"]) in counts
    item.locator(".site-parking-show").click()
    wait_until(page, "document.querySelectorAll('li.site-parking-lot').length > 0")
    fees = item.locator("li.site-parking-lot").evaluate_all("els => els.map(e => e.dataset.fee)")
    assert len(fees) == details["lots"]
    assert fees[: details["free_lots"]] == ["free"] * details["free_lots"]
    assert "free" not in fees[details["free_lots"] :]


def test_directions_and_phone_links_carry_the_right_place(phone: Any, pages_url: str) -> None:
    page = phone.new_page()
    page.goto(f"{pages_url}/near")
    page.click("#locate")
    wait_for_results(page)
    lat, lon = SEOUL_CITY_HALL["latitude"], SEOUL_CITY_HALL["longitude"]
    truth = {
        f["id"]: f for layer in registry.LAYER_IDS for f in near_api(pages_url, lat, lon, layer)
    }
    items = page.locator("li.result")
    assert items.count() >= 5
    for i in range(items.count()):
        item = items.nth(i)
        f = truth[item.get_attribute("data-id")]
        flon, flat = f["geometry"]["coordinates"]
        name = f["properties"]["name"]

        kakao = item.locator("a.kakao").get_attribute("href")
        assert kakao.startswith("https://map.kakao.com/link/to/")
        kname, klat, klng = kakao.removeprefix("https://map.kakao.com/link/to/").rsplit(",", 2)
        assert unquote(kname) == name.replace(",", " ")
        assert (float(klat), float(klng)) == (flat, flon)

        app_link = urlsplit(item.locator("a.naver").get_attribute("data-app-href"))
        assert (app_link.scheme, app_link.netloc, app_link.path) == ("nmap", "route", "/walk")
        q = parse_qs(app_link.query)
        assert (float(q["dlat"][0]), float(q["dlng"][0])) == (flat, flon)
        assert q["dname"] == [name] and q["appname"] == [pages_url]
        web = item.locator("a.naver").get_attribute("data-web-href")
        assert web.startswith("https://map.naver.com/") and f"/{flon},{flat}," in web
        assert item.locator("a.naver").get_attribute("href") == web  # a desktop browser: the web

        phone_number = f["properties"]["phone"]
        tel = item.locator("a.tel")
        if phone_number:
            assert tel.get_attribute("href") == "tel:" + "".join(
                c for c in phone_number if c.isdigit() or c == "+"
            )
        else:
            assert tel.count() == 0


def test_place_search_and_map_taps_stand_in_for_geolocation(
    chromium: Any, pages_url: str, artifacts: Path
) -> None:
    context = chromium.new_context(viewport=PHONE, locale="en-US")  # no location permission
    page = context.new_page()
    page.goto(f"{pages_url}/near?lang=en")
    page.fill("#q", "강남구")
    page.press("#q", "Enter")
    page.wait_for_selector("#places li button")
    first = page.locator("#places li button").first
    assert "강남구" in first.inner_text() and "서울특별시" in first.inner_text()
    first.click()
    wait_for_results(page)
    assert "강남구" in page.locator("#summary").inner_text()
    place = get_json(f"{pages_url}/api/places?q={quote('강남구')}&limit=1")["features"][0]
    plon, plat = place["geometry"]["coordinates"]
    nearest = near_api(pages_url, plat, plon, "public_toilets", limit=1)[0]
    toilet = page.locator('li.result[data-layer="public_toilets"]').first
    assert toilet.get_attribute("data-id") == nearest["id"]

    page.wait_for_timeout(600)  # the map's zoom animation to the results
    page.locator("#map").scroll_into_view_if_needed()
    # tap the map where neither a pin nor a control is
    spot = page.evaluate(FREE_MAP_SPOT)
    assert spot, "no free spot on the map"
    page.mouse.click(spot["x"], spot["y"])
    wait_until(
        page,
        "!document.body.dataset.loading && "
        "document.getElementById('summary').textContent.includes('the chosen point')",
    )
    tapped = page.evaluate("[window.sharemapNear.state.lat, window.sharemapNear.state.lon]")
    nearest = near_api(pages_url, tapped[0], tapped[1], "public_toilets", limit=1)[0]
    toilet = page.locator('li.result[data-layer="public_toilets"]').first
    assert toilet.get_attribute("data-id") == nearest["id"]
    assert toilet.locator(".distance").inner_text() == distance_text(
        nearest["properties"]["distance_m"]
    )
    page.screenshot(path=str(artifacts / "near-en-search.png"))
    context.close()


FREE_MAP_SPOT = """() => {
  const box = document.getElementById('map').getBoundingClientRect();
  for (let fy = 0.2; fy < 0.9; fy += 0.1) for (let fx = 0.3; fx < 0.9; fx += 0.1) {
    const x = box.left + box.width * fx, y = box.top + box.height * fy;
    const hit = document.elementFromPoint(x, y);
    if (hit && hit.closest('#map') && !hit.closest('.leaflet-marker-icon, .leaflet-control, .leaflet-popup'))
      return { x, y };
  }
  return null;
}"""


def test_the_page_works_by_keyboard_with_labels_and_aa_contrast(
    chromium: Any, pages_url: str
) -> None:
    context = chromium.new_context(viewport=PHONE, geolocation=SEOUL_CITY_HALL)
    page = context.new_page()
    page.goto(f"{pages_url}/near")
    # granted after the load, so that only the button asks for the location
    context.grant_permissions(["geolocation"])
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "locate":
            break
    assert page.evaluate("document.activeElement.id") == "locate"
    page.keyboard.press("Enter")
    wait_for_results(page)
    # "show on the map" by keyboard opens the marker's popup
    page.locator("li.result button.show").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".leaflet-popup-content")

    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button')]
            .filter(e => e.type !== 'hidden')
            .filter(e => !((e.labels && e.labels.length) || e.getAttribute('aria-label') ||
                           e.getAttribute('title') || e.textContent.trim()))
            .map(e => e.outerHTML)"""
    )
    assert unlabelled == []
    failures = page.evaluate(CONTRAST_AUDIT)
    context.close()
    assert failures == [], failures


# WCAG 2.x contrast of every element with its own visible text against its (composited)
# background: 4.5:1, or 3:1 for large text (24 px, or 18.66 px bold).
CONTRAST_AUDIT = """() => {
  const parse = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2], m.length > 3 ? m[3] : 1]; };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3]));
  const background = (el) => { const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c[3] > 0) layers.push(c); if (c[3] === 1) break; }
    return layers.reverse().reduce((acc, c) => over(c, acc), [255, 255, 255]); };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none' || el.closest('.sr-only, [hidden]')) continue;
    const fg = parse(s.color), bg = background(el);
    const L1 = lum(over(fg, bg)), L2 = lum(bg);
    const ratio = (Math.max(L1, L2) + 0.05) / (Math.min(L1, L2) + 0.05);
    const size = parseFloat(s.fontSize), bold = +s.fontWeight >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) out.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return out;
}"""


# -- the widget -------------------------------------------------------------------------------------


def embed_src(base: str, **params: str) -> str:
    return f"{base}/embed?" + "&".join(f"{k}={v}" for k, v in params.items())


def frame_ready(page: Any) -> Any:
    frame = page.frame_locator("#widget")
    frame.locator("body[data-ready]").wait_for(timeout=30_000)
    return frame


def test_the_widget_renders_markers_in_an_iframe_on_another_origin(
    chromium: Any, pages_url: str, agency_pages: tuple[AgencyPage, AgencyPage], artifacts: Path
) -> None:
    agency = agency_pages[1]
    assert urlsplit(agency.url).port != urlsplit(pages_url).port
    page = chromium.new_page(viewport={"width": 700, "height": 560})
    src = embed_src(
        pages_url,
        lat="37.5665",
        lon="126.978",
        zoom="16",
        cluster="false",
        layers="public_toilets,bike_stations",
    )
    page.goto(f"{agency.url}/?src={quote(src, safe='')}")
    frame = frame_ready(page)
    markers = frame.locator(".leaflet-marker-icon")
    assert markers.count() > 5
    state = page.frame(url=lambda u: "/embed" in u).evaluate("window.sharemapEmbed.state")
    assert state["markers"] == markers.count() and state["errors"] == []
    # the markers are the API's features in view, named as the features
    titles = set(frame.locator(".leaflet-marker-icon").evaluate_all("els => els.map(e => e.title)"))
    assert "서울시청 본관 B1층 시민청 외부" in titles or len(titles) > 5
    page.screenshot(path=str(artifacts / "embed-in-agency-page.png"))
    # the list view: the same places as buttons, by keyboard
    frame.locator(".sm-list-button").focus()
    page.keyboard.press("Enter")
    listed = frame.locator("#sm-list li button")
    assert listed.count() == markers.count()
    assert frame.locator(".sm-close").evaluate("e => e === document.activeElement")
    page.keyboard.press("Escape")
    assert frame.locator("#sm-list").is_hidden()
    # no cookies, no key
    assert page.context.cookies() == []
    assert page.frame(url=lambda u: "/embed" in u).evaluate("document.cookie") == ""

    clustered = embed_src(pages_url, zoom="15")
    page.goto(f"{agency.url}/?src={quote(clustered, safe='')}")
    frame = frame_ready(page)
    assert frame.locator(".sm-cluster").count() + frame.locator(".sm-pin").count() > 10
    page.close()


def test_frame_ancestors_blocks_a_disallowed_origin(
    chromium: Any, restricted_url: str, agency_pages: tuple[AgencyPage, AgencyPage]
) -> None:
    allowed, other = agency_pages
    src = quote(embed_src(restricted_url, zoom="16"), safe="")
    page = chromium.new_page()
    page.goto(f"{allowed.url}/?src={src}")
    frame_ready(page)
    assert page.frame_locator("#widget").locator(".leaflet-container").count() == 1

    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "frame-ancestors" in m.text else None)
    responses: list[Any] = []
    page.on("response", lambda r: responses.append(r) if "/embed" in r.url else None)
    page.goto(f"{other.url}/?src={src}")
    page.wait_for_timeout(1500)
    assert (
        responses
        and "frame-ancestors 'self' " + allowed.url
        in responses[0].headers["content-security-policy"]
    )
    child = page.frames[1]
    assert child.evaluate("document.querySelector('.leaflet-container')") is None
    assert refused, "Chromium did not report the refused frame"
    page.close()


# -- the network log and the page weight ---------------------------------------------------------


def test_no_request_leaves_localhost(
    chromium: Any, pages_url: str, agency_pages: tuple[AgencyPage, AgencyPage]
) -> None:
    context = chromium.new_context(
        viewport=PHONE, geolocation=SEOUL_CITY_HALL, permissions=["geolocation"]
    )
    requested: list[str] = []
    context.on("request", lambda r: requested.append(r.url))
    page = context.new_page()
    page.goto(f"{pages_url}/near")
    page.click("#locate")
    wait_for_results(page)
    page.fill("#q", "해운대")
    page.press("#q", "Enter")
    page.wait_for_selector("#places li button")
    page.locator("#places li button").first.click()
    wait_for_results(page)
    for zoom in ("11", "16"):
        page.goto(f"{agency_pages[0].url}/?src={quote(embed_src(pages_url, zoom=zoom), safe='')}")
        frame_ready(page)
    page.goto(f"{pages_url}/embed/builder")
    page.frame_locator("#preview").locator("body[data-ready]").wait_for(timeout=30_000)
    context.close()

    assert len(requested) > 30
    outside = [
        u
        for u in requested
        if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname not in LOCAL_HOSTS
    ]
    assert outside == []
    kinds = {urlsplit(u).path.split("/")[1] for u in requested}
    assert {"near", "api", "static", "tiles", "embed", "collections"} <= kinds


def first_load(chromium: Any, url: str, ready: str) -> dict[str, Any]:
    """Bytes of every response of a first visit (empty cache) but the map tiles: as served
    and gzip-compressed (what a proxy with gzip on sends)."""
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    responses: list[Any] = []
    page.on("response", lambda r: responses.append(r))
    page.goto(url, wait_until="networkidle")
    wait_until(page, ready)
    page.wait_for_load_state("networkidle")
    rows = []
    for r in responses:
        if "/tiles/" in urlsplit(r.url).path or 300 <= r.status < 400 or r.status == 204:
            continue
        try:
            body = r.body()
        except Exception:  # a redirect or an aborted request has no body
            continue
        sizes = r.request.sizes()
        rows.append(
            {
                "url": r.url.split("?")[0],
                "served": sizes["responseBodySize"] + sizes["responseHeadersSize"],
                "gzip": len(gzip.compress(body, 6)),
                "raw": len(body),
            }
        )
    context.close()
    return {
        "url": url,
        "served_bytes": sum(r["served"] for r in rows),
        "gzip_bytes": sum(r["gzip"] for r in rows),
        "raw_bytes": sum(r["raw"] for r in rows),
        "responses": rows,
    }


def test_first_load_page_weight(chromium: Any, pages_url: str, artifacts: Path) -> None:
    near = first_load(chromium, f"{pages_url}/near", "window.sharemapNear !== undefined")
    embed = first_load(chromium, f"{pages_url}/embed", "document.body.dataset.ready >= '1'")
    report = {"budget_bytes": WEIGHT_BUDGET_BYTES, "near": near, "embed": embed}
    (artifacts / "page-weight.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(
        f"\nfirst load, tiles excluded: /near {near['gzip_bytes'] / 1024:.1f} KB gzip "
        f"({near['served_bytes'] / 1024:.1f} KB as served); /embed {embed['gzip_bytes'] / 1024:.1f} KB "
        f"gzip ({embed['served_bytes'] / 1024:.1f} KB as served)"
    )
    for measured in (near, embed):
        assert measured["gzip_bytes"] <= WEIGHT_BUDGET_BYTES, measured
        assert measured["served_bytes"] <= WEIGHT_BUDGET_BYTES, measured
    assert any("leaflet.js" in r["url"] for r in near["responses"])
    assert any("/items" in r["url"] for r in embed["responses"])  # the data in view counts too


@pytest.mark.parametrize("path", ["/docs", "/embed?zoom=15", "/near", "/embed/builder"])
def test_pages_run_under_their_csp_without_violations(
    chromium: Any, pages_url: str, path: str
) -> None:
    """script-src without 'unsafe-inline': the pages' own inline scripts are allowed by hash,
    and the browser reports no Content-Security-Policy violation."""
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(f"{pages_url}{path}")
    if path == "/docs":
        page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    else:
        page.wait_for_load_state("networkidle")
    context.close()
    assert not [c for c in console if "Content Security Policy" in c], console
