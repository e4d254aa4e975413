"""Names of organisations and programmes found by their form, in one passage's text.

A name is a head word ("Ministry", "Agence", "Bank", "Programme": mappings/discovery.yaml)
with its capitalised modifiers and complement. English puts modifiers before the head and
the complement after a connector ("Nepal Rastra Bank", "National Agency for the Promotion
of Employment"); French puts the head first and its adjectives after ("Agence Nationale
pour l'Emploi", "Ministère de la Santé Publique"). A page break inside a name is only white
space between its words, so the name is found across it, and its span is the exact text.
Programmes are also found by the words that introduce them ("through the X", "the X
programme", "le projet X"). What a name is (a gazetteer entry, a new body, nothing) is
decided in `discovery`; this module only reads the words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import yaml

from poagraph import paths
from poagraph.errors import MappingsError

#: Words: letters and digits with inner hyphens and apostrophes ("Women's", "Teachers'",
#: "Co-operative"); a French elided article or preposition ("d'", "l'") is a word of its own.
_TOKEN = re.compile(
    r"[dlDL]['’](?=\w)|[^\W_¹²³⁴⁵⁶⁷⁸⁹⁰](?:[^\W¹²³⁴⁵⁶⁷⁸⁹⁰]|[\-’'])*(?<![\-’'])(?:['’](?!\w))?|&"
)


class Token(NamedTuple):
    text: str
    start: int
    end: int
    joined: bool  #: only white space (or a page break) between it and the word before
    initial: bool  #: the first word of a sentence

    @property
    def capital(self) -> bool:
        return self.text[:1].isupper()


@dataclass(frozen=True)
class Form:
    """A name found by its form: `text[start:end]`; `head` the word that says what it is."""

    start: int
    end: int
    head: str
    head_start: int
    kind: str  #: "organisation", "programme" or "government"
    org_kind: str | None  #: poa:organisationKind of an organisation
    how: str  #: "form" (head word) or "cue" (introduced: "through the X", "the X programme")
    span_end: int  #: end of the words naming it ("the X programme": after "programme")


@dataclass(frozen=True)
class Forms:
    """mappings/discovery.yaml, compiled."""

    heads: dict[str, tuple[str, str | None, frozenset[str]]]  #: word -> (kind, org kind, langs)
    connectors: dict[str, frozenset[str]]  #: language -> connectors
    articles: frozenset[str]
    joiners: frozenset[str]
    french_adjectives: frozenset[str]
    generic: frozenset[str]
    stop_words: frozenset[str]
    not_names: tuple[tuple[str, str], ...]
    government: tuple[str, ...]
    national_kinds: frozenset[str]
    international: tuple[str, ...]
    cue_before: re.Pattern[str]
    nouns_after: frozenset[str]
    nouns_before: frozenset[str]
    implementer: re.Pattern[str]
    adjectives: dict[str, str]
    participles: tuple[str, ...]  #: "EC-funded", "UN-led": no part of a name
    inherited_kinds: frozenset[str]  #: kinds a body's unit takes from it ("EAC Council")
    fund_organisations: dict[str, str]  #: first words of a Fund that is a body -> its kind
    adjectives_cf: frozenset[str]  #: the nationality adjectives, case aside
    acronym_only: frozenset[str]  #: heads that need an acronym defined ("Community")
    donors: frozenset[str]  #: ISO3 of the donor countries (OECD DAC)

    def is_head(self, word: str) -> bool:
        return word in self.heads

    def is_connector(self, word: str) -> bool:
        return any(word in c for c in self.connectors.values())


def _words(value) -> list[str]:
    return [str(v) for v in (value or [])]


def _alternatives(words: list[str]) -> str:
    return "|".join(re.escape(w).replace("'", "['’]") for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=4)
def load_forms(path: Path = paths.MAPPINGS / "discovery.yaml") -> Forms:
    """Read mappings/discovery.yaml (once per path)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise MappingsError(f"cannot read: {e}", path) from e
    heads: dict[str, tuple[str, str | None, frozenset[str]]] = {}
    for lang, kinds in (data.get("organisation_heads") or {}).items():
        for kind, words in kinds.items():
            for w in _words(words):
                langs = heads[w][2] if w in heads else frozenset()
                heads[w] = ("organisation", kind, langs | {lang})
    for lang, words in (data.get("programme_heads") or {}).items():
        for w in _words(words):
            langs = heads[w][2] if w in heads and heads[w][0] == "programme" else frozenset()
            heads[w] = ("programme", None, langs | {lang})
    acronym_only = set(_words(data.get("acronym_only_heads")))
    for w, head in list(heads.items()):  # "Centres Régionaux ... (CeRPA)": only with acronym
        for plural in {w + "s", w[:-1] + "ies" if w.endswith("y") else w + "x"}:
            if plural not in heads and not w.endswith(("s", "x")):
                heads[plural] = head
                acronym_only.add(plural)
    cues = data.get("programme_cues") or {}
    return Forms(
        heads=heads,
        connectors={k: frozenset(_words(v)) for k, v in (data.get("connectors") or {}).items()},
        articles=frozenset(_words(data.get("articles"))),
        joiners=frozenset(_words(data.get("joiners"))),
        french_adjectives=frozenset(w.casefold() for w in _words(data.get("french_adjectives"))),
        generic=frozenset(_words(data.get("generic"))),
        stop_words=frozenset(_words(data.get("stop_words"))),
        not_names=tuple((str(n["name"]), str(n["why"])) for n in data.get("not_names") or []),
        government=tuple(sorted(_words(data.get("government_heads")), key=len, reverse=True)),
        national_kinds=frozenset(_words(data.get("national_kinds"))),
        international=tuple(_words(data.get("international"))),
        fund_organisations={
            str(k): str(v) for k, v in (data.get("fund_organisations") or {}).items()
        },
        cue_before=re.compile(rf"(?<!\w)(?:{_alternatives(_words(cues.get('before')))})\s+"),
        nouns_after=frozenset(_words(cues.get("nouns_after"))),
        nouns_before=frozenset(_words(cues.get("nouns_before"))),
        implementer=re.compile(
            rf"(?<!\w)(?:{_alternatives(_words(data.get('implementer_cues')))})\s+(?:the\s+)?"
        ),
        adjectives={str(k): str(v) for k, v in (data.get("adjectives") or {}).items()},
        adjectives_cf=frozenset(str(k).casefold() for k in data.get("adjectives") or {}),
        acronym_only=frozenset(acronym_only),
        donors=frozenset(_words(data.get("donor_countries"))),
        participles=tuple(_words(data.get("participles"))),
        inherited_kinds=frozenset(_words(data.get("inherited_kinds"))),
    )


