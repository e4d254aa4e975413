"""What a resource page shows: its label, types, statements both ways with labelled links,
and for facts the evidence passage with the quote marked inside it.

Pure functions over the rows of the page queries (see pagedata.py), so the HTML templates
only lay things out. Literals stay plain strings here; Jinja escapes them when rendering.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from poagraph import iris
from poagraph.iris import curie
from poagraph.web.pages import pagedata
from poagraph.web.pages.pagedata import Term

RDF_TYPE = iris.RDF + "type"
RDFS = iris.RDFS
SKOS = iris.SKOS
XSD = iris.XSD
POA = iris.POA

#: Label properties, most preferred first (also the order of the label queries' VALUES).
LABEL_PROPERTIES = [
    RDFS + "label",
    SKOS + "prefLabel",
    "http://purl.org/dc/terms/title",
    "https://schema.org/name",
    POA + "acronym",
]

#: How many values of one property a page lists before saying "and N more".
MAX_VALUES = 200


def _label_rank(prop: Term | None, label: Term) -> tuple[int, int]:
    """Lower is better: the property's place in LABEL_PROPERTIES, then English or no tag."""
    prop_rank = LABEL_PROPERTIES.index(prop.value) if prop and prop.value in LABEL_PROPERTIES else 9
    lang = (label.lang or "").lower()
    return prop_rank, 0 if lang in ("", "en") or lang.startswith("en-") else 1


def best_label(candidates: Iterable[tuple[Term | None, Term]]) -> str | None:
    """The preferred label among (label property, label) pairs, or None."""
    ranked = sorted(candidates, key=lambda c: (*_label_rank(*c), c[1].value))
    return ranked[0][1].value if ranked else None


@dataclass
class Value:
    """One object (or, for inverse links, subject) of a statement, ready to show."""

    term: Term
    label: str | None = None

    @property
    def text(self) -> str:
        if self.term.is_literal:
            return self.term.value
        return self.label or fallback_label(self.term.value)

    @property
    def datatype(self) -> str | None:
        """A short datatype to show beside typed literals (not for plain strings)."""
        dt = self.term.datatype
        if not self.term.is_literal or not dt or dt == XSD + "string" or self.term.lang:
            return None
        return curie(dt)


@dataclass
class PropertyValues:
    """A property of the page's resource with its values, sorted for reading."""

    predicate: Term
    label: str
    values: list[Value] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.values))

    @property
    def curie(self) -> str:
        return curie(self.predicate.value)


@dataclass
class Segment:
    """A run of passage text, marked when it is (part of) a quote."""

    text: str
    mark: bool = False
    href: str | None = None
    title: str | None = None


@dataclass
class Evidence:
    """A passage a fact rests on: its text with the quote marked, and where it sits."""

    passage: Value
    segments: list[Segment]
    report: Value | None = None
    action: Value | None = None
    places: list[Value] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  #: quotes not found in the text


def group_statements(
    rows: list[dict[str, Term]],
    node: str,
    node_label: str,
    node_label_prop: str,
    figure: str = "",
) -> list[PropertyValues]:
    """Group (predicate, node) rows into properties with labelled, de-duplicated values;
    `figure` names the column that names an unlabelled outcome by its figures."""
    props: dict[str, PropertyValues] = {}
    labels: dict[tuple[str, Term], list[tuple[Term | None, Term]]] = {}
    plabels: dict[str, list[tuple[Term | None, Term]]] = {}
    for row in rows:
        p = row["p"]
        entry = props.setdefault(p.value, PropertyValues(predicate=p, label=""))
        value = row[node]
        key = (p.value, value)
        if key not in labels:
            labels[key] = []
            entry.values.append(Value(value))
        if node_label in row:
            labels[key].append((row.get(node_label_prop), row[node_label]))
        if figure in row:  # ranks below every label property
            labels[key].append((None, row[figure]))
        if "plabel" in row:
            plabels.setdefault(p.value, []).append((None, row["plabel"]))
    for p, entry in props.items():
        entry.label = best_label(plabels.get(p, [])) or curie(p)
        for value in entry.values:
            value.label = best_label(labels[(p, value.term)])
        entry.values.sort(key=_value_order)
        entry.total = len(entry.values)
        entry.values = entry.values[:MAX_VALUES]
    return sorted(props.values(), key=_property_order)


def _value_order(value: Value) -> tuple:
    return (value.term.kind != "uri", natural(value.text.lower()))


