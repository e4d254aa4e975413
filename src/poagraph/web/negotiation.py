"""Content negotiation: Accept headers with q-values, and the `format=` override.

Pure functions, shared by the SPARQL endpoint and the linked-data pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: SELECT/ASK result formats: media type -> short `format=` names.
RESULT_FORMATS: dict[str, tuple[str, ...]] = {
    "application/sparql-results+json": ("json", "srj"),
    "application/sparql-results+xml": ("xml", "srx"),
    "text/csv": ("csv",),
    "text/tab-separated-values": ("tsv",),
}
#: Media types clients use for result formats that we answer with the canonical one.
RESULT_ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
}

#: CONSTRUCT/DESCRIBE (and resource) graph formats: media type -> short `format=` names.
GRAPH_FORMATS: dict[str, tuple[str, ...]] = {
    "text/turtle": ("turtle", "ttl"),
    "application/n-triples": ("ntriples", "nt", "n-triples"),
    "application/n-quads": ("nquads", "nq", "n-quads"),
    "application/trig": ("trig",),
    "application/ld+json": ("jsonld", "json-ld", "json"),
    "application/rdf+xml": ("rdfxml", "rdf", "xml", "rdf-xml"),
}
GRAPH_ALIASES = {
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "application/json": "application/ld+json",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
}


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """The media ranges of an Accept header with their q-values, best first.

    A missing or empty header means `*/*`. Ranges with q=0 are kept: they exclude.
    """
    if not header or not header.strip():
        return [("*/*", 1.0)]
    ranges: list[tuple[str, float, int, int]] = []
    for index, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        if media == "*":  # some clients send a bare star
            media = "*/*"
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:  # a malformed q-value counts as q=0, per RFC 9110
                    q = 0.0
        ranges.append((media, q, _specificity(media), index))
    ranges.sort(key=lambda r: (-r[1], -r[2], r[3]))
    return [(media, q) for media, q, _, _ in ranges]


def _specificity(media: str) -> int:
    if media == "*/*":
        return 0
    if media.endswith("/*"):
        return 1
    return 2


def _quality(media: str, ranges: list[tuple[str, float]]) -> float:
    """The q-value the client gives `media`: the most specific matching range decides."""
    best: tuple[int, float] | None = None
    main = media.split("/", 1)[0]
    for rng, q in ranges:
        if rng == media:
            spec = 2
        elif rng == f"{main}/*":
            spec = 1
        elif rng == "*/*":
            spec = 0
        else:
            continue
        if best is None or spec > best[0]:
            best = (spec, q)
    return best[1] if best else 0.0


def choose(
    header: str | None,
    offered: Iterable[str],
    aliases: Mapping[str, str] | None = None,
) -> str | None:
    """The offered media type the client prefers, or None when none is acceptable.

    `offered` is in server preference order (the first wins ties and wildcards).
    `aliases` maps other media types onto offered ones (application/json -> ...+json).
    """
    ranges = parse_accept(header)
    offered = list(offered)
    scores: dict[str, float] = {}
    for media in offered:
        scores[media] = _quality(media, ranges)
    for alias, target in (aliases or {}).items():
        if target in scores:
            # only an explicit mention of the alias counts: wildcards already scored `target`
            for rng, q in ranges:
                if rng == alias:
                    scores[target] = max(scores[target], q)
    best = max(offered, key=lambda m: (scores[m], -offered.index(m)), default=None)
    if best is None or scores[best] <= 0.0:
        return None
    return best


def from_format(value: str, formats: Mapping[str, tuple[str, ...]], aliases=None) -> str | None:
    """The media type a `format=` value names (short name or media type), or None."""
    value = value.strip().lower()
    if value in formats:
        return value
    if aliases and value in aliases:
        return aliases[value]
    for media, names in formats.items():
        if value in names:
            return media
    return None


def prefers_html(header: str | None) -> bool:
    """True when the client is a browser: it asks for HTML explicitly, above JSON and RDF.

    Ties go to the machine formats: `application/json, text/html` is an API client.
    """
    ranges = parse_accept(header)
    html = _quality("text/html", [r for r in ranges if r[0] != "*/*"])
    if html <= 0.0:
        return False
    others = ["application/json", "application/sparql-results+json", *GRAPH_FORMATS]
    return all(_quality(m, [r for r in ranges if r[0] != "*/*"]) < html for m in others)
