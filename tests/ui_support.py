"""Helpers shared by the web page tests: a store filled from hand-written TriG, the app on
it, and an in-memory copy to compute what the pages should show."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from flask import Flask
from pyoxigraph import Quad, RdfFormat, Store

from poagraph.web import create_app
from poagraph.web.store import get_service

SAMPLE = Path(__file__).parent / "data" / "web-sample.trig"
ID = "https://w3id.org/poagraph/id/"
POA = "https://w3id.org/poagraph/ontology#"

#: What a browser sends, and what RDF clients send.
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def sample_store(dest: Path, extra: Iterable[Quad] = ()) -> Path:
    """An on-disk store at `dest` holding tests/data/web-sample.trig plus `extra` quads."""
    store = Store(str(dest))
    store.load(path=str(SAMPLE), format=RdfFormat.TRIG)
    store.extend(list(extra))
    store.flush()
    del store  # release the RocksDB lock: the app's workers open it read-only
    return dest


def memory_copy(path: Path) -> Store:
    """An in-memory copy of the store at `path`, for computing expected answers."""
    disk = Store.read_only(str(path))
    memory = Store()
    memory.extend(disk.quads_for_pattern(None, None, None, None))
    del disk
    return memory


def make_app(store: Path) -> Flask:
    return create_app({"STORE": str(store), "TESTING": True, "EXECUTORS": 1})


def close_app(app: Flask) -> None:
    get_service(app).close()


def section(html: str, css_class: str) -> str:
    """The inner HTML of the first <section class="{css_class}"> (sections do not nest)."""
    match = re.search(rf'<section class="{css_class}">(.*?)</section>', html, re.S)
    assert match, f"no section {css_class!r} in the page"
    return match.group(1)


def local(iri: str) -> str:
    """The local path of one of our IRIs."""
    assert iri.startswith(ID)
    return "/id/" + iri[len(ID) :]