def natural(text: str) -> list:
    """Sort key that puts passage/2 before passage/10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _property_order(prop: PropertyValues) -> tuple:
    first = [RDF_TYPE, *LABEL_PROPERTIES]
    rank = first.index(prop.predicate.value) if prop.predicate.value in first else len(first)
    return (rank, prop.label.lower())


def subject_label(out: list[PropertyValues], iri: str) -> str:
    """The page title: a label, else a name made from an outcome's figures, else the IRI end."""
    by_p = {prop.predicate.value: prop for prop in out}
    candidates = [
        (Term("uri", p), value.term)
        for p in LABEL_PROPERTIES
        if p in by_p
        for value in by_p[p].values
        if value.term.is_literal
    ]
    label = best_label(candidates)
    if label:
        return label
    if POA + "value" in by_p:
        names = ("qualifier", "currency", "value", "unit")
        parts = [by_p[POA + n] for n in names if POA + n in by_p]
        return " ".join(part.values[0].text for part in parts)
    return fallback_label(iri)


def quote_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Where `quote` occurs in `text`, tolerant of differences in whitespace."""
    words = quote.split()
    if not words:
        return []
    pattern = r"\s+".join(re.escape(w) for w in words)
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def segments(text: str, marks: list[tuple[int, int, str | None, str | None]]) -> list[Segment]:
    """Cut `text` into plain and marked runs; overlapping marks keep the earlier one."""
    out: list[Segment] = []
    pos = 0
    for start, end, href, title in sorted(marks, key=lambda m: (m[0], -m[1])):
        if start < pos:
            continue
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(text[start:end], mark=True, href=href, title=title))
        pos = end
    if pos < len(text) or not out:
        out.append(Segment(text[pos:]))
    return out


def evidence(iri: str) -> list[Evidence]:
    """The passages `iri` cites as poa:evidence, each with its quotes marked."""
    quotes = [row["quote"].value for row in pagedata.select("quotes", s=iri)]
    found: dict[str, dict] = {}
    for row in pagedata.select("evidence", s=iri):
        passage = row["passage"].value
        item = found.setdefault(
            passage,
            {"row": row, "places": {}, "report": [], "action": []},
        )
        if "place" in row:
            item["places"].setdefault(row["place"], [])
            if "placeLabel" in row:
                item["places"][row["place"]].append((None, row["placeLabel"]))
        if "reportLabel" in row:
            item["report"].append((None, row["reportLabel"]))
        if "actionLabel" in row:
            item["action"].append((None, row["actionLabel"]))
    result: list[Evidence] = []
    matched: set[str] = set()
    for passage, item in sorted(found.items(), key=lambda kv: natural(kv[0])):
        row = item["row"]
        text = row["text"].value if "text" in row else ""
        marks, unmatched = [], []
        for quote in quotes:
            spans = quote_spans(text, quote)
            marks += [(s, e, None, None) for s, e in spans]
            if not spans:
                unmatched.append(quote)
        result.append(
            Evidence(
                passage=Value(Term("uri", passage), passage_label(passage)),
                segments=segments(text, marks),
                report=_labelled(row.get("report"), item["report"]),
                action=_labelled(row.get("action"), item["action"]),
                places=sorted(
                    (Value(p, best_label(labels)) for p, labels in item["places"].items()),
                    key=lambda v: v.text,
                ),
            )
        )
        matched.update(q for q in quotes if q not in unmatched)
    if result:  # a quote found in none of the passages is shown apart, with a warning
        result[0].unmatched = [q for q in quotes if q not in matched]
    return result


def _labelled(term: Term | None, labels: list) -> Value | None:
    return Value(term, best_label(labels)) if term is not None else None


def passage_label(iri: str) -> str:
    """'Passage 12' for .../passage/12."""
    tail = iri.rstrip("/").rsplit("/", 2)
    return f"Passage {tail[-1]}" if len(tail) == 3 and tail[-2] == "passage" else iri


def fallback_label(iri: str) -> str:
    """A name for an IRI without a label: 'Passage 12' or 'Outcome 3' for numbered parts of
    a report, the last segment for our other resources, a prefixed name or the IRI elsewhere."""
    if iri.startswith(iris.ID):
        parts = iri[len(iris.ID) :].rstrip("/").split("/")
        if len(parts) >= 2 and parts[-1].isdigit():
            return f"{parts[-2].capitalize()} {parts[-1]}"
        return parts[-1]
    if iri.startswith(POA):
        return iri[len(POA) :]
    return curie(iri)


def passage_text(iri: str, out: list[PropertyValues]) -> list[Segment] | None:
    """A passage's text with every quote of the facts citing it marked and linked to them."""
    texts = [p for p in out if p.predicate.value == POA + "text"]
    if not texts or not texts[0].values:
        return None
    text = texts[0].values[0].term.value
    marks = []
    for row in pagedata.select("passage-facts", s=iri):
        if "quote" not in row:
            continue
        fact = row["fact"].value
        if "label" in row:
            title = row["label"].value
        else:
            title = curie(row["type"].value) if "type" in row else fact
        spans = quote_spans(text, row["quote"].value)
        marks += [(s, e, pagedata.local_href(fact), title) for s, e in spans]
    return segments(text, marks)


