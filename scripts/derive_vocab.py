"""Derive the project's compact UN reference data (ontology/vocab/*.ttl) from ../shared/vocab.

The shared folder holds whole public datasets that must not be committed verbatim; this
script keeps only what the graph uses and says where each fact came from:

- countries.ttl: every country of the M49/ISO table with codes, M49 region and sub-region,
  LDC status in the Brussels decade 2001-2010 as dated facts, and exactMatch links to UN
  geoArea, Wikidata, the EU country authority and UNBIS;
- sdg.ttl: the SDG targets and indicators mappings/themes.yaml links to, with their goals;
- unbis.ttl: the UNBIS Thesaurus concepts the project links to (themes, the programme of
  action, countries), with English labels.

The output is sorted, so re-running it on the same input gives byte-identical files.

    python scripts/derive_vocab.py [--source ../shared/vocab] [--out ontology/vocab]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from poagraph import iris, paths
from poagraph.errors import MappingsError
from poagraph.extract import themes

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
PROV = "http://www.w3.org/ns/prov#"
GEOAREA = "http://metadata.un.org/sdg/codes/geoArea/"
EU_COUNTRY = "http://publications.europa.eu/resource/authority/country/"
WIKIDATA = "http://www.wikidata.org/entity/"
SDGO = "http://metadata.un.org/sdg/ontology#"

PREFIXES = {
    "poa": iris.POA,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "void": VOID,
    "prov": PROV,
    "geoArea": GEOAREA,
    "sdg": themes.SDG,
    "sdgo": SDGO,
    "unbis": themes.UNBIS,
    "wd": WIKIDATA,
    "eu": EU_COUNTRY,
    "country": iris.ID + "country/",
}

#: The days the LDC counts of the decade are defined on (DESIGN §6).
BRUSSELS = "2001-05-14"  # opening of the Third UN Conference on the LDCs, Brussels
DECADE_END = "2010-12-31"

#: For 2001-2010 facts Sudan is M49 736 "Sudan (pre-2011)"; 729 is Sudan after July 2011
#: (vocab/README.md and the crosswalk's note). The other codes are today's.
DECADE_M49 = {"SDN": "736"}

SOURCE_DEFAULT = paths.ROOT.parent / "shared" / "vocab"
DATASET = iris.ID + "dataset/"

SDG_LICENSE = (
    "The SDG Knowledge Organization System, accessible at http://metadata.un.org/sdg, is made "
    "available free of charge and may be copied freely, duplicated and further distributed "
    "with the following citation: Amit Joshi, Luis Gonzalez Morales, Szymon Klarman, and "
    "Aaron Helton. 2019. A Knowledge Organization System for the United Nations Sustainable "
    "Development Goals. New York, NY. http://metadata.un.org/sdg"
)


class DeriveError(Exception):
    """The shared reference data does not say what this script expects."""


def nn(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=nn(XSD + datatype))


def poa(term: str) -> ox.NamedNode:
    return nn(iris.poa(term))


def iso_date(text: str) -> ox.Literal | None:
    """The leading ISO 8601 date of a crosswalk cell, typed at its own precision:
    "1971" -> xsd:gYear, "2007-12 (3 yrs after ...)" -> xsd:gYearMonth, "2011-01-01" -> xsd:date."""
    m = re.match(r"\s*(\d{4})(-\d{2})?(-\d{2})?\b", text)
    if not m:
        return None
    value = m.group(0).strip()
    datatype = {1: "gYear", 2: "gYearMonth", 3: "date"}[1 + value.count("-")]
    return typed(value, datatype)


# --- countries ----------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    # keep_default_na does not exist here: csv keeps "NA" (Namibia) as text, as it should
    with path.open(encoding="utf-8", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def geoarea_facts(path: Path) -> dict[str, tuple[str, str | None]]:
    """M49 code (zero-padded) -> (ISO3, Wikidata IRI or None) of the UN geoArea dataset: to
    check codes against it, and for Wikidata links the country table lacks."""
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    query = """SELECT ?code ?iso3 (MIN(?wd) AS ?wikidata) WHERE {
        ?c <http://metadata.un.org/sdg/codes/geoArea#iso3code> ?iso3 ; <%(skos)snotation> ?code
        OPTIONAL { ?c <%(skos)sexactMatch> ?wd FILTER(STRSTARTS(STR(?wd), "%(wd)s")) }
    } GROUP BY ?code ?iso3"""
    rows = store.query(query % {"skos": SKOS, "wd": WIKIDATA})
    return {
        r["code"].value: (r["iso3"].value, r["wikidata"].value if r["wikidata"] else None)
        for r in rows
    }


def ldc_member(row: dict[str, str], day: str) -> bool:
    """Whether the crosswalk's dated facts make the country an LDC on `day` (ISO string)."""
    start, end = iso_date(row["included"]), iso_date(row["graduated"])
    if start is None and end is None:
        return row["ldc_at_brussels_2001_05"] == "True"
    return (start is None or start.value <= day) and (end is None or end.value > day)


