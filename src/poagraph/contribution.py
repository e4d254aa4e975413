"""Read a partner's contribution (Turtle, JSON-LD or CSV) and check it before it enters.

Reading: the file must be UTF-8, non-empty and under the size limit of
mappings/contribution-rules.yaml; syntax errors say line and column (Turtle, JSON-LD) or
row and column (CSV) and are raised as ContributionError, which `poagraph validate` turns
into exit status 2. CSV rows become RDF through the SPARQL CONSTRUCT template
mappings/contribution-csv.rq; JSON-LD documents may name the published context
(CONTEXT_URL), which is read from mappings/contribution.context.jsonld, never fetched.

IRIs: a contribution's own resources are blank nodes, relative IRIs (resolved against the
contribution's namespace, id/contribution/{id}/), or IRIs of the contributor's own domain.
Countries, commitments, actions, organisations, programmes and passages of the graph are
named by IRI, or by name for the properties listed under `resolve:` in the rules.

Checking: the boundary rules (a contribution describes only its own resources, whatever the
shapes say), then the graph and contribution shapes, with the reference data (ontology,
vocab) and the built graph in view. See validate_contribution.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
import rdflib
import yaml
from rdflib.namespace import RDF, RDFS

from . import iris, paths, reference, store
from .errors import ContributionError
from .validate import Result, ValidationReport, describe, merge_results, run_shapes

#: The published JSON-LD context; documents naming it get mappings/contribution.context.jsonld.
CONTEXT_URL = "https://w3id.org/poagraph/context/contribution.jsonld"
CONTEXT_FILE = paths.MAPPINGS / "contribution.context.jsonld"
CSV_COLUMNS = paths.MAPPINGS / "contribution-csv.yaml"
CSV_TEMPLATE = paths.MAPPINGS / "contribution-csv.rq"
LOOKUP = paths.MAPPINGS / "contribution-lookup.rq"
RULES = paths.MAPPINGS / "contribution-rules.yaml"

FORMATS = {"ttl": "ttl", "turtle": "ttl", "jsonld": "jsonld", "json": "jsonld", "csv": "csv"}
_RDF_TYPE = ox.NamedNode(str(RDF.type))
_XSD = "http://www.w3.org/2001/XMLSchema#"
#: The shape IRI reported for boundary results (not a SHACL shape: a rule of this module).
BOUNDARY = rdflib.URIRef("https://w3id.org/poagraph/shapes#boundary")
#: Generic tabular RDF for CSV input (see mappings/contribution-csv.rq).
_CSV = "urn:poagraph:csv#"
_CSV_NAMESPACE = ox.NamedNode(_CSV + "namespace")
_CSVW_ROW = ox.NamedNode("http://www.w3.org/ns/csvw#row")
_CSVW_ROWNUM = ox.NamedNode("http://www.w3.org/ns/csvw#rowNum")


# ------------------------------------------------------------------------------ data files


@functools.cache
def rules() -> dict:
    return yaml.safe_load(RULES.read_text(encoding="utf-8"))


@functools.cache
def csv_columns() -> list[dict]:
    return yaml.safe_load(CSV_COLUMNS.read_text(encoding="utf-8"))["columns"]


@functools.cache
def _csv_derived() -> list[dict]:
    return yaml.safe_load(CSV_COLUMNS.read_text(encoding="utf-8"))["derived"]


@functools.cache
def context() -> dict:
    """The published JSON-LD context (the value of its "@context")."""
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]


def namespace_for(contribution_id: str) -> str:
    """The namespace of a contribution's own resources."""
    return f"{iris.ID}contribution/{contribution_id}/"


# ------------------------------------------------------------------------------ reference


