"""The synthetic corpus (bench/corpus.py): deterministic from its seed, and every report it
writes builds and conforms through the real `poagraph build --report ... --store DIR`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
POAGRAPH = Path(sys.executable).parent / "poagraph"
ENV = {**os.environ, "COLUMNS": "1000", "NO_COLOR": "1"}


def corpus(out: Path, scale: int, seed: int) -> list[Path]:
    args = ["--scale", str(scale), "--seed", str(seed), "--out", str(out)]
    subprocess.run([sys.executable, "-m", "bench", "corpus", *args], cwd=ROOT, check=True, env=ENV)
    return sorted(out.glob("*.md"))


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def build(reports: list[Path], store: Path) -> subprocess.CompletedProcess:
    args = [a for r in reports for a in ("--report", str(r))]
    return subprocess.run(
        [str(POAGRAPH), "build", *args, "--store", str(store)],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=600,
    )


def counts(store: Path) -> dict[str, tuple[int, int]]:
    """Report graph -> (passages, outcomes)."""
    query = """
        PREFIX poa: <https://w3id.org/poagraph/ontology#>
        SELECT ?g (SUM(IF(?c = poa:Passage, 1, 0)) AS ?p) (SUM(IF(?c = poa:Outcome, 1, 0)) AS ?o)
        WHERE { GRAPH ?g { ?x a ?c } FILTER(CONTAINS(STR(?g), "/report/")) } GROUP BY ?g"""
    db = ox.Store.read_only(str(store))
    return {r[0].value: (int(r[1].value), int(r[2].value)) for r in db.query(query)}


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    corpus(tmp_path / "a", 3, 11)
    corpus(tmp_path / "b", 3, 11)
    corpus(tmp_path / "c", 3, 12)
    a, b, c = (contents(tmp_path / x) for x in "abc")
    assert len(a) == 6  # 3 reports + their metadata
    assert a == b
    assert not set(a.values()) & set(c.values())


def test_layout_and_metadata(tmp_path: Path) -> None:
    (report,) = corpus(tmp_path, 1, 5)
    meta = yaml.safe_load(report.with_suffix(".yaml").read_text(encoding="utf-8"))
    assert meta["slug"] == report.stem
    assert meta["programme_of_action"] == "bpoa" and meta["language"] == "en"
    assert 2001 <= meta["year"] <= 2010 and meta["organisation"] in meta["title"]
    text = report.read_text(encoding="utf-8")
    assert f"**Report on {meta['organisation']} contribution" in text
    assert "\nCommitment " in text and ("\n- **" in text or "\n▪ **" in text)
    assert "¹ " in text  # a footnote at the foot of a page
    # a page break inside a paragraph: a block that starts with a lower-case word
    assert any(block[:1].islower() for block in text.split("\n\n"))


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Scale 1 and scale 2 of one seed, each built into its own store."""
    stores = {}
    for scale in (1, 2):
        base = tmp_path_factory.mktemp(f"corpus-{scale}")
        run = build(corpus(base / "reports", scale, 3), base / "store")
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        # a violation stops the build (exit 1); none may be reported either
        assert not re.search(r"[1-9]\d* violations", run.stdout + run.stderr)
        stores[scale] = base / "store"
    return stores


def test_scale_one_is_the_bundled_reports_size(scaled: dict[int, Path]) -> None:
    ((passages, outcomes),) = counts(scaled[1]).values()
    assert 110 <= passages <= 170  # the bundled report: 140
    assert 35 <= outcomes <= 70  # the bundled report: 52


def test_scale_two_builds_two_report_graphs_with_twice_the_outcomes(
    scaled: dict[int, Path],
) -> None:
    one, two = counts(scaled[1]), counts(scaled[2])
    assert len(two) == 2
    ratio = sum(o for _, o in two.values()) / sum(o for _, o in one.values())
    assert 1.6 <= ratio <= 2.4
