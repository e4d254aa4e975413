"""Turn the quantities a report states into poa:Outcome records.

Every quantity `find_numbers` finds in a passage (a count or an amount of money) is either
an outcome or deliberately ignored. An outcome gets its value, qualifier and currency from
the number; its unit from the counted noun phrase and the verb of the clause ("the return
of over 180,000 former refugees" -> "former refugees returned"); its countries from the
passage's place heading (narrowed by the countries the sentence names next to the number
when the heading lists several); its programme from the sentence; its years from the
sentence, or from a relative phrase, marked inferred (poagraph.extract.years); its status,
Achieved or Planned, from the wording of the number's clause (poagraph.extract.status);
its evidence and quote from the passage and sentence. Corrections and deliberate ignores
are data, keyed by their exact quote: mappings/curated-outcomes.yaml (see
poagraph.extract.curation). Counts of setting nouns ("30 countries", "six different ministries")
are ignored as descriptive counts (the nouns are listed in mappings/quantities.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from poagraph import iris

from .curation import CuratedEntry, Curation, load_curation
from .entities import reporting_organisation
from .quantities import Lexicon, NumberMention, find_numbers, load_lexicon
from .report import Document, Passage
from .sentences import sentence_at, sentence_spans
from .status import decide
from .years import Years, notes, sentence_years

#: Why a count with no counted noun is not an outcome ("Five of these programmes").
NO_NOUN = "no counted noun: refers to things counted elsewhere"

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*|\S")


@dataclass
class Finding:
    """One quantity in a passage and what became of it."""

    passage: Passage
    mention: NumberMention  #: offsets relative to passage.text
    status: str  #: "outcome" (automatic), "curated" (outcome with curated fields), "ignored"
    reason: str | None = None  #: for "ignored"
    record: dict | None = None  #: the poa:Outcome record, for outcomes
    entry: CuratedEntry | None = field(default=None, repr=False)

    @property
    def start(self) -> int:
        """Offset of the numeral in the whole report text."""
        return self.passage.start + self.mention.number_start


# -- unit ---------------------------------------------------------------------------------


def _participle(verb: str, lex: Lexicon) -> str:
    v = verb.lower()
    if v in lex.participles:
        return lex.participles[v]
    if v.endswith("ed"):
        return v
    if v.endswith("e"):
        return v + "d"
    if re.search(r"[^aeiou]y$", v):
        return v[:-1] + "ied"
    return v + "ed"


def _is_plural(word: str, lex: Lexicon) -> bool:
    w = word.lower().split("-")[-1].rstrip("'’")
    if w in lex.irregular_plurals:
        return True
    return (
        len(w) > 2
        and w.endswith("s")
        and not w.endswith(("ss", "ous", "is", "tus", "sus", "rus", "nus", "pus"))
    )


def noun_phrase(after: str, lex: Lexicon, plural_only: bool = False) -> str:
    """The counted noun phrase at the start of `after` ("highly qualified Afghans"): words up
    to a stop word or punctuation, cut after the last plural noun. With `plural_only`, a
    phrase without a plural noun is no phrase ("the other four mitigate" counts nothing)."""
    words: list[str] = []
    for tok in _WORD.findall(after[:160]):
        if not re.match(r"[A-Za-z]", tok) or tok.lower() in lex.phrase_stops:
            break
        if tok.lower() in lex.number_words or len(words) >= 7:
            break
        words.append(tok)
    plural = [i for i, w in enumerate(words) if _is_plural(w, lex)]
    if plural:
        return " ".join(words[: plural[-1] + 1])
    return "" if plural_only else " ".join(words[:4])


def _verb(before: str, after_np: str, lex: Lexicon) -> str | None:
    """The participle that says what happened to what is counted, or None."""
    before = re.sub(r"\ba total of\s+$", "", before)
    irregular = "|".join(sorted(set(lex.participles.values()) - {"been"}, key=len, reverse=True))
    nominal = re.search(r"\b([a-z]+)\s+(?:of|for|to)\s+(?:a total of\s+)?(?:\w+\s+)?$", before)
    if nominal and nominal.group(1) in lex.nominalisations:
        return lex.nominalisations[nominal.group(1)]
    passive = re.match(
        r"\s*(?:(?:have|has|had|were|was|are|is|will be|will have)\s+)?(?:been\s+)?"
        rf"(?:\w+ly\s+)?([a-z]+ed|{irregular})\b",
        after_np,
    )
    if passive:
        return passive.group(1)
    purpose = re.match(r"\s*to\s+(?:be\s+)?(?:\w+ly\s+)?([a-z]+)\b", after_np)
    if purpose:
        return _participle(purpose.group(1), lex)
    active = re.search(rf"\b([a-z]+ed|{irregular})\s+(?:\w+\s+)?$", before)
    if active and not re.search(r"\b(?:of|for|to)\s+\w*\s*$", before):
        return active.group(1)
    return None


def derive_unit(text: str, mention: NumberMention, lex: Lexicon) -> str | None:
    """What is counted, from the words around the number in `text` (a sentence)."""
    before = text[: mention.start]
    after = text[mention.end :]
    if mention.kind == "money":
        # "a flexible funding of 4m BP", else "1.2 million Euros of direct material support"
        of = re.search(r"([A-Za-z][\w -]{0,40}?)\s+of\s+(?:\w+\s+)?$", before)
        words = of.group(1).split()[-4:] if of else []
        cut = [i for i, w in enumerate(words) if w.lower() in lex.phrase_stops]
        phrase = " ".join(words[cut[-1] + 1 :] if cut else words)
        if not phrase:
            phrase = noun_phrase(re.sub(r"^\s*of\s+", " ", after), lex)
        verb = _verb(before, after, lex)
        return " ".join(x for x in (phrase, verb) if x) or None
    phrase = noun_phrase(after, lex, plural_only=mention.value != 1)
    rest = after[after.find(phrase) + len(phrase) :] if phrase else after
    verb = _verb(before, rest, lex)
    if not phrase:
        return None
    return f"{phrase} {verb}" if verb else phrase


def is_descriptive(text: str, mention: NumberMention, lex: Lexicon) -> bool:
    """A count of setting nouns ("30 countries", "six different ministries")."""
    phrase = noun_phrase(text[mention.end :], lex).lower()
    if not phrase:
        return False
    words = phrase.split()
    return any(" ".join(words[-k:]) in lex.descriptive_nouns for k in (1, 2, 3))


# -- countries and programmes -------------------------------------------------------------


def narrow_countries(
    sentence: str, mention: NumberMention, heading: list[str], gaz, others: list[NumberMention]
) -> list[str]:
    """The countries of an outcome: the heading's, narrowed to those the sentence ties to
    this number when the heading lists several ("141 beneficiaries in DRC and 43 women's
    associations in Rwanda"); when the heading names none (general activities, a region),
    those the sentence names. Countries inside an organisation's name ("Government of
    Luxembourg", a donor) are not places of the outcome."""
    if len(heading) == 1:
        return list(heading)
    orgs = [(o.start, o.end) for o in gaz.organisations_in(sentence, heading or None)]
    found = [
        c
        for c in gaz.countries_in(sentence)
        if not any(s <= c.start < e for s, e in orgs) and (not heading or c.key in heading)
    ]
    if not found:
        return list(heading)
    stop = min((o.start for o in others if o.start > mention.end), default=len(sentence))
    after = [c for c in found if mention.end <= c.start < stop]
    if after:  # the first country after the number and those listed with it
        run = [after[0]]
        for c in after[1:]:
            if not _LIST_SEPARATOR.fullmatch(sentence[run[-1].end : c.start]):
                break
            run.append(c)
        return list(dict.fromkeys(c.key for c in run))
    return list(dict.fromkeys(c.key for c in found))


_LIST_SEPARATOR = re.compile(r"(?:\s|,|\band\b|\bthe\b)*")


def _programme(sentence: str, mention: NumberMention, countries: list[str], gaz) -> str | None:
    found = gaz.programmes_in(sentence, countries or None)
    if not found:
        return None
    nearest = min(found, key=lambda p: abs(p.start - mention.start))
    return nearest.iri


# -- the findings -------------------------------------------------------------------------


def assess(
    doc: Document,
    gaz,
    passage_countries: dict[int, list[str]],
    curation: Curation | None = None,
    lexicon: Lexicon | None = None,
) -> list[Finding]:
    """Every quantity in every passage, in document order, with what became of it."""
    lex = lexicon or load_lexicon()
    cur = (curation or load_curation()).for_document(doc)
    reporter = reporting_organisation(doc, gaz)
    report_year = doc.metadata.get("year")
    findings: list[Finding] = []
    for p in doc.passages:
        text = own_text(p, doc.passages)
        mentions = find_numbers(text, lex)
        quantities = [m for m in mentions if m.is_quantity]
        heading = passage_countries.get(p.n, [])
        years_at = sentence_years(text, sentence_spans(text), mentions, report_year, lex)
        for m in quantities:
            entry = cur.entry_for(p, m)
            s, e = sentence_at(text, m.number_start)
            sentence = text[s:e]
            local = _shift(m, -s)
            if entry is not None and entry.ignore:
                findings.append(Finding(p, m, "ignored", f"{entry.reason} (curated)", entry=entry))
                continue
            if entry is None and is_descriptive(sentence, local, lex):
                findings.append(Finding(p, m, "ignored", "descriptive count"))
                continue
            unit = derive_unit(sentence, local, lex)
            if entry is None and unit is None:
                findings.append(Finding(p, m, "ignored", NO_NOUN))
                continue
            in_sentence = [_shift(x, -s) for x in mentions if s <= x.number_start < e]
            others = [x for x in in_sentence if x.is_quantity and x != local]
            countries = narrow_countries(sentence, local, heading, gaz, others)
            years = years_at.get(s, Years())
            record = {
                "@type": "Outcome",
                "value": m.value,
                "unit": unit,
                "qualifier": m.qualifier,
                "currency": m.currency,
                "country": [iris.country(c) for c in countries],
                "outcomeOf": _programme(sentence, local, countries, gaz),
                "startYear": years.start,
                "endYear": years.end,
                "status": iris.poa(decide(sentence, local.number_start).status),
                "reportedBy": reporter,
                "evidence": iris.passage(doc.slug, p.n),
                "quote": p.text[s:e],  # the source words, a footnote inside included
            }
            inferred = dict(years.inferred)
            status = "outcome"
            if entry is not None:
                record.update(entry.overrides(gaz, p.text[s:e]))
                inferred = entry.inferences(inferred)
                record["curated"] = True
                status = "curated"
            record["inferred"] = [iris.poa(k) for k in inferred]
            record["editorialNote"] = notes(inferred)
            findings.append(Finding(p, m, status, record=record, entry=entry))
    cur.check_all_used()
    n = 0
    for f in findings:
        if f.record is not None:
            n += 1
            f.record = {
                "@id": iris.outcome(doc.slug, n),
                **{k: v for k, v in f.record.items() if v not in (None, [])},
            }
    return findings


def own_text(p: Passage, passages: list[Passage]) -> str:
    """The passage text with the passages nested in it (a footnote the page break dropped
    inside a paragraph) blanked out: their numbers are theirs, and they split no sentence.
    Offsets are unchanged."""
    text = p.text
    for q in passages:
        if q is not p and p.start <= q.start and q.end <= p.end:
            a, b = q.start - p.start, q.end - p.start
            text = text[:a] + re.sub(r"\S", " ", text[a:b]) + text[b:]
    return text


def _shift(m: NumberMention, by: int) -> NumberMention:
    return NumberMention(
        m.start + by,
        m.end + by,
        m.text,
        m.value,
        m.kind,
        m.qualifier,
        m.currency,
        m.number_start + by,
        m.number_end + by,
    )


def extract_outcomes(
    doc: Document, gaz, passage_countries: dict[int, list[str]], curation: Curation | None = None
) -> list[dict]:
    """The poa:Outcome records of a report (JSON-LD node objects, DESIGN §2 keys), in
    document order, IRIs iris.outcome(doc.slug, n)."""
    return [f.record for f in assess(doc, gaz, passage_countries, curation) if f.record]
