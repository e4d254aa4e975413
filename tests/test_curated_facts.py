"""The curated facts of the bundled IOM report (mappings/*.yaml), checked on the built graph.

Each test quotes the sentence of the report that decides the expected answer and first
checks that the sentence is still in the source: the expectations come from reading the
report, not from the curated data or the code.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Store, Variable

from poagraph import iris, paths, store

PREFIXES = (
    "PREFIX poa: <https://w3id.org/poagraph/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#> "
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
)
SLUG = "iom-bpoa-review"
PROG, ORG = iris.programme, iris.organisation
PARTNER = iris.poa("partner")
TYPE = iris.RDF + "type"
LABEL = iris.RDFS + "label"
NOTE = iris.SKOS + "editorialNote"


@pytest.fixture(scope="module")
def source() -> str:
    return paths.BUNDLED_REPORTS[0].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def g(built_store_path: Path) -> Store:
    """The report's graph, copied into memory (the shared on-disk store stays closed)."""
    mem = Store()
    with store.reading(built_store_path) as db:
        mem.extend(db.quads_for_pattern(None, None, None, NamedNode(iris.report_graph(SLUG))))
    return mem


def says(source: str, sentence: str) -> None:
    """The report still says it (a test written from words the report no longer has would
    prove nothing)."""
    assert sentence in source, sentence


def rows(g: Store, query: str, **bindings: str) -> list:
    subs = {Variable(k): NamedNode(v) for k, v in bindings.items()}
    return list(g.query(PREFIXES + query, substitutions=subs, use_default_graph_as_union=True))


def objects(g: Store, s: str, p: str) -> set[str]:
    return {q.object.value for q in g.quads_for_pattern(NamedNode(s), NamedNode(p), None)}


def country_codes(g: Store, s: str) -> set[str]:
    return {c.rsplit("/", 1)[1] for c in objects(g, s, iris.poa("country"))}


def labels(g: Store, s: str) -> set[str]:
    return {
        r["l"].value
        for r in rows(
            g, "SELECT ?s ?l WHERE { { ?s rdfs:label ?l } UNION { ?s skos:altLabel ?l } }", s=s
        )
    }


def statement_words(g: Store, s: str, p: str, o: str) -> list[str]:
    """The exact words of the annotations whose body is the statement (s, p, o)."""
    return [
        r["x"].value
        for r in rows(
            g,
            """SELECT ?s ?p ?o ?x WHERE { ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
                 ?a oa:hasBody ?st ; oa:hasTarget/oa:hasSelector/oa:exact ?x }""",
            s=s,
            p=p,
            o=o,
        )
    ]


def annotation_words(g: Store, body: str) -> list[str]:
    return [
        r["x"].value
        for r in rows(
            g,
            "SELECT ?b ?x WHERE { ?a oa:hasBody ?b ; oa:hasTarget/oa:hasSelector/oa:exact ?x }",
            b=body,
        )
    ]


def event_by_label(g: Store, label: str) -> str:
    found = [
        r["e"].value
        for r in g.query(
            PREFIXES + "SELECT ?e ?l WHERE { ?e a poa:Event ; rdfs:label ?l }",
            use_default_graph_as_union=True,
        )
        if r["l"].value == label
    ]
    assert len(found) == 1, (label, found)
    return found[0]


# -- partners ---------------------------------------------------------------------------------


def test_emm_cambodia_has_the_five_bodies_passage_6_names(g: Store, source: str) -> None:
    says(
        source,
        "IOM Cambodia's Enhanced Migration Management (EMM) Project has been working with the "
        "Department of Foreigners (DOF), the National Police under the Ministry of Interior; the "
        "Ministry of Foreign Affairs and the International Cooperation to strengthen",
    )
    says(
        source,
        "IOM Cambodia has been working with the Department for Foreigners (Immigration), the "
        "National Police, the Ministry of Interior, the National Airport Authority and airlines "
        "to further the objectives of the EMM programme",
    )
    named = {
        "khm-department-of-foreigners": "Department of Foreigners",
        "khm-national-police": "National Police",
        "khm-ministry-of-interior": "Ministry of Interior",
        "khm-ministry-of-foreign-affairs": "Ministry of Foreign Affairs and the International",
        "khm-national-airport-authority": "National Airport Authority",
    }
    emm = PROG("emm-cambodia")
    assert objects(g, emm, PARTNER) == {ORG(slug) for slug in named}
    for slug, name in named.items():
        words = statement_words(g, emm, PARTNER, ORG(slug))
        assert any(name in w for w in words), (slug, words)
        assert objects(g, ORG(slug), iris.poa("country")) == {iris.country("KHM")}


