"""Data-quality checks: the `qa/NAME.ask.rq` + `qa/NAME.select.rq` pairs, and running them.

Each check is a pair of SPARQL queries in qa/ (knowledge, not code): an ASK that is true
when the graph is healthy, and a SELECT that lists the offenders when it is not. Their
header comments (`# title:`, `# description:`) say what healthy means. The checks run on
any engine through two callables (`ask`, `select`): `store_runner` gives them for an
on-disk pyoxigraph Store (the CLI, the build), `json_runner` for a function answering
SPARQL JSON results (the web app's query service). `poagraph check`, the build and
GET /qa all use `run_checks`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, QueryBoolean, QuerySolutions, Store

from poagraph import iris, paths
from poagraph.errors import InputError

#: ask(query) -> bool; select(query) -> (column names, rows of column -> value)
Ask = Callable[[str], bool]
Select = Callable[[str], tuple[list[str], list[dict[str, str]]]]

_HEADER = re.compile(r"^#\s*(title|description):\s*(.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Check:
    """One data-quality check: its name (the file stem), what healthy means, its queries."""

    name: str
    title: str
    description: str
    ask: str
    select: str


@dataclass
class CheckResult:
    """What one check found: passed, or the offenders its SELECT listed."""

    check: Check
    passed: bool
    columns: list[str] = field(default_factory=list)
    offenders: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.check.name,
            "title": self.check.title,
            "description": self.check.description,
            "passed": self.passed,
            "columns": self.columns,
            "offenders": self.offenders,
        }


def _header(path: Path, text: str) -> dict[str, str]:
    found = {key: value for key, value in _HEADER.findall(text)}
    for key in ("title", "description"):
        if key not in found:
            raise InputError(f"the header comment has no '# {key}:' line", path, line=1)
    return found


def load_checks(folder: Path | None = None) -> list[Check]:
    """The checks of `folder` (default qa/), by name. Raises InputError for an ASK without
    its SELECT (or the reverse), an unreadable file or a header without title/description."""
    folder = folder or paths.QA
    names = sorted(
        {p.name.removesuffix(s) for s in (".ask.rq", ".select.rq") for p in folder.glob("*" + s)}
    )
    checks = []
    for name in names:
        texts = {}
        for kind in ("ask", "select"):
            path = folder / f"{name}.{kind}.rq"
            try:
                texts[kind] = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise InputError(f"check {name!r} has no {kind.upper()} file", path) from None
            except (OSError, UnicodeDecodeError) as e:
                raise InputError(f"cannot read: {e}", path) from e
        head = _header(folder / f"{name}.ask.rq", texts["ask"])
        checks.append(Check(name, head["title"], head["description"], **texts))
    return checks


def run_checks(
    ask: Ask, select: Select, checks: Iterable[Check] | None = None
) -> list[CheckResult]:
    """Run each check's ASK; for a failing one, its SELECT lists the offenders."""
    results = []
    for check in load_checks() if checks is None else checks:
        if ask(check.ask):
            results.append(CheckResult(check, True))
        else:
            columns, rows = select(check.select)
            results.append(CheckResult(check, False, columns, rows))
    return results


def _value(term: object) -> str:
    if isinstance(term, NamedNode | Literal):
        return term.value
    return "" if term is None else str(term)


def store_runner(db: Store) -> tuple[Ask, Select]:
    """ask and select over the union of the store's graphs."""

    def query(text: str) -> QueryBoolean | QuerySolutions:
        return db.query(text, prefixes=iris.PREFIXES, use_default_graph_as_union=True)

    def ask(text: str) -> bool:
        return bool(query(text))

    def select(text: str) -> tuple[list[str], list[dict[str, str]]]:
        solutions = query(text)
        columns = [v.value for v in solutions.variables]
        rows = [{c: _value(row[c]) for c in columns} for row in solutions]
        return columns, rows

    return ask, select


def json_runner(run: Callable[[str], dict]) -> tuple[Ask, Select]:
    """ask and select from `run(query)` answering SPARQL JSON results (a dict)."""

    def ask(text: str) -> bool:
        return bool(run(text)["boolean"])

    def select(text: str) -> tuple[list[str], list[dict[str, str]]]:
        answer = run(text)
        columns = list(answer["head"]["vars"])
        rows = answer["results"]["bindings"]
        return columns, [{c: row.get(c, {}).get("value", "") for c in columns} for row in rows]

    return ask, select


def check_store(db: Store) -> list[CheckResult]:
    """Every check of qa/ on an open store."""
    return run_checks(*store_runner(db))


def to_text(results: list[CheckResult]) -> str:
    """One line per check (PASS/FAIL and its title); under a failing one its offenders,
    IRIs as CURIEs; then the count."""
    lines = []
    for r in results:
        lines.append(f"{'PASS' if r.passed else 'FAIL'}  {r.check.name}: {r.check.title}")
        if not r.passed:
            lines.append(f"      {r.check.description}")
            lines.append(f"      {len(r.offenders)} offender(s):")
            for row in r.offenders:
                cells = (f"{c}={iris.curie(row[c])}" for c in r.columns if row.get(c))
                lines.append("        " + "  ".join(cells))
    failed = sum(not r.passed for r in results)
    lines.append(f"{len(results) - failed} of {len(results)} checks pass")
    return "\n".join(lines)
