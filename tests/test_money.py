"""Money in every ISO 4217 currency, however a report writes it, and who paid it.

The sentences below are written for these tests (other agencies' and donors' phrasing, not
the fixtures'): codes before and after the amount, symbols, names in English and French,
abbreviations, shared forms decided by the passage's country, and the funder the sentence
names around the amount.
"""

from __future__ import annotations

from decimal import Decimal

import pycountry
import pytest
import yaml

from poagraph import iris
from poagraph.extract.funders import funders_of
from poagraph.extract.gazetteer import load_gazetteer, passage_countries
from poagraph.extract.money import CURRENCIES, decide_currency, load_money
from poagraph.extract.outcomes import assess, extract_outcomes
from poagraph.extract.quantities import find_numbers
from poagraph.extract.report import parse_report, parse_text
from poagraph.extract.status import PLANNED, decide

PLANNED_IRI, ACHIEVED_IRI = iris.poa("Planned"), iris.poa("Achieved")


def money(text: str):
    found = [m for m in find_numbers(text) if m.kind == "money"]
    assert len(found) == 1, [(m.text, m.kind) for m in find_numbers(text)]
    return found[0]


# -- the forms ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written", "value", "currency"),
    [
        # ISO code before or after, with a scale
        ("received USD 4.2 million in 2007", "USD 4.2 million", 4200000, "USD"),
        ("funded by NORAD (NOK 96 million)", "NOK 96 million", 96000000, "NOK"),
        ("a grant of 4.2 million USD", "4.2 million USD", 4200000, "USD"),
        ("CHF 1.2m for the camps", "CHF 1.2m", 1200000, "CHF"),
        ("SEK 3 bn over five years", "SEK 3 bn", 3000000000, "SEK"),
        ("ETB 250,000 in grants", "ETB 250,000", 250000, "ETB"),
        ("a loan of BDT 12 million", "BDT 12 million", 12000000, "BDT"),
        # symbols
        ("US$ 3.1 million was raised", "US$ 3.1 million", 3100000, "USD"),
        ("a $5m fund", "$5m", 5000000, "USD"),
        ("€2 million from the Commission", "€2 million", 2000000, "EUR"),
        ("£4m for the roads", "£4m", 4000000, "GBP"),
        ("¥300 million for schools", "¥300 million", 300000000, "JPY"),
        ("Rwf 5 million", None, None, None),  # not a form we know: not money
        # names, English and French, singular and plural
        ("2 million euros for seeds", "2 million euros", 2000000, "EUR"),
        ("3 million Swiss francs", "3 million Swiss francs", 3000000, "CHF"),
        ("5 billion Japanese yen", "5 billion Japanese yen", 5000000000, "JPY"),
        ("2 million Norwegian kroner", "2 million Norwegian kroner", 2000000, "NOK"),
        ("40 million Ethiopian Birr", "40 million Ethiopian Birr", 40000000, "ETB"),
        ("300 million afghanis", "300 million afghanis", 300000000, "AFN"),
        ("2 millions de couronnes norvégiennes", None, 2000000, "NOK"),
        ("500 000 francs burundais", "500 000 francs burundais", 500000, "BIF"),
        ("2 millions d'euros", "2 millions d'euros", 2000000, "EUR"),
        ("10 millions de dollars américains", None, 10000000, "USD"),
        # abbreviations a report writes
        ("a flexible funding of 4m BP", "4m BP", 4000000, "GBP"),
        ("FCFA 2 milliards", "FCFA 2 milliards", 2000000000, "XOF"),
        ("1.5 billion CFA francs", "1.5 billion CFA francs", 1500000000, "XOF"),
        ("1,5 milliard de francs CFA", "1,5 milliard de francs CFA", 1500000000, "XOF"),
        ("F CFA 750 000", "F CFA 750 000", 750000, "XOF"),
        ("USh 40 million", "USh 40 million", 40000000, "UGX"),
        ("TSh 15m", "TSh 15m", 15000000, "TZS"),
        # numbers in words
        ("half a million euros", "half a million euros", 500000, "EUR"),
        ("two million dollars", "two million dollars", 2000000, "USD"),
    ],
)
def test_every_form_of_money(text, written, value, currency):
    if currency is None:
        assert all(m.kind != "money" for m in find_numbers(text))
        return
    m = money(text)
    assert (m.value, m.currency) == (value, currency)
    assert text[m.start : m.end] == m.text
    if written:
        assert m.text == written


