"""The audit (layers.audit) as Markdown, as one self-contained HTML page (no outside requests:
the map is a PNG drawn with the app's base map renderer, inlined as a data: URI; the bar charts
are styled HTML), or as its JSON document."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from PIL import Image, ImageDraw

from geo.tiles import tiles_in, world_pixel
from layers.audit import CHECKS, Audit
from layers.basemap import BaseMap

FORMATS = ("md", "html", "json")
MAP_BBOX = (124.5, 33.0, 131.0, 38.7)  # South Korea, with Jeju and Ulleungdo
MAP_ZOOMS = range(7, 13)  # the deepest that fits MAP_MAX_PX is used (7 fits all of Korea)
MAP_MAX_PX = 800
TOP_AREAS = 20
TOP_PHRASINGS = 20
SUSPECT = (230, 120, 0, 255)
REJECTED = (200, 30, 40, 255)
WORST = (30, 90, 200, 255)

CHECK_LABELS = {
    "hours_blank": "hours blank (운영시간 없음)",
    "hours_unparsed": "hours unparsed (운영시간 해석 불가)",
    "hours_parsed": "hours parsed",
    "fee_unknown": "fee unknown (요금 미상)",
    "phone_missing": "phone missing (전화 없음)",
    "phone_malformed": "phone malformed (전화 형식 오류)",
    "stale_reference_date": "reference date stale (기준일 2년 경과)",
    "coarse_location": "location coarse (동/시군구 중심)",
    "outside_stated_sigungu": "outside its stated 시군구 (주소와 위치 불일치)",
}
NO_CLOCK_TIME_LABEL = "… of which name no time of day (시간 미기재: 출처에서 보완)"
ASK_THE_SOURCE = "Name no time of day: ask the source for times (시간 미기재: 출처에서 보완)"
TEACH_THE_PARSER = "Name times the parser cannot read yet (해석기 보완)"


def render(report: Audit, fmt: str, basemap: BaseMap | None = None) -> str:
    if fmt == "json":
        return json.dumps(report.doc, ensure_ascii=False, indent=1)
    if fmt == "md":
        return markdown(report.doc)
    if fmt == "html":
        return html(report, basemap)
    raise ValueError(f"unknown audit format {fmt!r}: choose one of {', '.join(FORMATS)}")


# -- Markdown ------------------------------------------------------------------------------


def _pct(score: float) -> str:
    return f"{score * 100:.1f} %"


def _md_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines if len(lines) > 2 else [*lines, "| " + " | ".join("-" * len(header)) + " |"]


def _area_rows(areas: Sequence[dict[str, Any]], n: int) -> list[list[Any]]:
    return [
        [
            i,
            a["sido"],
            a["sigungu"],
            a["features"],
            a["problems"],
            _pct(a["score"]),
            a["rejected"],
            a["hours_no_clock_time"],
        ]
        for i, a in enumerate(areas[:n], 1)
    ]


AREA_HEADER = (
    "rank",
    "시도",
    "시군구",
    "features",
    "with a problem",
    "score",
    "rejected",
    "hours naming no time",
)


def check_rows(layer: dict[str, Any]) -> list[tuple[str, int]]:
    """The checks' labels and counts, the unparsed hours followed by those naming no time."""
    rows = [(CHECK_LABELS[c], layer["checks"][c]) for c in CHECKS]
    at = CHECKS.index("hours_unparsed") + 1
    return [*rows[:at], (NO_CLOCK_TIME_LABEL, layer["hours_no_clock_time"]), *rows[at:]]


def phrasing_groups(layer: dict[str, Any]) -> list[tuple[str, list[tuple[str, int]]]]:
    """The ranked unparsed phrasings in two worklists: those naming no time of day (for the
    source) and the rest (for the parser), each most frequent first; empty lists left out."""
    ranked = layer["unparsed_hours"][:TOP_PHRASINGS]
    groups = [
        (ASK_THE_SOURCE, [(p["text"], p["count"]) for p in ranked if not p["states_clock_time"]]),
        (TEACH_THE_PARSER, [(p["text"], p["count"]) for p in ranked if p["states_clock_time"]]),
    ]
    return [(title, rows) for title, rows in groups if rows]


