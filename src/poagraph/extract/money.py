"""Which currency an amount is in, however the report writes it.

Reports write money as an ISO 4217 code ("USD 4.2 million", "4.2 million NOK"), a symbol
("US$ 3.1 million", "€2 million", "£4m"), a name ("2 million euros", "1.5 billion CFA
francs", "francs CFA", "Swiss francs") or an abbreviation of their own ("4m BP", "FCFA").
The codes and official names (English, and French from pycountry's translations) come from
pycountry, so every ISO 4217 currency is read without a hand list; symbols, everyday names,
the forms several currencies share ("CFA francs": West or Central Africa, "shillings") and
the codes withdrawn since 2000 are data: mappings/currencies.yaml.

An outcome's currency is always a code of pycountry.currencies (the graph's shape checks
it). A shared form is decided by the outcome's countries; without a deciding country the
form's default is taken and the outcome marks its currency inferred, with the reason. A
currency written by name in a report older than a redenomination ("leones" in 2006) is the
old currency, which the graph cannot state: the current code is kept and marked inferred,
with a note naming the old code.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pycountry
import yaml

from poagraph.paths import MAPPINGS

CURRENCIES = MAPPINGS / "currencies.yaml"


@dataclass(frozen=True)
class Shared:
    """A form several currencies share, decided by the country."""

    key: str  #: "CFA franc"
    by_country: dict[str, str]  #: ISO3 -> ISO 4217 code
    default: str | None
    why: str | None


@dataclass(frozen=True)
class Withdrawn:
    code: str
    name: str
    now: str | None  #: the code that replaced it (a pycountry code)
    until: int | None  #: the year its successor came in


@dataclass(frozen=True, eq=False)  # hashed by identity: patterns are cached per lexicon
class MoneyWords:
    codes: frozenset[str]  #: ISO 4217 codes read as written (pycountry's, less the excluded)
    symbols: dict[str, str]  #: form as written (case matters) -> code, shared key, or withdrawn
    names: dict[str, str]  #: casefolded name -> code, shared key, or withdrawn code
    shared: dict[str, Shared]
    withdrawn: dict[str, Withdrawn]  #: old code -> its entry
    replaced: dict[str, Withdrawn]  #: current code -> the withdrawn entry it replaced
    funders: dict  #: the `funders` section, read by poagraph.extract.funders


def _plural_en(name: str, plurals: dict[str, str]) -> str:
    low = name.lower()
    for sing, plur in plurals.items():
        if low == sing or low.endswith(" " + sing):
            return name[: len(name) - len(sing)] + plur
    return name if low.endswith("s") else name + "s"


def _plural_fr(name: str, plurals: dict[str, str], invariable: frozenset[str]) -> str:
    low = name.lower()
    for sing, plur in plurals.items():
        if low == sing:
            return plur
    out = []
    for w in name.split():
        if w.startswith("(") or w in invariable or w.lower() in invariable or w[-1] in "sxz":
            out.append(w)
        else:
            out.append(w + ("x" if w.endswith("eau") else "s"))
    return " ".join(out)


def _iso_names(codes: frozenset[str], data: dict) -> dict[str, str]:
    """Official names of the codes (English and French), singular and plural -> code;
    forms that name two currencies are dropped."""
    plurals = {k.lower(): v for k, v in (data.get("plurals") or {}).items()}
    invariable = frozenset(str(w) for w in data.get("invariable") or [])
    plural_only = {w.lower() for w in data.get("plural_only") or []}
    fr = gettext.translation("iso4217", pycountry.LOCALES_DIR, languages=["fr"], fallback=True)
    forms: dict[str, set[str]] = {}

    def add(form: str, code: str) -> None:
        forms.setdefault(form.casefold(), set()).add(code)

    for c in pycountry.currencies:
        if c.alpha_3 not in codes:
            continue
        en, fr_name = c.name, fr.gettext(c.name)
        if en.lower() not in plural_only:
            add(en, c.alpha_3)
        add(_plural_en(en, plurals), c.alpha_3)
        if fr_name != en:
            if fr_name.lower() not in plural_only:
                add(fr_name, c.alpha_3)
            add(_plural_fr(fr_name, plurals, invariable), c.alpha_3)
    return {form: next(iter(cs)) for form, cs in forms.items() if len(cs) == 1}


@cache
def load_money(path: Path = CURRENCIES) -> MoneyWords:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    all_codes = {c.alpha_3 for c in pycountry.currencies}
    usable = frozenset(all_codes - set(data.get("not_money") or []))
    codes = usable - set(data.get("word_codes") or [])
    withdrawn = {
        code: Withdrawn(code, str(w["name"]), w.get("now"), w.get("until"))
        for code, w in (data.get("withdrawn") or {}).items()
    }
    shared = {
        key: Shared(
            key,
            {iso3: code for code, iso3s in s["by_country"].items() for iso3 in iso3s},
            s.get("default"),
            s.get("why"),
        )
        for key, s in (data.get("shared") or {}).items()
    }
    names = _iso_names(usable, data)
    plurals = {k.lower(): v for k, v in (data.get("plurals") or {}).items()}
    for w in withdrawn.values():  # a name shared with its successor stays the successor's
        for form in (w.name, _plural_en(w.name, plurals)):
            names.setdefault(form.casefold(), w.now or w.code)
    names.update({str(k).casefold(): str(v) for k, v in (data.get("names") or {}).items()})
    symbols = {str(k): str(v) for k, v in (data.get("symbols") or {}).items()}
    symbols.update({code: code for code in withdrawn})
    return MoneyWords(
        codes=codes,
        symbols=symbols,
        names=names,
        shared=shared,
        withdrawn=withdrawn,
        replaced={w.now: w for w in withdrawn.values() if w.now and w.until},
        funders=data.get("funders") or {},
    )


def _alternation(forms, flexible_space: bool = True) -> str:
    def one(form: str) -> str:
        parts = (re.escape(p) for p in form.split())
        return r"\s+".join(parts) if flexible_space else re.escape(form)

    return "|".join(one(f) for f in sorted(forms, key=len, reverse=True))


@dataclass(frozen=True)
class MoneyPatterns:
    before: re.Pattern  #: the currency right before an amount (searched at the end)
    after: re.Pattern  #: the currency right after an amount (matched at its end)
    after_scale: re.Pattern  #: ... after a scale word, where "of", "de", "d'" may come between


@cache
def money_patterns(words: MoneyWords) -> MoneyPatterns:
    marks = _alternation([*words.codes, *words.symbols])
    names = _alternation(words.names)
    # names first: "CFA francs" is read whole, not as the symbol "CFA"
    written = rf"(?P<cur>(?i:{names})(?![\w'’-])|(?:{marks})(?![\w$€£¥₹₦₩₱]))"
    return MoneyPatterns(
        before=re.compile(rf"(?<![A-Za-z$])\\?(?P<cur>{marks})\s*$"),
        after=re.compile(rf"\s*{written}"),
        after_scale=re.compile(rf"\s*(?:(?:of|de)\s+|d['’]\s*)?{written}"),
    )


def target(written: str, words: MoneyWords) -> str | None:
    """What a currency as written stands for: a code, a shared key or a withdrawn code."""
    form = re.sub(r"\s+", " ", written.strip().lstrip("\\"))
    if form in words.symbols:
        return words.symbols[form]
    if form in words.codes:
        return form
    return words.names.get(form.casefold())


def default_code(written: str, words: MoneyWords) -> str | None:
    """The code of a currency as written, before its passage is known: a shared form's
    default, a withdrawn code's successor (None when neither)."""
    t = target(written, words)
    if t in words.shared:
        return words.shared[t].default
    if t in words.withdrawn:
        return words.withdrawn[t].now
    return t


