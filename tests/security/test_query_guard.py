"""What a query may do before the engine sees it: the lexer of web/query/guard.py on tricky
texts, and the limits it enforces on a real `poagraph serve` (nesting that crashed the
engine, update text nested deep, over-long queries)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from _endpoint import Server, server_process
from pyoxigraph import Literal, NamedNode, Quad, Store

from poagraph.errors import QueryError
from poagraph.web.query import federation, guard

# --- the lexer ------------------------------------------------------------------------------


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in guard.tokenize(text)]


def endpoints(text: str, base: str | None = None) -> list[str | None]:
    return [s.endpoint for s in guard.inspect(text, base).services]


def test_iris_may_hold_hash_and_keywords():
    assert kinds("<http://e/#SERVICE> <a#b>") == [
        ("iri", "<http://e/#SERVICE>"),
        ("iri", "<a#b>"),
    ]
    assert endpoints("SELECT * { ?s ?p <http://e/#x> . SERVICE <http://r/> { } }") == ["http://r/"]


def test_strings_hide_service_and_braces_in_all_four_forms():
    for string in ('"SERVICE <x> { }"', "'SERVICE }'", '"""a " SERVICE\n}"""', "'''x '' }'''"):
        query = f"SELECT * {{ BIND({string} AS ?x) }}"
        assert endpoints(query) == [], string
        assert guard.inspect(query).depth == 2, string


def test_string_escapes_do_not_end_a_string():
    assert kinds(r'"a\"SERVICE" ?x') == [("string", r'"a\"SERVICE"'), ("var", "?x")]
    assert kinds(r"'it\'s' ?y") == [("string", r"'it\'s'"), ("var", "?y")]


def test_comments_hide_service_but_only_to_the_end_of_the_line():
    assert endpoints("SELECT * { } # SERVICE <http://a/> { }") == []
    assert endpoints("SELECT * { # }\nSERVICE <http://a/> { } }") == ["http://a/"]


def test_a_hash_escaped_in_a_prefixed_name_is_no_comment():
    """The bypass of the old regex: `ex:a\\#b` is one prefixed name, the line goes on."""
    assert kinds(r"ex:a\#b ?b") == [("pname", r"ex:a\#b"), ("var", "?b")]
    query = r"PREFIX ex: <http://e/> SELECT * { ?a ex:a\#b ?b SERVICE <http://r/> { } }"
    assert endpoints(query) == ["http://r/"]
    assert kinds("ex:a%41.b\\~c.") == [("pname", "ex:a%41.b\\~c"), ("punct", ".")]


def test_variables_and_prefixes_named_service_are_not_the_keyword():
    assert kinds("?service $service service: service:x") == [
        ("var", "?service"),
        ("var", "$service"),
        ("pname", "service:"),
        ("pname", "service:x"),
    ]
    assert endpoints("PREFIX service: <http://e/> SELECT ?service { ?service service:p ?o }") == []


def test_keywords_are_case_insensitive():
    assert endpoints("select * { sErViCe SiLeNt <http://a/> { } }") == ["http://a/"]
    assert guard.inspect("select * { sErViCe SiLeNt <http://a/> { } }").services[0].silent


def test_codepoint_escapes_are_read_as_the_specification_says_too():
    # \u0053 is S: SERVICE for an engine that unescapes the whole text first (SPARQL 19.2)
    assert endpoints(r"SELECT * { \u0053ERVICE <http://a/> { } }") == ["http://a/"]
    assert endpoints(r"SELECT * { \U00000053ERVICE <http://a/> { } }") == ["http://a/"]
    # an escaped quote ends a string for such an engine: what follows is read as code
    query = r'SELECT * { BIND("\u0022 AS ?x) SERVICE <http://a/> { } # " AS ?y) }'
    assert endpoints(query) == ["http://a/"]
    # escapes inside an IRI are decoded
    assert endpoints(r"SELECT * { SERVICE <http://\u0061/> { } }") == ["http://a/"]


def test_endpoints_resolve_against_base_and_prefixes():
    query = "BASE <http://h/x/> PREFIX in: <in/> SELECT * { SERVICE in:q { } SERVICE <../r> { } }"
    assert endpoints(query) == ["http://h/x/in/q", "http://h/r"]
    assert endpoints("SELECT * { SERVICE <q> { } }", "http://me/sparql") == ["http://me/q"]
    assert endpoints("SELECT * { SERVICE ?e { } }") == [None]


def test_service_nesting_is_counted():
    shape = guard.inspect("SELECT * { SERVICE <http://a/> { { SERVICE <http://b/> { } } } }")
    assert [s.depth for s in shape.services] == [1, 2]
    shape = guard.inspect("SELECT * { SERVICE <http://a/> { } SERVICE <http://b/> { } }")
    assert [s.depth for s in shape.services] == [1, 1]


def test_update_text_is_recognised_after_the_prologue_only():
    assert guard.inspect("PREFIX a: <http://a/> BASE <http://b/> insert data { }").update
    assert guard.inspect("DELETE WHERE { ?s ?p ?o }").update
    assert guard.inspect("LOAD <http://a/>").update
    assert guard.inspect("CLEAR ALL").update
    assert not guard.inspect("SELECT * { ?s <http://e/INSERT> ?o }").update
    assert not guard.inspect("CLEAR XYZ").update  # neither: the engine's 400


def test_depth_patterns_and_volatility():
    shape = guard.inspect("SELECT * { ?s ?p ?o . ?s ?q ?r ; ?t ?u , ?v FILTER((1)) }")
    assert shape.depth == 3
    assert shape.patterns == 4  # the group's first, then one per . ; ,
    assert not shape.volatile
    assert guard.inspect("SELECT (RAND() AS ?r) { }").volatile
    assert not guard.inspect('SELECT ("RAND()" AS ?r) { }').volatile
    assert guard.inspect("SELECT * FROM <http://g/> { }").dataset
    assert not guard.inspect("SELECT * { ?s <http://e/FROM> ?o }").dataset


def test_deep_nesting_is_lexed_without_recursion():
    text = "SELECT * { FILTER(" + "(" * 50_000 + "1" + ")" * 50_000 + ") }"
    assert guard.inspect(text).depth == 50_002


def test_an_unclosed_string_is_a_400():
    with pytest.raises(QueryError) as info:
        guard.inspect('SELECT * { BIND("abc AS ?x) }')
    assert info.value.status == 400


def test_the_policy_normalises_scheme_host_and_default_port():
    allow = ["https://query.wikidata.org/sparql"]
    for iri in ("HTTPS://Query.Wikidata.org:443/sparql", "https://query.wikidata.org/sparql"):
        assert federation.normalize(iri) == federation.normalize(allow[0])
    service = guard.Service("http://127.0.0.1:9/x", False, 1, "<x>")
    with pytest.raises(QueryError) as info:
        federation.check_services([service], allow, 4)
    assert info.value.status == 403 and "127.0.0.1" in str(info.value)
    # listed literally: allowed; but never when it is this endpoint itself
    federation.check_services([service], ["http://127.0.0.1:9/x"], 4)
    with pytest.raises(QueryError, match="itself"):
        federation.check_services([service], [service.endpoint], 4, ["http://localhost:9/x/"])


# --- limits on a real server ----------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    path = tmp_path_factory.mktemp("guard") / "store"
    store = Store(str(path))
    store.add(
        Quad(
            NamedNode("http://example.org/a"),
            NamedNode("http://example.org/p"),
            Literal("x"),
            NamedNode("http://example.org/g"),
        )
    )
    store.flush()
    del store
    with server_process(path, env={"POAGRAPH_MAX_TRIPLE_PATTERNS": "50"}) as running:
        yield running


def _post(server: Server, query: str) -> requests.Response:
    return requests.post(
        server.base + "/sparql",
        data=query.encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=60,
    )


def _workers(server: Server) -> set[int]:
    assert requests.get(server.base + "/sparql", params={"query": "ASK {}"}, timeout=30).ok
    return server.query_worker_pids()


@pytest.mark.server
def test_deeply_nested_parentheses_are_400_and_no_worker_dies(server: Server) -> None:
    """5,000 nested parentheses (10 KB) made pyoxigraph segfault the query worker."""
    before = _workers(server)
    query = "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
    r = _post(server, query)
    assert r.status_code == 400, r.text
    assert "MAX_QUERY_DEPTH" in r.json()["error"] and "64" in r.json()["error"]
    assert _workers(server) == before


@pytest.mark.server
def test_deeply_nested_update_text_is_refused_without_a_500(server: Server) -> None:
    """rdflib's parser recursed on update text sent as a query: RecursionError, 500."""
    update = "INSERT DATA { " + "(" * 20_000 + ")" * 20_000 + " }"
    r = _post(server, update)
    assert r.status_code in (400, 403), r.text
    r = _post(server, "INSERT DATA { <http://a/> <http://b/> <http://c/> }")
    assert r.status_code == 403, r.text


@pytest.mark.server
def test_an_over_long_query_is_refused_naming_the_limit(server: Server) -> None:
    query = "ASK {} # " + "x" * (300 * 1024)  # under MAX_BODY_BYTES, over MAX_QUERY_BYTES
    r = _post(server, query)
    assert r.status_code in (400, 413), r.text
    assert "MAX_QUERY_BYTES" in r.json()["error"]


@pytest.mark.server
def test_too_many_triple_patterns_are_refused_naming_the_limit(server: Server) -> None:
    patterns = " . ".join(f"?s <http://example.org/p{i}> ?o{i}" for i in range(60))
    r = _post(server, f"SELECT * WHERE {{ {patterns} }}")
    assert r.status_code == 400, r.text
    assert "MAX_TRIPLE_PATTERNS" in r.json()["error"] and "50" in r.json()["error"]
    small = " . ".join(f"?s <http://example.org/p{i}> ?o{i}" for i in range(10))
    assert _post(server, f"SELECT * WHERE {{ {small} }}").status_code == 200