def tokens(text: str, sentence_starts: set[int]) -> list[Token]:
    """The words of `text`; `sentence_starts`: offsets where a sentence begins."""
    out: list[Token] = []
    prev_end = None
    for m in _TOKEN.finditer(text):
        start = m.start()
        if prev_end is None:
            joined, initial = False, True
        else:
            gap = text[prev_end:start]
            joined = not gap or gap.isspace()
            initial = start in sentence_starts or (not joined and _starts_sentence(gap))
        out.append(Token(m.group(0), start, m.end(), joined, initial))
        prev_end = m.end()
    return out


#: A word after a full stop, colon or list mark starts a sentence (or a list item).
_SENTENCE_END = re.compile(r"[.!?:;)]\s*[\"“'(]*\s*$")


def _starts_sentence(gap: str) -> bool:
    return _SENTENCE_END.search(gap) is not None


class _Reader:
    """Walks the words of one text to read the names around each head word."""

    def __init__(self, text: str, words: list[Token], forms: Forms, ordinary: set[str]):
        self.text, self.w, self.f, self.ordinary = text, words, forms, ordinary

    def joined(self, i: int) -> bool:
        return 0 <= i < len(self.w) and self.w[i].joined

    def plain_capital(self, i: int) -> bool:
        """A capitalised word that may be part of a name (not a stop word or sentence
        opener, not a possessive owner)."""
        t = self.w[i]
        return (
            t.capital
            and t.text not in self.f.stop_words
            and not self.f.is_connector(t.text)
            and not t.text.endswith(self.f.participles)
        )

    def is_ordinary_initial(self, i: int) -> bool:
        t = self.w[i]
        return t.initial and (t.text in self.f.stop_words or t.text.casefold() in self.ordinary)

    # -- the complement, after the head ---------------------------------------------------
    def connector_run(self, i: int, langs: frozenset[str]) -> int | None:
        """The index of the first word after a connector (and article) at `i`, or None."""
        if i >= len(self.w) or not self.joined(i):
            return None
        t = self.w[i].text
        if not any(t in self.f.connectors.get(lang, ()) for lang in langs):
            return None
        j = i + 1
        if j < len(self.w) and self.joined(j) and self.w[j].text in self.f.articles:
            j += 1
        if j < len(self.w) and self.joined(j) and self.w[j].text in self.f.articles:
            j += 1  # "de l'"
        return j if j < len(self.w) and self.joined(j) else None

    def capital_run(self, j: int, french: bool) -> int:
        """The index after the capitalised words from `j` (joined by "and"/"et" to another
        capitalised word that starts no other name; French adjectives in any case)."""
        k = j
        while k < len(self.w) and (k == j or self.joined(k)):
            t = self.w[k]
            if t.capital and (k == j or not self.f.is_head(t.text)):
                if t.text in self.f.stop_words and k > j:
                    break
            elif not (
                (french and t.text.casefold() in self.f.french_adjectives and k > j)
                or (t.text in self.f.joiners and self._joins(k))
            ):
                break
            k += 1
        return k

    def _joins(self, k: int) -> bool:
        """Does "and" at `k` join two words of one name ("Labour and Social Affairs"), not
        two names ("Education and the Ministry of Health", "Benin and IOM")?"""
        n = k + 1
        if n >= len(self.w) or not self.joined(n):
            return False
        t = self.w[n]
        if t.text in self.f.articles or self.f.is_head(t.text) or t.text.isupper():
            return False
        return t.capital and t.text not in self.f.stop_words

    def complement(self, h: int, langs: frozenset[str]) -> int:
        """The index after the head's complement (h + 1 when there is none)."""
        french = "french" in langs
        k = h + 1
        if french:
            k = self.french_adjectives(k)
        while True:
            j = self.connector_run(k, langs)
            if j is None and k < len(self.w) and self.w[k].text in self.f.joiners:
                j = self.connector_run(k + 1, langs) if self.joined(k) else None  # "et de l'"
            if j is None:
                j = self.after_comma(k, french)
            if j is None or not self.w[j].capital or self.w[j].text in self.f.stop_words:
                return k
            if self.f.is_head(self.w[j].text) and j > k:
                return k  # "Department of the Ministry ...": another name begins
            end = self.capital_run(j, french)
            if end == j:
                return k
            k = end
            # "Commission for Controlling the Desert Locust": an article after a verb form
            if (
                k + 1 < len(self.w)
                and self.w[k - 1].text.endswith("ing")
                and self.joined(k)
                and self.w[k].text in self.f.articles
                and self.joined(k + 1)
                and self.w[k + 1].capital
                and not self.f.is_head(self.w[k + 1].text)
            ):
                k = self.capital_run(k + 1, french)

    def after_comma(self, k: int, french: bool) -> int | None:
        """A name's list of domains goes on after a comma: "Ministère de l'Agriculture, de
        l'Élevage et de la Pêche", "Ministry of Agriculture, Livestock and Fisheries"; a list
        of bodies ("the Ministry of Health, UNICEF and WHO") does not. Returns the index of
        the first word after the comma (and connector), or None."""
        if k >= len(self.w) or self.text[self.w[k - 1].end : self.w[k].start].strip() != ",":
            return None
        t = self.w[k].text
        if french and t in self.f.connectors.get("french", ()):
            j = k + 1
            while j < len(self.w) and self.w[j].text in self.f.articles:
                j += 1
            return j if j < len(self.w) and self.joined(j) else None
        words = []
        end = k
        while end < len(self.w) and (end == k or self.joined(end)):
            w = self.w[end]
            if w.text in self.f.joiners:
                words.append(None)
            elif self.plain_capital(end) and not self.f.is_head(w.text) and not w.text.isupper():
                words.append(w.text)
            else:
                break
            end += 1
        # "Livestock and Fisheries": capitalised words, one "and", ending the name
        if None in words[1:-1] and words[-1] is not None and words.count(None) == 1:
            nxt = self.w[end] if end < len(self.w) and self.joined(end) else None
            if nxt is None or not nxt.capital:
                return k
        return None

    def french_adjectives(self, k: int) -> int:
        """The index after the words right after a French head that qualify it: adjectives
        ("Agence Nationale", "Bureau Burundais"), or capitalised words before a connector
        ("Université Abdou Moumouni de Niamey")."""
        while k < len(self.w) and self.joined(k):
            t = self.w[k].text
            if t.casefold() in self.f.french_adjectives or t.casefold() in self.f.adjectives_cf:
                k += 1
                continue
            run = k
            while (
                run < len(self.w)
                and self.joined(run)
                and self.plain_capital(run)
                and not (self.f.is_head(self.w[run].text))
            ):
                run += 1
            nxt = self.w[run].text if run < len(self.w) and self.joined(run) else ""
            if run > k and nxt in self.f.connectors.get("french", ()):
                k = run
            break
        return k

    # -- the modifiers, before the head ---------------------------------------------------
    def modifiers(self, h: int) -> int:
        """The index of the first word of the name ending with the head at `h`."""
        i = h
        while i > 0 and self.joined(i):
            t = self.w[i - 1]
            if t.text in self.f.joiners and i - 2 >= 0 and self.joined(i - 1):
                if self.plain_capital(i - 2) and not self.is_ordinary_initial(i - 2):
                    i -= 2
                    continue
                if self.w[i - 2].capital:
                    return i - 1  # "Training and Resource Centre" opening a sentence: unclear
                break
            if not self.plain_capital(i - 1) or self.is_ordinary_initial(i - 1):
                break
            if _possessive(t.text):
                break  # "IOM London's Programme": the owner is not part of the name
            i -= 1
        return i

    def english_head(self, h: int) -> bool:
        """A head followed directly by a capitalised word is no head in English ("River
        Bank Erosion", "Regional Project Manager"), unless that word is a head too."""
        n = h + 1
        return not (
            n < len(self.w)
            and self.joined(n)
            and self.w[n].capital
            and not self.f.is_connector(self.w[n].text)
        )


