"""Commands on the graph: build, export, stats, coverage, query, queries."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    serialize,
)
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column, Table
from rich.text import Text

from poagraph import iris, paths, store
from poagraph.cli.common import backend_option, err, open_backend, short, store_option, user_errors
from poagraph.errors import InputError
from poagraph.text import tidy

#: Literals that hold text (and may hold the report's words), tidied in table and CSV output.
_TEXT_TYPES = frozenset((iris.XSD + "string", iris.RDF + "langString"))


@click.command()
@click.option(
    "--report",
    "reports",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A report in the agencies' common layout (repeatable) [default: the bundled report].",
)
@store_option()
@backend_option()
@click.option(
    "--strict",
    is_flag=True,
    help="Stop on a place heading that names no known country or region (else a warning).",
)
@click.option(
    "--review",
    "review_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the entities found by the form of their names as gazetteer entries "
    "(YAML) to edit and move into mappings/.",
)
def build(
    reports: tuple[Path, ...],
    store_path: Path | None,
    backend_url: str | None,
    strict: bool,
    review_path: Path | None,
) -> None:
    """Parse, extract, map, validate and load reports into the store."""
    from poagraph.build import build as run_build
    from poagraph.build import total_steps

    report_paths = list(reports) or list(paths.BUNDLED_REPORTS)
    with user_errors():
        backend = open_backend(store_path, backend_url)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with user_errors(), Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("Starting", total=total_steps(len(report_paths)))

        def progress(description: str, completed: int, total: int) -> None:
            bar.update(task, description=description, completed=completed, total=total)

        result = run_build(report_paths, backend, progress=progress, strict=strict)

    for r in result.reports:
        if r.warnings:
            err.print(r.warnings, markup=False, highlight=False)
        for note in r.notes:  # FILE:LINE: what could not be placed, and how to fix it
            err.print(note, style="yellow", markup=False, highlight=False, soft_wrap=True)
    if result.checks:  # the data-quality checks (qa/): a failing one is a warning
        from poagraph.qa import to_text

        failed = not all(c.passed for c in result.checks)
        style = "yellow" if failed else None
        err.print(to_text(result.checks), style=style, markup=False, highlight=False)
    if review_path is not None:
        _write_review(report_paths, review_path)
    table = Table(title=f"Built {backend.name} in {result.seconds:.2f} s", title_justify="left")
    table.add_column("graph")
    table.add_column("triples", justify="right")
    for graph, n in result.graphs.items():
        table.add_row(Text(short(graph)), str(n))
    err.print(table)


def _write_review(report_paths: list[Path], review_path: Path) -> None:
    """The discovered entities of the reports built, as gazetteer entries to review."""
    from poagraph.extract.gazetteer import load_gazetteer
    from poagraph.extract.report import parse_report
    from poagraph.extract.review import review_yaml

    with user_errors():
        text = review_yaml([parse_report(p) for p in report_paths], load_gazetteer())
    try:
        review_path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise click.ClickException(f"{review_path}: cannot write: {e.strerror or e}") from e
    err.print(f"Wrote the entities to review to {review_path}", markup=False, highlight=False)


@click.command()
@store_option()
@backend_option()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(store.FORMATS)),
    required=True,
    help="nquads, trig, jsonld keep named graphs; turtle is their union.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def export(store_path: Path | None, backend_url: str | None, fmt: str, output: Path | None) -> None:
    """Write the whole store in an RDF format (to stdout unless -o)."""
    with user_errors():
        backend = open_backend(store_path, backend_url)
        if output is None:
            sys.stdout.buffer.write(backend.export(fmt))
            sys.stdout.buffer.flush()
        else:
            try:
                backend.export(fmt, output)
            except OSError as e:
                raise click.ClickException(f"{output}: cannot write: {e.strerror or e}") from e
            err.print(f"Wrote {output}")


@click.command()
@store_option()
@backend_option()
def stats(store_path: Path | None, backend_url: str | None) -> None:
    """Count triples per graph and resources per class."""
    with user_errors():
        s = open_backend(store_path, backend_url).stats()
    console = Console()
    graphs = Table(title="Triples per graph", title_justify="left")
    graphs.add_column("graph")
    graphs.add_column("triples", justify="right")
    for g, n in s.triples.items():
        graphs.add_row(short(g), str(n))
    graphs.add_row("[b]total[/b]", f"[b]{s.total}[/b]")
    console.print(graphs)

    classes = Table(title="Resources per class", title_justify="left")
    classes.add_column("class")
    classes.add_column("all graphs", justify="right")
    for g in s.triples:
        classes.add_column(short(g), justify="right")
    for cls, per_graph in s.classes.items():
        row = [str(per_graph.get(g, "")) for g in s.triples]
        classes.add_row(short(cls), str(s.union.get(cls, 0)), *row)
    console.print(classes)


@click.command()
@click.option(
    "--report",
    "report_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The report to examine [default: the bundled report].",
)
@click.option(
    "--show",
    type=click.Choice(["all", "numbers", "names"]),
    default="all",
    show_default=True,
    help="Numbers, capitalised names, or both.",
)
def coverage(report_path: Path | None, show: str) -> None:
    """Every number and every capitalised name in the report's text, and what became of
    each (an outcome, a gazetteer or discovered entity, a place, or ignored and why)."""
    from poagraph.extract.coverage import coverage as report_coverage
    from poagraph.extract.coverage import format_coverage, format_names, name_coverage
    from poagraph.extract.gazetteer import load_gazetteer
    from poagraph.extract.report import parse_report

    console = Console()
    with user_errors():
        doc = parse_report(report_path or paths.BUNDLED_REPORTS[0])
        gaz = load_gazetteer()
        if show in ("all", "numbers"):
            rows = report_coverage(doc, gaz)
            console.print(format_coverage(rows, title=f"Numbers in {doc.path.name}"))
        if show in ("all", "names"):
            names = name_coverage(doc, gaz)
            console.print(format_names(names, title=f"Names in {doc.path.name}"))


@click.command()
@store_option()
@backend_option()
@click.option(
    "--file",
    "query_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A .rq file.",
)
@click.option("-e", "--expression", help="The SPARQL query text.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.argument("name", required=False)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="K=V",
    help="A parameter of the named query (repeatable), e.g. country=Sierra Leone.",
)
def query(
    store_path: Path | None,
    backend_url: str | None,
    query_file: Path | None,
    expression: str | None,
    fmt: str,
    name: str | None,
    params: tuple[str, ...],
) -> None:
    """Run a named query of the catalogue (`poagraph queries`), or a SPARQL query from
    --file or -e, over the union of all graphs (poa:, skos:, ... predeclared).

    Table and CSV show report text tidied (page breaks and Markdown escapes removed);
    JSON keeps every literal exact."""
    if sum(x is not None for x in (name, query_file, expression)) != 1:
        raise click.UsageError("give exactly one of NAME, --file F.rq or -e 'SPARQL'")
    if params and name is None:
        raise click.UsageError("--param goes with a named query: poagraph query NAME --param k=v")
    if name is not None:
        _run_named(store_path, backend_url, name, params, fmt)
        return
    if query_file is not None:
        try:
            text = query_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise click.ClickException(f"{query_file}: cannot read: {e}") from e
        source = str(query_file)
    else:
        text, source = expression, "query"
    with user_errors(), open_backend(store_path, backend_url).reading(locked=False) as db:
        try:
            results = db.query(text, prefixes=iris.PREFIXES, use_default_graph_as_union=True)
        except SyntaxError as e:  # pyoxigraph says "error at LINE:COLUMN: ..."
            del db  # the traceback keeps this frame: let the store go now
            raise click.ClickException(f"{source}: SPARQL syntax {e}") from e
        _print_results(results, fmt)


def _run_named(
    store_path: Path | None, backend_url: str | None, name: str, params: tuple[str, ...], fmt: str
) -> None:
    """Run the catalogue query `name`, its parameters bound by substitution."""
    from pyoxigraph import Variable

    from poagraph import catalogue

    with user_errors():
        entry = catalogue.get(name)
        given = catalogue.parse_pairs(params)
        with open_backend(store_path, backend_url).reading(locked=False) as db:

            def countries() -> dict[str, set[str]]:
                rows = db.query(catalogue.COUNTRIES_QUERY, use_default_graph_as_union=True)
                return catalogue.country_index(
                    (r["country"].value, r["iso3"].value, r["name"].value if r["name"] else None)
                    for r in rows
                )

            terms = catalogue.bind(entry, given, countries)
            try:
                results = db.query(
                    entry.query,
                    prefixes=iris.PREFIXES,
                    use_default_graph_as_union=True,
                    substitutions={Variable(k): v for k, v in terms.items()},
                )
            except (SyntaxError, RuntimeError) as e:  # a query file a user added or broke
                raise InputError(f"queries/{entry.name}.rq cannot run: {e}") from e
            _print_results(results, fmt)


@click.command()
def queries() -> None:
    """List the named queries of the catalogue (queries/*.rq): name and title."""
    from poagraph import catalogue

    table = Table("title", "parameters")
    table.columns.insert(0, Column("name", no_wrap=True))
    for entry in catalogue.load():
        names = ", ".join(f"{p.name} ({p.type})" for p in entry.params)
        table.add_row(Text(entry.name), Text(entry.title), Text(names))
    Console().print(table)


def _print_results(results: object, fmt: str) -> None:
    out = sys.stdout.buffer
    if isinstance(results, QueryBoolean | QuerySolutions):
        if fmt == "csv" and isinstance(results, QuerySolutions):
            # our writer, not pyoxigraph's: cells a spreadsheet would run are neutralised;
            # report text tidied for people (JSON keeps the exact words)
            from poagraph.web.query.writers import csv_rows

            names = [v.value for v in results.variables]
            rows = ([_tidied(row[v]) for v in names] for row in results)
            out.write(csv_rows(names, rows).encode())
            out.flush()
        elif fmt in ("csv", "json"):
            kind = QueryResultsFormat.CSV if fmt == "csv" else QueryResultsFormat.JSON
            out.write(results.serialize(format=kind))
            out.flush()
        elif isinstance(results, QueryBoolean):
            click.echo("true" if bool(results) else "false")
        else:
            names = [v.value for v in results.variables]
            table = Table(*names)
            n = 0
            for row in results:
                table.add_row(*(_cell(row[v]) for v in names))
                n += 1
            console = Console()
            console.print(table)
            console.print(f"{n} rows")
        return
    # CONSTRUCT / DESCRIBE: Turtle for reading, N-Triples for line tools, JSON-LD.
    kind = {"table": RdfFormat.TURTLE, "csv": RdfFormat.N_TRIPLES, "json": RdfFormat.JSON_LD}
    prefixes = iris.PREFIXES if fmt == "table" else None
    out.write(serialize(list(results), format=kind[fmt], prefixes=prefixes))
    out.flush()


def _tidied(term: object) -> object:
    """A text literal as a reader sees it (text.tidy: no page-break blank lines, no Markdown
    escapes such as \\$); other terms as they are."""
    if isinstance(term, Literal) and term.datatype.value in _TEXT_TYPES:
        if term.language:
            return Literal(tidy(term.value), language=term.language)
        return Literal(tidy(term.value))
    return term


def _cell(term: object) -> Text:
    """A table cell as plain text (a literal may contain [brackets] rich would eat)."""
    if term is None:
        return Text("")
    if isinstance(term, NamedNode):
        return Text(short(term.value))
    if isinstance(term, Literal):
        return Text(_tidied(term).value)
    if isinstance(term, BlankNode):
        return Text(f"_:{term.value}")
    return Text(str(term))


COMMANDS = (build, export, stats, coverage, query, queries)
