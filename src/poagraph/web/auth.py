"""Who is asking: the bearer token of a request, checked against the tokens file.

`bearer_token()` reads ``Authorization: Bearer TOKEN`` and returns the Token it belongs to
(contributions/tokens.py), or raises Unauthorized (401, with ``WWW-Authenticate: Bearer
realm="poagraph"``) when there is none or it is not valid, Forbidden (403) when an admin
token is needed and this one is not. The tokens file is the app's TOKENS setting; it is
re-read when it changes, so `poagraph tokens revoke` takes effect at the next request. No
token value is ever logged or put in a message.
"""

from __future__ import annotations

from flask import current_app, request

from poagraph.contributions.tokens import Token, TokenStore
from poagraph.errors import Forbidden, Unauthorized

_EXTENSION = "poagraph.tokens"
#: Longer Authorization values are refused before they are hashed (a token is 47 chars).
MAX_TOKEN_CHARS = 512


def token_store() -> TokenStore:
    """The app's TokenStore (one per app and tokens file, so its cache is shared)."""
    path = str(current_app.config["TOKENS"])
    stores = current_app.extensions.setdefault(_EXTENSION, {})
    if path not in stores:
        stores[path] = TokenStore(path)
    return stores[path]


def bearer_token(admin: bool = False) -> Token:
    """The request's valid token (Unauthorized if none, Forbidden if `admin` is needed)."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise Unauthorized(
            "a token is needed: send the header `Authorization: Bearer TOKEN` with the token"
            " a maintainer gave your organisation (`poagraph tokens add`)"
        )
    token = token_store().verify(secret) if len(secret) <= MAX_TOKEN_CHARS else None
    if token is None:
        raise Unauthorized("the token is not valid: it is mistyped or has been revoked")
    if admin and not token.admin:
        raise Forbidden("this needs an admin token; the token sent is not one")
    return token
