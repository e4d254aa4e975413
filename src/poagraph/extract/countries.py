"""Country names: every ISO 3166 form pycountry knows, plus the aliases of
mappings/countries.yaml ("Timor Leste", "DRC", "Lao PDR", government shorthand such as
"GoB", the few safe demonyms), minus the excluded and ambiguous names ("Congo")."""

from __future__ import annotations

import pycountry

from poagraph.errors import MappingsError


def pycountry_names() -> dict[str, str]:
    """Every ISO 3166 name form: short, official, common, and the un-inverted form of
    "Tanzania, United Republic of" -> "United Republic of Tanzania"."""
    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            n = getattr(c, attr, None)
            if not n:
                continue
            names.setdefault(n, c.alpha_3)
            if ", " in n:
                head, tail = n.split(", ", 1)
                names.setdefault(f"{tail} {head}", c.alpha_3)
    return names


def check_iso3(code: str, where: str) -> str:
    """`code` if it is an ISO 3166-1 alpha-3 code; else a MappingsError naming `where`."""
    if pycountry.countries.get(alpha_3=code) is None:
        raise MappingsError(f"{where}: {code!r} is not an ISO 3166-1 alpha-3 code")
    return code


def common_name(iso3: str) -> str:
    """The name a country goes by ("Bolivia", not "Bolivia, Plurinational State of")."""
    c = pycountry.countries.get(alpha_3=iso3)
    return getattr(c, "common_name", None) or c.name


def country_names(cdata: dict) -> tuple[dict[str, str], set[str]]:
    """(name -> ISO3, the ambiguous names) from pycountry and countries.yaml's data."""
    names = pycountry_names()
    for n in cdata.get("exclude", []) or []:
        names.pop(n, None)
    for section in ("aliases", "government_shorthand", "demonyms"):
        for alias, code in (cdata.get(section) or {}).items():
            names[alias] = check_iso3(code, f"countries.yaml {section} {alias!r}")
    ambiguous = set(cdata.get("ambiguous", []) or [])
    for n in ambiguous:
        names.pop(n, None)
    return names, ambiguous
