"""The web application: one Flask app factory, one blueprint per concern.

Configuration keys (defaults below; then a TOML file named by ``$POAGRAPH_CONFIG``, keys in
upper case, e.g. ``QUERY_TIMEOUT_S = 10``; then ``POAGRAPH_<KEY>`` environment variables,
parsed as JSON when they parse, e.g. ``POAGRAPH_IN_MEMORY=false``; then the ``config`` dict):

``STORE``
    Directory of the on-disk Oxigraph store that ``poagraph build`` writes
    (default: ``$POAGRAPH_STORE`` or ``var/store``). Opened read-only.
``BACKEND``
    The URL of a SPARQL 1.1 store to serve instead of STORE (default None: the embedded
    store): Oxigraph server, Virtuoso or any other, as `--backend URL` (docs/backends.md).
    ``BACKEND_USER``, ``BACKEND_PASSWORD`` (best from the environment:
    ``POAGRAPH_BACKEND_PASSWORD``), ``BACKEND_AUTH`` (basic or digest),
    ``BACKEND_FLAVOUR`` (oxigraph, virtuoso, generic; default: from the URL),
    ``BACKEND_TIMEOUT_S`` (the client's limit for writes; queries take QUERY_TIMEOUT_S).
``TOKENS``
    The tokens file (hashes of the contribution tokens `poagraph tokens add` makes; default:
    ``$POAGRAPH_TOKENS`` or ``var/tokens.toml``). Re-read when it changes (web/auth.py).
``IN_MEMORY``
    Copy the on-disk store into an in-memory store in each query worker, and in each web
    process for the queries it answers itself, at start (default True): faster queries, and
    the on-disk store is never held open.
``QUERY_TIMEOUT_S``
    Per-query time limit in seconds (default 30). A ``timeout=`` request parameter may lower
    it, never raise it. A query over the limit is killed and the client gets 503.
``MAX_ROWS``
    Result-row cap for SELECT (solutions) and CONSTRUCT/DESCRIBE (triples), default 10000.
    Cut results carry ``X-Poagraph-Truncated: true`` (and, in SPARQL JSON and XML, a head
    link to ``urn:poagraph:truncated``).
``MAX_BODY_BYTES``
    Largest accepted request body (default 1 MiB); larger gets 413.
``CORS``
    Send ``Access-Control-Allow-Origin: *`` on reads (default True; never with credentials).
``FEDERATION_ALLOW``
    The SERVICE endpoints queries may call, as a list of IRIs (default empty: SERVICE is
    refused with 403 naming the endpoint). Loopback and private addresses are called only
    when listed literally. ``SERVICE_MAX`` (default 4): SERVICE clauses per query.
``MAX_QUERY_BYTES``, ``MAX_QUERY_DEPTH``, ``MAX_TRIPLE_PATTERNS``
    Limits checked on the query's tokens before the engine sees it (defaults 256 KiB,
    nesting depth 64, 1000 triple patterns); over one: 400 naming the limit.
``MAX_RESULT_BYTES``
    Byte cap of one serialized result (default 16 MiB), besides ``MAX_ROWS``: a cut result is
    flagged as truncated the same way.
``WORKER_MEMORY_MB``
    Memory limit of each query worker process (default 2048): a query that needs more fails
    (503) without taking the machine.
``BASE_URL``
    The public base URL of the site (e.g. ``https://poagraph.example.org``) for every absolute
    URL the server writes (VoID, the service description, redirects). The Host header is not
    trusted; without BASE_URL, ``poagraph serve`` uses the address it listens on, and an app
    created without it (tests) ``http://localhost`` (web/urls.py).
``MAX_SEARCH_CHARS``
    Longest accepted /search text (default 200); longer gets 400.
``EXECUTORS``
    Query worker processes per web process (default 2): a runaway query holds one of them
    while the others keep answering.
``LOCAL_MAX_WORK``
    Queries whose work the cost bound (web/query/cost.py) caps at this many pattern matches
    run in the web process, on its own copy of the store, without the hop to a worker
    (default 1000000; 0: every query goes to a worker), when their estimated CPU time is at
    most their time limit divided by ``LOCAL_HEADROOM`` (default 10). A watchdog ends the
    web process should one of them use more CPU time than its time limit
    (web/query/local.py).
``CACHE_ENTRIES``
    Results kept in the per-process LRU cache (web/query/cache.py), keyed by query, dataset,
    media type, endpoint URL and store version (default 2048; 0 disables).
    ``CACHE_MAX_BYTES`` (default 1 MiB): larger results are not cached.
    ``CACHE_TOTAL_BYTES`` (default 64 MiB): the most the cache holds.

Layout: errors.py (the one error handler), formats.py (the one media-type table),
negotiation.py (Accept and q-values), render.py (the negotiated response of every page),
store.py (the app's query service: ``get_service()``), the blueprints sparql.py (/sparql),
resources.py (/id, /graph), contributions.py (/validate, /contributions) and ui.py
(the other pages); pages/ holds what the pages show
and their queries, query/ runs queries in worker processes (no Flask there), server.py
runs the app under granian, urls.py writes its absolute URLs.

Flask is imported inside the functions below, not at the top: the query worker processes
import poagraph.web.query.*, which loads this package first, and must not load Flask.
"""

