"""The `poagraph` command line: a thin layer over build, store and coverage.

Domain errors (unreadable report, locked store, SPARQL syntax) become click.ClickException
here and nowhere else: a clear message and a non-zero exit, never a traceback.

Commands written in other modules register in LAZY_COMMANDS ("name": "module:attribute",
the attribute being a click.Command); they are imported only when invoked, so
`poagraph build` does not pay for Flask or pySHACL start-up.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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
from rich.table import Table
from rich.text import Text

from . import __version__, iris, paths, store
from .report import ReportError

#: Commands defined elsewhere: name -> "module:attribute" (a click.Command).
LAZY_COMMANDS: dict[str, str] = {
    "validate": "poagraph.validate:validate_command",
    "serve": "poagraph.serve:serve_command",
}

#: Messages and tables go to stderr, so stdout carries only data (exports, query results).
err = Console(stderr=True)


class _Group(click.Group):
    """A click group that also offers the commands of LAZY_COMMANDS, imported on use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        target = LAZY_COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


def _input_errors() -> tuple[type[Exception], ...]:
    """Errors in files a user edits (reports, mappings/, ontology/): each names the file
    and the place. Imported when needed, so light commands do not load the extraction."""
    from .curation import CurationError
    from .mapping import MappingError
    from .reference import ReferenceError
    from .themes import ThemesError

    # ReportError covers the gazetteer's and the extraction's errors (subclasses).
    return ReportError, CurationError, MappingError, ReferenceError, ThemesError


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can cause and fix into a one-line message and exit 1."""
    from .build import BuildError

    try:
        yield
    except store.StoreError as e:
        raise click.ClickException(str(e)) from e
    except BuildError as e:
        if e.details:
            err.print(e.details, markup=False, highlight=False)
        raise click.ClickException(str(e)) from e
    except ValueError as e:
        if isinstance(e, _input_errors()):
            raise click.ClickException(str(e)) from e
        raise  # a bug, not bad input: keep the traceback


store_option = click.option(
    "--store",
    "store_path",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Store directory [default: $POAGRAPH_STORE or var/store].",
)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="poagraph")
def main() -> None:
    """poagraph: Programme of Action reports as a knowledge graph with a SPARQL endpoint."""


@main.command()
@click.option(
    "--report",
    "reports",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A report in the agencies' common layout (repeatable) [default: the bundled report].",
)
@store_option
def build(reports: tuple[Path, ...], store_path: Path | None) -> None:
    """Parse, extract, map, validate and load reports into the store."""
    from .build import build as run_build
    from .build import total_steps

    report_paths = list(reports) or list(paths.BUNDLED_REPORTS)
    store_path = store_path or paths.default_store()
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

        result = run_build(report_paths, store_path, progress=progress)

    for r in result.reports:
        if r.warnings:
            err.print(r.warnings, markup=False, highlight=False)
    table = Table(title=f"Built {store_path} in {result.seconds:.2f} s", title_justify="left")
    table.add_column("graph")
    table.add_column("triples", justify="right")
    for graph, n in result.graphs.items():
        table.add_row(Text(_short(graph)), str(n))
    err.print(table)


@main.command()
@store_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(store.FORMATS)),
    required=True,
    help="nquads, trig, jsonld keep named graphs; turtle is their union.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def export(store_path: Path | None, fmt: str, output: Path | None) -> None:
    """Write the whole store in an RDF format (to stdout unless -o)."""
    with user_errors():
        db = store.open_store(store_path or paths.default_store(), read_only=True)
        if output is None:
            sys.stdout.buffer.write(store.export(db, fmt))
            sys.stdout.buffer.flush()
        else:
            try:
                store.export(db, fmt, output)
            except OSError as e:
                raise click.ClickException(f"{output}: cannot write: {e.strerror or e}") from e
            err.print(f"Wrote {output}")


@main.command()
@store_option
def stats(store_path: Path | None) -> None:
    """Count triples per graph and resources per class."""
    with user_errors():
        db = store.open_store(store_path or paths.default_store(), read_only=True)
        s = store.graph_stats(db)
    console = Console()
    graphs = Table(title="Triples per graph", title_justify="left")
    graphs.add_column("graph")
    graphs.add_column("triples", justify="right")
    for g, n in s.triples.items():
        graphs.add_row(_short(g), str(n))
    graphs.add_row("[b]total[/b]", f"[b]{s.total}[/b]")
    console.print(graphs)

    classes = Table(title="Resources per class", title_justify="left")
    classes.add_column("class")
    classes.add_column("all graphs", justify="right")
    for g in s.triples:
        classes.add_column(_short(g), justify="right")
    for cls, per_graph in s.classes.items():
        row = [str(per_graph.get(g, "")) for g in s.triples]
        classes.add_row(_short(cls), str(s.union.get(cls, 0)), *row)
    console.print(classes)


@main.command()
@click.option(
    "--report",
    "report_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The report to examine [default: the bundled report].",
)
def coverage(report_path: Path | None) -> None:
    """Every number in the report's text and what became of it."""
    from . import gazetteer
    from .coverage import coverage as report_coverage
    from .coverage import format_coverage
    from .report import parse_report

    with user_errors():
        doc = parse_report(report_path or paths.BUNDLED_REPORTS[0])
        rows = report_coverage(doc, gazetteer.load_gazetteer())
    Console().print(format_coverage(rows, title=f"Numbers in {doc.path.name}"))


@main.command()
@store_option
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
def query(
    store_path: Path | None, query_file: Path | None, expression: str | None, fmt: str
) -> None:
    """Run a SPARQL query over the union of all graphs (poa:, skos:, ... predeclared)."""
    if (query_file is None) == (expression is None):
        raise click.UsageError("give exactly one of --file F.rq or -e 'SPARQL'")
    if query_file is not None:
        try:
            text = query_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise click.ClickException(f"{query_file}: cannot read: {e}") from e
        source = str(query_file)
    else:
        text, source = expression, "query"
    with user_errors():
        db = store.open_store(store_path or paths.default_store(), read_only=True)
        try:
            results = db.query(text, prefixes=store.PREFIXES, use_default_graph_as_union=True)
        except SyntaxError as e:  # pyoxigraph says "error at LINE:COLUMN: ..."
            del db  # the traceback keeps this frame: let the store's lock go now
            raise click.ClickException(f"{source}: SPARQL syntax {e}") from e
        _print_results(results, fmt)


def _print_results(results: object, fmt: str) -> None:
    out = sys.stdout.buffer
    if isinstance(results, QueryBoolean | QuerySolutions):
        if fmt in ("csv", "json"):
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
    prefixes = store.PREFIXES if fmt == "table" else None
    out.write(serialize(list(results), format=kind[fmt], prefixes=prefixes))
    out.flush()


def _short(iri: str) -> str:
    """Compact an IRI with the known prefixes, for tables meant for people."""
    graph_base = iris.GRAPH
    if iri.startswith(graph_base):
        return iri[len(graph_base) :]
    for prefix, ns in store.PREFIXES.items():
        if iri.startswith(ns) and "/" not in iri[len(ns) :]:
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def _cell(term: object) -> Text:
    """A table cell as plain text (a literal may contain [brackets] rich would eat)."""
    if term is None:
        return Text("")
    if isinstance(term, NamedNode):
        return Text(_short(term.value))
    if isinstance(term, Literal):
        return Text(term.value)
    if isinstance(term, BlankNode):
        return Text(f"_:{term.value}")
    return Text(str(term))
