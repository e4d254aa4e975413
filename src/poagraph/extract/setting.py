"""Counts and measures that describe the setting of the work, not what it achieved.

A report describes where and how the work was done with numbers as well as what it
achieved: the villages and townships it worked in ("in 85 villages"), the posts it worked
from, the rainfall and distances of the place ("500 millimetres of rain"), the size of the
groups it formed ("groups of twenty to thirty farmers"), a season ("one poor rainy season in
five"), the population of a country, a figure restated in a footnote. `setting_reason`
says which of these a count is, or None when it may be a result. The nouns and cue words
are data: mappings/quantities.yaml.
"""

from __future__ import annotations

import re

from .quantities import REASONS, Lexicon, NumberMention

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"

#: Why each kind of setting count is no outcome (shown by `poagraph coverage`).
SETTING_REASONS = {
    "descriptive": "descriptive count",
    "locative": "descriptive count: where the work was done",
    "measure": "measurement of the setting: no verb of the work applies to it",
    "period": REASONS["duration"],
    "group": "descriptive count: the size of each group",
    "context": "context figure: a population, not a result",
    "footnote": "in a footnote: a figure of the context",
}


def _words(phrase: str) -> list[str]:
    return phrase.lower().split()


def is_setting_noun(phrase: str, lex: Lexicon) -> bool:
    """The counted phrase names setting units ("worst-affected townships", "partner NGOs")."""
    words = _words(phrase)
    if not words:
        return False
    if words[0] in lex.descriptive_modifiers:
        return True
    return any(" ".join(words[-k:]) in lex.descriptive_nouns for k in (1, 2, 3))


def measure_unit(after: str, lex: Lexicon) -> str | None:
    """The unit of measure written right after a number ("millimetres", "km", "head")."""
    low = after.lower()
    for unit in lex.measure_units:
        m = re.match(rf"\s*-?{re.escape(unit)}(?![\w²])", low)
        if m:
            return after[m.start() : m.end()].strip(" -")
    return None


def in_footnote(text: str, pos: int) -> bool:
    """`pos` lies on a footnote line ("² According to the census, ...")."""
    line_start = text.rfind("\n", 0, pos) + 1
    return bool(re.match(rf"\s*(?:[{SUPERSCRIPTS}]+|\[\^\w+\]:)\s", text[line_start : pos + 1]))


def setting_reason(
    sentence: str, mention: NumberMention, phrase: str, verb: str | None, lex: Lexicon
) -> str | None:
    """Why the count `mention` (offsets in `sentence`) with its counted `phrase` and `verb`
    describes the setting, or None."""
    before = sentence[: mention.start].lower()
    words = _words(phrase)
    if mention.kind == "count" and is_setting_noun(phrase, lex):
        return SETTING_REASONS["descriptive"]
    if mention.kind != "count":
        return None
    if words and words[-1] in lex.context_nouns:
        return SETTING_REASONS["context"]
    if any(before.rstrip().endswith(cue) for cue in lex.context_before):
        return SETTING_REASONS["context"]
    if measure_unit(sentence[mention.end :], lex) and not (verb or _object_of(before, lex)):
        return SETTING_REASONS["measure"]
    if words and _singular(words[-1]) in {u.lower() for u in lex.time_units}:
        return SETTING_REASONS["period"]
    if _group_size(before, sentence[mention.end :], lex):
        return SETTING_REASONS["group"]
    if words and words[-1] in lex.locative_nouns and _after_place_preposition(before, lex):
        return SETTING_REASONS["locative"]
    return None


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


_FILLER = (
    r"(?:(?:the|a|an|some|about|over|nearly|almost|around|more than|less than|between"
    r"|further|additional|another|total of|a total of)\s+)*"
)


def _object_of(before: str, lex: Lexicon) -> bool:
    """The number is the object of a verb of the work right before it ("to mark 1,100",
    "recover a further 3,000"): a lower-case word that is no stop word nor setting verb."""
    m = re.search(rf"\b([a-z]+)\s+{_FILLER}$", before)
    if not m or m.group(1) in lex.phrase_stops or m.group(1) in lex.setting_verbs:
        return False
    return not re.fullmatch(r"(?:the|a|an|some|about|over|nearly|almost|around)", m.group(1))


def _after_place_preposition(before: str, lex: Lexicon) -> bool:
    preps = "|".join(re.escape(p) for p in sorted(lex.locative_before))
    return bool(re.search(rf"\b(?:{preps})\s+{_FILLER}$", before))


def _group_size(before: str, after: str, lex: Lexicon) -> bool:
    """ "groups of twenty to thirty farmers", "teams of five", "25 pupils per class"."""
    nouns = "|".join(re.escape(n) for n in sorted(lex.group_nouns))
    range_start = r"(?:[\w,.-]+\s+(?:to|and|or|à)\s+)?"
    if re.search(rf"\b(?:{nouns})\s+(?:of|de)\s+{_FILLER}{range_start}$", before):
        return True
    return bool(re.match(rf"\s+[\w' -]{{0,40}}?\b(?:per|each|a)\s+(?:{nouns})\b", after.lower()))
