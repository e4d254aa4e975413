"""A SPARQL 1.1 store over HTTP: SPARQL Protocol for queries and updates, Graph Store
Protocol (GSP) for loading named graphs. Used by `--backend URL` (backends.RemoteBackend)
and by the web service's remote executor (web/query/remote.py).

API (stable; other modules build on it):

``Remote`` (frozen dataclass)
    query_url, update_url, gsp_url (None: loads go through SPARQL Update), user, password,
    auth ("basic" | "digest"), flavour ("oxigraph" | "virtuoso" | "generic"), timeout_s.
    ``Remote.from_url(url, user=, password=, auth=, flavour=, timeout_s=)`` derives the
    other URLs from one (see docs/backends.md); ``Remote.from_env(url=None, config=None)``
    reads POAGRAPH_BACKEND, POAGRAPH_BACKEND_USER, POAGRAPH_BACKEND_PASSWORD,
    POAGRAPH_BACKEND_AUTH, POAGRAPH_BACKEND_FLAVOUR, POAGRAPH_BACKEND_TIMEOUT_S and a
    config mapping's [backend] table (url, user, password, auth, flavour, timeout_s).

``Client(remote)``
    ``query(text, accept=..., timeout_s=None, union_default_graph=True, stream=False,
    dataset=None)`` -> requests.Response (2xx only; stream it if asked). `dataset`:
        (default graph IRIs, named graph IRIs), sent as default-graph-uri / named-graph-uri;
        backends.view.RemoteView sends our graphs so Virtuoso's system graphs stay out.
    ``update(text, timeout_s=None)`` -> None.
    ``put_graph(iri, ntriples)`` (bytes, str or an iterable of N-Triples lines),
    ``get_graph(iri)`` -> list[pyoxigraph.Triple], ``delete_graph(iri)``.
    ``select(text, ...)`` -> list[pyoxigraph.QuerySolution]; ``ask(text, ...)`` -> bool;
    ``construct(text, ...)`` -> list[pyoxigraph.Triple]; ``ping()`` -> None.
    ``timeout_params(timeout_s)`` -> the store's own timeout request parameters.

Errors: errors.BackendError (a StoreError: which URL, which status, the server's message;
an unreachable store is one line, never a traceback; an answer Virtuoso truncated at its
ResultSetMaxRows, header X-SPARQL-MaxRows, is an error, never a short result),
errors.QueryError(400) for a query the store rejects as malformed, errors.QueryTimeout
when the client or the store's own timeout stops a query (Virtuoso answers a timed-out
query with partial results and ``X-SQL-State: S1TAT``: a timeout here, never a result).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit, urlunsplit

import requests
from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    QuerySolution,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
)
from requests.auth import HTTPBasicAuth, HTTPDigestAuth

from ..errors import BackendError, QueryError, QueryTimeout

FLAVOURS = ("oxigraph", "virtuoso", "generic")
SELECT_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
#: Virtuoso's name for "the default graph only" (its default graph is the union of all)
VIRTUOSO_DEFAULT_GRAPH = "urn:x-poagraph:default-graph"
#: N-Triples lines per GSP request: Virtuoso refuses very large bodies
CHUNK_LINES = 50_000


@dataclass(frozen=True)
class Remote:
    """Where a remote SPARQL store answers and how to log in. The password never shows in
    repr() or error messages."""

    query_url: str
    update_url: str
    gsp_url: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: str = "basic"
    flavour: str = "generic"
    timeout_s: float = 60.0

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        user: str | None = None,
        password: str | None = None,
        auth: str | None = None,
        flavour: str | None = None,
        timeout_s: float = 60.0,
    ) -> Remote:
        """Derive the endpoints from one URL: Oxigraph server's base or /query (update at
        /update, GSP at /store); Virtuoso's base, /sparql or /sparql-auth (GSP at
        /sparql-graph-crud, -auth variants with credentials, digest auth); anything else is
        a generic store whose update URL is the query URL and which loads by SPARQL Update.
        A bare base URL with no known path asks the server (its Server header)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise BackendError(f"{url}: a backend URL is http:// or https://host[:port]/path")
        path = parts.path.rstrip("/")
        if flavour is None:
            flavour = _guess_flavour(path) or (detect_flavour(url) if not path else "generic")
        if flavour not in FLAVOURS:
            raise BackendError(f"unknown backend flavour {flavour!r}; one of {FLAVOURS}")

        def at(p: str) -> str:
            return urlunsplit((parts.scheme, parts.netloc, p, "", ""))

        base = path.rsplit("/", 1)[0] if _guess_flavour(path) else path
        if flavour == "oxigraph":
            q, u, g = at(base + "/query"), at(base + "/update"), at(base + "/store")
        elif flavour == "virtuoso":
            suffix = "-auth" if user else ""
            q = u = at(f"{base}/sparql{suffix}")
            g = at(f"{base}/sparql-graph-crud{suffix}")
            auth = auth or ("digest" if user else "basic")
        else:
            q = u = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
            g = None
        return cls(q, u, g, user, password, auth or "basic", flavour, timeout_s)

    @classmethod
    def from_env(
        cls, url: str | None = None, config: Mapping | None = None, env: Mapping | None = None
    ) -> Remote:
        """The backend named by `url` (else POAGRAPH_BACKEND, else config["backend"]["url"]),
        credentials from the environment or the config's [backend] table (never from the
        command line)."""
        env = os.environ if env is None else env
        table = dict((config or {}).get("backend") or {})

        def get(key: str):
            return env.get(f"POAGRAPH_BACKEND_{key.upper()}") or table.get(key)

        url = url or env.get("POAGRAPH_BACKEND") or table.get("url")
        if not url:
            raise BackendError("no backend URL: pass --backend URL or set POAGRAPH_BACKEND")
        timeout = get("timeout_s")
        return cls.from_url(
            url,
            user=get("user"),
            password=get("password"),
            auth=get("auth"),
            flavour=get("flavour"),
            timeout_s=float(timeout) if timeout else 60.0,
        )

    def describe(self) -> str:
        return f"{self.flavour} store at {self.query_url}"


