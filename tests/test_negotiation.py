"""Accept headers and q-values (web/negotiation.py): the rules of RFC 9110 §12.5.1."""

from __future__ import annotations

import pytest

from poagraph.web import formats, negotiation
from poagraph.web.formats import GRAPH_ALIASES, GRAPHS, HTML, JSON, PAGE_RDF, RESULT_ALIASES

RESULTS = formats.media_types(formats.RESULTS)


def test_missing_accept_means_anything() -> None:
    assert negotiation.parse_accept(None) == [("*/*", 1.0)]
    assert negotiation.choose(None, RESULTS) == RESULTS[0]


def test_ranges_sorted_by_q_then_specificity() -> None:
    ranges = negotiation.parse_accept("text/*;q=0.5, */*;q=0.5, text/csv;q=0.5, image/png")
    assert [r for r, _ in ranges] == ["image/png", "text/csv", "text/*", "*/*"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/csv", "text/csv"),
        ("text/csv;q=0.1, application/sparql-results+xml;q=0.2", "application/sparql-results+xml"),
        ("text/*", "text/csv"),  # server order breaks the tie between csv and tsv
        ("*/*;q=0.1, text/tab-separated-values;q=0.2", "text/tab-separated-values"),
        ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
        ("application/json", "application/sparql-results+json"),
        ("text/xml", "application/sparql-results+xml"),
        ("TEXT/CSV", "text/csv"),
        ("text/csv;q=oops, text/tab-separated-values;q=0.3", "text/tab-separated-values"),
        ("*", RESULTS[0]),
    ],
)
def test_choose_result_format(accept: str, expected: str) -> None:
    assert negotiation.choose(accept, RESULTS, RESULT_ALIASES) == expected


@pytest.mark.parametrize("accept", ["image/png", "text/csv;q=0, image/*", "*/*;q=0"])
def test_nothing_acceptable(accept: str) -> None:
    assert negotiation.choose(accept, RESULTS, RESULT_ALIASES) is None


def test_the_most_specific_range_decides() -> None:
    # text/csv is refused explicitly even though text/* allows it
    accept = "text/*;q=0.9, text/csv;q=0"
    assert negotiation.choose(accept, RESULTS) == "text/tab-separated-values"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ttl", "text/turtle"),
        ("turtle", "text/turtle"),
        ("nt", "application/n-triples"),
        ("json", "application/ld+json"),
        ("xml", "application/rdf+xml"),
        ("application/trig", "application/trig"),
        ("yaml", None),
    ],
)
def test_format_names_for_graphs(value: str, expected: str | None) -> None:
    found = formats.by_name(value, GRAPHS, GRAPH_ALIASES)
    assert (found.media_type if found else None) == expected


def test_format_names_for_results() -> None:
    by_name = formats.by_name
    assert by_name("json", formats.RESULTS).media_type == "application/sparql-results+json"
    assert by_name("tsv", formats.RESULTS).media_type == "text/tab-separated-values"


def test_a_format_name_means_what_the_offered_formats_say() -> None:
    """`json` is plain JSON on a page that offers it, JSON-LD on a resource page."""
    assert formats.by_name("json", [HTML, JSON]) is JSON
    assert formats.by_name("json", [HTML, *PAGE_RDF]).media_type == "application/ld+json"
    assert formats.by_name("ttl", [HTML, JSON]) is None


def test_the_one_table_has_one_entry_per_media_type_and_name() -> None:
    for group in (formats.RESULTS, GRAPHS):
        names = [name for fmt in group for name in fmt.names]
        assert len(names) == len(set(names))
        assert all(fmt.w3c for fmt in group)
    assert all(fmt.rdf is not None for fmt in GRAPHS)
    assert all(fmt.results is not None for fmt in formats.RESULTS)
    assert [f.name for f in PAGE_RDF] == ["ttl", "jsonld", "nt", "rdfxml"]


@pytest.mark.parametrize(
    ("accept", "fmt", "expected"),
    [
        ("text/html", None, "text/html"),
        ("*/*", None, "text/turtle"),
        ("application/json, text/html", None, "application/ld+json"),
        ("text/html", "nt", "application/n-triples"),
    ],
)
def test_pick_sends_html_to_browsers_only(accept: str, fmt: str | None, expected: str) -> None:
    offered = [HTML, *PAGE_RDF]
    assert negotiation.pick(accept, fmt, offered, GRAPH_ALIASES).media_type == expected


@pytest.mark.parametrize(("accept", "fmt"), [("image/png", None), ("*/*", "yaml")])
def test_pick_refuses_with_the_offered_formats(accept: str, fmt: str | None) -> None:
    with pytest.raises(negotiation.NotAcceptable, match=r"text/turtle|ttl"):
        negotiation.pick(accept, fmt, [HTML, *PAGE_RDF], GRAPH_ALIASES)


@pytest.mark.parametrize(
    ("accept", "is_browser"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
        ("text/html", True),
        ("*/*", False),
        (None, False),
        ("application/sparql-results+json", False),
        ("text/turtle, text/html;q=0.5", False),
        ("application/json, text/html", False),
    ],
)
def test_prefers_html(accept: str | None, is_browser: bool) -> None:
    assert negotiation.prefers_html(accept) is is_browser