def test_emm_timor_leste_has_the_four_principal_ministries(g: Store, source: str) -> None:
    says(
        source,
        "technical support to the four principal ministries\n\ninvolved in migration policy, i.e. "
        "the Ministries of Interior, Justice, Labour and Foreign Affairs and Cooperation.",
    )
    ministries = [
        "tls-ministry-of-interior",
        "tls-ministry-of-justice",
        "tls-ministry-of-labour",
        "tls-ministry-of-foreign-affairs-and-cooperation",
    ]
    emm = PROG("emm-timor-leste")
    assert objects(g, emm, PARTNER) == {ORG(m) for m in ministries}
    for m in ministries:
        assert any(
            "four principal ministries" in w for w in statement_words(g, emm, PARTNER, ORG(m))
        )
        assert objects(g, ORG(m), iris.poa("organisationKind")) == {
            "https://w3id.org/poagraph/id/organisation-kind/government-body"
        }
        assert objects(g, ORG(m), iris.poa("country")) == {iris.country("TLS")}


# -- where programmes run -----------------------------------------------------------------------


def test_mida_runs_where_the_report_says_not_where_a_website_is_named(
    g: Store, source: str
) -> None:
    says(source, 'In 2001 IOM launched a new programme: "Migration for Development in Africa')
    says(
        source,
        "In the framework of the Migration for Development in Africa (MIDA) programme in the "
        "Democratic Republic of Congo, Rwanda and Burundi",
    )
    says(source, "Benin and Burkina Faso\n\nThrough the MIDA programme, IOM Dakar")
    says(source, "Senegal\n\nA MIDA programme that target Senegalese nationals living in Italy")
    # Ethiopia only has "a MIDA website, www.ethiopiandiaspora.org is online".
    says(source, "In addition, a MIDA website, www.ethiopiandiaspora.org is online.")
    assert country_codes(g, PROG("mida")) == {"COD", "RWA", "BDI", "BEN", "BFA", "SEN"}


@pytest.mark.parametrize(
    ("slug", "sentence"),
    [
        (
            "tcm",
            "Through its Technical Cooperation on Migration (TCM), IOM activities help governments",
        ),
        ("iom-1035-facility", "World Bank and IOM's 1035 Facility."),
        (
            "essentials-of-migration-management",
            "Essentials for Migration Management is a learning tool",
        ),
    ],
)
def test_global_facilities_and_tools_have_no_country(
    g: Store, source: str, slug: str, sentence: str
) -> None:
    """IOM-wide: the 1035 Facility funds work in Mauritania and a conference in Benin, the
    TCM has an office in Kabul; none of them is a programme of one country."""
    says(source, sentence)
    assert objects(g, PROG(slug), TYPE) == {iris.poa("Programme")}
    assert country_codes(g, PROG(slug)) == set()


# -- labels -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "sentence", "label"),
    [
        ("midwa", "the Migration in West Africa (MIDWA) process", "Migration in West Africa"),
        (
            "midsa",
            "under the aegis of Migration in Southern Africa (MIDSA)",
            "Migration in Southern Africa",
        ),
    ],
)
def test_midwa_and_midsa_are_named_as_the_report_expands_them(
    g: Store, source: str, slug: str, sentence: str, label: str
) -> None:
    says(source, sentence)
    assert "Migration Dialogue" not in source
    names = labels(g, PROG(slug))
    assert label in names
    assert not any("Dialogue" in n for n in names)
    assert LABEL not in objects(g, PROG(slug), iris.poa("inferred"))


def test_a_descriptive_label_is_marked_inferred_with_the_curators_reason(
    g: Store, source: str
) -> None:
    says(source, "IOM has undertaken the implementation of a nine-month project targeting")
    project = PROG("ethiopia-idp-return-project")
    assert LABEL in objects(g, project, iris.poa("inferred"))
    notes = objects(g, project, NOTE)
    assert any("a nine-month project targeting assistance" in n for n in notes)


# -- kinds ----------------------------------------------------------------------------------------


def test_iom_was_an_intergovernmental_organisation_outside_the_un_system(g: Store) -> None:
    """In 2001-2010 (the report is of 2006) IOM was not part of the UN system."""
    assert objects(g, ORG("iom"), iris.poa("organisationKind")) == {
        "https://w3id.org/poagraph/id/organisation-kind/intergovernmental"
    }


def test_returnees_from_the_european_union_is_no_evidence_of_the_union(
    g: Store, source: str
) -> None:
    says(source, "Returnees from the European Union receive an integrated reception")
    assert annotation_words(g, ORG("european-union")) == []
    mentioned = rows(g, "SELECT ?p ?o WHERE { ?p poa:mentions ?o }", o=ORG("european-union"))
    assert mentioned == []