def is_url(spec: object) -> bool:
    """Whether a --store/--backend value names a remote store (an http(s) URL)."""
    return isinstance(spec, str) and spec.startswith(("http://", "https://"))


def _guess_flavour(path: str) -> str | None:
    last = path.rsplit("/", 1)[-1]
    if last in ("query", "update", "store"):
        return "oxigraph"
    if last in ("sparql", "sparql-auth", "sparql-graph-crud", "sparql-graph-crud-auth"):
        return "virtuoso"
    return None


def detect_flavour(url: str, timeout_s: float = 10.0) -> str:
    """Ask the server what it is (its Server header): oxigraph, virtuoso or generic."""
    try:
        response = requests.get(url, timeout=timeout_s)
    except requests.RequestException as e:
        raise BackendError(f"cannot reach the SPARQL store at {url}: {_reason(e)}") from None
    server = response.headers.get("Server", "").lower()
    return next((f for f in ("oxigraph", "virtuoso") if f in server), "generic")


def _reason(e: requests.RequestException) -> str:
    """The root cause of a requests failure in a few words (no nested reprs)."""
    if isinstance(e, requests.ConnectionError):
        text = str(e)
        for known in ("Connection refused", "Name or service not known", "timed out"):
            if known in text:
                return known.lower()
        return "connection failed"
    return type(e).__name__


