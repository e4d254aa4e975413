"""The gazetteers (mappings/*.yaml) and their matcher, on strings from the report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from poagraph import paths
from poagraph.errors import MappingsError
from poagraph.extract.gazetteer import Gazetteer, load_gazetteer


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="module")
def source() -> str:
    return paths.BUNDLED_REPORTS[0].read_text(encoding="utf-8")


# -- place headings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "countries"),
    [
        ("DRC and Rwanda", ("COD", "RWA")),
        ("Democratic Republic of Congo, Rwanda and Burundi", ("COD", "RWA", "BDI")),
        ("Timor Leste", ("TLS",)),
        ("Senegal, Mali and Burkina Faso", ("SEN", "MLI", "BFA")),
        ("Benin and Burkina Faso", ("BEN", "BFA")),
        ("Guinea-Bissau", ("GNB",)),
        ("Guinea", ("GIN",)),
        ("Tanzania", ("TZA",)),
        ("Somalia", ("SOM",)),
    ],
)
def test_country_headings(gaz: Gazetteer, heading: str, countries: tuple[str, ...]) -> None:
    ref = gaz.resolve_place(heading)
    assert ref.countries == countries
    assert ref.region is None
    assert ref.resolved


def test_region_heading(gaz: Gazetteer) -> None:
    ref = gaz.resolve_place("West Africa")
    assert ref.region == "west-africa"
    assert ref.countries == ()
    assert ref.resolved
    assert {"NGA", "SEN", "MLI"} <= set(gaz.regions["west-africa"].countries)


def test_general_activities_has_no_place(gaz: Gazetteer) -> None:
    ref = gaz.resolve_place("General activities")
    assert ref.is_general and ref.countries == () and ref.region is None and ref.resolved


def test_unknown_heading_is_reported_not_guessed(gaz: Gazetteer) -> None:
    ref = gaz.resolve_place("Narnia and Mali")
    assert ref.countries == ("MLI",)
    assert not ref.resolved
    assert ref.unresolved == ("Narnia",)
    assert gaz.resolve_place("Atlantis").unresolved == ("Atlantis",)


def test_every_heading_of_the_report_resolves(gaz: Gazetteer, source: str) -> None:
    """Place headings: the short lines between paragraphs that name places."""
    from poagraph.extract.report import parse_report

    doc = parse_report(paths.BUNDLED_REPORTS[0])
    headings = {p.heading for p in doc.places}
    assert len(headings) >= 20
    for h in headings:
        ref = gaz.resolve_place(h)
        assert ref.resolved, h
        assert ref.countries or ref.region or ref.is_general, h


# -- countries -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        ("the camps in East Timor", "TLS"),
        ("Myanmar and Lao PDR", "LAO"),
        ("Liberia, Laos, Madagascar", "LAO"),
        ("Senegal, Sierra-Leone, Timor-Leste", "SLE"),
        ("Uganda, Tanzania, Yemen", "TZA"),
        ("Thailand, Cambodia, Vietnam", "VNM"),
        ("border areas of Côte d'Ivoire", "CIV"),
        ("Cape Verde graduated", "CPV"),
        ("Norway, the UK and USA", "GBR"),
        ("Norway, the UK and USA", "USA"),
        ("the Netherlands, Great Britain and Italy", "GBR"),
        ("in Somalia, Puntland and Somaliland", "SOM"),
        ("assisting the GoB to formulate", "BGD"),
        ("Government of Ethiopia (FDRE)", "ETH"),
        ("the Governments of Rwanda and the Democratic Republic as well", "COD"),
    ],
)
def test_aliases(gaz: Gazetteer, text: str, iso3: str) -> None:
    assert iso3 in [m.key for m in gaz.countries_in(text)]


def test_longest_match_and_word_boundaries(gaz: Gazetteer) -> None:
    text = (
        "Guinea-Bissau, Papua New Guinea, Nigeria, Sierra Leonean refugees, "
        "Democratic Republic of Congo"
    )
    assert [m.key for m in gaz.countries_in(text)] == ["GNB", "PNG", "NGA", "COD"]
    # "Democratic Republic" alone is the report's DRC; inside longer names it is not.
    text = "Lao People's Democratic Republic and the Federal Democratic Republic of Ethiopia"
    assert [m.key for m in gaz.countries_in(text)] == ["LAO", "ETH"]


def test_adjectives_and_ambiguous_names_are_not_countries(gaz: Gazetteer) -> None:
    text = (
        "Afghan Government officials, the Somali region, Ethiopian diaspora, "
        "the Coopérative of the Communauté évangélique de l'Alliance du Congo"
    )
    assert gaz.countries_in(text) == []


def test_matches_carry_exact_offsets(gaz: Gazetteer, source: str) -> None:
    found = [*gaz.countries_in(source), *gaz.organisations_in(source), *gaz.programmes_in(source)]
    assert len(found) > 300
    for m in found:
        assert source[m.start : m.end] == m.surface
        assert m.iri.startswith("https://w3id.org/poagraph/id/")


# -- regions ---------------------------------------------------------------------------------


def test_a_region_name_starting_a_longer_name_is_no_region(gaz: Gazetteer, source: str) -> None:
    """ "...were officially asked by the East Africa Community (EAC) at its annual Chiefs
    of Immigration meeting": the body, not the region; "two other countries in East Africa":
    the region."""
    community = "were officially asked by the East Africa Community (EAC) at its annual"
    region = "the Tanzanian Immigration department and two other countries in East Africa aims"
    for sentence in (community, region):
        assert sentence in source
    assert gaz.regions_in(community) == []
    assert {m.key for m in gaz.organisations_in(community)} == {"eac"}
    (m,) = gaz.regions_in(region)
    assert (m.key, m.surface) == ("east-africa", "East Africa")
    assert [m.key for m in gaz.regions_in("the West Africa Network of migrants")] == []
    # a sentence may go on after the region; only a capitalised word continues its name
    assert [m.key for m in gaz.regions_in("in West Africa. In 2005")] == ["west-africa"]
    assert [m.key for m in gaz.regions_in("in West Africa and beyond")] == ["west-africa"]


def test_a_region_with_a_capitalised_tail_is_the_region(gaz: Gazetteer) -> None:
    """A region's own longer name is a variant of regions.yaml ("Great Lakes Region")."""
    (m,) = gaz.regions_in("returns to the Great Lakes Region of Africa")
    assert (m.key, m.surface) == ("great-lakes", "Great Lakes Region")


