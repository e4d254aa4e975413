"""Write a small slice of ../shared/vocab into tests/data/vocab/ for the tests.

The shared folder holds whole public datasets that are not committed; the tests of
scripts/derive_vocab.py run on this slice instead, in every clone. It has the same folder
and file layout as the shared folder, restricted to:

- a few countries chosen for their edge cases (COUNTRIES below): their rows of the code table
  and of the LDC crosswalk, and their entries of the UN geoArea dataset;
- the SDG concepts the project links to (mappings/themes.yaml and ontology/*.ttl) with their
  broader targets and goals, English labels only;
- the UNBIS concepts the project links to and those of the sliced countries.

The output is sorted or in source order, so re-running it on the same input gives
byte-identical files. Run it again when COUNTRIES, the project's links or what
derive_vocab.py reads change:

    python scripts/slice_vocab.py [--source ../shared/vocab] [--out tests/data/vocab]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import derive_vocab as dv
import pyoxigraph as ox

from poagraph import paths
from poagraph.errors import MappingsError

OUT_DEFAULT = paths.ROOT / "tests" / "data" / "vocab"

#: ISO alpha-3 -> why the country is in the slice.
COUNTRIES = {
    "AFG": "LDC for the whole decade, no dates",
    "BWA": "graduated 1994: in the crosswalk, not an LDC in the decade",
    "CHE": "never an LDC, not in the crosswalk",
    "CPV": "graduated 2007-12 (year-month date with a note after it)",
    "ETH": "LDC for the whole decade",
    "HTI": "LDC for the whole decade, in the Americas",
    "MDV": "graduated 2011-01-01 (full date, just after the decade)",
    "NAM": 'ISO alpha-2 "NA" must stay "NA"',
    "NPL": "LDC for the whole decade, landlocked",
    "SDN": "M49 736 (Sudan pre-2011) in the decade, 729 today",
    "SEN": "added 2001-04, just before Brussels",
    "SSD": "added 2012: in the crosswalk, not an LDC in the decade",
    "TLS": "added 2003, not at Brussels",
}

GEOAREA_FILE = "sdg/sdg-codes-geoArea.ttl"
SDG_FILE = "sdg/sdg-kos-goals-targets-indicators.ttl"
CODES_FILE = "countries/country-codes.csv"
CROSSWALK_FILE = "countries/ldc_crosswalk_2001_2010.csv"
UNBIS_FILE = "unbis/unbis_concepts.csv"

TURTLE_PREFIXES = {
    "rdf": dv.RDF,
    "rdfs": dv.RDFS,
    "xsd": dv.XSD,
    "skos": dv.SKOS,
    "dct": dv.DCTERMS,
    "sdg": "http://metadata.un.org/sdg/",
    "sdgo": dv.SDGO,
    "geoArea": dv.GEOAREA,
    "geoAreaProp": "http://metadata.un.org/sdg/codes/geoArea#",
    "sdgCodes": "http://metadata.un.org/sdg/codes#",
    "codes": "http://metadata.un.org/sdg/codes/",
}


class SliceError(Exception):
    """The shared reference data lacks something the slice needs."""


# --- CSV ----------------------------------------------------------------------------------


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of a CSV file, values exactly as written."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def slice_rows(source: Path, out: Path, name: str, column: str, keep: set[str]) -> list[dict]:
    """The rows of `name` whose `column` is in `keep`, in source order; all must be there."""
    header, rows = read_rows(source / name)
    kept = [r for r in rows if r[column].strip() in keep]
    write_rows(out / name, header, kept)
    return kept


# --- Turtle -------------------------------------------------------------------------------


def english(triple: ox.Triple) -> bool:
    """No blank nodes (their triples are not sliced), literals untagged or in English."""
    if isinstance(triple.object, ox.BlankNode):
        return False
    return not isinstance(triple.object, ox.Literal) or triple.object.language in (None, "en")


def load(path: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


def subject_triples(store: ox.Store, iri: str) -> list[ox.Triple]:
    quads = store.quads_for_pattern(ox.NamedNode(iri), None, None)
    return [t for t in (ox.Triple(q.subject, q.predicate, q.object) for q in quads) if english(t)]


def write_turtle(path: Path, source_name: str, triples: list[ox.Triple]) -> None:
    """Sorted triples and prefixes, so the same input always gives the same bytes."""
    unique = sorted(set(triples), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    body = ox.serialize(unique, format=ox.RdfFormat.TURTLE, prefixes=TURTLE_PREFIXES).decode()
    lines = body.splitlines()
    prefix_lines = sorted(line for line in lines if line.startswith("@prefix"))
    blocks: list[str] = []  # a blank line between subjects
    for line in lines:
        if line.startswith("@prefix") or not line.strip():
            continue
        if not line[:1].isspace() and blocks:
            blocks.append("")
        blocks.append(line)
    header = (
        f"# A slice of ../shared/vocab/{source_name} for the tests,\n"
        "# made by scripts/slice_vocab.py: do not edit by hand. Sources and terms: README.md.\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    text = header + "\n" + "\n".join(prefix_lines) + "\n\n" + "\n".join(blocks) + "\n"
    path.write_text(text, encoding="utf-8")


def slice_geoarea(source: Path, out: Path, m49_codes: set[str]) -> None:
    """The geoArea entries of the sliced countries (by today's and the decade's M49 code)."""
    store = load(source / GEOAREA_FILE)
    triples: list[ox.Triple] = []
    for code in sorted(m49_codes):
        found = subject_triples(store, dv.GEOAREA + code)
        if not found:
            raise SliceError(f"{GEOAREA_FILE}: no geoArea {code}")
        triples += found
    write_turtle(out / GEOAREA_FILE, GEOAREA_FILE, triples)


def slice_sdg(source: Path, out: Path, wanted: set[str]) -> None:
    """The wanted SDG concepts and their broader targets and goals."""
    store = load(source / SDG_FILE)
    broader = dv.SKOS + "broader"
    todo, seen = sorted(wanted), set()
    triples: list[ox.Triple] = []
    while todo:
        iri = todo.pop()
        if iri in seen:
            continue
        seen.add(iri)
        found = subject_triples(store, iri)
        if not found:
            raise SliceError(f"{SDG_FILE}: no SDG concept {iri}")
        triples += found
        todo += [t.object.value for t in found if t.predicate.value == broader]
    write_turtle(out / SDG_FILE, SDG_FILE, triples)


# --- README -------------------------------------------------------------------------------


def readme(source: Path, countries: list[dict[str, str]]) -> str:
    """What the slice is, which script made it, and the source lines of the shared README."""
    shared = (source / "README.md").read_text(encoding="utf-8").splitlines()
    sliced = (CODES_FILE, CROSSWALK_FILE, GEOAREA_FILE, SDG_FILE, UNBIS_FILE)
    table = [line for line in shared if line.startswith(("| file ", "|---"))]
    table += [line for line in shared if line.startswith(tuple(f"| {n} |" for n in sliced))]
    names = {r["ISO3166-1-Alpha-3"]: r["UNTERM English Short"] for r in countries}
    chosen = "\n".join(f"- {iso3} ({names[iso3]}): {why}" for iso3, why in COUNTRIES.items())
    return f"""# A slice of the UN reference data, for the tests

