"""Themes: the SDG targets and UNBIS concepts that BPoA actions and programmes are about.

The links are data (mappings/themes.yaml); this module only reads them and turns them into
records, so the report graph says `dcterms:subject` (and, between SKOS concepts,
`skos:relatedMatch`) and a query can join the report with the UN vocabularies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from poagraph import iris, paths
from poagraph.errors import MappingsError

from . import yamlfiles

SDG = "http://metadata.un.org/sdg/"
UNBIS = "http://metadata.un.org/thesaurus/"

THEMES_FILE = paths.MAPPINGS / "themes.yaml"

_TARGET = re.compile(r"^(\d{1,2})\.([0-9]{1,2}|[a-z])$")
_INDICATOR = re.compile(r"^(\d{1,2})\.([0-9]{1,2}|[a-z])\.(\d{1,2})$")
_UNBIS_ID = re.compile(r"^\d{7}$")


@dataclass(frozen=True)
class ThemeLink:
    """What one action or programme is about."""

    subject: str  #: the action or programme IRI
    is_concept: bool  #: True for actions (SKOS concepts), False for programmes
    sdg: tuple[str, ...]
    unbis: tuple[str, ...]


def sdg_iri(code: str) -> str:
    """The SDG KOS IRI of a compact code: "10.7" -> sdg/10.7, "10.7.2" -> sdg/C100702
    (indicators are named by their permanent code, not their dotted notation)."""
    if _TARGET.match(code):
        return SDG + code
    m = _INDICATOR.match(code)
    if m:
        goal, target, indicator = m.groups()
        return f"{SDG}C{int(goal):02d}{target.rjust(2, '0')}{int(indicator):02d}"
    if code.isdigit() and 1 <= int(code) <= 17:
        return SDG + str(int(code))
    raise ValueError(f"not an SDG goal, target or indicator code: {code!r}")


def unbis_iri(concept_id: str) -> str:
    if not _UNBIS_ID.match(concept_id):
        raise ValueError(f"not a 7-digit UNBIS Thesaurus concept id: {concept_id!r}")
    return UNBIS + concept_id


def _entry_links(entry: dict, path: Path, where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not isinstance(entry, dict):
        raise MappingsError(f"{where}: expected a mapping with sdg and unbis lists", path)
    try:
        sdg = tuple(sdg_iri(str(code)) for code in entry.get("sdg") or [])
        unbis = tuple(unbis_iri(str(cid)) for cid in entry.get("unbis") or [])
    except ValueError as err:
        raise MappingsError(f"{where}: {err}", path) from err
    if not sdg and not unbis:
        raise MappingsError(f"{where}: no sdg or unbis links", path)
    return sdg, unbis


def load_themes(path: Path = THEMES_FILE) -> list[ThemeLink]:
    """Every theme link of the file, actions first, in file order."""
    try:
        data = yamlfiles.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:  # unreadable or not YAML: say which file
        raise MappingsError(str(err), path) from err
    links: list[ThemeLink] = []
    for i, entry in enumerate(data.get("actions") or [], start=1):
        where = f"actions[{i}]"
        if not isinstance(entry, dict) or not entry.get("title") or not entry.get("commitment"):
            raise MappingsError(f"{where}: an action needs commitment and title", path)
        subject = iris.action(int(entry["commitment"]), str(entry["title"]))
        links.append(ThemeLink(subject, True, *_entry_links(entry, path, where)))
    for slug, entry in (data.get("programmes") or {}).items():
        where = f"programmes.{slug}"
        links.append(ThemeLink(iris.programme(str(slug)), False, *_entry_links(entry, path, where)))
    return links


def theme_records(present: Iterable[str], path: Path = THEMES_FILE) -> list[dict]:
    """The theme links of the actions and programmes a report has (`present`), as records:
    `subject` to every SDG and UNBIS concept, plus `relatedMatch` from an action (a SKOS
    concept) to its SDG concepts."""
    wanted = set(present)
    records = []
    for link in load_themes(path):
        if link.subject not in wanted:
            continue
        rec: dict = {"@id": link.subject, "subject": [*link.sdg, *link.unbis]}
        if link.is_concept and link.sdg:
            rec["relatedMatch"] = list(link.sdg)
        records.append(rec)
    return records


def linked_concepts(path: Path = THEMES_FILE) -> tuple[set[str], set[str]]:
    """The IRIs of every SDG and every UNBIS concept the themes name (for bundling labels)."""
    sdg: set[str] = set()
    unbis: set[str] = set()
    for link in load_themes(path):
        sdg.update(link.sdg)
        unbis.update(link.unbis)
    return sdg, unbis
