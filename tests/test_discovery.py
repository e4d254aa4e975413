"""Organisations and programmes found by the form of their names (issue 11).

Unit tests on sentences written here (English and French names, a name cut by a page
break, acronyms defined both ways, a name that is a gazetteer entry, junk that must not be
found), then the bundled report (nothing lost, the discovered names reviewed one by one)
and the UNCDF fixture built with mappings that do not know its names.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pyoxigraph import NamedNode, Store

from poagraph import iris, paths, store
from poagraph.extract import extract
from poagraph.extract.acronyms import definitions, is_acronym
from poagraph.extract.discovery import discover
from poagraph.extract.entities import reporter
from poagraph.extract.gazetteer import load_gazetteer, passage_countries
from poagraph.extract.names import load_forms
from poagraph.extract.report import parse_report
from poagraph.extract.review import entries, review_yaml

FIXTURE = Path(__file__).parent / "fixtures" / "reports" / "uncdf-bpoa-review.md"
POA = iris.POA

HEAD = """Global review of the implementation of the Programme of Action for the LDCs for the \
decade 2001-2010

**Report on ACME contribution to the implementation of the Programme of Action**

Commitment 4: Building productive capacities to make globalization work for LDCs

- **Supporting the efforts of LDCs in agriculture and rural development**