def test_every_iso_4217_code_is_read_before_and_after_the_amount():
    """No hand list: the codes are pycountry's, less those that are no money (metals, test
    codes) or ordinary words in capitals (data)."""
    data = yaml.safe_load(CURRENCIES.read_text(encoding="utf-8"))
    skipped = set(data["not_money"]) | set(data["word_codes"])
    codes = sorted(c.alpha_3 for c in pycountry.currencies if c.alpha_3 not in skipped)
    assert len(codes) > 140
    for code in codes:
        assert money(f"a grant of {code} 2.5 million to").currency == code
        assert money(f"a grant of 2.5 million {code} to").currency == code
    assert load_money().codes == frozenset(codes)


def test_official_names_come_from_pycountry_in_english_and_french():
    names = load_money().names
    assert names["norwegian krone"] == names["couronnes norvégiennes"] == "NOK"
    assert names["cfa franc bceao"] == "XOF" and names["cfa franc beac"] == "XAF"
    assert names["malawi kwacha"] == "MWK" and names["lao kip"] == "LAK"


@pytest.mark.parametrize(
    "text",
    [
        "Of the 30 candidates, 10 won a place",  # "Won" is read only in the plural
        "the TOP 10 priorities",  # a code that is a word in capitals
        "SOS 2005 campaign",
        "the 20 rand-based",
        "in 300 Sol",
        "10,000 pounds of maize were shipped",  # a weight
    ],
)
def test_words_that_look_like_currencies_are_not_money(text):
    assert all(m.kind != "money" for m in find_numbers(text)), find_numbers(text)


def test_a_currency_code_before_a_year_is_money_as_written():
    m = money("a grant of USD 2000 per household")
    assert (m.value, m.currency) == (2000, "USD")


# -- the currency decided ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "countries", "year", "code", "inferred"),
    [
        ("CFA francs", ["MLI"], 2008, "XOF", False),
        ("FCFA", ["TCD"], 2008, "XAF", False),
        ("francs CFA", ["CAF", "TCD"], 2008, "XAF", False),
        ("CFA francs", [], 2008, "XOF", True),  # no country decides: the default, marked
        ("CFA francs", ["MLI", "TCD"], 2008, "XOF", True),  # two that disagree
        ("CFA francs", ["NPL"], 2008, "XOF", True),
        ("francs", ["BDI"], 2008, "BIF", False),
        ("francs", ["RWA"], 2008, "RWF", False),
        ("francs", [], 2008, None, False),  # no default: no code (the unit says it)
        ("shillings", ["UGA"], 2008, "UGX", False),
        ("rupees", ["NPL"], 2008, "NPR", False),
        ("USD", ["MLI"], 2008, "USD", False),
        ("leones", ["SLE"], 2023, "SLE", False),
        ("leones", ["SLE"], 2006, "SLE", True),  # before SLE replaced SLL: marked
        ("kwacha", ["ZMB"], 2008, "ZMW", True),  # ZMK until 2013
        ("SLE", ["SLE"], 2006, "SLE", False),  # a code as written is kept as written
        ("ZMK", ["ZMB"], 2008, "ZMW", True),  # a withdrawn code: its successor, marked
        ("FRF", [], 2001, None, False),  # withdrawn, no ISO successor: no code
    ],
)
def test_the_currency_is_decided_by_the_country_and_the_year(
    written, countries, year, code, inferred
):
    cur = decide_currency(written, countries, year)
    assert cur.code == code
    assert bool(cur.why) == inferred
    if inferred:
        assert f"'{written}'" in cur.why


