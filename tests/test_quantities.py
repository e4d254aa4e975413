"""Reading numbers as written: the hard fragments of the IOM report and the usual traps."""

from __future__ import annotations

from decimal import Decimal

import pytest

from poagraph.extract.quantities import find_numbers


def only(text: str, kind: str | None = None):
    """The single mention of `text` (of `kind`, when given)."""
    found = [m for m in find_numbers(text) if kind is None or m.kind == kind]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "value", "qualifier", "currency"),
    [
        ("It has assisted over 4,400 migrants to voluntarily return home", 4400, "over", None),
        (
            "In particular more than 63, 000 Angolans have been repatriated",
            63000,
            "more than",
            None,
        ),
        ("On resettlement, over 1500 refugees have been assisted", 1500, "over", None),
        ("will provide over 1.2 million Euros of direct material support", 1200000, "over", "EUR"),
        ("USD 10,722 was spent on the reintegration", 10722, None, "USD"),
        ("are entitled to GBP 3,000, -- reintegration assistance", 3000, None, "GBP"),
        ("a Human Security Fund of about \\$ 1.4 Million USD from Japan", 1400000, "about", "USD"),
        ("a flexible funding of 4m BP provided by DFID", 4000000, None, "GBP"),
        ("IOM has developed nearly 900 reintegration projects", 900, "nearly", None),
        (
            "IOM assisted the reintegration of almost 20,000 former combatants",
            20000,
            "almost",
            None,
        ),
        ("109,175 individuals benefited from Emergency operations", 109175, None, None),
        ("for the benefit of sixty low-income Guinean rural women", 60, None, None),
        ("a budget of about USD 4.5 million provided by Luxembourg", 4500000, "about", "USD"),
    ],
)
def test_quantity_read_as_written(text, value, qualifier, currency):
    m = only(text)
    assert m.is_quantity
    assert m.value == value
    assert m.qualifier == qualifier
    assert m.currency == currency
    assert text[m.start : m.end] == m.text
    assert m.kind == ("money" if currency else "count")


def test_odd_spacing_keeps_the_thousands_group_and_its_offsets():
    text = "more than 63, 000 Angolans"
    m = only(text)
    assert m.text == "63, 000"
    assert (m.number_start, m.number_end) == (10, 17)


def test_money_span_covers_currency_and_scale():
    assert only("of about \\$ 1.4 Million USD from").text == "\\$ 1.4 Million USD"
    assert only("entitled to GBP 3,000, -- reintegration").text == "GBP 3,000, --"
    assert only("funding of 4m BP provided").text == "4m BP"


def test_a_decimal_value_stays_decimal():
    m = only("a grant of EUR 2.75 to each")
    assert m.value == Decimal("2.75")
    assert isinstance(m.value, Decimal)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("the decade 2001-2010", "year"),
        ("created in 2001. The project", "year"),
        ("in 2005 and 2006", "year"),
        ("Abuja, Nigeria from 14 – 16 November, 2005 in an effort", "date"),
        ("on 9 and 10 February 2006 in Cotonou", "date"),
        ("in Butare on January 31st and February 1st 2006 by IOM", "date"),
        ("(from February 1, 2005 to March 31, 2006)", "date"),
        ("By mid-May 2006 IOM will have", "date"),
        ("a two-year Enhanced Migration Management Project", "duration"),
        ("a nine-month project", "duration"),
        ("over a 14-month period", "duration"),
        ("a 7-month long process", "duration"),
        ("During the project's 24 months", "duration"),
        ("during a two weeks training session", "duration"),
        ("completed a one-month literacy course", "duration"),
        ("for the last five decades", "duration"),
        ("after over twenty years of armed conflict", "duration"),
        ("One year later, the loans", "duration"),
        ("The 15th Protocol to the Declaration", "ordinal"),
        ("During the first phase", "ordinal"),
        ("A third phase will shortly start", "ordinal"),
        ("the Night Commuters³ in Gulu", "footnote"),
        ("¹ Participating LDCs were", "footnote"),
        ("- 2) Training and Resource Centre", "list-number"),
        ("Since the 1980s and 90s, IOM", "decade"),
        ("the Amnesty Act 2000 for the reintegration", "identifier"),
        ("supported by the IOM 1035 funding facility", "identifier"),
        ("World Bank and IOM's 1035 Facility.", "identifier"),
        ("Commitment 2: Good governance", "identifier"),
        ("a website, www.un2006.org is online", "identifier"),
        ("reintegration of 30% of the total caseload", "percentage"),
        ("the 2% interest rate micro-credit loans", "percentage"),
        ("Hundreds of local Afghan construction firms", "vague"),
        ("several thousand people were displaced", "vague"),
        ("IOM is one of the major implementing partners", "pronoun"),
        ("children aged 12-year-old", "age"),
    ],
)
def test_numbers_that_are_not_quantities(text, kind):
    found = find_numbers(text)
    assert found, text
    assert {m.kind for m in found} == {kind}, [(m.text, m.kind) for m in found]
    assert all(not m.is_quantity and m.reason for m in found)


def test_every_number_of_a_range_is_found():
    assert [m.value for m in find_numbers("from 14 – 16 November, 2005")] == [14, 16, 2005]
    assert [m.value for m in find_numbers("the decade 2001-2010")] == [2001, 2010]