class Client:
    """One remote store, one HTTP session (keep-alive); thread-compatible like requests."""

    def __init__(self, remote: Remote, session: requests.Session | None = None):
        self.remote = remote
        self.session = session or requests.Session()
        if remote.user is not None:
            kind = HTTPDigestAuth if remote.auth == "digest" else HTTPBasicAuth
            self.session.auth = kind(remote.user, remote.password or "")

    # --- SPARQL Protocol -------------------------------------------------------------------

    def timeout_params(self, timeout_s: float | None) -> dict[str, str]:
        """The store's own query timeout as request parameters: Virtuoso `timeout` (ms).
        Oxigraph server has only a server-wide --timeout-s; generic stores none we know."""
        if timeout_s and self.remote.flavour == "virtuoso":
            return {"timeout": str(max(1, int(timeout_s * 1000)))}
        return {}

    def query(
        self,
        text: str,
        accept: str = SELECT_JSON,
        timeout_s: float | None = None,
        union_default_graph: bool = True,
        stream: bool = False,
        dataset: tuple[Sequence[str], Sequence[str]] | None = None,
    ) -> requests.Response:
        """POST the query (form-encoded); returns the 2xx response. `timeout_s` is both the
        store's own limit (where it has one) and the client's read timeout. `dataset`:
        (default graph IRIs, named graph IRIs) sent as default-graph-uri / named-graph-uri
        (overrides `union_default_graph`; Virtuoso's default graph otherwise holds its
        system graphs too)."""
        timeout_s = timeout_s or self.remote.timeout_s
        data: dict = {"query": text, **self.timeout_params(timeout_s)}
        params = {}
        if dataset is not None:
            data["default-graph-uri"], data["named-graph-uri"] = list(dataset[0]), list(dataset[1])
        elif self.remote.flavour == "oxigraph" and union_default_graph:
            params["union-default-graph"] = ""
        elif self.remote.flavour == "virtuoso" and not union_default_graph:
            data["default-graph-uri"] = VIRTUOSO_DEFAULT_GRAPH
        response = self._send(
            "POST",
            self.remote.query_url,
            timeout_s,
            params=params,
            data=data,
            headers={"Accept": accept},
            stream=stream,
        )
        if response.headers.get("X-SQL-State") == "S1TAT":  # Virtuoso's partial answer
            response.close()
            raise QueryTimeout(f"the query ran past {timeout_s:g} s and was stopped")
        if "X-SPARQL-MaxRows" in response.headers:  # Virtuoso cut the answer short
            response.close()
            raise BackendError(
                f"{self.remote.query_url} cut the answer at"
                f" {response.headers['X-SPARQL-MaxRows']} rows (Virtuoso's [SPARQL]"
                " ResultSetMaxRows): raise it above the largest graph (docs/backends.md)",
                url=self.remote.query_url,
            )
        return response

    def update(self, text: str, timeout_s: float | None = None) -> None:
        """POST a SPARQL Update (form-encoded `update`)."""
        timeout_s = timeout_s or self.remote.timeout_s
        data = {"update": text, **self.timeout_params(timeout_s)}
        self._send("POST", self.remote.update_url, timeout_s, data=data).close()

    def select(self, text: str, **kwargs) -> list[QuerySolution]:
        response = self.query(text, SELECT_JSON, **kwargs)
        results = parse_query_results(_json_body(response), QueryResultsFormat.JSON)
        if isinstance(results, QueryBoolean):
            raise BackendError(f"{self.remote.query_url}: a boolean answer to a SELECT")
        return list(results)

    def ask(self, text: str, **kwargs) -> bool:
        response = self.query(text, SELECT_JSON, **kwargs)
        return bool(parse_query_results(_json_body(response), QueryResultsFormat.JSON))

    def construct(self, text: str, **kwargs) -> list[Triple]:
        response = self.query(text, NTRIPLES, **kwargs)
        return [q.triple for q in parse(_nt_body(response), RdfFormat.N_TRIPLES)]

    def ping(self) -> None:
        """Check that the store answers and accepts the credentials."""
        self.ask("ASK { }", timeout_s=min(self.remote.timeout_s, 30.0))

    # --- Graph Store Protocol ---------------------------------------------------------------

    def put_graph(self, iri: str, ntriples: bytes | str | Iterable[str | bytes]) -> None:
        """Make graph `iri` hold exactly these N-Triples. Large bodies go in chunks (PUT the
        first, POST the rest; triples sharing a blank node must share a chunk: the caller's
        lines are kept in order and cut only at lines that start a blank-node-free run).
        Without a GSP URL, the same through SPARQL Update (DROP + INSERT DATA)."""
        chunks = list(_chunks(ntriples))
        if self.remote.gsp_url is None:
            self.update(f"DROP SILENT GRAPH <{_check_iri(iri)}>")
            for chunk in chunks:
                body = chunk.decode()
                self.update(f"INSERT DATA {{ GRAPH <{_check_iri(iri)}> {{ {body} }} }}")
            return
        for i, chunk in enumerate(chunks or [b""]):
            method = "PUT" if i == 0 else "POST"
            self._send(
                method,
                self.remote.gsp_url,
                self.remote.timeout_s,
                params={"graph": iri},
                data=chunk,
                headers={"Content-Type": NTRIPLES},
            ).close()

    def get_graph(self, iri: str) -> list[Triple]:
        """The triples of graph `iri` ([] when there is no such graph)."""
        if self.remote.gsp_url is None or self.remote.flavour == "virtuoso":
            # Virtuoso's GSP GET answers Turtle with its own blank node labels; a CONSTRUCT
            # gives N-Triples on every store.
            return self.construct(
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{_check_iri(iri)}> {{ ?s ?p ?o }} }}"
            )
        response = self._send(
            "GET",
            self.remote.gsp_url,
            self.remote.timeout_s,
            params={"graph": iri},
            headers={"Accept": NTRIPLES},
            missing_ok=True,
        )
        if response.status_code == 404:
            return []
        return [q.triple for q in parse(_nt_body(response), RdfFormat.N_TRIPLES)]

    def delete_graph(self, iri: str) -> None:
        """Drop graph `iri` (no error when it does not exist)."""
        self.update(f"DROP SILENT GRAPH <{_check_iri(iri)}>")

    # --- plumbing ---------------------------------------------------------------------------

    def _send(
        self, method: str, url: str, timeout_s: float, *, missing_ok: bool = False, **kwargs
    ) -> requests.Response:
        try:
            response = self.session.request(method, url, timeout=(10.0, timeout_s), **kwargs)
        except requests.Timeout:
            raise QueryTimeout(
                f"{url}: no answer within {timeout_s:g} s; the request was cancelled"
            ) from None
        except requests.RequestException as e:
            raise BackendError(f"cannot reach the SPARQL store at {url}: {_reason(e)}") from None
        if response.ok or (missing_ok and response.status_code == 404):
            return response
        raise _error(url, response, is_query="query" in kwargs.get("data", {}))