def test_the_reason_names_what_the_graph_cannot_state():
    why = decide_currency("leones", ["SLE"], 2006).why
    assert "SLL" in why and "2022" in why and "value is as stated" in why
    why = decide_currency("CFA francs", [], 2006).why
    assert "XOF" in why and "West Africa" in why


# -- the funder ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def government(iso3: str) -> str:
    return iris.organisation(f"government-{iso3.lower()}")


@pytest.mark.parametrize(
    ("sentence", "amount", "funders"),
    [
        (
            "The clinics were rebuilt with USD 2 million from the Government of Norway.",
            "USD 2 million",
            [government("NOR")],
        ),
        (
            "A EUR 1.2 million grant of the European Commission paid for the roads.",
            "EUR 1.2 million",
            [iris.organisation("european-commission")],
        ),
        (
            "The programme, funded by DFID (GBP 3 million), trained 200 nurses.",
            "GBP 3 million",
            [iris.organisation("dfid")],
        ),
        (
            "The Swedish International Development Agency provided SEK 40 million for wells.",
            "SEK 40 million",
            [iris.organisation("sida")],
        ),
        (
            "The Government of Japan has contributed about USD 1.4 million to the project.",
            "USD 1.4 million",
            [government("JPN")],
        ),
        (
            "A budget of USD 4 million was provided by Norway and Sweden.",
            "USD 4 million",
            [government("NOR"), government("SWE")],
        ),
        (
            "The World Bank and DFID granted a total of USD 9 million.",
            "USD 9 million",
            [iris.organisation("world-bank"), iris.organisation("dfid")],
        ),
        (
            "The Ministry received EUR 3 million over four years from the European Commission.",
            "EUR 3 million",
            [iris.organisation("european-commission")],
        ),
        (
            "USD 20 million, to be provided by DFID, will pay for the feeder roads.",
            "USD 20 million",
            [iris.organisation("dfid")],
        ),
        (
            "A credit of USD 15 million approved by the World Bank in 2006 built the schools.",
            "USD 15 million",
            [iris.organisation("world-bank")],
        ),
        (
            "The scheme is run with the World Bank (IDA), which approved USD 30 million in 2005.",
            "USD 30 million",
            [iris.organisation("world-bank")],
        ),
        (
            "The Department for International Development (DFID) provided GBP 2 million.",
            "GBP 2 million",
            [iris.organisation("dfid")],
        ),
        (
            "Un financement de 2 millions d'euros, fourni par la Commission européenne, a "
            "permis la construction.",
            "2 millions d'euros",
            [],  # the French name is not in the gazetteer: no funder invented
        ),
    ],
)
def test_the_funder_the_sentence_names(gaz, sentence, amount, funders):
    m = money(sentence)
    assert m.text == amount
    assert funders_of(sentence, m, [], gaz) == funders


@pytest.mark.parametrize(
    "sentence",
    [
        # a country after "from" is where the money came from, not who gave it
        "Migrants sent remittances of USD 2 million from Italy.",
        # names near the amount that did not pay it
        "DFID visited the camps where USD 3 million was spent by the returnees.",
        "USD 5 million was spent in Ethiopia by IOM staff on the road to Sweden.",
        "Norway hosted the meeting; USD 2 million was raised.",
    ],
)
def test_a_name_near_an_amount_is_no_funder(gaz, sentence):
    assert funders_of(sentence, money(sentence), [], gaz) == []


# -- status -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "number", "status"),
    [
        ("A budget of EUR 3 million was set aside for the schools.", "EUR", PLANNED),
        ("NOK 20 million has been earmarked for the second phase.", "NOK", PLANNED),
        ("The project targets USD 5 million in private investment.", "USD", PLANNED),
        ("Donors committed USD 12 million to the fund.", "USD", PLANNED),
        ("USD 3 million was disbursed to the cooperatives.", "USD", ACHIEVED_IRI),
    ],
)
def test_budgets_and_targets_in_money_are_planned(sentence, number, status):
    expected = PLANNED if status == PLANNED else "Achieved"
    assert decide(sentence, sentence.index(number), money=True).status == expected