def test_word_numbers_and_compounds():
    assert only("IOM implements nine programmes").value == 9
    assert only("Five of these programmes").value == 5
    assert only("twenty-five officers were trained").value == 25


def test_qualifier_only_when_the_text_says_so():
    assert only("a total of 160,000 IDPs were returned").qualifier is None
    assert only("about 90,000 people").qualifier == "about"
    assert only("approximately 90 people").qualifier == "about"


def test_a_qualified_four_digit_number_is_a_count_not_a_year():
    m = only("over 2000 refugees were resettled")
    assert (m.kind, m.value, m.qualifier) == ("count", 2000, "over")


def test_words_inside_other_words_are_not_numbers():
    assert find_numbers("None of the often-cited tone of someone") == []


# -- numbers in words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written", "value"),
    [
        ("Forty farmers were trained in Mopti.", "Forty", 40),
        ("The unit recruited twenty-five nurses.", "twenty-five", 25),
        ("The unit recruited twenty five nurses.", "twenty five", 25),
        ("Ninety-nine wells were dug.", "Ninety-nine", 99),
        ("Thirteen clinics reopened.", "Thirteen", 13),
        ("three hundred households received seeds", "three hundred", 300),
        ("a hundred volunteers joined", "a hundred", 100),
        ("two thousand five hundred teachers were paid", "two thousand five hundred", 2500),
        ("one hundred and twenty midwives graduated", "one hundred and twenty", 120),
        ("Twenty-five thousand children were vaccinated", "Twenty-five thousand", 25000),
        ("three hundred thousand people were reached", "three hundred thousand", 300000),
        ("one million two hundred thousand doses", "one million two hundred thousand", 1200000),
        ("a dozen cooperatives were formed", "a dozen", 12),
        ("two dozen boats were repaired", "two dozen", 24),
        ("half a dozen inspectors", "half a dozen", 6),
        ("half a million refugees went home", "half a million", 500000),
        ("two and a half million meals were served", "two and a half million", 2500000),
    ],
)
def test_numbers_in_words_are_read_whole(text, written, value):
    m = only(text)
    assert (m.text, m.value, m.kind) == (written, value, "count")
    assert text[m.number_start : m.number_end] == written


@pytest.mark.parametrize(
    ("text", "written", "value"),
    [
        ("was trained. Twenty-\n\nfive women's groups were registered", "Twenty-\n\nfive", 25),
        ("Three\n\nhundred farmers were trained", "Three\n\nhundred", 300),
        ("Twenty\n\nfive boats", "Twenty\n\nfive", 25),
        # a footnote the page break dropped there, blanked by outcomes.own_text
        (
            "Forty-\n\n" + " " * 30 + "\n\nsix schools reopened",
            "Forty-\n\n" + " " * 30 + "\n\nsix",
            46,
        ),
        ("two\n\nthousand five hundred returnees", "two\n\nthousand five hundred", 2500),
    ],
)
def test_a_page_break_does_not_cut_a_number_in_words(text, written, value):
    m = only(text)
    assert (m.text, m.value, m.kind) == (written, value, "count")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("a two-year programme", "duration"),
        ("Twenty-five-year-old women", "age"),
        ("for twenty\n\nyears", "duration"),
        ("the twenty-first century", "ordinal"),
        ("several hundred people fled", "vague"),
        ("a few thousand returnees", "vague"),
        ("many million dollars", "vague"),
        ("dozens of schools", "vague"),
        ("tens of thousands", "vague"),
        ("forty per cent of the pupils", "percentage"),
        ("One of the partners", "pronoun"),
    ],
)
def test_words_classified_as_digits_are(text, kind):
    found = find_numbers(text)
    assert found and {m.kind for m in found} == {kind}, [(m.text, m.kind) for m in found]


def test_words_that_start_no_number_are_skipped():
    assert only("a dozen").value == 12
    assert find_numbers("the dozen-strong team") == []  # "dozen" alone counts nothing
    assert find_numbers("a two-week course and a one-off grant")[0].kind == "duration"
    assert find_numbers("A survey found nothing") == []
    # two numbers side by side are two numbers, not one
    assert [m.value for m in find_numbers("of those seven two were women")] == [7, 2]
    assert [m.value for m in find_numbers("twenty, thirty")] == [20, 30]


def test_a_qualifier_and_a_currency_apply_to_numbers_in_words():
    m = only("nearly forty farmers")
    assert (m.value, m.qualifier) == (40, "nearly")
    m = only("some two million dollars were spent")
    assert (m.value, m.kind, m.currency, m.qualifier) == (2000000, "money", "USD", "about")
    assert m.text == "two million dollars"


# -- digits written in other conventions ------------------------------------------------------


def test_thousands_grouped_by_spaces_and_a_decimal_comma_before_a_scale():
    assert only("500 000 FCFA were lent").value == 500000
    assert only("soit 1 250 000 francs CFA").value == 1250000
    assert only("1,5 milliard de francs CFA").value == 1500000000
    assert only("un budget de 2,25 millions d'euros").value == 2250000
    # a year then a count stay two numbers; a comma list is no decimal
    assert [m.value for m in find_numbers("In 2005 125 000 people")] == [2005, 125000]
    assert [m.value for m in find_numbers("in 1,5 and 7 cases")] == [1, 7]
