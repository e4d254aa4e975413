"""Numbers that describe the setting of the work are not outcomes (issue 11): counts of
administrative units, measures of the place, numbers inside names, seasons, group sizes,
populations and footnote figures; while partitive results ("six of them were certified")
and counts of livestock by the head are. Sentences written for these tests, in English and
French; the reports under tests/fixtures/reports are the test of the whole, not the spec."""

from __future__ import annotations

import pytest

from poagraph.extract.gazetteer import load_gazetteer, passage_countries
from poagraph.extract.outcomes import assess
from poagraph.extract.quantities import find_numbers
from poagraph.extract.report import parse_text

HEAD = """Global review of the implementation of the Programme of Action for the LDCs

**Report on WFP contribution to the implementation of the Programme of Action**

Commitment 4: Building productive capacities to make globalization work for LDCs

- **Supporting rural development and food security**

Mali

"""


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def findings(gaz, body: str) -> dict[int, tuple[str, str | None]]:
    """value -> (status, reason or unit) of each quantity of a one-passage report."""
    doc = parse_text(HEAD + body, metadata={"slug": "precision-test", "year": 2010})
    found = assess(doc, gaz, passage_countries(doc, gaz))
    return {
        f.mention.value: (f.status, f.reason if f.status == "ignored" else f.record["unit"])
        for f in found
    }


@pytest.mark.parametrize(
    ("body", "value", "why"),
    [
        ("Water points were dug in 42 villages of the Ségou region.\n", 42, "descriptive"),
        ("The project worked across seven communes in 2009.\n", 7, "descriptive"),
        ("Canteens now serve 310 schools in the nine poorest districts.\n", 9, "descriptive"),
        ("Teams visited households on more than 40 inhabited islands.\n", 40, "descriptive"),
        ("Le projet couvre 14 communes et 230 villages.\n", 14, "descriptive"),
        ("Le projet couvre 14 communes et 230 villages.\n", 230, "descriptive"),
        ("In 2008 the three governments asked WFP to extend the scheme.\n", 3, "descriptive"),
        ("Eleven partner NGOs now run the school gardens.\n", 11, "descriptive"),
        ("Mobile teams worked from 19 fixed posts along the river.\n", 19, "where"),
        ("Sorghum is grown with less than 400 millimetres of rain a year.\n", 400, "measure"),
        ("The camps lie 300 km from the capital.\n", 300, "measure"),
        ("The inner delta covers 30,000 hectares of floodplain.\n", 30000, "measure"),
        ("One poor rainy season in four can ruin a harvest.\n", 1, "duration"),
        ("Farmers meet in groups of fifteen to twenty-five members.\n", 25, "group"),
        ("Mali, a country of 14 million people, imports rice.\n", 14000000, "context"),
        ("The region is home to 90,000 inhabitants.\n", 90000, "context"),
    ],
)
def test_setting_counts_are_not_outcomes(gaz, body, value, why):
    status, reason = findings(gaz, body)[value]
    assert status == "ignored"
    assert why in reason


@pytest.mark.parametrize(
    ("body", "value", "unit"),
    [
        ("The project rehabilitated 2,000 hectares of irrigated land.\n", 2000, "hectares"),
        ("In 2009, 1,500 hectares of degraded land were recovered.\n", 1500, "recovered"),
        ("It will mark 800 kilometres of livestock corridors.\n", 800, "kilometres"),
        ("The vaccination of 1.2 million head of cattle ended in 2009.\n", 1200000, "head"),
        ("Wells were dug in 42 villages; 4,000 households gained water.\n", 4000, "households"),
        ("Of the 12 cooperatives, six of them were certified in 2009.\n", 6, "certified"),
        ("It appraised 40 investment projects, 25 of which were approved.\n", 25, "approved"),
        ("Twelve health posts were built in the north.\n", 12, "built"),
    ],
)
def test_results_stay_outcomes(gaz, body, value, unit):
    status, got = findings(gaz, body)[value]
    assert status == "outcome", got
    assert unit in got


def test_partitive_result_takes_what_was_counted_before(gaz):
    found = findings(gaz, "It appraised 40 investment projects, 25 of which were approved.\n")
    assert found[25] == ("outcome", "investment projects approved")


def test_partitive_without_a_verb_of_the_work_counts_nothing(gaz):
    status, reason = findings(gaz, "Five of these programmes address food security.\n")[5]
    assert status == "ignored" and "no counted noun" in reason


def test_a_footnote_figure_is_context(gaz):
    body = (
        "In 2009, 3,000 farmers were trained in seed multiplication.\n\n"
        "³ According to the census, the drought left 250,000 people in need.\n"
    )
    found = findings(gaz, body)
    assert found[3000][0] == "outcome"
    assert found[250000] == ("ignored", "in a footnote: a figure of the context")


@pytest.mark.parametrize(
    "text",
    [
        "Donors pooled their grants in the Three Diseases Fund in 2007.",
        "The summit of the Group of Eight endorsed the plan.",
        "The municipalities adopted a local Agenda 21 in 2005.",
    ],
)
def test_a_number_inside_a_name_is_no_quantity(text):
    assert not [m for m in find_numbers(text) if m.is_quantity]


def test_a_number_word_opening_a_sentence_is_still_a_count():
    found = find_numbers("The seeds arrived late. Three Women's groups were formed.")
    assert [(m.value, m.kind) for m in found] == [(3, "count")]
