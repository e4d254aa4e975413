"""Find countries, regions, organisations and programmes in report text.

The knowledge is data in mappings/ (countries.yaml, regions.yaml, organisations.yaml,
programmes.yaml); this module compiles it into matchers (`matching`: exact-case,
whole-word, leftmost-longest) and says what a match means. The same name may denote
different bodies in different countries ("Ministry of Women's Affairs" of Cambodia vs of
Afghanistan): such names resolve by the passage's countries and are skipped when the
context cannot decide. A body whose name is also a place (`place_name: true`) after a
locative word of place-names.yaml is the place ("Returnees from the European Union").
A region's name at the start of a longer capitalised name is no mention of the region:
"East Africa Community" names a body, not the region (a region written with a capitalised
tail, "Great Lakes Region", is a variant in regions.yaml). A country's, organisation's or
programme's name there still names it: "Uganda Revenue Authority" is Uganda's, "IOM
Cambodia" is IOM's office, "RQA Kabul" the programme's.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from poagraph import iris, paths
from poagraph.errors import MappingsError

from .countries import check_iso3, common_name, country_names
from .matching import Entity, EntityIndex, Match, as_tuple, continued, norm, pattern

#: What separates the places of a heading: "DRC and Rwanda", "Senegal, Mali and Burkina
#: Faso", "Niger et Mali", "Mali (Gao region)", "Sudan - Darfur" (never inside a name).
_SEPARATOR = re.compile(r"\s*(?:[,;&/()]|\s[-–—]\s|\band\b|\bet\b)\s*")
#: An article before a place of a heading: "the Gambia", "Gambia (The)".
_ARTICLE = re.compile(r"^(?:[Tt]he)(?:\s+|$)")


@dataclass(frozen=True)
class PlaceRef:
    """What a place heading denotes. A heading no gazetteer knows keeps its unknown parts
    in `unresolved`, so that coverage can report them instead of silently dropping them."""

    heading: str
    countries: tuple[str, ...] = ()
    region: str | None = None
    unresolved: tuple[str, ...] = ()
    is_general: bool = False
    regions: tuple[str, ...] = ()  #: every region it names (`region` is the first)

    @property
    def resolved(self) -> bool:
        return not self.unresolved


@dataclass(frozen=True)
class Region:
    slug: str
    label: str
    variants: tuple[str, ...]
    countries: tuple[str, ...]  #: poa:includesCountry
    data: dict = field(compare=False, hash=False)

    @property
    def iri(self) -> str:
        return iris.region(self.slug)


class Gazetteer:
    """All gazetteers of mappings/, compiled. Build once with `load_gazetteer()`."""

    def __init__(
        self,
        country_names: dict[str, str],
        ambiguous: set[str],
        regions: list[Region],
        organisations: list[Entity],
        programmes: list[Entity],
        org_groups: list[dict],
        place_cue: re.Pattern[str] | None = None,
    ):
        self.country_names = {norm(k): v for k, v in country_names.items()}
        self.ambiguous = ambiguous
        self.regions = {r.slug: r for r in regions}
        self.region_names = {norm(s): r.slug for r in regions for s in (r.label, *r.variants)}
        # one matcher for both (a thousand names compile in tens of ms): a country's name
        # inside a longer region's name ("Lake Chad Basin") is the region's
        self._place_re = pattern([*self.country_names, *self.region_names])
        self._orgs = EntityIndex(organisations, org_groups, place_cue)
        self._progs = EntityIndex(programmes, [])

    # -- lookups -------------------------------------------------------------------------
    @property
    def organisations(self) -> dict[str, Entity]:
        return self._orgs.by_slug

    @property
    def programmes(self) -> dict[str, Entity]:
        return self._progs.by_slug

    def entity_index(self, kind: str) -> EntityIndex:
        """The name index of "organisation" or "programme" entries (discovery reads it)."""
        return self._orgs if kind == "organisation" else self._progs

    def with_index(self, kind: str, index: EntityIndex) -> Gazetteer:
        """A copy that finds the names of `kind` through `index` (an index with EntityIndex's
        lookups: discovery's, which adds the entities it found)."""
        out = copy.copy(self)
        if kind == "organisation":
            out._orgs = index
        else:
            out._progs = index
        return out

    # -- finding -------------------------------------------------------------------------
    def countries_in(self, text: str) -> list[Match]:
        """Country mentions (names, aliases, government shorthands such as "GoB")."""
        if self._place_re is None:
            return []
        return [
            Match(iso3, "country", iris.country(iso3), m.start(), m.end(), m.group(0))
            for m in self._place_re.finditer(text)
            if (iso3 := self.country_names.get(norm(m.group(0))))
        ]

    def regions_in(self, text: str) -> list[Match]:
        """Region mentions; not a region's name that starts a longer capitalised name."""
        out = []
        for m in self._place_re.finditer(text):
            slug = self.region_names.get(norm(m.group(0)))
            if slug and not continued(text, m.end()):
                out.append(
                    Match(slug, "region", self.regions[slug].iri, m.start(), m.end(), m.group(0))
                )
        return out

    def organisations_in(
        self, text: str, country: str | Sequence[str] | None = None
    ) -> list[Match]:
        """Organisation mentions; `country` (ISO3 or several) decides names that denote a
        different body in each country, such as "Ministry of Women's Affairs"."""
        return self._orgs.find(text, country, "organisation")

    def programmes_in(self, text: str, country: str | Sequence[str] | None = None) -> list[Match]:
        """Programme mentions; `country` decides shared acronyms (EMM in Cambodia is the
        Enhanced Migration Management project, elsewhere the Essentials learning tool)."""
        return self._progs.find(text, country, "programme")

    def mentions(self, text: str, country: str | Sequence[str] | None = None) -> list[Match]:
        """Everything the text names, in text order."""
        found = [
            *self.countries_in(text),
            *self.regions_in(text),
            *self.organisations_in(text, country),
            *self.programmes_in(text, country),
        ]
        return sorted(found, key=lambda m: (m.start, -m.end, m.kind))

    def resolve_place(self, heading: str) -> PlaceRef:
        """A place heading -> its countries and/or region. "General activities" has none.
        The heading is a list of places: each part between separators must be one known
        name, else the whole part is returned in `unresolved` (never guessed), and the names
        inside it do not count ("Lake Chad Basin" is not Chad)."""
        h = heading.strip()
        if h.lower() == "general activities":
            return PlaceRef(heading, is_general=True)
        names = {(m.start(), m.end()): norm(m.group(0)) for m in self._place_re.finditer(h)}
        countries: list[str] = []
        regions: list[str] = []
        unresolved: list[str] = []
        for start, end in _heading_parts(h, names):
            part = h[start:end]
            article = _ARTICLE.match(part)
            if article and article.end() == len(part):
                continue  # "Gambia (The)"
            key = names.get((start, end)) or (
                names.get((start + article.end(), end)) if article else None
            )
            if key is None:
                unresolved.append(part)
            elif key in self.region_names and key not in self.country_names:
                regions.append(self.region_names[key])
            elif self.country_names[key] not in countries:
                countries.append(self.country_names[key])
        region = regions[0] if regions else None
        return PlaceRef(
            heading, tuple(countries), region, tuple(unresolved), regions=tuple(regions)
        )


def _heading_parts(h: str, names: dict[tuple[int, int], str]) -> list[tuple[int, int]]:
    """The (start, end) of the parts of heading `h` between separators; a separator inside
    a known name ("Sao Tome and Principe", "Guinea-Bissau") separates nothing."""
    cuts = [
        (m.start(), m.end())
        for m in _SEPARATOR.finditer(h)
        if m.end() > m.start() and not any(a < m.end() and m.start() < b for a, b in names)
    ]
    parts, pos = [], 0
    for a, b in [*cuts, (len(h), len(h))]:
        if h[pos:a].strip():
            lead = len(h[pos:a]) - len(h[pos:a].lstrip())
            parts.append((pos + lead, pos + len(h[pos:a].rstrip())))
        pos = b
    return parts


def passage_countries(doc, gaz: Gazetteer) -> dict[int, list[str]]:
    """Passage.n -> the ISO3 codes of its place heading (empty for "General activities",
    for region headings and for text outside any place)."""
    cache: dict[str, PlaceRef] = {}
    out: dict[int, list[str]] = {}
    for p in doc.passages:
        if p.place is None:
            out[p.n] = []
            continue
        ref = cache.get(p.place.heading) or cache.setdefault(
            p.place.heading, gaz.resolve_place(p.place.heading)
        )
        out[p.n] = list(ref.countries)
    return out


# -- loading ---------------------------------------------------------------------------------


def _read_yaml(path: Path):
    try:
        with path.open(encoding="utf-8") as f:
            return yaml.safe_load(f)
    except FileNotFoundError as e:
        raise MappingsError("missing gazetteer file", path) from e
    except yaml.YAMLError as e:
        raise MappingsError(f"not valid YAML: {e}", path) from e


def _entities(path: Path, kind: str) -> list[Entity]:
    raw = _read_yaml(path) or []
    out: list[Entity] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw, 1):
        where = f"{path.name} entry {i}"
        if not isinstance(entry, dict) or "slug" not in entry or "label" not in entry:
            raise MappingsError(f"{where}: needs at least slug and label")
        if entry["slug"] in seen:
            raise MappingsError(f"{where}: duplicate slug {entry['slug']!r}")
        seen.add(entry["slug"])
        countries = tuple(
            check_iso3(c, where) for c in as_tuple(entry.get("country", entry.get("countries")))
        )
        out.append(
            Entity(
                slug=entry["slug"],
                kind=kind,
                label=entry["label"],
                acronyms=as_tuple(entry.get("acronym")),
                variants=as_tuple(entry.get("variants")),
                countries=countries,
                data=entry,
            )
        )
    return out


