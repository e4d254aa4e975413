"""Achieved or Planned: what the clause around an outcome's number says of it.

A report states what happened ("USD 10,722 was spent") beside what is only aimed at
("By mid-May 2006 IOM will have assisted 5,300 IDPs", "targets about 90,000 people", "a
budget of USD 2 million"). An analyst who adds them up is misled, so every outcome says
which it is. The decision reads the clause that holds the number:

1. The sentence is cut into segments at commas, semicolons, colons and brackets, before a
   word that opens a clause of its own ("that", "which", "whereas") and before "and"/"or"
   when a verb follows ("IOM assisted 300 returnees | and will assist 500 more").
2. A planned word in the number's segment ("will", "to be", "targeting", "plans to")
   makes it Planned; a word of money ("budget", "allocated", "earmarked") makes an amount
   of money Planned, not a count ("25 groups were registered with a budget of FCFA 96
   million": the groups are Achieved, the budget Planned).
3. Else a segment with a verb of its own ("were", "has", "received") is Achieved.
4. Else (a fragment: "Six returnees, | four from the UK and two from Switzerland, | have
   been provided ...") the nearest segment of the sentence part (between semicolons) that
   is not a clause of its own and has a verb or a planned word decides.
5. Else Achieved: a report states what was done unless it says otherwise.

The words are data (mappings/status.yaml); a curated outcome can set its status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from poagraph.paths import MAPPINGS

STATUS_WORDS = MAPPINGS / "status.yaml"

ACHIEVED = "Achieved"
PLANNED = "Planned"

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)*|[;:,()\[\]]|\S")
_HARD = {";", ":"}
_SOFT = {",", "(", ")", "[", "]"}


@dataclass(frozen=True, eq=False)  # hashed by identity: patterns are cached per lexicon
class StatusLexicon:
    planned: tuple[str, ...]
    planned_money: tuple[str, ...]  #: planned for amounts of money only
    openers: frozenset[str]
    coordinators: tuple[str, ...]
    auxiliaries: frozenset[str]
    past_forms: frozenset[str]
    modifiers: frozenset[str]
    adverbs: frozenset[str]
    not_opener_after: frozenset[str]


@cache
def load_status_lexicon(path: Path = STATUS_WORDS) -> StatusLexicon:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    planned = [str(w) for group in data["planned"].values() for w in group]
    money = [str(w) for w in data.get("planned_money") or []]
    return StatusLexicon(
        planned=tuple(sorted(set(planned), key=len, reverse=True)),
        planned_money=tuple(sorted(set(money), key=len, reverse=True)),
        openers=frozenset(data["clause_openers"]),
        coordinators=tuple(data["coordinators"]),
        auxiliaries=frozenset(data["auxiliaries"]),
        past_forms=frozenset(data["past_forms"]),
        modifiers=frozenset(data["modifiers"]),
        adverbs=frozenset(data["adverbs"]),
        not_opener_after=frozenset(data["not_opener_after"]),
    )


@cache
def _planned_pattern(lex: StatusLexicon, money: bool = True) -> re.Pattern:
    """The planned words; with `money`, those of money too."""
    words = sorted({*lex.planned, *lex.planned_money} if money else lex.planned, key=len)
    phrases = (r"\s+".join(re.escape(w) for w in p.split()) for p in reversed(words))
    return re.compile(rf"(?<![\w'’-])(?:{'|'.join(phrases)})(?![\w'’-])")


@dataclass(frozen=True)
class Segment:
    start: int  #: offsets in the sentence
    end: int
    kind: str  #: "plain" (after a comma or the start), "clause" (opener), "joined" (and + verb)
    part: int  #: index of the sentence part (parts are cut at ; and :)


@dataclass(frozen=True)
class Decision:
    status: str  #: ACHIEVED or PLANNED
    cue: str | None  #: the words that decided (None: the default)


def _ed_form(word: str) -> bool:
    """A lower-case -ed word ("trained"; not "need", "hundred", "United")."""
    return (
        word.islower()
        and word.endswith("ed")
        and not word.endswith("eed")
        and len(word) > 4
        and word != "hundred"
    )


def _is_past(tokens: list[str], i: int, lex: StatusLexicon) -> bool:
    """tokens[i] is a past verb: an irregular past form, or an -ed word not led by a
    determiner, degree word or number ("IOM trained 15" yes, "the displaced persons" no)."""
    word = tokens[i]
    if word in lex.past_forms:
        return True
    if not _ed_form(word):
        return False
    prev = tokens[i - 1] if i else ""
    return not (prev.lower() in lex.modifiers or prev.endswith("ly") or prev[:1].isdigit())


def _has_verb(tokens: list[str], lex: StatusLexicon) -> bool:
    return any(t in lex.auxiliaries or _is_past(tokens, i, lex) for i, t in enumerate(tokens))


def _verb_follows(rest: str, lex: StatusLexicon) -> bool:
    """A verb or a planned word (after adverbs like "also") starts `rest`: a coordinator
    before it joins two clauses."""
    words = _TOKEN.findall(rest)[:5]
    while words and (words[0].endswith("ly") or words[0] in lex.adverbs):
        words.pop(0)
    if not words:
        return False
    w = words[0]
    if w in lex.auxiliaries or w in lex.past_forms or _ed_form(w):
        return True
    return bool(_planned_pattern(lex).match(" ".join(words)))


def segments(sentence: str, lex: StatusLexicon | None = None) -> list[Segment]:
    """The sentence cut into segments (see the module docstring), in order."""
    lex = lex or load_status_lexicon()
    toks = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(sentence)]
    cuts: list[tuple[int, str, bool]] = [(0, "plain", False)]  # (offset, kind, new part)
    for i, (tok, pos, _end) in enumerate(toks):
        if tok in _HARD or tok in _SOFT:
            nxt = toks[i + 1][1] if i + 1 < len(toks) else len(sentence)
            cuts.append((nxt, "plain", tok in _HARD))
        elif i and _opens_clause(sentence, toks, i, lex):
            cuts.append((pos, "clause", False))
        elif i and (n := _coordinator_len(toks, i, lex)):
            rest = sentence[toks[i + n - 1][2] :]
            if _verb_follows(rest, lex):
                cuts.append((pos, "joined", False))
    out: list[Segment] = []
    part = 0
    for k, (start, kind, new_part) in enumerate(cuts):
        part += new_part
        end = cuts[k + 1][0] if k + 1 < len(cuts) else len(sentence)
        if out and start == out[-1].start:  # "(" right after "," : one cut
            out[-1] = Segment(start, end, kind if kind != "plain" else out[-1].kind, part)
        elif start < end:
            out.append(Segment(start, end, kind, part))
    return out


def _opens_clause(sentence: str, toks: list, i: int, lex: StatusLexicon) -> bool:
    """toks[i] opens a clause of its own. "that" does not after a preposition ("by that
    time") nor after a planned word, which governs it ("it is expected that ...")."""
    word = toks[i][0].lower()
    if word not in lex.openers:
        return False
    if word == "that":
        if toks[i - 1][0].lower() in lex.not_opener_after:
            return False
        before = sentence[: toks[i][1]].rstrip()
        last = list(_planned_pattern(lex).finditer(before))
        if last and last[-1].end() == len(before):
            return False
    return True


def _coordinator_len(toks: list, i: int, lex: StatusLexicon) -> int:
    """How many tokens of a coordinator start at toks[i] (0: none)."""
    for c in sorted(lex.coordinators, key=len, reverse=True):
        parts = c.split()
        if [t[0].lower() for t in toks[i : i + len(parts)]] == parts:
            return len(parts)
    return 0


def _text(sentence: str, seg: Segment) -> str:
    return sentence[seg.start : seg.end]


def _cue(text: str, lex: StatusLexicon, first: bool, money: bool) -> str | None:
    """The planned words in `text`; `first`: the text starts the sentence (its capital)."""
    if first and text[:1].isupper():
        text = text[:1].lower() + text[1:]
    m = _planned_pattern(lex, money).search(text)
    return re.sub(r"\s+", " ", m.group()) if m else None


def _verdict(sentence: str, seg: Segment, lex: StatusLexicon, money: bool) -> Decision | None:
    text = _text(sentence, seg)
    cue = _cue(text, lex, seg.start == 0, money)
    if cue:
        return Decision(PLANNED, cue)
    toks = _TOKEN.findall(text)
    if _has_verb(toks, lex):
        verb = next(t for i, t in enumerate(toks) if t in lex.auxiliaries or _is_past(toks, i, lex))
        return Decision(ACHIEVED, verb)
    return None


def decide(
    sentence: str, position: int, lex: StatusLexicon | None = None, money: bool | None = None
) -> Decision:
    """Achieved or Planned, for the number at `position` (an offset in `sentence`); `money`
    says whether it is an amount of money (None: not known, the words of money count)."""
    money = money is not False
    lex = lex or load_status_lexicon()
    segs = segments(sentence, lex)
    here = next((s for s in segs if s.start <= position < s.end), segs[-1] if segs else None)
    if here is None:
        return Decision(ACHIEVED, None)
    own = _verdict(sentence, here, lex, money)
    if own is not None:
        return own
    others = [s for s in segs if s is not here and s.part == here.part and s.kind != "clause"]
    others.sort(key=lambda s: (min(abs(s.start - here.end), abs(here.start - s.end)), -s.start))
    for seg in others:
        verdict = _verdict(sentence, seg, lex, money)
        if verdict is not None:
            return verdict
    return Decision(ACHIEVED, None)
