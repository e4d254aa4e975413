"""Read a contribution: bytes -> a parsed `Contribution` (triples in its own namespace).

The file must be UTF-8, non-empty and under the size limit of
mappings/contribution-rules.yaml; syntax errors say line and column (Turtle, JSON-LD) or
row and column (CSV) and are raised as ContributionError, which `poagraph validate` turns
into exit status 2. CSV rows become RDF through the SPARQL CONSTRUCT template
mappings/contribution-csv.rq; JSON-LD documents may name the published context
(CONTEXT_URL), which is read from mappings/contribution.context.jsonld, never fetched.

A contribution's own resources are blank nodes, relative IRIs (resolved against the
contribution's namespace, id/contribution/{id}/), or IRIs of the contributor's own domain.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox

from .. import iris
from ..errors import ContributionError
from ..validation.model import Result
from .config import CONTEXT_URL, CSV_TEMPLATE, context, csv_columns, rules

FORMATS = {"ttl": "ttl", "turtle": "ttl", "jsonld": "jsonld", "json": "jsonld", "csv": "csv"}
_XSD_DOUBLE = iris.XSD + "double"
_XSD_DECIMAL = ox.NamedNode(iris.XSD + "decimal")
#: Generic tabular RDF for CSV input (see mappings/contribution-csv.rq).
_CSV = "urn:poagraph:csv#"
_CSV_NAMESPACE = ox.NamedNode(_CSV + "namespace")
_CSVW_ROW = ox.NamedNode("http://www.w3.org/ns/csvw#row")
_CSVW_ROWNUM = ox.NamedNode("http://www.w3.org/ns/csvw#rowNum")


@dataclass
class Contribution:
    """A parsed contribution: its triples and where each resource came from."""

    triples: list[ox.Triple]
    namespace: str
    source: str
    fmt: str
    rows: dict[str, int] = field(default_factory=dict)  #: resource -> CSV row
    cells: dict[int, dict[str, str]] = field(default_factory=dict)  #: CSV row -> column -> text
    text: str = ""  #: the source text (Turtle and JSON-LD results point at its lines)
    results: list[Result] = field(default_factory=list)  #: problems found while resolving


def namespace_for(contribution_id: str) -> str:
    """The namespace of a contribution's own resources."""
    return f"{iris.ID}contribution/{contribution_id}/"


def parse_contribution(
    data: bytes | Path,
    fmt: str | None = None,
    *,
    source: str = "",
    contribution_id: str | None = None,
) -> Contribution:
    """Parse a contribution into triples in its own namespace (ContributionError if not)."""
    if isinstance(data, Path):
        source = source or str(data)
        data = read_file(data)
    source = source or "contribution"
    fmt = FORMATS.get(fmt or "") or guess_format(source)
    text = read_text(data, source)
    namespace = namespace_for(contribution_id or hashlib.sha256(data).hexdigest()[:12])
    if fmt == "ttl":
        c = Contribution(parse_turtle(text, namespace, source), namespace, source, fmt)
    elif fmt == "jsonld":
        c = Contribution(parse_jsonld(text, namespace, source), namespace, source, fmt)
    else:
        c = parse_csv(text, namespace, source)
    c.text = text
    if len(c.triples) > rules()["max_triples"]:
        raise ContributionError(
            f"{len(c.triples)} triples; contributions are limited to {rules()['max_triples']}",
            source,
        )
    _normalise(c)
    return c


# ------------------------------------------------------------------------------ bytes


def read_file(path: Path) -> bytes:
    """The bytes of `path`; the size is checked before anything is read."""
    try:
        _check_size(path.stat().st_size, str(path))
        return path.read_bytes()
    except FileNotFoundError:
        raise ContributionError("no such file", str(path)) from None
    except IsADirectoryError:
        raise ContributionError("this is a directory, not a file", str(path)) from None
    except PermissionError:
        raise ContributionError("permission denied", str(path)) from None


