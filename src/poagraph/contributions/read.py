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
import hashlib
import json
import math
import os
import re
import stat
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox

from .. import iris
from ..errors import ContributionError
from ..validation.model import Result
from .config import CONTEXT_URL, context, rules
from .tabular import parse_csv

FORMATS = {"ttl": "ttl", "turtle": "ttl", "jsonld": "jsonld", "json": "jsonld", "csv": "csv"}
_XSD_DOUBLE = iris.XSD + "double"
_XSD_DECIMAL = ox.NamedNode(iris.XSD + "decimal")


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
        table = parse_csv(text, namespace, source)
        c = Contribution(table.triples, namespace, source, fmt, table.rows, table.cells)
    c.text = text
    if not c.triples:
        raise ContributionError(
            "the contribution holds no resources: there is nothing to check (describe at"
            " least one outcome, programme or passage)",
            source,
        )
    _check_numbers(c)
    if len(c.triples) > rules()["max_triples"]:
        raise ContributionError(
            f"{len(c.triples)} triples; contributions are limited to {rules()['max_triples']}",
            source,
        )
    _normalise(c)
    return c


# ------------------------------------------------------------------------------ bytes


def read_file(path: Path) -> bytes:
    """The bytes of `path`, a regular file: its size is checked before anything is read,
    and no more than the limit + 1 byte is ever read (a file that grows while it is read).
    Opened without blocking, so a FIFO or a device is refused, never waited on or read."""
    source = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ContributionError("no such file", source) from None
    except IsADirectoryError:
        raise ContributionError("this is a directory, not a file", source) from None
    except PermissionError:
        raise ContributionError("permission denied", source) from None
    except OSError as e:
        raise ContributionError(f"cannot be opened: {e.strerror}", source) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise ContributionError("this is a directory, not a file", source)
        if not stat.S_ISREG(mode):
            raise ContributionError(
                "not a regular file (a device, a pipe or a socket): save the contribution"
                " to a file and check that",
                source,
            )
        _check_size(os.fstat(fd).st_size, source)
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(rules()["max_bytes"] + 1)
    except OSError as e:
        raise ContributionError(f"cannot be read: {e.strerror}", source) from None
    finally:
        os.close(fd)
    _check_size(len(data), source)
    return data


def read_text(data: bytes, source: str) -> str:
    """UTF-8 text (a BOM is allowed), or a ContributionError naming the first bad byte."""
    _check_size(len(data), source)
    if not data.strip():
        raise ContributionError("the file is empty", source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ContributionError(
            f"the file is not UTF-8 text (byte 0x{data[e.start]:02x}); save it as UTF-8"
            " (in a spreadsheet: CSV UTF-8)",
            source,
            *_line_column(data, e.start),
        ) from None
    if b"\0" in data:
        raise ContributionError(
            "the file contains a NUL byte: it is binary data, not text",
            source,
            *_line_column(data, data.index(b"\0")),
        )
    return text


def _line_column(data: bytes | str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of `offset` in `data`."""
    newline = b"\n" if isinstance(data, bytes) else "\n"
    line = data.count(newline, 0, offset) + 1
    return line, offset - (data.rfind(newline, 0, offset) + 1) + 1


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


#: Numbers longer than this (digits, sign, point, exponent) are refused: no count or
#: amount needs them, and longer ones only cost time (Python refuses ints over 4300 digits).
MAX_NUMBER_CHARS = 100
#: JSON nested deeper than this is refused before it is parsed (a contribution needs ~5).
MAX_JSON_DEPTH = 100
_NUMERIC = {iris.XSD + t for t in ("integer", "decimal", "double", "float", "nonNegativeInteger")}


def _check_numbers(c: Contribution) -> None:
    """ContributionError, saying where, for a number literal longer than MAX_NUMBER_CHARS."""
    for t in c.triples:
        o = t.object
        if isinstance(o, ox.Literal) and o.datatype.value in _NUMERIC:
            if len(o.value) > MAX_NUMBER_CHARS and c.fmt == "csv":
                row, column = next(
                    (n, h)
                    for n, cells in c.cells.items()
                    for h, v in cells.items()
                    if re.sub("[, ]", "", v) == o.value
                )
                raise ContributionError(_TOO_LONG.format(len(o.value)), c.source, None, column, row)
            if len(o.value) > MAX_NUMBER_CHARS:
                _too_long(o.value, c.source, c.text)


_TOO_LONG = f"a number of {{}} digits: numbers are limited to {MAX_NUMBER_CHARS} digits"


def _too_long(number: str, source: str, text: str) -> None:
    at = text.find(number)
    line, column = _line_column(text, at) if at >= 0 else (None, None)
    raise ContributionError(_TOO_LONG.format(len(number)), source, line, column)


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
    _check_depth(text, source)

    def number(s: str) -> int | float:
        if len(s) > MAX_NUMBER_CHARS:
            _too_long(s, source, text)
        value = float(s) if any(x in s for x in ".eE") else int(s)
        if isinstance(value, float) and not math.isfinite(value):
            _not_a_number(s, source, text)
        return value

    try:
        document = json.loads(
            text,
            parse_int=number,
            parse_float=number,
            parse_constant=lambda s: _not_a_number(s, source, text),
        )
    except json.JSONDecodeError as e:
        raise ContributionError(f"not valid JSON: {e.msg}", source, e.lineno, e.colno) from None
    except RecursionError:  # _check_depth makes this unlikely; never a traceback
        raise ContributionError("the JSON is nested too deeply", source) from None
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


_JSON_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _check_depth(text: str, source: str) -> None:
    """ContributionError at the first bracket nested deeper than MAX_JSON_DEPTH (strings
    skipped), before the recursive parser sees it."""
    depth = 0
    for m in _JSON_STRUCTURE.finditer(text):
        token = m.group()
        if token in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise ContributionError(
                    f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep",
                    source,
                    *_line_column(text, m.start()),
                )
        elif token in "]}":
            depth -= 1


def _not_a_number(s: str, source: str, text: str) -> None:
    at = text.find(s)
    raise ContributionError(
        f"{s} is not a number JSON allows (too large, or NaN or Infinity)",
        source,
        *(_line_column(text, at) if at >= 0 else (None, None)),
    )


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
