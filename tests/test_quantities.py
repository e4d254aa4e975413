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
