"""Places (issue 11): a place heading no gazetteer knows no longer stops the build, and
countries are found in all their UN and ISO forms.

An unknown heading keeps its section; its passages carry no country and no region, and
the build warns with file:line and how to make the place known; `--strict` stops on it.
Country names: ISO 3166 (pycountry, English and French), the UN M49 names of the vocab
(ontology/vocab/countries.ttl), the forms reports use; longest match decides.
"""

from __future__ import annotations

from pathlib import Path

import pycountry
import pytest
import yaml
from pyoxigraph import RdfFormat, Store

from poagraph import iris, paths, store
from poagraph.build import build
from poagraph.errors import ReportError
from poagraph.extract import extract
from poagraph.extract.countries import written_forms
from poagraph.extract.document import check_places
from poagraph.extract.gazetteer import Gazetteer, load_gazetteer
from poagraph.extract.report import parse_report, parse_text

FIXTURE = Path(__file__).parent / "fixtures" / "reports" / "uncdf-bpoa-review.md"
ADVICE = "add it to mappings/countries.yaml (aliases) or mappings/regions.yaml"

HEAD = (
    "Global review of the implementation of the Programme of Action\n\n"
    "**Report on WFP contribution to the review**\n\n"
    "Commitment 4: Building productive capacities\n\n"
    "- **Developing rural infrastructure**\n\n"
)

#: A report of the common layout whose headings the gazetteers partly do not know.
UNKNOWN = HEAD + (
    "Lake Chad Basin\n\n"
    "WFP supported 1,200 farmers around the lake in 2008.\n\n"
    "Niger and Atlantis\n\n"
    "WFP trained 300 extension workers in 2009.\n\n"
    "Senegal\n\n"
    "WFP built 12 storage sheds in 2010.\n\n"
    "Sahel and Horn of Africa\n\n"
    "WFP delivered food to 40,000 people in 2010.\n"
)


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


def _report(folder: Path, text: str, slug: str = "wfp-places-review") -> Path:
    path = folder / f"{slug}.md"
    path.write_text(text, encoding="utf-8")
    meta = {"slug": slug, "title": "Places test", "organisation": "WFP", "year": 2010}
    (folder / f"{slug}.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    return path


def _line(text: str, heading: str) -> int:
    return text[: text.index(f"\n{heading}\n")].count("\n") + 2


# -- headings: the parts between separators -------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "countries", "regions", "unresolved"),
    [
        ("Lake Chad Basin", (), (), ("Lake Chad Basin",)),  # not Chad
        ("Niger Delta", (), (), ("Niger Delta",)),
        ("Niger and Atlantis", ("NER",), (), ("Atlantis",)),
        ("Atlantis, Mali and Ruritania", ("MLI",), (), ("Atlantis", "Ruritania")),
        ("Sahel and Horn of Africa", (), ("sahel", "horn-of-africa"), ()),
        ("Mali (Gao region)", ("MLI",), (), ("Gao region",)),
        ("Sudan - Darfur", ("SDN",), (), ("Darfur",)),
        ("Senegall", (), (), ("Senegall",)),  # misspelt
        ("Gambia (The)", ("GMB",), (), ()),
        ("The Gambia", ("GMB",), (), ()),
        ("Niger et Mali", ("NER", "MLI"), (), ()),
        ("Sao Tome and Principe", ("STP",), (), ()),
        ("Trinidad & Tobago and Haiti", ("TTO", "HTI"), (), ()),
        ("Guinea-Bissau and Guinea", ("GNB", "GIN"), (), ()),
        ("Guinea Bissau", ("GNB",), (), ()),
        ("West Africa and Chad", ("TCD",), ("west-africa",), ()),
        ("Nepal (Federal Democratic Republic of)", ("NPL",), (), ()),
        ("Tanzania, United Republic of", ("TZA",), (), ()),
    ],
)
def test_a_heading_is_a_list_of_places(
    gaz: Gazetteer, heading: str, countries: tuple, regions: tuple, unresolved: tuple
) -> None:
    ref = gaz.resolve_place(heading)
    assert (ref.countries, ref.regions, ref.unresolved) == (countries, regions, unresolved)
    assert ref.region == (regions[0] if regions else None)


