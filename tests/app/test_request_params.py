"""The one language chooser, the one layer-list parser and the one known-layer check, with the
rules each caller gives them (the API's, the pages', the widget's, the tiles', the audit's)."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from app.errors import InvalidParameter, NotFound
from app.request_params.audit import AuditParams
from app.request_params.lang import choose_lang, plain_lang, request_lang
from app.request_params.pages import chosen_layers, page_lang
from app.request_params.primitives import known_layer, layer_list
from app.request_params.tiles import point_layer, tile_layers
from app.request_params.widget import EmbedParams
from layers import registry, tileset

EVERY_TILE_LAYER = (tileset.REGIONS, *registry.LAYER_IDS)
FIRST, SECOND = registry.LAYER_IDS[:2]


# -- the language chooser -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "accept_language", "expected"),
    [
        ("en", "ko", "en"),  # lang wins over the header
        ("ko", "en", "ko"),
        (None, "en-GB,en;q=0.9", "en"),
        (None, "fr, en;q=0.5", "en"),
        (None, "fr", "ko"),  # neither in the header: Korean
        (None, None, "ko"),
        ("de", "en", "en"),  # lenient: an unknown lang is ignored, the header decides
        ("de", None, "ko"),
    ],
)
def test_lenient_choice(value: str | None, accept_language: str | None, expected: str) -> None:
    assert choose_lang(value, accept_language) == expected


def test_strict_choice_refuses_an_unknown_lang() -> None:
    with pytest.raises(InvalidParameter) as caught:
        choose_lang("de", "en", strict=True)
    assert caught.value.key == "bad_choice" and caught.value.parameter == "lang"
    assert caught.value.values == {"name": "lang", "value": "de", "choices": "ko, en"}
    assert choose_lang(None, "en", strict=True) == "en"
    assert choose_lang("en", None, strict=True) == "en"


def test_the_api_reads_accept_language_the_pages_do_not() -> None:
    app = Flask(__name__)
    headers = {"Accept-Language": "en"}
    with app.test_request_context("/x", headers=headers):
        assert request_lang() == "en"  # error bodies
        assert page_lang() == "ko"  # /near, /embed/builder, the widget's error page
        assert plain_lang(MultiDict(), "en") == "en"
    with app.test_request_context("/x?lang=de", headers=headers):
        assert request_lang() == "en" and page_lang() == "ko"  # never refuse
        with pytest.raises(InvalidParameter):
            plain_lang(MultiDict({"lang": "de"}))
    with app.test_request_context("/x?lang=en"):
        assert page_lang() == "en"


def test_the_widget_defaults_to_korean_and_refuses_an_unknown_lang() -> None:
    assert EmbedParams.from_args(MultiDict()).lang == "ko"  # no Accept-Language to read
    assert EmbedParams.from_args(MultiDict({"lang": "en"})).lang == "en"
    with pytest.raises(InvalidParameter) as caught:
        EmbedParams.from_args(MultiDict({"lang": "jp"}))
    assert caught.value.key == "bad_choice"


# -- the layer-list parser -------------------------------------------------------------------


def test_the_api_list_refuses_unknown_and_empty_lists() -> None:
    default = (SECOND,)
    assert layer_list(None, default=default) == default
    assert layer_list(f" {SECOND}, ,{FIRST},{SECOND},", default=default) == (SECOND, FIRST)
    with pytest.raises(InvalidParameter) as unknown:
        layer_list(f"{FIRST},nope", default=default)
    assert (unknown.value.key, unknown.value.parameter) == ("unknown_layer", "layers")
    assert unknown.value.values == {"value": "nope", "choices": ", ".join(registry.LAYER_IDS)}
    for blank in ("", " , "):
        with pytest.raises(InvalidParameter) as empty:
            layer_list(blank, default=default)
        assert empty.value.key == "empty_layers"


def test_the_pages_list_drops_what_it_does_not_know() -> None:
    app = Flask(__name__)
    first_view = registry.first_view_ids()
    for query, expected in [
        ("", first_view),
        ("?layers=", first_view),
        ("?layers=nope", first_view),
        (f"?layers=nope,{SECOND},,{FIRST}", (SECOND, FIRST)),
    ]:
        with app.test_request_context(f"/near{query}"):
            assert chosen_layers() == expected, query


def test_the_tiles_list_knows_regions_and_answers_404() -> None:
    assert tile_layers(None) == EVERY_TILE_LAYER
    assert tile_layers("  ") == EVERY_TILE_LAYER
    assert tile_layers(f"{FIRST},{tileset.REGIONS},{FIRST}") == (FIRST, tileset.REGIONS)
    for raw, bad in [(f"{FIRST},nope", "nope"), (f"{FIRST},,{SECOND}", "")]:
        with pytest.raises(NotFound) as caught:
            tile_layers(raw)
        assert caught.value.key == "unknown_layer" and caught.value.parameter == "layers"
        assert caught.value.values == {"value": bad, "choices": ", ".join(EVERY_TILE_LAYER)}


# -- the known-layer check -------------------------------------------------------------------


def test_a_path_naming_no_layer_is_404_a_query_argument_400() -> None:
    assert known_layer(FIRST) == FIRST == point_layer(FIRST)
    with pytest.raises(NotFound) as path:
        known_layer("nope")
    assert path.value.key == "unknown_collection" and path.value.parameter is None
    with pytest.raises(NotFound):
        point_layer(tileset.REGIONS)  # regions is a tile layer, not a point layer
    with pytest.raises(InvalidParameter) as query:
        AuditParams.from_args(MultiDict({"layer": tileset.REGIONS}))
    assert (query.value.key, query.value.parameter) == ("unknown_layer", "layer")
    assert AuditParams.from_args(MultiDict({"layer": FIRST, "sido": "서울"})) == AuditParams(
        FIRST, "서울"
    )
