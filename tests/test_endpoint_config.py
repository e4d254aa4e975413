"""create_app's configuration: defaults, then the $POAGRAPH_CONFIG file, then POAGRAPH_*
environment, then the given dict."""

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


def test_config_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "poagraph.toml"
    config.write_text(
        "QUERY_TIMEOUT_S = 10\nMAX_ROWS = 50\n"
        'FEDERATION_ALLOW = ["https://query.wikidata.org/sparql"]\n',
        "utf-8",
    )
    monkeypatch.setenv("POAGRAPH_CONFIG", str(config))
    monkeypatch.setenv("POAGRAPH_MAX_ROWS", "60")
    app = create_app()
    assert app.config["QUERY_TIMEOUT_S"] == 10
    assert app.config["FEDERATION_ALLOW"] == ["https://query.wikidata.org/sparql"]
    assert app.config["MAX_ROWS"] == 60  # the environment wins over the file


def test_a_missing_or_broken_config_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POAGRAPH_CONFIG", str(tmp_path / "none.toml"))
    with pytest.raises(OSError, match=r"none\.toml"):
        create_app()
    broken = tmp_path / "broken.toml"
    broken.write_text("QUERY_TIMEOUT_S = = 3\n", "utf-8")
    monkeypatch.setenv("POAGRAPH_CONFIG", str(broken))
    with pytest.raises(ValueError, match="line 1"):
        create_app()
