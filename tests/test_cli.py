"""The `poagraph` command line, run through click's CliRunner (the real code, in-process)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import RdfFormat, parse
from ui_support import sample_store

from poagraph import iris, paths, store
from poagraph.cli import main

OTHER_REPORT = Path(__file__).parent / "fixtures" / "reports" / "uncdf-bpoa-review.md"
COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def store_copy(built_store_path: Path, tmp_path: Path) -> Path:
    """A writable copy of the session's built store."""
    target = tmp_path / "store"
    shutil.copytree(built_store_path, target)
    return target


def quads_in(path: Path) -> set:
    db = store.open_store(path, read_only=True)
    return set(db)


def user_error(result, *fragments: str) -> None:
    """A user error: exit 1, the fragments in the message, no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output


def test_every_command_is_listed_and_loads(runner: CliRunner) -> None:
    """Every command of the cli package is on `poagraph --help` and answers --help."""
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    expected = {"build", "export", "stats", "coverage", "query", "validate", "serve"}
    for name in expected:
        assert f"  {name} " in result.output
        sub = runner.invoke(main, [name, "--help"])
        assert sub.exit_code == 0, f"{name}: {sub.output}"


def test_build_twice_replaces_never_duplicates(runner: CliRunner, store_copy: Path) -> None:
    before = quads_in(store_copy)
    result = runner.invoke(main, ["build", "--store", str(store_copy)])
    assert result.exit_code == 0, result.output
    assert quads_in(store_copy) == before
    graphs = {g.value for g in {q.graph_name for q in before}}
    assert iris.report_graph("iom-bpoa-review") in graphs
    assert iris.ONTOLOGY_GRAPH in graphs


def test_another_report_adds_its_graph_and_keeps_the_first(
    runner: CliRunner, store_copy: Path
) -> None:
    before = quads_in(store_copy)
    result = runner.invoke(
        main, ["build", "--report", str(OTHER_REPORT), "--store", str(store_copy)]
    )
    assert result.exit_code == 0, result.output
    after = quads_in(store_copy)
    other_graph = iris.report_graph("uncdf-bpoa-review")
    iom_graph = iris.report_graph("iom-bpoa-review")
    assert any(q.graph_name.value == other_graph for q in after)
    assert {q for q in after if q.graph_name.value == iom_graph} == {
        q for q in before if q.graph_name.value == iom_graph
    }


def test_build_with_a_missing_report_file(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.md"
    result = runner.invoke(
        main, ["build", "--report", str(missing), "--store", str(tmp_path / "s")]
    )
    assert result.exit_code == 2
    assert "nowhere.md" in result.output and "does not exist" in result.output
    assert not (tmp_path / "s").exists()


def test_build_with_a_binary_report_names_the_file(runner: CliRunner, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.md"
    garbage.write_bytes(bytes(range(256)) * 8)
    result = runner.invoke(
        main, ["build", "--report", str(garbage), "--store", str(tmp_path / "s")]
    )
    user_error(result, "garbage.md", "UTF-8")


def test_build_with_no_commitment_heading_names_file_and_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    flat = tmp_path / "flat.md"
    flat.write_text("# Report on FAO contribution\n\nJust prose, no commitments.\n")
    result = runner.invoke(main, ["build", "--report", str(flat), "--store", str(tmp_path / "s")])
    user_error(result, "flat.md:", "Commitment")


def test_a_failed_build_leaves_the_store_as_it_was(
    runner: CliRunner, store_copy: Path, tmp_path: Path
) -> None:
    before = quads_in(store_copy)
    broken = tmp_path / "broken.md"
    broken.write_bytes(b"\xff\xfe not text")
    result = runner.invoke(
        main,
        [
            "build",
            "--report",
            str(OTHER_REPORT),
            "--report",
            str(broken),
            "--store",
            str(store_copy),
        ],
    )
    user_error(result, "broken.md")
    del result  # its traceback would otherwise keep the store open
    assert quads_in(store_copy) == before


def _unknown_heading_report(folder: Path) -> tuple[Path, int]:
    """A report whose second section is headed by a place no gazetteer knows; its line."""
    text = (
        "Global review of the Programme of Action\n\n"
        "**Report on WFP contribution to the review**\n\n"
        "Commitment 4: Building productive capacities\n\n"
        "- **Developing rural infrastructure**\n\n"
        "Senegal\n\nWFP built 12 storage sheds in 2010.\n\n"
        "Lake Chad Basin\n\nWFP supported 1,200 farmers around the lake in 2008.\n"
    )
    path = folder / "wfp-review.md"
    path.write_text(text, encoding="utf-8")
    (folder / "wfp-review.yaml").write_text("slug: wfp-review\nyear: 2010\n", encoding="utf-8")
    return path, text[: text.index("Lake Chad Basin")].count("\n") + 1


def test_an_unknown_place_heading_is_a_warning_and_the_build_goes_on(
    runner: CliRunner, tmp_path: Path
) -> None:
    path, line = _unknown_heading_report(tmp_path)
    result = runner.invoke(main, ["build", "--report", str(path), "--store", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    assert (
        f"{path}:{line}: place heading 'Lake Chad Basin' names no known country or region: "
        "add it to mappings/countries.yaml (aliases) or mappings/regions.yaml"
    ) in result.output
    assert "report/wfp-review" in result.output  # the graph was written


def test_strict_makes_an_unknown_place_heading_an_error(runner: CliRunner, tmp_path: Path) -> None:
    path, line = _unknown_heading_report(tmp_path)
    result = runner.invoke(
        main, ["build", "--strict", "--report", str(path), "--store", str(tmp_path / "s")]
    )
    user_error(result, f"{path.name}:{line}: place heading 'Lake Chad Basin'")
    assert not (tmp_path / "s").exists()


def test_build_on_a_store_locked_by_another_process(
    runner: CliRunner, store_copy: Path, store_holder
) -> None:
    store_holder(store_copy)
    result = runner.invoke(main, ["build", "--store", str(store_copy)])
    user_error(result, str(store_copy), "in use by another process")


@pytest.mark.parametrize(
    ("fmt", "rdf_format"),
    [("nquads", RdfFormat.N_QUADS), ("trig", RdfFormat.TRIG), ("jsonld", RdfFormat.JSON_LD)],
)
def test_export_keeps_every_quad(
    runner: CliRunner, built_store_path: Path, tmp_path: Path, fmt: str, rdf_format
) -> None:
    out = tmp_path / f"export.{fmt}"
    result = runner.invoke(
        main, ["export", "--store", str(built_store_path), "--format", fmt, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    exported = set(parse(path=str(out), format=rdf_format))
    assert exported == quads_in(built_store_path)


def test_export_turtle_to_stdout_is_the_union(runner: CliRunner, built_store_path: Path) -> None:
    result = runner.invoke(main, ["export", "--store", str(built_store_path), "--format", "turtle"])
    assert result.exit_code == 0, result.output
    triples = {q.triple for q in parse(result.stdout_bytes, format=RdfFormat.TURTLE)}
    assert triples == {q.triple for q in quads_in(built_store_path)}


def test_export_from_a_missing_store(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["export", "--store", str(tmp_path / "none"), "--format", "trig"])
    user_error(result, "no store here", "poagraph build")


def test_stats_lists_graphs_and_classes(runner: CliRunner, built_store_path: Path) -> None:
    result = runner.invoke(main, ["stats", "--store", str(built_store_path)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "report/iom-bpoa-review" in result.output
    assert "poa:Commitment" in result.output
    n_quads = len(quads_in(built_store_path))
    assert str(n_quads) in result.output  # the total


def test_query_csv_counts_union_triples(runner: CliRunner, built_store_path: Path) -> None:
    result = runner.invoke(
        main, ["query", "--store", str(built_store_path), "-e", COUNT_QUERY, "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    # The union default graph is a multiset: a triple in two graphs counts twice.
    assert int(rows[0]["n"]) == len(quads_in(built_store_path))


def test_query_json_uses_predeclared_prefixes(runner: CliRunner, built_store_path: Path) -> None:
    query = "SELECT ?c ?label WHERE { ?c a poa:Commitment ; skos:prefLabel ?label }"
    result = runner.invoke(
        main, ["query", "--store", str(built_store_path), "-e", query, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    bindings = json.loads(result.stdout)["results"]["bindings"]
    numbers = {b["c"]["value"].rsplit("/", 1)[1] for b in bindings}
    assert numbers == {str(n) for n in range(1, 8)}


def test_query_table_from_a_file(runner: CliRunner, built_store_path: Path, tmp_path: Path) -> None:
    rq = tmp_path / "reports.rq"
    rq.write_text("SELECT ?r WHERE { ?r a poa:Report }\n")
    result = runner.invoke(
        main, ["query", "--store", str(built_store_path), "--file", str(rq)], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    assert "iom-bpoa-review" in result.output
    assert "1 rows" in result.output


def test_query_csv_and_table_tidy_report_text_json_keeps_it_exact(
    runner: CliRunner, tmp_path: Path
) -> None:
    """The Ethiopia paragraph: "... a Human Security Fund of about \\$ 1.4 Million USD ..." (a
    Markdown escape) and "... the development" / page break / "and rehabilitation ...". People
    read it tidied in a table or CSV; JSON gives programs the exact words."""
    source = (paths.SOURCES / "iom-bpoa-review.md").read_text(encoding="utf-8")
    store_path = sample_store(tmp_path / "store")
    query = (
        "SELECT ?text WHERE { ?p poa:text ?text"
        ' FILTER (CONTAINS(STR(?text), "Human Security Fund of about")) }'
    )
    args = ["query", "--store", str(store_path), "-e", query, "--format"]
    exact = json.loads(runner.invoke(main, [*args, "json"]).stdout)
    (binding,) = exact["results"]["bindings"]
    assert binding["text"]["value"] in source  # byte for byte the report's
    assert (
        "\\$ 1.4" in binding["text"]["value"] and "development\n\nand" in binding["text"]["value"]
    )
    assert binding["text"]["xml:lang"] == "en"
    result = runner.invoke(main, [*args, "csv"])
    assert result.exit_code == 0, result.output
    (row,) = list(csv.DictReader(io.StringIO(result.stdout)))
    assert "about $ 1.4 Million USD" in row["text"]
    assert "the development and rehabilitation of social service facilities" in row["text"]
    assert "\\" not in row["text"] and "\n" not in row["text"]
    table = runner.invoke(main, [*args, "table"], terminal_width=400)
    assert "about $ 1.4 Million USD" in table.output and "\\$" not in table.output


def test_query_syntax_error_gives_the_position(runner: CliRunner, built_store_path: Path) -> None:
    result = runner.invoke(
        main, ["query", "--store", str(built_store_path), "-e", "SELECT ?x WHERE { ?x ?y }"]
    )
    user_error(result, "syntax", "1:")


def test_query_needs_exactly_one_source(runner: CliRunner, built_store_path: Path) -> None:
    result = runner.invoke(main, ["query", "--store", str(built_store_path)])
    assert result.exit_code == 2
    assert "exactly one" in result.output


def test_bundled_queries_run(runner: CliRunner, built_store_path: Path) -> None:
    """Every queries/*.rq parses and runs from the CLI (their answers are tested elsewhere)."""
    files = sorted(paths.QUERIES.glob("*.rq"))
    local = [f for f in files if "SERVICE" not in f.read_text(encoding="utf-8")]
    for rq in local:
        result = runner.invoke(
            main, ["query", "--store", str(built_store_path), "--file", str(rq), "--format", "csv"]
        )
        assert result.exit_code == 0, f"{rq.name}: {result.output}"


def test_coverage_lists_the_numbers_of_the_report(runner: CliRunner) -> None:
    result = runner.invoke(main, ["coverage"], terminal_width=250)
    assert result.exit_code == 0, result.output
    assert "4,400" in result.output  # "over 4,400 migrants" (source line 86)
    assert "numbers:" in result.output and "outcomes" in result.output


def test_coverage_of_another_report(runner: CliRunner) -> None:
    result = runner.invoke(main, ["coverage", "--report", str(OTHER_REPORT)], terminal_width=250)
    assert result.exit_code == 0, result.output
    assert "12,000" in result.output  # "more than 12,000 new depositors"


def test_coverage_of_an_unreadable_report(runner: CliRunner, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.md"
    garbage.write_bytes(b"\x00\xff" * 100)
    result = runner.invoke(main, ["coverage", "--report", str(garbage)])
    user_error(result, "garbage.md")


STRICT_SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix poa: <https://w3id.org/poagraph/ontology#> .
<urn:test:StrictReportShape> a sh:NodeShape ;
    sh:targetClass poa:Report ;
    sh:property [
        sh:path poa:neverStated ;
        sh:minCount 1 ;
        sh:severity sh:Violation ;
        sh:message "Test shape: a report must state poa:neverStated." ;
    ] .
"""


def test_a_graph_that_does_not_conform_stops_the_build(tmp_path: Path) -> None:
    """Run against a copy of the project data whose shapes no report can satisfy."""
    home = tmp_path / "home"
    for folder in ("ontology", "shapes", "mappings", "sources", "queries"):
        shutil.copytree(paths.ROOT / folder, home / folder)
    poagraph = Path(sys.executable).parent / "poagraph"
    env = {**os.environ, "POAGRAPH_HOME": str(home)}
    store_path = tmp_path / "store"
    command = [str(poagraph), "build", "--store", str(store_path)]
    good = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert good.returncode == 0, good.stderr
    before = quads_in(store_path)

    with (home / "shapes" / "poa.ttl").open("a", encoding="utf-8") as f:
        f.write(STRICT_SHAPE)
    bad = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1
    assert "does not conform" in bad.stderr
    assert "Test shape: a report must state poa:neverStated." in bad.stderr
    assert "Traceback" not in bad.stderr
    assert quads_in(store_path) == before


def test_build_reports_progress_and_its_result(tmp_path: Path, report_path: Path) -> None:
    """The library call behind `poagraph build`: steps in order, counts that match the store."""
    from poagraph.build import build, total_steps

    seen: list[tuple[str, int, int]] = []
    result = build(
        [report_path, OTHER_REPORT],
        tmp_path / "store",
        progress=lambda d, c, t: seen.append((d, c, t)),
    )
    completed = [c for _, c, _ in seen]
    assert completed == sorted(completed)
    assert seen[-1][1:] == (total_steps(2), total_steps(2))
    assert [r.slug for r in result.reports] == ["iom-bpoa-review", "uncdf-bpoa-review"]
    db = store.open_store(tmp_path / "store", read_only=True)
    assert result.fingerprint == store.fingerprint(db)
    per_graph = {}
    for q in db:
        per_graph[q.graph_name.value] = per_graph.get(q.graph_name.value, 0) + 1
    assert result.graphs == per_graph
