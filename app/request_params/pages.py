"""The HTML pages' parameters (/near, /embed/builder, the widget's error page): they never
refuse a link, so an unknown language or layer is ignored rather than a 400."""

from __future__ import annotations

from flask import request

from app.request_params.lang import request_lang
from app.request_params.primitives import layer_list
from layers import registry
from layers.bilingual import Lang


def page_lang() -> Lang:
    """`?lang=` when ko or en, else Korean; Accept-Language is not read (a shared link shows
    the same page to everyone)."""
    return request_lang(accept_language=False)


def chosen_layers() -> tuple[str, ...]:
    """The known layers of `?layers=`, else the first view's."""
    first_view = registry.first_view_ids()
    return layer_list(
        request.args.get("layers"), default=first_view, unknown=None, if_none_chosen=first_view
    )