class Reference:
    """The reference data (ontology, vocab) and the built graph, to resolve names and IRIs.

    Wraps a pyoxigraph store queried over the union of its graphs: the on-disk store
    opened read-only (so a running server keeps its lock), or an in-memory store holding
    only the ontology and vocab when nothing has been built yet.
    """

    def __init__(self, db: ox.Store, note: str = ""):
        self.db = db
        self.note = note
        self._lookup = LOOKUP.read_text(encoding="utf-8")
        self._names: dict[tuple[str, str], list[ox.NamedNode]] = {}

    def lookup(self, name: str, classes: Iterable[str]) -> list[ox.NamedNode]:
        """Resources of any of `classes` that `name` names (see contribution-lookup.rq)."""
        found: list[ox.NamedNode] = []
        for cls in classes:
            key = (name, cls)
            if key not in self._names:
                rows = self.db.query(
                    self._lookup,
                    substitutions={
                        ox.Variable("name"): ox.Literal(name),
                        ox.Variable("class"): ox.NamedNode(cls),
                    },
                    use_default_graph_as_union=True,
                )
                rows = [(r["resource"], r["exact"].value == "true") for r in rows]
                exact = [resource for resource, is_exact in rows if is_exact]
                self._names[key] = exact or list(dict.fromkeys(r for r, _ in rows))
            found += [r for r in self._names[key] if r not in found]
        return found

    def graph_of(self, node: ox.NamedNode) -> ox.NamedNode | ox.DefaultGraph | None:
        """The graph that describes `node` (has it as subject), or None if none does;
        the ontology or vocab graph first when it is in several."""
        graphs = [q.graph_name for q in self.db.quads_for_pattern(node, None, None, None)]
        for g in (iris.ONTOLOGY_GRAPH, iris.VOCAB_GRAPH):
            if g in graphs:
                return g
        return graphs[0] if graphs else None

    def states(self, triple: ox.Triple) -> bool:
        """Whether some graph of the reference already holds `triple`."""
        pattern = self.db.quads_for_pattern(triple.subject, triple.predicate, triple.object, None)
        return next(iter(pattern), None) is not None

    def label(self, node: ox.NamedNode) -> str:
        """The reference's own name for `node` ("" if it has none)."""
        for prop in (str(RDFS.label), "http://www.w3.org/2004/02/skos/core#prefLabel"):
            for q in self.db.quads_for_pattern(node, ox.NamedNode(prop), None, None):
                return q.object.value
        return ""

    def about(self, nodes: Iterable[ox.NamedNode]) -> list[ox.Triple]:
        """What the reference says about `nodes` (their triples as subject)."""
        return [q.triple for n in nodes for q in self.db.quads_for_pattern(n, None, None, None)]

    def class_axioms(self) -> list[ox.Triple]:
        """rdfs:subClassOf triples, so sh:class sees subclasses (a Footnote is a Passage)."""
        sub = ox.NamedNode(str(RDFS.subClassOf))
        return [q.triple for q in self.db.quads_for_pattern(None, sub, None, None)]


def open_reference(store_path: str | Path | None = None) -> Reference:
    """The built store at `store_path` (read-only) if there is one, else the reference
    files alone (with a note saying so)."""
    if store_path is not None and store.exists(store_path):
        try:
            return Reference(ox.Store.read_only(str(store_path)))
        except OSError as e:  # unreadable store directory: say so, check without it
            note = f"the built graph at {store_path} could not be read ({e})"
    else:
        note = f"no built graph at {store_path}: run `poagraph build` to check against it"
    db = ox.Store()
    db.extend(reference.reference_quads())
    return Reference(db, note + "; checked against the ontology and UN vocabulary only")


def reference_from_store(db: ox.Store) -> Reference:
    """A Reference over an open store (the web app's), without reopening it."""
    return Reference(db)


# ------------------------------------------------------------------------------ reading


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


def read_text(data: bytes, source: str) -> str:
    """UTF-8 text (a BOM is allowed), or a ContributionError naming the first bad byte."""
    limit = rules()["max_bytes"]
    if len(data) > limit:
        raise ContributionError(
            f"the file is {len(data) / 1e6:.1f} MB; contributions are limited to"
            f" {limit / 1e6:.0f} MB: split it into several files",
            source,
        )
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


def read_file(path: Path) -> bytes:
    """The bytes of `path`; the size is checked before anything is read."""
    try:
        size = path.stat().st_size
        if size > rules()["max_bytes"]:
            raise ContributionError(
                f"the file is {size / 1e6:.1f} MB; contributions are limited to"
                f" {rules()['max_bytes'] / 1e6:.0f} MB: split it into several files",
                str(path),
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise ContributionError("no such file", str(path)) from None
    except IsADirectoryError:
        raise ContributionError("this is a directory, not a file", str(path)) from None
    except PermissionError:
        raise ContributionError("permission denied", str(path)) from None


def guess_format(name: str) -> str:
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return FORMATS[suffix]
    raise ContributionError(
        "cannot tell the format from the file name: use --format ttl, jsonld or csv", name
    )


def parse_contribution(
    data: bytes | Path,
    fmt: str | None = None,
    *,
    ref: Reference,
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
    columns = [c["name"] for c in csv_columns()]
    required = {c["name"] for c in csv_columns() if c["required"]}
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader)]
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
    # The table as generic tabular RDF (CSVW's row/rowNum, one property per column);
    # what the columns mean is only in the CONSTRUCT template.
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
    scratch = ox.Store()
    scratch.extend(tabular)
    triples = list(scratch.query(CSV_TEMPLATE.read_text(encoding="utf-8")))
    if not triples:
        raise ContributionError("the CSV file has a header but no rows", source, row=2)
    contribution = Contribution(list(dict.fromkeys(triples)), base, source, "csv")
    contribution.rows = _rows(contribution)
    contribution.cells = texts
    return contribution


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


