"""What a query may do before the engine sees it: a SPARQL 1.1 lexer and the checks made on
its tokens (size and nesting limits, update text, SERVICE endpoints and the federation
policy). No Flask: /sparql, the cache and the query workers share it.

The lexer follows the grammar's terminals (SPARQL 1.1 Query, section 19.8): IRIREF (with
\\u escapes), PNAME_NS / PNAME_LN (PN_LOCAL with `\\#`-style and `%xx` escapes), the four
string forms, VAR1 / VAR2, BLANK_NODE_LABEL, LANGTAG, numbers, `#` comments, keywords
(case-insensitive) and punctuation. It never recurses, so no nesting depth can break it.

Codepoint escapes (\\uXXXX, \\UXXXXXXXX) are replaced in the whole text before parsing by the
SPARQL specification (19.2); pyoxigraph 0.5 only decodes them inside strings and IRIs. A
text with such escapes is read both ways and every check holds for both readings, so no
reading of an engine can run a SERVICE the guard did not see.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from poagraph.errors import QueryError
from poagraph.web.query import federation

_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_CHARS_U = _BASE + "_"
_CHARS = _CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PREFIX = f"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_LOCAL = f"(?:[{_CHARS_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_EXP = r"[eE][+-]?[0-9]+"
_IRI_CHAR = r"[^<>\"{}|^`\\\x00-\x20]"

#: The alternatives of one token, tried left to right at each position: order matters. The
#: common tokens come first (one-character punctuation that no other token starts with,
#: variables, keywords, prefixed names), and then: an IRI before the `<` operators, long
#: strings before short ones, a keyword ("name": a word no prefixed name can go on from)
#: before a prefixed name before any other word, a number before `.`, a variable before `?`,
#: and last an unclosed string, any other character and the end of the text.
_ALTERNATIVES = (
    ("punct", r"[}()\[\],;*/+\-~=]|\{(?!\|)"),
    ("var", f"[?$][{_CHARS_U}0-9][{_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"),
    ("name", f"[A-Za-z][A-Za-z0-9_]*(?![{_CHARS}.:])"),
    # the common prefixed name (ASCII, no dot, no escape), where nothing else can go on: the
    # token the full pattern below reads, without its backtracking
    ("pname", f"[A-Za-z][A-Za-z0-9_]*:[A-Za-z0-9_]+(?![{_CHARS}.:%\\\\])"),
    ("pname", f"(?:{_PREFIX})?:(?:{_LOCAL})?"),
    # IRIs and strings as runs of plain characters between escapes ("unrolled": the same
    # text as (?:plain|escape)*, tried once per run, not once per character)
    ("iri", rf"<{_IRI_CHAR}*+(?:(?:{_UCHAR}){_IRI_CHAR}*+)*+>"),
    ("string", r'"""[^"\\]*+(?:(?:\\.|"(?!""))[^"\\]*+)*+"""'),
    ("string", r"'''[^'\\]*+(?:(?:\\.|'(?!''))[^'\\]*+)*+'''"),
    ("string", r'"[^"\\\n\r]*+(?:\\.[^"\\\n\r]*+)*+"'),
    ("string", r"'[^'\\\n\r]*+(?:\\.[^'\\\n\r]*+)*+'"),
    ("number", rf"[0-9]+\.[0-9]*{_EXP}|\.?[0-9]+{_EXP}|[0-9]*\.[0-9]+|[0-9]+"),
    ("bnode", f"_:[{_CHARS_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?"),
    ("langtag", r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"),
    ("name", r"[A-Za-z][A-Za-z0-9_]*"),  # a word a prefixed name did not take
    ("punct", r"\^\^|\|\||&&|!=|<=|>=|<<|>>|\{\||\|\}|[{}()\[\],;.*/|^!=<>+\-?$@~]"),
    ("unclosed", r"\"|'"),
    ("other", r"."),
    ("end", r"\Z"),
)
#: One alternation of them, each a group of its own (their patterns group nothing else, so
#: a match's `lastindex` names the alternative). White space and comments before a token are
#: taken with it (possessively: never given back), and the end of the text is a token of its
#: own, so every character is read once.
_TOKEN = re.compile(
    r"\s*+(?:#[^\n\r]*+\s*+)*+(?:" + "|".join(f"({pattern})" for _, pattern in _ALTERNATIVES) + ")",
    re.DOTALL,
)
assert _TOKEN.groups == len(_ALTERNATIVES)
#: the token kind of each group number
_KIND_OF = (None, *(kind for kind, _ in _ALTERNATIVES))
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

#: The first keyword of each update operation and what may follow it (SILENT skipped): a
#: keyword, or an IRI ("<") or "{" (the engine answers 400 for other text).
UPDATE_KEYWORDS = {
    "INSERT": {"DATA", "{"},
    "DELETE": {"DATA", "WHERE", "{"},
    "LOAD": {"<"},
    "CLEAR": {"GRAPH", "DEFAULT", "NAMED", "ALL"},
    "DROP": {"GRAPH", "DEFAULT", "NAMED", "ALL"},
    "CREATE": {"GRAPH"},
    "ADD": {"GRAPH", "DEFAULT", "<"},
    "MOVE": {"GRAPH", "DEFAULT", "<"},
    "COPY": {"GRAPH", "DEFAULT", "<"},
    "WITH": {"<"},
}
QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
#: Functions whose value changes between runs: such queries are never cached.
VOLATILE_FUNCTIONS = frozenset({"RAND", "NOW", "UUID", "STRUUID", "BNODE"})
_OPEN = {"(": ")", "[": "]", "{": "}", "{|": "|}"}
_CLOSE = frozenset(_OPEN.values())


class Token(NamedTuple):
    """One token (a tuple: a query has many, and each costs its making)."""

    kind: str  #: iri, string, var, bnode, pname, langtag, number, name, punct, other
    text: str
    pos: int
    #: the upper-cased word of a keyword token ("name"), "" for any other
    word: str = ""

    def keyword(self) -> str:
        """The upper-cased word for a keyword token, "" for any other."""
        return self.word


def _line_col(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    return f"{line}:{pos - (text.rfind(chr(10), 0, pos) + 1) + 1}"


def tokenize(text: str) -> list[Token]:
    """The tokens of `text`, comments and white space left out.

    Raises QueryError(400) for a string that is never closed."""
    tokens: list[Token] = []
    append, make = tokens.append, tuple.__new__  # Token(...) through its Python __new__ is slower
    kind_of = _KIND_OF
    for match in _TOKEN.finditer(text):
        group = match.lastindex
        kind = kind_of[group]
        if kind == "name":
            word = match[group]
            append(make(Token, ("name", word, match.start(group), word.upper())))
        elif kind == "end":
            break
        elif kind == "unclosed":
            where = _line_col(text, match.start(group))
            raise QueryError(400, f"SPARQL syntax error at {where}: a string is never closed")
        else:
            append(make(Token, (kind, match[group], match.start(group), "")))
    return tokens


def unescape_codepoints(text: str) -> str:
    """`text` with \\uXXXX and \\UXXXXXXXX replaced by their characters (SPARQL 19.2)."""
    if "\\" not in text:
        return text  # nothing to replace (most texts: not worth the pattern's look)

    def char(match: re.Match) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except (ValueError, OverflowError):
            return match.group()

    return _CODEPOINT.sub(char, text)


def readings(text: str) -> list[list[Token]]:
    """The token lists of `text` as written and, when it has codepoint escapes, unescaped."""
    lists = [tokenize(text)]
    if "\\u" in text or "\\U" in text:  # else nothing to unescape
        unescaped = unescape_codepoints(text)
        if unescaped != text:
            lists.append(tokenize(unescaped))
    return lists


# --- what the tokens say ------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """One SERVICE clause: its endpoint IRI (None for a variable), SILENT, its nesting."""

    endpoint: str | None
    silent: bool
    depth: int  #: 1 for a SERVICE not inside another one
    text: str  #: the endpoint as written, for messages


@dataclass
class Shape:
    """What a query's tokens say, before any engine reads it."""

    form: str | None = None  #: SELECT, CONSTRUCT, DESCRIBE, ASK (None: not a query form)
    update: bool = False
    depth: int = 0  #: deepest nesting of ( [ {
    patterns: int = 0  #: triple patterns, approximately
    services: list[Service] = field(default_factory=list)  #: of every reading
    service_count: int = 0  #: SERVICE clauses (in the reading with most)
    volatile: bool = False  #: RAND(), NOW(), ..., or SERVICE: never cached
    dataset: bool = False  #: a FROM / FROM NAMED clause
    #: the tokens, when the text reads one way only (no codepoint escapes), for cost.py
    tokens: list[Token] | None = None


def _prologue(tokens: Sequence[Token], base: str | None) -> tuple[int, str | None, dict]:
    """Skip BASE / PREFIX declarations: the index after them, the base IRI, the prefixes."""
    prefixes: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        word = tokens[i].word
        if word == "BASE" and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            base = _resolve(_iri_value(tokens[i + 1].text), base)
            i += 2
        elif word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2].kind == "iri":
            prefixes[tokens[i + 1].text.rstrip(":")] = _resolve(
                _iri_value(tokens[i + 2].text), base
            )
            i += 3
        else:
            break
    return i, base, prefixes


def _is_update(tokens: Sequence[Token], start: int) -> bool:
    """True when the operation at `start` reads as SPARQL Update (its first two words)."""
    follow = UPDATE_KEYWORDS.get(tokens[start].word) if start < len(tokens) else None
    if follow is None:
        return False
    nxt = start + 1
    if nxt < len(tokens) and tokens[nxt].word == "SILENT":
        nxt += 1
    if nxt >= len(tokens):
        return False
    token = tokens[nxt]
    word = "<" if token.kind in ("iri", "pname") else token.word or token.text
    return word in follow


def _iri_value(token_text: str) -> str:
    return unescape_codepoints(token_text[1:-1])


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base and not urlsplit(iri).scheme else iri


_LOCAL_ESCAPE = re.compile(r"\\(.)")


def _pname_value(text: str, prefixes: dict[str, str]) -> str | None:
    prefix, _, local = text.partition(":")
    if prefix not in prefixes:
        return None
    if "\\" in local:
        local = _LOCAL_ESCAPE.sub(r"\1", local)
    return prefixes[prefix] + local


def inspect(text: str, base_iri: str | None = None) -> Shape:
    """What `text` does, read from its tokens (every reading of its codepoint escapes)."""
    lists = readings(text)
    if len(lists) == 1:  # the shape of its one reading, with its tokens
        shape = Shape(tokens=lists[0])
        _read(lists[0], base_iri, shape)
        shape.service_count = len(shape.services)
        return shape
    shape = Shape()
    for tokens in lists:
        reading = Shape()
        _read(tokens, base_iri, reading)
        shape.form = shape.form or reading.form
        shape.update = shape.update or reading.update
        shape.depth = max(shape.depth, reading.depth)
        shape.patterns = max(shape.patterns, reading.patterns)
        shape.service_count = max(shape.service_count, len(reading.services))
        seen = {(s.endpoint, s.depth, s.silent) for s in shape.services}
        shape.services += [
            s for s in reading.services if (s.endpoint, s.depth, s.silent) not in seen
        ]
        shape.volatile = shape.volatile or reading.volatile
        shape.dataset = shape.dataset or reading.dataset
    return shape


def _read(tokens: Sequence[Token], base_iri: str | None, shape: Shape) -> None:
    start, base, prefixes = _prologue(tokens, base_iri)
    first = tokens[start].word if start < len(tokens) else ""
    shape.update = shape.update or _is_update(tokens, start)
    shape.form = shape.form or (first if first in QUERY_FORMS else None)
    stack: list[str] = []
    services: list[int] = []  #: the stack depth at which each open SERVICE group began
    pending = False  #: a SERVICE read, its group not opened yet
    depth, patterns = shape.depth, shape.patterns
    words = set()
    for i, token in enumerate(tokens):
        kind = token.kind
        if kind == "punct":  # brackets and separators are punctuation tokens only
            text = token.text
            if text in _OPEN:
                stack.append(text)
                depth = max(depth, len(stack))
                if text == "{":
                    patterns += 1
                    if pending:
                        services.append(len(stack))
                        pending = False
            elif text in _CLOSE:
                if stack:
                    if services and services[-1] == len(stack):
                        services.pop()
                    stack.pop()
            elif text in _SEPARATORS and stack and stack[-1] in ("{", "["):
                patterns += 1
        elif kind == "name":
            word = token.word
            words.add(word)
            if word == "SERVICE":
                shape.services.append(_service(tokens, i, base, prefixes, len(services) + 1))
                pending = True
    shape.depth, shape.patterns = depth, patterns
    shape.volatile = shape.volatile or bool(words & _VOLATILE_WORDS)
    shape.dataset = shape.dataset or "FROM" in words


_SEPARATORS = frozenset({".", ";", ","})
_VOLATILE_WORDS = VOLATILE_FUNCTIONS | {"SERVICE"}


def _service(tokens, i: int, base: str | None, prefixes: dict, depth: int) -> Service:
    j = i + 1
    silent = j < len(tokens) and tokens[j].word == "SILENT"
    j += silent
    if j >= len(tokens):
        raise QueryError(400, "SPARQL syntax error: SERVICE without an endpoint")
    target = tokens[j]
    if target.kind == "iri":
        endpoint = _resolve(_iri_value(target.text), base)
    elif target.kind == "pname":
        endpoint = _pname_value(target.text, prefixes)
        if endpoint is None:
            raise QueryError(400, f"SPARQL syntax error: undeclared prefix in {target.text}")
    elif target.kind == "var":
        endpoint = None
    else:
        raise QueryError(400, f"SPARQL syntax error: SERVICE needs an endpoint, not {target.text}")
    return Service(endpoint, silent, depth, target.text)


# --- limits and policy --------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """The configuration keys the guard enforces (web/__init__.py DEFAULTS)."""

    max_bytes: int = 256 * 1024
    max_depth: int = 64
    max_patterns: int = 1000
    service_max: int = 4
    allow: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config) -> Limits:
        allow = config.get("FEDERATION_ALLOW") or ()
        if isinstance(allow, str):  # one IRI given as a plain string
            allow = (allow,)
        return cls(
            max_bytes=int(config["MAX_QUERY_BYTES"]),
            max_depth=int(config["MAX_QUERY_DEPTH"]),
            max_patterns=int(config["MAX_TRIPLE_PATTERNS"]),
            service_max=int(config["SERVICE_MAX"]),
            allow=tuple(str(a) for a in allow),
        )


