"""Country names: every form in which a report may name a country.

- ISO 3166 (pycountry): the short, official and common names, in English and in the
  languages countries.yaml lists (pycountry's own translations: French, the UN's other
  working language);
- the UN M49 forms, which put the kind of state after the name: the ISO inverted names
  "Tanzania, United Republic of" read "United Republic of Tanzania" and "Bolivia
  (Plurinational State of)", and the official names read the same way ("Nepal (Federal
  Democratic Republic of)");
- the spellings reports use: without accents ("Cote d'Ivoire", "Sao Tome and Principe"),
  "St." for "Saint", "&" for "and", a space for a hyphen ("Guinea Bissau"), no leading
  article ("State of Eritrea"); the typographic apostrophe is the matcher's (matching.norm);
- the aliases of mappings/countries.yaml ("DRC", "Lao PDR", "Ivory Coast", "Burma"),
  government shorthand such as "GoB" and the few safe demonyms;

minus the excluded and ambiguous names ("Congo"). The first forms win: a derived or
translated form already naming a country is left to it, and one that two countries would
share in the same step ("Virgin Islands", "Korea") names neither.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from collections.abc import Iterable, Iterator

import pycountry

from poagraph.errors import MappingsError

#: "Tanzania, United Republic of": a name written inverted, as ISO 3166 sorts it.
_INVERTED = re.compile(r"(?P<head>[^,()]+), (?P<tail>[^,()]+)")
#: "Bolivia (Plurinational State of)", "Falkland Islands (Malvinas)": a qualified name.
_QUALIFIED = re.compile(r"(?P<head>[^()]+) \((?P<tail>[^()]+)\)")
#: The tail of an official name before the short one: "Federal Democratic Republic of".
_STATE_OF = re.compile(r"(?:[Tt]he )?(?P<kind>.+ of(?: the)?)")


def _iso_names(attrs: Iterable[str] = ("name", "official_name", "common_name")) -> Iterator:
    """(ISO3, attribute, English name) for every name pycountry has."""
    for c in pycountry.countries:
        for attr in attrs:
            if n := getattr(c, attr, None):
                yield c.alpha_3, attr, n


def pycountry_names() -> dict[str, str]:
    """The ISO 3166 names in English (short, official, common): name -> ISO3."""
    names: dict[str, str] = {}
    for iso3, _, n in _iso_names():
        names.setdefault(n, iso3)
    return names


def un_forms() -> Iterator[tuple[str, str]]:
    """(name, ISO3): the official names in the UN's order, "Nepal (Federal Democratic
    Republic of)", "Cambodia (Kingdom of)"."""
    for c in pycountry.countries:
        official = getattr(c, "official_name", None)
        for short in (c.name, getattr(c, "common_name", None)):
            if not official or not short or not official.endswith(" " + short):
                continue
            m = _STATE_OF.fullmatch(official[: -len(short) - 1])
            if m:
                yield f"{short} ({m['kind']})", c.alpha_3


def written_forms(name: str, english: bool = True) -> list[str]:
    """The ways `name` is also written: un-inverted and UN-qualified ("Tanzania, United
    Republic of" -> "United Republic of Tanzania", "Tanzania (United Republic of)"),
    without its qualifier ("Falkland Islands"), then each without accents, with "St." for
    "Saint", "&" for "and", a space for a hyphen, no leading "the". The first is `name`.
    Another language's name ("Tanzanie, République unie de") is only un-inverted, without
    accents and unhyphenated: the UN order and the English shorthands are English."""
    forms = [name]
    m = _INVERTED.fullmatch(name)
    # "Saint Helena, Ascension and Tristan da Cunha" is a list, not an inverted name
    if m and not re.search(r"\b(?:and|et)\b", m["tail"]):
        glue = "" if m["tail"].endswith("'") else " "  # "République islamique d'Iran"
        forms = [name, f"{m['tail']}{glue}{m['head']}", f"{m['head']} ({m['tail']})"]
        if not english:
            forms = forms[1:2]
    m = _QUALIFIED.fullmatch(name)
    if m:
        forms.append(m["head"])
        if (of := _STATE_OF.fullmatch(m["tail"])) and english:
            forms.append(f"{of['kind']} {m['head']}")
    rewrites = (_without_accents, _st, _st_no_dot, _ampersand, _unhyphenated, _no_article)
    for rewrite in rewrites if english else (_without_accents, _unhyphenated):
        forms += [r for f in forms if (r := rewrite(f)) and r != f]
    return list(dict.fromkeys(forms))


def _without_accents(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def _st(name: str) -> str:
    return re.sub(r"\bSaint (?=[A-Z])", "St. ", name)


def _st_no_dot(name: str) -> str:
    return re.sub(r"\bSaint (?=[A-Z])", "St ", name)


def _ampersand(name: str) -> str:
    return name.replace(" and ", " & ")


def _unhyphenated(name: str) -> str:
    return re.sub(r"(?<=\w)-(?=\w)", " ", name)


def _no_article(name: str) -> str:
    return re.sub(r"^[Tt]he (?=[A-Z])", "", name)


def translated_names(language: str) -> Iterator[tuple[str, str]]:
    """(name, ISO3): the ISO 3166 names in `language`, from pycountry's translations."""
    try:
        tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
    except OSError as e:
        raise MappingsError(
            f"countries.yaml languages: pycountry has no ISO 3166 names in {language!r}"
        ) from e
    for iso3, _, n in _iso_names():
        translated = tr.gettext(n)
        if translated != n:
            yield translated, iso3


def add_forms(
    names: dict[str, str], pairs: Iterable[tuple[str, str]], english: bool = True
) -> None:
    """Add every written form of the (name, ISO3) `pairs` not naming a country yet; a form
    two countries of `pairs` share names neither."""
    found: dict[str, str | None] = {}
    for name, iso3 in pairs:
        for form in written_forms(name, english):
            if form not in names:
                found[form] = iso3 if found.get(form, iso3) == iso3 else None
    names.update({form: iso3 for form, iso3 in found.items() if iso3})


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
    """(name -> ISO3, the ambiguous names) from pycountry and countries.yaml's data: the
    ISO names, then the aliases (which override), then the forms derived from both, then
    the names in other languages; the excluded and ambiguous names last."""
    names = pycountry_names()
    aliases: dict[str, str] = {}
    for section in ("aliases", "government_shorthand", "demonyms"):
        for alias, code in (cdata.get(section) or {}).items():
            names[alias] = check_iso3(code, f"countries.yaml {section} {alias!r}")
            if section == "aliases":
                aliases[alias] = code
    add_forms(names, [*((n, iso3) for iso3, _, n in _iso_names()), *un_forms()])
    add_forms(names, aliases.items())
    for language in cdata.get("languages") or []:
        add_forms(names, translated_names(language), english=False)
    ambiguous = set(cdata.get("ambiguous", []) or [])
    for n in (*(cdata.get("exclude") or []), *ambiguous):
        names.pop(n, None)
    return names, ambiguous