def markdown(doc: dict[str, Any]) -> str:
    out = [
        "# sharemap data-quality audit (데이터 품질 점검)",
        "",
        f"As of {doc['as_of']}; a reference date before {doc['stale_before']} is stale. "
        "Score: the share of features with at least one problem "
        f"({', '.join(doc['problem_checks'])}); worst first, ties by the count.",
        "",
        "## 시군구 to look at first (all audited layers)",
        "",
        *_md_table(AREA_HEADER, _area_rows(doc["sigungu"], TOP_AREAS)),
    ]
    for layer in doc["layers"]:
        checks = layer["checks"]
        out += [
            "",
            f"## {layer['title']['ko']} / {layer['title']['en']} (`{layer['layer']}`)",
            "",
            f"Version `{layer['data_version']}`: {layer['features']} features, "
            f"{layer['problems']} with a problem ({_pct(layer['score'])}); "
            f"{layer['rejected']} rows rejected by the last load, "
            f"{layer['duplicates_merged']} of them duplicates merged and "
            f"{layer['missing_coordinates']} without coordinates.",
            "",
            *_md_table(("check", "features"), check_rows(layer)),
            "",
            "Rejected rows by reason (last load):",
            "",
            *_md_table(("reason", "rows"), layer["rejected_by_reason"].items()),
            "",
            "Geocode precision: "
            + (", ".join(f"{k} {v}" for k, v in layer["geocode_precision"].items()) or "-")
            + (
                "; testing sites: "
                + ", ".join(f"{k} {v}" for k, v in layer["site_precision"].items())
                if layer["site_precision"]
                else ""
            ),
        ]
        if layer["unparsed_hours"]:
            out += [
                "",
                f"Unparsed opening hours, most frequent first ({layer['unparsed_hours_distinct']} "
                f"distinct texts; {layer['hours_no_clock_time']} of {checks['hours_unparsed']} "
                "features name no time of day):",
            ]
        for title, rows in phrasing_groups(layer):
            out += ["", f"{title}:", "", *_md_table(("text", "features"), rows)]
        out += ["", "Worst 시군구:", "", *_md_table(AREA_HEADER, _area_rows(layer["sigungu"], 10))]
    return "\n".join(out) + "\n"


# -- the map -------------------------------------------------------------------------------


def map_bbox(report: Audit) -> tuple[tuple[float, float, float, float], int]:
    """The audited features' extent (padded, within South Korea) and the deepest zoom at which
    it fits MAP_MAX_PX."""
    if report.extent is None:
        return MAP_BBOX, MAP_ZOOMS[0]
    w, s, e, n = report.extent
    pad_x, pad_y = max((e - w) * 0.05, 0.02), max((n - s) * 0.05, 0.02)
    bbox = (
        max(w - pad_x, MAP_BBOX[0]),
        max(s - pad_y, MAP_BBOX[1]),
        min(e + pad_x, MAP_BBOX[2]),
        min(n + pad_y, MAP_BBOX[3]),
    )
    zoom = MAP_ZOOMS[0]
    for z in MAP_ZOOMS:
        left, top = world_pixel(bbox[0], bbox[3], z, 256)
        right, bottom = world_pixel(bbox[2], bbox[1], z, 256)
        if max(right - left, bottom - top) <= MAP_MAX_PX:
            zoom = z
    return bbox, zoom


def map_png(report: Audit, basemap: BaseMap | None) -> bytes | None:
    """The audited features' extent on the app's base map: the suspect features (orange), the
    rejected rows that had coordinates (red) and the worst 시군구's features (blue). None
    without a base map (no regions loaded)."""
    if basemap is None:
        return None
    bbox, zoom = map_bbox(report)
    tiles = list(tiles_in(bbox, zoom))
    x0, y0 = min(t.x for t in tiles), min(t.y for t in tiles)
    width = (max(t.x for t in tiles) - x0 + 1) * 256
    height = (max(t.y for t in tiles) - y0 + 1) * 256
    canvas = Image.new("RGBA", (width, height))
    for t in tiles:
        tile = Image.open(io.BytesIO(basemap.tile(t.z, t.x, t.y))).convert("RGBA")
        canvas.paste(tile, ((t.x - x0) * 256, (t.y - y0) * 256))
    draw = ImageDraw.Draw(canvas)

    def dots(points: Sequence[tuple[float, float]], colour: tuple[int, ...], r: float) -> None:
        for lon, lat in points:
            wx, wy = world_pixel(lon, lat, zoom, 256)
            x, y = wx - x0 * 256, wy - y0 * 256
            if 0 <= x < width and 0 <= y < height:
                draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)

    dots(report.worst, WORST, 1.5)
    dots(report.rejected, REJECTED, 1.5)
    dots(report.suspects, SUSPECT, 2.5)
    left, top = world_pixel(bbox[0], bbox[3], zoom, 256)
    right, bottom = world_pixel(bbox[2], bbox[1], zoom, 256)
    crop = (left - x0 * 256, top - y0 * 256, right - x0 * 256, bottom - y0 * 256)
    buffer = io.BytesIO()
    canvas.crop(crop).convert("RGB").save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


