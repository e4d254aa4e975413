"""`poagraph coverage` covers names too (issue 11): every capitalised name of the text and
what became of it (a gazetteer entity, a discovered entity, a place, or ignored and why)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_discovery import mappings_without_other_agencies

from poagraph import iris, paths
from poagraph.extract.coverage import (
    NAME_OUTSIDE,
    NAME_STATUSES,
    NO_FORM,
    name_coverage,
    name_runs,
    name_summary,
)
from poagraph.extract.gazetteer import load_gazetteer
from poagraph.extract.names import load_forms
from poagraph.extract.report import parse_report

FIXTURE = Path(__file__).parent / "fixtures" / "reports" / "uncdf-bpoa-review.md"


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def test_name_runs() -> None:
    """Capitalised words joined by "of", "de la", "and"; a sentence's first word that the
    text writes in lower case too is no part of a name; a page break joins a name."""
    text = (
        "The Ministry of Agriculture and\n\nLivestock met. Training started in Niger and Mali"
        " with the Agence Nationale pour l'Emploi. Training and the training went on."
    )
    runs = [text[s:e] for s, e in name_runs(text, load_forms(), {"training"})]
    assert runs == [
        "Ministry of Agriculture and\n\nLivestock",
        "Niger and Mali",
        "Agence Nationale pour l'Emploi",
    ]


def test_every_name_of_the_fixture(gaz) -> None:
    doc = parse_report(FIXTURE)
    rows = name_coverage(doc, gaz)
    assert rows and all(r.status in NAME_STATUSES for r in rows)
    assert [r.offset for r in rows] == sorted(r.offset for r in rows)
    for r in rows:  # offsets and line:column point at the words
        assert doc.text[r.offset : r.offset + len(r.text)] == r.text
        line = doc.text.splitlines()[r.line - 1]
        assert line[r.column - 1 :].startswith(r.text.split("\n")[0])
    by_text = {" ".join(r.text.split()): r for r in rows if r.passage is not None}
    assert by_text["Nepal Rastra Bank"].status == "gazetteer"
    assert by_text["Nepal Rastra Bank"].entities == (iris.organisation("nepal-rastra-bank"),)
    assert by_text["Malawi and Lesotho"].status == "place"
    assert by_text["Malawi and Lesotho"].entities == (iris.country("MWI"), iris.country("LSO"))
    assert (by_text["Lilongwe"].status, by_text["Lilongwe"].reason) == ("ignored", NO_FORM)
    outside = [r for r in rows if r.passage is None]
    assert outside and all(r.reason == NAME_OUTSIDE for r in outside)
    # a heading's names are not run together across lines
    assert not any("\n" in r.text for r in outside)
    c = name_summary(rows)
    assert c["names"] == len(rows) == sum(c[s] for s in NAME_STATUSES)


def test_discovered_names_in_coverage(tmp_path) -> None:
    """With mappings that do not know the fixture's names, they are discovered."""
    gaz = load_gazetteer(mappings_without_other_agencies(tmp_path) / "mappings")
    rows = name_coverage(parse_report(FIXTURE), gaz)
    found = {" ".join(r.text.split()): r for r in rows if r.status == "discovered"}
    assert set(found) >= {"Nepal Rastra Bank", "Belgian Survival Fund", "MicroLead"}
    assert found["Nepal Rastra Bank"].entities == (iris.organisation("nepal-rastra-bank"),)


def test_bundled_report_names(gaz) -> None:
    """Every capitalised name of the bundled report is accounted for; the discovered ones
    are the four reviewed names; an ignored one says why."""
    rows = name_coverage(parse_report(paths.BUNDLED_REPORTS[0]), gaz)
    assert all(r.reason for r in rows if r.status == "ignored")
    discovered = {" ".join(r.text.split()) for r in rows if r.status == "discovered"}
    assert {"Bern Initiative", "EAC Council of Ministers"} <= discovered
    reasons = {" ".join(r.text.split()): r.reason for r in rows if r.status == "ignored"}
    assert reasons["River Bank Erosion"] == NO_FORM
    assert reasons["Technical Committee"].startswith("too generic")


def test_coverage_command_shows_names_and_numbers() -> None:
    exe = Path(sys.executable).parent / "poagraph"
    run = subprocess.run(
        [str(exe), "coverage", "--report", str(FIXTURE)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "Numbers in uncdf-bpoa-review.md" in run.stdout
    assert "Names in uncdf-bpoa-review.md" in run.stdout
    assert "Nepal Rastra Bank" in run.stdout and "names:" in run.stdout
    names_only = subprocess.run(
        [str(exe), "coverage", "--report", str(FIXTURE), "--show", "names"],
        capture_output=True,
        text=True,
    )
    assert names_only.returncode == 0 and "Numbers in" not in names_only.stdout