"""


def write_report(tmp_path: Path, body: str, language: str = "en") -> Path:
    """A report of the common layout with `body` under its one action (place headings and
    paragraphs), and its metadata."""
    path = tmp_path / "acme-bpoa-review.md"
    path.write_text(HEAD + body.strip() + "\n", encoding="utf-8")
    meta = f"slug: acme-bpoa-review\ntitle: test\norganisation: ACME\nlanguage: {language}\n"
    (tmp_path / "acme-bpoa-review.yaml").write_text(meta, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def found_in(path: Path, gaz):
    doc = parse_report(path)
    return doc, discover(doc, gaz, passage_countries(doc, gaz), reporter(doc, gaz))


def by_label(found) -> dict:
    return {e.label: e for e in found.entities}


# -- acronyms (Schwartz-Hearst) -------------------------------------------------------------


def test_acronym_after_its_name() -> None:
    text = "The National Agency for the Promotion of Employment (ANPE) trained 400 people."
    [d] = definitions(text)
    assert text[d.start : d.end] == "Agency for the Promotion of Employment"  # S-H: from A
    assert (d.acronym, d.acronym_first) == ("ANPE", False)
    assert text[d.acronym_start : d.acronym_end] == "ANPE"


def test_acronym_before_its_name() -> None:
    text = "NORAD (Norwegian Agency for Development Cooperation) funded the study."
    [d] = definitions(text)
    assert text[d.start : d.end] == "Norwegian Agency for Development Cooperation"
    assert (d.acronym, d.acronym_first) == ("NORAD", True)


def test_acronym_across_a_page_break_and_mixed_case() -> None:
    text = "with the Ministry of Health and\n\nPopulation (MoHP) of Nepal"
    [d] = definitions(text)
    assert text[d.start : d.end] == "Ministry of Health and\n\nPopulation"
    assert d.acronym == "MoHP"


def test_brackets_that_define_nothing() -> None:
    assert definitions("trained in 2009 (see below) and in 2010 (2,400 people).") == []
    assert definitions("the office (Kabul) opened") == []
    assert not is_acronym("Kabul") and is_acronym("UN-OCHA") and is_acronym("MoRR")


# -- names by form --------------------------------------------------------------------------


BODY = "\n\n".join(
    [
        "Niger",
        "ACME and the National Agency for the Promotion of Employment (ANPE) trained 400 young"
        " people in 2008 with the Ministry of Agriculture and\n\nLivestock. Le Gouvernement du"
        " Niger et le Ministère de la Santé Publique ont lancé le Programme National de"
        " Développement Local (PNDL) en 2007.",
        "Through the Youth Employment Scheme (YES), 1,200 young people were trained in 2009. The"
        " Regional Project Manager visited the River Bank Erosion sites with the Technical"
        " Committee and the Afghan Government. The Programme was praised by the Programme of"
        " Action for the Least Developed Countries review.",
        "Mali",
        "L'Agence Nationale pour l'Emploi (ANPE) du Mali placed 300 graduates. NORAD (Norwegian"
        " Agency for Development Cooperation) funded the International Labor Office (ILO) study"
        " of the IOM programme, the Youth programme and the Bangkok Agreement, under the Bamako"
        " Accord. Training and Resource Centre staff met the Minister of Health for training.",
    ]
)


@pytest.fixture(scope="module")
def acme(tmp_path_factory, gaz):
    return found_in(write_report(tmp_path_factory.mktemp("acme"), BODY), gaz)


def test_english_name_with_acronym_and_country_of_its_heading(acme) -> None:
    _doc, found = acme
    e = by_label(found)["National Agency for the Promotion of Employment"]
    assert e.acronyms == ("ANPE",) and e.countries == ("NER",)
    assert e.data["kind"] == "government-body" and e.data["discovered"] is True
    # a national body whose name states no country carries it in its IRI
    assert e.iri == iris.organisation("ner-national-agency-for-the-promotion-of-employment")


def test_name_cut_by_a_page_break(acme) -> None:
    doc, found = acme
    e = by_label(found)["Ministry of Agriculture and Livestock"]
    [(n, m)] = [(n, m) for n, m in found.mentions if m.iri == e.iri]
    text = next(p.text for p in doc.passages if p.n == n)
    assert text[m.start : m.end] == "Ministry of Agriculture and\n\nLivestock"


def test_french_names(acme, gaz) -> None:
    _doc, found = acme
    names = by_label(found)
    assert names["Ministère de la Santé Publique"].countries == ("NER",)
    pndl = names["Programme National de Développement Local"]
    assert pndl.kind == "programme" and pndl.acronyms == ("PNDL",)
    # "L'Agence ... (ANPE) du Mali": the article is no part of the name; another body than
    # Niger's ANPE, though the acronym is the same
    anpe = names["Agence Nationale pour l'Emploi"]
    assert anpe.countries == ("MLI",) and anpe.acronyms == ("ANPE",)
    assert anpe.iri != names["National Agency for the Promotion of Employment"].iri
    # a French government is the country's government of the gazetteer, with a new spelling
    gov = [c for c in found.candidates if c.name == "Gouvernement du Niger"]
    assert gov[0].iri == gaz.organisations["government-ner"].iri
    assert "Gouvernement du Niger" in found.gazetteer.organisations["government-ner"].variants


def test_acronym_written_first(acme) -> None:
    e = by_label(acme[1])["Norwegian Agency for Development Cooperation"]
    assert e.acronyms == ("NORAD",) and e.countries == ("NOR",)  # from the adjective
    assert e.data["kind"] == "donor-government"  # a body of a donor country


def test_a_name_with_a_gazetteer_acronym_is_that_entry(acme, gaz) -> None:
    _doc, found = acme
    [c] = [c for c in found.candidates if c.name == "International Labor Office"]
    assert (c.status, c.iri) == ("gazetteer", gaz.organisations["ilo"].iri)
    assert "International Labor Office" not in by_label(found)
    # the Afghan Government is the gazetteer's government of Afghanistan
    [afg] = [c for c in found.candidates if c.name == "Afghan Government"]
    assert afg.iri == gaz.organisations["government-afg"].iri


def test_junk_is_not_found(acme) -> None:
    _doc, found = acme
    labels = set(by_label(found))
    assert labels == {
        "National Agency for the Promotion of Employment",
        "Ministry of Agriculture and Livestock",
        "Ministère de la Santé Publique",
        "Programme National de Développement Local",
        "Youth Employment Scheme",
        "Agence Nationale pour l'Emploi",
        "Norwegian Agency for Development Cooperation",
    }
    reasons = {c.name: c.reason for c in found.candidates if c.status == "ignored"}
    assert reasons["Technical Committee"].startswith("too generic")
    assert reasons["Programme"].startswith("too generic")
    assert "programme of action" in reasons["Programme of Action for the Least Developed Countries"]
    assert "organisation's programme" in reasons["IOM"]
    assert "ordinary word" in reasons["Youth"]  # a word, capitalised
    assert "no programme's form or acronym" in reasons["Bamako Accord"]
    assert "opens the sentence" in reasons["and Resource Centre"]
    # nothing at all is read in these
    read = {c.name for c in found.candidates}
    for junk in ("River Bank Erosion", "Regional Project Manager", "Minister of Health"):
        assert not any(junk in name for name in read), junk
    assert not read & {"Niger", "Mali", "ACME"}  # a country alone, the reporter
    # the reporting organisation is never discovered
    assert not any(e.label == "ACME" for e in found.entities)


def test_discovered_entities_are_in_the_graph_with_evidence(tmp_path, gaz) -> None:
    """Records: poa:discovered, kind, country, label as written, an annotation of the
    sentence naming it (page break kept); an outcome names its discovered programme."""
    doc = parse_report(write_report(tmp_path, BODY))
    records = extract(doc, gaz)
    by_id = {r["@id"]: r for r in records}
    mal = by_id[iris.organisation("ner-ministry-of-agriculture-and-livestock")]
    assert mal["discovered"] is True and mal["label"] == "Ministry of Agriculture and Livestock"
    assert mal["organisationKind"].endswith("/government-body")
    assert mal["country"] == iris.country("NER")
    bodies = [
        r for r in records if r.get("@type") == "oa:Annotation" and r["hasBody"] == mal["@id"]
    ]
    assert bodies
    quotes = {r["exact"] for r in records if r.get("@type") == "oa:TextQuoteSelector"}
    assert any("Agriculture and\n\nLivestock" in q for q in quotes)
    yes = iris.programme("youth-employment-scheme")
    assert by_id[yes]["discovered"] is True and by_id[yes]["acronym"] == ["YES"]
    assert by_id[yes]["country"] == [iris.country("NER")]
    assert by_id[yes]["implementedBy"] == [iris.organisation("acme")]
    outcomes = [r for r in records if r.get("@type") == "Outcome" and r.get("outcomeOf")]
    assert any(yes in r["outcomeOf"] for r in outcomes)


def test_a_programme_implemented_by_another_body(tmp_path, gaz) -> None:
    body = (
        "Chad\n\nACME supported the Sahel Irrigation Project, implemented by the Ministry of"
        " Water Resources of Chad since 2006."
    )
    _doc, found = found_in(write_report(tmp_path, body), gaz)
    prog = by_label(found)["Sahel Irrigation Project"]
    [who] = prog.data["implementedBy"]
    assert who["org"] == by_label(found)["Ministry of Water Resources of Chad"].slug
    assert who["quote"].startswith("ACME supported the Sahel Irrigation Project")


def test_forms_are_data() -> None:
    """Every head gives a kind of the vocabulary."""
    from poagraph import reference

    kinds = reference.organisation_kinds()
    forms = load_forms()
    assert {k for kind, k, _ in forms.heads.values() if kind == "organisation"} <= kinds
    assert set(forms.fund_organisations.values()) <= kinds
    assert forms.national_kinds <= kinds and forms.inherited_kinds <= kinds


# -- the bundled report -----------------------------------------------------------------------

#: Read one by one: real bodies and programmes the gazetteers lack.
BUNDLED_DISCOVERED = {
    ("organisation", "EAC Council of Ministers", None),
    ("organisation", "Coordination and Documentation Centre", "KHM"),
    ("organisation", "Uganda Training and Resource Centre", "UGA"),
    ("programme", "Bern Initiative", None),
}


@pytest.fixture(scope="module")
def bundled(gaz):
    return found_in(paths.BUNDLED_REPORTS[0], gaz)


def test_bundled_report_discovered_names(bundled) -> None:
    _doc, found = bundled
    got = {(e.kind, e.label, e.countries[0] if e.countries else None) for e in found.entities}
    assert got == BUNDLED_DISCOVERED


def test_bundled_report_loses_nothing(bundled, gaz) -> None:
    """Every organisation and programme the gazetteer finds in a passage is still found
    with discovery's gazetteer, and still has a record."""
    doc, found = bundled
    countries = passage_countries(doc, gaz)
    records = {r["@id"] for r in extract(doc, gaz)}
    for p in doc.passages:
        before = [
            m
            for m in gaz.mentions(p.text, countries[p.n])
            if m.kind in ("organisation", "programme")
        ]
        after = {m.iri for m in found.gazetteer.mentions(p.text, countries[p.n])}
        lost = {m.iri for m in before} - after
        # a gazetteer name inside a discovered one ("EAC" in "EAC Council of Ministers")
        # is noted by discovery itself
        noted = {m.iri for n, m in found.mentions if n == p.n}
        assert lost <= noted, (p.n, lost)
        assert {m.iri for m in before} <= records


