"""The web app under an HTTP server (`poagraph serve`, cli/serve.py, builds the store first):
poagraph's own (httpd.py and processes.py, the default) or granian (``--server granian``).

Either reads, parses and bounds every request on an event loop, off the app's threads: a
slow or endless client costs a socket, never a thread, and is dropped when its request head
takes longer than ``HEADER_READ_TIMEOUT_S`` or grows past ``MAX_HEAD_BYTES`` (414 or 431
before the app sees it). ``--workers`` web processes each answer cheap /sparql queries on
the loop and run everything else on ``--threads`` Python threads (rsgi.py), and each keeps
its own pool of query worker processes (query/executor.py): the app is created in each web
process after the fork, and its workers started then, so the first request is not slow.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
from typing import Any

from poagraph.web import load_config
from poagraph.web.httpd import HEADER_READ_TIMEOUT_S, MAX_HEAD_BYTES
from poagraph.web.processes import KILL_TIMEOUT_S

#: Addresses meaning every interface: the public URL is then unknown (set BASE_URL).
WILDCARDS = ("0.0.0.0", "::", "")
#: The HTTP servers `serve` runs: poagraph's own (httpd.py) or granian
SERVERS = ("poagraph", "granian")


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
    server: str = "poagraph",
    **overrides: Any,
) -> None:
    """Serve until interrupted; `overrides` are app config keys (STORE, QUERY_TIMEOUT_S, ...)
    that win over the config file and the environment. Without a configured BASE_URL, the
    absolute URLs the site writes name the address it listens on."""
    settings = load_config(overrides)
    if not settings.get("BASE_URL"):
        overrides = {**overrides, "BASE_URL": listen_url(host, port)}
    workers = workers or min(4, os.cpu_count() or 1)
    loader = functools.partial(load_app, overrides, threads)
    if server == "granian":
        from granian.server import Server

        options = server_options(host, port, workers, threads)
        Server("poagraph.web.server:load_app", **options).serve(
            target_loader=loader, wrap_loader=False
        )
        return
    if server != "poagraph":
        raise ValueError(f"no such server: {server!r} (one of {', '.join(SERVERS)})")
    from poagraph.web import processes

    if not logging.getLogger().handlers:  # warnings and errors to stderr, as granian's
        logging.basicConfig(level=logging.WARNING, format="[%(levelname)s] %(message)s")
    processes.serve(loader, processes.listen(host, port), workers)


def listen_url(host: str, port: int) -> str:
    """http://HOST:PORT for the address `serve` listens on (IPv6 in brackets); on every
    interface (0.0.0.0, ::), the machine's name stands for HOST."""
    if host in WILDCARDS:
        host = socket.gethostname()
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