def ldc_facts(row: dict[str, str]) -> list[tuple[ox.NamedNode, ox.Term]]:
    """poa:isLDC and the dated facts, checked against the crosswalk's own flags."""
    where = f"ldc_crosswalk_2001_2010.csv, {row['iso3']}"
    for day, column in ((BRUSSELS, "ldc_at_brussels_2001_05"), (DECADE_END, "ldc_on_2010_12_31")):
        if ldc_member(row, day) != (row[column] == "True"):
            raise DeriveError(f"{where}: dates included/graduated contradict {column}")
    start, end = iso_date(row["included"]), iso_date(row["graduated"])
    in_decade = ldc_member(row, BRUSSELS) or ldc_member(row, DECADE_END)
    in_decade = in_decade or any(
        d is not None and "2001" <= d.value[:4] <= "2010" for d in (start, end)
    )
    facts: list[tuple[ox.NamedNode, ox.Term]] = [
        (poa("isLDC"), typed("true" if in_decade else "false", "boolean"))
    ]
    if start is not None:
        facts.append((poa("ldcFrom"), start))
    if end is not None:
        facts.append((poa("ldcUntil"), end))
        facts.append((poa("ldcGraduationYear"), typed(end.value[:4], "gYear")))
    return facts


def country_sources(
    source: Path,
) -> tuple[list[dict[str, str]], dict[str, dict[str, str]], dict[str, tuple[str, str | None]]]:
    """The code table, the crosswalk by ISO3 and the geoArea facts, checked against each other."""
    codes = read_csv(source / "countries" / "country-codes.csv")
    crosswalk = {
        r["iso3"]: r for r in read_csv(source / "countries" / "ldc_crosswalk_2001_2010.csv")
    }
    geoarea = geoarea_facts(source / "sdg" / "sdg-codes-geoArea.ttl")
    for iso3, m49 in DECADE_M49.items():
        if geoarea.get(m49, ("",))[0] != iso3:
            raise DeriveError(f"sdg-codes-geoArea.ttl: geoArea {m49} is not {iso3}")
    missing = set(crosswalk) - {r["ISO3166-1-Alpha-3"] for r in codes}
    if missing:
        raise DeriveError(f"crosswalk countries not in country-codes.csv: {sorted(missing)}")
    return codes, crosswalk, geoarea


def name_facts(row: dict[str, str], cross: dict[str, str]) -> list[tuple[ox.NamedNode, ox.Term]]:
    """rdfs:label and skos:prefLabel (the official name), altLabel for the other names."""
    name = row["official_name_en"] or row["CLDR display name"] or row["UNTERM English Short"]
    facts: list[tuple[ox.NamedNode, ox.Term]] = [
        (nn(RDFS + "label"), en(name)),
        (nn(SKOS + "prefLabel"), en(name)),
    ]
    for alt in {row["CLDR display name"], cross.get("name_en", "")} - {"", name}:
        facts.append((nn(SKOS + "altLabel"), en(alt)))
    return facts


def code_facts(row: dict[str, str], iso3: str, m49: str) -> list[tuple[ox.NamedNode, ox.Term]]:
    facts: list[tuple[ox.NamedNode, ox.Term]] = [(poa("iso3"), ox.Literal(iso3))]
    if row["ISO3166-1-Alpha-2"]:
        facts.append((poa("iso2"), ox.Literal(row["ISO3166-1-Alpha-2"])))
    facts.append((poa("m49"), ox.Literal(m49)))
    facts.append((nn(SKOS + "notation"), ox.Literal(m49)))
    return facts


def region_facts(
    row: dict[str, str], regions: dict[str, tuple[str, str | None]]
) -> list[tuple[ox.NamedNode, ox.Term]]:
    """The M49 region and sub-region of a country; records them in `regions`."""
    if not row["Region Code"]:
        return []
    region = row["Region Code"].zfill(3)
    regions[region] = (row["Region Name"], None)
    facts: list[tuple[ox.NamedNode, ox.Term]] = [(poa("m49Region"), nn(GEOAREA + region))]
    if row["Sub-region Code"]:
        sub = row["Sub-region Code"].zfill(3)
        regions[sub] = (row["Sub-region Name"], region)
        facts.append((poa("m49SubRegion"), nn(GEOAREA + sub)))
    return facts


