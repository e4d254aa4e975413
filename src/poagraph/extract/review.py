"""The discovered entities of a build as gazetteer entries a curator can edit.

`poagraph build --report NEW.md --review FILE.yaml` writes, for every organisation and
programme found by the form of its name, an entry in the format of mappings/
organisations.yaml or programmes.yaml (same slug, so the IRI stays), with the sentences
that name it as `quote`; and for every new spelling of a gazetteer entry, the entry's slug
and the spelling. Moved into mappings/, an entry makes the entity a gazetteer entity on the
next build (no longer `poa:discovered`); edited first, it corrects what discovery guessed
(a kind, a country, a label).
"""

from __future__ import annotations

from collections.abc import Iterable

import yaml

from .discovery import Discovery, discover
from .entities import reporter
from .gazetteer import Gazetteer, passage_countries
from .matching import Entity
from .report import Document
from .sentences import sentence_at

HEADER = """\
# Entities found by the form of their names, not in the gazetteers (poagraph build --review).
# Check each entry against its quotes, edit what is wrong (label, acronym, kind, country),
# then move it to mappings/organisations.yaml or mappings/programmes.yaml: the next build
# makes it a gazetteer entity with the same IRI. `variants` are new spellings of gazetteer
# entries: add each to the `variants` of the entry with that slug.
# `quote` is the report's sentences naming it, byte for byte (a page break as "\\n\\n").
"""

#: How many sentences naming an entity the review quotes.
QUOTES = 3


def _quotes(doc: Document, found: Discovery, iri: str) -> list[str]:
    by_n = {p.n: p for p in doc.passages}
    out: list[str] = []
    for n, m in found.mentions:
        if m.iri == iri:
            text = by_n[n].text
            s, e = sentence_at(text, m.start)
            out.append(text[s:e])
    return list(dict.fromkeys(out))[:QUOTES]


def entry(e: Entity, quotes: list[str]) -> dict:
    """The gazetteer entry of a discovered entity (the keys of organisations.yaml or
    programmes.yaml)."""
    rec: dict = {"slug": e.slug, "label": e.label}
    if e.acronyms:
        rec["acronym"] = e.acronyms[0] if len(e.acronyms) == 1 else list(e.acronyms)
    if e.variants:
        rec["variants"] = list(e.variants)
    if e.kind == "organisation":
        rec["kind"] = e.data.get("kind", "other")
        if e.countries:
            rec["country"] = e.countries[0]
    else:
        if e.countries:
            rec["countries"] = list(e.countries)
        if e.data.get("implementedBy"):
            rec["implementedBy"] = list(e.data["implementedBy"])
    rec["quote"] = quotes
    return rec


def entries(docs: Iterable[Document], gaz: Gazetteer) -> dict[str, list[dict]]:
    """{"organisations": [...], "programmes": [...], "variants": [...]} for the reports
    `docs`, in order of first mention (an entity found in several reports once)."""
    out: dict[str, list[dict]] = {"organisations": [], "programmes": [], "variants": []}
    seen: set[tuple[str, str]] = set()
    for doc in docs:
        found = discover(doc, gaz, passage_countries(doc, gaz), reporter(doc, gaz))
        for e in found.entities:
            key = ("organisations" if e.kind == "organisation" else "programmes", e.slug)
            if key not in seen:
                seen.add(key)
                out[key[0]].append(entry(e, _quotes(doc, found, e.iri)))
        by_n = {p.n: p for p in doc.passages}
        for c in found.candidates:
            if c.variant_of and ("variants", f"{c.variant_of} {c.name}") not in seen:
                seen.add(("variants", f"{c.variant_of} {c.name}"))
                text = by_n[c.passage].text
                s, e = sentence_at(text, c.start)
                out["variants"].append(
                    {"slug": c.variant_of, "variant": c.name, "quote": text[s:e]}
                )
    return out


class _Dumper(yaml.SafeDumper):
    """Quotes with a page break are written double-quoted, the break as "\\n\\n", as the
    curated quotes of mappings/ are; nothing is folded."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def review_yaml(docs: Iterable[Document], gaz: Gazetteer) -> str:
    """The review file's text."""
    body = {k: v for k, v in entries(docs, gaz).items() if v}
    if not body:
        return HEADER + "# nothing found by form: every name is a gazetteer entry\n{}\n"
    text = yaml.dump(body, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10**6)
    return HEADER + text
