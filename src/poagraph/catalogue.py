"""The query catalogue: every queries/*.rq, named by its header, with typed parameters.

A query file opens with comment lines::

    # title: CQ7 All achieved outcomes for a country
    # description: Every achieved outcome stated for a given country ...
    #   (continued on indented comment lines)
    # params: country (country, default SLE): the country, an ISO3 code or English name

A parameter is ``name (type, default VALUE)`` (the default may be left out: then the variable
stays unbound unless given); the default ``all`` leaves it unbound. Types: ``country`` (an
ISO3 code or an English name, resolved to the country IRI through the vocabulary), ``iri``,
``string``, ``integer``, ``year``. Values are bound as RDF terms by substitution
(pyoxigraph ``substitutions``), never spliced into the query text. No web, no Flask: the CLI
and the web both use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Literal, NamedNode

from poagraph import iris, paths
from poagraph.errors import InputError

_FIELD = re.compile(r"^#\s*([A-Za-z][\w-]*):\s*(.*)$")
_CONTINUATION = re.compile(r"^#\s{2,}\S")  #: an indented comment line continues a field
_KEYS = {"title": "title", "description": "description", "params": "params", "param": "params"}
TYPES = ("country", "iri", "string", "integer", "year")
_PARAM = re.compile(
    r"\??\b([A-Za-z_]\w*)\s*\(\s*(" + "|".join(TYPES) + r")\s*(?:,\s*default\s+([^)]*?))?\s*\)"
)
_NAME = re.compile(r"^[A-Za-z0-9][\w-]*$")
ALL = "all"  #: a default (or value) that leaves the variable unbound: every row

#: Every country of the vocabulary with its ISO3 code and English names (fixed text).
COUNTRIES_QUERY = f"""
PREFIX poa: <{iris.POA}>
PREFIX rdfs: <{iris.RDFS}>
PREFIX skos: <{iris.SKOS}>
SELECT ?country ?iso3 ?name WHERE {{
  ?country a poa:Country ; poa:iso3 ?iso3 .
  OPTIONAL {{
    ?country rdfs:label|skos:prefLabel|skos:altLabel ?name FILTER (lang(?name) IN ("en", ""))
  }}
}}
"""


@dataclass(frozen=True)
class Param:
    """One parameter of a query: its variable name, type and default (None: unbound)."""

    name: str
    type: str
    default: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "type": self.type, "default": self.default}


@dataclass(frozen=True)
class Entry:
    """One catalogue query: file name (without .rq), title, description, parameters, text."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    params_text: str
    query: str

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "params": [p.as_dict() for p in self.params],
            "query": self.query,
        }


def header(text: str) -> dict[str, str]:
    """The ``# key: value`` fields of the comment block that opens a query."""
    fields: dict[str, str] = {}
    last: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _FIELD.match(stripped)
        key = _KEYS.get(match.group(1).lower()) if match else None
        if match and key:
            last = key
            fields[key] = match.group(2).strip()
        elif last and _CONTINUATION.match(stripped):
            fields[last] = f"{fields[last]} {stripped.lstrip('#').strip()}".strip()
        else:
            last = None
    return fields


def parse_params(text: str) -> tuple[Param, ...]:
    """The ``name (type, default VALUE)`` parameters named in a ``# params:`` field."""
    found = []
    for m in _PARAM.finditer(text):
        default = (m.group(3) or "").strip() or None
        found.append(Param(m.group(1), m.group(2), None if default == ALL else default))
    return tuple(found)


def parse(path: Path) -> Entry:
    """The catalogue entry of one .rq file."""
    text = path.read_text(encoding="utf-8")
    fields = header(text)
    return Entry(
        name=path.stem,
        title=fields.get("title") or path.stem.replace("-", " "),
        description=fields.get("description", ""),
        params=parse_params(fields.get("params", "")),
        params_text=fields.get("params", ""),
        query=text,
    )