Generated by `scripts/slice_vocab.py` from `../shared/vocab`: do not edit by hand; run
`python scripts/slice_vocab.py` again to refresh it. The files have the same layout as the
shared folder, so `python scripts/derive_vocab.py --source tests/data/vocab --out DIR` runs
on them; tests/test_vocab.py does so in every clone and checks that the committed
ontology/vocab/*.ttl agree with what the slice derives.

What the slice keeps:

- `{CODES_FILE}` and `{CROSSWALK_FILE}`: the rows of these
  countries (in the crosswalk, those it lists), chosen for their edge cases:

{chosen}

- `{GEOAREA_FILE}`: the geoArea entries of these countries (today's M49 code,
  and 736 for Sudan in 2001-2010), English labels only;
- `{SDG_FILE}`: the SDG concepts the project links to
  (mappings/themes.yaml and ontology/*.ttl) with their broader targets and goals, English
  labels only;
- `{UNBIS_FILE}`: the UNBIS Thesaurus concepts the project links to and those of
  the countries above (ids and labels, as facts for linking).

Sources and terms (from ../shared/vocab/README.md; the slice keeps only a few rows or
triples of each file):

{chr(10).join(table)}
"""


# --- main ---------------------------------------------------------------------------------


def make_slice(source: Path, out: Path) -> dict[str, int]:
    """Write the slice into `out`; returns the size in bytes of each file."""
    wanted = set(COUNTRIES)
    countries = slice_rows(source, out, CODES_FILE, "ISO3166-1-Alpha-3", wanted)
    missing = wanted - {r["ISO3166-1-Alpha-3"] for r in countries}
    if missing:
        raise SliceError(f"{CODES_FILE}: no row for {sorted(missing)}")
    crosswalk = slice_rows(source, out, CROSSWALK_FILE, "iso3", wanted)

    m49_codes = {r["M49"].strip().zfill(3) for r in countries}
    m49_codes |= {m49 for iso3, m49 in dv.DECADE_M49.items() if iso3 in wanted}
    slice_geoarea(source, out, m49_codes)

    sdg_wanted, unbis_wanted = dv.project_concepts()
    slice_sdg(source, out, sdg_wanted)

    unbis_wanted |= {r["unbis_iri"].strip() for r in crosswalk if r["unbis_iri"].strip()}
    unbis = slice_rows(source, out, UNBIS_FILE, "iri", unbis_wanted)
    missing = unbis_wanted - {r["iri"].strip() for r in unbis}
    if missing:
        raise SliceError(f"{UNBIS_FILE}: no row for {sorted(missing)}")

    (out / "README.md").write_text(readme(source, countries), encoding="utf-8")
    return {
        str(p.relative_to(out)): p.stat().st_size for p in sorted(out.rglob("*")) if p.is_file()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=dv.SOURCE_DEFAULT, help="../shared/vocab")
    parser.add_argument("--out", type=Path, default=OUT_DEFAULT, help="tests/data/vocab")
    args = parser.parse_args(argv)
    try:
        sizes = make_slice(args.source, args.out)
    except (SliceError, dv.DeriveError, MappingsError, OSError) as err:
        # data problems: say what, exit 2
        print(f"slice_vocab: {err}", file=sys.stderr)
        return 2
    for name, size in sizes.items():
        print(f"{args.out / name}: {size} bytes")
    print(f"total: {sum(sizes.values())} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