@dataclass(frozen=True)
class Currency:
    """An amount's currency, decided: the code (None: no ISO code fits) and why it was
    inferred (None: the text states it)."""

    code: str | None
    why: str | None = None


def decide_currency(
    written: str,
    countries: list[str],
    report_year: int | None,
    words: MoneyWords | None = None,
) -> Currency:
    """The currency of an amount written `written` in a passage of `countries` (ISO3), in
    a report of `report_year`."""
    words = words or load_money()
    t = target(written, words)
    shown = re.sub(r"\s+", " ", written.strip().lstrip("\\"))
    if t is None:
        return Currency(None)
    if t in words.shared:
        return _shared(words.shared[t], shown, countries, report_year, words)
    if t in words.withdrawn:
        w = words.withdrawn[t]
        if w.now is None:
            return Currency(None)
        return Currency(
            w.now,
            f"'{shown}' is {w.code}, replaced by {w.now} in {w.until}; the graph states current"
            f" ISO 4217 codes only, the value is as stated in {w.code}",
        )
    if shown == t:  # a code as written is kept as written
        return Currency(t)
    return _at_year(t, shown, report_year, words) or Currency(t)


def _shared(s: Shared, shown: str, countries, report_year, words) -> Currency:
    found = list(dict.fromkeys(s.by_country[c] for c in countries if c in s.by_country))
    if len(found) == 1:
        return _at_year(found[0], shown, report_year, words) or Currency(found[0])
    if s.default is None:
        return Currency(None)
    where = "names several" if found else "names none"
    why = f"'{shown}' and the passage {where} of the countries that decide it: read as {s.default}"
    return Currency(s.default, f"{why} ({s.why})" if s.why else why)


def _at_year(code: str, shown: str, report_year: int | None, words) -> Currency | None:
    w = words.replaced.get(code)
    if w is None or report_year is None or w.until is None or report_year >= w.until:
        return None
    return Currency(
        code,
        f"'{shown}' in a report of {report_year} is {w.code}, before {code} replaced it in "
        f"{w.until}; the graph states current ISO 4217 codes only, the value is as stated",
    )
