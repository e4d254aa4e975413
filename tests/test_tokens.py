"""Contribution tokens: the tokens file, verification, `poagraph tokens`, bearer_token."""

from __future__ import annotations

import os
import stat
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from poagraph import iris, paths
from poagraph.cli import main
from poagraph.contributions.tokens import PREFIX, TokenStore, resolve_organisation
from poagraph.errors import Forbidden, InputError, Unauthorized

IOM = iris.organisation("iom")


@pytest.fixture
def tokens(tmp_path: Path) -> TokenStore:
    return TokenStore(tmp_path / "var" / "tokens.toml")


def test_add_stores_only_the_hash_in_a_private_file(tokens):
    token, secret = tokens.add(IOM, "International Organization for Migration")
    assert secret.startswith(PREFIX) and len(secret) == len(PREFIX) + 43
    assert token.id.startswith("tok-") and len(token.id) == 12
    assert token.organisation == IOM and not token.admin
    assert token.created.endswith("Z") and token.created[:2] == "20"
    text = tokens.path.read_text(encoding="utf-8")
    assert secret not in text and secret[len(PREFIX) :] not in text
    assert stat.S_IMODE(os.stat(tokens.path).st_mode) == 0o600
    entry = tomllib.loads(text)["token"][0]
    assert set(entry) == {"id", "sha256", "organisation", "label", "admin", "created"}
    assert len(entry["sha256"]) == 64 and entry["id"] == token.id
    assert not list(tokens.path.parent.glob(".tokens-*"))  # no temporary file left behind


def test_verify_accepts_only_the_exact_secret(tokens):
    token, secret = tokens.add(IOM, "IOM")
    other, other_secret = tokens.add(iris.organisation("undp"), "UNDP", admin=True)
    assert tokens.verify(secret) == token
    assert tokens.verify(other_secret) == other and other.admin
    # Every entry is compared (no early exit); each of these must still fail.
    wrong_same_length = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert len(wrong_same_length) == len(secret)
    for wrong in (wrong_same_length, secret[:-1], secret[: len(PREFIX) + 8], secret + "x", ""):
        assert tokens.verify(wrong) is None
    assert tokens.verify("poa_é\udcff") is None  # not ASCII, not even valid UTF-8: no crash


def test_list_and_revoke(tokens):
    assert tokens.list() == []
    assert tokens.verify("poa_anything") is None  # no file yet
    a, secret_a = tokens.add(IOM, "IOM")
    b, secret_b = tokens.add(iris.organisation("new-org"), 'A "quoted"\\ name\n\x7f')
    assert [t.id for t in tokens.list()] == [a.id, b.id]
    assert tokens.list()[1].label == 'A "quoted"\\ name\n\x7f'  # escaped, read back whole
    assert tokens.revoke(a.id) == a
    assert [t.id for t in tokens.list()] == [b.id]
    assert tokens.verify(secret_a) is None and tokens.verify(secret_b) == b
    with pytest.raises(InputError, match="no token 'tok-00000000'"):
        tokens.revoke("tok-00000000")
    # Another TokenStore on the same file (a running server) sees the revocation at once.
    server = TokenStore(tokens.path)
    assert server.verify(secret_b) == b
    tokens.revoke(b.id)
    assert server.verify(secret_b) is None


def test_concurrent_adds_lose_nothing(tmp_path):
    path = tmp_path / "tokens.toml"

    def add(n: int) -> str:
        return TokenStore(path).add(IOM, f"IOM {n}")[0].id

    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(add, range(40)))
    assert sorted(t.id for t in TokenStore(path).list()) == sorted(ids)
    assert len(set(ids)) == 40


def test_a_broken_tokens_file_says_where(tokens):
    tokens.path.parent.mkdir(parents=True)
    tokens.path.write_text('[[token]]\nid = "tok-1"\nsha256 = \n', encoding="utf-8")
    with pytest.raises(InputError, match=r"not valid TOML.*line 3"):
        tokens.list()
    tokens.path.write_text('[[token]]\nid = "tok-1"\n', encoding="utf-8")
    with pytest.raises(InputError, match="lacks sha256"):
        tokens.verify("poa_x")


def test_default_tokens_path(monkeypatch, tmp_path):
    monkeypatch.delenv("POAGRAPH_TOKENS", raising=False)
    assert paths.default_tokens() == Path("var/tokens.toml")
    monkeypatch.setenv("POAGRAPH_TOKENS", str(tmp_path / "t.toml"))
    assert paths.default_tokens() == tmp_path / "t.toml"


def test_organisations_resolve_by_acronym_label_iri_or_are_new(built_store_path):
    assert resolve_organisation("IOM", built_store_path) == (
        IOM,
        "International Organization for Migration",
        True,
    )
    by_label = resolve_organisation("international organization for migration", built_store_path)
    assert by_label[0] == IOM
    assert resolve_organisation(IOM, built_store_path)[0:3:2] == (IOM, True)
    # not in the built graph, but in the gazetteer (no store at all here)
    assert resolve_organisation("UNHCR", None)[0] == iris.organisation("unhcr")
    new = resolve_organisation("  Friends of the Sahel ", built_store_path)
    assert new == (iris.organisation("friends-of-the-sahel"), "Friends of the Sahel", False)
    with pytest.raises(InputError, match="empty"):
        resolve_organisation("  ", built_store_path)


