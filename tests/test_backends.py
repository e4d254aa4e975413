"""`--backend URL`: build, contribute, query, check, export and stats against real SPARQL
stores over HTTP (Oxigraph server and Virtuoso, started on loopback by conftest.py), each
compared with the embedded store built from the same report."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from poagraph import iris, store
from poagraph.backends import RemoteBackend, open_backend
from poagraph.backends.remote import Client, Remote
from poagraph.backends.view import META_GRAPH, bind
from poagraph.build import build
from poagraph.cli import main
from poagraph.contributions.accept import accept, list_contributions
from poagraph.errors import BackendError, ContributionRejected, QueryTimeout

EXAMPLES = Path(__file__).parents[1] / "contributions" / "examples"
EPO = iris.organisation("example-partner-organisation")
STORES = ["oxigraph", "virtuoso"]


#: integer types Oxigraph (embedded or server) stores as xsd:integer; Virtuoso keeps them
_INTEGERS = {
    f"http://www.w3.org/2001/XMLSchema#{t}"
    for t in ("nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger")
}
_INTEGERS_TO = "http://www.w3.org/2001/XMLSchema#integer"


def _as_oxigraph_stores(term):
    if isinstance(term, ox.Literal) and term.datatype.value in _INTEGERS:
        return ox.Literal(term.value, datatype=ox.NamedNode(_INTEGERS_TO))
    return term


def canonical(triples) -> set[str]:
    """A graph's triples with blank nodes relabelled canonically: equal sets <=> isomorphic
    (integer subtypes read as xsd:integer, as Oxigraph stores them; docs/backends.md)."""
    dataset = ox.Dataset(
        ox.Quad(t.subject, t.predicate, _as_oxigraph_stores(t.object)) for t in triples
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {str(q) for q in dataset}


def graphs_of(db) -> dict[str, set[str]]:
    found: dict[str, list] = {}
    for q in db.quads_for_pattern(None, None, None, None):
        found.setdefault(q.graph_name.value, []).append(q.triple)
    return {g: canonical(ts) for g, ts in found.items()}


@pytest.fixture(scope="module")
def embedded_graphs(built_store_path: Path) -> dict[str, set[str]]:
    with store.reading(built_store_path) as db:
        return graphs_of(db)


@pytest.fixture(scope="module", params=STORES)
def built_remote(request: pytest.FixtureRequest, report_path: Path):
    """Each remote store emptied, then the bundled report built into it (once per module)."""
    server = request.getfixturevalue(f"{request.param}_server")
    server.clear()
    with pytest.MonkeyPatch.context() as mp:
        for k, v in server.env.items():
            mp.setenv(k, v)
        result = build([report_path], server.url)
    return server, result


@pytest.fixture
def env(built_remote, monkeypatch: pytest.MonkeyPatch):
    """The credentials of the store under test in the environment (never on a command line)."""
    server, _ = built_remote
    for k, v in server.env.items():
        monkeypatch.setenv(k, v)
    return server


def test_build_into_a_remote_store_gives_the_embedded_graphs(
    built_remote, embedded_graphs, built_store_path: Path
):
    server, result = built_remote
    backend = RemoteBackend(server.remote)
    with backend.reading() as view:
        remote = graphs_of(view)
        assert sorted(g.value for g in view.named_graphs()) == sorted(embedded_graphs)
    assert remote.keys() == embedded_graphs.keys()
    for g in embedded_graphs:  # same triples per graph, up to blank node labels
        assert remote[g] == embedded_graphs[g], g
    assert result.graphs == {g: len(ts) for g, ts in embedded_graphs.items()}
    assert all(c.passed for c in result.checks), [c.name for c in result.checks if not c.passed]
    embedded_stats = open_backend(built_store_path).stats()
    assert backend.stats().triples == embedded_stats.triples
    assert backend.stats().union == embedded_stats.union


def test_typed_and_tagged_literals_round_trip(built_remote):
    """Language tags, xsd:boolean (Virtuoso answers "1"), xsd:dateTime, xsd:decimal come back
    as written."""
    server, _ = built_remote
    client = Client(server.remote)
    graph = iris.GRAPH + "contribution/roundtrip00"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    objects = ['"oui"@fr', f'"true"^^<{xsd}boolean>', f'"2006-07-01T00:00:00Z"^^<{xsd}dateTime>']
    objects.append(f'"12.50"^^<{xsd}decimal>')
    body = "".join(f"<http://example.org/a> <http://example.org/p> {o} .\n" for o in objects)
    try:
        client.put_graph(graph, body)
        got = {str(t.object) for t in client.get_graph(graph)}
    finally:
        client.delete_graph(graph)
    assert '"oui"@fr' in got
    assert '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>' in got
    assert any(o.startswith('"2006-07-01T00:00:00') and "dateTime" in o for o in got), got
    assert len(got) == 4


def test_rebuild_replaces_and_never_duplicates(built_remote, report_path: Path, monkeypatch):
    server, first = built_remote
    for k, v in server.env.items():
        monkeypatch.setenv(k, v)
    backend = open_backend(server.url)
    before = backend.version()
    with backend.reading() as view:
        size = len(view)
    again = build([report_path], server.url)
    assert again.graphs == first.graphs
    with backend.reading() as view:
        assert len(view) == size
        assert not any(g.value.startswith(iris.GRAPH + "staging/") for g in view.named_graphs())
    assert backend.version() != before  # readers can tell the data changed


def test_contribution_accepted_then_withdrawn(env, built_remote):
    server = env
    backend = open_backend(server.url)
    with backend.reading() as view:
        size = len(view)
    body = (EXAMPLES / "valid.ttl").read_bytes()
    done = accept(
        server.url,
        body,
        fmt="ttl",
        filename="valid.ttl",
        organisation=EPO,
        organisation_label="Example Partner Organisation",
    )
    assert done.created and done.outcomes == 2
    (info,) = list_contributions(server.url)
    assert info.id == done.id and info.outcomes == 2
    with backend.reading() as view:
        assert view.contains_named_graph(ox.NamedNode(done.graph))
        assert len(view) > size
    # the CLI lists it too, and withdraws it
    runner = CliRunner()
    listed = runner.invoke(main, ["contributions", "list", "--backend", server.url])
    assert listed.exit_code == 0 and done.id in listed.output
    removed = runner.invoke(main, ["contributions", "remove", done.id, "--backend", server.url])
    assert removed.exit_code == 0, removed.output
    assert list_contributions(server.url) == []
    with backend.reading() as view:
        assert len(view) == size


def test_a_bad_contribution_leaves_the_remote_store_untouched(env):
    server = env
    backend = open_backend(server.url)
    before = backend.version()
    with backend.reading() as view:
        size = len(view)
    with pytest.raises(ContributionRejected):
        accept(
            server.url,
            (EXAMPLES / "invalid.ttl").read_bytes(),
            fmt="ttl",
            filename="invalid.ttl",
            organisation=EPO,
            organisation_label="Example Partner Organisation",
        )
    assert backend.version() == before
    with backend.reading() as view:
        assert len(view) == size


@pytest.mark.parametrize(
    ("name", "params"),
    [("cq01-countries-per-commitment", []), ("cq07-outcomes-of-country", ["country=Sierra Leone"])],
)
def test_named_query_gives_the_embedded_rows(env, built_store_path: Path, name, params):
    server = env
    runner = CliRunner()
    args = ["query", name, "--format", "json", *(x for p in params for x in ("--param", p))]
    local = runner.invoke(main, [*args, "--store", str(built_store_path)])
    remote = runner.invoke(main, [*args, "--backend", server.url])
    assert local.exit_code == 0, local.output
    assert remote.exit_code == 0, remote.output
    rows_local = json.loads(local.stdout)["results"]["bindings"]
    rows_remote = json.loads(remote.stdout)["results"]["bindings"]
    assert rows_local, "the query should have answers"
    assert sorted(map(_row_key, rows_remote)) == sorted(map(_row_key, rows_local))


def _row_key(row: dict) -> str:
    """A result row compared across engines: GROUP_CONCAT's order is the engine's (Virtuoso
    sorts, Oxigraph keeps its own), so a value's space-separated words are sorted; an empty
    GROUP_CONCAT is "" on Virtuoso and unbound on Oxigraph (docs/backends.md)."""
    cells = {}
    for name, term in row.items():
        if term.get("type") == "literal" and term["value"] == "" and "datatype" not in term:
            continue
        cells[name] = {**term, "value": " ".join(sorted(term["value"].split(" ")))}
    return json.dumps(cells, sort_keys=True)


def test_check_export_and_stats_run_on_the_remote_store(env, built_store_path: Path, tmp_path):
    server = env
    runner = CliRunner()
    checked = runner.invoke(main, ["check", "--backend", server.url])
    assert checked.exit_code == 0, checked.output
    out = tmp_path / "all.nq"
    exported = runner.invoke(
        main, ["export", "--format", "nquads", "-o", str(out), "--backend", server.url]
    )
    assert exported.exit_code == 0, exported.output
    quads = list(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))
    assert META_GRAPH not in {q.graph_name.value for q in quads}
    with store.reading(built_store_path) as db:
        assert len(quads) == len(db)
    stats = runner.invoke(main, ["stats", "--backend", server.url])
    assert stats.exit_code == 0 and "report/" in stats.output


def test_validate_reads_the_remote_store(env):
    server = env
    runner = CliRunner()
    ok = runner.invoke(main, ["validate", str(EXAMPLES / "valid.ttl"), "--backend", server.url])
    bad = runner.invoke(main, ["validate", str(EXAMPLES / "invalid.ttl"), "--backend", server.url])
    assert (ok.exit_code, bad.exit_code) == (0, 1), (ok.output, bad.output)


def test_unreachable_store_is_a_clear_error_not_a_traceback(free_port):
    url = f"http://127.0.0.1:{free_port()}/query"
    result = CliRunner().invoke(main, ["query", "-e", "ASK {}", "--backend", url])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)  # handled: a message, no traceback
    assert "cannot reach the SPARQL store at" in result.output and url in result.output
    assert "Traceback" not in result.output


def test_wrong_password_is_a_clear_error(virtuoso_server, monkeypatch):
    monkeypatch.setenv("POAGRAPH_BACKEND_USER", "dba")
    monkeypatch.setenv("POAGRAPH_BACKEND_PASSWORD", "not-the-password")
    result = CliRunner().invoke(main, ["stats", "--backend", virtuoso_server.url])
    assert result.exit_code == 1
    assert "refused the credentials (401)" in result.output
    assert "sparql-auth" in result.output and "not-the-password" not in result.output


def test_update_without_credentials_is_refused_by_virtuoso(virtuoso_server):
    """Virtuoso's public /sparql may not write: the error names the URL and the status."""
    client = Client(Remote.from_url(virtuoso_server.url))  # no user: plain /sparql
    with pytest.raises(BackendError) as caught:
        client.update(f"INSERT DATA {{ GRAPH <{iris.GRAPH}x> {{ <urn:a> <urn:b> <urn:c> }} }}")
    assert caught.value.url == client.remote.update_url and caught.value.status


