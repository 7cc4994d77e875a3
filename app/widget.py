"""The embeddable map widget (/embed): its page, generated with folium (its parameters are
app.request_params.widget).

Every asset is served by this app: folium's default CDN lists (Leaflet, jQuery, Bootstrap,
Font Awesome, awesome-markers) are replaced with the vendored Leaflet (and Leaflet.markercluster
for cluster=true), and nothing else is loaded. The page holds no features: static/pages/embed.js
asks the API for the features in view (/collections/{layer}/items?bbox=…) or, zoomed out, shows
the layers' raster tiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import folium
from branca.element import Figure, MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import MarkerCluster
from folium.template import Template
from markupsafe import escape

from app.request_params.widget import ZOOM_MIN, EmbedParams
from layers import registry

# Zoomed in this far, markers come from the items API; further out, the layers' raster tiles
# (at z14 a 600×400 frame over central Seoul holds ~100 features of a layer).
VECTOR_MIN_ZOOM = 14
# the most features of one layer fetched for the view; more than this: raster tiles instead
VIEW_LIMIT = 300


@dataclass(frozen=True)
class WidgetAssets:
    """Where the widget's files are (URLs of this app)."""

    leaflet_js: str
    leaflet_css: str
    markercluster_js: str
    markercluster_css: tuple[str, ...]
    embed_js: str
    embed_css: str


@dataclass(frozen=True)
class WidgetPage:
    """Everything the widget page shows besides its parameters."""

    title: str
    map_label: str
    basemap_url: str
    basemap_max_zoom: int
    attribution_html: str  # already escaped
    assets: WidgetAssets
    config: dict[str, Any] = field(default_factory=dict)  # for static/pages/embed.js


class WidgetFigure(Figure):
    """folium's page with a language and a title (branca's <html> has neither)."""

    _template = Template(
        "<!DOCTYPE html>\n"
        '<html lang="{{ this.lang|e }}">\n'
        "<head>\n"
        "    {{ this.header.render(**kwargs) }}\n"
        "<title>{{ this.title|e }}</title>\n"
        "</head>\n"
        "<body>\n"
        "    {{ this.html.render(**kwargs) }}\n"
        "</body>\n"
        "<script>\n"
        "    {{ this.script.render(**kwargs) }}\n"
        "</script>\n"
        "</html>\n"
    )

    def __init__(self, lang: str, title: str) -> None:
        super().__init__(title=title)
        self.lang = lang


class WidgetMap(folium.Map):
    """folium.Map with a zoomable viewport (folium's forbids pinch zoom: WCAG 1.4.4), a labelled
    map region, and local Leaflet instead of the CDN lists."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>
                html, body { margin: 0; padding: 0; width: 100%; height: 100%; }
                #{{ this.get_name() }} {
                    position: relative;
                    width: 100%;
                    height: {{ this.height[0] }}{{ this.height[1] }};
                }
            </style>
        {% endmacro %}

        {% macro html(this, kwargs) %}
            <div class="folium-map" id="{{ this.get_name() }}" role="region"
                 aria-label="{{ this.aria_label|e }}"></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
            {%- if this.control_scale %}
            L.control.scale().addTo({{ this.get_name() }});
            {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(self, aria_label: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.aria_label = aria_label


class ViewportLoader(JSCSSMixin, MacroElement):
    """Starts static/pages/embed.js on the map with its layer groups and settings."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            sharemapEmbed.start({{ this._parent.get_name() }}, {
                {%- for layer_id, group in this.groups.items() %}
                {{ layer_id|tojson }}: {{ group.get_name() }},
                {%- endfor %}
            }, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, groups: dict[str, Any], config: dict[str, Any], js: str, css: str) -> None:
        super().__init__()
        self._name = "ViewportLoader"
        self.groups = groups
        self.config = config
        self.default_js = [("sharemap_embed", js)]
        self.default_css = [("sharemap_embed_css", css)]


def widget_html(p: EmbedParams, page: WidgetPage) -> str:
    """The widget's HTML page."""
    figure = WidgetFigure(p.lang, page.title)
    m = WidgetMap(
        page.map_label,
        location=[p.lat, p.lon],
        zoom_start=p.zoom,
        tiles=None,
        width="100%",
        height=f"{p.height}px",
        min_zoom=ZOOM_MIN,
        max_zoom=page.basemap_max_zoom,
        control_scale=True,
    )
    # instance lists: folium's own are class attributes shared by every map
    m.default_js = [("leaflet", page.assets.leaflet_js)]
    m.default_css = [("leaflet_css", page.assets.leaflet_css)]
    figure.add_child(m)
    folium.TileLayer(
        tiles=page.basemap_url,
        attr=page.attribution_html,
        max_zoom=page.basemap_max_zoom,
        control=False,
    ).add_to(m)
    groups: dict[str, Any] = {}
    for layer_id in p.layers:
        title = registry.get(layer_id).title(p.lang)
        group: MarkerCluster | folium.FeatureGroup
        if p.cluster:
            group = MarkerCluster(name=title, show_coverage_on_hover=False, max_cluster_radius=48)
            group.default_js = [("markerclusterjs", page.assets.markercluster_js)]
            group.default_css = [
                (f"markerclustercss{i}", url) for i, url in enumerate(page.assets.markercluster_css)
            ]
        else:
            group = folium.FeatureGroup(name=title)
        group.add_to(m)
        groups[layer_id] = group
    if len(groups) > 1:
        folium.LayerControl(collapsed=True).add_to(m)
    m.add_child(ViewportLoader(groups, page.config, page.assets.embed_js, page.assets.embed_css))
    html: str = figure.render()
    return html


def attribution_html(basemap_credit: str, data_label: str, sources_url: str) -> str:
    return (
        f"{escape(basemap_credit)} · "
        f'<a href="{escape(sources_url)}" target="_blank" rel="noopener">{escape(data_label)}</a>'
    )