@pytest.mark.parametrize(
    ("sentence", "kind", "key"),
    [
        ("Further, the Uganda Training and Resource Centre", "country", "UGA"),
        ("to the Sierra Leone Parliamentary and Presidential 2002 elections", "country", "SLE"),
        ("Ethiopia Government's development strategy", "country", "ETH"),
        ("IOM Cambodia has been working with", "organisation", "iom"),
        ("submission to the EAC Council of Ministers", "organisation", "eac"),
    ],
)
def test_a_country_or_body_starting_a_longer_name_is_still_named(
    gaz: Gazetteer, source: str, sentence: str, kind: str, key: str
) -> None:
    """A country's name before a capitalised word is that country's (its centre, its
    elections, its government), a body's name its office or organ: still mentions."""
    assert " ".join(sentence.split()) in " ".join(source.split())
    found = gaz.countries_in(sentence) if kind == "country" else gaz.organisations_in(sentence)
    assert key in [m.key for m in found]


# -- organisations ---------------------------------------------------------------------------


def test_ministry_of_womens_affairs_resolves_by_country(gaz: Gazetteer) -> None:
    text = "capacity building activities for the Ministry of Women's Affairs and"
    khm = gaz.organisations_in(text, "KHM")
    afg = gaz.organisations_in(text, ["AFG"])
    assert [m.key for m in khm] == ["khm-ministry-of-womens-affairs"]
    assert [m.key for m in afg] == ["afg-ministry-of-womens-affairs"]
    assert gaz.organisations["khm-ministry-of-womens-affairs"].countries == ("KHM",)
    # No country to decide by: no guess.
    assert gaz.organisations_in(text) == []
    # The typographic apostrophe is the same name.
    assert [m.key for m in gaz.organisations_in("Ministry of Women’s Affairs", "KHM")] == [
        "khm-ministry-of-womens-affairs"
    ]


def test_acronyms_are_case_sensitive(gaz: Gazetteer) -> None:
    assert [m.key for m in gaz.organisations_in("IOM and UNHCR")] == ["iom", "unhcr"]
    assert gaz.organisations_in("iom and unhcr, the ec and eu") == []


def test_longest_organisation_name_wins(gaz: Gazetteer) -> None:
    found = gaz.organisations_in("the UN-OCHA and the South-South Cooperation Unit of UNDP")
    assert [(m.key, m.surface) for m in found] == [
        ("ocha", "UN-OCHA"),
        ("undp-special-unit-south-south-cooperation", "South-South Cooperation Unit of UNDP"),
    ]


def test_a_surface_naming_two_governments(gaz: Gazetteer) -> None:
    found = gaz.organisations_in("provided by the Governments of Ireland and Norway, the")
    assert [m.key for m in found] == ["government-irl", "government-nor"]
    assert all(m.surface == "Governments of Ireland and Norway" for m in found)


def test_generic_national_names_need_their_country(gaz: Gazetteer) -> None:
    text = "assisting the Department of Immigration to improve"
    assert [m.key for m in gaz.organisations_in(text, "ZMB")] == ["zmb-department-of-immigration"]
    assert gaz.organisations_in(text, "ETH") == []


