"""The words of the report behind a claim, as the pages show them.

Evidence is a W3C Web Annotation: its body is the claim (a resource, or an rdf:Statement for
a relation such as "programme X partner Y"), its target the passage and two selectors, the
exact words (oa:exact) and where they sit in the report's source file (oa:start, oa:end).
A passage's text is the source from its poa:startOffset, so the words are marked where the
offsets say, not searched for; only data without offsets (an outcome's poa:evidence and
poa:quote, as contributions may state them) is matched by its words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from poagraph import iris
from poagraph.iris import curie
from poagraph.web.pages import pagedata
from poagraph.web.pages.describe import (
    PropertyValues,
    Value,
    best_label,
    fallback_label,
    natural,
    passage_label,
)
from poagraph.web.pages.pagedata import Term


@dataclass
class Segment:
    """A run of passage text, marked when it is (part of) the words of a claim."""

    text: str
    mark: bool = False
    href: str | None = None
    title: str | None = None


@dataclass
class Words:
    """The exact words of one annotation (or quote) and where they are in the report."""

    exact: str
    start: int | None = None
    end: int | None = None
    annotation: Value | None = None


@dataclass
class Evidence:
    """A passage a claim rests on: its text with the words marked, and where it sits."""

    passage: Value
    segments: list[Segment]
    words: list[Words] = field(default_factory=list)
    report: Value | None = None
    action: Value | None = None
    places: list[Value] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  #: words not found in the text


@dataclass
class Relation:
    """A relation the report states (an rdf:Statement), with the words that state it."""

    statement: Value
    subject: Value
    predicate: Value
    object: Value
    words: list[tuple[Words, Value]] = field(default_factory=list)  #: (words, passage)


Mark = tuple[int, int, str | None, str | None]


def quote_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Where `quote` occurs in `text`, tolerant of differences in whitespace."""
    words = quote.split()
    if not words:
        return []
    pattern = r"\s+".join(re.escape(w) for w in words)
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def locate(text: str, offset: int | None, words: Words) -> list[tuple[int, int]]:
    """Where `words` sit in a passage `text` that starts at `offset` of the source: at their
    offsets when those hold the exact words, else wherever the words are found."""
    if offset is not None and words.start is not None and words.end is not None:
        start, end = words.start - offset, words.end - offset
        if 0 <= start <= end <= len(text) and text[start:end] == words.exact:
            return [(start, end)]
    return quote_spans(text, words.exact)


def segments(text: str, marks: list[Mark]) -> list[Segment]:
    """Cut `text` into plain and marked runs; marks over the same words share one run (their
    titles joined), overlapping marks keep the earlier one."""
    merged: dict[tuple[int, int], tuple[str | None, list[str]]] = {}
    for start, end, href, title in marks:
        _, titles = merged.setdefault((start, end), (href, []))
        if title and title not in titles:
            titles.append(title)
    out: list[Segment] = []
    pos = 0
    for (start, end), (href, titles) in sorted(merged.items(), key=lambda m: (m[0][0], -m[0][1])):
        if start < pos:
            continue
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(text[start:end], True, href, "; ".join(titles) or None))
        pos = end
    if pos < len(text) or not out:
        out.append(Segment(text[pos:]))
    return out


def _int(row: dict[str, Term], name: str) -> int | None:
    try:
        return int(row[name].value) if name in row else None
    except ValueError:
        return None


def _words(row: dict[str, Term]) -> Words | None:
    if "exact" not in row:
        return None
    annotation = row.get("annotation")
    return Words(
        exact=row["exact"].value,
        start=_int(row, "start"),
        end=_int(row, "end"),
        annotation=Value(annotation, fallback_label(annotation.value)) if annotation else None,
    )


def evidence(iri: str) -> list[Evidence]:
    """The passages `iri` rests on (annotations with it as body, or poa:evidence), each with
    the words that state it marked in the text."""
    by_passage: dict[str, list[Words]] = {}
    for row in pagedata.select("annotations", s=iri):
        words = _words(row)
        known = by_passage.setdefault(row["passage"].value, [])
        if words is not None and all(w.annotation != words.annotation for w in known):
            known.append(words)
    # words without offsets (an outcome's poa:quote) only for data that has no annotation
    quotes = []
    if not by_passage:
        quotes = [Words(row["quote"].value) for row in pagedata.select("quotes", s=iri)]
    found: dict[str, dict] = {}
    for row in pagedata.select("evidence", s=iri):
        item = found.setdefault(row["passage"].value, {"row": row, "places": {}, "labels": {}})
        if "place" in row:
            labels = item["places"].setdefault(row["place"], [])
            if "placeLabel" in row:
                labels.append((None, row["placeLabel"]))
        for name in ("reportLabel", "actionLabel"):
            if name in row:
                item["labels"].setdefault(name, []).append((None, row[name]))
    result = [
        _passage_evidence(passage, item, by_passage.get(passage, []), quotes)
        for passage, item in sorted(found.items(), key=lambda kv: natural(kv[0]))
    ]
    if result and quotes:  # a quote found in none of the passages is shown apart
        located = {w.exact for ev in result for w in ev.words}
        result[0].unmatched += [q.exact for q in quotes if q.exact not in located]
    return result