def link_facts(
    row: dict[str, str],
    cross: dict[str, str],
    m49: str,
    geoarea: dict[str, tuple[str, str | None]],
) -> list[tuple[ox.NamedNode, ox.Term]]:
    """exactMatch to geoArea, the EU authority, Wikidata and UNBIS; for a decade M49 code,
    closeMatch to today's code and a comment saying why."""
    iso3 = row["ISO3166-1-Alpha-3"]
    facts: list[tuple[ox.NamedNode, ox.Term]] = [
        (nn(SKOS + "exactMatch"), nn(GEOAREA + m49)),
        (nn(SKOS + "exactMatch"), nn(EU_COUNTRY + iso3)),
    ]
    wikidata = cross.get("wikidata_iri") or row["wikidata_id"] or geoarea.get(m49, ("", None))[1]
    if wikidata:
        facts.append(
            (nn(SKOS + "exactMatch"), nn(WIKIDATA + wikidata.rstrip("/").rsplit("/", 1)[1]))
        )
    if cross.get("unbis_iri"):
        facts.append((nn(SKOS + "exactMatch"), nn(cross["unbis_iri"])))
    if iso3 in DECADE_M49 and row["M49"].zfill(3) != m49:
        facts.append((nn(SKOS + "closeMatch"), nn(GEOAREA + row["M49"].zfill(3))))
        facts.append((nn(RDFS + "comment"), en(cross.get("note") or f"M49 {m49} for 2001-2010")))
    return facts


def region_triples(regions: dict[str, tuple[str, str | None]]) -> list[ox.Triple]:
    out: list[ox.Triple] = []
    for code, (label, broader) in regions.items():
        region = nn(GEOAREA + code)
        out.append(ox.Triple(region, nn(RDF + "type"), nn(SKOS + "Concept")))
        out.append(ox.Triple(region, nn(SKOS + "prefLabel"), en(label)))
        out.append(ox.Triple(region, nn(SKOS + "notation"), ox.Literal(code)))
        if broader:
            out.append(ox.Triple(region, nn(SKOS + "broader"), nn(GEOAREA + broader)))
    return out


def country_triples(source: Path) -> list[ox.Triple]:
    codes, crosswalk, geoarea = country_sources(source)
    out: list[ox.Triple] = []
    regions: dict[str, tuple[str, str | None]] = {}  # code -> (label, broader code)
    for row in codes:
        iso3 = row["ISO3166-1-Alpha-3"]
        if not re.fullmatch(r"[A-Z]{3}", iso3) or not row["M49"].isdigit():
            raise DeriveError(f"country-codes.csv: bad ISO3 or M49 in row {row}")
        subject = nn(iris.country(iso3))
        m49 = DECADE_M49.get(iso3, row["M49"].zfill(3))
        cross = crosswalk.get(iso3, {})
        facts: list[tuple[ox.NamedNode, ox.Term]] = [(nn(RDF + "type"), poa("Country"))]
        facts += name_facts(row, cross)
        facts += code_facts(row, iso3, m49)
        facts += region_facts(row, regions)
        facts += ldc_facts(cross) if cross else [(poa("isLDC"), typed("false", "boolean"))]
        facts += link_facts(row, cross, m49, geoarea)
        out.extend(ox.Triple(subject, p, o) for p, o in facts)
    return out + region_triples(regions)


# --- SDG and UNBIS ------------------------------------------------------------------------

SDG_PREDICATES = {
    RDF + "type",
    SKOS + "prefLabel",
    SKOS + "altLabel",
    SKOS + "note",
    SKOS + "notation",
    SKOS + "broader",
    SKOS + "inScheme",
    SKOS + "topConceptOf",
    SKOS + "exactMatch",
}


def sdg_triples(source: Path, wanted: set[str]) -> list[ox.Triple]:
    """The wanted SDG concepts and their ancestors, English labels only."""
    store = ox.Store()
    store.bulk_load(
        path=str(source / "sdg" / "sdg-kos-goals-targets-indicators.ttl"),
        format=ox.RdfFormat.TURTLE,
    )
    broader = nn(SKOS + "broader")
    todo, seen = sorted(wanted), set()
    out: list[ox.Triple] = []
    while todo:
        iri = todo.pop()
        if iri in seen:
            continue
        seen.add(iri)
        quads = list(store.quads_for_pattern(nn(iri), None, None))
        if not quads:
            raise DeriveError(f"SDG concept not in the SDG KOS: {iri}")
        for q in quads:
            if q.predicate.value not in SDG_PREDICATES:
                continue
            if isinstance(q.object, ox.Literal) and q.object.language not in (None, "en"):
                continue
            out.append(ox.Triple(q.subject, q.predicate, q.object))
            if q.predicate == broader:
                todo.append(q.object.value)
    return out