def test_governments_and_shorthand(gaz: Gazetteer) -> None:
    found = gaz.organisations_in("the Government of Uganda (GoU) and the Zambian Government")
    assert [m.key for m in found] == ["government-uga", "government-uga", "government-zmb"]
    # Generated for every country, even those no entry names.
    assert [m.key for m in gaz.organisations_in("the Government of Luxembourg")] == [
        "government-lux"
    ]


def test_every_organisation_kind_is_in_the_ontology(gaz: Gazetteer) -> None:
    ttl = (paths.ONTOLOGY / "poa.ttl").read_text(encoding="utf-8")
    declared = set(re.findall(r"<https://w3id.org/poagraph/id/organisation-kind/([a-z-]+)> a", ttl))
    assert len(declared) == 9
    kinds = {e.data.get("kind") for e in gaz.organisations.values()}
    assert kinds <= declared
    assert None not in kinds


# -- programmes ------------------------------------------------------------------------------


def test_cbmm_and_cbmmp_are_one_programme(gaz: Gazetteer) -> None:
    a = gaz.programmes_in("material produced under the legislative component of the CBMMP and")
    b = gaz.programmes_in("The CBMM project in collaboration with the Tanzanian Immigration", "TZA")
    c = gaz.programmes_in("to table CBMMP-project outcomes")
    assert [m.key for m in a] == [m.key for m in b] == [m.key for m in c] == ["cbmmp"]


def test_emm_is_the_learning_tool_except_where_a_project_runs(gaz: Gazetteer) -> None:
    tool = "essentials-of-migration-management"
    assert [
        m.key for m in gaz.programmes_in("IOM's Essentials in Migration Management (EMM).", "AFG")
    ] == [tool, tool]
    assert [m.key for m in gaz.programmes_in("specific subjects based on EMM.")] == [tool]
    assert [m.key for m in gaz.programmes_in("the objectives of the EMM programme", "KHM")] == [
        "emm-cambodia"
    ]
    tls = gaz.programmes_in("a two-year Enhanced Migration Management Project which", "TLS")
    assert [m.key for m in tls] == ["emm-timor-leste"]


def test_mida_country_projects(gaz: Gazetteer) -> None:
    text = "a Migration for Development in Africa (MIDA) programme"
    assert {m.key for m in gaz.programmes_in(text)} == {"mida"}
    assert {m.key for m in gaz.programmes_in(text, ["COD", "RWA", "BDI"])} == {"mida-great-lakes"}
    assert {m.key for m in gaz.programmes_in("A MIDA programme that target", "SEN")} == {
        "mida-senegal-italy"
    }


# -- the data files --------------------------------------------------------------------------


def test_every_curated_quote_is_in_the_report(source: str) -> None:
    """A typo in a curated quote would silently drop the fact it carries."""
    data = yaml.safe_load((paths.MAPPINGS / "programmes.yaml").read_text(encoding="utf-8"))
    quotes = []
    for entry in data:
        quotes += entry.get("quote", [])
        for key in ("implementedBy", "partner", "fundedBy"):
            quotes += [item["quote"] for item in entry.get(key) or [] if isinstance(item, dict)]
    other_reports = {"microlead", "belgian-survival-fund"}
    assert len(quotes) > 40
    missing = [
        q for e in data if e["slug"] not in other_reports for q in _quotes_of(e) if q not in source
    ]
    assert missing == []


def _quotes_of(entry: dict) -> list[str]:
    out = list(entry.get("quote", []))
    for key in ("implementedBy", "partner", "fundedBy"):
        out += [i["quote"] for i in entry.get(key) or [] if isinstance(i, dict) and "quote" in i]
    return out


def _copy_mappings(tmp_path: Path) -> Path:
    names = ("countries", "regions", "organisations", "organisation-groups", "programmes")
    for name in (*names, "place-names"):
        (tmp_path / f"{name}.yaml").write_text(
            (paths.MAPPINGS / f"{name}.yaml").read_text(encoding="utf-8"), encoding="utf-8"
        )
    return tmp_path


def test_bad_iso3_is_a_clear_error(tmp_path: Path) -> None:
    d = _copy_mappings(tmp_path)
    (d / "countries.yaml").write_text("aliases:\n  Ruritania: RUR\n", encoding="utf-8")
    with pytest.raises(MappingsError, match=r"Ruritania.*'RUR' is not an ISO 3166"):
        load_gazetteer(d)


def test_duplicate_slug_is_a_clear_error(tmp_path: Path) -> None:
    d = _copy_mappings(tmp_path)
    with (d / "programmes.yaml").open("a", encoding="utf-8") as f:
        f.write("\n- slug: rana\n  label: Another RANA\n")
    with pytest.raises(MappingsError, match=r"programmes.yaml entry .*duplicate slug 'rana'"):
        load_gazetteer(d)


