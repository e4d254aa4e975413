"""Read a CSV contribution (the template of contributions/template.csv) as RFC 4180 says.

The separator (comma, semicolon or tab) is the only thing guessed, from the header line;
quotes are RFC 4180's (a quote inside a quoted cell is doubled, a quoted cell may hold the
separator or a line break), read strictly: a malformed quote is an error with its row and
column. Rows become RDF through the SPARQL CONSTRUCT template mappings/contribution-csv.rq,
by way of generic tabular RDF (CSVW's row and rowNum, one property per column).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from ..errors import ContributionError
from .config import CSV_TEMPLATE, csv_columns

#: Generic tabular RDF for CSV input (see mappings/contribution-csv.rq).
_CSV = "urn:poagraph:csv#"
_CSV_NAMESPACE = ox.NamedNode(_CSV + "namespace")
_CSVW_ROW = ox.NamedNode("http://www.w3.org/ns/csvw#row")
_CSVW_ROWNUM = ox.NamedNode("http://www.w3.org/ns/csvw#rowNum")


@dataclass
class Table:
    """A CSV contribution read: its triples, each resource's row, each row's cells."""

    triples: list[ox.Triple]
    rows: dict[str, int]  #: resource -> CSV row
    cells: dict[int, dict[str, str]]  #: CSV row -> column -> text


def parse_csv(text: str, base: str, source: str) -> Table:
    """Each row through the CONSTRUCT template of mappings/ (no triples are built here)."""
    separator = _separator(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=separator, strict=True)
    header = _header(reader, source)
    tabular, texts = _tabular(reader, header, base, source, text)
    scratch = ox.Store()
    scratch.extend(tabular)
    triples = list(scratch.query(CSV_TEMPLATE.read_text(encoding="utf-8")))
    if not triples:
        raise ContributionError("the CSV file has a header but no rows", source, row=2)
    triples = list(dict.fromkeys(triples))
    return Table(triples, _rows(triples, base), texts)


def _separator(header: str) -> str:
    """The separator of the header line (comma, semicolon or tab: the most frequent);
    everything else is RFC 4180, as spreadsheets write it (quotes doubled in quoted cells)."""
    return max(",;\t", key=header.count) if any(s in header for s in ",;\t") else ","


def _bad_quote(record: str, separator: str) -> int:
    """The 1-based column of the first malformed quote in `record` (the text from the
    start of the record the csv module refused): a character other than the separator
    after a closing quote, or a quote never closed."""
    column, opened, quoted, at_start, i = 1, 1, False, True, 0
    while i < len(record):
        ch, after = record[i], record[i + 1 : i + 2]
        if quoted and ch == '"':
            if after == '"':  # a doubled quote: still inside the cell
                i += 1
            elif after in (separator, "\r", "\n", ""):
                quoted = False
            else:
                return column
        elif ch == '"' and at_start and not quoted:
            quoted, opened = True, column
        elif ch == separator and not quoted:
            column, at_start, i = column + 1, True, i + 1
            continue
        elif ch in "\r\n" and not quoted:
            break
        at_start = False
        i += 1
    return opened if quoted else column


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
    reader: csv.Reader, header: list[str], base: str, source: str, text: str
) -> tuple[list[ox.Quad], dict[int, dict[str, str]]]:
    """The table as generic tabular RDF (CSVW's row/rowNum, one property per column; what
    the columns mean is only in the CONSTRUCT template), and each row's non-empty cells."""
    table = ox.BlankNode()
    tabular = [ox.Quad(table, _CSV_NAMESPACE, ox.Literal(base))]
    texts: dict[int, dict[str, str]] = {}
    n, line = 1, reader.line_num
    try:
        for n, cells in enumerate(reader, start=2):
            line = reader.line_num
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
        start = 0
        for _ in range(line):  # the failing record starts after `line` physical lines
            start = text.index("\n", start) + 1
        record = text[start:]
        column = _bad_quote(record, reader.dialect.delimiter)
        raise ContributionError(
            f'not valid CSV: {e} (a double quote inside a quoted cell must be doubled: "")',
            source,
            row=n + 1,
            column=column,
        ) from None
    return tabular, texts


def _rows(triples: list[ox.Triple], namespace: str) -> dict[str, int]:
    """The CSV row of each resource: outcomes and passages carry it in their IRI
    (outcome/row-3); a programme or organisation gets the first row that names it."""
    rows: dict[str, int] = {}
    for t in sorted(triples, key=lambda t: t.subject.value):
        local = t.subject.value[len(namespace) :]
        if "/row-" in local:
            n = int(local.rsplit("-", 1)[1])
            rows.setdefault(t.subject.value, n)
            if isinstance(t.object, ox.NamedNode) and t.object.value.startswith(namespace):
                rows[t.object.value] = min(rows.get(t.object.value, n), n)
    return rows