def unbis_triples(source: Path, wanted: set[str]) -> list[ox.Triple]:
    rows = {r["iri"]: r for r in read_csv(source / "unbis" / "unbis_concepts.csv")}
    out: list[ox.Triple] = []
    for iri in sorted(wanted):
        row = rows.get(iri)
        if row is None or not row["en"]:
            raise DeriveError(f"UNBIS concept not in unbis_concepts.csv: {iri}")
        out.append(ox.Triple(nn(iri), nn(RDF + "type"), nn(SKOS + "Concept")))
        out.append(ox.Triple(nn(iri), nn(SKOS + "prefLabel"), en(row["en"])))
        out.append(ox.Triple(nn(iri), nn(SKOS + "notation"), ox.Literal(row["identifier"])))
        out.append(
            ox.Triple(nn(iri), nn(SKOS + "inScheme"), nn("http://metadata.un.org/thesaurus"))
        )
    return out


def linked_iris(pattern: str, files: Iterable[Path]) -> set[str]:
    """Full IRIs matching `pattern` written in the project's own ontology files."""
    return {m.group(0) for f in files for m in re.finditer(pattern, f.read_text("utf-8"))}


def project_concepts() -> tuple[set[str], set[str]]:
    """The SDG and UNBIS concepts the project links to: those of mappings/themes.yaml and
    those written in its own ontology files (the countries add their UNBIS concepts)."""
    own = [paths.ONTOLOGY / "poa.ttl", paths.ONTOLOGY / "bpoa.ttl"]
    sdg_wanted, unbis_wanted = themes.linked_concepts()
    sdg_wanted |= linked_iris(r"http://metadata\.un\.org/sdg/[0-9A-Za-z.]+(?=>)", own)
    unbis_wanted |= linked_iris(r"http://metadata\.un\.org/thesaurus/\d{7}(?=>)", own)
    return sdg_wanted, unbis_wanted


# --- output -------------------------------------------------------------------------------


def dataset(name: str, title: str, description: str, meta: dict) -> list[ox.Triple]:
    """The provenance of one derived file, in the file itself."""
    subject = nn(DATASET + "vocab-" + name)
    out = [
        ox.Triple(subject, nn(RDF + "type"), nn(VOID + "Dataset")),
        ox.Triple(subject, nn(DCTERMS + "title"), en(title)),
        ox.Triple(subject, nn(DCTERMS + "description"), en(description)),
        ox.Triple(subject, nn(DCTERMS + "creator"), ox.Literal("scripts/derive_vocab.py")),
        ox.Triple(subject, nn(VOID + "inDataset"), nn(iris.VOCAB_GRAPH)),
    ]
    for iri in meta.get("source", []):
        out.append(ox.Triple(subject, nn(DCTERMS + "source"), nn(iri)))
        out.append(ox.Triple(subject, nn(PROV + "wasDerivedFrom"), nn(iri)))
    for iri in meta.get("license", []):
        out.append(ox.Triple(subject, nn(DCTERMS + "license"), nn(iri)))
    for text in meta.get("rights", []):
        out.append(ox.Triple(subject, nn(DCTERMS + "rights"), en(text)))
    for text in meta.get("citation", []):
        out.append(ox.Triple(subject, nn(DCTERMS + "bibliographicCitation"), ox.Literal(text)))
    return out


def _sort_key(t: ox.Triple) -> tuple:
    first = (RDF + "type", RDFS + "label", SKOS + "prefLabel")
    p = t.predicate.value
    order = first.index(p) if p in first else len(first)
    return (t.subject.value.startswith(DATASET) is False, str(t.subject), order, p, str(t.object))


def write_turtle(path: Path, header: str, triples: list[ox.Triple], prefixes: list[str]) -> None:
    """Sorted triples, sorted prefixes (oxigraph keeps them in a hash map), a blank line
    between subjects: the same input always gives the same bytes."""
    unique = sorted(set(triples), key=_sort_key)
    body = ox.serialize(
        unique, format=ox.RdfFormat.TURTLE, prefixes={p: PREFIXES[p] for p in prefixes}
    ).decode()
    lines = body.splitlines()
    prefix_lines = sorted(line for line in lines if line.startswith("@prefix"))
    blocks: list[str] = []
    for line in lines:
        if line.startswith("@prefix"):
            continue
        if not line[:1].isspace() and blocks:
            blocks.append("")
        blocks.append(line)
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.strip().splitlines())
    text = comment + "\n" + "\n".join(prefix_lines) + "\n\n" + "\n".join(blocks) + "\n"
    path.write_text(text, encoding="utf-8")