def test_unknown_headings_are_warnings_with_file_line_and_advice(gaz: Gazetteer) -> None:
    doc = parse_text(UNKNOWN, path="wfp.md")
    notes = [str(e) for e in check_places(doc, gaz)]
    assert notes == [
        f"wfp.md:{_line(UNKNOWN, 'Lake Chad Basin')}: place heading 'Lake Chad Basin' "
        f"names no known country or region: {ADVICE}",
        f"wfp.md:{_line(UNKNOWN, 'Niger and Atlantis')}: place heading 'Niger and Atlantis': "
        f"'Atlantis' names no known country or region: {ADVICE}",
        f"wfp.md:{_line(UNKNOWN, 'Sahel and Horn of Africa')}: place heading 'Sahel and Horn "
        "of Africa' names several regions; its passages are placed in the first, 'Sahel', "
        "only: add the heading to mappings/regions.yaml as one region",
    ]


def test_the_reports_of_the_layout_have_no_unknown_heading(gaz: Gazetteer) -> None:
    for path in (*paths.BUNDLED_REPORTS, FIXTURE):
        assert check_places(parse_report(path), gaz) == [], path


def test_sections_under_unknown_headings_are_kept_without_a_place(gaz: Gazetteer) -> None:
    doc = parse_text(UNKNOWN, path="wfp.md", metadata={"slug": "wfp-places-review"})
    records = extract(doc, gaz)
    passages = {r["text"]: r for r in records if r.get("@type") == "Passage"}
    lake = passages["WFP supported 1,200 farmers around the lake in 2008."]
    assert "country" not in lake and "region" not in lake
    assert lake["addresses"].startswith(iris.ID)  # still under its action
    niger = passages["WFP trained 300 extension workers in 2009."]
    assert niger["country"] == [iris.country("NER")]
    sahel = passages["WFP delivered food to 40,000 people in 2010."]
    assert sahel["region"] == iris.region("sahel") and "country" not in sahel


# -- the build: warnings, --strict ----------------------------------------------------------


def test_the_build_succeeds_and_returns_the_warnings(tmp_path: Path) -> None:
    path = _report(tmp_path, UNKNOWN)
    result = build([path], tmp_path / "store")
    notes = result.reports[0].notes
    assert len(notes) == 3
    assert notes[0].startswith(f"{path}:{_line(UNKNOWN, 'Lake Chad Basin')}: place heading")
    with store.reading(tmp_path / "store") as db:  # the one report graph
        rows = list(
            db.query(
                "SELECT ?t (COUNT(?c) AS ?n) WHERE { GRAPH ?g { ?p a poa:Passage ; poa:text ?t "
                "OPTIONAL { ?p poa:country|poa:region ?c } } } GROUP BY ?t",
                prefixes=iris.PREFIXES,
            )
        )
    places = {r["t"].value: int(r["n"].value) for r in rows}
    assert places == {
        "WFP supported 1,200 farmers around the lake in 2008.": 0,
        "WFP trained 300 extension workers in 2009.": 1,
        "WFP built 12 storage sheds in 2010.": 1,
        "WFP delivered food to 40,000 people in 2010.": 1,
    }


def test_strict_stops_on_the_first_unknown_heading_and_keeps_the_store(tmp_path: Path) -> None:
    good = _report(tmp_path, HEAD + "Senegal\n\nWFP built 12 sheds in 2010.\n")
    build([good], tmp_path / "store")
    with store.reading(tmp_path / "store") as db:
        before = set(db)
    path = _report(tmp_path, UNKNOWN)
    line = _line(UNKNOWN, "Lake Chad Basin")
    with pytest.raises(ReportError, match=rf"{path.name}:{line}: place heading 'Lake Chad Basin'"):
        build([path], tmp_path / "store", strict=True)
    with store.reading(tmp_path / "store") as db:
        assert set(db) == before


def test_a_known_heading_needs_no_strictness(tmp_path: Path) -> None:
    path = _report(tmp_path, HEAD + "Niger and Mali\n\nWFP built 12 sheds in 2010.\n")
    result = build([path], tmp_path / "store", strict=True)
    assert result.reports[0].notes == []


