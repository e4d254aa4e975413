"""One negotiated response for every page, as Datasette's BaseView.render does it.

A view says which representations it offers and how to make each one; `render` picks the
one the request wants (``format=``, else Accept with q-values: browsers get HTML, RDF
clients their format, ``*/*`` the first machine format), names the others (``<link
rel="alternate">`` in HTML, a ``Link`` header on every representation), builds only the
chosen one, and adds Vary, the ETag (304 on a match) and, on HTML, the security headers.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Response, abort, jsonify, render_template, request
from pyoxigraph import Literal

from poagraph import __version__
from poagraph.web import formats
from poagraph.web.formats import HTML, JSON, Format
from poagraph.web.negotiation import NotAcceptable, pick
from poagraph.web.query.results import Outcome
from poagraph.web.query.writers import csv_cell
from poagraph.web.store import get_service

TRUNCATED = "X-Poagraph-Truncated"

#: A page's table as CSV (`render(table=...)`): the same cells as its JSON, spreadsheet-safe.
CSV = formats.BY_MEDIA["text/csv"]

#: Pages load everything from this server: the browser refuses anything else (YASGUI sets
#: inline styles, hence 'unsafe-inline' for styles only; scripts are files, never inline).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


@dataclass(frozen=True)
class Twin:
    """One representation of a page: its URL, media type and a human title."""

    href: str
    media_type: str
    title: str


def negotiate(offered: Sequence[Format]) -> Format:
    """The format to answer the current request with, from `offered`; 406 if none."""
    try:
        return pick(
            request.headers.get("Accept"),
            request.args.get("format"),
            offered,
            formats.GRAPH_ALIASES,
        )
    except NotAcceptable as exc:
        abort(406, str(exc))


def twins(offered: Sequence[Format], params: Mapping[str, str] | None = None) -> list[Twin]:
    """The representations of the current page (its own URL, mount prefix included),
    each keeping `params` in its query string."""
    here = request.script_root + request.path
    out = []
    for fmt in offered:
        query = dict(params or {})
        if fmt != HTML:
            query["format"] = fmt.name
        out.append(Twin(f"{here}?{urlencode(query)}" if query else here, fmt.media_type, fmt.title))
    return out


def render(
    offered: Sequence[Format],
    *,
    template: str | None = None,
    context: Callable[[], dict[str, Any]] | None = None,
    data: Callable[[], Any] | None = None,
    rdf: Callable[[Format], Outcome | bytes] | None = None,
    params: Mapping[str, str] | None = None,
    also: Sequence[Twin] = (),
    table: Callable[[], tuple[list[str], list[dict]]] | None = None,
) -> Response:
    """The negotiated response of the current page.

    `template` and `context()` make the HTML (the template also gets ``alternates``),
    `data()` the JSON, `rdf(fmt)` the RDF views (bytes, or an Outcome of a page query);
    only the chosen one is called. `params` are the query parameters the twins' URLs keep,
    `also` other documents to name as alternates (the VoID of the home page...), `table()`
    the (columns, rows) of the CSV view (offer CSV for it)."""
    chosen = negotiate(offered)
    alternates = [*twins(offered, params), *also]
    if chosen == HTML:
        body = render_template(template, alternates=alternates, **(context() if context else {}))
        response = Response(body, mimetype="text/html")
    elif chosen == JSON:
        response = jsonify(data())
    elif chosen == CSV and table is not None:
        response = Response(table_csv(*table()), content_type=CSV.content_type)
    else:
        response = _rdf_response(rdf(chosen), chosen)
    return _finish(response, alternates, chosen)


def table_csv(columns: list[str], rows: list[dict]) -> str:
    """Rows (dicts by column) as CSV: a header line, then a cell per column (empty when
    missing), each made safe for spreadsheets as /sparql's CSV cells are."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(columns)
    for row in rows:
        values = (row.get(c) for c in columns)
        out.writerow("" if v is None else csv_cell(Literal(str(v))) for v in values)
    return buf.getvalue()


def _rdf_response(result: Outcome | bytes, fmt: Format) -> Response:
    if isinstance(result, bytes):
        return Response(result, content_type=fmt.content_type)
    response = Response(result.body, content_type=result.content_type)
    if result.truncated:  # the endpoint's row cap: say so, as /sparql does
        response.headers[TRUNCATED] = "true"
    return response


def link_header(alternates: Sequence[Twin], current: Format) -> str:
    """An HTTP Link header value naming the other representations."""
    return ", ".join(
        f'<{t.href}>; rel="alternate"; type="{t.media_type}"'
        for t in alternates
        if t.media_type != current.media_type
    )


def _finish(response: Response, alternates: Sequence[Twin], current: Format) -> Response:
    link = link_header(alternates, current)
    if link:
        response.headers["Link"] = link
    response.vary.add("Accept")
    if current == HTML:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
    if response.status_code == 200:
        # the page changes only with the data: the store version names it (304 on a match)
        version = get_service().version
        key = f"{version}\0{request.url}\0{current.media_type}\0{__version__}"
        response.set_etag(hashlib.sha256(key.encode()).hexdigest()[:32])
        response.make_conditional(request)
    return response


def requested_page(pages: int) -> int:
    """The ?page= of a paged list (1 to `pages`): 400 when it is not a number, 404 past
    the end."""
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        abort(400, f"page must be a number, not {request.args.get('page')!r}")
    if not 1 <= page <= pages:
        abort(404, f"page {page} does not exist; there are {pages}")
    return page
