"""Turn the quantities a report states into poa:Outcome records.

Every quantity `find_numbers` finds in a passage (a count or an amount of money) is either
an outcome or deliberately ignored. An outcome gets its value, qualifier and currency from
the number; its unit from the counted noun phrase and the verb of the clause ("the return
of over 180,000 former refugees" -> "former refugees returned"); its countries from the
passage's place heading (narrowed by the countries the sentence names next to the number
when the heading lists several); its programme from the sentence; its years from the
sentence, or from a relative phrase, marked inferred (poagraph.extract.years); its status,
Achieved or Planned, from the wording of the number's clause (poagraph.extract.status);
its evidence and quote from the passage and sentence. Money gets its currency decided by
the outcome's countries where the form is shared ("CFA francs": XOF or XAF), marked inferred
when no country decides (poagraph.extract.money), and the organisations the sentence names
as paying it (`fundedBy`, poagraph.extract.funders). Corrections and deliberate ignores
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
from .funders import funders_of
from .money import decide_currency
from .quantities import REASONS, Lexicon, NumberMention, find_numbers, load_lexicon
from .report import Document, Passage, own_text
from .sentences import sentence_at, sentence_spans
from .setting import (
    SETTING_REASONS,
    in_footnote,
    is_setting_noun,
    measure_unit,
    setting_reason,
)
from .status import decide
from .years import Years, notes, sentence_years

#: Why a count with no counted noun is not an outcome ("Five of these programmes").
NO_NOUN = "no counted noun: refers to things counted elsewhere"

#: Why an amount of money no ISO 4217 code fits is not an outcome ("francs" where no country
#: of the passage says which; a currency withdrawn without successor).
NO_CODE = (
    "money in '{}' that no ISO 4217 code fits here (mappings/currencies.yaml): curate it"
    " with its currency"
)

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
    if purpose and purpose.group(1) not in lex.phrase_stops:  # "to the Facility": no verb
        return _participle(purpose.group(1), lex)
    active = re.search(rf"\b([a-z]+ed|{irregular})\s+(?:\w+\s+)?$", before)
    if active and not re.search(r"\b(?:of|for|to)\s+\w*\s*$", before):
        return active.group(1)
    return None


def derive_unit(text: str, mention: NumberMention, lex: Lexicon) -> str | None:
    """What is counted, from the words around the number in `text` (a sentence)."""
    phrase, verb = counted(text, mention, lex)
    return " ".join(x for x in (phrase, verb) if x) or None


def counted(text: str, mention: NumberMention, lex: Lexicon) -> tuple[str, str | None]:
    """The counted noun phrase and the participle of the work done to it ("" and None when
    the text says neither)."""
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
        if verb and phrase.split()[-1:] == [verb]:  # "USD 6.5 million approved by"
            verb = None
        return phrase, verb
    measured = _measured(after, lex)
    if measured:
        phrase, rest = measured
    else:
        phrase = noun_phrase(after, lex, plural_only=mention.value != 1)
        rest = after[after.find(phrase) + len(phrase) :] if phrase else after
    if not phrase:
        return _partitive(before, after, lex)
    return phrase, _verb(before, rest, lex)


def _measured(after: str, lex: Lexicon) -> tuple[str, str] | None:
    """A unit and what it measures ("hectares of degraded land", "head of cattle"), and the
    text after them."""
    unit = measure_unit(after, lex)
    if not unit:
        return None
    rest = after[after.lower().find(unit.lower()) + len(unit) :]
    of = re.match(r"\s+(?:of|de|d')\s*", rest)
    if not of:
        return unit, rest
    what = noun_phrase(rest[of.end() :], lex)
    if not what:
        return unit, rest
    rest = rest[of.end() :]
    return f"{unit} of {what}", rest[rest.find(what) + len(what) :]


def _partitive(before: str, after: str, lex: Lexicon) -> tuple[str, str | None]:
    """ "six of them were certified", "45 projects, 29 of which were approved": what was
    counted before and the verb after; nothing without a verb of the work ("Five of these
    programmes address migration" refers to things counted elsewhere)."""
    pronouns = "|".join(sorted(lex.partitive_pronouns))
    m = re.match(rf"\s+of\s+(?:{pronouns})\b", after)
    if not m:
        return "", None
    rest = after[m.end() :]
    named = noun_phrase(rest, lex, plural_only=True)
    if named:
        rest = rest[rest.find(named) + len(named) :]
    passive = re.match(
        r"\s*(?:have|has|had|were|was|are|is|will be)\s+(?:been\s+)?(?:\w+ly\s+)?"
        r"([a-z]+ed|[a-z]+en)\b",
        rest,
    )
    if not passive:
        return "", None
    antecedent = named or _antecedent(before, lex)
    return antecedent, passive.group(1)


def _antecedent(before: str, lex: Lexicon) -> str:
    """The plural noun phrase right before ", 29 of which" ("investment projects")."""
    m = re.search(r"((?:[A-Za-z][\w'-]*\s+){0,2}[A-Za-z][\w'-]*)\s*,\s*$", before)
    if not m:
        return ""
    words = [w for w in m.group(1).split() if w.lower() not in lex.phrase_stops]
    return " ".join(words) if words and _is_plural(words[-1], lex) else ""


def is_descriptive(text: str, mention: NumberMention, lex: Lexicon) -> bool:
    """A count of setting nouns ("30 countries", "six different ministries", "in 85
    villages")."""
    return is_setting_noun(noun_phrase(text[mention.end :], lex), lex)


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
    orgs += [(o.start, o.end) for o in gaz.programmes_in(sentence, heading or None)]
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
    ctx = _Context(doc, gaz, lex, reporting_organisation(doc, gaz), doc.metadata.get("year"))
    findings: list[Finding] = []
    for p in doc.passages:
        text = own_text(p, doc.passages)
        mentions = find_numbers(text, lex)
        heading = passage_countries.get(p.n, [])
        years_at = sentence_years(text, sentence_spans(text), mentions, ctx.report_year, lex)
        for m in (m for m in mentions if m.is_quantity):
            s, e = sentence_at(text, m.number_start)
            in_sentence = [x.shifted(-s) for x in mentions if s <= x.number_start < e]
            here = _Here(p, text, s, e, heading, years_at.get(s, Years()), in_sentence)
            findings.append(_finding(ctx, here, m, cur.entry_for(p, m)))
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


@dataclass(frozen=True)
class _Context:
    """What every finding of a report reads."""

    doc: Document
    gaz: object
    lex: Lexicon
    reporter: str
    report_year: int | None


@dataclass(frozen=True)
class _Here:
    """Where a quantity is: its passage, sentence (offsets in the passage text), heading
    countries, the sentence's years and its numbers (offsets in the sentence)."""

    passage: Passage
    text: str
    start: int
    end: int
    heading: list[str]
    years: Years
    numbers: list[NumberMention]


def _finding(ctx: _Context, here: _Here, m: NumberMention, entry: CuratedEntry | None) -> Finding:
    """What becomes of one quantity: an outcome (curated or not), or ignored with why."""
    p, lex = here.passage, ctx.lex
    sentence = here.text[here.start : here.end]
    local = m.shifted(-here.start)
    if entry is not None and entry.ignore:
        return Finding(p, m, "ignored", f"{entry.reason} (curated)", entry=entry)
    phrase, verb = counted(sentence, local, lex)
    unit = " ".join(x for x in (phrase, verb) if x) or None
    why = _not_a_result(ctx, here, local, phrase, verb)
    if entry is None and why:
        return Finding(p, m, "ignored", why)
    if entry is None and unit is None and m.kind != "money":  # money says its currency
        return Finding(p, m, "ignored", NO_NOUN)
    others = [x for x in here.numbers if x.is_quantity and x != local]
    countries = narrow_countries(sentence, local, here.heading, ctx.gaz, others)
    money = _money(sentence, local, countries, here.heading, ctx.report_year, ctx.gaz)
    if entry is None and m.kind == "money" and money["currency"] is None:
        return Finding(p, m, "ignored", NO_CODE.format(m.currency_written))
    quote = p.text[here.start : here.end]  # the source words, a footnote inside included
    record = {
        "@type": "Outcome",
        "value": m.value,
        "unit": unit,
        "qualifier": m.qualifier,
        "currency": money["currency"],
        "country": [iris.country(c) for c in countries],
        "outcomeOf": _programme(sentence, local, countries, ctx.gaz),
        "fundedBy": money["fundedBy"],
        "startYear": here.years.start,
        "endYear": here.years.end,
        "status": iris.poa(decide(sentence, local.number_start, money=m.kind == "money").status),
        "reportedBy": ctx.reporter,
        "evidence": iris.passage(ctx.doc.slug, p.n),
        "quote": quote,
    }
    inferred = {**dict(here.years.inferred), **money["inferred"]}
    status = "outcome"
    if entry is not None:
        record.update(entry.overrides(ctx.gaz, quote))
        inferred = entry.inferences(inferred)
        record["curated"] = True
        status = "curated"
    record["inferred"] = [iris.poa(k) for k in inferred]
    record["editorialNote"] = notes(inferred)
    return Finding(p, m, status, record=record, entry=entry)


def _not_a_result(ctx: _Context, here: _Here, m: NumberMention, phrase: str, verb) -> str | None:
    """Why the quantity `m` (offsets in its sentence) states no result: a number inside an
    organisation's or programme's name ("the Three Diseases Fund"), a figure in a footnote,
    a count or measure of the setting (poagraph.extract.setting); None when it may be one."""
    sentence = here.text[here.start : here.end]
    names = [*ctx.gaz.organisations_in(sentence, here.heading or None)]
    names += ctx.gaz.programmes_in(sentence, here.heading or None)
    if any(n.start <= m.number_start < n.end for n in names):
        return REASONS["identifier"]
    if in_footnote(here.text, here.start + m.number_start):
        return SETTING_REASONS["footnote"]
    return setting_reason(sentence, m, phrase, verb, ctx.lex)


def _money(sentence, mention, countries, heading, report_year, gaz) -> dict:
    """Currency (decided by the countries, or inferred with the reason) and funders of an
    amount of money; nothing for a count."""
    if mention.kind != "money" or not mention.currency_written:
        return {"currency": mention.currency, "fundedBy": [], "inferred": {}}
    cur = decide_currency(mention.currency_written, countries or heading, report_year)
    return {
        "currency": cur.code,
        "fundedBy": funders_of(sentence, mention, countries or heading, gaz),
        "inferred": {"currency": cur.why} if cur.why else {},
    }


def extract_outcomes(
    doc: Document, gaz, passage_countries: dict[int, list[str]], curation: Curation | None = None
) -> list[dict]:
    """The poa:Outcome records of a report (JSON-LD node objects, DESIGN §2 keys), in
    document order, IRIs iris.outcome(doc.slug, n)."""
    return [f.record for f in assess(doc, gaz, passage_countries, curation) if f.record]
