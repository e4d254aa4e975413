"""Outcomes of the IOM report, checked against a list compiled by reading the report.

EXPECTED below was written from the report text (sources/iom-bpoa-review.md), not from
the code's output: every quantitative result the report states, with the words around it,
its countries and its qualifier. The tests assert each is an Outcome with those values and
that no other outcome exists; and that coverage leaves no number unclassified.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.table import Table

from poagraph import iris
from poagraph.errors import MappingsError, ReportError
from poagraph.extract.coverage import STATUSES, coverage, format_coverage, summary
from poagraph.extract.curation import load_curation
from poagraph.extract.gazetteer import load_gazetteer, passage_countries
from poagraph.extract.outcomes import assess, extract_outcomes
from poagraph.extract.report import parse_report

FIXTURES = Path(__file__).parent / "fixtures" / "reports"

GL = {"COD", "RWA", "BDI"}  # the Great Lakes heading: DRC, Rwanda and Burundi

#: (value, words of the quote, countries, qualifier, currency)
EXPECTED = [
    (2, "formulation of two plans of action", {"BGD"}, None, None),
    (200, "IT training for over 200 immigration officials", {"UGA", "KEN", "TZA"}, "over", None),
    (4400, "migrants to voluntarily return home", {"AFG"}, "over", None),
    (900, "reintegration projects for returnees", {"AFG"}, "nearly", None),
    (20000, "former combatants", {"AFG"}, "almost", None),
    (1400000, "Human Security Fund", {"ETH"}, "about", "USD"),
    (5300, "IDPs to return to their communities", {"ETH"}, None, None),
    (5500, "return of 5,500 Internally Displaced Persons", {"ETH"}, None, None),
    (63000, "Angolans have been repatriated", {"ZMB"}, "more than", None),
    (1500, "refugees have been assisted in resettling", {"ZMB"}, "over", None),
    (37000, "reception of 37,000 Refugees", {"SLE"}, None, None),
    (160000, "IDPs were returned with dignity", {"SLE"}, None, None),
    (200, "200 ex-combatants", {"SLE"}, None, None),
    (600, "reintegrated a total of 600 ex-combatants", {"SLE"}, None, None),
    (300, "300 houses", {"SLE"}, None, None),
    (180000, "former refugees to their place of origin", {"TLS"}, "over", None),
    (1300, "former FALINTIL guerilla fighters", {"TLS"}, None, None),
    (3, "three universities have been selected", GL, None, None),
    (90, "90 participants", {"BEN"}, "over", None),
    (350, "350 highly qualified Afghans", {"AFG"}, None, None),
    (750, "expatriate Afghans have assisted", {"AFG"}, "over", None),
    (15, "trained 15 staff members", {"ETH"}, None, None),
    (114, "114 qualified Africans", GL, None, None),
    (427, "427 profiles recorded", GL, None, None),
    (159, "159 physical transfers", GL, None, None),
    (77, "77 short or long-term missions", GL, None, None),
    (4, "4 permanent returns", GL, None, None),
    (500, "500 construction projects", {"AFG"}, "almost", None),
    (3000, "GBP 3,000, --", {"UGA"}, None, "GBP"),
    (7, "seven returnees assisted", {"UGA"}, None, None),
    (2, "two set up secretarial bureaus", {"UGA"}, None, None),
    (6, "Six returnees", {"ETH"}, None, None),
    (4, "four from the United Kingdom", {"ETH"}, None, None),  # "through ... (VARRP)"
    (2, "Return Information Fund Project (RIF)", {"ETH"}, None, None),  # "two from Switzerland"
    (10722, "USD 10,722 was spent", {"ETH"}, None, "USD"),
    (300, "300 micro-enterprises", {"SLE"}, None, None),
    (60, "sixty low-income Guinean rural women", {"GIN"}, None, None),
    (56, "56 micro-credits were disbursed", {"GIN"}, None, None),
    (55, "55 micro-credit loans were totally reimbursed", {"GIN"}, None, None),
    (50, "50 initial beneficiaries", {"GIN"}, None, None),
    (3, "three cooperatives", {"GIN"}, None, None),
    (52, "52 new members", {"GIN"}, None, None),
    (60, "60 candidates were trained", {"GIN"}, None, None),
    (2, "two seminars", {"COD", "RWA"}, None, None),
    (141, "141 beneficiaries", {"COD"}, None, None),
    (43, "43 women's associations", {"RWA"}, None, None),
    (200, "200 grass-roots community-based rural development projects", {"TLS"}, "nearly", None),
    (1200000, "1.2 million Euros", {"TLS"}, "over", "EUR"),
    (30000, "30,000 persons have benefited", {"TLS"}, "over", None),
    (109175, "109,175 individuals benefited", {"AFG"}, None, None),
    (4000000, "4m BP", {"ETH"}, None, "GBP"),
    (90000, "90,000 people", {"ETH"}, "about", None),
]


@pytest.fixture(scope="module")
def doc(report_path):
    return parse_report(report_path)


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


@pytest.fixture(scope="module")
def countries(doc, gaz):
    return passage_countries(doc, gaz)


@pytest.fixture(scope="module")
def outcomes(doc, gaz, countries):
    return extract_outcomes(doc, gaz, countries)


@pytest.fixture(scope="module")
def rows(doc, gaz, countries):
    return coverage(doc, gaz, countries)


def iso3s(record: dict) -> set[str]:
    return {iri.rsplit("/", 1)[1] for iri in record.get("country", [])}


def find(outcomes: list[dict], value: int, words: str) -> dict:
    hits = [o for o in outcomes if o["value"] == value and words in o["quote"]]
    assert len(hits) == 1, f"{value} / {words!r}: {len(hits)} outcomes"
    return hits[0]


def test_the_expected_list_is_the_one_compiled():
    assert len(EXPECTED) == 52  # a shrinking list would hide a lost outcome


@pytest.mark.parametrize(("value", "words", "where", "qualifier", "currency"), EXPECTED)
def test_each_stated_result_is_an_outcome(outcomes, value, words, where, qualifier, currency):
    o = find(outcomes, value, words)
    assert o["@type"] == "Outcome"
    assert iso3s(o) == where
    assert o.get("qualifier") == qualifier
    assert o.get("currency") == currency
    assert o.get("unit"), "every outcome says what it counts"


def test_no_outcome_outside_the_list(outcomes):
    unexpected = [
        (o["value"], o["quote"][:60])
        for o in outcomes
        if not any(o["value"] == v and w in o["quote"] for v, w, *_ in EXPECTED)
    ]
    assert unexpected == []
    assert len(outcomes) == len(EXPECTED)


@pytest.mark.parametrize(
    ("value", "words", "unit_words"),
    [
        (4400, "migrants to voluntarily", "migrants returned"),
        (900, "reintegration projects", "reintegration projects developed"),
        (20000, "former combatants", "former combatants reintegrated"),
        (160000, "IDPs were returned", "IDPs returned"),
        (180000, "former refugees", "former refugees returned"),
        (300, "300 houses", "houses"),
        (300, "300 micro-enterprises", "micro-enterprises established"),
        (56, "56 micro-credits", "micro-credits disbursed"),
        (200, "IT training", "immigration officials trained"),
        (63000, "Angolans", "repatriated"),
        (1500, "resettling", "resettled"),
    ],
)
def test_units_say_what_is_counted(outcomes, value, words, unit_words):
    assert unit_words in find(outcomes, value, words)["unit"]


@pytest.mark.parametrize(
    ("value", "words", "start", "end"),
    [
        (160000, "IDPs were returned", 2001, 2002),  # "From ... 2001 until ... December 2002"
        (114, "114 qualified Africans", 2002, 2003),  # "(June 2002 to August 2003)"
        (77, "77 short", 2005, 2006),  # "(from February 1, 2005 to March 31, 2006)"
        (109175, "individuals benefited", 2005, 2006),  # "in 2005 and 2006"
        (63000, "Angolans", 2003, 2006),  # "during the last three years" before 2006
        (1500, "resettling", 2003, 2006),  # "during the same period" (the sentence before)
        (37000, "reception", None, None),  # only the invitation is "In 2001"
        (5300, "IDPs to return", None, 2006),  # "By mid-May 2006"
        (7, "seven returnees", 2006, None),  # "since the beginning of 2006"
        (300, "300 micro-enterprises", None, 2004),  # "completed in March 2004": an end
        (55, "One year later", 2004, 2004),  # after "In November 2003, 56 micro-credits"
        (750, "To date", None, 2006),  # "To date": up to the report's year
    ],
)
def test_years_stated_by_the_text(outcomes, value, words, start, end):
    o = find(outcomes, value, words)
    assert (o.get("startYear"), o.get("endYear")) == (start, end)


@pytest.mark.parametrize(
    ("value", "words", "programme"),
    [
        (114, "114 qualified Africans", "mida-great-lakes"),
        (350, "350 highly", "rqa"),
        (750, "expatriate Afghans", "rqa"),
        (3000, "GBP 3,000", "pilot-enhancement-return-scheme"),
        (1200000, "Euros", "community-stabilisation-timor-leste"),
        (1400000, "Human Security Fund", "human-security-fund-ethiopia"),
        (4, "four from the United Kingdom", "varrp"),  # "through ... (VARRP)"
        (2, "Return Information Fund Project (RIF)", "rif"),
        (3, "three universities", "mida-great-lakes"),
        (5300, "will have assisted 5,300", "ethiopia-idp-return-project"),
        (5500, "nine-month project targeting", "ethiopia-idp-return-project"),
        (2, "two plans of action", "bangladesh-mewoe-capacity-project"),
        (63000, "Angolans", "zambia-refugee-programmes"),
        (160000, "IDPs were returned", "sierra-leone-idp-return-and-resettlement"),
    ],
)
def test_outcome_of_the_programme_the_text_ties(outcomes, value, words, programme):
    assert find(outcomes, value, words)["outcomeOf"] == iris.programme(programme)


def test_evidence_and_quote_are_exact(doc, outcomes):
    passages = {iris.passage(doc.slug, p.n): p for p in doc.passages}
    for o in outcomes:
        p = passages[o["evidence"]]
        assert o["quote"] in p.text, o["@id"]
        assert doc.text[p.start : p.end] == p.text


def test_a_quote_spans_a_page_break_only_where_its_sentence_does(outcomes):
    o = find(outcomes, 1500, "resettling")
    assert "resettling to\n\ncountries, such as Australia" in o["quote"]
    assert o["quote"].endswith("during the same period.")
    assert all("\n\n" not in x["quote"] for x in outcomes if x is not o)


def test_iris_in_document_order_and_reported_by_iom(doc, outcomes):
    assert [o["@id"] for o in outcomes] == [
        iris.outcome(doc.slug, n) for n in range(1, len(outcomes) + 1)
    ]
    n_of = {iris.passage(doc.slug, p.n): p.n for p in doc.passages}
    order = [n_of[o["evidence"]] for o in outcomes]
    assert order == sorted(order)
    assert {o["reportedBy"] for o in outcomes} == {iris.organisation("iom")}


def test_values_are_integers_not_floats(outcomes):
    assert all(type(o["value"]) is int for o in outcomes)


# -- coverage ------------------------------------------------------------------------------


def test_no_number_is_unclassified(rows):
    assert rows, "the report has numbers"
    for r in rows:
        assert r.status in STATUSES, r
        if r.status == "ignored":
            assert r.reason, r
        else:
            assert r.outcome and r.reason is None, r


def test_coverage_lists_each_outcome_once(rows, outcomes):
    listed = [r.outcome for r in rows if r.outcome]
    assert sorted(listed) == sorted(o["@id"] for o in outcomes)
    c = summary(rows)
    assert c["outcome"] + c["curated"] == len(outcomes)
    assert c["numbers"] == len(rows) == c["outcome"] + c["curated"] + c["ignored"]


@pytest.mark.parametrize(
    "kind", ["year", "date", "duration", "ordinal", "footnote", "list-number", "percentage"]
)
def test_years_durations_ordinals_and_marks_are_never_outcomes(rows, kind):
    of_kind = [r for r in rows if r.kind == kind]
    assert of_kind, f"the report has a {kind}"
    assert all(r.status == "ignored" and r.outcome is None for r in of_kind)


def test_coverage_positions_point_at_the_number(doc, rows):
    lines = doc.text.split("\n")
    for r in rows:
        line = lines[r.line - 1]
        assert doc.text[r.offset] == line[r.column - 1]
        assert (
            r.text[0] in "\\$€£"
            or r.text.startswith(("USD", "GBP", "EUR"))
            or (line[r.column - 1 :].startswith(r.text))
        )


def test_coverage_includes_numbers_outside_passages(rows):
    commitment = [r for r in rows if r.passage is None and r.text == "2"]
    assert commitment and commitment[0].status == "ignored"


def test_descriptive_counts_are_ignored_with_their_reason(rows):
    by_text = {(r.line, r.text): r for r in rows}
    assert "descriptive count" in by_text[(21, "six")].reason  # six different ministries
    assert "descriptive count" in by_text[(297, "32")].reason  # 32 LDCs


def test_format_coverage_makes_a_table(rows):
    table = format_coverage(rows, "IOM")
    assert isinstance(table, Table)
    assert table.row_count == len(rows)
    assert f"{len(rows)} numbers" in str(table.caption)


# -- curation ------------------------------------------------------------------------------


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "curated.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_a_stale_curated_quote_is_an_error_naming_the_entry(tmp_path, doc, gaz, countries):
    path = write(
        tmp_path,
        "iom-bpoa-review:\n  outcomes:\n"
        "    - {number: '4,400', quote: 'It has assisted over 4,400 migrants', unit: x}\n"
        "    - {number: '900', quote: 'IOM has developed 900 projects', unit: y}\n",
    )
    with pytest.raises(ReportError) as e:
        assess(doc, gaz, countries, load_curation(path))
    assert e.value.line == 4
    assert "curated.yaml:4: iom-bpoa-review outcomes entry 2" in str(e.value)
    assert "IOM has developed 900 projects" in str(e.value)
    assert "not in the report" in str(e.value)


@pytest.mark.parametrize(
    ("entry", "message", "error"),
    [
        (
            "{number: '4,500', quote: 'It has assisted over 4,400 migrants'}",
            "number is not in",
            ReportError,
        ),
        (
            "{number: '2001', quote: 'Overseas Employment created in 2001'}",
            "not a quantity (year)",
            ReportError,
        ),
        ("{number: 'two', quote: 'IOM'}", "occurs", ReportError),
        (
            "{number: '900', quote: 'nearly 900 reintegration', colour: red}",
            "unknown field",
            MappingsError,
        ),
    ],
)
def test_curation_errors_say_what_is_wrong(tmp_path, doc, gaz, countries, entry, message, error):
    path = write(tmp_path, f"iom-bpoa-review:\n  outcomes:\n    - {entry}\n")
    with pytest.raises(error, match="outcomes entry 1") as e:
        assess(doc, gaz, countries, load_curation(path))
    assert message in str(e.value)


def test_an_ignore_needs_a_reason(tmp_path):
    path = write(tmp_path, "r:\n  ignore:\n    - {number: six, quote: six ministries}\n")
    with pytest.raises(MappingsError, match="needs a reason"):
        load_curation(path)


def test_curated_fields_replace_the_automatic_ones(tmp_path, doc, gaz, countries):
    path = write(
        tmp_path,
        "iom-bpoa-review:\n  outcomes:\n"
        "    - number: '4,400'\n"
        "      quote: 'It has assisted over 4,400 migrants'\n"
        "      unit: returnees (test)\n      country: [AFG, PAK]\n      programme: rana\n"
        "      startYear: 2002\n      status: planned\n"
        "      inferred: {startYear: the test's reason}\n",
    )
    found = assess(doc, gaz, countries, load_curation(path))
    f = next(f for f in found if f.record and f.record["value"] == 4400)
    assert f.status == "curated"
    assert f.record["unit"] == "returnees (test)"
    assert iso3s(f.record) == {"AFG", "PAK"}
    assert f.record["outcomeOf"] == iris.programme("rana")
    assert f.record["startYear"] == 2002
    assert f.record["quote"].startswith("It has assisted over 4,400 migrants to voluntarily")
    # "It has assisted": achieved by its words, planned because the entry says so
    assert f.record["status"] == iris.poa("Planned")
    assert f.record["inferred"] == [iris.poa("startYear")]
    assert f.record["editorialNote"] == ["startYear: the test's reason"]


def test_a_curated_year_the_quote_does_not_state_needs_a_reason(tmp_path, doc, gaz, countries):
    """The report: "It has assisted over 4,400 migrants ..." states no year: a curated
    startYear without an `inferred` reason would slip an unmarked inference into the graph."""
    path = write(
        tmp_path,
        "iom-bpoa-review:\n  outcomes:\n"
        "    - number: '4,400'\n      quote: 'It has assisted over 4,400 migrants'\n"
        "      startYear: 2002\n",
    )
    with pytest.raises(MappingsError) as e:
        assess(doc, gaz, countries, load_curation(path))
    assert "outcomes entry 1" in str(e.value) and "curated.yaml:3" in str(e.value)
    assert "startYear 2002 is not stated in the quote" in str(e.value)


def test_a_curated_year_the_quote_states_needs_no_reason(tmp_path, doc, gaz, countries):
    """The report: "In November 2003, 56 micro-credits were disbursed": 2003 is in the quote."""
    path = write(
        tmp_path,
        "iom-bpoa-review:\n  outcomes:\n"
        "    - number: '56'\n"
        "      quote: 'In November 2003, 56 micro-credits were disbursed'\n"
        "      startYear: 2003\n      endYear: 2003\n",
    )
    found = assess(doc, gaz, countries, load_curation(path))
    f = next(f for f in found if f.record and f.record["value"] == 56)
    assert (f.record["startYear"], f.record["endYear"]) == (2003, 2003)
    assert "inferred" not in f.record and "editorialNote" not in f.record


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ("status: done", "status must be one of"),
        ("inferred: {startYear: why}", "inferred 'startYear' is not a field this entry sets"),
        ("startYear: 2002\n      inferred: {startYear: ''}", "needs the reason"),
        ("inferred: [startYear]", "inferred must map fields"),
    ],
)
def test_curated_status_and_inferred_are_checked(tmp_path, fields, message):
    path = write(
        tmp_path,
        "iom-bpoa-review:\n  outcomes:\n"
        "    - number: '4,400'\n      quote: 'It has assisted over 4,400 migrants'\n"
        f"      {fields}\n",
    )
    with pytest.raises(MappingsError, match="outcomes entry 1") as e:
        load_curation(path)
    assert message in str(e.value)


def test_without_curation_descriptive_nouns_are_still_ignored(tmp_path, doc, gaz, countries):
    found = assess(doc, gaz, countries, load_curation(write(tmp_path, "{}\n")))
    six = next(f for f in found if "six different ministries" in f.passage.text)
    assert (six.status, six.reason) == ("ignored", "descriptive count")
    assert all(f.status in ("outcome", "ignored") for f in found)


# -- another report of the same layout ----------------------------------------------------


def test_another_agencys_report_needs_no_code_change(gaz):
    other = parse_report(FIXTURES / "uncdf-bpoa-review.md")
    got = extract_outcomes(other, gaz, passage_countries(other, gaz))
    summary_ = {(o["value"], o.get("qualifier"), o.get("currency")) for o in got}
    assert (12000, "more than", None) in summary_
    assert (45, None, None) in summary_
    assert (4500000, "about", "USD") in summary_
    assert (320, None, None) in summary_
    assert (200, "nearly", None) in summary_
    nepal = next(o for o in got if o["value"] == 12000)
    assert iso3s(nepal) == {"NPL"}
    assert (nepal["startYear"], nepal["endYear"]) == (2008, 2010)
    assert nepal["reportedBy"] == iris.organisation("uncdf")


def test_a_footnote_dropped_inside_a_paragraph_neither_splits_nor_doubles(gaz):
    """Regression: the paragraph that continues after a footnote holds the footnote's text;
    its sentence (and years) run past it, and the footnote's numbers are counted once."""
    other = parse_report(FIXTURES / "uncdf-bpoa-review.md")
    got = extract_outcomes(other, gaz, passage_countries(other, gaz))
    projects = next(o for o in got if o["value"] == 320)
    assert (projects["startYear"], projects["endYear"]) == (2004, 2009)
    assert iso3s(projects) == {"NER", "MLI", "BFA"}  # the region heading names none
    assert projects["quote"].endswith("(BSF), between 2004 and 2009.")
    budget = next(o for o in got if o["value"] == 4500000)
    assert "LUX" not in iso3s(budget)  # "Government of Luxembourg" is a donor, not a place
    marks = [r for r in coverage(other, gaz) if r.kind == "footnote"]
    assert len({r.offset for r in marks}) == len(marks) == 2


