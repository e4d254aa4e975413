"""The web app under granian (`poagraph serve`, cli/serve.py, builds the store first).

granian (a Rust HTTP server) reads, parses and bounds every request on its own event loop,
off the Python threads: a slow or endless client costs a socket, never a thread, and is
dropped when its request head takes longer than ``HEADER_READ_TIMEOUT_S`` or grows past
``MAX_HEAD_BYTES`` (414 or 431 before the app sees it). ``--workers`` web processes each
run the WSGI app on ``--threads`` Python threads, and each keeps its own pool of query
worker processes (query/executor.py): the app is created in each web process after the
fork, and its workers started then, so the first request is not slow.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
from typing import Any

from poagraph.web import load_config

#: The longest request head (request line and headers) the server reads. URLs over 64 KiB
#: are refused with 414 whatever this is (the HTTP library's limit); long queries are POSTed.
MAX_HEAD_BYTES = 128 * 1024
#: A client must send its whole request head within this time, or the connection is closed.
HEADER_READ_TIMEOUT_S = 10
#: Addresses meaning every interface: the public URL is then unknown (set BASE_URL).
WILDCARDS = ("0.0.0.0", "::", "")
#: On shutdown, web processes still answering after this many seconds are killed.
KILL_TIMEOUT_S = 5


class _ThreadsAreWaiting(logging.Filter):
    """granian warns about more Python threads than cores; ours mostly wait for a query
    worker's answer (the GIL is free meanwhile), so that is on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Python threads" not in record.getMessage()


_LOGGING = {  # granian's own messages go to stderr with ours, warnings and errors only
    "filters": {"threads": {"()": _ThreadsAreWaiting}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "filters": ["threads"],
        },
        "access": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
    },
}


def load_app(overrides: dict[str, Any], threads: int = 32):
    """The RSGI app of one web process (web/rsgi.py), its query workers starting (runs
    after the fork)."""
    from poagraph.web import create_app
    from poagraph.web.rsgi import RSGIApp
    from poagraph.web.store import get_service

    app = create_app(overrides)
    get_service(app).start()  # open the store now, not on the first request
    return RSGIApp(app, threads)


def server_options(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    """The granian settings `serve` uses (also used by the benchmark)."""
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    return {
        "address": host,
        "port": port,
        "interface": Interfaces.RSGI,
        "loop": Loops.uvloop,
        "http": HTTPModes.http1,
        "workers": workers,
        "http1_settings": HTTP1Settings(
            header_read_timeout=HEADER_READ_TIMEOUT_S * 1000,
            max_buffer_size=MAX_HEAD_BYTES,
        ),
        "respawn_failed_workers": True,
        "workers_kill_timeout": KILL_TIMEOUT_S,
        "log_level": LogLevels.warning,
        "log_dictconfig": _LOGGING,
        "log_access": False,
    }


def run(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int | None = None,
    threads: int = 32,
    **overrides: Any,
) -> None:
    """Serve until interrupted; `overrides` are app config keys (STORE, QUERY_TIMEOUT_S, ...)
    that win over the config file and the environment. Without a configured BASE_URL, the
    absolute URLs the site writes name the address it listens on."""
    from granian.server import Server

    settings = load_config(overrides)
    if not settings.get("BASE_URL"):
        overrides = {**overrides, "BASE_URL": listen_url(host, port)}
    workers = workers or min(4, os.cpu_count() or 1)
    server = Server("poagraph.web.server:load_app", **server_options(host, port, workers, threads))
    loader = functools.partial(load_app, overrides, threads)
    server.serve(target_loader=loader, wrap_loader=False)


def listen_url(host: str, port: int) -> str:
    """http://HOST:PORT for the address `serve` listens on (IPv6 in brackets); on every
    interface (0.0.0.0, ::), the machine's name stands for HOST."""
    if host in WILDCARDS:
        host = socket.gethostname()
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