# -- country names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        ("United Republic of Tanzania", "TZA"),
        ("Lao People's Democratic Republic", "LAO"),
        ("Lao People’s Democratic Republic", "LAO"),
        ("Lao PDR", "LAO"),
        ("Côte d'Ivoire", "CIV"),
        ("Côte d’Ivoire", "CIV"),
        ("Cote d'Ivoire", "CIV"),
        ("Cote d’Ivoire", "CIV"),
        ("Ivory Coast", "CIV"),
        ("Democratic Republic of the Congo", "COD"),
        ("DR Congo", "COD"),
        ("Republic of the Congo", "COG"),
        ("Gambia (The)", "GMB"),
        ("The Gambia", "GMB"),
        ("Timor-Leste", "TLS"),
        ("East Timor", "TLS"),
        ("Myanmar", "MMR"),
        ("Burma", "MMR"),
        ("Sao Tome and Principe", "STP"),
        ("São Tomé and Príncipe", "STP"),
        ("Guinea-Bissau", "GNB"),
        ("Republic of Yemen", "YEM"),
        ("Kingdom of Cambodia", "KHM"),
        ("Nepal (Federal Democratic Republic of)", "NPL"),
        ("Bolivia (Plurinational State of)", "BOL"),
        ("Iran (Islamic Republic of)", "IRN"),
        ("St. Lucia", "LCA"),
        ("Antigua & Barbuda", "ATG"),
        # French (pycountry's translations): a francophone report, a French body's name
        ("Sénégal", "SEN"),
        ("République démocratique du Congo", "COD"),
        ("République centrafricaine", "CAF"),
        ("Tchad", "TCD"),
        ("Guinée-Bissau", "GNB"),
    ],
)
def test_country_name_forms_in_running_text(gaz: Gazetteer, name: str, iso3: str) -> None:
    text = f"In 2009 the programme reached {name}, where 300 officials were trained."
    found = gaz.countries_in(text)
    assert [(m.key, m.surface) for m in found] == [(iso3, name.removesuffix(" (The)"))]


@pytest.mark.parametrize(
    ("text", "isos"),
    [
        ("Guinea-Bissau, Equatorial Guinea and Papua New Guinea", ["GNB", "GNQ", "PNG"]),
        ("Guinea and Guinea-Bissau", ["GIN", "GNB"]),
        ("Niger and Nigeria", ["NER", "NGA"]),
        ("Nigeria's neighbour Niger", ["NGA", "NER"]),
        ("the DR Congo and the Republic of the Congo", ["COD", "COG"]),
        ("the Democratic Republic of the Congo and Congo", ["COD"]),  # "Congo" alone: none
        ("Sudan and South Sudan", ["SDN", "SSD"]),
        ("Dominica and the Dominican Republic", ["DMA", "DOM"]),
        ("Ministère de la Santé du Sénégal", ["SEN"]),
    ],
)
def test_the_longest_name_wins(gaz: Gazetteer, text: str, isos: list[str]) -> None:
    assert [m.key for m in gaz.countries_in(text)] == isos


def test_words_that_are_no_country_here(gaz: Gazetteer) -> None:
    text = "Maurice Dupont and Dominique Martin raised US$ 3.1 million in Salvador."
    assert gaz.countries_in(text) == []


def test_written_forms() -> None:
    assert written_forms("Tanzania, United Republic of")[:3] == [
        "Tanzania, United Republic of",
        "United Republic of Tanzania",
        "Tanzania (United Republic of)",
    ]
    assert "Bolivia" in written_forms("Bolivia (Plurinational State of)")
    assert "Plurinational State of Bolivia" in written_forms("Bolivia (Plurinational State of)")
    assert "Sao Tome & Principe" in written_forms("São Tomé and Príncipe")
    assert {"St. Kitts and Nevis", "St Kitts and Nevis"} <= set(
        written_forms("Saint Kitts and Nevis")
    )
    assert "State of Eritrea" in written_forms("the State of Eritrea")
    # a list after the comma is no inverted name
    forms = written_forms("Saint Helena, Ascension and Tristan da Cunha")
    assert "St. Helena, Ascension and Tristan da Cunha" in forms
    assert not any(f.startswith("Ascension") for f in forms)


