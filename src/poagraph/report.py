"""Parse a Programme of Action report (the agencies' common layout) into a document.

The layout: a title naming the reporting organisation, `Commitment N:` headings, bold
bullet actions (`- **`, `▪ **`), place headings (a country, several countries, a region, or
"General activities"), paragraphs, and footnotes (¹ ² ³) dropped wherever the page broke.
Every passage keeps character offsets into the source text: `text[start:end] == passage.text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class ReportError(ValueError):
    """The report cannot be read or does not follow the layout; says where."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path, self.line = path, line
        where = f"{path}:{line}: " if path and line else f"{path}: " if path else ""
        super().__init__(where + message)


@dataclass(frozen=True)
class Commitment:
    number: int
    title: str
    start: int
    end: int


@dataclass(frozen=True)
class Action:
    n: int  #: 1-based, in document order
    commitment: int
    title: str  #: the full title, re-joined where a page break or footnote cut it
    start: int  #: offset of the first character of the title text
    end: int


@dataclass(frozen=True)
class Place:
    heading: str  #: as written: "DRC and Rwanda", "West Africa", "General activities"
    start: int
    end: int

    @property
    def is_general(self) -> bool:
        return self.heading.strip().lower() == "general activities"


@dataclass(frozen=True)
class Passage:
    n: int  #: 1-based, in document order
    text: str  #: exactly source[start:end] (a re-joined paragraph keeps its page break)
    start: int
    end: int
    kind: str  #: "paragraph", "item" (a list item) or "footnote"
    commitment: int | None = None
    action: int | None = None  #: Action.n it sits under
    place: Place | None = None
    footnote: int | None = None  #: for kind == "footnote": its number (1 for ¹)
    line: int = 0  #: 1-based line of `start`, for messages


@dataclass
class Document:
    slug: str
    path: Path
    text: str  #: the whole source, as read (offsets point into it)
    title: str
    organisation: str  #: as the title names it, e.g. "IOM"
    metadata: dict = field(default_factory=dict)
    commitments: list[Commitment] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)

    @property
    def footnotes(self) -> list[Passage]:
        return [p for p in self.passages if p.kind == "footnote"]

    @property
    def places(self) -> list[Place]:
        seen: dict[int, Place] = {}
        for p in self.passages:
            if p.place is not None:
                seen.setdefault(p.place.start, p.place)
        return list(seen.values())
