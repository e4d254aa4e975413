"""Parse a Programme of Action report (the agencies' common layout) into a document.

The layout: a title naming the reporting organisation, `Commitment N:` headings, bold
bullet actions (`- **`, `▪ **`), place headings (a country, several countries, a region, or
"General activities"), paragraphs, and footnotes (¹ ² ³) dropped wherever the page broke.
Every passage keeps character offsets into the source text: `text[start:end] == passage.text`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from poagraph.errors import ReportError


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
    def language(self) -> str:
        """The report's language tag (metadata `language`, BCP 47), for its literals."""
        return str(self.metadata.get("language") or "en")

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


# --- parsing -------------------------------------------------------------------------------

_BLANK_SPLIT = re.compile(r"(?:[ \t]*\r?\n){2,}")
_COMMITMENT = re.compile(r"^\**\s*Commitment\s+(\d+)\s*[:.\u2013\u2014-]\s*(.+?)\s*\**\s*$", re.I)
_BULLET = re.compile(r"^(?:[-\u25aa\u2022\u25cf*\u2013]|\d+[.)])\s+")  # - ▪ • ● * – 1.
_BOLD_BULLET = re.compile(r"^[-\u25aa\u2022\u25cf*\u2013]\s+\*\*")
_SUPERSCRIPT_DIGITS = "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"  # ⁰ to ⁹
_FOOTNOTE = re.compile(rf"^([{_SUPERSCRIPT_DIGITS}]+)\s+\S")
_TERMINAL = tuple(".:;!?\u201d\"')")
_ORGANISATION = re.compile(r"Report\s+on\s+(?:the\s+)?(.+?)\s+contribution", re.I | re.S)
_HEADING_MAX = 60
_FUNCTION_WORDS = {"and", "or", "of", "the", "a", "an", "to", "in", "for", "with", "by", "on"}


def _superscript_number(marks: str) -> int:
    return int(marks.translate(str.maketrans(_SUPERSCRIPT_DIGITS, "0123456789")))


@dataclass(frozen=True)
class _Block:
    text: str
    start: int
    end: int

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0].rstrip("\r")


def _blocks(text: str) -> list[_Block]:
    """Split on blank lines, keeping offsets; surrounding whitespace is trimmed off."""
    blocks, pos = [], 0
    for sep in [*_BLANK_SPLIT.finditer(text), None]:
        end = sep.start() if sep else len(text)
        raw = text[pos:end]
        stripped = raw.strip()
        if stripped:
            start = pos + (len(raw) - len(raw.lstrip()))
            blocks.append(_Block(stripped, start, start + len(stripped)))
        pos = sep.end() if sep else len(text)
    return blocks


def _split_headings(blocks: list[_Block]) -> list[_Block]:
    """A `Commitment N:` heading glued to the text under it becomes its own block."""
    out = []
    for block in blocks:
        lines = _lines(block)
        if len(lines) > 1 and _COMMITMENT.match(lines[0].text):
            out.append(lines[0])
            out.append(
                _Block(block.text[lines[1].start - block.start :], lines[1].start, block.end)
            )
        else:
            out.append(block)
    return out


def _lines(block: _Block) -> list[_Block]:
    out, pos = [], block.start
    for line in block.text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + (len(line) - len(line.lstrip()))
            out.append(_Block(stripped, start, start + len(stripped)))
        pos += len(line) + 1
    return out


def _is_heading(block: _Block) -> bool:
    """A place heading: one short line, no sentence punctuation, capitalised."""
    t = block.text
    return (
        "\n" not in t
        and len(t) <= _HEADING_MAX
        and t[0].isupper()
        and not t.endswith((*_TERMINAL, ","))
        and not _BULLET.match(t)
        and not _FOOTNOTE.match(t)
        and "**" not in t
        and t.rsplit(" ", 1)[-1].lower() not in _FUNCTION_WORDS
    )


