"""Contributions accepted per second: 100-outcome Turtle contributions POSTed to
/contributions of a real `poagraph serve` (on a fresh build of the bundled report), one
client at a time and 8 clients at once, and the share of the elapsed time spent
validating (validate_contribution alone, in-process, on the same body, times the number
of contributions, over the wall time). Target: one
100-outcome contribution accepted in under 0.5 s end to end.

Settings (environment): BENCH_SEQUENTIAL (default 10 contributions), BENCH_CONCURRENT (40),
BENCH_CLIENTS (8).
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench import print_figures, timings
from bench.endpoint import _free_port, _wait
from bench.validate import OUTCOMES, _poagraph, contribution_turtle
from poagraph import iris, paths
from poagraph.build import build
from poagraph.contributions.check import validate_contribution
from poagraph.contributions.reference import open_reference
from poagraph.contributions.tokens import TokenStore

TARGET_SECONDS = 0.5


def _body(i: int) -> bytes:
    """A distinct 100-outcome contribution (a comment makes the body, hence the id, new)."""
    return contribution_turtle() + f"\n# bench contribution {i}\n".encode()


def _post(base: str, secret: str, body: bytes) -> float:
    start = time.perf_counter()
    r = requests.post(
        f"{base}/contributions",
        data=body,
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {secret}"},
        timeout=300,
    )
    if r.status_code != 201:
        raise RuntimeError(f"contribution refused: {r.status_code} {r.text[:500]}")
    return time.perf_counter() - start


def run() -> None:
    sequential = int(os.environ.get("BENCH_SEQUENTIAL", "10"))
    concurrent = int(os.environ.get("BENCH_CONCURRENT", "40"))
    clients = int(os.environ.get("BENCH_CLIENTS", "8"))
    with tempfile.TemporaryDirectory(prefix="poagraph-bench-") as tmp:
        store_path = Path(tmp) / "store"
        build(paths.BUNDLED_REPORTS, store_path)
        tokens = Path(tmp) / "tokens.toml"
        organisation = iris.organisation("example-partner-organisation")
        _, secret = TokenStore(tokens).add(organisation, "Example Partner Organisation")

        # validation alone, in-process, on the same body (reference = the built store)
        ref = open_reference(store_path)
        validating = statistics.median(
            timings(lambda: validate_contribution(_body(-1), "ttl", reference=ref), 5, warmup=1)
        )

        port = _free_port()
        command = [_poagraph(), "serve", "--store", str(store_path), "--port", str(port)]
        env = {**os.environ, "POAGRAPH_TOKENS": str(tokens)}
        server = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
            start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(f"{base}/sparql", server)
            _post(base, secret, _body(0))  # warm-up: the organisation enters the graph
            one = [_post(base, secret, _body(i)) for i in range(1, sequential + 1)]
            start = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                many = list(
                    pool.map(
                        lambda i: _post(base, secret, _body(i)),
                        range(sequential + 1, sequential + 1 + concurrent),
                    )
                )
            wall = time.perf_counter() - start
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    median_one = statistics.median(one)
    rows = [
        (
            "sequential (1 client)",
            sequential,
            sequential / sum(one),
            median_one,
            max(one),
            validating * sequential / sum(one),
        ),
        (
            f"concurrent ({clients} clients)",
            concurrent,
            concurrent / wall,
            statistics.median(many),
            max(many),
            validating * concurrent / wall,
        ),
    ]
    print_figures(
        f"Contributions of {OUTCOMES} outcomes accepted over HTTP (target: one under"
        f" {TARGET_SECONDS} s end to end); validation alone: {validating:.3f} s",
        rows,
        ["clients", "contributions", "accepted/s", "median s", "max s", "share validating"],
    )