def _error(url: str, response: requests.Response, is_query: bool) -> Exception:
    message = " ".join(response.text.split())[:500]
    status = response.status_code
    if status in (401, 403):
        return BackendError(
            f"{url} refused the credentials ({status}): check POAGRAPH_BACKEND_USER and"
            " POAGRAPH_BACKEND_PASSWORD (or the config's [backend] table)",
            url=url,
            status=status,
        )
    if is_query and status == 400:
        return QueryError(400, f"the store at {url} rejected the query: {message}")
    if "S1TAT" in message or (status in (503, 504) and "timeout" in message.lower()):
        return QueryTimeout(f"{url}: the store stopped the request at its time limit")
    return BackendError(f"{url} answered {status}: {message}", url=url, status=status)


_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_NT_BOOLEAN = re.compile(rb'"([01])"\^\^<http://www\.w3\.org/2001/XMLSchema#boolean>')


def _json_body(response: requests.Response) -> bytes:
    """The JSON results as pyoxigraph reads them: Virtuoso's blank node labels
    (``nodeID://b123``) made plain (``b123``) and its booleans ("1"^^xsd:boolean, how it
    stores them) in their canonical form ("true"); other bodies unchanged."""
    body = response.content
    if b"nodeID://" not in body and _BOOLEAN.encode() not in body:
        return body
    data = json.loads(body)
    for row in data.get("results", {}).get("bindings", ()):
        for term in row.values():
            _fix_term(term)
    return json.dumps(data).encode()


def _fix_term(term: dict) -> None:
    if term.get("type") == "bnode" and term.get("value", "").startswith("nodeID://"):
        term["value"] = term["value"][len("nodeID://") :]
    elif term.get("datatype") == _BOOLEAN and term.get("value") in ("0", "1"):
        term["value"] = "true" if term["value"] == "1" else "false"


def _nt_body(response: requests.Response) -> bytes:
    """N-Triples with Virtuoso's booleans in canonical form (see _json_body)."""
    body = response.content
    if _BOOLEAN.encode() not in body:
        return body
    return _NT_BOOLEAN.sub(
        lambda m: (b'"true"' if m.group(1) == b"1" else b'"false"') + m.group()[3:], body
    )


def _check_iri(iri: str) -> str:
    """An IRI safe between < and > (our own graph names; anything else is refused)."""
    if any(c in iri for c in '<>"{}|^`\\ \n\r\t'):
        raise BackendError(f"not a valid graph IRI: {iri!r}")
    return iri


def _chunks(ntriples: bytes | str | Iterable[str | bytes]) -> Iterable[bytes]:
    """Cut N-Triples into bodies of at most CHUNK_LINES lines, never between two lines that
    mention a blank node (GSP scopes blank node labels to one request)."""
    if isinstance(ntriples, str | bytes):
        text = ntriples.encode() if isinstance(ntriples, str) else ntriples
        ntriples = text.splitlines(keepends=True)
    batch: list[bytes] = []
    for line in ntriples:
        line = line.encode() if isinstance(line, str) else line
        if not line.strip():
            continue
        if not line.endswith(b"\n"):
            line += b"\n"
        if len(batch) >= CHUNK_LINES and b"_:" not in line and b"_:" not in batch[-1]:
            yield b"".join(batch)
            batch = []
        batch.append(line)
    if batch:
        yield b"".join(batch)


def with_timeout(remote: Remote, timeout_s: float) -> Remote:
    """The same store with another default timeout."""
    return replace(remote, timeout_s=timeout_s)
