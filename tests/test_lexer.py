"""The one-pass SPARQL lexer (web/query/guard.py `tokenize`: white space and comments folded
into each token's match, an `end` token, keywords matched before prefixed names) gives
exactly the tokens of the straightforward lexer it replaced: one alternation with white space
and comments as tokens of their own, tried at every position and skipped afterwards.

The reference below is built here from a copy of the sub-patterns (the character classes are
guard's own). Both lexers read 50,000 seeded random texts over an alphabet rich in what makes
a SPARQL lexer hesitate (punctuation, quotes, `#`, line ends, backslashes, non-ASCII letters,
keywords, prefixed names, escapes) and every .rq file of the project: same kinds, texts,
positions and keywords, or the same error for a string never closed. Long runs of white space
or a long trailing comment are read in linear time (no rescans).
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest

from poagraph.errors import QueryError
from poagraph.web.query import guard
from poagraph.web.query.guard import _BASE, _CHARS, _CHARS_U, _EXP, _PLX, _UCHAR, tokenize

ROOT = Path(__file__).resolve().parents[1]

# -- the reference: the straightforward lexer ----------------------------------------------

_PREFIX = f"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_LOCAL = f"(?:[{_CHARS_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
PATTERNS = (
    ("ws", r"\s+"),
    ("comment", r"#[^\n\r]*"),
    ("iri", rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>"),
    ("string", r'"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"),
    ("string1", r'"(?:[^"\\\n\r]|\\.)*"' r"|'(?:[^'\\\n\r]|\\.)*'"),
    ("var", f"[?$][{_CHARS_U}0-9][{_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"),
    ("bnode", f"_:[{_CHARS_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?"),
    ("pname", f"(?:{_PREFIX})?:(?:{_LOCAL})?"),
    ("langtag", r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"),
    ("number", rf"[0-9]+\.[0-9]*{_EXP}|\.?[0-9]+{_EXP}|[0-9]*\.[0-9]+|[0-9]+"),
    ("name", r"[A-Za-z][A-Za-z0-9_]*"),
    ("punct", r"\^\^|\|\||&&|!=|<=|>=|<<|>>|\{\||\|\}|[{}()\[\],;.*/|^!=<>+\-?$@~]"),
    ("unclosed", r"\"|'"),
    ("other", r"."),
)
REFERENCE = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in PATTERNS), re.DOTALL)


def reference(text: str) -> list[tuple[str, str, int, str]]:
    """(kind, text, pos, keyword) of each token, as the lexer before the one-pass one read."""
    tokens = []
    for match in REFERENCE.finditer(text):
        kind = match.lastgroup
        if kind in ("ws", "comment"):
            continue
        if kind == "unclosed":
            where = guard._line_col(text, match.start())
            raise QueryError(400, f"SPARQL syntax error at {where}: a string is never closed")
        word = match.group().upper() if kind == "name" else ""
        tokens.append(("string" if kind == "string1" else kind, match.group(), match.start(), word))
    return tokens


def lexed(text: str) -> list[tuple[str, str, int, str]]:
    return [(t.kind, t.text, t.pos, t.keyword()) for t in tokenize(text)]


def outcome(lexer, text: str):
    """The tokens, or ("QueryError", status, message)."""
    try:
        return lexer(text)
    except QueryError as exc:
        return ("QueryError", exc.status, str(exc))


# -- random texts --------------------------------------------------------------------------

PIECES = [
    # punctuation, one and two characters
    *"{}()[],;.*/|^!=<>+-?$@~&:_%",
    *("^^", "||", "&&", "!=", "<=", ">=", "<<", ">>", "{|", "|}"),
    # quotes, comments, line ends, backslashes, white space
    *('"', "'", '"""', "'''", "#", "# a comment", "\n", "\r", "\r\n", "\t", " ", "  "),
    *("\\", "\\\\", '\\"', "\\'", "\\n", "\\u00e9", "\\U0001F600", "\\u12", "\\#", "\\."),
    # letters, digits, non-ASCII letters and combining marks
    *"aAzZe0159",
    *("é", "ß", "Ω", "中", "·", "\u0300", "\u203f", "\u00d7", "\u2070", "😀", "\u00a0", "\u2028"),
    # keywords and names
    *("SELECT", "select", "WHERE", "Service", "SILENT", "PREFIX", "BASE", "a", "true", "FILTER"),
    *("INSERT", "DATA", "ex", "rdf", "abc_1", "x1", "e5", "E"),
    # prefixed names, variables, blank nodes, IRIs, literals, numbers, language tags
    *("ex:", "ex:b", ":", ":a", "ex:a.b", "ex:a.", "rdf:type", "ex.b:c", "a:b:c", "ex:%2F"),
    *("ex:%zz", "ex:\\-", "ex:a\\~b", "p-q:r", "é:é", "?x", "$y", "?", "?é", "?1", "_:b1"),
    *("_:", "_:b.c", "_:b.", "<http://e/x>", "<a b>", "<>", "<", ">", "<\\u0041>", "<x\\n>"),
    *('"s"', "'s'", '"""long\n"""', "'''a'b'''", '"a\\"b"', "1", "1.5", ".5", "1.", "1e3"),
    *("1.5E-3", ".5e+2", "1.e", "12abc", "@en", "@en-US", "@1", "@", "-1", "+.5"),
]