_SLOW = """
SELECT (COUNT(*) AS ?n) WHERE {
  ?a ?p1 ?b . ?c ?p2 ?d . FILTER(STR(?b) != STR(?d))
}"""


def test_a_query_over_the_timeout_is_stopped(built_remote):
    """A cross product of the built graph runs for minutes: stopped after 1 s (the client's
    read timeout; Virtuoso's own `timeout`; Oxigraph server's --timeout-s stops its side)."""
    server, _ = built_remote
    client = Client(server.remote)
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        client.query(_SLOW, timeout_s=1.0)
    assert time.monotonic() - started < 30
    client.ping()  # the store still answers


def test_virtuoso_uses_its_own_timeout_parameter(virtuoso_server):
    client = Client(virtuoso_server.remote)
    assert client.timeout_params(1.5) == {"timeout": "1500"}


def test_parameters_are_bound_by_values_not_text():
    text = "SELECT ?x WHERE { ?x ?p ?o } # { not here"
    bound = bind(text, {ox.Variable("o"): ox.Literal('a "quoted" } value')})
    assert bound.startswith('SELECT ?x WHERE { VALUES (?o) { ("a \\"quoted\\" } value") }')
    ox.Store().query(bound)  # parses


def test_the_backend_and_its_credentials_come_from_the_config_file(
    built_remote, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """No --backend, no POAGRAPH_BACKEND*: the [backend] table of $POAGRAPH_CONFIG."""
    server, _ = built_remote
    for k in ("POAGRAPH_BACKEND", "POAGRAPH_BACKEND_USER", "POAGRAPH_BACKEND_PASSWORD"):
        monkeypatch.delenv(k, raising=False)
    lines = [f"url = {json.dumps(server.url)}"]
    if server.remote.user:
        lines += [f"user = {json.dumps(server.remote.user)}"]
        lines += [f"password = {json.dumps(server.remote.password)}"]
    config = tmp_path / "poagraph.toml"
    config.write_text("[backend]\n" + "\n".join(lines) + "\n")
    monkeypatch.setenv("POAGRAPH_CONFIG", str(config))
    monkeypatch.chdir(tmp_path)  # no var/store here: only the config can name the store
    runner = CliRunner()
    stats = runner.invoke(main, ["stats"])
    assert stats.exit_code == 0, stats.output
    assert "report/" in stats.output
    listed = runner.invoke(main, ["contributions", "list"])
    assert listed.exit_code == 0, listed.output


def test_an_answer_virtuoso_truncates_is_an_error_not_a_short_result(tmp_path: Path):
    """Virtuoso cuts answers at ResultSetMaxRows (10,000 in Debian's ini) and says so only
    in a header: an export or graph read would silently lose triples."""
    from backends_support import start_virtuoso

    server = start_virtuoso(tmp_path, max_rows=5)
    try:
        client = Client(server.remote)
        assert len(client.select("SELECT * WHERE { ?s ?p ?o } LIMIT 3")) == 3
        with pytest.raises(BackendError, match="ResultSetMaxRows"):
            client.select("SELECT * WHERE { ?s ?p ?o } LIMIT 20")
    finally:
        server.stop()