def test_bundled_graph_query(built_store_path: Path) -> None:
    """What `poagraph query` shows of the bundled report's discovered names."""
    graph = NamedNode(iris.report_graph("iom-bpoa-review"))
    mem = Store()
    with store.reading(built_store_path) as db:
        mem.extend(db.quads_for_pattern(None, None, None, graph))
    q = "SELECT ?l WHERE { ?x poa:discovered true ; rdfs:label ?l }"
    rows = mem.query(q, prefixes=iris.PREFIXES, use_default_graph_as_union=True)
    labels = {row[0].value for row in rows}
    assert labels == {label for _, label, _ in BUNDLED_DISCOVERED}


# -- the UNCDF fixture, with mappings that do not know its names ---------------------------------


def mappings_without_other_agencies(tmp_path: Path) -> Path:
    """A copy of the project with mappings/ cut before the entries other agencies' reports
    brought in (the fixture's programmes and bodies)."""
    root = tmp_path / "home"
    root.mkdir()
    for name in ("ontology", "shapes", "queries", "sources"):
        (root / name).symlink_to(paths.ROOT / name)
    shutil.copytree(paths.MAPPINGS, root / "mappings")
    for name in ("organisations.yaml", "programmes.yaml"):
        f = root / "mappings" / name
        text = f.read_text(encoding="utf-8")
        cut = text.find("# --- named by other agencies' reports")
        if cut >= 0:
            f.write_text(text[:cut], encoding="utf-8")
    return root