# -- HTML ----------------------------------------------------------------------------------

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:1100px;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border-bottom:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{display:inline-block;height:.8rem;background:#e07800;vertical-align:middle}
.bar.r{background:#c81e28}.bar.ok{background:#2a8a4a}
.legend span{display:inline-block;width:.8rem;height:.8rem;border-radius:50%;margin:0 .3rem 0 1rem;vertical-align:middle}
img{max-width:100%;border:1px solid #ccc}
"""


def _bars(rows: Sequence[tuple[str, int]], total: int | Sequence[int], css: str = "") -> str:
    """A horizontal bar chart as a table: label, count, a bar scaled to the largest count and
    the share of `total` (one total for all rows, or one per row; 0: no share)."""
    top = max([n for _label, n in rows] + [1])
    totals = [total] * len(rows) if isinstance(total, int) else list(total)
    body = "".join(
        f"<tr><td>{escape(label)}</td><td class=n>{n}</td>"
        f"<td><span class='bar {css}' style='width:{300 * n / top:.0f}px'></span>"
        f"{f' {n / whole * 100:.1f} %' if whole else ''}</td></tr>"
        for (label, n), whole in zip(rows, totals, strict=True)
    )
    return f"<table>{body}</table>"


def _area_table(areas: Sequence[dict[str, Any]], n: int) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in AREA_HEADER)
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=n' if isinstance(v, int) or '%' in str(v) else ''}>{escape(str(v))}</td>"
            for v in row
        )
        + "</tr>"
        for row in _area_rows(areas, n)
    )
    return f"<table><tr>{head}</tr>{rows}</table>"


def html(report: Audit, basemap: BaseMap | None) -> str:
    doc = report.doc
    parts = [
        "<!doctype html><html lang=ko><meta charset=utf-8>",
        "<meta name=viewport content='width=device-width,initial-scale=1'>",
        f"<title>sharemap audit {escape(doc['as_of'])}</title><style>{_CSS}</style>",
        "<h1>데이터 품질 점검 / Data-quality audit</h1>",
        f"<p>As of {escape(doc['as_of'])}; a reference date before "
        f"{escape(doc['stale_before'])} is stale. Score: the share of features with at least "
        f"one problem ({escape(', '.join(doc['problem_checks']))}); worst first, ties by the "
        "count.</p>",
    ]
    png = map_png(report, basemap)
    if png is not None:
        parts += [
            "<h2>Map / 지도</h2><p class=legend>",
            f"<span style='background:rgb{SUSPECT[:3]}'></span>suspect location "
            f"({len(report.suspects)})",
            f"<span style='background:rgb{REJECTED[:3]}'></span>rejected row with coordinates "
            f"({len(report.rejected)})",
            f"<span style='background:rgb{WORST[:3]}'></span>features of the worst 시군구</p>",
            f"<img alt='map of suspect and rejected rows' src='data:image/png;base64,"
            f"{base64.b64encode(png).decode()}'>",
        ]
    parts += [
        "<h2>시군구 to look at first / 먼저 볼 시군구</h2>",
        _area_table(doc["sigungu"], TOP_AREAS),
        "<h2>Share of features with a problem, per layer</h2>",
        _bars(
            [(f"{la['title']['en']} ({la['features']})", la["problems"]) for la in doc["layers"]],
            [la["features"] for la in doc["layers"]],
        ),
    ]
    for layer in doc["layers"]:
        parts += [
            f"<h2>{escape(layer['title']['ko'])} / {escape(layer['title']['en'])} "
            f"<code>{escape(layer['layer'])}</code></h2>",
            f"<p>Version <code>{escape(layer['data_version'])}</code>: {layer['features']} "
            f"features, {layer['problems']} with a problem ({_pct(layer['score'])}); "
            f"{layer['rejected']} rows rejected by the last load "
            f"({layer['duplicates_merged']} duplicates merged, "
            f"{layer['missing_coordinates']} without coordinates).</p>",
            "<h3>Checks</h3>",
            _bars(check_rows(layer), layer["features"]),
            "<h3>Rejected rows by reason (last load)</h3>",
            _bars(list(layer["rejected_by_reason"].items()), layer["rejected"], "r"),
            "<h3>Geocode precision</h3>",
            _bars(list(layer["geocode_precision"].items()), layer["features"], "ok"),
        ]
        if layer["site_precision"]:
            parts += [
                "<p>Testing sites the features are near:</p>",
                _bars(list(layer["site_precision"].items()), layer["features"], "ok"),
            ]
        if layer["unparsed_hours"]:
            parts.append(
                f"<h3>Unparsed opening hours ({layer['unparsed_hours_distinct']} distinct "
                f"texts), most frequent first</h3><p>{layer['hours_no_clock_time']} of "
                f"{layer['checks']['hours_unparsed']} features name no time of day.</p>"
            )
        for title, rows in phrasing_groups(layer):
            parts += [f"<h4>{escape(title)}</h4>", _bars(rows, 0)]
        parts += ["<h3>Worst 시군구</h3>", _area_table(layer["sigungu"], 10)]
    return "\n".join(parts) + "\n</html>\n"
