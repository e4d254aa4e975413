"""Accept a contribution: check it against the shapes and the live graph, then store it.

`accept` reads the body (ContributionError when it cannot), resolves its names against the
built graph, checks whose it is (ClaimError when it claims another organisation than the
sender's), runs the checks of `poagraph validate` (ContributionRejected with the report
when it does not conform) and writes ONE named graph, graph/contribution/{id}, holding the
data (blank nodes given IRIs under id/contribution/{id}/) and its poa:Contribution record,
in one atomic step through store.write_graphs. Nothing is written unless all of it is.

Whose it is. A contribution names its organisation with poa:reportedBy (the CSV
`organisation` column). Naming the sender's organisation (by IRI, or by a name or acronym
that resolves to it, or describing it as its own resource under the same name) is fine;
naming another organisation the graph knows, or describing another organisation as the
reporter, is a claim for someone else: ClaimError. An outcome that names no reporter is
reported by the sender: accept adds poa:reportedBy. An organisation the graph does not
know yet (a token for a new organisation) is described in the contribution's graph (its
type and name), so it and its outcomes can be found and the shapes pass.

The id is the first 12 hex digits of sha256(organisation IRI + "\\n" + body): the same body
sent twice by the same organisation is the same contribution (created False, nothing
written the second time).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pyoxigraph as ox

from .. import iris, paths
from ..backends import open_backend
from ..errors import ClaimError, ContributionRejected, NotFound
from ..validation.model import ValidationReport
from .boundary import RDF_TYPE
from .check import check
from .read import Contribution, namespace_for, parse_contribution
from .reference import Reference
from .resolve import mint_blank_nodes, resolve_names

_POA = iris.POA
REPORTED_BY = ox.NamedNode(_POA + "reportedBy")
OUTCOME = ox.NamedNode(_POA + "Outcome")
ORGANISATION = ox.NamedNode(_POA + "Organisation")
CONTRIBUTION = ox.NamedNode(_POA + "Contribution")
LABEL = ox.NamedNode(iris.RDFS + "label")
_NAMES = {iris.RDFS + "label", iris.SKOS + "prefLabel", iris.SKOS + "altLabel", _POA + "acronym"}
_ID = re.compile(r"^[0-9a-f]{12}$")
_PROV = iris.PROV
_XSD_DATETIME = ox.NamedNode(iris.XSD + "dateTime")


@dataclass
class Accepted:
    """What `accept` did: the contribution's id and graph, whether it is new, its outcomes,
    and the validation report (warnings may remain; empty when it was accepted before)."""

    id: str
    graph: str
    created: bool
    outcomes: int
    report: ValidationReport


@dataclass(frozen=True)
class ContributionInfo:
    """One stored contribution, from its poa:Contribution record."""

    id: str
    graph: str
    organisation: str  #: the organisation's IRI
    label: str  #: the organisation's name
    generated: str  #: when it was accepted (xsd:dateTime, UTC)
    outcomes: int
    source_file: str


def contribution_id(organisation: str, body: bytes) -> str:
    return hashlib.sha256(organisation.encode() + b"\n" + body).hexdigest()[:12]


def record_iri(contribution_id: str) -> str:
    return f"{iris.ID}contribution/{contribution_id}"


@cache
def shapes_version() -> str:
    """The shapes the contributions were checked with: sha256 of shapes/*.ttl (12 hex)."""
    digest = hashlib.sha256()
    for path in sorted(paths.SHAPES.glob("*.ttl")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


# ------------------------------------------------------------------------------ reading


def _outcomes(db: ox.Store, graph: str) -> int:
    return sum(1 for _ in db.quads_for_pattern(None, RDF_TYPE, OUTCOME, ox.NamedNode(graph)))


# ------------------------------------------------------------------------------ accept


def accept(
    store_path: Path,
    body: bytes,
    *,
    fmt: str | None,
    filename: str,
    organisation: str,
    organisation_label: str | None = None,
) -> Accepted:
    """Check `body` (format `fmt`: ttl, jsonld or csv; None: from `filename`) as sent by
    `organisation` (an IRI; `organisation_label` names it when the graph does not) and store
    it as its own named graph. ClaimError, ContributionRejected(report) or
    ContributionError (unreadable) when not; nothing is written then."""
    backend = open_backend(store_path)  # a store directory, or a SPARQL store's URL
    cid = contribution_id(organisation, body)
    graph = iris.contribution_graph(cid)
    source = Path(filename or "contribution").name or "contribution"
    c = parse_contribution(body, fmt, source=source, contribution_id=cid)
    with backend.reading() as db:
        if db.contains_named_graph(ox.NamedNode(graph)):
            note = f"already accepted as contribution {cid}: nothing written"
            done = ValidationReport(source=source, notes=[note])
            return Accepted(cid, graph, False, _outcomes(db, graph), done)
        ref = Reference(db)
        org = _Sender(organisation, organisation_label, ref)
        resolve_names(c, ref)
        c.results = []  # check() resolves again (a no-op now) and says them once
        rewrite = _claims(c, org, ref)
        report, triples = check(c, ref)
    if not report.conforms:
        raise ContributionRejected(report)
    data = mint_blank_nodes(_as_stored(triples, rewrite, org), namespace_for(cid))
    record = _record(cid, org, source, body)
    backend.commit({graph: [*data, *record]})
    outcomes = sum(1 for t in data if t.predicate == RDF_TYPE and t.object == OUTCOME)
    return Accepted(cid, graph, True, outcomes, report)


class _Sender:
    """The organisation sending the contribution: its IRI, name, and whether the graph
    knows it (else the contribution describes it)."""

    def __init__(self, iri: str, label: str | None, ref: Reference):
        self.node = ox.NamedNode(iri)
        self.known = ref.graph_of(self.node) is not None
        self.label = ref.label(self.node) or label or _name_from(iri)
        self.keys = {iris.slugify(self.label), iri.rstrip("/").rsplit("/", 1)[-1]} - {""}

    def named_by(self, name: str) -> bool:
        return iris.slugify(name) in self.keys


def _name_from(iri: str) -> str:
    return iri.rstrip("/#").rsplit("/", 1)[-1].replace("-", " ")


def _own(node: object, c: Contribution) -> bool:
    return isinstance(node, ox.BlankNode) or (
        isinstance(node, ox.NamedNode) and node.value.startswith(c.namespace)
    )


def _names(c: Contribution) -> dict[object, list[str]]:
    names: dict[object, list[str]] = {}
    for t in c.triples:
        if t.predicate.value in _NAMES and isinstance(t.object, ox.Literal):
            names.setdefault(t.subject, []).append(t.object.value)
    return names


def _selves(c: Contribution, org: _Sender, ref: Reference, names: dict) -> set:
    """The contribution's own resources poa:reportedBy names that stand for the sender;
    ClaimError for any other reporter (another organisation, known or described)."""
    selves = set()
    for t in c.triples:
        o = t.object
        if t.predicate != REPORTED_BY or o == org.node:
            continue
        if _own(o, c):
            if names.get(o) and not any(org.named_by(n) for n in names[o]):
                raise ClaimError(_claim_message(names[o][0], org))
            selves.add(o)
        elif isinstance(o, ox.NamedNode):
            raise ClaimError(_claim_message(ref.label(o) or o.value, org))
    return selves


def _claims(c: Contribution, org: _Sender, ref: Reference) -> dict:
    """Refuse a claim for another organisation (ClaimError); make every poa:reportedBy of
    `c` name the sender, adding it to outcomes that name none. Returns the contribution's
    own nodes that stand for the sender, to be replaced by its IRI once checked."""
    names = _names(c)
    selves = _selves(c, org, ref, names)
    # While checking, a sender the graph does not know is one of the contribution's own
    # resources (so the reference-data guard lets it be described); its IRI once stored.
    stand_in, added = org.node, []
    if not org.known:
        stand_in = min(selves, key=str, default=None) or ox.NamedNode(
            f"{c.namespace}organisation/{iris.slugify(org.label) or 'sender'}"
        )
        added.append(ox.Triple(stand_in, RDF_TYPE, ORGANISATION))
        if not names.get(stand_in):
            added.append(ox.Triple(stand_in, LABEL, ox.Literal(org.label)))
    reported = {t.subject for t in c.triples if t.predicate == REPORTED_BY}
    out = []
    for t in c.triples:
        if not org.known and org.node in (t.subject, t.object):
            t = ox.Triple(*(stand_in if n == org.node else n for n in t))
        if t.predicate == REPORTED_BY and _names_sender(t.object, org):
            t = ox.Triple(t.subject, REPORTED_BY, stand_in)
        out.append(t)
        if t.predicate == RDF_TYPE and t.object == OUTCOME and t.subject not in reported:
            out.append(ox.Triple(t.subject, REPORTED_BY, stand_in))
    c.triples = list(dict.fromkeys([*out, *added]))
    return {node: org.node for node in {*selves, stand_in} if node != org.node}


def _names_sender(node: object, org: _Sender) -> bool:
    return node == org.node or (isinstance(node, ox.Literal) and org.named_by(node.value))


def _claim_message(other: str, org: _Sender) -> str:
    return (
        f"the contribution is reported by {other!r}, but it is sent for {org.label}"
        f" ({iris.curie(org.node.value)}): a token sends contributions for its own"
        " organisation only"
    )


def _as_stored(triples: list[ox.Triple], rewrite: dict, org: _Sender) -> list[ox.Triple]:
    """The checked triples with the sender's stand-ins replaced by its IRI; a sender the
    graph knows is not described again."""
    out = []
    for t in triples:
        s, o = rewrite.get(t.subject, t.subject), rewrite.get(t.object, t.object)
        if org.known and s == org.node:
            continue
        out.append(ox.Triple(s, t.predicate, o))
    if not org.known:
        out += [ox.Triple(org.node, RDF_TYPE, ORGANISATION)]
        if not any(t.subject == org.node and t.predicate == LABEL for t in out):
            out.append(ox.Triple(org.node, LABEL, ox.Literal(org.label)))
    return list(dict.fromkeys(out))


def _record(cid: str, org: _Sender, source: str, body: bytes) -> list[ox.Triple]:
    node = ox.NamedNode(record_iri(cid))
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        ox.Triple(node, RDF_TYPE, CONTRIBUTION),
        ox.Triple(node, LABEL, ox.Literal(f"Contribution {cid} ({source}) by {org.label}")),
        ox.Triple(node, ox.NamedNode(_PROV + "wasAttributedTo"), org.node),
        ox.Triple(node, REPORTED_BY, org.node),
        ox.Triple(
            node, ox.NamedNode(_PROV + "generatedAtTime"), ox.Literal(now, datatype=_XSD_DATETIME)
        ),
        ox.Triple(node, ox.NamedNode(_POA + "sourceFile"), ox.Literal(source)),
        ox.Triple(
            node, ox.NamedNode(_POA + "sha256"), ox.Literal(hashlib.sha256(body).hexdigest())
        ),
        ox.Triple(node, ox.NamedNode(_POA + "shapesVersion"), ox.Literal(shapes_version())),
    ]


# ------------------------------------------------------------------------------ the others

_LIST = """
PREFIX poa: <https://w3id.org/poagraph/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?graph ?record ?org ?generated ?file
       (SAMPLE(?name) AS ?label) (COUNT(DISTINCT ?outcome) AS ?outcomes)
WHERE {
  GRAPH ?graph {
    ?record a poa:Contribution ; prov:wasAttributedTo ?org ; prov:generatedAtTime ?generated .
    OPTIONAL { ?record poa:sourceFile ?file }
    OPTIONAL { ?outcome a poa:Outcome }
  }
  OPTIONAL { ?org rdfs:label ?name }
}
GROUP BY ?graph ?record ?org ?generated ?file
ORDER BY ?generated ?graph
"""


def _infos(db: ox.Store, graph: str | None = None) -> list[ContributionInfo]:
    subs = {ox.Variable("graph"): ox.NamedNode(graph)} if graph else {}
    out = []
    for row in db.query(_LIST, substitutions=subs, use_default_graph_as_union=True):
        g = row["graph"].value
        if not g.startswith(iris.GRAPH + "contribution/"):
            continue
        out.append(
            ContributionInfo(
                id=g.rsplit("/", 1)[-1],
                graph=g,
                organisation=row["org"].value,
                label=row["label"].value if row["label"] else "",
                generated=row["generated"].value,
                outcomes=int(row["outcomes"].value),
                source_file=row["file"].value if row["file"] else "",
            )
        )
    return out


def list_contributions(store_path: Path) -> list[ContributionInfo]:
    """Every stored contribution, oldest first ([] when nothing is built)."""
    backend = open_backend(store_path)
    if not backend.exists():
        return []
    with backend.reading() as db:
        return _infos(db)


def get_contribution(
    store_path: Path, contribution_id: str
) -> tuple[ContributionInfo, list[ox.Quad]]:
    """A contribution's record and every quad of its graph; NotFound if there is none."""
    graph = _graph_of(contribution_id)
    backend = open_backend(store_path)
    if backend.exists():
        with backend.reading() as db:
            infos = _infos(db, graph)
            if infos:
                return infos[0], list(db.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    raise NotFound(f"no contribution {contribution_id!r}")


def remove(store_path: Path, contribution_id: str) -> None:
    """Drop a contribution's graph (NotFound if there is none)."""
    graph = _graph_of(contribution_id)
    exists = False
    backend = open_backend(store_path)
    if backend.exists():
        with backend.reading() as db:
            exists = db.contains_named_graph(ox.NamedNode(graph))
    if not exists:
        raise NotFound(f"no contribution {contribution_id!r}")
    backend.commit({graph: None})


def _graph_of(contribution_id: str) -> str:
    if not _ID.match(contribution_id or ""):
        raise NotFound(f"no contribution {contribution_id!r}: an id is 12 hex digits")
    return iris.contribution_graph(contribution_id)