def test_a_stale_curated_entry_is_a_one_line_cli_error(tmp_path):
    """`poagraph coverage` with curated data that no longer fits the report: exit 1, the
    entry named with its file and line, no traceback."""
    import shutil
    import subprocess
    import sys

    from poagraph import paths

    home = tmp_path / "home"
    for d in ("mappings", "sources", "ontology"):
        shutil.copytree(paths.ROOT / d, home / d)
    curated = home / "mappings" / "curated-outcomes.yaml"
    curated.write_text(
        curated.read_text(encoding="utf-8").replace("over 750 highly", "over 751 highly"),
        encoding="utf-8",
    )
    cli = Path(sys.executable).parent / "poagraph"
    done = subprocess.run(
        [str(cli), "coverage"],
        env={"POAGRAPH_HOME": str(home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "curated-outcomes.yaml:" in done.stderr
    assert "over 751 highly" in done.stderr and "not in the report" in done.stderr


# -- numbers in words, cut by a page break ------------------------------------------------

WORDS_REPORT = """Global review of the implementation of the Programme of Action for the LDCs

**Report on FAO contribution to the implementation of the Programme of Action**

Commitment 4: Building productive capacities to make globalization work for LDCs

- **Supporting rural development and food security**

Niger

In 2007 the project worked in Tillabéri. Twenty-

¹ The groups were chosen by the communes.

five women's groups were registered and trained in seed multiplication. Forty farmers

were trained in 2008. Three

hundred households received seeds. The project covered twenty-

two districts.
"""


@pytest.fixture(scope="module")
def words_findings(gaz):
    doc = parse_report_text(WORDS_REPORT)
    return doc, assess(doc, gaz, passage_countries(doc, gaz))


def parse_report_text(text: str):
    from poagraph.extract.report import parse_text

    return parse_text(text, metadata={"slug": "words-test", "organisation": "FAO", "year": 2009})


def test_a_result_in_words_cut_by_a_page_break_is_an_outcome(words_findings):
    """The issue's case: a result written in words at the start of a sentence, cut by a page
    break with a footnote dropped in between, is one number with what it counts, not a
    count without a noun nor a descriptive count."""
    _, found = words_findings
    by_value = {f.record["value"]: f.record for f in found if f.record}
    groups = by_value[25]
    assert groups["unit"].startswith("women's groups registered")
    assert groups["country"] == [iris.country("NER")]
    assert groups["status"] == iris.poa("Achieved") and "startYear" not in groups
    assert by_value[40]["unit"] == "farmers trained"
    assert (by_value[40]["startYear"], by_value[40]["endYear"]) == (2008, 2008)
    assert by_value[300]["unit"].startswith("households")
    assert set(by_value) == {25, 40, 300}
    assert not any(f.mention.value in (20, 5, 3, 100) for f in found)


def test_a_setting_count_in_words_stays_descriptive(words_findings):
    _, found = words_findings
    districts = [f for f in found if f.mention.value == 22]
    assert [(f.status, f.reason) for f in districts] == [("ignored", "descriptive count")]


def test_coverage_lists_each_number_in_words_once(words_findings, gaz):
    doc, _ = words_findings
    rows = coverage(doc, gaz)
    words = [r for r in rows if r.kind == "count"]
    assert [r.value for r in words] == [25, 40, 300, 22]
    assert doc.text[words[0].offset :].startswith("Twenty-\n\n")
