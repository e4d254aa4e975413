"""`poagraph validate FILE`: exit status 0/1/2, the four report formats, and clear errors
(line and column, row and column, empty, wrong encoding, too large) without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from rdflib.namespace import SH

from poagraph import paths
from poagraph.cli import main

EXAMPLES = paths.ROOT / "contributions" / "examples"


@pytest.fixture
def validate(built_store_path: Path):
    """Run `poagraph validate ARGS --store <the built store>`; returns the click result."""
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, ["validate", *args, "--store", str(built_store_path)])

    return run


@pytest.mark.parametrize("name", ["valid.ttl", "valid.jsonld", "valid.csv"])
def test_valid_examples_exit_0(validate, name):
    result = validate(str(EXAMPLES / name))
    assert result.exit_code == 0, result.output
    assert "conforms" in result.output and "does not conform" not in result.output


@pytest.mark.parametrize("name", ["invalid.ttl", "invalid.jsonld", "invalid.csv"])
def test_invalid_examples_exit_1_grouped_by_resource(validate, name):
    result = validate(str(EXAMPLES / name))
    assert result.exit_code == 1, result.output
    out = result.output
    assert "does not conform" in out
    # grouped: each resource heading once, its problems indented under it
    assert out.count("Outcome:") >= 3
    assert "  Violation " in out
    assert "not a country of the UN reference data" in out or "not a commitment" in out


def test_csv_report_names_rows_and_columns(validate):
    out = validate(str(EXAMPLES / "invalid.csv")).output
    assert "[row 2]" in out and '= "Atlantis"  <- column country' in out
    assert "<- column value" in out and "<- column start_year" in out
    # row 3 says "done": a status is achieved or planned; row 4 says none (a warning)
    assert '= "done"  <- column status' in out
    assert "The status must say once whether the result happened" in out
    assert "Warning   status (poa:status)  <- column status" in out
    assert "without it, it is not counted in totals" in out


def test_json_output(validate):
    result = validate(str(EXAMPLES / "invalid.ttl"), "--output", "json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["conforms"] is False
    assert report["violations"] == sum(r["severity"] == "Violation" for r in report["results"])
    first = report["results"][0]
    assert set(first) >= {"severity", "message", "focusNode", "focusLabel", "path", "value"}
    assert any(r["path"] and r["path"].endswith("#country") for r in report["results"])


def test_turtle_output_is_a_shacl_report(validate):
    result = validate(str(EXAMPLES / "invalid.jsonld"), "--output", "turtle")
    assert result.exit_code == 1
    g = rdflib.Graph().parse(data=result.output, format="turtle")
    [report] = list(g.subjects(rdflib.RDF.type, SH.ValidationReport))
    assert g.value(report, SH.conforms).toPython() is False
    results = list(g.objects(report, SH.result))
    as_json = json.loads(validate(str(EXAMPLES / "invalid.jsonld"), "--output", "json").output)
    assert len(results) == len(as_json["results"]) >= 10
    assert all(g.value(r, SH.resultMessage) is not None for r in results)


def test_html_output_escapes_what_the_contribution_says(validate, tmp_path):
    path = tmp_path / "x.ttl"
    path.write_text(
        "@prefix poa: <https://w3id.org/poagraph/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<p> a poa:Programme ; rdfs:label "<script>alert(1)</script>"@en .\n'
    )
    result = validate(str(path), "--output", "html")
    assert result.exit_code == 1
    assert result.output.startswith("<!doctype html>")
    assert "<script>" not in result.output
    assert "&lt;script&gt;" in result.output
    assert "does not say who implements it" in result.output


def test_format_option_overrides_the_extension(validate, tmp_path):
    path = tmp_path / "contribution.txt"
    path.write_bytes((EXAMPLES / "valid.csv").read_bytes())
    assert validate(str(path)).exit_code == 2
    assert "use --format" in validate(str(path)).output
    assert validate(str(path), "--format", "csv").exit_code == 0


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("bad.ttl", b'@prefix p: <http://x/> .\np:a p:b p:c ;\n  p:d "x .\n', "bad.ttl:3:7:"),
        ("bad2.ttl", b"<a> <b> <c> .\n<a> <b> .\n", "bad2.ttl:2:"),
        ("bad.jsonld", b'{"@context": {},\n "@id": "a",,\n}', "bad.jsonld:2:13: not valid JSON"),
        ("structure.jsonld", b'{"@id": 5}', "JSON-LD syntax error: @id value must be a string"),
        (
            "remote.jsonld",
            b'{"@context": "http://example.org/c.jsonld"}',
            "remote JSON-LD context",
        ),
        ("cells.csv", b"organisation,country,counted,value,source,quote\nA,B,C,1,D,E,F\n", "row 2"),
        (
            "column.csv",
            b"organisation,country,counted,value,source,quote,colour\n",
            "row 1, column 7: unknown column 'colour'",
        ),
        ("missing.csv", b"organisation,country\nIOM,Mali\n", "missing column(s) counted"),
        (
            "twice.csv",
            b"organisation,country,counted,value,source,quote,value\n",
            "row 1, column 7: column 'value' appears twice",
        ),
        ("header.csv", b"organisation,country,counted,value,source,quote\n", "no rows"),
        ("empty.ttl", b"", "the file is empty"),
        ("blank.jsonld", b"  \n\n", "the file is empty"),
        (
            "latin1.csv",
            "organisation,country\nIOM,Côte\n".encode("latin-1"),
            ":2:6: the file is not UTF-8",
        ),
        ("utf16.ttl", "<a> <b> <c> .".encode("utf-16"), ":1:1: the file is not UTF-8"),
    ],
)
def test_unreadable_input_exits_2_saying_where(validate, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    result = validate(str(path))
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output


def test_a_50_mb_file_is_refused_before_it_is_read(validate, tmp_path):
    path = tmp_path / "huge.ttl"
    with path.open("wb") as f:
        f.write(b"<a> <b> <c> .\n" * 1000)
        f.truncate(50 * 1000 * 1000)
    result = validate(str(path))
    assert result.exit_code == 2
    assert "50.0 MB" in result.output and "limited to 10 MB" in result.output


def test_missing_file_and_directory(validate, tmp_path):
    assert "no such file" in validate(str(tmp_path / "nope.ttl")).output
    assert validate(str(tmp_path / "nope.ttl")).exit_code == 2
    folder = tmp_path / "folder.ttl"
    folder.mkdir()
    result = validate(str(folder))
    assert result.exit_code == 2


def test_without_a_built_graph_the_reference_data_still_resolves(tmp_path):
    result = CliRunner().invoke(
        main, ["validate", str(EXAMPLES / "valid.ttl"), "--store", str(tmp_path / "none")]
    )
    assert result.exit_code == 1  # the partner organisation IOM is not known without it
    assert "no built graph" in result.output
    assert "not a country" not in result.output  # countries come from the vocabulary


def test_real_process_exit_codes_and_no_traceback(built_store_path, tmp_path):
    """The installed command, as a user runs it: messages on stderr, report on stdout."""
    poagraph = Path(sys.executable).parent / "poagraph"
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n")
    runs = {
        "valid": [str(EXAMPLES / "valid.csv")],
        "invalid": [str(EXAMPLES / "invalid.csv")],
        "bad": [str(bad)],
    }
    codes = {}
    for key, args in runs.items():
        proc = subprocess.run(
            [str(poagraph), "validate", *args, "--store", str(built_store_path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        codes[key] = proc.returncode
        assert "Traceback" not in proc.stderr
        if key == "bad":
            assert proc.stdout == "" and "bad.ttl:1:" in proc.stderr
    assert codes == {"valid": 0, "invalid": 1, "bad": 2}
