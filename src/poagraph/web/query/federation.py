"""The federation policy: which SERVICE endpoints a query may call (FEDERATION_ALLOW), decided
from the endpoints the guard (guard.py) read from the query's tokens, never from its text.

An endpoint is called only when listed, compared as IRIs with scheme and host in lower case
and the default port left out. A listed endpoint whose host is a DNS name is resolved at
query time and refused if any address is loopback, private, link-local or unspecified (DNS
rebinding); one listed as an IP literal or `localhost` is called as listed. The engine
resolves the name again when it calls: a rebinding between the two look-ups is not seen.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlsplit

from poagraph.errors import QueryError


def normalize(iri: str) -> str:
    """`iri` with its scheme and host in lower case and its default port left out."""
    parts = urlsplit(iri)
    if not parts.netloc:  # no authority (e.g. "http:x"): compared as written
        return iri
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, {"http": 80, "https": 443}.get(scheme)) else f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    query = f"?{parts.query}" if parts.query else ""
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    return f"{scheme}://{netloc}{parts.path or '/'}{query}{fragment}"


def check_services(
    services: Sequence,
    allow: Iterable[str],
    service_max: int,
    own_endpoints: Iterable[str] = (),
    resolve: Callable = socket.getaddrinfo,
    count: int | None = None,
) -> None:
    """Raise QueryError(403) unless every SERVICE clause (guard.Service: endpoint, depth,
    text) may be called: at most `service_max` of them (`count`, when given), none nested,
    none with a variable endpoint or to this endpoint itself, each one listed in `allow`."""
    count = len(services) if count is None else count
    if count > service_max:
        raise QueryError(
            403, f"the query has {count} SERVICE clauses: SERVICE_MAX is {service_max}"
        )
    allowed = {normalize(a) for a in allow}
    own = {_endpoint_key(e) for e in own_endpoints}
    for service in services:
        if service.endpoint is None:
            raise QueryError(403, f"SERVICE with a variable endpoint ({service.text}) is refused")
        endpoint = normalize(service.endpoint)
        if service.depth > 1:
            raise QueryError(403, f"SERVICE <{service.endpoint}> inside another SERVICE is refused")
        if _endpoint_key(endpoint) in own:
            raise QueryError(403, f"SERVICE <{service.endpoint}> is this endpoint itself: refused")
        if endpoint not in allowed:
            raise QueryError(
                403,
                f"SERVICE <{service.endpoint}> is not an allowed endpoint "
                "(the server's FEDERATION_ALLOW list)",
            )
        _check_addresses(endpoint, resolve)


def _endpoint_key(iri: str) -> str:
    """Scheme, host, port and path of `iri` without a trailing slash, query or fragment; every
    loopback or unspecified host is one ("loopback"): the ways to name this server."""
    parts = urlsplit(normalize(iri))
    host = parts.hostname or ""
    if host == "localhost" or (_is_literal_host(host) and _internal(host, loopback_only=True)):
        host = "loopback"
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return f"{parts.scheme}://{host}:{port}{parts.path.rstrip('/')}"


def _is_literal_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _internal(address: str, loopback_only: bool = False) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if loopback_only:
        return ip.is_loopback or ip.is_unspecified
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_unspecified
        or ip.is_multicast
        or ip.is_reserved
    )


def _check_addresses(endpoint: str, resolve: Callable) -> None:
    """An allowed endpoint named by a DNS name must not resolve to an internal address
    (DNS rebinding); one listed as an IP literal or `localhost` is called as listed."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if _is_literal_host(host):
        return
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    try:
        addresses = {info[4][0] for info in resolve(host, port, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError) as exc:
        raise QueryError(502, f"SERVICE <{endpoint}>: its host cannot be resolved") from exc
    if any(_internal(a) for a in addresses):
        raise QueryError(
            403, f"SERVICE <{endpoint}>: its host resolves to an internal address: refused"
        )


def log_text(text: str, limit: int = 200) -> str:
    """Remote or client text as it may go to a log: repr() (no raw line breaks), cut."""
    shown = repr(text)
    return shown if len(shown) <= limit else shown[:limit] + "..."
