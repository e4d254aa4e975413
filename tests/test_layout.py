"""The rules of ARCHITECTURE.md, checked on the source: no import cycle, small modules, and
each layer importing only what it may (extract/ no RDF library, web/query/ no Flask)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import poagraph

SRC = Path(poagraph.__file__).resolve().parent
MAX_LINES = 450


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py")) if "_data" not in p.parts}


def imported_modules(path: Path) -> set[str]:
    """Every module of ours that `path` imports, at any depth of its code (an import inside
    a function still makes a cycle, only a later one)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            # `from poagraph import iris` imports the submodule poagraph.iris; the package
            # itself counts only for names it defines (its parent is loaded in any case)
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in MODULES else target)
    return {m for m in found if m in MODULES and m != name}


def import_graph() -> dict[str, set[str]]:
    return {name: imported_modules(path) for name, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_scanner_sees_the_package() -> None:
    graph = import_graph()
    assert len(graph) >= 30
    assert "poagraph.iris" in graph["poagraph.build"]


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_over_the_size_limit(name: str) -> None:
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines (limit {MAX_LINES}): split it"


def external_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("poagraph.extract", {"pyoxigraph", "rdflib", "pyshacl", "flask"}),
        ("poagraph.web.query", {"flask", "werkzeug", "jinja2"}),
        ("poagraph.validation", {"flask"}),
        ("poagraph.contributions", {"flask"}),
    ],
)
def test_each_layer_imports_only_what_it_may(layer: str, forbidden: set[str]) -> None:
    members = [n for n in MODULES if n == layer or n.startswith(layer + ".")]
    assert members, f"{layer} is missing"
    bad = {n: external_imports(MODULES[n]) & forbidden for n in members}
    assert {n: b for n, b in bad.items() if b} == {}