def _vocab() -> Store:
    g = Store()
    g.load(path=str(paths.VOCAB / "countries.ttl"), format=RdfFormat.TURTLE)
    return g


def _ldcs() -> list[tuple[str, str]]:
    """(ISO3, UN M49 name) of every LDC of 2001-2010 (poa:isLDC in the vocab)."""
    rows = _vocab().query(
        "SELECT ?iso ?name WHERE { ?c poa:isLDC true ; poa:iso3 ?iso ; skos:prefLabel ?name }"
        " ORDER BY ?iso",
        prefixes=iris.PREFIXES,
    )
    return [(r["iso"].value, r["name"].value) for r in rows]


LDCS = _ldcs()


def _iso_official(iso3: str) -> str:
    c = pycountry.countries.get(alpha_3=iso3)
    return getattr(c, "official_name", None) or c.name


def test_the_vocab_has_the_fifty_ldcs_of_the_decade() -> None:
    assert len(LDCS) == 50 and ("TLS", "Timor-Leste") in LDCS and ("CPV", "Cabo Verde") in LDCS


@pytest.mark.parametrize(("iso3", "un_name"), LDCS, ids=[i for i, _ in LDCS])
def test_every_ldc_by_its_un_and_iso_names(gaz: Gazetteer, iso3: str, un_name: str) -> None:
    for name in (un_name, _iso_official(iso3)):
        for written in {name, name.replace("'", "’")}:
            text = f"Since 2005, {written} has trained 300 officials."
            assert [m.key for m in gaz.countries_in(text)] == [iso3], written
            heading = written[0].upper() + written[1:]  # "the State of Eritrea" heads a section
            ref = gaz.resolve_place(heading)
            assert (ref.countries, ref.unresolved) == ((iso3,), ()), heading


def test_every_ldc_heads_a_section_of_a_report(gaz: Gazetteer) -> None:
    """The real parse and extraction: a report whose sections are headed by every LDC, by
    its UN name and by its ISO official name."""
    sections, expected = [], []
    for iso3, un_name in LDCS:
        for name in (un_name, _iso_official(iso3)):
            heading = name[0].upper() + name[1:]
            n = len(expected) + 1
            sections.append(f"{heading}\n\nSection {n}: 30 officials were trained in 2009.\n")
            expected.append((f"Section {n}: 30 officials were trained in 2009.", iso3))
    doc = parse_text(HEAD + "\n".join(sections), path="ldcs.md", metadata={"slug": "ldcs"})
    assert check_places(doc, gaz) == []
    records = extract(doc, gaz)
    country = {r["text"]: r.get("country") for r in records if r.get("@type") == "Passage"}
    for text, iso3 in expected:
        assert country[text] == [iris.country(iso3)], text


def test_every_name_of_the_vocab_is_known(gaz: Gazetteer) -> None:
    """The UN M49 and CLDR names of ontology/vocab/countries.ttl, except the ones
    countries.yaml sets aside as ambiguous or excluded."""
    cdata = yaml.safe_load((paths.MAPPINGS / "countries.yaml").read_text(encoding="utf-8"))
    aside = {*cdata.get("ambiguous", []), *cdata.get("exclude", [])}
    rows = _vocab().query(
        "SELECT ?iso ?name WHERE { ?c poa:iso3 ?iso "
        "{ ?c skos:prefLabel ?name } UNION { ?c skos:altLabel ?name } }",
        prefixes=iris.PREFIXES,
    )
    missing = []
    for r in rows:
        iso3, name = r["iso"].value, r["name"].value
        if name in aside:
            continue
        found = gaz.countries_in(name)
        if [(m.key, m.surface) for m in found] != [(iso3, name)]:
            missing.append((iso3, name))
    assert missing == []


def test_every_name_is_an_iso3_code(gaz: Gazetteer) -> None:
    assert len(gaz.country_names) > 1000
    assert all(pycountry.countries.get(alpha_3=c) for c in set(gaz.country_names.values()))
