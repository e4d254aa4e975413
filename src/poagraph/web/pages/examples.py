"""The example queries of the query page (the YASGUI tabs): the query catalogue
(poagraph/catalogue.py), every queries/*.rq named by its header comment."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from poagraph import catalogue
from poagraph.catalogue import header

__all__ = ["Example", "header", "load"]


@dataclass(frozen=True)
class Example:
    """One example query: its file name (without .rq), title, description and text."""

    name: str
    title: str
    description: str
    params: str
    query: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def load(folder: Path) -> list[Example]:
    """Every .rq file of `folder`, sorted by file name; none when the folder is missing."""
    return [
        Example(e.name, e.title, e.description, e.params_text, e.query)
        for e in catalogue.load(folder)
    ]