@dataclass
class ProgrammeRow:
    programme: Value
    acronym: str | None = None
    organisations: list[Value] = field(default_factory=list)


@dataclass
class OutcomeRow:
    outcome: Value
    figure: str
    years: str | None = None
    programme: Value | None = None
    passage: Value | None = None
    quote: str | None = None


def programmes_in(country: str) -> list[ProgrammeRow]:
    """The programmes that run in a country, with their implementing organisations."""
    rows: dict[str, ProgrammeRow] = {}
    for row in pagedata.select("country-programmes", s=country):
        iri = row["programme"].value
        item = rows.setdefault(iri, ProgrammeRow(Value(row["programme"])))
        if "label" in row:
            item.programme.label = row["label"].value
        if "acronym" in row:
            item.acronym = row["acronym"].value
        if "org" in row and all(o.term != row["org"] for o in item.organisations):
            label = row["orgLabel"].value if "orgLabel" in row else None
            item.organisations.append(Value(row["org"], label))
    return sorted(rows.values(), key=lambda r: r.programme.text.lower())


def outcomes_of(iri: str) -> list[OutcomeRow]:
    """The outcomes stated for a country (poa:country) or a programme (poa:outcomeOf)."""
    rows: dict[str, OutcomeRow] = {}
    for row in pagedata.select("outcomes", s=iri):
        key = row["outcome"].value
        if key in rows:
            continue
        figure = " ".join(
            row[name].value for name in ("qualifier", "currency", "value", "unit") if name in row
        )
        years = "–".join(row[n].value for n in ("startYear", "endYear") if n in row) or None
        programme = None
        if "programme" in row:
            label = row["programmeLabel"].value if "programmeLabel" in row else None
            programme = Value(row["programme"], label)
        passage = None
        if "passage" in row:
            passage = Value(row["passage"], passage_label(row["passage"].value))
        label = row["label"].value if "label" in row else figure or None
        rows[key] = OutcomeRow(
            outcome=Value(row["outcome"], label),
            figure=figure,
            years=years,
            programme=programme,
            passage=passage,
            quote=row["quote"].value if "quote" in row else None,
        )
    return sorted(rows.values(), key=lambda r: natural(r.outcome.term.value))


@dataclass
class ContentsPassage:
    passage: Value
    snippet: str
    places: list[Value]
    footnote: str | None = None


@dataclass
class ContentsAction:
    action: Value | None
    passages: list[ContentsPassage] = field(default_factory=list)


@dataclass
class ContentsCommitment:
    commitment: Value | None
    actions: list[ContentsAction] = field(default_factory=list)


def report_contents(report: str) -> list[ContentsCommitment]:
    """The report's passages in reading order, under their commitment and action."""
    passages: dict[str, dict] = {}
    for row in pagedata.select("report-contents", s=report):
        item = passages.setdefault(row["passage"].value, {"row": row, "places": {}})
        if "place" in row:
            label = row["placeLabel"].value if "placeLabel" in row else None
            item["places"][row["place"]] = label
    contents: list[ContentsCommitment] = []

    def reading_order(kv: tuple[str, dict]) -> tuple:
        start = kv[1]["row"].get("start")
        return (int(start.value) if start else float("inf"), natural(kv[0]))

    for iri, item in sorted(passages.items(), key=reading_order):
        row = item["row"]
        addressed = _value(row, "addressed", "addressedLabel")
        commitment = _value(row, "commitment", "commitmentLabel")
        if commitment is None and addressed is not None:  # text under a commitment heading
            commitment, addressed = addressed, None
        if not contents or contents[-1].commitment != commitment:
            contents.append(ContentsCommitment(commitment))
        actions = contents[-1].actions
        if not actions or actions[-1].action != addressed:
            actions.append(ContentsAction(addressed))
        actions[-1].passages.append(
            ContentsPassage(
                passage=Value(Term("uri", iri), passage_label(iri)),
                snippet=row["snippet"].value if "snippet" in row else "",
                places=[Value(p, label) for p, label in item["places"].items()],
                footnote=row["footnote"].value if "footnote" in row else None,
            )
        )
    return contents


def _value(row: dict[str, Term], node: str, label: str) -> Value | None:
    if node not in row:
        return None
    return Value(row[node], row[label].value if label in row else None)