def source_lines(c: Contribution) -> dict[rdflib.term.Node, int]:
    """The line where each IRI-named resource of a Turtle or JSON-LD contribution is first
    written as a subject (`<outcome/1> a poa:Outcome`, `country:ETH rdfs:label ...`,
    `"@id": "outcome/1"`); blank nodes get none, and their results say no line."""
    found: dict[rdflib.term.Node, int] = {}
    lines = c.text.splitlines()
    prefixes = re.findall(r"(?im)^\s*@?prefix\s+([\w-]*):\s*<([^>]*)>", c.text)
    terms = [(k, v) for k, v in context().items() if isinstance(v, str) and v[-1:] in "/#"]
    subjects = {t.subject for t in c.triples if isinstance(t.subject, ox.NamedNode)}
    for subject in subjects:
        iri = subject.value
        starts = [f"<{iri}>"] + [
            f"{p}:{iri[len(ns) :]} " for p, ns in prefixes if iri.startswith(ns)
        ]
        ids = [f'"@id": "{iri}"']
        ids += [f'"@id": "{p}:{iri[len(ns) :]}"' for p, ns in terms if iri.startswith(ns)]
        if iri.startswith(c.namespace):
            starts.append(f"<{iri[len(c.namespace) :]}>")
            ids.append(f'"@id": "{iri[len(c.namespace) :]}"')
        for n, line in enumerate(lines, start=1):
            text = line.strip() + " "
            if text.startswith(tuple(starts)) or any(i in text for i in ids):
                found[_rd(subject)] = n
                break
    return found


def csv_location(
    c: Contribution,
    focus: rdflib.term.Node,
    path: rdflib.term.Node | None,
    value: rdflib.term.Node | None,
) -> tuple[int, str]:
    """(row, "row 3, column country") for a result about a CSV contribution."""
    row = c.rows.get(str(focus), 0)
    if not row:
        return 0, ""
    kind = str(focus)[len(c.namespace) :].split("/", 1)[0]
    candidates = [
        col["name"]
        for col in csv_columns()
        if (col["subject"], col["property"]) == (kind, str(path))
    ]
    candidates += [
        d["column"] for d in _csv_derived() if (d["subject"], d["property"]) == (kind, str(path))
    ]
    # Where two columns feed one property (commitment and action), the cell holding the
    # offending text tells which; a minted commitment IRI comes from the commitment column.
    cells = c.cells.get(row, {})
    same = [name for name in candidates if value is not None and cells.get(name) == str(value)]
    column = (same or candidates or [""])[0]
    return row, f"row {row}" + (f", column {column}" if column else "")


# ------------------------------------------------------------------------------ resolving


def _normalise(c: Contribution) -> None:
    """JSON numbers with a fraction arrive as xsd:double: make them the xsd:decimal the
    vocabulary uses (2.5E0 -> 2.5)."""
    fixed = []
    for t in c.triples:
        o = t.object
        if isinstance(o, ox.Literal) and o.datatype.value == _XSD + "double":
            with contextlib.suppress(InvalidOperation):
                o = ox.Literal(
                    str(Decimal(o.value).normalize()), datatype=ox.NamedNode(_XSD + "decimal")
                )
            t = ox.Triple(t.subject, t.predicate, o)
        fixed.append(t)
    c.triples = fixed


def resolve_names(c: Contribution, ref: Reference) -> None:
    """Replace names by the resources they name, and link described organisations and
    programmes the graph already knows to the known ones (see the rules file)."""
    resolve = rules()["resolve"]
    out: list[ox.Triple] = []
    for t in c.triples:
        classes = resolve.get(t.predicate.value)
        if classes and isinstance(t.object, ox.Literal):
            found = ref.lookup(t.object.value, classes)
            if len(found) == 1:
                t = ox.Triple(t.subject, t.predicate, found[0])
            elif len(found) > 1:
                c.results.append(_ambiguous(c, t, found, ref))
        out.append(t)
    c.triples = out
    _merge_known(c, ref)