from __future__ import annotations

import os
import tomllib
from typing import TYPE_CHECKING, Any

from poagraph import paths

if TYPE_CHECKING:
    from flask import Config, Flask

DEFAULTS: dict[str, Any] = {
    "BACKEND": None,
    "BACKEND_USER": None,
    "BACKEND_PASSWORD": None,
    "BACKEND_AUTH": None,
    "BACKEND_FLAVOUR": None,
    "BACKEND_TIMEOUT_S": None,
    "IN_MEMORY": True,
    "QUERY_TIMEOUT_S": 30.0,
    "MAX_ROWS": 10_000,
    "MAX_BODY_BYTES": 1024 * 1024,
    "CORS": True,
    "FEDERATION_ALLOW": [],
    "SERVICE_MAX": 4,
    "MAX_QUERY_BYTES": 256 * 1024,
    "MAX_QUERY_DEPTH": 64,
    "MAX_TRIPLE_PATTERNS": 1000,
    "MAX_RESULT_BYTES": 16 * 1024 * 1024,
    "WORKER_MEMORY_MB": 2048,
    "BASE_URL": None,
    "MAX_SEARCH_CHARS": 200,
    "EXECUTORS": 2,
    "LOCAL_MAX_WORK": 1_000_000,
    "LOCAL_HEADROOM": 10.0,
    "CACHE_ENTRIES": 2048,
    "CACHE_MAX_BYTES": 1024 * 1024,
    "CACHE_TOTAL_BYTES": 64 * 1024 * 1024,
}


def load_config(config: dict[str, Any] | None = None) -> Config:
    """The layered configuration: defaults, the $POAGRAPH_CONFIG file, POAGRAPH_* environment,
    then ``config``. `poagraph serve` reads it too, so its options never mask the others.

    Raises OSError for a config file that cannot be read, ValueError for invalid TOML."""
    from flask import Config

    settings = Config(os.getcwd())
    settings.from_mapping(
        DEFAULTS, STORE=str(paths.default_store()), TOKENS=str(paths.default_tokens())
    )
    if os.environ.get("POAGRAPH_CONFIG"):
        settings.from_file(os.environ["POAGRAPH_CONFIG"], load=tomllib.load, text=False)
    settings.from_prefixed_env("POAGRAPH")
    if config:
        settings.from_mapping(config)
    settings["STORE"] = str(settings["STORE"])
    settings["TOKENS"] = str(settings["TOKENS"])
    return settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then the $POAGRAPH_CONFIG file, then POAGRAPH_* environment,
    then ``config``; the query service, the error handlers and one blueprint per concern."""
    from flask import Flask

    from poagraph.text import tidy
    from poagraph.web import (
        contributions,
        errors,
        graphstore,
        lean,
        resources,
        sparql,
        store,
        ui,
        urls,
    )
    from poagraph.web import qa as quality_checks
    from poagraph.web import queries as catalogue_queries

    app = Flask(__name__)
    app.jinja_env.filters["tidy"] = tidy  # report text as a reader sees it (text.py)
    app.config.update(load_config(config))
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_BODY_BYTES"])
    urls.init_app(app)
    store.init_app(app)
    errors.init_app(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(graphstore.bp)
    app.register_blueprint(resources.bp)
    app.register_blueprint(ui.bp)
    app.register_blueprint(contributions.bp)
    app.register_blueprint(catalogue_queries.bp)
    app.register_blueprint(quality_checks.bp)
    app.wsgi_app = lean.LeanSparql(app, app.wsgi_app)  # /sparql queries before Flask
    return app
