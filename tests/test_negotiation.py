"""Accept headers and q-values (web/negotiation.py): the rules of RFC 9110 §12.5.1."""

from __future__ import annotations

import pytest

from poagraph.web import negotiation
from poagraph.web.negotiation import GRAPH_ALIASES, GRAPH_FORMATS, RESULT_ALIASES, RESULT_FORMATS

RESULTS = list(RESULT_FORMATS)


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
    assert negotiation.from_format(value, GRAPH_FORMATS, GRAPH_ALIASES) == expected


def test_format_names_for_results() -> None:
    assert negotiation.from_format("json", RESULT_FORMATS) == "application/sparql-results+json"
    assert negotiation.from_format("tsv", RESULT_FORMATS) == "text/tab-separated-values"


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
