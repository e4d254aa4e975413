"""The home page's pictures (web/pages/charts.py, _map.html, _chart.html): a world map of
achieved outcomes per country and a bar chart of programmes per commitment, drawn as SVG on
the server, each with its numbers in a table beside it. Expected numbers are counted here
from the built store's quads, not with the page queries."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape
from pyoxigraph import NamedNode
from ui_support import BROWSER, POA, close_app, local, make_app, memory_copy

from poagraph.web.pages import charts

RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SKOS_BROADER = NamedNode("http://www.w3.org/2004/02/skos/core#broader")


class Elements(HTMLParser):
    """Every start tag as (tag, attrs, id of the enclosing figure, inside svg?, inside table?)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict, str | None, bool, bool]] = []
        self.figure: str | None = None
        self.svg = self.table = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "figure":
            self.figure = attributes.get("id")
        self.svg = self.svg or tag == "svg"
        self.table = self.table or tag == "table"
        self.found.append((tag, attributes, self.figure, self.svg, self.table))

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self.figure = None
        elif tag == "svg":
            self.svg = False
        elif tag == "table":
            self.table = False


def _elements(html: str) -> list[tuple[str, dict, str | None, bool, bool]]:
    parser = Elements()
    parser.feed(html)
    return parser.found


@pytest.fixture(scope="module")
def built(built_store_path: Path):
    return memory_copy(built_store_path)


@pytest.fixture(scope="module")
def home(built_store_path: Path) -> Iterator[str]:
    app = make_app(built_store_path)
    try:
        yield app.test_client().get("/", headers=BROWSER).get_data(as_text=True)
    finally:
        close_app(app)


def _objects(store, subject, predicate: str) -> list:
    return [q.object for q in store.quads_for_pattern(subject, NamedNode(POA + predicate), None)]


def _of_class(store, cls: str) -> set:
    return {q.subject for q in store.quads_for_pattern(None, RDF_TYPE, NamedNode(POA + cls))}


def _achieved_per_country(store) -> Counter:
    counts: Counter = Counter()
    for outcome in _of_class(store, "Outcome"):
        if NamedNode(POA + "Achieved") in _objects(store, outcome, "status"):
            counts.update(set(_objects(store, outcome, "country")))
    return counts


def test_topojson_arcs_are_delta_decoded_and_joined(tmp_path):
    """Two arcs of a square, the second used backwards: one closed ring, projected."""
    topology = {
        "transform": {"scale": [1, 1], "translate": [0, 0]},
        "arcs": [[[0, 0], [10, 0], [0, 10]], [[0, 0], [0, 10], [10, 0]]],
        "objects": {
            "countries": {
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, ~1]], "id": "999", "properties": {"name": "Q"}}
                ]
            }
        },
    }
    path = tmp_path / "atlas.json"
    path.write_text(json.dumps(topology))
    (shape,) = charts.shapes(path)
    corners = [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)]
    expected = "L".join("{:g},{:g}".format(*charts.project(x, y)) for x, y in corners)
    assert shape.d == f"M{expected}Z" and shape.id == "999" and shape.name == "Q"


def test_the_atlas_has_the_countries_by_m49_code():
    ids = {s.id for s in charts.shapes()}
    assert {"004", "729", "834", "076"} <= ids  # Afghanistan, Sudan, Tanzania, Brazil
    assert charts.ANTARCTICA not in ids
    assert all(s.d.startswith("M") and s.d.endswith("Z") for s in charts.shapes())


def test_the_map_shades_one_path_per_country_with_achieved_outcomes(home, built):
    counts = _achieved_per_country(built)
    assert counts
    atlas = {s.id for s in charts.shapes()}
    expected = {}
    for country, n in counts.items():
        (m49,) = _objects(built, country, "m49")
        (iso3,) = _objects(built, country, "iso3")
        if charts.M49_ALIASES.get(m49.value, m49.value) in atlas:
            expected[iso3.value] = n
    elements = [e for e in _elements(home) if e[2] == "outcomes-map"]
    shaded = [a for tag, a, _, svg, _ in elements if tag == "path" and "has-data" in a["class"]]
    assert sorted(a["data-iso3"] for a in shaded) == sorted(expected)
    assert len([e for e in elements if e[0] == "path"]) == len(charts.shapes())
    # LDCs of the decade are outlined
    ldcs = {
        _objects(built, c, "iso3")[0].value
        for c in _of_class(built, "Country")
        if any(o.value == "true" for o in _objects(built, c, "isLDC"))
    }
    outlined = {
        a.get("data-iso3") for tag, a, *_ in elements if "ldc" in a.get("class", "").split()
    }
    assert outlined <= ldcs and "AFG" in outlined and len(outlined) >= 40
    # the table beside the map: one row per country with outcomes, linked to its page
    links = [a["href"] for tag, a, _, svg, table in elements if tag == "a" and table]
    assert len(links) == len(counts)
    assert sorted(links) == sorted(local(c.value) for c in counts)


