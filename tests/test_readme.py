"""The README is the user's manual: its commands and routes must be the real ones."""

from __future__ import annotations

import re

import pytest
from click import Context

from poagraph import paths
from poagraph.cli import main
from poagraph.web import create_app

README = (paths.ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def routes() -> list[str]:
    """The app's routes, from a real app built when the tests run (not at collection)."""
    app = create_app({"TESTING": True, "STORE": "/nonexistent/poagraph-store"})
    rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint != "static"}
    # /id/<path:rest> is documented as /id/{path}: compare the literal prefix of each rule
    return sorted({re.split(r"<", rule)[0].rstrip("/") or "/" for rule in rules})


def test_readme_starts_with_the_two_commands():
    first_block = README.split("```", 2)[1]
    assert "make serve" in first_block and "make test" in first_block


def test_every_route_is_documented_in_the_readme(routes: list[str]):
    missing = [route for route in routes if f"`{route}" not in README]
    assert missing == [], f"served but not in the README's route table: {missing}"


def test_the_lists_did_not_shrink(routes: list[str]):
    assert len(routes) >= 12
    assert {"build", "validate", "serve"} <= set(main.list_commands(Context(main)))


@pytest.mark.parametrize("command", main.list_commands(Context(main)))
def test_every_cli_command_is_documented_in_the_readme(command: str):
    assert f"`poagraph {command}" in README