def read_text(data: bytes, source: str) -> str:
    """UTF-8 text (a BOM is allowed), or a ContributionError naming the first bad byte."""
    _check_size(len(data), source)
    if not data.strip():
        raise ContributionError("the file is empty", source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise ContributionError(
            f"the file is not UTF-8 text (byte 0x{data[e.start]:02x}); save it as UTF-8"
            " (in a spreadsheet: CSV UTF-8)",
            source,
            line,
            column,
        ) from None


def _check_size(size: int, source: str) -> None:
    limit = rules()["max_bytes"]
    if size > limit:
        raise ContributionError(
            f"the file is {size / 1e6:.1f} MB; contributions are limited to"
            f" {limit / 1e6:.0f} MB: split it into several files",
            source,
        )


def guess_format(name: str) -> str:
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return FORMATS[suffix]
    raise ContributionError(
        "cannot tell the format from the file name: use --format ttl, jsonld or csv", name
    )


def _normalise(c: Contribution) -> None:
    """JSON numbers with a fraction arrive as xsd:double: make them the xsd:decimal the
    vocabulary uses (2.5E0 -> 2.5)."""
    fixed = []
    for t in c.triples:
        o = t.object
        if isinstance(o, ox.Literal) and o.datatype.value == _XSD_DOUBLE:
            with contextlib.suppress(InvalidOperation):
                o = ox.Literal(str(Decimal(o.value).normalize()), datatype=_XSD_DECIMAL)
            t = ox.Triple(t.subject, t.predicate, o)
        fixed.append(t)
    c.triples = fixed


# ------------------------------------------------------------------------------ RDF


def parse_turtle(text: str, base: str, source: str) -> list[ox.Triple]:
    try:
        return [
            q.triple
            for q in ox.parse(
                text.encode(), format=ox.RdfFormat.TURTLE, base_iri=base, rename_blank_nodes=True
            )
        ]
    except SyntaxError as e:
        raise _syntax_error(e, source, "Turtle") from None


def parse_jsonld(text: str, base: str, source: str) -> list[ox.Triple]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as e:
        raise ContributionError(f"not valid JSON: {e.msg}", source, e.lineno, e.colno) from None
    document = _inline_context(document, source)
    try:
        quads = ox.parse(
            json.dumps(document).encode(),
            format=ox.RdfFormat.JSON_LD,
            base_iri=base,
            rename_blank_nodes=True,
        )
        return [q.triple for q in quads]
    except SyntaxError as e:
        raise _syntax_error(e, source, "JSON-LD") from None


def _inline_context(document: object, source: str) -> object:
    """Replace the published context's URL by its content; refuse other remote contexts."""

    def fix(ctx: object) -> object:
        if isinstance(ctx, str):
            if ctx.rstrip("#") in (CONTEXT_URL, CONTEXT_URL.removesuffix(".jsonld")):
                return context()
            raise ContributionError(
                f"remote JSON-LD context {ctx!r} is not loaded; use {CONTEXT_URL!r}"
                " or put the context in the document",
                source,
            )
        if isinstance(ctx, list):
            return [fix(c) for c in ctx]
        return ctx

    def walk(node: object) -> object:
        if isinstance(node, dict):
            return {k: fix(v) if k == "@context" else walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(n) for n in node]
        return node

    return walk(document)


def _syntax_error(e: SyntaxError, source: str, language: str) -> ContributionError:
    message = str(e.args[0] if e.args else e)
    for prefix in ("Parser error between ", "Parser error at "):
        if message.startswith(prefix) and ": " in message:
            message = message.split(": ", 1)[1]
    return ContributionError(f"{language} syntax error: {message}", source, e.lineno, e.offset)


# ------------------------------------------------------------------------------ CSV


def parse_csv(text: str, base: str, source: str) -> Contribution:
    """Each row through the CONSTRUCT template of mappings/ (no triples are built here)."""
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    header = _header(reader, source)
    tabular, texts = _tabular(reader, header, base, source)
    scratch = ox.Store()
    scratch.extend(tabular)
    triples = list(scratch.query(CSV_TEMPLATE.read_text(encoding="utf-8")))
    if not triples:
        raise ContributionError("the CSV file has a header but no rows", source, row=2)
    contribution = Contribution(list(dict.fromkeys(triples)), base, source, "csv")
    contribution.rows = _rows(contribution)
    contribution.cells = texts
    return contribution


def _header(reader: Iterable[list[str]], source: str) -> list[str]:
    """The header row, column names normalised; ContributionError unless it fits the
    template (no unknown or repeated column, every required one)."""
    columns = [c["name"] for c in csv_columns()]
    required = {c["name"] for c in csv_columns() if c["required"]}
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(iter(reader))]
    except csv.Error as e:
        raise ContributionError(f"not valid CSV: {e}", source, row=1) from None
    unknown = [h for h in header if h and h not in columns]
    if unknown:
        raise ContributionError(
            f"unknown column {unknown[0]!r}; the template's columns are: {', '.join(columns)}",
            source,
            row=1,
            column=header.index(unknown[0]) + 1,
        )
    repeated = [h for n, h in enumerate(header) if h and h in header[:n]]
    if repeated:
        raise ContributionError(
            f"column {repeated[0]!r} appears twice in the header",
            source,
            row=1,
            column=len(header) - header[::-1].index(repeated[0]),
        )
    missing = sorted(required - set(header))
    if missing:
        raise ContributionError(
            f"missing column(s) {', '.join(missing)}; start from contributions/template.csv",
            source,
            row=1,
        )
    return header


def _tabular(
    reader: Iterable[list[str]], header: list[str], base: str, source: str
) -> tuple[list[ox.Quad], dict[int, dict[str, str]]]:
    """The table as generic tabular RDF (CSVW's row/rowNum, one property per column; what
    the columns mean is only in the CONSTRUCT template), and each row's non-empty cells."""
    table = ox.BlankNode()
    tabular = [ox.Quad(table, _CSV_NAMESPACE, ox.Literal(base))]
    texts: dict[int, dict[str, str]] = {}
    n = 1
    try:
        for n, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header):
                raise ContributionError(
                    f"{len(cells)} cells but the header has {len(header)} columns"
                    " (a value with a comma must be in double quotes)",
                    source,
                    row=n,
                )
            row = ox.BlankNode()
            values = {h: c.strip() for h, c in zip(header, cells, strict=False) if h and c.strip()}
            texts[n] = values
            tabular += [ox.Quad(table, _CSVW_ROW, row), ox.Quad(row, _CSVW_ROWNUM, ox.Literal(n))]
            tabular += [
                ox.Quad(row, ox.NamedNode(_CSV + h), ox.Literal(v)) for h, v in values.items()
            ]
    except csv.Error as e:
        raise ContributionError(f"not valid CSV: {e}", source, row=n) from None
    return tabular, texts


def _rows(c: Contribution) -> dict[str, int]:
    """The CSV row of each resource: outcomes and passages carry it in their IRI
    (outcome/row-3); a programme or organisation gets the first row that names it."""
    rows: dict[str, int] = {}
    for t in sorted(c.triples, key=lambda t: t.subject.value):
        local = t.subject.value[len(c.namespace) :]
        if "/row-" in local:
            n = int(local.rsplit("-", 1)[1])
            rows.setdefault(t.subject.value, n)
            if isinstance(t.object, ox.NamedNode) and t.object.value.startswith(c.namespace):
                rows[t.object.value] = min(rows.get(t.object.value, n), n)
    return rows
