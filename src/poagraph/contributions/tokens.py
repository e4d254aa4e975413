"""Contribution tokens: who may send contributions, and for which organisation.

`poagraph tokens add ORG` makes a random token ("poa_" + 43 URL-safe characters), prints
it once and keeps only its SHA-256 in the tokens file (TOML, `$POAGRAPH_TOKENS`, default
var/tokens.toml), with the organisation's IRI and name, whether it is an admin token, and
when it was made. The file is written whole to a temporary file and renamed over the old
one (mode 0600), under an exclusive lock on a sidecar `.lock` file, so two commands never
lose each other's tokens and a reader never sees half a file. `verify` hashes the token it
is given and compares it with every entry (hmac.compare_digest, no early exit): the time it
takes does not tell how much of a token was right. No token value is ever stored or logged.

`resolve_organisation` turns the ORG a maintainer types (an acronym, a label or an IRI the
built graph or the gazetteer knows, or a new organisation's name) into an IRI and a name.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import os
import re
import secrets
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .. import iris
from ..errors import InputError

#: What every token starts with, so a leaked one is easy to recognise (and to scan for).
PREFIX = "poa_"
_HEADER = (
    "# poagraph contribution tokens: SHA-256 hashes of the tokens, never the tokens.\n"
    "# Managed by `poagraph tokens add|list|revoke`; edits by hand must keep the format.\n"
)
_FIELDS = ("id", "sha256", "organisation", "label", "admin", "created")


@dataclass(frozen=True)
class Token:
    """A token as the tokens file describes it (its hash stays inside TokenStore)."""

    id: str  #: public, e.g. "tok-1a2b3c4d": what `tokens list` shows and `revoke` takes
    organisation: str  #: the organisation's IRI
    label: str  #: the organisation's name
    admin: bool
    created: str  #: ISO 8601, UTC


class TokenStore:
    """The tokens file at `path`. Reads are cached until the file changes on disk (a token
    revoked by the CLI stops working in a running server at its next request)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._cache: tuple[tuple[int, int, int], list[dict]] | None = None

    # -- reading --------------------------------------------------------------------------
    def _entries(self) -> list[dict]:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return []
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        entries = _parse(self.path)
        self._cache = (key, entries)
        return entries

    def list(self) -> list[Token]:
        """Every token, oldest first."""
        return [_token(e) for e in self._entries()]

    def verify(self, secret: str) -> Token | None:
        """The token whose secret this is, or None. Constant time: the secret's hash is
        compared with every entry's, whatever matched before."""
        digest = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest().encode()
        found = None
        for entry in self._entries():
            if hmac.compare_digest(digest, str(entry["sha256"]).encode("utf-8", "replace")):
                found = entry
        return _token(found) if found is not None else None

    # -- writing --------------------------------------------------------------------------
    def add(self, organisation: str, label: str, admin: bool = False) -> tuple[Token, str]:
        """A new token for `organisation` (IRI) named `label`: (the token, its secret). The
        secret is returned once and never stored."""
        secret = PREFIX + secrets.token_urlsafe(32)
        with self._locked():
            entries = _parse(self.path) if self.path.exists() else []
            taken = {e["id"] for e in entries}
            token_id = "tok-" + secrets.token_hex(4)
            while token_id in taken:
                token_id = "tok-" + secrets.token_hex(4)
            entry = {
                "id": token_id,
                "sha256": hashlib.sha256(secret.encode()).hexdigest(),
                "organisation": organisation,
                "label": label,
                "admin": bool(admin),
                "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            self._write([*entries, entry])
        return _token(entry), secret

    def revoke(self, token_id: str) -> Token:
        """Remove token `token_id` from the file (InputError if there is none)."""
        with self._locked():
            entries = _parse(self.path) if self.path.exists() else []
            gone = [e for e in entries if e["id"] == token_id]
            if not gone:
                raise InputError(f"no token {token_id!r} (see `poagraph tokens list`)", self.path)
            self._write([e for e in entries if e["id"] != token_id])
        return _token(gone[0])

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _write(self, entries: list[dict]) -> None:
        text = _HEADER + "".join(_dump(e) for e in entries)
        fd, tmp = tempfile.mkstemp(prefix=".tokens-", suffix=".tmp", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self._cache = None


def _parse(path: Path) -> list[dict]:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"the tokens file is not valid TOML: {e}", path) from None
    except OSError as e:
        raise InputError(f"the tokens file cannot be read: {e.strerror}", path) from None
    entries = data.get("token", [])
    if not isinstance(entries, list):
        raise InputError("`token` must be an array of tables ([[token]])", path)
    for n, e in enumerate(entries, 1):
        missing = [k for k in _FIELDS if k not in e]
        if missing:
            raise InputError(f"token entry {n} lacks {', '.join(missing)}", path)
    return entries


def _token(e: dict) -> Token:
    return Token(
        id=str(e["id"]),
        organisation=str(e["organisation"]),
        label=str(e["label"]),
        admin=bool(e["admin"]),
        created=str(e["created"]),
    )


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_MUST_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')


def _string(value: str) -> str:
    """A TOML basic string."""
    return '"' + _MUST_ESCAPE.sub(lambda m: _ESCAPES.get(m[0], f"\\u{ord(m[0]):04x}"), value) + '"'


def _dump(e: dict) -> str:
    lines = ["\n[[token]]\n"]
    for k in _FIELDS:
        v = e[k]
        lines.append(f"{k} = {('true' if v else 'false') if isinstance(v, bool) else _string(v)}\n")
    return "".join(lines)


# ------------------------------------------------------------------ organisations


def resolve_organisation(name: str, store_path: Path | None) -> tuple[str, str, bool]:
    """(IRI, name, known) of the organisation `name` names: an IRI, or an acronym or label
    the built graph (read-only) or else the gazetteer knows; otherwise a new organisation,
    its IRI minted from the name. InputError when the name is empty or names several."""
    name = name.strip()
    if not name:
        raise InputError("the organisation's name is empty")
    from .reference import open_reference  # the store and the ontology: only when needed

    ref = open_reference(store_path)
    if re.match(r"https?://", name):
        import pyoxigraph as ox

        label = ref.label(ox.NamedNode(name))
        return name, label or name, bool(label)
    found = ref.lookup(name, [iris.poa("Organisation")])
    if len(found) > 1:
        names = ", ".join(iris.curie(f.value) for f in found[:5])
        raise InputError(f"{name!r} names several organisations ({names}): give the IRI")
    if found:
        return found[0].value, ref.label(found[0]) or name, True
    known = _gazetteer_organisation(name)
    if known is not None:
        return known
    slug = iris.slugify(name)
    if not slug:
        raise InputError(f"{name!r} has no letters or digits to name an organisation by")
    return iris.organisation(slug), name, False


def _gazetteer_organisation(name: str) -> tuple[str, str, bool] | None:
    from ..extract.gazetteer import load_gazetteer

    wanted = name.casefold()
    for org in load_gazetteer().organisations.values():
        if wanted in {org.slug.casefold(), *(s.casefold() for s in org.surfaces)}:
            return org.iri, org.label, True
    return None
