"""Curated outcome corrections and deliberate ignores: data, each keyed by its exact quote.

mappings/curated-outcomes.yaml holds, per report slug, two lists:

- `outcomes`: corrections of an automatic outcome (unit, value, qualifier, currency,
  country as ISO3 codes, programme by slug or name, startYear, endYear), its `status`
  (planned or achieved: overrides the reading of the sentence, poagraph.extract.status),
  and `inferred`: {field: reason} for each curated value the quote does not state;
- `ignore`: quantities that are not results, with the reason (descriptive counts, targets
  restated, breakdowns of a total stated beside them).

Each entry names the number as written (`number: "63, 000"`) and a `quote`: words of one
passage, exactly as in the report, that contain it once. A curated quote that holds the
whole sentence (e.g. with the sentence before, which states the year) becomes the
outcome's poa:quote; a shorter one only locates the number. An entry whose quote is not in
the report, is ambiguous, or does not hold its number as a quantity is an error that names
the entry: curation never silently goes stale when the report or the reader changes. So
is a curated year that the outcome's quote does not state, unless `inferred` gives the
reason: a curator cannot slip an unmarked inference into the graph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from poagraph import iris
from poagraph.errors import InputError, MappingsError, ReportError
from poagraph.paths import MAPPINGS

from . import yamlfiles
from .quantities import find_numbers

CURATED = MAPPINGS / "curated-outcomes.yaml"

#: Fields an outcome entry may set, and the record key each one sets.
_FIELDS = {
    "unit": "unit",
    "value": "value",
    "qualifier": "qualifier",
    "currency": "currency",
    "country": "country",
    "programme": "outcomeOf",
    "startYear": "startYear",
    "endYear": "endYear",
}
_META = {"number", "quote", "note", "reason"}
#: Fields of an outcome entry that are not record values.
_DECISIONS = {"status", "inferred"}
STATUSES = {"planned": "Planned", "achieved": "Achieved"}


@dataclass
class CuratedEntry:
    report: str
    section: str  #: "outcomes" or "ignore"
    index: int  #: 1-based within its section
    number: str
    quote: str
    reason: str | None = None
    fields: dict = field(default_factory=dict)
    path: str = CURATED.name  #: the file of the entry, for messages
    line: int | None = None  #: its 1-based line there
    status: str | None = None  #: "Planned" or "Achieved" when curated
    inferred: dict = field(default_factory=dict)  #: field -> why its value is inferred
    passage: int | None = None  #: resolved: Passage.n holding the quote
    offset: int | None = None  #: resolved: offset of the number in that passage's text
    used: bool = False

    @property
    def ignore(self) -> bool:
        return self.section == "ignore"

    def describe(self) -> str:
        """The entry, with its file and line: "curated-outcomes.yaml:12: report outcomes
        entry 3 (number '900', quote '...')"."""
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.what()}"

    def what(self) -> str:
        q = self.quote if len(self.quote) <= 70 else self.quote[:67] + "..."
        return (
            f"{self.report} {self.section} entry {self.index} (number {self.number!r}, quote {q!r})"
        )

    def error(self, cls: type[InputError], message: str) -> InputError:
        """A `cls` error about this entry, at its file and line."""
        return cls(f"{self.what()}: {message}", self.path, self.line)

    def overrides(self, gaz, sentence: str) -> dict:
        """The record keys this entry sets (IRIs resolved with the gazetteer). The curated
        quote replaces the sentence when it is longer (it holds what the sentence lacks,
        such as the year stated in the sentence before)."""
        out: dict = {"quote": self.quote} if sentence in self.quote else {}
        quote = out.get("quote", sentence)
        if self.status:
            out["status"] = iris.poa(self.status)
        for key, value in self.fields.items():
            target = _FIELDS[key]
            if key == "country":
                codes = [value] if isinstance(value, str) else list(value or [])
                value = [iris.country(c) for c in codes]
            elif key == "programme":
                value = _programme_iri(value, gaz, self)
            elif key in ("startYear", "endYear") and value is not None:
                value = int(value)
                if key not in self.inferred and not re.search(rf"(?<!\d){value}(?!\d)", quote):
                    raise self.error(
                        MappingsError,
                        f"{key} {value} is not stated in the quote; give the reason in "
                        f"'inferred: {{{key}: ...}}' or quote the words that state it",
                    )
            out[target] = value
        return out

    def inferences(self, automatic: dict[str, str]) -> dict[str, str]:
        """The record keys whose value is inferred, with the reason: the automatic ones
        (years from "the last three years") unless this entry replaces the value, then the
        entry's own `inferred`."""
        replaced = {_FIELDS[k] for k in self.fields}
        out = {k: why for k, why in automatic.items() if k not in replaced}
        out.update({_FIELDS[k]: why for k, why in self.inferred.items()})
        return out


def _programme_iri(name: str, gaz, entry: CuratedEntry) -> str:
    if name in gaz.programmes:
        return iris.programme(name)
    for m in gaz.programmes_in(name):
        if m.surface == name:
            iri = m.iri
            return iri[1:-1] if iri.startswith("<") else iri
    raise entry.error(MappingsError, f"programme {name!r} is not in programmes.yaml")


