"""The suite's one table: results per size as rows x sizes, poagraph's ratio to each peer in
its cells; and the record of a run (machine, date, versions) as JSON + Markdown in
bench/results/, named by date.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from rich.table import Table

RESULTS = Path(__file__).with_name("results")
ROOT = Path(__file__).resolve().parent.parent

#: system key -> the name in the table
SYSTEMS = {"poagraph": "poagraph", "oxigraph": "Oxigraph server", "rdflib": "rdflib-endpoint"}
PEERS = ("oxigraph", "rdflib")
MODES = ("uncached", "cached")


def ratio(ours: float | None, theirs: float | None) -> str:
    """poagraph ÷ peer as '0.52x' ('-' when either is missing or the peer did nothing)."""
    if not ours or not theirs:
        return "-"
    return f"{ours / theirs:.2f}x"


def _si(x: float) -> str:
    return f"{x / 1000:.0f}k" if x >= 10_000 else f"{x:.0f}"


def _seconds(step: dict | None, key: str = "seconds") -> str:
    if not step:
        return "-"
    if step.get("error"):
        return "failed" if "timeout" not in step["error"] else "timeout"
    return f"{step[key]:.2f} s"


def _load(size: dict, system: str) -> str:
    step = size.get("load", {}).get(system)
    if not step or step.get("error"):
        return _seconds(step)
    cell = f"{_si(step['quads_per_s'])} quads/s, {step['peak_mib']:.0f} MiB"
    if system == "poagraph":
        ours = step["quads_per_s"]
        peers = size["load"]
        cell += "".join(
            f"; {ratio(ours, peers[p].get('quads_per_s'))} {p}" for p in PEERS if p in peers
        )
    return cell


def _endpoint(size: dict, query: str, mode: str, system: str) -> str:
    figures = size.get("endpoint", {}).get(system, {}).get(query, {}).get(mode)
    if not figures:
        return "-"
    if figures.get("error"):
        return "failed"
    if not figures["requests"]:
        return "no answer in time"
    cell = f"{figures['requests_per_s']:.0f}/s, {figures['p50_ms']:.1f}/{figures['p99_ms']:.0f} ms"
    if figures["errors"]:
        cell += f", {figures['errors']} err"
    if system == "poagraph":
        ours = figures["requests_per_s"]
        for peer in PEERS:
            theirs = size["endpoint"].get(peer, {}).get(query, {}).get(mode)
            if theirs:
                cell += f"; {ratio(ours, theirs['requests_per_s'])} {peer}"
    return cell


def table_rows(results: dict) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the one table: a measure per row, a size per column."""
    sizes = results["sizes"]
    scales = list(sizes)
    header = ["measure", *(f"{s}x ({sizes[s].get('quads', 0):,} quads)" for s in scales)]
    rows: list[list[str]] = []

    def row(label: str, cell) -> None:
        rows.append([label, *(cell(sizes[s]) for s in scales)])

    def build_cell(z: dict) -> str:
        b = z.get("build")
        if not b or b.get("error"):
            return _seconds(b)
        return f"{b['seconds']:.1f} s, {b['peak_mib']:.0f} MiB ({b['reports']} reports)"

    row("build (poagraph build: time, peak memory)", build_cell)
    for system, name in SYSTEMS.items():
        row(f"load into the store: {name}", lambda z, s=system: _load(z, s))
    row("validation: whole graph", lambda z: _seconds(z.get("validate")))
    row(
        "validation: one contribution (validate / accept)",
        lambda z: _contribution(z.get("contribution")),
    )
    for system, name in SYSTEMS.items():
        row(f"server: {name} (start-up, peak memory)", lambda z, s=system: _server(z, s))
    queries = _queries(results)
    for query in queries:
        for mode in MODES:
            for system, name in SYSTEMS.items():
                label = f"{query}, {mode}: {name} (req/s, p50/p99)"
                row(label, lambda z, q=query, m=mode, s=system: _endpoint(z, q, m, s))
    return header, rows


def _queries(results: dict) -> list[str]:
    seen: dict[str, None] = {}
    for size in results["sizes"].values():
        for per_query in size.get("endpoint", {}).values():
            seen.update(dict.fromkeys(per_query))
    return list(seen)


def _contribution(step: dict | None) -> str:
    if not step or step.get("error"):
        return _seconds(step)
    return f"{step['validate_s']:.2f} s / {step['accept_s']:.2f} s ({step['outcomes']} outcomes)"


def _server(size: dict, system: str) -> str:
    s = size.get("servers", {}).get(system)
    if not s:
        return "-"
    if s.get("error"):
        return "failed"
    return f"{s['startup_s']:.1f} s, {s['peak_mib']:.0f} MiB"


def rich_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    table = Table(*header, title="poagraph bench", title_justify="left")
    for r in rows:
        table.add_row(*r)
    return table


def markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _command(args: list[str]) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=30, cwd=ROOT)
        return (done.stdout or done.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "?"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": round(mem_kib / 1024**2, 1),
        "os": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def versions(oxigraph_bin: str) -> dict:
    dirty = _command(["git", "status", "--porcelain", "--untracked-files=no"])
    return {
        "poagraph": _command(["git", "rev-parse", "--short=12", "HEAD"])
        + ("+changes" if dirty not in ("", "?") else ""),
        "python": platform.python_version(),
        "pyoxigraph": _version("pyoxigraph"),
        "oxigraph server": _command([oxigraph_bin, "--version"]),
        "rdflib": _version("rdflib"),
        "rdflib-endpoint": _version("rdflib-endpoint"),
        "granian": _version("granian"),
        "wrk": _command(["wrk", "-v"]).split(" [")[0],
    }


def preamble(results: dict) -> str:
    m, v, s = results["machine"], results["versions"], results["settings"]
    return (
        f"{results['date']} on {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM "
        f"(load average at start {', '.join(map(str, m['load_average']))}). "
        + ", ".join(f"{k} {val}" for k, val in v.items())
        + f". wrk -t{s['threads']} -c{s['connections']}, {s['duration_s']} s per cell; "
        "uncached: a unique comment ends every request's query; cached: the same request; "
        "ratios are poagraph ÷ peer (throughput)."
    )


def write(results: dict) -> tuple[Path, Path]:
    """bench/results/DATE.json and DATE.md (DATE: UTC, to the second)."""
    RESULTS.mkdir(exist_ok=True)
    stamp = results["date"].replace(":", "").replace("-", "")[:15]
    json_path = RESULTS / f"{stamp}.json"
    json_path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    header, rows = table_rows(results)
    md = f"# poagraph bench {results['date']}\n\n{preamble(results)}\n\n" + markdown(header, rows)
    md_path = RESULTS / f"{stamp}.md"
    md_path.write_text(md, encoding="utf-8")
    return json_path, md_path


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