def _with_governments(orgs: list[Entity], names: dict[str, str], cdata: dict) -> list[Entity]:
    """Add "Government of {country}" (slug government-{iso3}) for every country; an entry
    of organisations.yaml with that slug contributes its label, acronyms, variants, kind."""
    skip = set(cdata.get("government_shorthand") or {}) | set(cdata.get("demonyms") or {})
    by_iso: dict[str, list[str]] = {}
    for name, iso3 in names.items():
        if name not in skip and not name.startswith("the ") and not set("(,") & set(name):
            by_iso.setdefault(iso3, []).append(name)
    explicit = {o.slug: o for o in orgs}
    out = [
        o for o in orgs if not o.slug.startswith("government-") or o.slug[11:].upper() not in by_iso
    ]
    for iso3, names_of in sorted(by_iso.items()):
        slug = f"government-{iso3.lower()}"
        generated = tuple(f"Government of {n}" for n in sorted(names_of))
        e = explicit.get(slug)
        label = f"Government of {common_name(iso3)}"
        data = {"slug": slug, "label": label, "kind": "government-body", "country": iso3}
        if e is None:
            out.append(Entity(slug, "organisation", label, (), generated, (iso3,), data))
        else:
            data |= e.data
            variants = tuple(dict.fromkeys((*e.variants, *generated)))
            out.append(Entity(slug, "organisation", e.label, e.acronyms, variants, (iso3,), data))
    return out