def _possessive(word: str) -> bool:
    return word.endswith(("'s", "’s"))


def find_forms(text: str, words: list[Token], forms: Forms, ordinary: set[str]) -> list[Form]:
    """Every name by a head word, in text order (overlaps are resolved by `discovery`)."""
    r = _Reader(text, words, forms, ordinary)
    out = []
    for h, t in enumerate(words):
        head = forms.heads.get(t.text)
        if head is None:
            continue
        kind, org_kind, langs = head
        if t.text in forms.government:
            kind = "government"
        start_i = end_i = None
        if "english" in langs and r.english_head(h):
            start_i, end_i = r.modifiers(h), r.complement(h, frozenset({"english"}))
        if "french" in langs and (end_i is None or end_i == h + 1):
            fr_end = r.complement(h, frozenset({"french"}))
            if fr_end > h + 1 or start_i is None:
                start_i, end_i = (start_i if start_i is not None else h), fr_end
        if start_i is None:
            continue
        s, e = words[start_i].start, words[end_i - 1].end
        out.append(Form(s, e, t.text, t.start, kind, org_kind, "form", e))
    return out


def find_cued(text: str, words: list[Token], forms: Forms, ordinary: set[str]) -> list[Form]:
    """Programmes named by the words around them: "the MicroLead programme", "le projet
    PADEL", "through the Enhanced Integrated Framework" (a capitalised run of at least two
    words after an introducing cue; what it is, `discovery` decides)."""
    r = _Reader(text, words, forms, ordinary)
    by_start = {t.start: i for i, t in enumerate(words)}
    out = []
    for i, t in enumerate(words):
        if t.text in forms.nouns_after and i > 0 and r.joined(i) and words[i - 1].capital:
            first = r.modifiers(i)
            while first < i and words[first].text in forms.joiners:
                first += 1
            if first < i:
                s, e = words[first].start, words[i - 1].end
                out.append(Form(s, e, t.text, t.start, "programme", None, "cue", t.end))
        elif t.text in forms.nouns_before and i + 1 < len(words) and r.joined(i + 1):
            n = words[i + 1]
            if n.capital and n.text not in forms.stop_words:
                end = r.capital_run(i + 1, True)
                s, e = n.start, words[end - 1].end
                out.append(Form(s, e, t.text, t.start, "programme", None, "cue", e))
    for m in forms.cue_before.finditer(text):
        i = by_start.get(m.end())
        if i is None or not r.plain_capital(i):
            continue
        end = r.complement(r.capital_run(i, False) - 1, frozenset({"english", "french"}))
        if end - i >= 2:
            poss = [k for k in range(i, end - 1) if _possessive(words[k].text)]
            first = poss[-1] + 1 if poss else i  # "through the IOM London's X": X
            if end - first >= 2:
                s, e = words[first].start, words[end - 1].end
                out.append(Form(s, e, words[end - 1].text, s, "programme", None, "introduced", e))
    return sorted(out, key=lambda f: (f.start, -f.end))
