"""HTMX helpers: fragment or full page, redirects that work for htmx and plain requests."""
from flask import make_response, redirect as flask_redirect, render_template, request
from jinja2_fragments.flask import render_block


def is_partial() -> bool:
    """An htmx request that wants a fragment (not a boosted navigation or a history restore)."""
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template: str, block: str | None = None, status: int = 200, **context):
    """Render a page, or only its `block` for an htmx fragment request."""
    if block and is_partial():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def render_blocks(template: str, blocks: list[str], status: int = 200, **context):
    """Several blocks of one page in one response: the first is the target, the rest are
    out-of-band swaps (each such block carries hx-swap-oob on its root element)."""
    body = "".join(render_block(template, name, **context) for name in blocks)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def redirect(url: str, code: int = 303):
    """Redirect; an htmx request gets HX-Redirect instead of a 302 it would follow blindly."""
    if request.htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return flask_redirect(url, code)


def trigger(response, **events):
    """Add HX-Trigger events (name → detail) to a response."""
    import json

    response.headers["HX-Trigger"] = json.dumps(events)
    return response
