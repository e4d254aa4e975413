"""Contributions entering the graph: contributions/accept.py and `poagraph contribute`,
`poagraph contributions list|show|remove`, on writable copies of the built store."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from poagraph import iris, store
from poagraph.cli import main
from poagraph.contributions.accept import (
    accept,
    contribution_id,
    get_contribution,
    list_contributions,
    remove,
    shapes_version,
)
from poagraph.errors import ClaimError, ContributionError, ContributionRejected, NotFound

EXAMPLES = Path(__file__).parents[1] / "contributions" / "examples"
IOM = iris.organisation("iom")
EPO = iris.organisation("example-partner-organisation")
POA = iris.POA
PROV = iris.PROV


@pytest.fixture
def store_copy(built_store_path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store"
    shutil.copytree(built_store_path, target)
    return target


def graphs(path: Path) -> set[str]:
    with store.reading(path) as db:
        return {g.value for g in db.named_graphs()}


def quads_of(path: Path, graph: str) -> list[ox.Quad]:
    with store.reading(path) as db:
        return list(db.quads_for_pattern(None, None, None, ox.NamedNode(graph)))


def value(quads: list[ox.Quad], subject: str, predicate: str) -> list[str]:
    return [
        q.object.value
        for q in quads
        if q.subject.value == subject and q.predicate.value == predicate
    ]


@pytest.mark.parametrize(
    ("name", "organisation", "label", "outcomes"),
    [
        ("valid.csv", IOM, None, 3),
        ("valid.ttl", EPO, "Example Partner Organisation", 2),
        ("valid.jsonld", EPO, "Example Partner Organisation", 2),
    ],
)
def test_accept_the_valid_examples(store_copy, name, organisation, label, outcomes):
    body = (EXAMPLES / name).read_bytes()
    before = graphs(store_copy)
    done = accept(
        store_copy,
        body,
        fmt=None,
        filename=f"/some/folder/{name}",
        organisation=organisation,
        organisation_label=label,
    )
    assert done.created and done.report.conforms and done.outcomes == outcomes
    assert done.id == hashlib.sha256(organisation.encode() + b"\n" + body).hexdigest()[:12]
    assert done.graph == iris.contribution_graph(done.id)
    assert graphs(store_copy) == before | {done.graph}  # one new graph, nothing else
    quads = quads_of(store_copy, done.graph)
    record = f"{iris.ID}contribution/{done.id}"
    assert value(quads, record, iris.RDF + "type") == [POA + "Contribution"]
    assert value(quads, record, PROV + "wasAttributedTo") == [organisation]
    assert value(quads, record, POA + "reportedBy") == [organisation]
    assert value(quads, record, POA + "sourceFile") == [name]  # the folder left out
    assert value(quads, record, POA + "sha256") == [hashlib.sha256(body).hexdigest()]
    assert value(quads, record, POA + "shapesVersion") == [shapes_version()]
    (when,) = [q.object for q in quads if q.predicate.value == PROV + "generatedAtTime"]
    assert when.datatype.value == iris.XSD + "dateTime" and when.value.endswith("Z")
    # every resource of the data lives under id/contribution/{id}/ (no blank node left),
    # apart from the record and the sender
    namespace = f"{iris.ID}contribution/{done.id}/"
    subjects = {q.subject for q in quads}
    assert not any(isinstance(n, ox.BlankNode) for q in quads for n in (q.subject, q.object))
    assert {s.value for s in subjects if not s.value.startswith(namespace)} <= {
        record,
        organisation,
    }
    outcomes_ = {q.subject.value for q in quads if q.object.value == POA + "Outcome"}
    assert len(outcomes_) == outcomes
    for o in outcomes_:
        assert value(quads, o, POA + "reportedBy") == [organisation]
    # the listing and the record agree
    (info,) = list_contributions(store_copy)
    assert (info.id, info.graph, info.organisation, info.outcomes) == (
        done.id,
        done.graph,
        organisation,
        outcomes,
    )
    assert info.source_file == name and info.generated == when.value
    assert info.label == (label or "International Organization for Migration")
    got, got_quads = get_contribution(store_copy, done.id)
    assert got == info and set(got_quads) == set(quads)


def test_accepted_outcomes_keep_their_status(store_copy):
    """valid.csv says "achieved" (any case) for what happened and "planned" for "By 2007,
    USD 250,000 of remittances will be channelled to local investment.": the stored
    outcomes carry poa:Achieved and poa:Planned, counted (or not) by totals of results."""
    done = accept(
        store_copy,
        (EXAMPLES / "valid.csv").read_bytes(),
        fmt="csv",
        filename="valid.csv",
        organisation=IOM,
    )
    quads = quads_of(store_copy, done.graph)
    status = {
        q.subject.value.rsplit("/", 1)[-1]: q.object.value
        for q in quads
        if q.predicate.value == POA + "status"
    }
    assert status == {
        "row-2": POA + "Achieved",
        "row-3": POA + "Achieved",
        "row-4": POA + "Planned",
    }
    planned = value(quads, f"{done.graph.replace('/graph/', '/id/')}/outcome/row-4", POA + "quote")
    assert planned == [
        "By 2007, USD 250,000 of remittances will be channelled to local investment."
    ]


def test_the_same_body_twice_is_one_contribution(store_copy):
    body = (EXAMPLES / "valid.csv").read_bytes()
    first = accept(store_copy, body, fmt="csv", filename="a.csv", organisation=IOM)
    version = store.store_version(store_copy)
    again = accept(store_copy, body, fmt="csv", filename="b.csv", organisation=IOM)
    assert (again.id, again.graph, again.created, again.outcomes) == (
        first.id,
        first.graph,
        False,
        3,
    )
    assert store.store_version(store_copy) == version  # nothing written the second time
    assert [c.id for c in list_contributions(store_copy)] == [first.id]
    # another organisation sending the same bytes is another contribution
    assert contribution_id(iris.organisation("undp"), body) != first.id


def test_a_new_organisation_is_described_and_known_the_next_time(store_copy):
    sahel = iris.organisation("friends-of-the-sahel")
    csv = (
        (EXAMPLES / "valid.csv")
        .read_text(encoding="utf-8")
        .replace("IOM,", "Friends of the Sahel,")
    )
    done = accept(
        store_copy,
        csv.encode(),
        fmt="csv",
        filename="sahel.csv",
        organisation=sahel,
        organisation_label="Friends of the Sahel",
    )
    quads = quads_of(store_copy, done.graph)
    assert value(quads, sahel, iris.RDF + "type") == [POA + "Organisation"]
    assert value(quads, sahel, iris.RDFS + "label") == ["Friends of the Sahel"]
    # the second time the graph knows it: its data links to it, without describing it again
    second = accept(
        store_copy,
        csv.replace("45,", "46,").encode(),
        fmt="csv",
        filename="sahel2.csv",
        organisation=sahel,
    )
    quads2 = quads_of(store_copy, second.graph)
    assert not value(quads2, sahel, iris.RDFS + "label")
    assert {q.object.value for q in quads2 if q.predicate.value == POA + "reportedBy"} == {sahel}


def test_outcomes_without_a_reporter_are_the_senders(store_copy):
    ttl = (EXAMPLES / "valid.ttl").read_text(encoding="utf-8")
    ttl = re.sub(r"\s*poa:reportedBy <organisation/epo> ;", "", ttl)
    done = accept(store_copy, ttl.encode(), fmt="ttl", filename="x.ttl", organisation=IOM)
    quads = quads_of(store_copy, done.graph)
    reporters = [q.object.value for q in quads if q.predicate.value == POA + "reportedBy"]
    assert reporters == [IOM] * 3  # two outcomes and the record


@pytest.mark.parametrize(
    ("body", "fmt", "named"),
    [
        # a known organisation by name (CSV) and by IRI (Turtle)
        ((EXAMPLES / "valid.csv").read_bytes(), "csv", "International Organization for Migration"),
        (
            (EXAMPLES / "valid.ttl")
            .read_text(encoding="utf-8")
            .replace("poa:reportedBy <organisation/epo>", f"poa:reportedBy <{IOM}>")
            .encode(),
            "ttl",
            "International Organization for Migration",
        ),
        # an organisation the contribution describes as its own
        ((EXAMPLES / "valid.ttl").read_bytes(), "ttl", "Example Partner Organisation"),
    ],
)
def test_a_claim_for_another_organisation_is_refused(store_copy, body, fmt, named):
    before = store.store_version(store_copy)
    with pytest.raises(ClaimError, match=re.escape(named)) as refused:
        accept(store_copy, body, fmt=fmt, filename="x", organisation=iris.organisation("undp"))
    assert refused.value.status == 403
    assert store.store_version(store_copy) == before and list_contributions(store_copy) == []


@pytest.mark.parametrize("name", ["invalid.csv", "invalid.ttl", "invalid.jsonld"])
def test_a_non_conforming_contribution_is_rejected_with_its_report(store_copy, name):
    before = store.store_version(store_copy)
    with pytest.raises(ContributionRejected) as rejected:
        # the Turtle and JSON-LD examples are the Example Partner Organisation's
        sender = IOM if name.endswith(".csv") else EPO
        body = (EXAMPLES / name).read_bytes()
        accept(store_copy, body, fmt=None, filename=name, organisation=sender)
    report = rejected.value.report
    assert not report.conforms and report.source == name
    assert rejected.value.status == 422
    assert f"{len(report.violations)} violation(s)" in str(rejected.value)
    assert store.store_version(store_copy) == before and list_contributions(store_copy) == []


def test_touching_reference_data_is_rejected(store_copy):
    body = (
        b'<https://w3id.org/poagraph/id/country/NER> <%s> "Niger!" .'
        % (iris.RDFS + "label").encode()
    )
    with pytest.raises(ContributionRejected) as rejected:
        accept(store_copy, body, fmt="ttl", filename="x.ttl", organisation=IOM)
    assert "cannot change reference data" in rejected.value.report.violations[0].message


@pytest.mark.parametrize(
    ("body", "fmt", "where"),
    [
        (b"@prefix poa: <x> .\n<a> poa:b ", "ttl", r"x\.ttl:2"),
        (b'{"@id": ', "jsonld", r"x\.ttl:1"),
        (b"\xff\xfe", "csv", "not UTF-8"),
        (b"", "ttl", "empty"),
    ],
)
def test_an_unreadable_contribution(store_copy, body, fmt, where):
    with pytest.raises(ContributionError, match=where):
        accept(store_copy, body, fmt=fmt, filename="x.ttl", organisation=IOM)


def test_remove(store_copy):
    done = accept(
        store_copy, (EXAMPLES / "valid.csv").read_bytes(), fmt="csv", filename="a", organisation=IOM
    )
    remove(store_copy, done.id)
    assert done.graph not in graphs(store_copy) and list_contributions(store_copy) == []
    for missing in (done.id, "0" * 12, "../../etc", ""):
        with pytest.raises(NotFound):
            remove(store_copy, missing)
        with pytest.raises(NotFound):
            get_contribution(store_copy, missing)


# ------------------------------------------------------------------------------ CLI


def test_cli_contribute_list_show_remove_and_build_keeps_it(store_copy):
    runner = CliRunner()
    at = ["--store", str(store_copy)]
    ok = runner.invoke(main, ["contribute", str(EXAMPLES / "valid.csv"), "--as", "IOM", *at])
    assert ok.exit_code == 0, ok.stderr
    cid = ok.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{12}", cid)
    assert "accepted: contribution" in ok.stderr and "3 outcome(s)" in ok.stderr
    again = runner.invoke(main, ["contribute", str(EXAMPLES / "valid.csv"), "--as", "iom", *at])
    assert again.exit_code == 0 and again.stdout.strip() == cid
    assert "already accepted" in again.stderr

    rejected = runner.invoke(
        main, ["contribute", str(EXAMPLES / "invalid.csv"), "--as", "IOM", *at]
    )
    assert rejected.exit_code == 1 and "does not conform" in rejected.stdout
    assert "nothing was written" in rejected.stderr
    claimed = runner.invoke(main, ["contribute", str(EXAMPLES / "valid.ttl"), "--as", "IOM", *at])
    assert claimed.exit_code == 1 and "Example Partner Organisation" in claimed.stderr
    unreadable = runner.invoke(
        main, ["contribute", str(store_copy / "CURRENT"), "--as", "IOM", *at]
    )
    assert unreadable.exit_code == 2 and "cannot tell the format" in unreadable.stderr

    listed = runner.invoke(main, ["contributions", "list", *at])
    assert listed.exit_code == 0 and cid in listed.stdout
    assert "International Organization for Migration" in listed.stdout
    shown = runner.invoke(main, ["contributions", "show", cid, *at])
    assert shown.exit_code == 0 and "poa:Contribution" in shown.stdout
    assert "valid.csv" in shown.stdout

    rebuilt = runner.invoke(main, ["build", *at])
    assert rebuilt.exit_code == 0, rebuilt.stderr
    assert cid in runner.invoke(main, ["contributions", "list", *at]).stdout

    removed = runner.invoke(main, ["contributions", "remove", cid, *at])
    assert removed.exit_code == 0 and f"removed contribution {cid}" in removed.stderr
    gone = runner.invoke(main, ["contributions", "show", cid, *at])
    assert gone.exit_code == 1 and f"no contribution '{cid}'" in gone.stderr
    assert "Traceback" not in gone.stderr
    empty = runner.invoke(main, ["contributions", "list", *at])
    assert empty.exit_code == 0 and "no contributions yet" in empty.stderr


def test_the_home_page_lists_contributions(store_copy):
    import requests
    from _endpoint import running_server

    sahel = iris.organisation("friends-of-the-sahel")
    csv = (EXAMPLES / "valid.csv").read_text(encoding="utf-8")
    csv = csv.replace("IOM,", "Friends of the Sahel,")
    done = accept(
        store_copy,
        csv.encode(),
        fmt="csv",
        filename="s.csv",
        organisation=sahel,
        organisation_label="Friends of the Sahel",
    )
    with running_server(store_copy) as base:
        page = requests.get(base + "/", headers={"Accept": "text/html"}, timeout=30)
        data = requests.get(base + "/", headers={"Accept": "application/json"}, timeout=30)
    assert page.status_code == 200 and data.status_code == 200
    assert "Contributions added after the report" in page.text
    assert f"/id/contribution/{done.id}" in page.text
    assert "contributed by Friends of the Sahel" in page.text
    (listed,) = data.json()["contributions"]
    assert listed["graph"] == done.graph and listed["outcomes"] == 3
    assert listed["organisation"] == "Friends of the Sahel"
    assert done.graph in {g["graph"] for g in data.json()["graphs"]}


def test_the_stored_graph_conforms_to_the_graph_shapes(store_copy):
    from rdflib import URIRef

    from poagraph.contributions.reference import Reference
    from poagraph.validation.shacl import run_shapes

    done = accept(
        store_copy,
        (EXAMPLES / "valid.ttl").read_bytes(),
        fmt="ttl",
        filename="valid.ttl",
        organisation=EPO,
        organisation_label="Example Partner Organisation",
    )
    quads = quads_of(store_copy, done.graph)
    with store.reading(store_copy) as db:
        ref = Reference(db)
        mentioned = {n for q in quads for n in (q.subject, q.object) if isinstance(n, ox.NamedNode)}
        data = [q.triple for q in quads] + ref.about(mentioned) + ref.class_axioms()
    record = URIRef(f"{iris.ID}contribution/{done.id}")
    own = {URIRef(q.subject.value) for q in quads}
    results, _ = run_shapes(data, only=own)
    assert [r for r in results if r.severity == "Violation"] == []
    # the record's shape does look at it: a malformed hash fails
    broken = list(data)
    broken.append(
        ox.Triple(ox.NamedNode(str(record)), ox.NamedNode(POA + "sha256"), ox.Literal("x"))
    )
    results, _ = run_shapes(broken, only={record})
    assert {r.message for r in results} >= {"The SHA-256 is 64 lower-case hexadecimal digits."}
