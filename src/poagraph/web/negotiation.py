"""Content negotiation: Accept headers with q-values (RFC 9110 §12.5.1).

Pure functions over media-type strings, shared by the query workers, /sparql and the pages;
the formats themselves are in formats.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from poagraph.web.formats import GRAPHS, HTML, Format, by_name, media_types


class NotAcceptable(Exception):
    """None of the offered formats is what the client asked for (406)."""


def pick(
    accept: str | None,
    format_value: str | None,
    offered: Sequence[Format],
    aliases: Mapping[str, str],
) -> Format:
    """The format to answer with: the one `format=` names, else the one Accept prefers.

    HTML, when offered, goes to browsers only (see prefers_html); a client that takes
    anything gets the first machine format. Raises NotAcceptable with a message naming the
    formats offered.
    """
    if format_value:
        found = by_name(format_value, offered, aliases)
        if found is None:
            names = ", ".join(f.name for f in offered)
            raise NotAcceptable(
                f"format={format_value!r} is not available here; use one of {names}"
            )
        return found
    if HTML in offered and prefers_html(accept):
        return HTML
    machine = [f for f in offered if f != HTML]
    media = choose(accept, media_types(machine), aliases)
    if media is None and HTML in offered:
        media = choose(accept, [HTML.media_type])
    if media is None:
        types = ", ".join(media_types(offered))
        raise NotAcceptable(f"none of the Accept types {accept!r} is available: {types}")
    return next(f for f in offered if f.media_type == media)


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


def prefers_html(header: str | None) -> bool:
    """True when the client is a browser: it asks for HTML explicitly, above JSON and RDF.

    Ties go to the machine formats: `application/json, text/html` is an API client.
    """
    ranges = parse_accept(header)
    html = _quality("text/html", [r for r in ranges if r[0] != "*/*"])
    if html <= 0.0:
        return False
    others = ["application/json", "application/sparql-results+json", *media_types(GRAPHS)]
    return all(_quality(m, [r for r in ranges if r[0] != "*/*"]) < html for m in others)
