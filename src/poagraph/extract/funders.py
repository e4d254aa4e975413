"""Who paid an amount: the funder a sentence names around it.

"with USD 2 million from the Government of Norway", "a EUR 1.2 million grant of the European
Commission", "funded by NORAD (NOK 96 million)", "Japan contributed about USD 1.4 million":
an analyst asking who funds what in which country needs the funder of each amount the
report states, not only of the programmes the gazetteer knows. The funder is an
organisation the gazetteer finds in the sentence (`Gazetteer.organisations_in`, which holds
what discovery found when the pipeline hands it a gazetteer extended with them), or a
country named as a donor ("provided by Luxembourg": its government). It is read in three
places only, so that a name merely near an amount is no funder:

1. right after the amount, after words that introduce a funder ("from", "provided by",
   "a grant of"): "USD 2 million from the Government of Norway";
2. right before the amount, after words that introduce one ("funded by", "with support
   from"): "funded by NORAD (NOK 96 million)";
3. as the subject of a verb of funding right before the amount: "NORAD provided NOK 96
   million".

Names listed together ("the Government of Luxembourg and the Belgian Government") are all
funders. A country right after "from" is where the money came from ("remittances from
Italy"), not a funder. The words are data: the `funders` section of mappings/currencies.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .matching import Match
from .money import MoneyWords, load_money
from .quantities import Lexicon, NumberMention, load_lexicon


def _words(ws) -> str:
    return "|".join(
        r"\s+".join(re.escape(p) for p in str(w).split())
        for w in sorted(ws, key=lambda w: len(str(w)), reverse=True)
    )


_ARTICLE = r"(?:(?:the|la|le|les)\s+|l['’]\s*)?"
#: The acronym a name may carry after it: "the West African Development Bank (BOAD)".
_ITS_ACRONYM = r"(?:\s*\([^()]{1,20}\)|\))?"  # or the ")" closing the acronym named
#: A period between the amount and its funder: "USD 2 million over three years from ...".
_PERIOD = (
    r"\s*(?:over|for|during|in)\s+(?:the\s+)?(?:period\s+)?(?:\w+\s+)?"
    r"(?:years?|months?|\d{4}(?:\s*[–-]\s*\d{2,4})?)\s*,?"
)
_SEPARATOR = re.compile(rf"\s*(?:,\s*(?:and\s+|et\s+)?|\s+and\s+|\s+et\s+|\s*&\s*){_ARTICLE}", re.I)


@dataclass(frozen=True)
class FunderPatterns:
    after: re.Pattern  #: the words from the amount to a funder after it
    country_after: re.Pattern  #: the same, where a country may be the funder
    before_cue: re.Pattern  #: the words before a funder named before the amount
    lead: re.Pattern  #: from that funder to the amount: "(", "of", a qualifier
    verb: re.Pattern  #: from a funder, subject of a verb of funding, to the amount


@cache
def _patterns(words: MoneyWords, lex: Lexicon) -> FunderPatterns:
    f = words.funders
    between = rf"(?:(?:{_words(f.get('between') or ['was'])})\s+)*"
    nouns = _words(f.get("nouns") or ["grant"])
    after_noun = _words(f.get("after_noun") or ["of"])
    near = set(f.get("not_for_countries") or [])
    cues = list(f.get("after") or ["from"])

    def after(cue_words) -> re.Pattern:
        cue = _words(cue_words)
        return re.compile(
            rf"\)?\s*,?(?:{_PERIOD})?\s*(?:{between}(?:{cue})|(?:(?:{nouns})\s+)+{between}"
            rf"(?:{cue}|{after_noun}))\s+{_ARTICLE}",
            re.I,
        )

    qualifiers = _words(lex.qualifiers)
    lead_in = _words(f.get("lead_in") or ["a total of"])
    lead = rf"(?:(?:{lead_in})\s+)?(?:(?:{qualifiers})\s+)?"
    return FunderPatterns(
        after=after(cues),
        country_after=after([c for c in cues if c not in near] or ["by"]),
        before_cue=re.compile(
            rf"(?:{_words(f.get('before') or ['funded by'])})\s+{_ARTICLE}$", re.I
        ),
        lead=re.compile(rf"{_ITS_ACRONYM}\s*[(,:]?\s*(?:(?:of|with)\s+)?{lead}", re.I),
        verb=re.compile(
            rf"{_ITS_ACRONYM}\s*,?\s+(?:(?:which|who|that|qui)\s+)?{between}"
            rf"(?:{_words(f.get('verbs') or ['provided'])})\s+{lead}",
            re.I,
        ),
    )


def _candidates(sentence: str, countries: list[str], gaz) -> list[Match]:
    """The organisations the sentence names, and its countries not inside them (a donor
    country stands for its government, when the gazetteer has one)."""
    orgs = list(gaz.organisations_in(sentence, countries or None))
    spans = [(o.start, o.end) for o in orgs]
    for c in gaz.countries_in(sentence):
        if any(s <= c.start < e for s, e in spans):
            continue
        government = gaz.organisations.get(f"government-{c.key.lower()}")
        if government is not None:
            orgs.append(
                Match(government.slug, "country", government.iri, c.start, c.end, c.surface)
            )
    return sorted(orgs, key=lambda m: (m.start, -m.end))


def _run_after(names: list[Match], i: int, sentence: str) -> list[Match]:
    run = [names[i]]
    for n in names[i + 1 :]:
        if n.start < run[-1].end:
            continue
        if not _SEPARATOR.fullmatch(sentence, run[-1].end, n.start):
            break
        run.append(n)
    return run


def _run_before(names: list[Match], i: int, sentence: str) -> list[Match]:
    run = [names[i]]
    for n in reversed(names[:i]):
        if n.end > run[0].start:
            continue
        if not _SEPARATOR.fullmatch(sentence, n.end, run[0].start):
            break
        run.insert(0, n)
    return run


def funders_of(
    sentence: str,
    mention: NumberMention,
    countries: list[str],
    gaz,
    words: MoneyWords | None = None,
    lex: Lexicon | None = None,
) -> list[str]:
    """The IRIs of the organisations `sentence` names as paying the amount `mention`
    (offsets in `sentence`), in the order written; `countries` (ISO3) decide names that
    denote a different body in each country."""
    pats = _patterns(words or load_money(), lex or load_lexicon())
    names = _candidates(sentence, countries, gaz)
    found: list[Match] = []
    for i, n in enumerate(names):
        if n.start >= mention.end:
            pattern = pats.country_after if n.kind == "country" else pats.after
            if pattern.fullmatch(sentence, mention.end, n.start):
                found = _run_after(names, i, sentence)
                break
    for i, n in reversed(list(enumerate(names))):
        if found or n.end > mention.start:
            continue
        run = _run_before(names, i, sentence)
        cue = pats.before_cue.search(sentence, 0, run[0].start)
        led = pats.lead.fullmatch(sentence, n.end, mention.start)
        if (led and cue and cue.end() == run[0].start) or pats.verb.fullmatch(
            sentence, n.end, mention.start
        ):
            found = run
        break
    return list(dict.fromkeys(m.iri for m in found))
