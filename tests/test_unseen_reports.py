"""Unseen reports (issue 11): two fixture reports from agencies mappings/ know nothing of,
built through the real `poagraph build --report FILE --store DIR` and scored against answer
keys written by hand from their text (tests/fixtures/reports/*.key.yaml, see the README
there).

Each metric is its own test per report, so a failure says which one and prints the misses:
programmes found >= 90%, organisations found >= 85%, stated results as outcomes (value,
countries, currency) >= 95%, outcomes that are no stated result <= 5%, every section under
its action and commitment with its heading's countries; the unknown place heading warns
with file:line, its passages carry no country, and `--strict` stops on it. The keys are
checked too: every name and snippet is in the text, and mappings/ know none of the names.
The scoring itself is in tests/unseen_scoring.py (plain functions on a report graph).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from pyoxigraph import NamedNode, Store
from unseen_scoring import (
    FIXTURES,
    describe_outcome,
    describe_result,
    details_agree,
    figure,
    forms,
    heading_line,
    key,
    mappings_names,
    match_results,
    money_key,
    norm,
    not_stated,
    outcomes,
    passage_places,
    ratio,
    score_names,
    section_problems,
    source,
    unclaimed,
)

from poagraph import iris, store

SLUGS = ["fao-bpoa-review", "unfpa-bpoa-review"]
FOUND_AT_LEAST = {"programmes": 0.90, "organisations": 0.85, "results": 0.95}
NOT_RESULTS_AT_MOST = 0.05
POAGRAPH = Path(sys.executable).parent / "poagraph"


# -- the builds ------------------------------------------------------------------------------


@dataclass
class Build:
    slug: str
    run: subprocess.CompletedProcess
    graph: Store | None  #: the report's graph, in memory (None when the build failed)

    @property
    def output(self) -> str:
        """What the command printed (stdout and stderr), spacing collapsed."""
        return " ".join(f"{self.run.stdout}\n{self.run.stderr}".split())

    def require(self) -> Store:
        if self.graph is None:
            pytest.fail(
                f"`poagraph build --report {self.slug}.md` failed (exit {self.run.returncode}):"
                f"\n{self.why()}",
                pytrace=False,
            )
        return self.graph

    def why(self) -> str:
        """The violations and the error of a failed build, else the end of what it said."""
        lines = [line.strip() for line in self.run.stderr.splitlines()]
        picked = [
            " ".join(lines[max(i - 2, 0) : i + 2])
            for i, line in enumerate(lines)
            if line.startswith("Violation")
        ]
        picked += [line for line in lines if line.startswith("Error")]
        return "\n".join(picked) if picked else self.run.stderr[-2000:]


def poagraph(*args: str) -> subprocess.CompletedProcess:
    """Run the installed `poagraph` command; a wide console so messages are not wrapped."""
    env = {**os.environ, "COLUMNS": "1000", "NO_COLOR": "1"}
    return subprocess.run(
        [str(POAGRAPH), *args], env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory):
    """slug -> Build, each report built once into its own temporary store."""
    done: dict[str, Build] = {}

    def get(slug: str) -> Build:
        if slug not in done:
            store_path = tmp_path_factory.mktemp(slug) / "store"
            run = poagraph(
                "build", "--report", str(FIXTURES / f"{slug}.md"), "--store", str(store_path)
            )
            graph = None
            if run.returncode == 0:
                graph = Store()
                with store.reading(store_path) as db:
                    graph_name = NamedNode(iris.report_graph(slug))
                    graph.extend(db.quads_for_pattern(None, None, None, graph_name))
            done[slug] = Build(slug, run, graph)
        return done[slug]

    return get


# -- the metrics -----------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("kind", ["programmes", "organisations"])
def test_named_entities_found(builds, slug: str, kind: str) -> None:
    g = builds(slug).require()
    cls = "Programme" if kind == "programmes" else "Organisation"
    entries = key(slug)[kind]
    found, missed = score_names(g, cls, entries)
    line = figure(slug, f"{kind} found", len(found), len(entries), f">= {FOUND_AT_LEAST[kind]:.0%}")
    misses = "\n".join(f"  {e['name']} ({e.get('acronym') or 'no acronym'})" for e in missed)
    others = f"\n(in the graph, not in the key: {unclaimed(g, cls, entries)})"
    print(others.strip(), f"\n{slug}: {kind}: {details_agree(g, cls, found)}")
    assert ratio(len(found), len(entries)) >= FOUND_AT_LEAST[kind], (
        f"{line}; missed:\n{misses}{others}"
    )


@pytest.mark.parametrize("slug", SLUGS)
def test_stated_results_are_outcomes(builds, slug: str) -> None:
    k, found = key(slug), outcomes(builds(slug).require())
    pairs, missed = match_results(k["results"], found)
    line = figure(slug, "stated results as outcomes", len(pairs), len(k["results"]), ">= 95%")
    wrong_status = [
        f"  {res['value']} {res['counted']}: key {res['status']}, graph {o.status}"
        for res, o in pairs
        if not o.status.lower().endswith(res["status"])
    ]
    agree = len(pairs) - len(wrong_status)
    print(f"{slug}: status agrees on {agree}/{len(pairs)} matched", *wrong_status, sep="\n")
    misses = "\n".join(describe_result(r, found) for r in missed)
    assert ratio(len(pairs), len(k["results"])) >= FOUND_AT_LEAST["results"], (
        f"{line}; missed (value, what, countries, words):\n{misses}"
    )


@pytest.mark.parametrize("slug", SLUGS)
def test_outcomes_are_stated_results(builds, slug: str) -> None:
    k, found = key(slug), outcomes(builds(slug).require())
    extra = not_stated(k, found)
    line = figure(slug, "outcomes that are no stated result", len(extra), len(found), "<= 5%")
    listing = "\n".join(describe_outcome(o, k) for o in extra)
    assert found, f"{slug}: no outcome at all"
    assert ratio(len(extra), len(found)) <= NOT_RESULTS_AT_MOST, f"{line}:\n{listing}"


@pytest.mark.parametrize("slug", SLUGS)
def test_sections_sit_under_their_action_and_place(builds, slug: str) -> None:
    g = builds(slug).require()
    problems = list(section_problems(g, key(slug)))
    places = sum(len(s["places"]) for s in key(slug)["sections"])
    figure(slug, "sections without a problem", places - len(problems), places, "all")
    assert not problems, f"{slug}: {len(problems)} problems:\n" + "\n".join(problems)


# -- the unknown place heading ---------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_unknown_heading_warns_and_the_build_succeeds(builds, slug: str) -> None:
    build, heading = builds(slug), key(slug)["unknown_heading"]
    where = f"{slug}.md:{heading_line(slug, heading)}:"
    said = f"place heading '{heading}' names no known country or region"
    assert build.run.returncode == 0, build.why()
    assert where in build.output and said in build.output, (
        f"no warning {where} {said}... in:\n{build.output[-3000:]}"
    )
    places = [p for s in key(slug)["sections"] for p in s["places"] if p.get("unknown")]
    assert [p["heading"] for p in places] == [heading]
    g = build.require()
    for words in places[0]["passages"]:
        found = [p for p in passage_places(g).values() if p[0].startswith(norm(words))]
        assert len(found) == 1 and not found[0][2] and not found[0][3], (words, found)


@pytest.mark.parametrize("slug", SLUGS)
def test_strict_build_stops_on_the_unknown_heading(tmp_path: Path, slug: str) -> None:
    heading = key(slug)["unknown_heading"]
    run = poagraph(
        "build",
        "--strict",
        "--report",
        str(FIXTURES / f"{slug}.md"),
        "--store",
        str(tmp_path / "s"),
    )
    output = " ".join(f"{run.stdout}\n{run.stderr}".split())
    assert run.returncode == 1, output[-3000:]
    assert f"{slug}.md:{heading_line(slug, heading)}" in output and heading in output, output
    assert "Traceback" not in output


# -- the keys themselves ---------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_the_key_quotes_the_text(slug: str) -> None:
    """Every name, snippet and passage start of the key is in the report (page breaks and
    spacing aside), so the key describes this text and nothing else."""
    text, k = norm(source(slug)), key(slug)
    wanted = [e["name"] for e in k["programmes"] + k["organisations"]]
    wanted += [str(e["acronym"]) for e in k["programmes"] + k["organisations"] if e.get("acronym")]
    wanted += [r["snippet"] for r in k["results"] + k["not_results"]]
    wanted += [w for s in k["sections"] for p in s["places"] for w in p["passages"]]
    wanted += [p["heading"] for s in k["sections"] for p in s["places"]]
    missing = [w for w in wanted if norm(w) not in text]
    assert not missing, missing
    assert k["report"] == slug
    assert yaml.safe_load((FIXTURES / f"{slug}.yaml").read_text(encoding="utf-8"))["slug"] == slug


@pytest.mark.parametrize("slug", SLUGS)
def test_the_key_values_are_consistent(slug: str) -> None:
    """A stated result never shares its value with a number that is not one, so counting
    outcomes by value tells the two apart; statuses and countries are well-formed."""
    k = key(slug)
    stated = {money_key(r["value"], r.get("currency")) for r in k["results"]}
    clash = [n for n in k["not_results"] if money_key(n["value"], None) in stated]
    assert not clash, clash
    assert {r["status"] for r in k["results"]} <= {"achieved", "planned"}
    codes = [c for r in k["results"] for c in r["countries"]]
    codes += [c for e in k["programmes"] for c in e["countries"]]
    assert all(re.fullmatch(r"[A-Z]{3}", c) for c in codes), codes


@pytest.mark.parametrize("slug", SLUGS)
def test_mappings_know_none_of_the_names(slug: str) -> None:
    """The fixtures test discovery: no organisation, programme or unknown heading of the key
    is in the gazetteers (the reporting agency included)."""
    known, k = mappings_names(), key(slug)
    overlap = [e["name"] for e in k["programmes"] + k["organisations"] if forms(e) & known]
    assert not overlap, overlap
    assert norm(k["unknown_heading"]) not in known