@dataclass
class ReportCuration:
    """The entries of one report, resolved against its passages."""

    entries: list[CuratedEntry]
    by_position: dict[tuple[int, int], CuratedEntry]

    def entry_for(self, passage, mention) -> CuratedEntry | None:
        entry = self.by_position.get((passage.n, mention.number_start))
        if entry is not None:
            entry.used = True
        return entry

    def check_all_used(self) -> None:
        unused = [e for e in self.entries if not e.used]
        if unused:
            raise unused[0].error(ReportError, "matched no quantity of the report")


@dataclass
class Curation:
    entries: list[CuratedEntry]

    def for_document(self, doc) -> ReportCuration:
        """Resolve this report's entries; raises a ReportError naming a stale entry."""
        mine = [e for e in self.entries if e.report == doc.slug]
        by_position: dict[tuple[int, int], CuratedEntry] = {}
        for e in mine:
            e.used = False
            where = [p for p in doc.passages if e.quote in p.text]
            hits = sum(p.text.count(e.quote) for p in where)
            if hits == 0:
                raise e.error(ReportError, "the quote is not in the report")
            if hits > 1:
                raise e.error(ReportError, f"the quote occurs {hits} times; lengthen it")
            p = where[0]
            q0 = p.text.index(e.quote)
            pattern = re.compile(rf"(?<![\w,-]){re.escape(e.number)}(?![\w-]|,\s?\d)")
            occ = list(pattern.finditer(e.quote))
            if len(occ) != 1:
                what = "is not in" if not occ else f"occurs {len(occ)} times in"
                raise e.error(ReportError, f"the number {what} the quote")
            pos = q0 + occ[0].start()
            mention = next(
                (m for m in find_numbers(p.text) if m.start <= pos < m.end),
                None,
            )
            if mention is None or not mention.is_quantity:
                kind = mention.kind if mention else "not a number"
                raise e.error(ReportError, f"the number is not a quantity ({kind})")
            e.passage, e.offset = p.n, mention.number_start
            key = (p.n, mention.number_start)
            if key in by_position:
                raise e.error(ReportError, f"same number as {by_position[key].describe()}")
            by_position[key] = e
        return ReportCuration(mine, by_position)


def _entry(report: str, section: str, i: int, raw, path: Path, line: int | None) -> CuratedEntry:
    def error(message: str) -> MappingsError:
        return MappingsError(f"{report} {section} entry {i}: {message}", path, line)

    if not isinstance(raw, dict):
        raise error("must be a mapping with number and quote")
    for key in ("number", "quote"):
        if not isinstance(raw.get(key), str | int) or str(raw[key]) == "":
            raise error(f"needs {key!r} (the text as written in the report)")
    allowed = _META | (set(_FIELDS) | _DECISIONS if section == "outcomes" else set())
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise error(f"unknown field(s) {unknown}; allowed: {sorted(allowed)}")
    if section == "ignore" and not raw.get("reason"):
        raise error("an ignored number needs a reason")
    fields = {k: raw[k] for k in _FIELDS if k in raw}
    status = raw.get("status")
    if status is not None and status not in STATUSES:
        raise error(f"status must be one of {sorted(STATUSES)}, not {status!r}")
    inferred = raw.get("inferred") or {}
    if not isinstance(inferred, dict):
        raise error("inferred must map fields to the reason, e.g. {startYear: 'why'}")
    for key, why in inferred.items():
        if key not in fields:
            raise error(f"inferred {key!r} is not a field this entry sets")
        if not isinstance(why, str) or not why.strip():
            raise error(f"inferred {key!r} needs the reason (a sentence)")
    return CuratedEntry(
        report,
        section,
        i,
        str(raw["number"]),
        str(raw["quote"]),
        raw.get("reason"),
        fields,
        str(path),
        line,
        status=STATUSES.get(status) if status else None,
        inferred=dict(inferred),
    )


@lru_cache(maxsize=4)  # read-only for its callers
def _entry_lines(text: str) -> dict[tuple[str, str, int], int]:
    """(report, section, index) -> 1-based line of the entry in the YAML text."""
    lines: dict[tuple[str, str, int], int] = {}
    root = yaml.compose(text)
    if not isinstance(root, yaml.MappingNode):
        return lines
    for report, sections in root.value:
        if not isinstance(sections, yaml.MappingNode):
            continue
        for section, seq in sections.value:
            if isinstance(seq, yaml.SequenceNode):
                for i, item in enumerate(seq.value, 1):
                    lines[(str(report.value), str(section.value), i)] = item.start_mark.line + 1
    return lines


def load_curation(path: Path | str = CURATED) -> Curation:
    """Read the curated entries of every report (an absent file means none)."""
    path = Path(path)
    if not path.exists():
        return Curation([])
    text = path.read_text(encoding="utf-8")
    try:
        data = yamlfiles.safe_load(text) or {}
        lines = _entry_lines(text)
    except yaml.YAMLError as e:
        raise MappingsError(f"not valid YAML: {e}", path) from e
    if not isinstance(data, dict):
        raise MappingsError("must map report slugs to their curated entries", path)
    entries: list[CuratedEntry] = []
    for report, sections in data.items():
        sections = sections or {}
        unknown = set(sections) - {"outcomes", "ignore"} if isinstance(sections, dict) else {"?"}
        if unknown:
            raise MappingsError(f"{report}: sections must be 'outcomes' and 'ignore'", path)
        for section in ("outcomes", "ignore"):
            for i, raw in enumerate(sections.get(section) or [], 1):
                line = lines.get((str(report), section, i))
                entries.append(_entry(str(report), section, i, raw, path, line))
    return Curation(entries)
