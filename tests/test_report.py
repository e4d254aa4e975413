"""The parser on the report's hard fragments, and on the whole bundled report."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from poagraph import paths
from poagraph.errors import ReportError
from poagraph.extract.report import parse_report, parse_text

HEAD = "Title of a review\n\n**Report on WHO contribution to the review**\n\n"


def parse(body: str):
    return parse_text(HEAD + body, path="fragment.md")


@pytest.fixture(scope="module")
def doc():
    return parse_report(paths.SOURCES / "iom-bpoa-review.md")


# --- hard fragments ------------------------------------------------------------------------


def test_organisation_comes_from_the_title():
    d = parse("Commitment 1: A\n\nGeneral activities\n\nSome text.\n")
    assert d.organisation == "WHO"
    assert d.slug == "fragment"


def test_action_title_wrapped_across_a_page_break_is_rejoined():
    d = parse(
        "Commitment 4: Productive capacities\n\n"
        "▪ **Providing support to foster entrepreneurial capabilities,**\n\n"
        "managerial and technical skills (SMEs)\n\n"
        "General activities\n\nThe EAS works.\n"
    )
    assert [a.title for a in d.actions] == [
        "Providing support to foster entrepreneurial capabilities, "
        "managerial and technical skills (SMEs)"
    ]
    assert [p.text for p in d.passages] == ["The EAS works."]
    assert d.passages[0].place.is_general


def test_action_title_continues_after_a_footnote_the_page_break_dropped_in():
    d = parse(
        "Commitment 7: Money\n\n"
        "- **Supporting efforts including, where appropriate,**\n\n"
        "³ Night commuters are children.\n\n"
        "Poverty Reduction Strategy Papers (PRSPs), with full participation\n\n"
        "Bangladesh\n\nIOM took part.\n"
    )
    assert d.actions[0].title == (
        "Supporting efforts including, where appropriate, "
        "Poverty Reduction Strategy Papers (PRSPs), with full participation"
    )
    footnote, para = d.passages
    assert (footnote.kind, footnote.footnote) == ("footnote", 3)
    assert footnote.action is None and footnote.place is None
    assert para.place.heading == "Bangladesh" and para.action == 1


def test_paragraph_cut_by_a_page_break_is_one_passage_with_exact_offsets():
    body = (
        "Commitment 2: Governance\n\nAfghanistan\n\n"
        "It also provides job referrals, micro and\n\n"
        "small enterprise start-up help. To date, nearly 900 projects.\n\n"
        "Next paragraph.\n"
    )
    d = parse(body)
    first, second = d.passages
    assert first.text == (
        "It also provides job referrals, micro and\n\n"
        "small enterprise start-up help. To date, nearly 900 projects."
    )
    assert d.text[first.start : first.end] == first.text
    assert second.text == "Next paragraph."


def test_place_headings_several_countries_and_regions():
    d = parse(
        "Commitment 3: Capacities\n\n- **An action**\n\n"
        "DRC and Rwanda\n\nA.\n\n"
        "Democratic Republic of Congo, Rwanda and Burundi\n\nB.\n\n"
        "West Africa\n\nC.\n\nGeneral activities\n\nD.\n"
    )
    assert [p.place.heading for p in d.passages] == [
        "DRC and Rwanda",
        "Democratic Republic of Congo, Rwanda and Burundi",
        "West Africa",
        "General activities",
    ]


def test_a_heading_no_gazetteer_knows_still_heads_its_section():
    """The parser takes the layout, not the gazetteers: "Lake Chad Basin" or a misspelt
    country heads its section like any place (the build warns that it names no place)."""
    d = parse(
        "Commitment 3: Capacities\n\n- **An action**\n\n"
        "Lake Chad Basin\n\nA.\n\nSenegall\n\nB.\n\nSahel and Horn of Africa\n\nC.\n"
    )
    assert [(p.text, p.place.heading, p.action) for p in d.passages] == [
        ("A.", "Lake Chad Basin", 1),
        ("B.", "Senegall", 1),
        ("C.", "Sahel and Horn of Africa", 1),
    ]
    assert [pl.heading for pl in d.places] == [
        "Lake Chad Basin",
        "Senegall",
        "Sahel and Horn of Africa",
    ]


def test_footnotes_between_paragraphs_do_not_join_or_change_the_section():
    d = parse(
        "Commitment 3: Capacities\n\n- **An action**\n\nAfghanistan\n\n"
        "The event brought 32 LDCs and 2 observer countries¹, as well as others².\n\n"
        "¹ Participating LDCs were Angola and Benin.\n\n"
        "² Financial Institutions: World Bank.\n\n"
        "Currently IOM Afghanistan is implementing 4 RQA projects.\n"
    )
    kinds = [(p.kind, p.footnote, p.place and p.place.heading) for p in d.passages]
    assert kinds == [
        ("paragraph", None, "Afghanistan"),
        ("footnote", 1, None),
        ("footnote", 2, None),
        ("paragraph", None, "Afghanistan"),
    ]


def test_plain_bullets_are_list_items_not_actions():
    d = parse(
        "Commitment 2: Governance\n\n- **Action**\n\nUganda\n\nAchievements include:\n\n"
        "- 1) Legislative review: done.\n- 2) Training: over 200 officials.\n"
    )
    assert [p.kind for p in d.passages] == ["paragraph", "item", "item"]
    assert d.passages[2].text == "2) Training: over 200 officials."
    assert len(d.actions) == 1


def test_text_outside_any_action_sits_under_its_commitment():
    d = parse(
        "Commitment 6: Vulnerability\n\nGeneral activities\n\nDisasters.\n\n▪ **Act**\n\nX\n\nY.\n"
    )
    assert (d.passages[0].commitment, d.passages[0].action) == (6, None)
    assert (d.passages[1].commitment, d.passages[1].action) == (6, 1)


def test_crlf_line_endings_keep_offsets_exact():
    d = parse_text(
        HEAD.replace("\n", "\r\n") + "Commitment 2: G\r\n\r\nHaiti\r\n\r\nText here.\r\n"
    )
    (p,) = d.passages
    assert p.text == "Text here." and d.text[p.start : p.end] == p.text
    assert p.place.heading == "Haiti"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"Just some text\n\nwithout headings.\n", "no 'Commitment N: title' heading"),
        (b"Title\n\nCommitment 1: x\n\n\xff\xfe bad bytes\n", "not UTF-8"),
        (b"\x00\x01\x02binary", "binary data"),
    ],
)
def test_unreadable_reports_give_clear_errors(tmp_path: Path, content: bytes, message: str):
    f = tmp_path / "bad.md"
    f.write_bytes(content)
    with pytest.raises(ReportError, match=re.escape(message)) as err:
        parse_report(f)
    assert str(f) in str(err.value)


def test_not_utf8_names_the_line(tmp_path: Path):
    f = tmp_path / "latin1.md"
    f.write_bytes("Title\n\nCommitment 1: x\n\nCôte d'Ivoire\n".encode("latin-1"))
    with pytest.raises(ReportError) as err:
        parse_report(f)
    assert err.value.line == 5


def test_missing_file(tmp_path: Path):
    with pytest.raises(ReportError, match="not found"):
        parse_report(tmp_path / "nope.md")


def test_no_organisation_anywhere_is_an_error():
    with pytest.raises(ReportError, match="reporting organisation"):
        parse_text("A title\n\nCommitment 1: x\n\nText.\n")


# --- the bundled report --------------------------------------------------------------------


def test_bundled_report_structure(doc):
    assert doc.organisation == "IOM"
    assert [c.number for c in doc.commitments] == [2, 3, 4, 6, 7]
    source = doc.text
    bold_bullets = re.findall(r"^(?:-|▪) \*\*", source, flags=re.M)
    assert len(doc.actions) == len(bold_bullets) == 16
    assert all(not a.title.endswith(",") and "**" not in a.title for a in doc.actions)
    assert "entrepreneurial capabilities, managerial and technical skills" in doc.actions[9].title
    assert doc.actions[15].title.endswith(
        "where appropriate, Poverty Reduction Strategy Papers (PRSPs), "
        "with full participation of all stakeholders"
    )


def test_every_passage_is_its_exact_source_slice(doc):
    for p in doc.passages:
        assert doc.text[p.start : p.end] == p.text
        assert p.line == doc.text.count("\n", 0, p.start) + 1


def test_every_paragraph_of_the_source_is_in_exactly_one_passage_or_heading(doc):
    covered = [(p.start, p.end) for p in doc.passages]
    covered += [(pl.start, pl.end) for pl in doc.places]
    covered += [(c.start, c.end) for c in doc.commitments]
    covered.sort()
    for (_, e1), (s2, _) in itertools.pairwise(covered):
        assert e1 <= s2, "overlapping spans"
    # an action title may span a footnote the page break dropped into it; nothing else
    for a in doc.actions:
        inside = [p for p in doc.passages if a.start < p.start < a.end]
        assert all(p.kind == "footnote" for p in inside)
    covered = sorted(covered + [(a.start, a.end) for a in doc.actions])
    first_commitment = doc.commitments[0].start
    holes = []
    pos = first_commitment
    for s, e in covered:
        if s > pos and doc.text[pos:s].strip(" \n*-▪"):
            holes.append(doc.text[pos:s].strip()[:60])
        pos = max(pos, e)
    assert holes == []


def test_page_break_joins_in_the_bundled_report(doc):
    joined = [p for p in doc.passages if "\n\n" in p.text]
    fragments = [
        "four principal ministries\n\ninvolved",
        "micro and\n\nsmall enterprise",
        "the development\n\nand rehabilitation",
        "resettling to\n\ncountries",
        "offered to the\n\nunit.",
        "instability,\n\nincluding",
        "in order to\n\nassess",
    ]
    for fragment in fragments:
        assert sum(fragment in p.text for p in joined) == 1, fragment
    assert len(joined) == len(fragments)


def test_footnotes_of_the_bundled_report(doc):
    notes = {p.footnote: p for p in doc.footnotes}
    assert sorted(notes) == [1, 2, 3]
    assert notes[1].text.startswith("¹ Participating LDCs were Afghanistan")
    assert all(p.action is None and p.place is None for p in notes.values())
    # the paragraph after footnotes 1-2 is still Afghanistan's, under the same action
    after = doc.passages[notes[2].n]
    assert (
        after.text.startswith("Currently IOM Afghanistan") and after.place.heading == "Afghanistan"
    )


def test_a_paragraph_cut_by_a_page_break_with_a_footnote_in_between():
    d = parse(
        "Commitment 7: Money\n\n- **Act**\n\nSahel\n\n"
        "Funds came from the Belgian Survival Fund\n\n"
        "¹ Projects are counted when handed over.\n\n"
        "(BSF), between 2004 and 2009.\n\nBhutan\n\nMore.\n"
    )
    para, note, last = d.passages
    assert para.text.startswith("Funds came") and para.text.endswith(
        "(BSF), between 2004 and 2009."
    )
    assert d.text[para.start : para.end] == para.text
    assert (note.kind, note.footnote) == ("footnote", 1)
    assert last.place.heading == "Bhutan"


def test_another_organisations_report_of_the_same_layout():
    d = parse_report(Path(__file__).parent / "fixtures" / "reports" / "uncdf-bpoa-review.md")
    assert (d.organisation, d.slug) == ("UNCDF", "uncdf-bpoa-review")
    assert [c.number for c in d.commitments] == [4, 7]
    assert len(d.actions) == 2
    assert [p.place.heading for p in d.passages if p.place] == [
        "General activities",
        "Nepal",
        "Malawi and Lesotho",
        "Sahel",
        "Bhutan",
    ]
    assert all(d.text[p.start : p.end] == p.text for p in d.passages)


def test_a_metadata_slug_that_cannot_name_an_iri_is_refused():
    with pytest.raises(ReportError, match="lower-case letters, digits and hyphens"):
        parse_text(HEAD + "Commitment 1: x\n\nText.\n", metadata={"slug": "x> ; DROP ALL ; <y"})
    assert parse_text(HEAD + "Commitment 1: x\n\nT.\n", metadata={"slug": "a-b2"}).slug == "a-b2"