def test_the_map_titles_give_name_and_value(home, built):
    counts = _achieved_per_country(built)
    country, n = counts.most_common(1)[0]
    (name,) = [
        q.object.value
        for q in built.quads_for_pattern(
            country, NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None
        )
    ]
    assert f"<title>{name}: {n} achieved outcomes" in home


def test_the_chart_has_one_bar_per_commitment_with_its_programmes(home, built):
    commitments = _of_class(built, "Commitment")
    assert commitments
    programmes: dict = {c: set() for c in commitments}
    for programme in _of_class(built, "Programme"):
        for addressed in _objects(built, programme, "addresses"):
            if addressed in programmes:
                programmes[addressed].add(programme)
            for q in built.quads_for_pattern(addressed, SKOS_BROADER, None):
                if q.object in programmes:
                    programmes[q.object].add(programme)
    elements = [e for e in _elements(home) if e[2] == "commitment-programmes"]
    bars = [a for tag, a, _, svg, _ in elements if tag == "rect" and a.get("class") == "bar"]
    assert len(bars) == len(commitments)
    assert sorted(int(b["data-value"]) for b in bars) == sorted(len(p) for p in programmes.values())
    assert any(int(b["data-value"]) > 0 for b in bars)
    # the table beside the chart: a row per commitment, linked to it
    links = [a["href"] for tag, a, _, svg, table in elements if tag == "a" and table]
    assert sorted(links) == sorted(local(c.value) for c in commitments)


def test_each_picture_is_a_figure_with_caption_svg_and_table(home):
    for figure in ("outcomes-map", "commitment-programmes"):
        tags = [tag for tag, _, fig, *_ in _elements(home) if fig == figure]
        assert tags[:2] == ["figure", "figcaption"]
        assert tags.index("svg") < tags.index("table")
        (svg,) = [a for tag, a, fig, *_ in _elements(home) if fig == figure and tag == "svg"]
        assert svg["role"] == "img" and svg["aria-labelledby"] == f"{figure}-caption"


def test_bar_chart_scales_bars_to_the_largest_value():
    chart = charts.bar_chart([("a", 2, None), ("b", 4, "/x"), ("c", 0, None)])
    widths = [b.width for b in chart.bars]
    assert widths[1] == max(widths) and widths[0] == widths[1] / 2 and widths[2] == 0
    assert [b.y for b in chart.bars] == sorted(b.y for b in chart.bars)


# --- a country page's figure -------------------------------------------------------------

RWA = "https://w3id.org/poagraph/id/country/RWA"


def _literal(store, subject, predicate: str) -> str:
    values = _objects(store, subject, predicate)
    return " ".join(values[0].value.split()) if values else ""


@pytest.mark.parametrize("iso3", ["RWA", "SLE"])
def test_a_country_page_charts_its_achieved_outcomes_per_unit(built_store_path, built, iso3):
    """One bar per unit with the number of the country's achieved outcomes in it (each
    counted once), the units of joint outcomes marked shared; the table beside it."""
    country = NamedNode(RWA.replace("RWA", iso3))
    achieved = NamedNode(POA + "Achieved")
    expected: Counter = Counter()
    shared: Counter = Counter()
    for outcome in _of_class(built, "Outcome"):
        countries = _objects(built, outcome, "country")
        if country not in countries or achieved not in _objects(built, outcome, "status"):
            continue
        if not _objects(built, outcome, "value"):
            continue
        unit = " ".join(
            p for p in (_literal(built, outcome, "currency"), _literal(built, outcome, "unit")) if p
        )
        expected[unit] += 1
        shared[unit] += len(countries) > 1
    assert expected, f"the build has no achieved outcome for {iso3}"
    app = make_app(built_store_path)
    try:
        html = app.test_client().get(local(country.value), headers=BROWSER).get_data(as_text=True)
    finally:
        close_app(app)
    elements = [e for e in _elements(html) if e[2] == "country-outcomes"]
    tags = [tag for tag, *_ in elements]
    assert tags[:2] == ["figure", "figcaption"] and tags.index("svg") < tags.index("table")
    bars = [a for tag, a, _, svg, _ in elements if tag == "rect" and a.get("class") == "bar"]
    assert sorted(int(b["data-value"]) for b in bars) == sorted(expected.values())
    for unit, n in expected.items():
        label = f"{unit} ({shared[unit]} shared)" if shared[unit] else unit
        assert f"<title>{escape(label)}: {n} achieved outcomes</title>" in html, label
    if iso3 == "RWA":  # MIDA Great Lakes: stated for DRC, Rwanda and Burundi together
        assert any(shared.values())
        assert "shared)" in html
