"""Scoring a report graph against an answer key of tests/fixtures/reports/*.key.yaml
(issue 11): plain functions on a pyoxigraph Store holding one report's graph, used by
tests/test_unseen_reports.py and usable from a shell to see the figures of any build."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml
from pyoxigraph import Store

from poagraph import iris, paths

FIXTURES = Path(__file__).parent / "fixtures" / "reports"
PREFIXES = (
    "PREFIX poa: <https://w3id.org/poagraph/ontology#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
)


# -- the keys and the texts ------------------------------------------------------------------


def norm(text: str) -> str:
    """Case-, spacing- and apostrophe-insensitive form: page breaks ("of\\n\\nAgriculture")
    and typographic quotes do not make two names differ."""
    return " ".join(text.replace("\u2019", "'").split()).casefold()


@cache
def key(slug: str) -> dict:
    return yaml.safe_load((FIXTURES / f"{slug}.key.yaml").read_text(encoding="utf-8"))


@cache
def source(slug: str) -> str:
    return (FIXTURES / f"{slug}.md").read_text(encoding="utf-8")


def forms(entry: dict) -> set[str]:
    """Every name a key entry may be found by: its name, acronym and variants."""
    names = [entry["name"], *(entry.get("variants") or [])]
    if entry.get("acronym"):
        names.append(str(entry["acronym"]))
    return {norm(n) for n in names}


def heading_line(slug: str, heading: str) -> int:
    """1-based line of the place heading (a line of its own) in the report."""
    lines = source(slug).splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip() == heading)


def rows(g: Store, query: str) -> list:
    return list(g.query(PREFIXES + query, use_default_graph_as_union=True))


# -- scoring ---------------------------------------------------------------------------------


def names_of(g: Store, cls: str) -> dict[str, set[str]]:
    """IRI -> the normalised labels, alternative labels and acronyms of every node of `cls`."""
    out: dict[str, set[str]] = {}
    query = f"""SELECT ?x ?n WHERE {{ ?x a poa:{cls} .
        {{ ?x rdfs:label ?n }} UNION {{ ?x skos:altLabel ?n }} UNION {{ ?x poa:acronym ?n }} }}"""
    for r in rows(g, query):
        out.setdefault(r["x"].value, set()).add(norm(r["n"].value))
    return out


def score_names(g: Store, cls: str, entries: list[dict]) -> tuple[list[dict], list[dict]]:
    """(found, missed) key entries: found when a node of `cls` has one of the entry's names."""
    graph_names = set().union(set(), *names_of(g, cls).values())
    found = [e for e in entries if forms(e) & graph_names]
    return found, [e for e in entries if e not in found]


def details_agree(g: Store, cls: str, found: list[dict]) -> str:
    """How many found entries also have the key's kind (organisations) and countries: shown,
    not scored (the issue's figures are about finding the names)."""
    facts: dict[str, set[str]] = {}
    query = f"""SELECT ?x ?p ?o WHERE {{ ?x a poa:{cls} ; ?p ?o .
        FILTER (?p IN (poa:organisationKind, poa:country)) }}"""
    for r in rows(g, query):
        facts.setdefault(r["x"].value, set()).add(r["o"].value.rsplit("/", 1)[-1])
    names = names_of(g, cls)
    agree = 0
    for e in found:
        want = {e["kind"]} if e.get("kind") else set()
        want |= set(e.get("countries") or ([e["country"]] if e.get("country") else []))
        have = [facts.get(iri, set()) for iri, n in names.items() if forms(e) & n]
        agree += any(want <= h for h in have)
    return f"kind and countries agree on {agree}/{len(found)} found"


def unclaimed(g: Store, cls: str, entries: list[dict]) -> list[str]:
    """Nodes of `cls` in the graph that no key entry names (a name taken for the wrong kind,
    a fragment, a name the key does not list): shown, not scored."""
    known = set().union(set(), *(forms(e) for e in entries))
    return sorted(min(names, key=len) for names in names_of(g, cls).values() if not names & known)


@dataclass(frozen=True)
class Outcome:
    iri: str
    value: Decimal
    currency: str | None
    countries: frozenset[str]
    unit: str
    quote: str
    status: str

    def __str__(self) -> str:
        money = f"{self.currency} " if self.currency else ""
        places = ",".join(sorted(self.countries)) or "-"
        status = self.status.rsplit("#", 1)[-1]
        return f"{money}{self.value} {self.unit!r} [{places}] {status}: {self.quote!r}"


def outcomes(g: Store) -> list[Outcome]:
    query = """SELECT ?o ?v ?cur ?unit ?quote ?status
        (GROUP_CONCAT(DISTINCT STR(?c); separator=" ") AS ?cs) WHERE {
        ?o a poa:Outcome ; poa:value ?v .
        OPTIONAL { ?o poa:currency ?cur } OPTIONAL { ?o poa:unit ?unit }
        OPTIONAL { ?o poa:quote ?quote } OPTIONAL { ?o poa:status ?status }
        OPTIONAL { ?o poa:country ?c }
    } GROUP BY ?o ?v ?cur ?unit ?quote ?status ORDER BY ?o"""
    out = []
    for r in rows(g, query):
        cs = r["cs"].value.split() if r["cs"] is not None else []
        countries = frozenset(c.rsplit("/", 1)[-1] for c in cs)
        out.append(
            Outcome(
                iri=r["o"].value,
                value=Decimal(r["v"].value),
                currency=r["cur"].value if r["cur"] else None,
                countries=countries,
                unit=r["unit"].value if r["unit"] else "",
                quote=r["quote"].value if r["quote"] else "",
                status=r["status"].value if r["status"] else "",
            )
        )
    return out