def derive(source: Path, out: Path) -> dict[str, int]:
    """Write the three files into `out`; returns the number of triples of each."""
    for needed in (
        "countries/country-codes.csv",
        "countries/ldc_crosswalk_2001_2010.csv",
        "sdg/sdg-kos-goals-targets-indicators.ttl",
        "sdg/sdg-codes-geoArea.ttl",
        "unbis/unbis_concepts.csv",
    ):
        if not (source / needed).is_file():
            raise DeriveError(f"missing reference file: {source / needed}")
    out.mkdir(parents=True, exist_ok=True)
    sdg_wanted, unbis_wanted = project_concepts()

    countries = country_triples(source)
    unbis_wanted |= {
        t.object.value
        for t in countries
        if t.object.value.startswith(themes.UNBIS) and isinstance(t.object, ox.NamedNode)
    }
    header = "Generated by scripts/derive_vocab.py from ../shared/vocab: do not edit by hand."
    files = {
        "countries": (
            "Countries and LDC status 2001-2010",
            "Every country or area of the UN M49 / ISO 3166 table: ISO codes, M49 code "
            "(Sudan 736 for 2001-2010), M49 region and sub-region, LDC status during the "
            "Brussels decade with inclusion and graduation dates, and exactMatch links to "
            "UN geoArea, Wikidata, the EU country authority and the UNBIS Thesaurus.",
            {
                "source": [
                    "https://github.com/datasets/country-codes",
                    "http://metadata.un.org/sdg/codes/geoArea",
                ],
                "license": ["https://opendatacommons.org/licenses/pddl/1-0/"],
                "rights": [
                    "Codes and names from datasets/country-codes (2026-05, ODC-PDDL-1.0). LDC "
                    "membership, inclusion and graduation dates compiled from the UN DESA LDC "
                    "timeline, UN News (2001) and UN-OHRLLS, as facts."
                ],
            },
            countries,
            [
                "rdf",
                "rdfs",
                "xsd",
                "skos",
                "dcterms",
                "void",
                "prov",
                "poa",
                "country",
                "geoArea",
                "unbis",
                "wd",
                "eu",
            ],
        ),
        "sdg": (
            "SDG goals, targets and indicators linked by poagraph",
            "The SDG targets and indicators that mappings/themes.yaml links actions and "
            "programmes to, with their goals, English labels only.",
            {
                "source": ["http://metadata.un.org/sdg", "https://github.com/UNStats/LOD4Stats"],
                "rights": [SDG_LICENSE],
                "citation": [
                    "Amit Joshi, Luis Gonzalez Morales, Szymon Klarman, and Aaron Helton. 2019. "
                    "A Knowledge Organization System for the United Nations Sustainable "
                    "Development Goals. New York, NY. http://metadata.un.org/sdg"
                ],
            },
            sdg_triples(source, sdg_wanted),
            ["rdf", "rdfs", "xsd", "skos", "dcterms", "void", "prov", "sdg", "sdgo"],
        ),
        "unbis": (
            "UNBIS Thesaurus concepts linked by poagraph",
            "The UNBIS Thesaurus concepts that the project links to (themes of actions and "
            "programmes, the programme of action, countries), with their English labels.",
            {
                "source": ["http://metadata.un.org/thesaurus"],
                "rights": [
                    "UNBIS Thesaurus, United Nations Dag Hammarskjöld Library: concept ids and "
                    "labels used as facts for linking; the thesaurus itself is not redistributed."
                ],
            },
            unbis_triples(source, unbis_wanted),
            ["rdf", "rdfs", "xsd", "skos", "dcterms", "void", "prov", "unbis"],
        ),
    }
    counts = {}
    for name, (title, description, meta, triples, prefixes) in files.items():
        meta_triples = dataset(name, title, description, meta)
        write_turtle(out / f"{name}.ttl", header, meta_triples + triples, prefixes)
        counts[name] = len(set(meta_triples + triples))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=SOURCE_DEFAULT, help="../shared/vocab")
    parser.add_argument("--out", type=Path, default=paths.VOCAB, help="ontology/vocab")
    args = parser.parse_args(argv)
    try:
        counts = derive(args.source, args.out)
    except (DeriveError, MappingsError, OSError) as err:  # data problems: say what, exit 2
        print(f"derive_vocab: {err}", file=sys.stderr)
        return 2
    for name, n in counts.items():
        print(f"{args.out / (name + '.ttl')}: {n} triples")
    return 0


if __name__ == "__main__":
    sys.exit(main())