# -- missed programmes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "country", "sentence", "partners"),
    [
        (
            "cambodia-trafficking-recovery-reintegration",
            "KHM",
            "IOM Cambodia is implementing a long-term recovery and reintegration assistance to "
            "trafficked women and children Programme",
            ["khm-mosvy"],
        ),
        (
            "cambodia-trafficking-returns-from-malaysia",
            "KHM",
            "IOM Cambodia has also been working with the Ministry of Women's Affairs, Ministry of "
            "Foreign Affairs, Ministry of Interior, and victim support agencies on the Returns of "
            "Cambodian Victims of Trafficking from Malaysia.",
            [
                "khm-ministry-of-womens-affairs",
                "khm-ministry-of-foreign-affairs",
                "khm-ministry-of-interior",
            ],
        ),
        (
            "cambodia-national-strategy-labour-migration",
            "KHM",
            "IOM Cambodia has helped developing a National Strategy on Labour Migration with the "
            "Ministry of Labour and Vocational Training.",
            ["khm-ministry-of-labour-and-vocational-training"],
        ),
        (
            "haiti-deportee-reintegration",
            "HTI",
            "IOM Haiti is working with the GoH to mount a program for the reintegration of "
            "Haitian deportees into society.",
            ["government-hti"],
        ),
        (
            "igad-migration-dialogue",
            "ETH",
            "IOM, in partnership with IGAD, has formulated a project on migration dialogue for "
            "IGAD countries",
            ["igad"],
        ),
        (
            "ethiopia-idp-return-project",
            "ETH",
            "Upon the request of the Government of Ethiopia (FDRE), the UN Country Team (UNCT) "
            "and the Somali Regional State (SRS), IOM has undertaken the implementation of a "
            "nine-month project",
            ["government-eth", "unct-ethiopia", "eth-somali-regional-state"],
        ),
        (
            "bangladesh-mewoe-capacity-project",
            "BGD",
            "IOM had implemented a project to enhance the capacity of the Ministry of "
            "Expatriates' Welfare and Overseas Employment",
            ["bgd-ministry-of-expatriates-welfare-and-overseas-employment"],
        ),
    ],
)
def test_the_programmes_the_first_reading_missed(
    g: Store, source: str, slug: str, country: str, sentence: str, partners: list[str]
) -> None:
    says(source, sentence)
    programme = PROG(slug)
    assert objects(g, programme, TYPE) == {iris.poa("Programme")}
    assert country in country_codes(g, programme)
    assert {ORG(p) for p in partners} <= objects(g, programme, PARTNER)
    for p in partners:
        assert statement_words(g, programme, PARTNER, ORG(p)), p
    assert annotation_words(g, programme)


def test_the_ethiopian_idp_project_is_described_where_its_returns_are(
    g: Store, source: str
) -> None:
    """The 5,300 returns and the 5,500 target sit in the two paragraphs of the project:
    both passages describe it, so both hold words of its annotations."""
    says(
        source, "By mid-May 2006 IOM will have assisted 5,300 IDPs to return to their communities."
    )
    says(
        source,
        "towards the return of 5,500 Internally Displaced Persons in the Somali Regional State",
    )
    words = annotation_words(g, PROG("ethiopia-idp-return-project"))
    assert any("5,300 IDPs" in w for w in words)
    assert any("5,500 Internally Displaced Persons" in w for w in words)
    addressed = objects(g, PROG("ethiopia-idp-return-project"), iris.poa("addresses"))
    assert len(addressed) == 1
    (action,) = addressed
    assert "post-conflict peace-building" in " ".join(objects(g, action, iris.SKOS + "prefLabel"))


# -- events ---------------------------------------------------------------------------------------


def test_the_ministerial_breakfast_roundtable_co_hosted_by_benin_and_iom(
    g: Store, source: str
) -> None:
    says(
        source,
        'the Ministerial Breakfast Roundtable "Towards Enhancing the Development Impact of '
        'Migrant Remittances in the Least Developed Countries" co-hosted by the Government of '
        "Benin and IOM",
    )
    event = event_by_label(
        g,
        'Ministerial Breakfast Roundtable "Towards Enhancing the Development Impact of Migrant '
        'Remittances in the Least Developed Countries"',
    )
    assert objects(g, event, iris.poa("participant")) == {ORG("government-ben"), ORG("iom")}
    assert objects(g, event, iris.poa("date")) == set()  # the report gives no year


