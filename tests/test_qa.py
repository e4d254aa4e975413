"""The data-quality checks (qa/*.rq, poagraph.qa): they pass on the bundled graph, and on a
store broken on purpose (one fault per check, made with SPARQL Update) each fails naming the
broken resource, through `poagraph check`, the build's result and GET /qa."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import QueryBoolean, QuerySolutions, Store

from poagraph import iris, paths, qa
from poagraph.build import build
from poagraph.cli import main
from poagraph.errors import InputError
from tests.ui_support import close_app, make_app

REPORT = "https://w3id.org/poagraph/id/report/iom-bpoa-review/"
IOM = iris.ID + "organisation/iom"
ANNOTATION = REPORT + "annotation/1"
PROGRAMME = iris.ID + "programme/rif"

#: One fault per check (SPARQL Update on the report graph), and the offender it must name.
FAULTS = {
    "organisation-kind": (
        f"DELETE WHERE {{ GRAPH ?g {{ <{IOM}> poa:organisationKind ?kind }} }}",
        IOM,
    ),
    "annotation-offsets": (
        f"""DELETE {{ GRAPH ?g {{ ?position oa:start ?start }} }}
        INSERT {{ GRAPH ?g {{ ?position oa:start ?shifted }} }}
        WHERE {{ GRAPH ?g {{ <{ANNOTATION}> oa:hasTarget/oa:hasSelector ?position .
                            ?position oa:start ?start }}
                BIND (?start + 1 AS ?shifted) }}""",
        ANNOTATION,
    ),
    "outcome-status": (
        f"INSERT DATA {{ GRAPH <{iris.GRAPH}report/iom-bpoa-review> "
        f"{{ <{REPORT}outcome/status-fault> poa:status poa:Achieved, poa:Planned }} }} ;"
        f"INSERT DATA {{ GRAPH <{iris.GRAPH}report/iom-bpoa-review> "
        f"{{ <{REPORT}outcome/status-fault> a poa:Outcome ; poa:evidence <{REPORT}passage/1> }} }}",
        REPORT + "outcome/status-fault",
    ),
    "outcome-evidence": (
        f"INSERT DATA {{ GRAPH <{iris.GRAPH}report/iom-bpoa-review> "
        f"{{ <{REPORT}outcome/no-evidence> a poa:Outcome ; poa:status poa:Achieved ;"
        f' poa:value 7 ; poa:unit "orphans"@en }} }}',
        REPORT + "outcome/no-evidence",
    ),
    "outcome-duplicates": (
        f"""INSERT {{ GRAPH ?g {{ <{REPORT}outcome/twin> a poa:Outcome ; poa:quote ?quote ;
                poa:value ?value ; poa:unit ?unit ; poa:status ?status ;
                poa:evidence ?passage }} }}
        WHERE {{ {{ SELECT ?g ?outcome WHERE {{ GRAPH ?g {{ ?outcome a poa:Outcome ;
                    poa:unit ?u ; poa:quote ?q }} }} ORDER BY ?outcome LIMIT 1 }}
                GRAPH ?g {{ ?outcome poa:quote ?quote ; poa:value ?value ; poa:unit ?unit ;
                    poa:status ?status ; poa:evidence ?passage }} }}""",
        REPORT + "outcome/twin",
    ),
    "programme-country-or-action": (
        f"DELETE {{ GRAPH ?g {{ <{PROGRAMME}> ?p ?o }} }} WHERE {{ GRAPH ?g "
        f"{{ <{PROGRAMME}> ?p ?o }} VALUES ?p {{ poa:country poa:region poa:addresses }} }}",
        PROGRAMME,
    ),
    "language-tags": (
        f"""DELETE {{ GRAPH ?g {{ <{IOM}> rdfs:label ?label }} }}
        INSERT {{ GRAPH ?g {{ <{IOM}> rdfs:label ?plain }} }}
        WHERE {{ GRAPH ?g {{ <{IOM}> rdfs:label ?label }} BIND (STR(?label) AS ?plain) }}""",
        IOM,
    ),
}


def test_every_check_is_a_pair_with_a_header_and_parses() -> None:
    checks = qa.load_checks()
    assert {c.name for c in checks} >= set(FAULTS)
    empty = Store()
    for check in checks:
        assert check.title and check.description, check.name
        assert "healthy" in check.description.lower(), check.name
        assert isinstance(empty.query(check.ask), QueryBoolean), check.name
        assert bool(empty.query(check.ask)), f"{check.name}: an empty graph is healthy"
        assert isinstance(empty.query(check.select), QuerySolutions), check.name


def test_a_check_without_its_select_or_its_header_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "lonely.ask.rq").write_text("# title: t\n# description: d\nASK {}\n")
    with pytest.raises(InputError, match="no SELECT"):
        qa.load_checks(tmp_path)
    (tmp_path / "lonely.select.rq").write_text("SELECT * {}\n")
    (tmp_path / "lonely.ask.rq").write_text("# title: t\nASK {}\n")
    with pytest.raises(InputError, match="description"):
        qa.load_checks(tmp_path)


def test_check_passes_on_the_bundled_graph(built_store_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--store", str(built_store_path)])
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output
    n = len(qa.load_checks())
    assert f"{n} of {n} checks pass" in result.output


@pytest.fixture(scope="module")
def broken_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list]]:
    """A fresh build of the bundled report (its check results), then one fault per check."""
    path = tmp_path_factory.mktemp("qa") / "store"
    built = build(paths.BUNDLED_REPORTS, path)
    db = Store(str(path))
    for update, _ in FAULTS.values():
        db.update(update, prefixes=iris.PREFIXES)
    db.flush()
    del db  # let RocksDB's lock go before the CLI and the app open it
    yield path, built.checks


def test_the_build_runs_the_checks(broken_store: tuple[Path, list]) -> None:
    _, checks = broken_store
    assert [c.check.name for c in checks] == [c.name for c in qa.load_checks()]
    assert all(c.passed for c in checks), qa.to_text(checks)
    assert qa.to_text(checks).endswith(f"{len(checks)} of {len(checks)} checks pass")


def test_check_fails_listing_the_offenders_of_each_check(broken_store: tuple[Path, list]) -> None:
    path, _ = broken_store
    runner = CliRunner()
    result = runner.invoke(main, ["check", "--store", str(path), "--format", "json"])
    assert result.exit_code == 1, result.output
    found = {c["name"]: c for c in json.loads(result.stdout)}
    for name, (_, offender) in FAULTS.items():
        assert not found[name]["passed"], name
        named = {value for row in found[name]["offenders"] for value in row.values()}
        assert offender in named, (name, found[name]["offenders"])
    text = runner.invoke(main, ["check", "--store", str(path)])
    assert text.exit_code == 1
    assert "FAIL  organisation-kind" in text.output
    assert "organisation=id:organisation/iom" in text.output
    assert "words=Through its" in text.output  # the shifted annotation's quote and its text


def test_the_offsets_check_shows_the_words_at_the_offsets(broken_store: tuple[Path, list]) -> None:
    path, _ = broken_store
    db = Store.read_only(str(path))
    (result,) = [r for r in qa.check_store(db) if r.check.name == "annotation-offsets"]
    del db
    (row,) = result.offenders
    assert row["annotation"] == ANNOTATION
    assert row["atOffsets"] == row["words"][1:]  # start moved one on, end kept


def test_qa_page_shows_pass(built_store_path: Path) -> None:
    app = make_app(built_store_path)
    try:
        client = app.test_client()
        page = client.get("/qa", headers={"Accept": "text/html"})
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        n = len(qa.load_checks())
        assert f"{n} of {n} checks pass" in html
        assert "FAIL" not in html and html.count("<strong>PASS</strong>") == n
        data = client.get("/qa", headers={"Accept": "application/json"}).get_json()
        assert data["passed"] is True
        assert all(c["passed"] and c["offenders"] == [] for c in data["checks"])
    finally:
        close_app(app)


def test_qa_page_shows_fail_and_the_offenders(broken_store: tuple[Path, list]) -> None:
    path, _ = broken_store
    app = make_app(path)
    try:
        client = app.test_client()
        html = client.get("/qa", headers={"Accept": "text/html"}).get_data(as_text=True)
        assert f"{len(FAULTS)} fail" in html
        assert html.count("<strong>FAIL</strong>") == len(FAULTS)
        assert 'href="/id/organisation/iom">id:organisation/iom</a>' in html
        data = client.get("/qa?format=json").get_json()
        assert data["passed"] is False
        failed = {c["name"] for c in data["checks"] if not c["passed"]}
        assert failed == set(FAULTS)
    finally:
        close_app(app)
