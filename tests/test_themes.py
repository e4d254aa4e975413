"""Themes (mappings/themes.yaml): actions and programmes linked to SDG and UNBIS concepts."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from poagraph import iris, paths
from poagraph.errors import MappingsError
from poagraph.extract import themes
from poagraph.extract.report import parse_report

SUBJECT = "http://purl.org/dc/terms/subject"
RELATED = "http://www.w3.org/2004/02/skos/core#relatedMatch"


@pytest.mark.parametrize(
    ("code", "iri"),
    [
        ("10.7", "http://metadata.un.org/sdg/10.7"),
        ("16.a", "http://metadata.un.org/sdg/16.a"),
        ("10.7.2", "http://metadata.un.org/sdg/C100702"),
        ("10.c.1", "http://metadata.un.org/sdg/C100c01"),
        ("1.5.1", "http://metadata.un.org/sdg/C010501"),
        ("17", "http://metadata.un.org/sdg/17"),
    ],
)
def test_sdg_codes_become_kos_iris(code: str, iri: str) -> None:
    assert themes.sdg_iri(code) == iri


@pytest.mark.parametrize("code", ["10.7.2.1", "x.1", "18", "10 .7", "", "1..5"])
def test_bad_sdg_code_is_refused(code: str) -> None:
    with pytest.raises(ValueError, match="SDG"):
        themes.sdg_iri(code)


def test_every_action_is_one_the_report_quotes(report_path: Path) -> None:
    """The titles in themes.yaml must mint the IRIs the parser's actions get, or the links
    would point at nothing."""
    doc = parse_report(report_path)
    minted = {iris.action(a.commitment, a.title) for a in doc.actions}
    actions = [link.subject for link in themes.load_themes() if link.is_concept]
    assert len(actions) == len(doc.actions) == 16
    assert set(actions) == minted


def test_every_programme_is_in_the_gazetteer() -> None:
    data = yaml.safe_load((paths.MAPPINGS / "programmes.yaml").read_text(encoding="utf-8"))
    known = {iris.programme(entry["slug"]) for entry in data}
    programmes = [link.subject for link in themes.load_themes() if not link.is_concept]
    assert len(programmes) >= 10
    assert set(programmes) - known == set()


def test_theme_records_for_the_present_subjects_only() -> None:
    """The one function the build calls: links of the subjects a report has, no others."""
    mida, rqa = iris.programme("mida"), iris.programme("rqa")
    action = next(link.subject for link in themes.load_themes() if link.is_concept)
    records = {r["@id"]: r for r in themes.theme_records([mida, action])}
    assert set(records) == {mida, action}
    assert rqa not in records
    assert "http://metadata.un.org/thesaurus/1003321" in records[mida]["subject"]
    # skos:relatedMatch only between SKOS concepts: from actions, never from programmes
    assert "relatedMatch" not in records[mida]
    assert records[action]["relatedMatch"]


def test_every_link_when_every_subject_is_present() -> None:
    links = themes.load_themes()
    records = themes.theme_records(link.subject for link in links)
    assert sum(len(r["subject"]) for r in records) == sum(
        len(link.sdg) + len(link.unbis) for link in links
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("actions: [{commitment: 3}]", "actions[1]: an action needs commitment and title"),
        ("programmes: {mida: {sdg: ['10.77.1.1']}}", "programmes.mida: not an SDG"),
        ("programmes: {mida: {unbis: ['123']}}", "programmes.mida: not a 7-digit UNBIS"),
        ("programmes: {mida: {}}", "programmes.mida: no sdg or unbis links"),
        ("programmes: [oops", "themes.yaml"),
    ],
)
def test_malformed_themes_name_the_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "themes.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingsError, match=message.replace("[", r"\[").replace(".", r"\.")):
        themes.load_themes(path)