def _ambiguous(c: Contribution, t: ox.Triple, found: list[ox.NamedNode], ref: Reference) -> Result:
    names = ", ".join(f"{n.value.rsplit('/', 1)[-1]}" for n in found[:5])
    return Result(
        severity="Violation",
        message=f'"{t.object.value}" names more than one resource ({names}): use a more'
        " precise name, a code, or the IRI.",
        focus=_rd(t.subject),
        path=_rd(t.predicate),
        value=_rd(t.object),
        shape=BOUNDARY,
    )


def _merge_known(c: Contribution, ref: Reference) -> None:
    merge = set(rules()["merge_classes"])
    identifying = set(rules()["identifying_properties"])
    label_props = {str(RDFS.label), iris.POA + "acronym"}
    replace: dict[ox.NamedNode | ox.BlankNode, ox.NamedNode] = {}
    for t in c.triples:
        if t.predicate == _RDF_TYPE and t.object.value in merge and _own(t.subject, c):
            names = [
                u.object.value
                for u in c.triples
                if u.subject == t.subject and u.predicate.value in label_props
            ]
            for name in names:
                found = ref.lookup(name, [t.object.value])
                if len(found) == 1:
                    replace[t.subject] = found[0]
                    break
    if not replace:
        return
    out = []
    for t in c.triples:
        s, o = replace.get(t.subject, t.subject), replace.get(t.object, t.object)
        if t.subject in replace and t.predicate.value in identifying:
            continue  # the graph already knows its name and type
        if t.subject in replace and ref.states(ox.Triple(s, t.predicate, o)):
            continue  # nor does it need to be told again what it already says
        out.append(ox.Triple(s, t.predicate, o))
    for old, new in replace.items():
        if old.value in c.rows:
            c.rows.setdefault(new.value, c.rows[old.value])
    c.triples = list(dict.fromkeys(out))


def mint_blank_nodes(triples: Iterable[ox.Triple], namespace: str) -> list[ox.Triple]:
    """IRIs for the blank nodes of an accepted contribution, so that everything it says can
    be looked up and linked to: {namespace}{class}/b{n}, the class being the node's poa:
    type in lower case (outcome/b1, programme/b2), n counting in order of appearance."""
    triples = list(triples)
    kinds = {
        t.subject: t.object.value.removeprefix(iris.POA).lower()
        for t in reversed(triples)
        if t.predicate == _RDF_TYPE and t.object.value.startswith(iris.POA)
    }
    minted: dict[ox.BlankNode, ox.NamedNode] = {}
    for t in triples:
        for node in (t.subject, t.object):
            if isinstance(node, ox.BlankNode) and node not in minted:
                kind = kinds.get(node, "node")
                minted[node] = ox.NamedNode(f"{namespace}{kind}/b{len(minted) + 1}")
    return [
        ox.Triple(minted.get(t.subject, t.subject), t.predicate, minted.get(t.object, t.object))
        for t in triples
    ]


def _own(node: object, c: Contribution) -> bool:
    return isinstance(node, ox.BlankNode) or (
        isinstance(node, ox.NamedNode) and node.value.startswith(c.namespace)
    )


# ------------------------------------------------------------------------------ boundaries


def boundary_results(c: Contribution, ref: Reference, data: rdflib.Graph) -> list[Result]:
    """One violation per resource the contribution may not describe, whatever the shapes
    say: reference data, another report's or contribution's resources, reserved
    namespaces, and resources typed with a reserved class."""
    reserved_ns = rules()["reserved_namespaces"]
    reserved_classes = set(rules()["reserved_classes"])
    results: list[Result] = []
    seen: set[object] = set()
    by_subject: dict[object, list[ox.Triple]] = {}
    for t in c.triples:
        by_subject.setdefault(t.subject, []).append(t)
    for subject, triples in by_subject.items():
        first = triples[0]
        focus = _rd(subject)
        label = describe(data, focus) or _short(subject)
        message = None
        if isinstance(subject, ox.NamedNode) and not subject.value.startswith(c.namespace):
            graph = ref.graph_of(subject)
            if graph is not None:
                kind = label.split(":", 1)[0] if ":" in label else "the resource"
                label = f"{kind}: {ref.label(subject)}" if ref.label(subject) else label
                message = (
                    f"You cannot change reference data: {label} is already described in"
                    f" {_graph_name(graph)}. A contribution may only describe its own"
                    " resources: link to it (use its IRI as a value) instead of adding"
                    f" statements about it ({len(triples)} here)."
                )
            elif any(subject.value.startswith(ns) for ns in reserved_ns):
                message = (
                    f"You cannot change reference data: {subject.value} lies in a namespace"
                    " your contribution does not own. Name your own resources with blank"
                    " nodes, relative IRIs (outcome/1) or IRIs of your own domain."
                )
        if message is None:
            for t in triples:
                if t.predicate == _RDF_TYPE and t.object.value in reserved_classes:
                    kind = _short(t.object)
                    message = (
                        f"You cannot change reference data: a contribution cannot create a"
                        f" new {kind}. Countries, regions, the Programme of Action, its"
                        " commitments and actions, reports and ontology terms come from the"
                        " reference data: name an existing one instead."
                    )
                    first = t
                    break
        if message is not None and subject not in seen:
            seen.add(subject)
            results.append(
                Result(
                    severity="Violation",
                    message=message,
                    focus=focus,
                    path=_rd(first.predicate),
                    value=_rd(first.object),
                    shape=BOUNDARY,
                    focus_label=label,
                    path_label="reference data",
                )
            )
    return results


