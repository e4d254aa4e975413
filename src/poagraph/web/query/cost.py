"""An upper bound on the work a query can make the engine do, read from its tokens and the
store's counts, so that cheap queries run in the web process (local.py) and only the others
pay the hop to a worker process that can be killed (executor.py).

The bound is the product, over the query's triple patterns, of the quads each one can match:
a join (nested loops, hash joins) never produces or visits more combinations, OPTIONAL and
MINUS add one (an unmatched row goes on), a UNION is the sum of its branches, VALUES its
rows. A pattern's quads come from `Stats`: with a constant predicate, that predicate's
count; with a constant subject (object), at most the most quads any one subject (object)
has. FILTER, BIND and the solution modifiers work on those rows (aggregates and sorting
over at most that many). The terms they read are at most as long as the longest term the
patterns can bind (with a constant predicate: that predicate's longest object, or the
longest subject, graph name, datatype or language tag), a constant of the query, or a term
a function makes: a sort over country IRIs is not charged for the report's longest passage.

Anything this reader does not follow has no bound, and the query goes to a worker: property
paths, subqueries, EXISTS, SERVICE, DESCRIBE, blank-node property lists, collections,
RDF-star, codepoint escapes (the engine may read them otherwise), an IRI it cannot resolve
as the engine would. The reader never recurses deeper than the guard's nesting limit.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from poagraph import iris
from poagraph.web.query.guard import Token, _iri_value, _pname_value, _prologue, _resolve
from poagraph.web.query.stats import Stats

RDF_TYPE = iris.RDF + "type"

#: Keywords past the query form that end the bound wherever they are: the engine may do
#: unbounded work there (a subquery, EXISTS per row, a remote call), or build strings longer
#: than any in the store (REPLACE, CONCAT, ENCODE_FOR_URI and GROUP_CONCAT, chained through
#: BIND or with a long separator, grow them without limit)
_UNBOUNDED = frozenset(
    {"EXISTS", "SERVICE", "SELECT", "DESCRIBE", "CONSTRUCT", "ASK"}
    | {"REPLACE", "CONCAT", "ENCODE_FOR_URI", "GROUP_CONCAT"}
)
#: Tokens that make a predicate a property path, or a term something this reader skips
_PATH_PUNCT = frozenset({"/", "|", "^", "*", "+", "?", "!", "(", "["})
_UNREAD = frozenset({"<<", ">>", "{|"})  #: RDF-star and annotations
_TERM_KINDS = frozenset({"iri", "pname", "var", "bnode", "string", "number"})


class _Unbounded(Exception):
    """The reader met something it does not bound."""


class _Term(NamedTuple):
    constant: bool
    iri: str | None = None  #: the IRI of a constant IRI term


_VARIABLE = _Term(False)  #: a variable or a blank node
_LITERAL = _Term(True)
_RDF_TYPE = _Term(True, RDF_TYPE)  #: `a`


def bound(tokens: Sequence[Token], stats: Stats, base_iri: str | None = None) -> int | None:
    """The most pattern matches the engine can visit for the query of `tokens`; None when
    the reader cannot tell."""
    reader = _read(tokens, stats, base_iri)
    return None if reader is None else reader.rows


def _read(tokens: Sequence[Token], stats: Stats, base_iri: str | None) -> _Reader | None:
    """The reader, once it read the whole query; None when it cannot bound it."""
    try:
        reader = _Reader(tokens, stats, base_iri)
        reader.rows = reader.query()
    except (_Unbounded, IndexError):  # IndexError: the text ends inside a construct
        return None
    return reader


class _Reader:
    def __init__(self, tokens: Sequence[Token], stats: Stats, base_iri: str | None):
        self.tokens = tokens
        self.stats = stats
        self.i, self.base, self.prefixes = _prologue(tokens, base_iri)
        self.rows = 0
        #: the longest term the query's patterns can bind (Stats.reach of each)
        self.longest = 0
        for token in tokens[self.i + 1 :]:
            if token.word in _UNBOUNDED or token.text in _UNREAD:
                raise _Unbounded

    # -- tokens (past the end: IndexError, which `bound` reads as no bound) ----------------

    def peek(self) -> Token:
        """The next token."""
        return self.tokens[self.i]

    def at_end(self) -> bool:
        return self.i >= len(self.tokens)

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, text: str) -> None:
        if self.take().text != text:
            raise _Unbounded

    def word(self) -> str:
        return self.tokens[self.i].word

    def skip_balanced(self) -> None:
        """Skip one bracketed expression ( ... ), whatever is inside (the bad keywords were
        refused up front)."""
        tokens, i = self.tokens, self.i
        if tokens[i].text != "(":
            raise _Unbounded
        depth = 0
        while True:
            text = tokens[i].text
            i += 1
            depth += (text == "(") - (text == ")")
            if depth == 0:
                self.i = i
                return

    # -- the query -------------------------------------------------------------------------

    def query(self) -> int:
        form = self.take().word
        if form in ("SELECT", "ASK"):
            self.projection()
        elif form == "CONSTRUCT":
            if self.peek().text == "{":
                self.template()
        else:
            raise _Unbounded
        self.dataset()
        if self.word() == "WHERE":
            self.take()
        rows = self.group()
        self.modifiers()
        return rows

    def projection(self) -> None:
        """SELECT's variables and (expression AS ?v), up to FROM / WHERE / {."""
        while True:
            token = self.peek()
            if token.text == "{" or token.word in ("WHERE", "FROM"):
                return
            if token.text == "(":
                self.skip_balanced()
            else:
                self.i += 1

    def template(self) -> None:
        """CONSTRUCT's template: triples only (its size is paid per row, rows are capped)."""
        self.expect("{")
        while self.peek().text != "}":
            if self.take().text in ("{", "(", "["):
                raise _Unbounded
        self.take()

    def dataset(self) -> None:
        while self.word() == "FROM":
            self.take()
            if self.word() == "NAMED":
                self.take()
            if self.take().kind not in ("iri", "pname"):
                raise _Unbounded

    def modifiers(self) -> None:
        """GROUP BY, HAVING, ORDER BY, LIMIT, OFFSET, a trailing VALUES: rows are bounded
        already (the keywords that could add work were refused up front)."""
        tokens = self.tokens
        while self.i < len(tokens):
            token = tokens[self.i]
            if token.word == "VALUES":
                raise _Unbounded  # multiplies the rows: not worth following here
            if token.text == "(":
                self.skip_balanced()
            elif token.text in ("{", "}"):
                raise _Unbounded
            else:
                self.i += 1

    # -- group graph patterns --------------------------------------------------------------

    def group(self) -> int:
        """The bound of `{ ... }`: the product of its parts."""
        self.expect("{")
        rows = 1
        while True:
            token = self.peek()
            text, word = token.text, token.word
            if text == "}":
                self.i += 1
                return rows
            if text == ".":
                self.i += 1
            elif text == "{":
                rows *= self.union()
            elif word in ("OPTIONAL", "MINUS"):
                self.take()
                rows *= self.group() + 1
            elif word == "GRAPH":
                self.take()
                self.term()
                rows *= self.group()
            elif word == "FILTER":
                self.take()
                self.constraint()
            elif word == "BIND":
                self.take()
                self.skip_balanced()
            elif word == "VALUES":
                self.take()
                rows *= self.values() or 1
            else:
                rows *= self.triples()

    def union(self) -> int:
        rows = self.group()
        while self.word() == "UNION":
            self.take()
            rows += self.group()
        return rows

    def constraint(self) -> None:
        """FILTER's constraint: ( ... ), a built-in call or a function call."""
        token = self.peek()
        if token.text != "(":
            self.take()
            if token.kind not in ("name", "iri", "pname"):
                raise _Unbounded
        self.skip_balanced()

    def values(self) -> int:
        """The rows of an inline VALUES block."""
        if self.peek().text == "(":
            self.skip_balanced()  # the variables
            one_per_row = False
        else:
            self.take()
            one_per_row = True
        self.expect("{")
        rows = 0
        while self.peek().text != "}":
            if one_per_row:
                self.term()
                rows += 1
            else:
                self.skip_balanced()
                rows += 1
        self.take()
        return rows

    def triples(self) -> int:
        """A triples block: a subject, then verb-object lists (`;`, `,`); it ends where no
        verb follows (`.`, `}`, FILTER...: the group reads on)."""
        subject = self.term()
        rows = 1
        while True:
            verb = self.verb()
            rows *= self.card(subject, verb, self.term())
            while self.peek().text == ",":
                self.i += 1
                rows *= self.card(subject, verb, self.term())
            if self.peek().text != ";":
                return rows
            while self.peek().text == ";":
                self.i += 1
            nxt = self.peek()
            if nxt.kind not in ("iri", "pname", "var") and nxt.text != "a":
                return rows

    def verb(self) -> _Term:
        token = self.take()
        if token.text == "a":
            term = _RDF_TYPE
        elif token.kind in ("iri", "pname", "var"):
            term = self._as_term(token)
        else:
            raise _Unbounded  # a property path (^p, !p, (p)) or not a predicate
        if self.peek().text in _PATH_PUNCT:
            raise _Unbounded  # p/q, p|q, p*, p+, p?
        return term

    def term(self) -> _Term:
        token = self.take()
        kind = token.kind
        if kind not in _TERM_KINDS and token.word not in ("TRUE", "FALSE"):
            raise _Unbounded  # [ ... ], ( ... ), RDF-star, or not a term
        if kind == "string" and not self.at_end():
            if self.peek().kind == "langtag":
                self.i += 1
            elif self.peek().text == "^^":
                self.i += 1
                if self.take().kind not in ("iri", "pname"):
                    raise _Unbounded
        return self._as_term(token)

    def _as_term(self, token: Token) -> _Term:
        kind = token.kind
        if kind == "var" or kind == "bnode":
            return _VARIABLE
        if kind == "iri":
            return _Term(True, _resolve(_iri_value(token.text), self.base))
        if kind == "pname":
            value = _pname_value(token.text, self.prefixes)
            if value is None:
                raise _Unbounded  # an undeclared prefix: the engine's syntax error answers
            return _Term(True, value)
        return _LITERAL

    # -- counts ----------------------------------------------------------------------------

    def card(self, s: _Term, p: _Term, o: _Term) -> int:
        """The most quads a pattern matches."""
        stats = self.stats
        self.longest = max(self.longest, stats.reach(p.iri if p.constant else None))
        if p.constant:
            if p.iri is None or p.iri not in stats.predicates:
                # a literal as predicate (a syntax error) or a predicate the counts do not
                # know: perhaps read otherwise than the engine does, so assume the worst
                rows = stats.quads
            else:
                rows = stats.predicates[p.iri]
        else:
            rows = stats.quads
        if s.constant:
            rows = min(rows, stats.max_out)
        if o.constant:
            rows = min(rows, stats.max_in)
        return rows


