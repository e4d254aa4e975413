"""The SELECT / ASK result writers (W3C SPARQL 1.1 result formats), row by row within a row
cap and a byte cap, and the CSV cell rule that keeps spreadsheets from running a cell.

A cut result is a whole document with the rows that fit; JSON and XML say so in their head
(a `link` to ``urn:poagraph:truncated``, which readers ignore), every format in the
``X-Poagraph-Truncated`` header the web process adds.

CSV and TSV deviate from the W3C formats on purpose (OWASP "CSV injection"): a literal that
is not a number and starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
written with a leading apostrophe, so that a spreadsheet shows it instead of running it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
SRX_NS = "http://www.w3.org/2005/sparql-results#"
#: the head link of a cut result (JSON `"link"`, XML `<link href>`)
TRUNCATED_LINK = "urn:poagraph:truncated"

#: cells starting with these are formulas (or become one) in spreadsheets
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMERIC_TYPES = (
    "integer decimal float double long int short byte nonNegativeInteger positiveInteger "
    "negativeInteger nonPositiveInteger unsignedLong unsignedInt unsignedShort unsignedByte"
)
_NUMERIC = frozenset(XSD + name for name in _NUMERIC_TYPES.split())


def spreadsheet_safe(term):
    """`term`, or for a literal that is not a number and that a spreadsheet would run as a
    formula, the same literal with a leading apostrophe."""
    if (
        isinstance(term, Literal)
        and term.value.startswith(_FORMULA_START)
        and term.datatype.value not in _NUMERIC
    ):
        if term.language:
            return Literal("'" + term.value, language=term.language)
        return Literal("'" + term.value, datatype=term.datatype)
    return term


def csv_cell(term) -> str:
    """A term as a SPARQL CSV cell (plain values), made spreadsheet-safe."""
    term = spreadsheet_safe(term)
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, NamedNode | Literal):
        return term.value
    return str(term)


def csv_rows(variables: list[str], rows: Iterable) -> str:
    """A whole SPARQL CSV document (also for `poagraph query --format csv`)."""
    return _CSV.head(variables, False) + "".join(_CSV.row(variables, row) for row in rows)


# --- one writer per format: head, row, tail ------------------------------------------------


@dataclass(frozen=True)
class _Writer:
    head: Callable[[list[str], bool], str]
    row: Callable[[list[str], object], str]
    tail: str = ""
    #: rows after the first are preceded by this (JSON's comma)
    separator: str = ""


def _json_term(term) -> dict:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"unexpected term {term!r}")


def _xml_term(term) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            dt = quoteattr(term.datatype.value)
            return f"<literal datatype={dt}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, Triple):
        return (
            f"<triple><subject>{_xml_term(term.subject)}</subject>"
            f"<predicate>{_xml_term(term.predicate)}</predicate>"
            f"<object>{_xml_term(term.object)}</object></triple>"
        )
    raise TypeError(f"unexpected term {term!r}")


def _json_head(variables: list[str], truncated: bool) -> str:
    head: dict = {"vars": variables}
    if truncated:
        head["link"] = [TRUNCATED_LINK]
    return '{"head": ' + json.dumps(head, ensure_ascii=False) + ', "results": {"bindings": ['


def _json_row(variables: list[str], row) -> str:
    binding = {var: _json_term(row[i]) for i, var in enumerate(variables) if row[i] is not None}
    return json.dumps(binding, ensure_ascii=False)


def _xml_head(variables: list[str], truncated: bool) -> str:
    parts = ['<?xml version="1.0"?>\n<sparql xmlns="', SRX_NS, '">\n<head>']
    parts += [f"<variable name={quoteattr(v)}/>" for v in variables]
    if truncated:
        parts.append(f'<link href="{TRUNCATED_LINK}"/>')
    parts.append("</head>\n<results>\n")
    return "".join(parts)


def _xml_row(variables: list[str], row) -> str:
    parts = ["<result>"]
    for i, var in enumerate(variables):
        if row[i] is not None:
            parts.append(f"<binding name={quoteattr(var)}>{_xml_term(row[i])}</binding>")
    parts.append("</result>\n")
    return "".join(parts)


def _csv_line(cells: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(cells)
    return buf.getvalue()


#: TSV writes these literals bare, as Turtle does (and pyoxigraph's TSV writer)
_TSV_BARE = {
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD + "double": re.compile(r"[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+"),
    XSD + "boolean": re.compile(r"true|false"),
}


def _tsv_term(term) -> str:
    """A term in its N-Triples form (numbers and booleans bare), made spreadsheet-safe."""
    if term is None:
        return ""
    if isinstance(term, Literal) and not term.language:
        bare = _TSV_BARE.get(term.datatype.value)
        if bare is not None and bare.fullmatch(term.value):
            return term.value
    return str(spreadsheet_safe(term))


def _tsv_row(variables: list[str], row) -> str:
    return "\t".join(_tsv_term(row[i]) for i in range(len(variables))) + "\n"


_JSON = _Writer(_json_head, _json_row, tail="]}}", separator=", ")
_XML = _Writer(_xml_head, _xml_row, tail="</results>\n</sparql>\n")
_CSV = _Writer(
    lambda variables, _: _csv_line(variables),
    lambda variables, row: _csv_line([csv_cell(row[i]) for i in range(len(variables))]),
)
_TSV = _Writer(lambda variables, _: "\t".join(f"?{v}" for v in variables) + "\n", _tsv_row)

#: media type -> writer
WRITERS = {
    "application/sparql-results+json": _JSON,
    "application/sparql-results+xml": _XML,
    "text/csv": _CSV,
    "text/tab-separated-values": _TSV,
}


def _least_size(row) -> int:
    """A lower bound of a row's serialized size: its terms' characters."""
    return sum(len(getattr(term, "value", "")) for term in row if term is not None)


def write_solutions(
    media_type: str, variables: list[str], rows: Iterable, max_rows: int, max_bytes: int
) -> tuple[bytes, bool]:
    """The document of the first rows that fit both caps, and whether rows were left out.

    Rows are read one at a time, so a row that does not fit is never kept whole in memory
    twice; the head and tail are counted in `max_bytes`."""
    writer = WRITERS[media_type]
    tail = writer.tail.encode()
    budget = max_bytes - len(writer.head(variables, True).encode()) - len(tail)
    parts: list[bytes] = []
    size = 0
    truncated = False
    for n, row in enumerate(rows):
        if n >= max_rows or size + _least_size(row) > budget:
            truncated = True
            break
        part = ((writer.separator if n else "") + writer.row(variables, row)).encode()
        if size + len(part) > budget:
            truncated = True
            break
        parts.append(part)
        size += len(part)
    head = writer.head(variables, truncated).encode()
    return head + b"".join(parts) + tail, truncated


def boolean(value: bool, media_type: str) -> bytes:
    """An ASK result."""
    word = "true" if value else "false"
    if media_type == "application/sparql-results+json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if media_type == "application/sparql-results+xml":
        return (
            f'<?xml version="1.0"?>\n<sparql xmlns="{SRX_NS}">\n<head/>\n'
            f"<boolean>{word}</boolean>\n</sparql>\n"
        ).encode()
    return f"{word}\n".encode()