def _graph_name(graph: ox.NamedNode | ox.DefaultGraph) -> str:
    value = getattr(graph, "value", "")
    if value == iris.VOCAB_GRAPH:
        return "the UN reference data"
    if value == iris.ONTOLOGY_GRAPH:
        return "the ontology (the public vocabulary and the Programme of Action)"
    if value.startswith(iris.GRAPH + "report/"):
        return f"report {value.rsplit('/', 1)[-1]}"
    if value.startswith(iris.GRAPH + "contribution/"):
        return f"contribution {value.rsplit('/', 1)[-1]}"
    return "the graph"


def _short(node: object) -> str:
    value = getattr(node, "value", str(node))
    return value.rsplit("#", 1)[-1].rsplit("/", 1)[-1] if "/" in value else value


def _rd(term: object) -> rdflib.term.Node:
    from .validate import to_rdflib_term

    return to_rdflib_term(term)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ validating


def validate_contribution(
    data: bytes | Path,
    fmt: str | None = None,
    *,
    reference: Reference | None = None,
    source: str = "",
    contribution_id: str | None = None,
) -> ValidationReport:
    """Parse and check a contribution; ContributionError if it cannot be read.

    The data graph handed to pySHACL is the contribution, what the graph says about every
    IRI it points to (their types, labels, passage texts) and the ontology's subclass
    axioms: enough for sh:class and the quote check, small enough to be fast. Only results
    about the contribution's own resources are reported.
    """
    ref = reference or open_reference(None)
    c = parse_contribution(data, fmt, ref=ref, source=source, contribution_id=contribution_id)
    report, _ = check(c, ref)
    return report


def check(c: Contribution, ref: Reference) -> tuple[ValidationReport, list[ox.Triple]]:
    """Resolve names in `c`, apply the boundary rules and the shapes. Returns the report
    and the contribution's triples as they would be stored (names resolved)."""
    resolve_names(c, ref)
    mentioned = {n for t in c.triples for n in (t.subject, t.object) if isinstance(n, ox.NamedNode)}
    own = {_rd(t.subject) for t in c.triples}
    typed = {_rd(t.subject) for t in c.triples if t.predicate == _RDF_TYPE}
    triples = [*c.triples, *ref.about(mentioned), *ref.class_axioms()]
    shape_results, data = run_shapes(triples, contribution=True, only=own)
    boundary = boundary_results(c, ref, data)
    lines = source_lines(c) if c.fmt != "csv" else {}
    # A resource the contribution may not describe gets the boundary violation only.
    flagged = {(r.focus, r.path, r.value) for r in c.results}
    refused = {r.focus for r in boundary}
    shape_results = [
        r
        for r in shape_results
        if (r.focus, r.path, r.value) not in flagged and r.focus not in refused
    ]
    results = []
    for r in boundary + [_with_label(r, data) for r in c.results] + shape_results:
        if c.fmt == "csv":
            order, where = csv_location(c, r.focus, r.path, r.value)
            r = _replace(r, order=order, location=where)
        elif (line := lines.get(r.focus)) is not None:
            r = _replace(r, order=line, location=f"line {line}")
        results.append(r)
    report = ValidationReport(
        results=merge_results(results),
        source=c.source,
        resources=len(typed),
        notes=[ref.note] if ref.note else [],
    )
    return report, c.triples


def _with_label(r: Result, data: rdflib.Graph) -> Result:
    return _replace(r, focus_label=describe(data, r.focus), path_label=_short(r.path))


def _replace(r: Result, **changes: object) -> Result:
    from dataclasses import replace

    return replace(r, **changes)


__all__ = [
    "BOUNDARY",
    "CONTEXT_URL",
    "Contribution",
    "ContributionError",
    "Reference",
    "check",
    "mint_blank_nodes",
    "open_reference",
    "parse_contribution",
    "validate_contribution",
]
