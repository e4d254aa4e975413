"""Themes: the SDG targets and UNBIS concepts that BPoA actions and programmes are about.

The links are data (mappings/themes.yaml); this module only reads them and turns them into
quads, so the report graph says `dcterms:subject` (and, between SKOS concepts,
`skos:relatedMatch`) and a query can join the report with the UN vocabularies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from pyoxigraph import NamedNode, Quad

from poagraph import iris, paths

SDG = "http://metadata.un.org/sdg/"
UNBIS = "http://metadata.un.org/thesaurus/"
DCTERMS_SUBJECT = NamedNode("http://purl.org/dc/terms/subject")
SKOS_RELATED_MATCH = NamedNode("http://www.w3.org/2004/02/skos/core#relatedMatch")

THEMES_FILE = paths.MAPPINGS / "themes.yaml"

_TARGET = re.compile(r"^(\d{1,2})\.([0-9]{1,2}|[a-z])$")
_INDICATOR = re.compile(r"^(\d{1,2})\.([0-9]{1,2}|[a-z])\.(\d{1,2})$")
_UNBIS_ID = re.compile(r"^\d{7}$")


class ThemesError(ValueError):
    """The themes file is malformed; says which file and which entry."""


@dataclass(frozen=True)
class ThemeLink:
    """What one action or programme is about."""

    subject: NamedNode  #: the action or programme IRI
    is_concept: bool  #: True for actions (SKOS concepts), False for programmes
    sdg: tuple[NamedNode, ...]
    unbis: tuple[NamedNode, ...]


def sdg_iri(code: str) -> NamedNode:
    """The SDG KOS IRI of a compact code: "10.7" -> sdg/10.7, "10.7.2" -> sdg/C100702
    (indicators are named by their permanent code, not their dotted notation)."""
    if _TARGET.match(code):
        return NamedNode(SDG + code)
    m = _INDICATOR.match(code)
    if m:
        goal, target, indicator = m.groups()
        return NamedNode(f"{SDG}C{int(goal):02d}{target.rjust(2, '0')}{int(indicator):02d}")
    if code.isdigit() and 1 <= int(code) <= 17:
        return NamedNode(SDG + str(int(code)))
    raise ValueError(f"not an SDG goal, target or indicator code: {code!r}")


def unbis_iri(concept_id: str) -> NamedNode:
    if not _UNBIS_ID.match(concept_id):
        raise ValueError(f"not a 7-digit UNBIS Thesaurus concept id: {concept_id!r}")
    return NamedNode(UNBIS + concept_id)


def _entry_links(entry: dict, where: str) -> tuple[tuple[NamedNode, ...], tuple[NamedNode, ...]]:
    if not isinstance(entry, dict):
        raise ThemesError(f"{where}: expected a mapping with sdg and unbis lists")
    try:
        sdg = tuple(sdg_iri(str(code)) for code in entry.get("sdg") or [])
        unbis = tuple(unbis_iri(str(cid)) for cid in entry.get("unbis") or [])
    except ValueError as err:
        raise ThemesError(f"{where}: {err}") from err
    if not sdg and not unbis:
        raise ThemesError(f"{where}: no sdg or unbis links")
    return sdg, unbis


def load_themes(path: Path = THEMES_FILE) -> list[ThemeLink]:
    """Every theme link of the file, actions first, in file order."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:  # unreadable or not YAML: say which file
        raise ThemesError(f"{path}: {err}") from err
    links: list[ThemeLink] = []
    for i, entry in enumerate(data.get("actions") or [], start=1):
        where = f"{path}: actions[{i}]"
        if not isinstance(entry, dict) or not entry.get("title") or not entry.get("commitment"):
            raise ThemesError(f"{where}: an action needs commitment and title")
        subject = iris.action(int(entry["commitment"]), str(entry["title"]))
        links.append(ThemeLink(subject, True, *_entry_links(entry, where)))
    for slug, entry in (data.get("programmes") or {}).items():
        where = f"{path}: programmes.{slug}"
        links.append(ThemeLink(iris.programme(str(slug)), False, *_entry_links(entry, where)))
    return links


def theme_quads(
    graph: NamedNode,
    present: Iterable[NamedNode] | None = None,
    path: Path = THEMES_FILE,
) -> list[Quad]:
    """The theme links as quads in `graph`, for the subjects in `present` (the actions and
    programmes a report actually has; all links when None): `dcterms:subject` to every
    SDG and UNBIS concept, plus `skos:relatedMatch` from an action to its SDG concepts."""
    wanted = None if present is None else {str(node) for node in present}
    quads: list[Quad] = []
    for link in load_themes(path):
        if wanted is not None and str(link.subject) not in wanted:
            continue
        for concept in link.sdg + link.unbis:
            quads.append(Quad(link.subject, DCTERMS_SUBJECT, concept, graph))
        if link.is_concept:
            for concept in link.sdg:
                quads.append(Quad(link.subject, SKOS_RELATED_MATCH, concept, graph))
    return quads


def linked_concepts(path: Path = THEMES_FILE) -> tuple[set[str], set[str]]:
    """The IRIs of every SDG and every UNBIS concept the themes name (for bundling labels)."""
    sdg: set[str] = set()
    unbis: set[str] = set()
    for link in load_themes(path):
        sdg.update(node.value for node in link.sdg)
        unbis.update(node.value for node in link.unbis)
    return sdg, unbis