def work(rows: int) -> float:
    """The bound as work, with the sorting and grouping of that many rows."""
    return rows * max(1.0, math.log2(rows + 1) / 4)


#: The most CPU time the engine takes per unit of work, per query token per row (its
#: expressions are evaluated on each row: an IN list of 1000 values costs 85 us a row), and
#: per character of the longest term per function call per row (LCASE, CONTAINS, SHA256 on
#: 1 kB: 0.2-1.6 us): measured on this project's machine, and taken some three times over.
ROW_S = 2e-6
TOKEN_S = 1e-7
CHAR_S = 5e-9
#: per character compared when sorting (a byte comparison, which stops at the first
#: difference: charged here as if it read the whole longest term)
COMPARE_S = 5e-10


@dataclass(frozen=True)
class Estimate:
    """What the engine may do for a query: the bound on its rows, the function calls and
    tokens evaluated on each row, and whether it sorts."""

    rows: int
    calls: int
    tokens: int
    #: ORDER BY: each row's terms are compared as strings some log2(rows) times
    sorts: bool = False
    #: the longest term a row may hold (characters): what the patterns bind (Stats.reach),
    #: the query's own constants, or what a function makes; None: the store's longest
    longest: int | None = None

    def seconds(self, stats: Stats) -> float:
        """An upper estimate of the query's CPU time: besides its calls, each row reads a
        term once (to write it out), and log2(rows) times more when the query sorts."""
        compares = math.log2(self.rows + 1) if self.sorts else 0
        per_term = (self.calls + 1) * CHAR_S + compares * COMPARE_S
        longest = stats.max_term if self.longest is None else self.longest
        per_row = self.tokens * TOKEN_S + per_term * longest
        return work(self.rows) * ROW_S + self.rows * per_row