def random_texts(n: int, seed: int = 20240513) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(PIECES, k=rng.randint(0, 24))) for _ in range(n)]


def project_queries() -> list[Path]:
    return sorted(path for folder in ("queries", "qa") for path in (ROOT / folder).rglob("*.rq"))


# -- the tests -----------------------------------------------------------------------------


def test_the_reference_reads_what_the_lexer_is_for():
    """The reference is a real lexer (a wrong copy of the patterns would show here)."""
    text = 'PREFIX ex: <http://e/>\nSELECT ?x # c\nWHERE { ?x ex:p "v"@en , 1.5e3 }'
    assert reference(text) == [
        ("name", "PREFIX", 0, "PREFIX"),
        ("pname", "ex:", 7, ""),
        ("iri", "<http://e/>", 11, ""),
        ("name", "SELECT", 23, "SELECT"),
        ("var", "?x", 30, ""),
        ("name", "WHERE", 37, "WHERE"),
        ("punct", "{", 43, ""),
        ("var", "?x", 45, ""),
        ("pname", "ex:p", 48, ""),
        ("string", '"v"', 53, ""),
        ("langtag", "@en", 56, ""),
        ("punct", ",", 60, ""),
        ("number", "1.5e3", 62, ""),
        ("punct", "}", 68, ""),
    ]
    assert lexed(text) == reference(text)
    with pytest.raises(QueryError, match="at 2:3: a string is never closed"):
        reference('a\nb "c')


def test_the_alphabet_reaches_every_token_kind_and_the_error():
    """The random texts exercise every branch of both lexers."""
    kinds, errors = set(), 0
    for text in random_texts(2000):
        try:
            kinds.update(token[0] for token in reference(text))
        except QueryError:
            errors += 1
    assert kinds == {
        "iri", "string", "var", "bnode", "pname", "langtag", "number", "name", "punct", "other"
    }  # fmt: skip
    assert errors > 100


def test_50000_random_texts_give_the_reference_tokens_or_the_same_error():
    differences = []
    for text in random_texts(50_000):
        got, expected = outcome(lexed, text), outcome(reference, text)
        if got != expected:
            differences.append((text, got, expected))
    assert not differences, "\n\n".join(
        f"text {t!r}\n  tokenize:  {g}\n  reference: {e}" for t, g, e in differences[:5]
    )


@pytest.mark.parametrize("path", project_queries(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_project_query_gives_the_reference_tokens(path):
    text = path.read_text(encoding="utf-8")
    expected = reference(text)
    assert expected, "a query file with no tokens"
    assert lexed(text) == expected


def test_there_are_project_queries_to_read():
    assert len(project_queries()) >= 10


@pytest.mark.parametrize(
    "text",
    [
        " " * 300_000,
        "SELECT * WHERE {}" + " " * 300_000,
        "SELECT * WHERE {} #" + "x" * 300_000,
        "ASK {}" + "\n#" * 150_000,
        "?a" + " \t\n" * 100_000 + "?b",
    ],
    ids=["spaces", "trailing-spaces", "trailing-comment", "comment-lines", "mixed-white-space"],
)
def test_long_white_space_and_comments_are_read_in_linear_time(text):
    start = time.perf_counter()
    tokens = tokenize(text)
    elapsed = time.perf_counter() - start
    assert [(t.kind, t.text, t.pos, t.keyword()) for t in tokens] == reference(text)
    assert elapsed < 2, f"{elapsed:.2f} s for {len(text)} characters"