def check(
    text: str,
    limits: Limits,
    base_iri: str | None = None,
    own_endpoints: Iterable[str] = (),
    resolve: Callable = socket.getaddrinfo,
) -> Shape:
    """The query's shape, once it passed every check; else QueryError: 400 over a limit,
    403 for update text or a SERVICE the federation policy refuses."""
    size = len(text.encode("utf-8"))
    if size > limits.max_bytes:
        raise QueryError(400, f"the query is {size} bytes: MAX_QUERY_BYTES is {limits.max_bytes}")
    shape = inspect(text, base_iri)
    if shape.depth > limits.max_depth:
        raise QueryError(
            400,
            f"the query nests brackets {shape.depth} deep: MAX_QUERY_DEPTH is {limits.max_depth}",
        )
    if shape.patterns > limits.max_patterns:
        raise QueryError(
            400,
            f"the query has about {shape.patterns} triple patterns: "
            f"MAX_TRIPLE_PATTERNS is {limits.max_patterns}",
        )
    if shape.update:
        raise QueryError(403, READ_ONLY_UPDATE)
    if not shape.services and not shape.service_count:
        return shape  # nothing to call out to (own_endpoints, maybe lazy, is never read)
    federation.check_services(
        shape.services,
        limits.allow,
        limits.service_max,
        own_endpoints,
        resolve,
        count=shape.service_count,
    )
    return shape


READ_ONLY_UPDATE = (
    "this is a SPARQL Update, sent as a query: the endpoint is read-only and runs queries only"
)


# --- remote failures ----------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def os_error(query: str, exc: OSError) -> QueryError:
    """The error for an OSError out of the engine: pyoxigraph's error for a failed SERVICE
    call when the query has one (502, a short message without the remote body), else 500."""
    try:
        remote = bool(inspect(query).services)
    except QueryError:
        remote = False
    if not remote:
        return QueryError(500, f"{type(exc).__name__}: {exc}")
    first = str(exc).split("\n", 1)[0].split(" with payload", 1)[0]
    message = _CONTROL.sub(" ", first)[:200] or type(exc).__name__
    return QueryError(502, f"a SERVICE endpoint failed: {message}")