def estimate(tokens: Sequence[Token], stats: Stats, base_iri: str | None = None) -> Estimate | None:
    """The query's bound with its per-row work; None when the reader cannot bound it, or
    when a REGEX pattern is not a constant string (compiled again on every row)."""
    reader = _read(tokens, stats, base_iri)
    if reader is None:
        return None
    calls = 0
    sorts = False
    for i, token in enumerate(tokens):
        if token.word == "ORDER":
            sorts = True
        elif token.text == "(" and i:  # a call: a function's name or IRI, then "("
            name = tokens[i - 1]
            if name.kind not in _CALLABLE or name.word in _STRUCTURE:
                continue
            if name.word == "REGEX" and not _constant_pattern(tokens, i):
                return None
            calls += 1
    # a constant of the query is at most its token (a string, IRI or number as written), and
    # a prefixed name at most its token after the longest prefix's IRI
    constant = max(map(len, map(_TEXT, tokens)), default=0)
    if reader.prefixes:
        constant += max(map(len, reader.prefixes.values()))
    longest = max(reader.longest, constant, MADE_CHARS)
    return Estimate(reader.rows, calls, len(tokens), sorts, longest)


_TEXT = operator.itemgetter(1)
#: The longest term a function makes out of short input (SHA512's 128 hex digits; a UUID,
#: NOW(), a number or date as a string are shorter)
MADE_CHARS = 128

#: The kinds of token that name a function when "(" follows
_CALLABLE = frozenset({"name", "pname", "iri"})
#: Keywords followed by "(" that are not function calls
_STRUCTURE = frozenset(
    {"FILTER", "BIND", "VALUES", "BY", "SELECT", "DISTINCT", "REDUCED", "HAVING"}
)


def _constant_pattern(tokens: Sequence[Token], start: int) -> bool:
    """Whether the call opening at `start` ("(") has a string as its second argument."""
    depth = 0
    for j in range(start, len(tokens)):
        text = tokens[j].text
        if text in ("(", "[", "{"):
            depth += 1
        elif text in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                return False  # one argument only: the engine's error
        elif text == "," and depth == 1:
            following = tokens[j + 1 : j + 3]
            return (
                len(following) == 2
                and following[0].kind == "string"
                and following[1].text in (",", ")")
            )
    return False
