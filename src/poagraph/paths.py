"""Where the project's data folders live, so code never guesses paths on its own."""

from __future__ import annotations

import os
from pathlib import Path


def _root() -> Path:
    """The folder holding ontology/, shapes/, mappings/, queries/, sources/: $POAGRAPH_HOME,
    else the source checkout (an editable install), else the copy inside an installed wheel."""
    if "POAGRAPH_HOME" in os.environ:
        return Path(os.environ["POAGRAPH_HOME"])
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "ontology" / "poa.ttl").is_file():
        return checkout
    return Path(__file__).resolve().parent / "_data"


#: The project root: the folders ontology/, shapes/, mappings/, queries/, sources/ sit here.
ROOT = _root()

ONTOLOGY = ROOT / "ontology"
VOCAB = ONTOLOGY / "vocab"
SHAPES = ROOT / "shapes"
MAPPINGS = ROOT / "mappings"
QUERIES = ROOT / "queries"
QA = ROOT / "qa"  #: the data-quality checks: NAME.ask.rq + NAME.select.rq pairs
SOURCES = ROOT / "sources"

#: The report bundled with the project, built when no --report is given.
BUNDLED_REPORTS = [SOURCES / "iom-bpoa-review.md"]


def default_store() -> Path:
    """The on-disk store: $POAGRAPH_STORE, else var/store under the working directory."""
    return Path(os.environ.get("POAGRAPH_STORE", "var/store"))


def default_tokens() -> Path:
    """The tokens file (hashes of contribution tokens): $POAGRAPH_TOKENS, else
    var/tokens.toml under the working directory."""
    return Path(os.environ.get("POAGRAPH_TOKENS", "var/tokens.toml"))