def poagraph(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "POAGRAPH_HOME": str(home)}
    exe = Path(sys.executable).parent / "poagraph"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env)


UNCDF_DISCOVERED = {
    ("organisation", "Nepal Rastra Bank", "NPL", "bank"),
    ("organisation", "Gross National Happiness Commission of Bhutan", "BTN", "government-body"),
    ("programme", "MicroLead", None, None),
    ("programme", "Belgian Survival Fund", None, None),
}


def test_uncdf_discovery(tmp_path) -> None:
    gaz = load_gazetteer(mappings_without_other_agencies(tmp_path) / "mappings")
    _doc, found = found_in(FIXTURE, gaz)
    got = {
        (e.kind, e.label, e.countries[0] if e.countries else None, e.data.get("kind"))
        for e in found.entities
    }
    assert got == UNCDF_DISCOVERED
    assert by_label(found)["Belgian Survival Fund"].acronyms == ("BSF",)  # footnote between


def test_review_then_curate(tmp_path) -> None:
    """`build --review` writes the discovered entities as gazetteer entries; moved into
    mappings/, they are gazetteer entities on the next build, with the same IRIs."""
    home = mappings_without_other_agencies(tmp_path)
    review, db = tmp_path / "review.yaml", tmp_path / "store"
    run = poagraph(
        "build", "--report", str(FIXTURE), "--store", str(db), "--review", str(review), home=home
    )
    assert run.returncode == 0, run.stderr
    data = yaml.safe_load(review.read_text(encoding="utf-8"))
    orgs = {e["label"]: e for e in data["organisations"]}
    assert orgs["Nepal Rastra Bank"] == {
        "slug": "nepal-rastra-bank",
        "label": "Nepal Rastra Bank",
        "kind": "bank",
        "country": "NPL",
        "quote": ["The Nepal Rastra Bank acted as the national partner."],
    }
    progs = {e["label"]: e for e in data["programmes"]}
    assert progs["Belgian Survival Fund"]["acronym"] == "BSF"
    text = FIXTURE.read_text(encoding="utf-8")
    assert all(q in text for e in [*orgs.values(), *progs.values()] for q in e["quote"])

    def discovered() -> set[str]:
        with store.reading(db) as s:
            q = "SELECT ?x WHERE { ?x poa:discovered true }"
            return {
                r[0].value
                for r in s.query(q, prefixes=iris.PREFIXES, use_default_graph_as_union=True)
            }

    before = discovered()
    assert before == {iris.organisation(e["slug"]) for e in orgs.values()} | {
        iris.programme(e["slug"]) for e in progs.values()
    }
    for name, items in (("organisations.yaml", orgs), ("programmes.yaml", progs)):
        f = home / "mappings" / name
        f.write_text(
            f.read_text(encoding="utf-8")
            + yaml.safe_dump(list(items.values()), allow_unicode=True),
            encoding="utf-8",
        )
    run = poagraph("build", "--report", str(FIXTURE), "--store", str(db), home=home)
    assert run.returncode == 0, run.stderr
    assert discovered() == set()
    with store.reading(db) as s:
        for iri in before:
            assert s.query(
                f"ASK {{ <{iri}> rdfs:label ?l }}",
                prefixes=iris.PREFIXES,
                use_default_graph_as_union=True,
            )


def test_review_of_a_report_with_nothing_to_review(gaz) -> None:
    doc = parse_report(FIXTURE)  # mappings/ know every name of it
    assert entries([doc], gaz) == {"organisations": [], "programmes": [], "variants": []}
    assert review_yaml([doc], gaz).rstrip().endswith("{}")