def _passage_evidence(
    passage: str, item: dict, words: list[Words], quotes: list[Words]
) -> Evidence:
    row = item["row"]
    text = row["text"].value if "text" in row else ""
    offset = _int(row, "pstart")
    shown, marks, unmatched = [], [], []
    candidates = words or [q for q in quotes if quote_spans(text, q.exact)]
    for w in sorted(candidates, key=lambda w: (w.start or 0, w.exact)):
        spans = locate(text, offset, w)
        if not spans:
            unmatched.append(w.exact)
        marks += [(s, e, None, None) for s, e in spans]
        shown.append(w)
    return Evidence(
        passage=Value(Term("uri", passage), passage_label(passage)),
        segments=segments(text, marks),
        words=shown,
        report=_labelled(row.get("report"), item["labels"].get("reportLabel", [])),
        action=_labelled(row.get("action"), item["labels"].get("actionLabel", [])),
        places=sorted(
            (Value(p, best_label(labels)) for p, labels in item["places"].items()),
            key=lambda v: v.text,
        ),
        unmatched=unmatched,
    )


def _labelled(term: Term | None, labels: list) -> Value | None:
    return Value(term, best_label(labels)) if term is not None else None


def relations(iri: str) -> list[Relation]:
    """The relations the report states with `iri` as subject or object (rdf:Statements that
    are the body of an annotation), each with its words and passage."""
    found: dict[str, Relation] = {}
    for row in pagedata.select("relations", s=iri):
        key = row["statement"].value
        relation = found.get(key)
        if relation is None:
            relation = found[key] = Relation(
                statement=Value(row["statement"], fallback_label(key)),
                subject=_end(row, "subject"),
                predicate=Value(row["predicate"], _predicate_label(row)),
                object=_end(row, "object"),
            )
        words = _words(row)
        if words is not None and all(w.annotation != words.annotation for w, _ in relation.words):
            passage = Value(row["passage"], passage_label(row["passage"].value))
            relation.words.append((words, passage))
    return sorted(
        found.values(),
        key=lambda r: (r.predicate.text, natural(r.subject.text), natural(r.object.text)),
    )


def _predicate_label(row: dict[str, Term]) -> str:
    return _text(row, "plabel") or curie(row["predicate"].value)


def _end(row: dict[str, Term], name: str) -> Value:
    label = _text(row, name + "Label") or _text(row, name + "Figure")
    return Value(row[name], label)


def _text(row: dict[str, Term], name: str) -> str | None:
    return row[name].value if name in row else None


@dataclass
class Stated:
    """A claim whose words are in a passage: the claim and its words."""

    fact: Value
    words: str
    kind: str


def passage_facts(iri: str, text: str, offset: int | None) -> tuple[list[Segment], list[Stated]]:
    """A passage's text with the words of every claim it states marked and linked to the
    claim, and the list of those claims."""
    marks: list[tuple[tuple, Mark]] = []
    stated: dict[tuple[str, str], Stated] = {}
    for row in pagedata.select("passage-facts", s=iri):
        words = _words(row)
        if words is None:
            continue
        fact = row["fact"].value
        title = _fact_title(row)
        # words shared by several claims link to a resource before a relation
        order = ("predicate" in row, natural(fact))
        href = pagedata.local_href(fact)
        marks += [(order, (s, e, href, title)) for s, e in locate(text, offset, words)]
        kind = curie(row["type"].value) if "type" in row else ""
        if "predicate" in row:
            kind = "relation"
        stated.setdefault((fact, words.exact), Stated(Value(row["fact"], title), words.exact, kind))
    facts = sorted(stated.values(), key=lambda s: (text.find(s.words), natural(s.fact.term.value)))
    return segments(text, [mark for _, mark in sorted(marks)]), facts


def _fact_title(row: dict[str, Term]) -> str:
    """What a mark names: the claim's label, a relation as 'subject — predicate — object',
    else its figure or type."""
    if "predicate" in row:
        parts = [
            _text(row, "subjectLabel") or fallback_label(row["subject"].value),
            _predicate_label(row),
            _text(row, "objectLabel") or fallback_label(row["object"].value),
        ]
        return " — ".join(parts)
    if "label" in row:
        return row["label"].value
    if "figure" in row:
        return row["figure"].value
    return curie(row["type"].value) if "type" in row else fallback_label(row["fact"].value)


@dataclass
class Inferences:
    """The properties whose values the text does not state (poa:inferred) and the curator's
    reasons (skos:editorialNote, in the page's language when there is one)."""

    properties: list[Value]
    notes: list[str]


def inferences(out: list[PropertyValues]) -> Inferences | None:
    """What the resource says it inferred, from its grouped statements."""
    by_p = {prop.predicate.value: prop.values for prop in out}
    properties = by_p.get(iris.POA + "inferred", [])
    notes = by_p.get(iris.SKOS + "editorialNote", [])
    if not properties and not notes:
        return None
    shown = [v for v in notes if pagedata.in_page_language(v.term)] or notes
    return Inferences(list(properties), [v.text for v in shown])
