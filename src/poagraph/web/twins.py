"""Every page has machine-readable twins: choosing which one a request gets, and telling
clients about the others (``<link rel="alternate">`` in HTML, ``Link`` headers in RDF).

Browsers (Accept ranks text/html first) get HTML; RDF clients get their format; a client
that accepts anything (curl's */*) gets the first machine format offered. ``?format=``
overrides Accept, with the names /sparql knows (ttl, jsonld, nt, rdfxml) plus ``html``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Response, abort, request

from poagraph import __version__
from poagraph.web import negotiation

HTML = "text/html"

#: RDF views of a resource or document, with their `format=` names and titles.
RDF_TWINS = {
    "text/turtle": ("ttl", "Turtle"),
    "application/ld+json": ("jsonld", "JSON-LD"),
    "application/n-triples": ("nt", "N-Triples"),
    "application/rdf+xml": ("rdfxml", "RDF/XML"),
}

#: Format names beyond RDF that pages accept in `format=`.
OTHER_FORMATS = {"html": HTML, "json": "application/json"}


@dataclass(frozen=True)
class Twin:
    """One representation of the current page: its URL, media type and a human title."""

    href: str
    media_type: str
    title: str


def negotiate(offered: list[str]) -> str:
    """The media type to answer with, from `offered` (server preference order); 406 if none."""
    fmt = request.args.get("format")
    if fmt:
        media = OTHER_FORMATS.get(fmt.strip().lower()) or negotiation.from_format(
            fmt, negotiation.GRAPH_FORMATS, negotiation.GRAPH_ALIASES
        )
        if media not in offered:
            names = ", ".join(_format_name(m) for m in offered)
            abort(406, f"format={fmt!r} is not available for this page; use one of {names}")
        return media
    accept = request.headers.get("Accept")
    if HTML in offered and negotiation.prefers_html(accept):
        return HTML
    machine = [m for m in offered if m != HTML]
    media = negotiation.choose(accept, machine, negotiation.GRAPH_ALIASES)
    if media is None and HTML in offered:
        media = negotiation.choose(accept, [HTML])
    if media is None:
        abort(406, f"none of the Accept types {accept!r} is available: {', '.join(offered)}")
    return media


def _format_name(media: str) -> str:
    for name, other in OTHER_FORMATS.items():
        if other == media:
            return name
    return RDF_TWINS[media][0] if media in RDF_TWINS else media


def url_for_format(path: str, media: str, **params: str) -> str:
    """The URL of the `media` twin of the page at `path` (HTML: the page itself)."""
    if media != HTML:
        params = {**params, "format": _format_name(media)}
    return f"{path}?{urlencode(params)}" if params else path


def twins(path: str, media_types: list[str], **params: str) -> list[Twin]:
    """The representations of the page at `path`, for <link rel="alternate"> and Link."""
    titles = {HTML: "HTML", "application/json": "JSON"}
    return [
        Twin(
            url_for_format(path, m, **params),
            m,
            RDF_TWINS[m][1] if m in RDF_TWINS else titles.get(m, m),
        )
        for m in media_types
    ]


def link_header(alternates: list[Twin], current: str) -> str:
    """An HTTP Link header value naming the other representations."""
    return ", ".join(
        f'<{t.href}>; rel="alternate"; type="{t.media_type}"'
        for t in alternates
        if t.media_type != current
    )


#: Pages load everything from this server: the browser refuses anything else (YASGUI sets
#: inline styles, hence 'unsafe-inline' for styles only; scripts are files, never inline).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def finish(response: Response, alternates: list[Twin], current: str) -> Response:
    """Add the Link header and Vary: Accept to a negotiated response (and to HTML pages,
    a Content-Security-Policy that keeps every request on this server)."""
    link = link_header(alternates, current)
    if link:
        response.headers["Link"] = link
    response.vary.add("Accept")
    if current == HTML:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
    if response.status_code == 200:
        # the page changes only with the data: the store version names it (304 on a match)
        from poagraph.web.executor import get_executor

        key = f"{get_executor().version}\0{request.url}\0{current}\0{__version__}"
        response.set_etag(hashlib.sha256(key.encode()).hexdigest()[:32])
        response.make_conditional(request)
    return response