# ------------------------------------------------------------------------------ CLI


def test_cli_add_list_revoke(tmp_path, built_store_path):
    runner = CliRunner()
    file = tmp_path / "tokens.toml"
    common = ["--tokens", str(file)]
    added = runner.invoke(main, ["tokens", "add", "IOM", *common, "--store", str(built_store_path)])
    assert added.exit_code == 0, added.output + added.stderr
    secret = added.stdout.strip()
    assert secret.startswith(PREFIX) and "\n" not in secret  # stdout: the token alone
    assert "International Organization for Migration" in added.stderr
    assert "not shown again" in " ".join(added.stderr.split())
    admin = runner.invoke(
        main,
        ["tokens", "add", "Friends of the Sahel", "--admin", *common, "--store", str(tmp_path)],
    )
    assert admin.exit_code == 0, admin.stderr
    assert "new organisation" in " ".join(admin.stderr.split())
    store = TokenStore(file)
    iom, sahel = store.list()
    assert store.verify(secret) == iom and sahel.admin and not iom.admin

    listed = runner.invoke(main, ["tokens", "list", *common])
    assert listed.exit_code == 0
    assert iom.id in listed.stdout and sahel.id in listed.stdout
    assert "id:organisation/friends-of-the-sahel" in listed.stdout
    assert secret not in listed.stdout + listed.stderr

    revoked = runner.invoke(main, ["tokens", "revoke", iom.id, *common])
    assert revoked.exit_code == 0 and iom.id in revoked.stderr
    assert store.verify(secret) is None
    again = runner.invoke(main, ["tokens", "revoke", iom.id, *common])
    assert again.exit_code == 1 and f"no token '{iom.id}'" in again.stderr
    assert "Traceback" not in again.stderr


def test_cli_uses_poagraph_tokens(tmp_path, monkeypatch):
    monkeypatch.setenv("POAGRAPH_TOKENS", str(tmp_path / "env.toml"))
    result = CliRunner().invoke(main, ["tokens", "add", "UNDP", "--store", str(tmp_path)])
    assert result.exit_code == 0
    assert [t.label for t in TokenStore(tmp_path / "env.toml").list()] == [
        "United Nations Development Programme"
    ]
    empty = CliRunner().invoke(main, ["tokens", "list", "--tokens", str(tmp_path / "x")])
    assert empty.exit_code == 0 and "no tokens yet" in empty.stderr


# ------------------------------------------------------------------------------ web


def test_bearer_token(tmp_path):
    from flask import Flask, jsonify

    from poagraph.web.auth import bearer_token

    tokens = TokenStore(tmp_path / "tokens.toml")
    member, member_secret = tokens.add(IOM, "IOM")
    _, admin_secret = tokens.add(IOM, "IOM", admin=True)
    app = Flask(__name__)
    app.config["TOKENS"] = str(tokens.path)

    @app.get("/who")
    def who():
        return jsonify(bearer_token().id)

    @app.get("/admin")
    def admin():
        return jsonify(bearer_token(admin=True).admin)

    @app.errorhandler(Unauthorized)
    @app.errorhandler(Forbidden)
    def refuse(e):
        return jsonify(str(e)), e.status, getattr(e, "headers", {})

    client = app.test_client()
    ok = client.get("/who", headers={"Authorization": f"Bearer {member_secret}"})
    assert ok.status_code == 200 and ok.json == member.id
    assert (
        client.get("/who", headers={"Authorization": f"bearer  {member_secret} "}).json == member.id
    )
    for header in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": f"Basic {member_secret}"},
        {"Authorization": f"Bearer {member_secret[:-1]}X"},
        {"Authorization": "Bearer " + "x" * 10_000},
    ):
        refused = client.get("/who", headers=header)
        assert refused.status_code == 401, header
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="poagraph"'
        assert member_secret[5:] not in refused.get_data(as_text=True)
    assert (
        client.get("/admin", headers={"Authorization": f"Bearer {member_secret}"}).status_code
        == 403
    )
    assert client.get("/admin", headers={"Authorization": f"Bearer {admin_secret}"}).json is True
    tokens.revoke(member.id)
    assert (
        client.get("/who", headers={"Authorization": f"Bearer {member_secret}"}).status_code == 401
    )


def test_app_config_has_tokens(monkeypatch, tmp_path):
    from poagraph.web import load_config

    monkeypatch.setenv("POAGRAPH_TOKENS", str(tmp_path / "t.toml"))
    assert load_config()["TOKENS"] == str(tmp_path / "t.toml")
    assert load_config({"TOKENS": tmp_path / "u.toml"})["TOKENS"] == str(tmp_path / "u.toml")