def load_gazetteer(mappings_dir: Path | str = paths.MAPPINGS) -> Gazetteer:
    """Read countries.yaml, regions.yaml, organisations.yaml and programmes.yaml."""
    d = Path(mappings_dir)
    cdata = _read_yaml(d / "countries.yaml") or {}
    names, ambiguous = country_names(cdata)
    regions = []
    for i, r in enumerate(_read_yaml(d / "regions.yaml") or [], 1):
        where = f"regions.yaml entry {i}"
        if "slug" not in r or "label" not in r:
            raise MappingsError(f"{where}: needs slug and label")
        members = tuple(check_iso3(c, where) for c in r.get("includesCountry", []) or [])
        regions.append(Region(r["slug"], r["label"], as_tuple(r.get("variants")), members, r))
    orgs = _with_governments(_entities(d / "organisations.yaml", "organisation"), names, cdata)
    org_groups = (
        _read_yaml(d / "organisation-groups.yaml")
        if (d / "organisation-groups.yaml").exists()
        else []
    )
    progs = _entities(d / "programmes.yaml", "programme")
    slugs = {o.slug for o in orgs}
    for g in org_groups or []:
        missing = [m for m in g.get("members", []) if m not in slugs]
        if missing:
            raise MappingsError(f"organisation-groups.yaml {g.get('surface')!r}: unknown {missing}")
    _check_programmes(progs, slugs, {r.slug for r in regions})
    cue = _place_cue(d / "place-names.yaml")
    return Gazetteer(names, ambiguous, regions, orgs, progs, org_groups or [], cue)


def _place_cue(path: Path) -> re.Pattern[str] | None:
    """The locative words of place-names.yaml, as "ends with one of them (and 'the')"."""
    words = ((_read_yaml(path) or {}) if path.exists() else {}).get("prepositions") or []
    if not words:
        return None
    alternatives = "|".join(re.escape(str(w)) for w in words)
    return re.compile(rf"(?<!\w)(?:{alternatives})\s+(?:the\s+)?$", re.IGNORECASE)


def _check_programmes(progs: list[Entity], orgs: set[str], regions: set[str]) -> None:
    """Every slug a programme entry refers to exists, every relation has its org."""
    known = {p.slug for p in progs}
    for p in progs:
        where = f"programmes.yaml {p.slug}"
        for key in ("implementedBy", "partner", "fundedBy"):
            for item in p.data.get(key) or []:
                org = item if isinstance(item, str) else (item or {}).get("org")
                if org not in orgs:
                    raise MappingsError(f"{where}: {key} names unknown organisation {org!r}")
        if p.data.get("region") and p.data["region"] not in regions:
            raise MappingsError(f"{where}: unknown region {p.data['region']!r}")
        if p.data.get("partOf") and p.data["partOf"] not in known:
            raise MappingsError(f"{where}: partOf unknown programme {p.data['partOf']!r}")
