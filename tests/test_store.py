"""The store: atomic graph replacement, statistics, exports that parse back, fingerprint, lock."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, parse

from poagraph import iris, store

RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
G1 = NamedNode(iris.report_graph("first-report"))
G2 = NamedNode(iris.report_graph("second-report"))


def country_quads(codes: list[str], graph: NamedNode) -> list[Quad]:
    """Two triples per country: its type and a label with characters that need escaping."""
    quads = []
    for code in codes:
        c = NamedNode(iris.country(code))
        quads.append(Quad(c, RDF_TYPE, NamedNode(iris.poa("Country")), graph))
        quads.append(Quad(c, LABEL, Literal(f'{code} "quoted" \\ [x]\nline', language="en"), graph))
    return quads


def graph_triples(db, graph: NamedNode) -> set:
    return {q.triple for q in db.quads_for_pattern(None, None, None, graph)}


@pytest.fixture
def db(tmp_path: Path) -> Iterator:
    yield store.open_store(tmp_path / "store")


def test_replace_twice_gives_same_triples_no_duplicates(db) -> None:
    quads = country_quads(["AFG", "BGD", "KHM"], G1)
    first = store.replace_graph(db, G1, quads)
    second = store.replace_graph(db, G1, quads)
    assert first == second == len(quads)
    assert len(db) == len(quads)


def test_replace_drops_old_triples_and_keeps_other_graphs(db) -> None:
    store.replace_graph(db, G1, country_quads(["AFG", "BGD"], G1))
    store.replace_graph(db, G2, country_quads(["HTI"], G2))
    store.replace_graph(db, G1, country_quads(["NPL"], G1))
    g1_subjects = {t.subject for t in graph_triples(db, G1)}
    assert g1_subjects == {NamedNode(iris.country("NPL"))}
    assert {t.subject for t in graph_triples(db, G2)} == {NamedNode(iris.country("HTI"))}


def test_quads_land_in_the_target_graph_whatever_their_own_graph(db) -> None:
    quads = country_quads(["AFG"], G2)  # built for G2, loaded into G1
    store.replace_graph(db, G1, quads)
    assert graph_triples(db, G1) == {q.triple for q in quads}
    assert graph_triples(db, G2) == set()


def test_failure_half_way_leaves_the_previous_graph(db) -> None:
    before = country_quads(["AFG", "BGD"], G1)
    store.replace_graph(db, G1, before)

    def failing() -> Iterator[Quad]:
        yield from country_quads(["NPL", "HTI", "LSO"], G1)
        raise RuntimeError("extraction crashed")

    with pytest.raises(RuntimeError, match="extraction crashed"):
        store.replace_graph(db, G1, failing())
    assert graph_triples(db, G1) == {q.triple for q in before}
    assert set(db.named_graphs()) == {G1}, "no staging graph may be left behind"


def test_a_bad_quad_leaves_the_previous_graph(db) -> None:
    before = country_quads(["AFG"], G1)
    store.replace_graph(db, G1, before)
    with pytest.raises(TypeError):
        store.replace_graph(db, G1, [*country_quads(["NPL"], G1), "not a quad"])
    assert graph_triples(db, G1) == {q.triple for q in before}


def test_replace_graphs_is_all_or_nothing(db) -> None:
    store.replace_graphs(db, {G1: country_quads(["AFG"], G1), G2: country_quads(["BGD"], G2)})
    before = set(db)

    def failing() -> Iterator[Quad]:
        yield from country_quads(["HTI"], G2)
        raise ValueError("second graph failed")

    with pytest.raises(ValueError):
        store.replace_graphs(db, {G1: country_quads(["NPL"], G1), G2: failing()})
    assert set(db) == before


def test_data_persists_after_reopening(tmp_path: Path) -> None:
    db = store.open_store(tmp_path / "store")
    quads = country_quads(["AFG", "TLS"], G1)
    store.replace_graph(db, G1, quads)
    db.flush()
    del db
    reopened = store.open_store(tmp_path / "store", create=False)
    assert graph_triples(reopened, G1) == {q.triple for q in quads}


def test_staging_left_by_a_killed_build_is_dropped_on_open(tmp_path: Path) -> None:
    db = store.open_store(tmp_path / "store")
    store.replace_graph(db, G1, country_quads(["AFG"], G1))
    leftover = NamedNode(iris.GRAPH + "staging/0123")
    db.extend(country_quads(["NPL"], leftover))
    del db
    db = store.open_store(tmp_path / "store")
    assert set(db.named_graphs()) == {G1}


def test_opening_a_missing_store_without_create_is_a_clear_error(tmp_path: Path) -> None:
    for options in ({"create": False}, {"read_only": True}):
        with pytest.raises(store.StoreError, match="no store here"):
            store.open_store(tmp_path / "nothing", **options)
    assert not (tmp_path / "nothing").exists()


def test_read_only_views_share_the_store_with_each_other(tmp_path: Path) -> None:
    db = store.open_store(tmp_path / "store")
    quads = country_quads(["AFG"], G1)
    store.replace_graph(db, G1, quads)
    db.flush()
    del db
    views = [store.open_store(tmp_path / "store", read_only=True) for _ in range(2)]
    for view in views:
        assert graph_triples(view, G1) == {q.triple for q in quads}
    with pytest.raises(RuntimeError, match="read-write"):
        views[0].extend(country_quads(["NPL"], G1))


def test_store_locked_by_another_process_is_a_clear_error(tmp_path: Path, store_holder) -> None:
    path = tmp_path / "store"
    store.open_store(path)  # created, then released when the object is dropped
    store_holder(path)
    with pytest.raises(store.StoreError, match="in use by another process"):
        store.open_store(path)


def test_graph_stats_counts_per_class_and_graph(db) -> None:
    report = NamedNode(iris.report("first-report"))
    store.replace_graphs(
        db,
        {
            G1: [
                *country_quads(["AFG", "BGD", "KHM"], G1),
                Quad(report, RDF_TYPE, NamedNode(iris.poa("Report"))),
            ],
            G2: country_quads(["AFG", "HTI"], G2),  # AFG typed in both graphs
        },
    )
    stats = store.graph_stats(db)
    country = iris.poa("Country")
    assert stats.triples == {G1.value: 7, G2.value: 4}
    assert stats.total == 11
    assert stats.classes[country] == {G1.value: 3, G2.value: 2}
    assert stats.classes[iris.poa("Report")] == {G1.value: 1}
    assert stats.union[country] == 4  # AFG BGD KHM HTI, AFG counted once


def two_graph_dataset(db) -> None:
    """Two graphs sharing one triple, so the union has fewer triples than the dataset quads."""
    store.replace_graphs(
        db, {G1: country_quads(["AFG", "BGD"], G1), G2: country_quads(["AFG", "HTI"], G2)}
    )


@pytest.mark.parametrize(
    ("fmt", "rdf_format"),
    [("nquads", RdfFormat.N_QUADS), ("trig", RdfFormat.TRIG), ("jsonld", RdfFormat.JSON_LD)],
)
def test_dataset_exports_parse_back_to_the_same_quads(db, fmt: str, rdf_format) -> None:
    two_graph_dataset(db)
    data = store.export(db, fmt)
    assert set(parse(data, format=rdf_format)) == set(db)


def test_turtle_export_is_the_union_each_triple_once(db, tmp_path: Path) -> None:
    two_graph_dataset(db)
    out = tmp_path / "union.ttl"
    store.export(db, "turtle", out)
    text = out.read_text(encoding="utf-8")
    assert "@prefix poa:" in text
    parsed = list(parse(path=str(out), format=RdfFormat.TURTLE))
    union = {q.triple for q in db}
    assert len(union) < len(db)  # the dataset does share a triple
    assert len(parsed) == len(union)
    assert {q.triple for q in parsed} == union


def test_export_refuses_an_unknown_format(db) -> None:
    with pytest.raises(ValueError, match="unknown format"):
        store.export(db, "rdfxml-ish")


def restriction_quads(graph: NamedNode) -> list[Quad]:
    """An OWL restriction: a blank node, freshly labelled each call (as parsing does)."""
    owl = "http://www.w3.org/2002/07/owl#"
    node = BlankNode()
    return [
        Quad(NamedNode(iris.poa("Outcome")), NamedNode(owl[:-1] + "#equivalentClass"), node, graph),
        Quad(node, RDF_TYPE, NamedNode(owl + "Restriction"), graph),
        Quad(node, NamedNode(owl + "onProperty"), NamedNode(iris.poa("evidence")), graph),
    ]


def test_blank_nodes_rebuilt_compare_equal_and_stay_apart_across_graphs(db) -> None:
    store.replace_graphs(db, {G1: restriction_quads(G1), G2: restriction_quads(G2)})
    first, fp = set(db), store.fingerprint(db)
    store.replace_graphs(db, {G1: restriction_quads(G1), G2: restriction_quads(G2)})
    assert set(db) == first
    assert store.fingerprint(db) == fp
    blank = {
        g: {
            q.object
            for q in db.quads_for_pattern(None, None, None, g)
            if isinstance(q.object, BlankNode)
        }
        for g in (G1, G2)
    }
    assert len(blank[G1]) == len(blank[G2]) == 1
    assert blank[G1] != blank[G2]


def test_fingerprint_depends_on_content_only(tmp_path: Path) -> None:
    a = store.open_store(tmp_path / "a")
    b = store.open_store(tmp_path / "b")
    store.replace_graph(a, G1, country_quads(["AFG", "BGD"], G1))
    store.replace_graph(b, G1, list(reversed(country_quads(["AFG", "BGD"], G1))))
    assert store.fingerprint(a) == store.fingerprint(b)
    before = store.fingerprint(a)
    store.replace_graph(a, G1, country_quads(["AFG"], G1))
    assert store.fingerprint(a) != before
    store.replace_graph(a, G1, country_quads(["AFG", "BGD"], G1))
    assert store.fingerprint(a) == before


# -- write_graphs: the single writer and its change log ---------------------------------------

C1 = iris.GRAPH + "contribution/aaaaaaaaaaaa"
C2 = iris.GRAPH + "contribution/bbbbbbbbbbbb"


def test_write_graphs_replaces_drops_logs_and_versions(tmp_path: Path) -> None:
    path = tmp_path / "store"
    assert store.store_version(path) == "0"
    first = store.write_graphs(path, {C1: country_quads(["AFG", "BGD"], G1)})
    v1 = store.store_version(path)
    second = store.write_graphs(path, {C2: country_quads(["HTI"], G1), C1: None})
    v2 = store.store_version(path)
    assert (first, second) == (1, 2)
    assert v1 != v2 and v2.endswith("-2")
    with store.reading(path) as db:
        assert {g.value for g in db.named_graphs()} == {C2}
        assert len(graph_triples(db, NamedNode(C2))) == 2
    from poagraph import changes

    assert changes.read_state(path).quads == 2
    assert changes.changes_since(path, v2) == []
    delta = changes.changes_since(path, v1)
    assert [(c.seq, c.put, c.drop) for c in delta] == [(2, [C2], [C1])]
    assert {q.graph_name.value for q in delta[0].quads()} == {C2} and len(delta[0].quads()) == 2
    # a reader that loaded the store before its log began follows the log from its start
    assert [c.seq for c in changes.changes_since(path, "0")] == [1, 2]
    assert changes.changes_since(path, "other-1") is None  # another epoch: reload
    store.write_graphs(path, {}, reload=True)
    assert changes.changes_since(path, v2) is None  # a reload entry: reload
    assert changes.changes_since(path, "0") is None


def test_a_copy_loaded_before_the_log_began_catches_up_without_reloading(tmp_path: Path) -> None:
    """A store with no log (built or copied without it): its readers are at version "0".
    The first write begins the log on that store; each reader applies the change and holds
    what a fresh load holds, whether it loaded before the write or (racing it) after."""
    from poagraph import changes
    from poagraph.web.query.worker import Replica, open_store

    path = tmp_path / "store"
    store.write_graphs(path, {C1: country_quads(["AFG", "BGD"], G1)})
    shutil.rmtree(changes.log_dir(path))  # as a copy of the store alone would be
    assert store.store_version(path) == "0"
    before = Replica(str(path), in_memory=True)
    assert before.version == "0"
    store.write_graphs(path, {C2: country_quads(["HTI"], G1), C1: None})
    raced = Replica(str(path), in_memory=True)  # loaded after the write: replays it
    raced.version = "0"
    for replica in (before, raced):
        copy = replica.store
        replica.sync()
        assert replica.store is copy  # the change applied to it: not loaded again
        assert replica.version == store.store_version(path)
        assert set(replica.store) == set(open_store(str(path), True))
        assert {g.value for g in replica.store.named_graphs()} == {C2}


def test_write_graphs_bad_input_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "store"
    store.write_graphs(path, {C1: country_quads(["AFG"], G1)})
    version = store.store_version(path)
    with pytest.raises(TypeError):
        store.write_graphs(path, {C1: None, C2: ["not a quad"]})
    assert store.store_version(path) == version
    with store.reading(path) as db:
        assert {g.value for g in db.named_graphs()} == {C1}
