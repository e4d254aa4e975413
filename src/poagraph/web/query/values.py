"""Bound values (Job.bindings, Job.literals) as one-row VALUES blocks, for stores that take
no substitutions (the remote executor, remote.py).

Each value stays one RDF term: its escaped SPARQL form from pyoxigraph (str() of a
NamedNode or Literal), never text of the request. ``VALUES ?var { term }`` goes at the start
of the query's WHERE group and of every sub-SELECT that projects the variable: the answers
of pyoxigraph's substitutions, which bind the variable in the whole query, sub-SELECTs that
project it included (tests/test_serve_backend.py compares both on every page and catalogue
query that binds a value).
"""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import Literal, NamedNode, Variable

from poagraph.errors import QueryError
from poagraph.web.query import guard
from poagraph.web.query.results import Job


def bound_terms(job: Job) -> list[tuple[str, str]]:
    """(variable, the term's SPARQL text) for every value bound in `job`; QueryError(400)
    for an IRI or literal that is not one (as the embedded path answers)."""
    out = []
    for name, iri in job.bindings:
        out.append((_variable(name), str(iri_term(iri, f"value of ?{name}"))))
    for name, value, datatype, language in job.literals:
        try:
            if language:
                term = Literal(value, language=language)
            elif datatype:
                term = Literal(value, datatype=iri_term(datatype, "datatype"))
            else:
                term = Literal(value)
        except ValueError as exc:
            raise QueryError(400, f"literal {value!r}: {exc}") from exc
        out.append((_variable(name), str(term)))
    return out


def _variable(name: str) -> str:
    try:
        return Variable(name).value
    except ValueError as exc:
        raise QueryError(400, f"not a variable name: {name!r}") from exc


def iri_term(value: str, what: str) -> NamedNode:
    try:
        return NamedNode(value)
    except ValueError as exc:
        raise QueryError(400, f"{what}: {value!r} is not an absolute IRI ({exc})") from exc


def with_values(query: str, terms: Iterable[tuple[str, str]]) -> str:
    """`query` with ``VALUES ?var { term }`` for each (variable, term text) at the start of
    its WHERE group and of each sub-SELECT projecting the variable (or *). A query without a
    WHERE group (DESCRIBE <iri>, CONSTRUCT WHERE) gets a trailing VALUES clause instead."""
    terms = list(terms)
    if not terms:
        return query
    tokens = guard.tokenize(query)
    start = _prologue_end(tokens)
    inserts: dict[int, list[str]] = {}
    top = _where_group(tokens, start)
    if top is None:
        return query + "".join(f"\nVALUES ?{name} {{ {term} }}" for name, term in terms)
    inserts[tokens[top].pos + 1] = [f" VALUES ?{n} {{ {t} }}" for n, t in terms]
    for i in range(start + 1, len(tokens)):
        if tokens[i].keyword() == "SELECT":
            projected, brace = _projection(tokens, i)
            block = [f" VALUES ?{n} {{ {t} }}" for n, t in terms if projected(n)]
            if block and brace is not None:
                inserts.setdefault(tokens[brace].pos + 1, []).extend(block)
    parts, last = [], 0
    for pos in sorted(inserts):
        parts += [query[last:pos], *inserts[pos], " "]
        last = pos
    parts.append(query[last:])
    return "".join(parts)


def _prologue_end(tokens: list[guard.Token]) -> int:
    """The index of the first token after the BASE and PREFIX declarations."""
    i = 0
    while i < len(tokens):
        word = tokens[i].keyword()
        if word == "BASE":
            i += 2
        elif word == "PREFIX":
            i += 3
        else:
            break
    return i


def _where_group(tokens: list[guard.Token], start: int) -> int | None:
    """The index of the `{` opening the query's WHERE group (None: it has none we may add
    to: DESCRIBE without WHERE, the short CONSTRUCT WHERE form)."""
    if start >= len(tokens):
        return None
    i = start + 1
    if tokens[start].keyword() == "CONSTRUCT":
        if i < len(tokens) and tokens[i].keyword() == "WHERE":
            return None  # CONSTRUCT WHERE { triples }: the group is the template too
        if i < len(tokens) and tokens[i].text == "{":
            i = _closing(tokens, i) + 1
    depth = 0
    for j in range(i, len(tokens)):
        text = tokens[j].text
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
        elif text == "{" and depth == 0:
            return j
    return None


def _closing(tokens: list[guard.Token], i: int) -> int:
    """The index of the bracket closing the one at `i`."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].text in ("{", "(", "[", "{|"):
            depth += 1
        elif tokens[j].text in ("}", ")", "]", "|}"):
            depth -= 1
            if depth == 0:
                return j
    raise QueryError(400, "SPARQL syntax error: a bracket is never closed")


def _projection(tokens: list[guard.Token], i: int):
    """For the SELECT at `i`: a test of whether it projects a variable, and the index of
    its WHERE group's `{`."""
    names: set[str] = set()
    star = False
    depth = 0
    j = i + 1
    while j < len(tokens):
        token = tokens[j]
        if depth == 0 and (token.text == "{" or token.keyword() in ("WHERE", "FROM")):
            break
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif depth == 0 and token.text == "*":
            star = True
        elif depth == 0 and token.kind == "var":
            names.add(token.text[1:])
        j += 1
    while j < len(tokens) and tokens[j].text != "{":
        j += 1
    return (lambda name: star or name in names), (j if j < len(tokens) else None)