def test_unknown_group_member_is_a_clear_error(tmp_path: Path) -> None:
    d = _copy_mappings(tmp_path)
    (d / "organisation-groups.yaml").write_text(
        "- surface: Governments of A and B\n  members: [government-irl, nobody]\n", encoding="utf-8"
    )
    with pytest.raises(MappingsError, match=r"unknown.*nobody"):
        load_gazetteer(d)


def test_programme_naming_an_unknown_organisation_is_a_clear_error(tmp_path: Path) -> None:
    d = _copy_mappings(tmp_path)
    with (d / "programmes.yaml").open("a", encoding="utf-8") as f:
        f.write("\n- slug: extra\n  label: Extra\n  fundedBy: [{org: nobody, quote: x}]\n")
    with pytest.raises(MappingsError, match=r"programmes.yaml extra: fundedBy .*'nobody'"):
        load_gazetteer(d)


def test_theme_programmes_are_gazetteer_programmes(gaz: Gazetteer) -> None:
    """themes.yaml links programmes by slug: a renamed slug must not orphan its themes."""
    themes = yaml.safe_load((paths.MAPPINGS / "themes.yaml").read_text(encoding="utf-8"))
    slugs = set(themes.get("programmes") or {})
    assert len(slugs) > 10
    assert slugs - set(gaz.programmes) == set()


# -- names that are also places ----------------------------------------------------------------


def _small_mappings(tmp_path: Path, organisations: str, regions: str = "[]\n") -> Path:
    """countries.yaml and place-names.yaml as shipped, with the given organisations."""
    for name in ("countries", "place-names"):
        text = (paths.MAPPINGS / f"{name}.yaml").read_text(encoding="utf-8")
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "organisations.yaml").write_text(organisations, encoding="utf-8")
    (tmp_path / "regions.yaml").write_text(regions, encoding="utf-8")
    (tmp_path / "programmes.yaml").write_text("[]\n", encoding="utf-8")
    return tmp_path


_EU = """
- slug: european-union
  label: European Union
  acronym: EU
  kind: intergovernmental
  place_name: true
  label_note: a test entry
- slug: european-commission
  label: European Commission
  acronym: EC
  kind: intergovernmental
"""


def _orgs(gaz: Gazetteer, text: str) -> list[str]:
    return [m.key for m in gaz.organisations_in(text)]


def test_a_name_that_is_also_a_place_is_the_place_after_a_locative_word(tmp_path: Path) -> None:
    """ "Returnees from the European Union receive an integrated reception and reintegration
    package": where the returnees come from, not the organisation."""
    gaz = load_gazetteer(_small_mappings(tmp_path, _EU))
    assert _orgs(gaz, "Returnees from the European Union receive an integrated package") == []
    assert _orgs(gaz, "the number of migrants in the EU.") == []
    assert _orgs(gaz, "workers moving within the\nEuropean Union, and others") == []
    # the body itself: named as an actor, or as part of a longer name
    assert _orgs(gaz, "The European Union funded the project.") == ["european-union"]
    assert _orgs(gaz, "in close collaboration with the EU and UNDP") == ["european-union"]
    assert _orgs(gaz, "support in the EU Election Observation Mission") == ["european-union"]
    # a body without place_name is never a place
    assert _orgs(gaz, "Returnees from the European Commission") == ["european-commission"]


def test_the_place_rule_is_off_without_its_cue_words(tmp_path: Path) -> None:
    d = _small_mappings(tmp_path, _EU)
    (d / "place-names.yaml").unlink()
    gaz = load_gazetteer(d)
    assert _orgs(gaz, "Returnees from the European Union receive") == ["european-union"]


def test_the_loaders_accept_the_curation_keys(tmp_path: Path) -> None:
    """global, label_note, place_name (entities) and note, stated (regions) are data the
    extraction reads; the loaders keep them on the entry."""
    d = _small_mappings(
        tmp_path,
        _EU,
        regions="- slug: mekong-region\n  label: Mekong Region\n"
        "  includesCountry: [THA, KHM, VNM, MMR, LAO]\n  note: a note\n"
        '  stated: "the Mekong Region (Thailand, Cambodia, Vietnam, Myanmar and Lao PDR)"\n',
    )
    (d / "programmes.yaml").write_text(
        "- slug: tcm\n  label: Technical Cooperation on Migration\n  global: true\n"
        "  label_note: why\n",
        encoding="utf-8",
    )
    gaz = load_gazetteer(d)
    assert gaz.programmes["tcm"].data["global"] is True
    assert gaz.organisations["european-union"].data["place_name"] is True
    assert gaz.regions["mekong-region"].data["stated"].startswith("the Mekong Region")
