"""create_app's configuration: defaults, then POAGRAPH_* environment, then the given dict."""

from __future__ import annotations

from pathlib import Path

import pytest

from poagraph.web import create_app


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POAGRAPH_STORE", raising=False)
    app = create_app()
    assert app.config["STORE"] == "var/store"
    assert app.config["QUERY_TIMEOUT_S"] == 30
    assert app.config["IN_MEMORY"] is True
    assert app.config["CORS"] is True
    assert app.config["MAX_CONTENT_LENGTH"] == app.config["MAX_BODY_BYTES"]


def test_environment_then_dict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POAGRAPH_STORE", str(tmp_path / "from-env"))
    monkeypatch.setenv("POAGRAPH_QUERY_TIMEOUT_S", "5")
    monkeypatch.setenv("POAGRAPH_IN_MEMORY", "false")
    monkeypatch.setenv("POAGRAPH_MAX_ROWS", "7")
    app = create_app({"MAX_ROWS": 3, "MAX_BODY_BYTES": 1000})
    assert app.config["STORE"] == str(tmp_path / "from-env")
    assert app.config["QUERY_TIMEOUT_S"] == 5
    assert app.config["IN_MEMORY"] is False
    assert app.config["MAX_ROWS"] == 3  # the dict wins over the environment
    assert app.config["MAX_CONTENT_LENGTH"] == 1000


def test_store_path_objects_are_accepted(tmp_path: Path) -> None:
    app = create_app({"STORE": tmp_path / "store"})
    assert app.config["STORE"] == str(tmp_path / "store")