def money_key(value: object, currency: str | None) -> tuple[Decimal, str | None]:
    return Decimal(str(value)), currency


def match_results(results: list[dict], found: list[Outcome]) -> tuple[list, list[dict]]:
    """One outcome per stated result (same value, same countries, same currency or none):
    (pairs of (result, outcome), missed results)."""
    free = list(found)
    pairs, missed = [], []
    for res in results:
        want = (money_key(res["value"], res.get("currency")), frozenset(res["countries"]))
        hit = next((o for o in free if ((o.value, o.currency), o.countries) == want), None)
        if hit is None:
            missed.append(res)
        else:
            free.remove(hit)
            pairs.append((res, hit))
    return pairs, missed


def not_stated(k: dict, found: list[Outcome]) -> list[Outcome]:
    """Outcomes whose value (and currency) is no stated result of the key."""
    stated = {money_key(r["value"], r.get("currency")) for r in k["results"]}
    return [o for o in found if (o.value, o.currency) not in stated]


def describe_result(res: dict, found: list[Outcome]) -> str:
    money = f"{res['currency']} " if res.get("currency") else ""
    places = ",".join(res["countries"]) or "-"
    near = [str(o) for o in found if o.value == Decimal(str(res["value"]))]
    seen = f"\n      graph has: {'; '.join(near)}" if near else ""
    return f"  {money}{res['value']} {res['counted']} [{places}] {res['snippet']!r}{seen}"


def describe_outcome(o: Outcome, k: dict) -> str:
    """The outcome, and why the key says its number is no result (the entry whose words are
    in the outcome's quote first)."""
    same = [n for n in k.get("not_results", []) if Decimal(str(n["value"])) == o.value]
    same.sort(key=lambda n: norm(n["snippet"]) not in norm(o.quote))
    return f"  {o}" + (f"\n      (the key: {same[0]['why']})" if same else "")


def ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


def figure(slug: str, what: str, part: int, whole: int, bound: str) -> str:
    line = f"{slug}: {what} {part}/{whole} = {ratio(part, whole):.1%} ({bound})"
    print(line)
    return line


# -- sections --------------------------------------------------------------------------------


def section_problems(g: Store, k: dict) -> Iterable[str]:
    actions = {
        r["a"].value: (r["c"].value, norm(r["t"].value))
        for r in rows(
            g, "SELECT ?a ?c ?t WHERE { ?a a poa:Action ; skos:prefLabel ?t ; skos:broader ?c }"
        )
    }
    passages = passage_places(g)
    for section in k["sections"]:
        n, first = section["commitment"], section["action"]
        target = iris.commitment(n)
        if first:
            hits = [a for a, (c, t) in actions.items() if c == target and t.startswith(norm(first))]
            ends = section.get("action_ends")
            if len(hits) != 1:
                yield f"  commitment {n}: {len(hits)} actions start {first!r}"
                continue
            if ends and not actions[hits[0]][1].endswith(norm(ends)):
                yield f"  commitment {n}: action {first!r} does not end {ends!r} (not re-joined)"
            target = hits[0]
        for place in section["places"]:
            yield from place_problems(passages, place, target)


def passage_places(g: Store) -> dict[str, tuple[str, set[str], set[str], set[str]]]:
    """Passage IRI -> (normalised text, what it addresses, its countries, its regions)."""
    out: dict[str, tuple[str, set[str], set[str], set[str]]] = {}
    query = """SELECT ?p ?text ?addr ?c ?r WHERE { ?p a poa:Passage ; poa:text ?text .
        OPTIONAL { ?p poa:addresses ?addr } OPTIONAL { ?p poa:country ?c }
        OPTIONAL { ?p poa:region ?r } }"""
    for r in rows(g, query):
        p = out.setdefault(r["p"].value, (norm(r["text"].value), set(), set(), set()))
        for i, var in ((1, "addr"), (2, "c"), (3, "r")):
            if r[var] is not None:
                p[i].add(r[var].value.rsplit("/", 1)[-1] if var == "c" else r[var].value)
    return out


def place_problems(passages: dict, place: dict, target: str) -> Iterable[str]:
    region = {iris.region(place["region"])} if place.get("region") else set()
    for words in place["passages"]:
        hits = [p for p in passages.values() if p[0].startswith(norm(words))]
        where = f"  {place['heading']!r} / {words!r}"
        if len(hits) != 1:
            yield f"{where}: {len(hits)} passages start so"
            continue
        _, addresses, countries, regions = hits[0]
        if addresses != {target}:
            yield f"{where}: addresses {sorted(addresses)}, not {target}"
        if countries != set(place["countries"]):
            yield f"{where}: countries {sorted(countries)}, not {place['countries']}"
        if regions != region:
            yield f"{where}: regions {sorted(regions)}, not {sorted(region)}"


# -- the gazetteers ---------------------------------------------------------------------------


def mappings_names() -> set[str]:
    """Every name, acronym and variant mappings/ know for organisations, programmes,
    regions and countries, plus the generated "Government of X"."""
    import pycountry

    names: set[str] = set()
    for file in ("organisations.yaml", "programmes.yaml", "regions.yaml"):
        for entry in yaml.safe_load((paths.MAPPINGS / file).read_text(encoding="utf-8")) or []:
            for field in ("label", "acronym", "variants"):
                value = entry.get(field) or []
                names.update(norm(str(v)) for v in (value if isinstance(value, list) else [value]))
    countries = yaml.safe_load((paths.MAPPINGS / "countries.yaml").read_text(encoding="utf-8"))
    names.update(norm(a) for a in (countries.get("aliases") or {}))
    names.update(norm(f"Government of {c.name}") for c in pycountry.countries)
    return names
