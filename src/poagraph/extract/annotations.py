"""Evidence as W3C Web Annotations, and the marks of what the text does not state.

Every (claim, span) of the evidence ledger becomes an oa:Annotation (motivated by
oa:describing) whose body is the claim (a resource, or an rdf:Statement for a relation) and
whose target is the passage with two selectors: the exact words (oa:TextQuoteSelector) and
their offsets into the report source file (oa:TextPositionSelector), so that
`source[start:end] == exact`. Annotations are numbered in source order (then by claim), and
statements in the order of their first annotation: the numbering depends on the report and
the curated data only, never on the order the extraction steps ran in.

A value the text does not state is marked on the resource that holds it: `poa:inferred`
names the property, a `skos:editorialNote` says why (`mark_inferred`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from poagraph import iris
from poagraph.errors import ReportError

from .evidence import Claim, Evidence, Span, as_list, quote_in
from .report import Document

OA = iris.OA
DESCRIBING = OA + "describing"

#: Record keys of properties that are not in the poa: namespace.
_PROPERTY = {
    "label": iris.RDFS + "label",
    "issued": iris.DCTERMS + "issued",
    "title": iris.DCTERMS + "title",
}


def property_iri(key: str) -> str:
    """The property a record key stands for (`label` -> rdfs:label, `partner` -> poa:partner)."""
    return _PROPERTY.get(key) or iris.poa(key)


def mark_inferred(record: dict, keys: Iterable[str], reason: str) -> None:
    """Mark the properties `keys` of `record` as inferred, with one note giving the reason
    ("startYear, endYear: counted back from the report's year 2006")."""
    keys = list(keys)
    inferred = record.setdefault("inferred", [])
    for k in keys:
        if property_iri(k) not in inferred:
            inferred.append(property_iri(k))
    record.setdefault("editorialNote", []).append(f"{', '.join(keys)}: {reason}")


def statement(subject: str, key: str, obj: str) -> tuple[str, str, str]:
    """The claim of a relation (`partner` etc.), as the ledger keys it."""
    return (subject, property_iri(key), obj)


# -- the words the report writes ------------------------------------------------------------


def _plain(text: str) -> str:
    """Text compared as words: typographic apostrophes, Markdown escapes and line breaks
    do not make a name different."""
    text = text.replace("’", "'").replace("‘", "'")
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!$])", r"\1", text)
    return re.sub(r"\s+", " ", text).casefold()


class Wording:
    """Whether the report writes a name, as words of its text (case and line breaks aside)."""

    def __init__(self, doc: Document):
        self.text = _plain(doc.text)

    def writes(self, name: str) -> bool:
        n = _plain(name).strip()
        return bool(n) and re.search(rf"(?<!\w){re.escape(n)}(?!\w)", self.text) is not None


def check_label(
    record: dict, wording: Wording, used: Iterable[str], note: str | None, where: str
) -> None:
    """Mark the record's label inferred when the report never writes it; the note says
    which words the report uses (`used`), or is the curator's `note` (label_note)."""
    label = record.get("label")
    if not isinstance(label, str) or wording.writes(label):
        return
    if note:
        reason = note
    else:
        words = [u for u in dict.fromkeys(used) if u != label]
        reason = (
            "the report does not write this name; it writes " + ", ".join(f"'{w}'" for w in words)
            if words
            else f"the report does not write this name; it is given in {where}"
        )
    mark_inferred(record, ["label"], reason)


# -- outcomes -------------------------------------------------------------------------------


def note_outcomes(doc: Document, outcomes: list[dict], evidence: Evidence) -> dict[str, list[Span]]:
    """Note each outcome's words (its poa:evidence passage and poa:quote) for it and for its
    outcomeOf statements. Returns programme IRI -> the spans of its outcomes."""
    by_iri = {iris.passage(doc.slug, p.n): p for p in doc.passages}
    of_programme: dict[str, list[Span]] = {}
    for rec in outcomes:
        passages = as_list(rec.get("evidence"))
        quotes = as_list(rec.get("quote"))
        if not passages or not quotes:
            continue
        p = by_iri.get(passages[0])
        span = quote_in(p, quotes[0]) if p is not None else None
        if span is None:
            raise ReportError(f"{rec['@id']}: its quote is not in its evidence passage", doc.path)
        evidence.note(rec["@id"], span)
        for programme in as_list(rec.get("outcomeOf")):
            evidence.note(statement(rec["@id"], "outcomeOf", programme), span)
            of_programme.setdefault(programme, []).append(span)
    return of_programme


# -- the records ----------------------------------------------------------------------------


def _claim_key(claim: Claim) -> tuple:
    return (0, claim) if isinstance(claim, str) else (1, *claim)


def annotation_records(evidence: Evidence) -> list[dict]:
    """The oa:Annotation, target, selector and rdf:Statement records of every noted claim."""
    slug = evidence.slug
    entries = []
    for claim, found in evidence.found.items():
        for span in found.spans:
            p = evidence.passage(span)
            at = p.start + span.start
            entries.append((at, p.start + span.end, p.n, _claim_key(claim), claim, span))
    entries.sort(key=lambda e: e[:4])
    statements: dict[tuple, str] = {}
    records: list[dict] = []
    for n, (start, end, _, _, claim, span) in enumerate(entries, 1):
        body = claim
        if not isinstance(claim, str):
            body = statements.get(claim)
            if body is None:
                body = statements[claim] = iris.statement(slug, len(statements) + 1)
                records.append(_statement_record(body, claim))
        records += _annotation(iris.annotation(slug, n), body, evidence, span, start, end)
    return records


def _statement_record(iri: str, claim: tuple[str, str, str]) -> dict:
    subject, predicate, obj = claim
    return {
        "@id": iri,
        "@type": "rdf:Statement",
        "statementSubject": subject,
        "statementPredicate": predicate,
        "statementObject": obj,
    }


def _annotation(
    iri: str, body: str, evidence: Evidence, span: Span, start: int, end: int
) -> list[dict]:
    target = f"{iri}/target"
    return [
        {
            "@id": iri,
            "@type": "oa:Annotation",
            "motivatedBy": DESCRIBING,
            "hasBody": body,
            "hasTarget": target,
        },
        {
            "@id": target,
            "@type": "oa:SpecificResource",
            "hasSource": iris.passage(evidence.slug, span.passage),
            "hasSelector": [f"{iri}/quote", f"{iri}/position"],
        },
        {"@id": f"{iri}/quote", "@type": "oa:TextQuoteSelector", "exact": evidence.words(span)},
        {"@id": f"{iri}/position", "@type": "oa:TextPositionSelector", "start": start, "end": end},
    ]
