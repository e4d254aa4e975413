"""Time of reading the numbers of the bundled report: find_numbers over the whole text,
extract_outcomes (with curation), and the coverage table (every number and its status)."""

from __future__ import annotations

from bench import print_figures, summary, timings
from poagraph import paths
from poagraph.extract.coverage import coverage
from poagraph.extract.gazetteer import load_gazetteer, passage_countries
from poagraph.extract.outcomes import extract_outcomes
from poagraph.extract.quantities import find_numbers
from poagraph.extract.report import parse_report

RUNS = 20


def run() -> None:
    doc = parse_report(paths.BUNDLED_REPORTS[0])
    gaz = load_gazetteer()
    countries = passage_countries(doc, gaz)
    steps = {
        "find_numbers (whole text)": lambda: find_numbers(doc.text),
        "extract_outcomes": lambda: extract_outcomes(doc, gaz, countries),
        "coverage": lambda: coverage(doc, gaz, countries),
    }
    rows = []
    for name, fn in steps.items():
        s = summary(timings(fn, runs=RUNS, warmup=1))
        rows.append(
            (name, f"{s['median'] * 1000:.1f}", f"{s['min'] * 1000:.1f}", f"{s['max'] * 1000:.1f}")
        )
    n_numbers = len(coverage(doc, gaz, countries))
    n_outcomes = len(extract_outcomes(doc, gaz, countries))
    print_figures(
        f"outcomes: {n_numbers} numbers, {n_outcomes} outcomes ({RUNS} runs)",
        rows,
        ["step", "median ms", "min ms", "max ms"],
    )