def test_a_count_beside_a_budget_keeps_its_own_status():
    sentence = "25 women's groups were registered with a budget of FCFA 96 million."
    assert decide(sentence, 0, money=False).status == "Achieved"
    assert decide(sentence, sentence.index("FCFA"), money=True).status == PLANNED


# -- outcomes of a report ----------------------------------------------------------------------

REPORT = """Global review of the implementation of the Programme of Action for the LDCs

**Report on WFP contribution to the implementation of the Programme of Action**

Commitment 4: Building productive capacities to make globalization work for LDCs

- **Supporting rural development and food security**

Mali

Grain banks in Mopti received 1.5 billion CFA francs provided by the Government of Norway in 2008.

Chad

The Government of Japan contributed USD 1.2 million in 2009; a further FCFA 300 million was
budgeted for 2011.

General activities

A budget of 2 million CFA francs was set aside in 2009. Returnees received 40,000 francs each.
"""


@pytest.fixture(scope="module")
def outcomes(gaz):
    doc = parse_text(REPORT, metadata={"slug": "money-test", "organisation": "WFP", "year": 2010})
    return extract_outcomes(doc, gaz, passage_countries(doc, gaz))


def by_value(outcomes, value):
    hits = [o for o in outcomes if o["value"] == value]
    assert len(hits) == 1, value
    return hits[0]


def test_money_outcomes_of_a_report(outcomes):
    mali = by_value(outcomes, 1500000000)
    assert mali["currency"] == "XOF" and mali["country"] == [iris.country("MLI")]
    assert mali["fundedBy"] == [government("NOR")]
    assert (mali["startYear"], mali["endYear"], mali["status"]) == (2008, 2008, ACHIEVED_IRI)
    assert "inferred" not in mali

    japan = by_value(outcomes, 1200000)
    assert (japan["currency"], japan["fundedBy"]) == ("USD", [government("JPN")])
    assert japan["status"] == ACHIEVED_IRI

    budget = by_value(outcomes, 300000000)
    assert (budget["currency"], budget["status"]) == ("XAF", PLANNED_IRI)  # Chad: Central
    assert "fundedBy" not in budget


def test_an_undecided_currency_is_marked_inferred(outcomes):
    general = by_value(outcomes, 2000000)
    assert general["currency"] == "XOF" and general["status"] == PLANNED_IRI
    assert general["inferred"] == [iris.poa("currency")]
    assert general["editorialNote"][0].startswith("currency: 'CFA francs'")


def test_money_no_iso_code_fits_is_left_to_the_curator(gaz):
    """ "40,000 francs" where no country says which franc: no outcome without a currency
    (the graph's shape refuses one); coverage says why and what to do."""
    doc = parse_text(REPORT, metadata={"slug": "money-test", "organisation": "WFP", "year": 2010})
    francs = [f for f in assess(doc, gaz, passage_countries(doc, gaz)) if f.mention.value == 40000]
    assert [f.status for f in francs] == ["ignored"]
    assert "'francs'" in francs[0].reason and "curate it with its currency" in francs[0].reason


def test_the_bundled_reports_money_is_unchanged_and_gets_its_funders(report_path, gaz):
    doc = parse_report(report_path)
    got = extract_outcomes(doc, gaz, passage_countries(doc, gaz))
    amounts = {
        (o["value"], o["currency"], o["status"] == PLANNED_IRI): o.get("fundedBy", [])
        for o in got
        if "currency" in o
    }
    assert amounts == {
        (1400000, "USD", False): [government("JPN")],  # "from the Japanese Government"
        (3000, "GBP", True): [],
        (10722, "USD", False): [],
        (1200000, "EUR", True): [],
        (4000000, "GBP", True): [iris.organisation("dfid")],  # "provided by DFID"
    }
    assert all(isinstance(o["value"], int) for o in got)
    assert Decimal(1) not in {o["value"] for o in got}
