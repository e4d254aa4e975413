"""The lists of a country, programme or report page: the programmes that run in a country,
the outcomes of a country or programme with their status and the other countries of a joint
result, the totals of achieved outcomes (each outcome counted once), a report's contents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from poagraph import iris
from poagraph.web.pages import pagedata
from poagraph.web.pages.describe import Value, natural, passage_label
from poagraph.web.pages.pagedata import Term

ACHIEVED = iris.POA + "Achieved"
PLANNED = iris.POA + "Planned"


@dataclass
class ProgrammeRow:
    programme: Value
    acronym: str | None = None
    organisations: list[Value] = field(default_factory=list)


def programmes_in(country: str) -> list[ProgrammeRow]:
    """The programmes that run in a country, with their implementing organisations."""
    rows: dict[str, ProgrammeRow] = {}
    for row in pagedata.select("country-programmes", s=country):
        iri = row["programme"].value
        item = rows.setdefault(iri, ProgrammeRow(Value(row["programme"])))
        if "label" in row:
            item.programme.label = row["label"].value
        if "acronym" in row:
            item.acronym = row["acronym"].value
        if "org" in row and all(o.term != row["org"] for o in item.organisations):
            label = row["orgLabel"].value if "orgLabel" in row else None
            item.organisations.append(Value(row["org"], label))
    return sorted(rows.values(), key=lambda r: r.programme.text.lower())


@dataclass
class OutcomeRow:
    outcome: Value
    figure: str
    years: str | None = None
    status: Value | None = None
    #: every country of the outcome; on a country page, `shared` holds the others
    countries: list[Value] = field(default_factory=list)
    shared: list[Value] = field(default_factory=list)
    programme: Value | None = None
    passage: Value | None = None
    quote: str | None = None
    value: Decimal | None = None
    unit: str = ""
    currency: str = ""

    @property
    def achieved(self) -> bool:
        return self.status is not None and self.status.term.value == ACHIEVED

    @property
    def status_text(self) -> str:
        """'Achieved', 'Planned' (the status's label, capitalised), or 'not stated'."""
        if self.status is None:
            return "not stated"
        text = self.status.text
        return text[:1].upper() + text[1:]


def outcomes_of(iri: str) -> list[OutcomeRow]:
    """The outcomes stated for a country (poa:country) or a programme (poa:outcomeOf), one
    row per outcome; a joint outcome lists the other countries it is stated for."""
    rows: dict[str, OutcomeRow] = {}
    for row in pagedata.select("outcomes", s=iri):
        key = row["outcome"].value
        item = rows.get(key)
        if item is None:
            item = rows[key] = _outcome_row(row)
        if "country" in row and all(c.term != row["country"] for c in item.countries):
            label = row["countryLabel"].value if "countryLabel" in row else None
            item.countries.append(Value(row["country"], label))
    for item in rows.values():
        item.countries.sort(key=lambda c: c.text)
        item.shared = [c for c in item.countries if c.term.value != iri]
        if len(item.shared) == len(item.countries):  # a programme's page: nothing "other"
            item.shared = []
    return sorted(rows.values(), key=lambda r: natural(r.outcome.term.value))


def _outcome_row(row: dict[str, Term]) -> OutcomeRow:
    figure = " ".join(
        row[name].value for name in ("qualifier", "currency", "value", "unit") if name in row
    )
    years = "–".join(row[n].value for n in ("startYear", "endYear") if n in row) or None
    programme = None
    if "programme" in row:
        label = row["programmeLabel"].value if "programmeLabel" in row else None
        programme = Value(row["programme"], label)
    passage = None
    if "passage" in row:
        passage = Value(row["passage"], passage_label(row["passage"].value))
    status = None
    if "status" in row:
        status = Value(row["status"], row["statusLabel"].value if "statusLabel" in row else None)
    label = row["label"].value if "label" in row else figure or None
    return OutcomeRow(
        outcome=Value(row["outcome"], label),
        figure=figure,
        years=years,
        status=status,
        programme=programme,
        passage=passage,
        quote=row["quote"].value if "quote" in row else None,
        value=_decimal(row.get("value")),
        unit=row["unit"].value if "unit" in row else "",
        currency=row["currency"].value if "currency" in row else "",
    )


def _decimal(term: Term | None) -> Decimal | None:
    if term is None:
        return None
    try:
        return Decimal(term.value)
    except InvalidOperation:
        return None


@dataclass
class Total:
    """The sum of the achieved outcomes of one unit (and currency), each counted once."""

    unit: str
    currency: str
    value: Decimal
    outcomes: int
    shared: int  #: of which stated jointly with other countries

    @property
    def figure(self) -> str:
        amount = f"{self.value:,}"
        return f"{self.currency} {amount}" if self.currency else amount


def totals(outcomes: list[OutcomeRow]) -> list[Total]:
    """Achieved outcomes summed per (currency, unit): planned ones (targets, forecasts,
    budgets) and outcomes without a status are not results, and a joint outcome is one row
    here, so it counts once however many countries it is stated for."""
    found: dict[tuple[str, str], Total] = {}
    for row in outcomes:
        if not row.achieved or row.value is None:
            continue
        key = (row.currency, row.unit)
        total = found.setdefault(key, Total(row.unit, row.currency, Decimal(0), 0, 0))
        total.value += row.value
        total.outcomes += 1
        total.shared += bool(row.shared)
    return sorted(found.values(), key=lambda t: (t.currency, -t.value, t.unit))


@dataclass
class ContentsPassage:
    passage: Value
    snippet: str
    places: list[Value]
    footnote: str | None = None


@dataclass
class ContentsAction:
    action: Value | None
    passages: list[ContentsPassage] = field(default_factory=list)


@dataclass
class ContentsCommitment:
    commitment: Value | None
    actions: list[ContentsAction] = field(default_factory=list)


def report_contents(report: str) -> list[ContentsCommitment]:
    """The report's passages in reading order, under their commitment and action."""
    passages: dict[str, dict] = {}
    for row in pagedata.select("report-contents", s=report):
        item = passages.setdefault(row["passage"].value, {"row": row, "places": {}})
        if "place" in row:
            label = row["placeLabel"].value if "placeLabel" in row else None
            item["places"][row["place"]] = label
    contents: list[ContentsCommitment] = []

    def reading_order(kv: tuple[str, dict]) -> tuple:
        start = kv[1]["row"].get("start")
        return (int(start.value) if start else float("inf"), natural(kv[0]))

    for iri, item in sorted(passages.items(), key=reading_order):
        row = item["row"]
        addressed = _value(row, "addressed", "addressedLabel")
        commitment = _value(row, "commitment", "commitmentLabel")
        if commitment is None and addressed is not None:  # text under a commitment heading
            commitment, addressed = addressed, None
        if not contents or contents[-1].commitment != commitment:
            contents.append(ContentsCommitment(commitment))
        actions = contents[-1].actions
        if not actions or actions[-1].action != addressed:
            actions.append(ContentsAction(addressed))
        actions[-1].passages.append(
            ContentsPassage(
                passage=Value(Term("uri", iri), passage_label(iri)),
                snippet=row["snippet"].value if "snippet" in row else "",
                places=[Value(p, label) for p, label in item["places"].items()],
                footnote=row["footnote"].value if "footnote" in row else None,
            )
        )
    return contents


def _value(row: dict[str, Term], node: str, label: str) -> Value | None:
    if node not in row:
        return None
    return Value(row[node], row[label].value if label in row else None)


#: the columns of an outcomes table's downloads (CSV and JSON: the same cells)
OUTCOME_COLUMNS = (
    "outcome",
    "figure",
    "value",
    "currency",
    "unit",
    "status",
    "years",
    "countries",
    "programme",
    "programmeLabel",
    "passage",
    "quote",
)


def outcome_table(outcomes: list[OutcomeRow]) -> list[dict[str, str]]:
    """The outcomes table of a country or programme page as plain rows (OUTCOME_COLUMNS):
    IRIs, the figure and its parts, the status's name, the countries' IRIs space-separated,
    the exact quote."""
    return [
        {
            "outcome": row.outcome.term.value,
            "figure": row.figure,
            "value": "" if row.value is None else str(row.value),
            "currency": row.currency,
            "unit": row.unit,
            "status": row.status.term.local_name if row.status else "",
            "years": row.years or "",
            "countries": " ".join(c.term.value for c in row.countries),
            "programme": row.programme.term.value if row.programme else "",
            "programmeLabel": row.programme.text if row.programme else "",
            "passage": row.passage.term.value if row.passage else "",
            "quote": row.quote or "",
        }
        for row in outcomes
    ]