def _unbold(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


def _continues(previous: str, nxt: _Block) -> bool:
    """Does `nxt` carry on a sentence that a page break cut after `previous`?"""
    first = nxt.text.lstrip("*")[:1]
    if not first or _BULLET.match(nxt.text) or _FOOTNOTE.match(nxt.text):
        return False
    if _COMMITMENT.match(nxt.first_line):
        return False
    if first.islower():
        return True
    if first in "([" and not previous.rstrip("*").rstrip().endswith(_TERMINAL):
        return True
    return previous.rstrip("*").rstrip().endswith((",", ";", "-", " and", " or", " of"))


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def load_metadata(path: Path) -> dict:
    """The report's YAML metadata beside it (same stem), or an empty dict."""
    import yaml

    for suffix in (".yaml", ".yml"):
        meta_path = path.with_suffix(suffix)
        if meta_path.exists():
            try:
                data = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise ReportError(f"metadata is not valid YAML: {exc}", meta_path) from exc
            if not isinstance(data, dict):
                raise ReportError("metadata must be a mapping of keys to values", meta_path)
            return data
    return {}


def read_source(path: Path) -> str:
    """Read the report as UTF-8, keeping line endings so offsets match the file."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ReportError("report file not found", path) from None
    except IsADirectoryError:
        raise ReportError("is a directory, not a report file", path) from None
    except OSError as exc:
        raise ReportError(f"cannot read report: {exc.strerror}", path) from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ReportError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at byte offset {exc.start})", path, line
        ) from None


def parse_report(path: str | Path, metadata: dict | None = None) -> Document:
    """Parse a report file; metadata defaults to the YAML file beside it."""
    path = Path(path)
    text = read_source(path)
    meta = load_metadata(path) if metadata is None else metadata
    return parse_text(text, path=path, metadata=meta)


def parse_text(text: str, path: str | Path = "<text>", metadata: dict | None = None) -> Document:
    meta = dict(metadata or {})
    path = Path(path)
    if "\x00" in text:
        raise ReportError(
            "binary data (NUL bytes), not a report", path, line_of(text, text.index("\x00"))
        )
    blocks = _split_headings(_blocks(text))
    if not blocks:
        raise ReportError("the report is empty", path)
    first_commitment = next(
        (i for i, b in enumerate(blocks) if _COMMITMENT.match(b.first_line)), None
    )
    if first_commitment is None:
        raise ReportError(
            "no 'Commitment N: title' heading found: not a Programme of Action report layout",
            path,
            1,
        )
    doc = _front_matter(text, path, meta, blocks, first_commitment)
    doc.passages = _Body(text, blocks, doc).read(first_commitment)
    return doc


def _front_matter(
    text: str, path: Path, meta: dict, blocks: list[_Block], first_commitment: int
) -> Document:
    """The document with its title and reporting organisation, read from the blocks before
    the first commitment (the metadata's `title` and `organisation` win)."""
    front = [_unbold(b.text) for b in blocks[:first_commitment]]
    title_from_text = ": ".join(front)
    org_match = _ORGANISATION.search(" ".join(front))
    organisation = meta.get("organisation") or (org_match.group(1) if org_match else None)
    if not organisation:
        raise ReportError(
            "cannot tell the reporting organisation: the title has no 'Report on X contribution' "
            "and the metadata file has no 'organisation'",
            path,
            line_of(text, blocks[0].start),
        )
    return Document(
        slug=_checked_slug(meta.get("slug"), path) if meta.get("slug") else _slug(path),
        path=path,
        text=text,
        title=meta.get("title") or title_from_text,
        organisation=str(organisation),
        metadata=meta,
    )


class _Body:
    """Reads the blocks from the first commitment on: commitments, actions and place
    headings set where the passages after them sit; the doc gets its commitments and actions."""

    def __init__(self, text: str, blocks: list[_Block], doc: Document):
        self.text, self.blocks, self.doc = text, blocks, doc
        self.commitment: int | None = None
        self.action: int | None = None
        self.place: Place | None = None
        self.passages: list[Passage] = []
        self.consumed: set[int] = set()  # blocks already read as the tail of another

    def read(self, first: int) -> list[Passage]:
        for i in range(first, len(self.blocks)):
            if i not in self.consumed:
                self._block(i)
        return self.passages

    def _block(self, i: int) -> None:
        block = self.blocks[i]
        head = _COMMITMENT.match(block.text)
        if head:
            self.commitment, self.action, self.place = int(head.group(1)), None, None
            self.doc.commitments.append(
                Commitment(self.commitment, _unbold(head.group(2)), block.start, block.end)
            )
        elif _FOOTNOTE.match(block.text):
            self._footnotes(block)
        elif _BOLD_BULLET.match(block.text):
            title, start, end, used = _action_title(self.blocks, i)
            self.consumed.update(used)
            self.action, self.place = len(self.doc.actions) + 1, None
            self.doc.actions.append(Action(self.action, self.commitment, title, start, end))
        elif _BULLET.match(block.text):
            for line in _lines(block):
                body = _BULLET.match(line.text)
                self._add("item", line.start + (body.end() if body else 0), line.end)
        elif _is_heading(block) and not _continuation(self.blocks, i + 1, block.text):
            self.place = Place(block.text, block.start, block.end)
        else:
            self._paragraph(i)

    def _footnotes(self, block: _Block) -> None:
        for line in _lines(block):
            mark = _FOOTNOTE.match(line.text)
            if mark:
                number = _superscript_number(mark.group(1))
                self._add("footnote", line.start, line.end, footnote=number, placed=False)
            elif self.passages and self.passages[-1].kind == "footnote":  # its 2nd line
                last = self.passages.pop()
                self._add("footnote", last.start, line.end, footnote=last.footnote, placed=False)

    def _paragraph(self, i: int) -> None:
        """A paragraph, re-joined with what a page break (and a footnote it dropped in)
        cut off."""
        start, end = self.blocks[i].start, self.blocks[i].end
        for k in _continuation(self.blocks, i + 1, self.text[start:end]):
            self.consumed.add(k)
            end = self.blocks[k].end
        self._add("paragraph", start, end)

    def _add(self, kind: str, start: int, end: int, placed: bool = True, **extra) -> None:
        """A passage; `placed` ones sit under the current commitment, action and place."""
        if placed:
            extra |= {"commitment": self.commitment, "action": self.action, "place": self.place}
        self.passages.append(
            Passage(
                n=len(self.passages) + 1,
                text=self.text[start:end],
                start=start,
                end=end,
                kind=kind,
                line=line_of(self.text, start),
                **extra,
            )
        )


def _continuation(blocks: list[_Block], j: int, text: str) -> list[int]:
    """Indices of the blocks from j on that carry on `text`, looking past footnotes
    (which stay in place and are read as footnotes)."""
    found: list[int] = []
    while True:
        k = j
        while k < len(blocks) and _FOOTNOTE.match(blocks[k].text):
            k += 1
        if k >= len(blocks) or not _continues(text, blocks[k]):
            return found
        if blocks[k].text[:1].isupper() and _is_heading(blocks[k]):
            return found
        found.append(k)
        text, j = blocks[k].text, k + 1


def _action_title(blocks: list[_Block], i: int) -> tuple[str, int, int, set[int]]:
    """Read the bold-bullet action title at blocks[i], following it across page breaks and
    the footnotes a break dropped in; returns (title, start, end, indices of tail blocks)."""
    block = blocks[i]
    bullet = _BOLD_BULLET.match(block.text)
    start, end = block.start + bullet.end(), block.end
    parts, used = [block.text[bullet.end() :]], set()
    j = i + 1
    while j < len(blocks):
        k = j
        while k < len(blocks) and _FOOTNOTE.match(blocks[k].text):
            k += 1  # footnotes stay where they are: the main loop reads them as footnotes
        if k >= len(blocks) or _BOLD_BULLET.match(blocks[k].text):
            break
        unclosed = parts[0].count("**") + sum(p.count("**") for p in parts[1:]) < 1
        if not (unclosed or _continues(parts[-1], blocks[k])):
            break
        parts.append(blocks[k].text)
        end = blocks[k].end
        used.add(k)
        j = k + 1
    return _unbold(" ".join(parts)), start, end, used


def _checked_slug(slug: object, path: Path) -> str:
    """The metadata's slug names IRIs and a graph: lower-case letters, digits and hyphens."""
    if not isinstance(slug, str) or not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
        raise ReportError(
            f"metadata slug {slug!r} must be lower-case letters, digits and hyphens "
            "(it becomes part of the report's IRIs)",
            path,
        )
    return slug


def _slug(path: Path) -> str:
    from poagraph.iris import slugify

    return slugify(path.stem)


def own_text(p: Passage, passages: list[Passage]) -> str:
    """The passage text with the passages nested in it (a footnote the page break dropped
    inside a paragraph) blanked out: their numbers are theirs, and they split no sentence.
    Offsets are unchanged."""
    text = p.text
    for q in passages:
        if q is not p and p.start <= q.start and q.end <= p.end:
            a, b = q.start - p.start, q.end - p.start
            text = text[:a] + re.sub(r"\S", " ", text[a:b]) + text[b:]
    return text