@pytest.mark.parametrize(
    ("label", "sentence", "participant"),
    [
        (
            "Annual EAC Chiefs of Immigration meeting (Kampala)",
            "attended annual EAC Chiefs of Immigration meeting in Kampala",
            ORG("eac"),
        ),
        (
            "Regional Conference on Refugees, Returnees and IDPs in the IGAD",
            "the Regional Conference on Refugees, Returnees and IDPs in the IGAD",
            ORG("iom"),
        ),
        (
            "TICAD Conference on Consolidation of Peace in Africa",
            "TICAD (Tokyo International Cooperation on African Development) Conference on "
            "Consolidation of Peace in Africa",
            ORG("iom"),
        ),
    ],
)
def test_undated_meetings_are_events_without_a_date(
    g: Store, source: str, label: str, sentence: str, participant: str
) -> None:
    says(source, sentence)
    event = event_by_label(g, label)
    assert objects(g, event, iris.poa("date")) == set()
    assert participant in objects(g, event, iris.poa("participant"))
    assert any(sentence in w or w in sentence for w in annotation_words(g, event))


@pytest.mark.parametrize(
    ("label", "sentence", "participant"),
    [
        (
            "Agreement between Cambodia and Vietnam on Bilateral Cooperation for Eliminating "
            "Trafficking in Children and Women and Assisting Victims of Trafficking",
            "In October 2005 and under the chair of the Ministry of Women's Affairs, a further "
            "agreement between Cambodia and Vietnam was signed",
            ORG("khm-ministry-of-womens-affairs"),
        ),
        (
            "EU Election Observation Mission to Uganda",
            "IOM also set up the HQs for the EU Election Observation Mission in January 2006",
            ORG("eu-eom-uganda-2006"),
        ),
        (
            "Sierra Leone Parliamentary and Presidential 2002 elections",
            "IOM also provided logistics and administration support to the European Union "
            "Observer Mission to the Sierra Leone Parliamentary and Presidential 2002 elections.",
            ORG("eu-eom-sierra-leone-2002"),
        ),
    ],
)
def test_a_participant_named_in_the_events_words_is_stated_not_inferred(
    g: Store, source: str, label: str, sentence: str, participant: str
) -> None:
    """The quotes name these bodies, by names other countries' bodies share ("Ministry of
    Women's Affairs" is also Afghanistan's; EU missions observed elections in several
    countries): under their passage's heading they are this country's, so the participation
    is the report's words (an annotated rdf:Statement), not an inference."""
    says(source, sentence)
    event = event_by_label(g, label)
    assert participant in objects(g, event, iris.poa("participant"))
    words = statement_words(g, event, iris.poa("participant"), participant)
    assert any(sentence in w for w in words), words
    assert iris.poa("participant") not in objects(g, event, iris.poa("inferred"))


def test_the_east_africa_community_is_no_mention_of_the_region(g: Store, source: str) -> None:
    sentence = "were officially asked by the East Africa Community (EAC) at its annual"
    says(source, sentence)
    found = rows(
        g,
        "SELECT ?p ?t WHERE { ?p a poa:Passage ; poa:text ?t }",
    )
    (passage,) = [r["p"].value for r in found if sentence in r["t"].value]
    mentions = objects(g, passage, iris.poa("mentions"))
    assert ORG("eac") in mentions
    assert iris.region("east-africa") not in mentions


# -- regions ------------------------------------------------------------------------------------


def test_a_member_list_the_report_states_is_not_inferred(g: Store, source: str) -> None:
    says(source, "the Mekong Region (Thailand, Cambodia, Vietnam, Myanmar and Lao PDR)")
    mekong = iris.region("mekong-region")
    assert country_codes_of_region(g, mekong) == {"THA", "KHM", "VNM", "MMR", "LAO"}
    assert iris.poa("includesCountry") not in objects(g, mekong, iris.poa("inferred"))


def test_a_member_list_from_a_treaty_is_inferred_with_its_reason(g: Store, source: str) -> None:
    says(source, "a project on migration dialogue for IGAD countries")
    igad = iris.region("igad-countries")
    assert iris.poa("includesCountry") in objects(g, igad, iris.poa("inferred"))
    assert any("2006" in n for n in objects(g, igad, NOTE))


def country_codes_of_region(g: Store, region: str) -> set[str]:
    return {c.rsplit("/", 1)[1] for c in objects(g, region, iris.poa("includesCountry"))}


def test_the_mano_river_union_members_are_the_reports_words(g: Store, source: str) -> None:
    """ "the Mano River Union (MRU – composed of Guinea, Liberia and Sierra Leone) and Côte
    d'Ivoire border areas": the report lists the three members, so the region's member
    list is stated, not inferred."""
    says(source, "the Mano River Union (MRU – composed of Guinea, Liberia and Sierra Leone)")
    mru = iris.region("mru-countries")
    assert country_codes_of_region(g, mru) == {"GIN", "LBR", "SLE"}
    assert iris.poa("includesCountry") not in objects(g, mru, iris.poa("inferred"))
    assert not any(n.startswith("includesCountry:") for n in objects(g, mru, NOTE))