def load(folder: Path | None = None) -> list[Entry]:
    """Every .rq file of `folder` (default queries/), by file name; none if it is missing."""
    folder = folder or paths.QUERIES
    return [parse(p) for p in sorted(folder.glob("*.rq"))] if folder.is_dir() else []


def get(name: str, folder: Path | None = None) -> Entry:
    """The query called `name` (its file name without .rq); InputError if there is none."""
    if not _NAME.match(name):
        raise InputError(f"no query named {name!r}: see `poagraph queries` or /queries")
    path = (folder or paths.QUERIES) / f"{name}.rq"
    if not path.is_file():
        raise InputError(f"no query named {name!r}: see `poagraph queries` or /queries")
    return parse(path)


# --- countries -------------------------------------------------------------------------------


def country_index(rows: Iterable[tuple[str, str, str | None]]) -> dict[str, set[str]]:
    """ISO3 codes and casefolded names -> the country IRIs they name, from COUNTRIES_QUERY's
    (country, iso3, name) rows."""
    index: dict[str, set[str]] = {}
    for iri, iso3, name in rows:
        index.setdefault(iso3.casefold(), set()).add(iri)
        if name:
            index.setdefault(" ".join(name.split()).casefold(), set()).add(iri)
    return index


def resolve_country(value: str, index: Mapping[str, set[str]]) -> str:
    """The IRI of the country `value` names (ISO3 code or English name); InputError if none
    or more than one."""
    found = index.get(" ".join(value.split()).casefold(), set())
    if len(found) == 1:
        return next(iter(found))
    if found:
        raise InputError(f"country={value!r} names more than one country: use its ISO3 code")
    raise InputError(
        f"country={value!r} is no known country: give an ISO3 code (e.g. SLE) or an English "
        "name (e.g. Sierra Leone)"
    )


# --- binding ---------------------------------------------------------------------------------


def _term(param: Param, value: str, countries: Callable[[], Mapping[str, set[str]]]):
    if param.type == "country":
        return NamedNode(resolve_country(value, countries()))
    if param.type == "iri":
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value):
            raise InputError(f"{param.name}={value!r} is not an absolute IRI")
        try:
            return NamedNode(value)
        except ValueError as e:
            raise InputError(f"{param.name}={value!r} is not a valid IRI: {e}") from e
    if param.type in ("integer", "year"):
        pattern = r"^\d{4}$" if param.type == "year" else r"^[+-]?\d{1,18}$"
        if not re.match(pattern, value.strip()):
            raise InputError(
                f"{param.name}={value!r} is not a{'' if param.type == 'year' else 'n'} {param.type}"
            )
        datatype = iris.XSD + ("gYear" if param.type == "year" else "integer")
        return Literal(value.strip(), datatype=NamedNode(datatype))
    return Literal(value)  # string: whatever it holds stays one literal


def bind(
    entry: Entry,
    given: Mapping[str, str],
    countries: Callable[[], Mapping[str, set[str]]],
) -> dict[str, NamedNode | Literal]:
    """The RDF term of each parameter: the given value, else the default; a parameter given
    as ``all`` or without value or default stays unbound. `countries` gives the country
    index (country_index) when a country is to be resolved. InputError for an unknown
    parameter or a value that does not fit its type."""
    known = {p.name: p for p in entry.params}
    unknown = sorted(set(given) - set(known))
    if unknown:
        names = ", ".join(known) or "none"
        raise InputError(
            f"{entry.name} has no parameter {', '.join(unknown)} (its parameters: {names})"
        )
    terms: dict[str, NamedNode | Literal] = {}
    for name, param in known.items():
        value = given.get(name, param.default)
        if value is None or value.strip() in ("", ALL):
            continue
        terms[name] = _term(param, value, countries)
    return terms


def parse_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """``k=v`` strings (the CLI's --param) as a dict; InputError for one without ``=``."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--param {pair!r}: write it as name=value")
        out[key.strip()] = value
    return out
