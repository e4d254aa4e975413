"""Contributions over HTTP: check one (/validate, no write, no token), send one
(POST /contributions with a bearer token), list, show and delete them, and the upload page.

A contribution is the request body (Turtle, JSON-LD or CSV, by Content-Type) or the `file`
field of a multipart/form-data upload (its format from the `format` field or the file
name). Bodies over the contributions' size limit (mappings/contribution-rules.yaml, 10 MB)
get 413 before they are read (Content-Length) or as soon as they pass it (chunked). The
work is contributions.check / contributions.accept; this module reads requests and writes
answers. The upload page posts its form here; its token field stands for the
Authorization header (never in a URL, never logged).
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path, PurePath
from typing import NoReturn

from flask import Blueprint, Response, abort, jsonify, request, url_for
from pyoxigraph import NamedNode, serialize
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header

from poagraph import iris, store
from poagraph.contributions.check import validate_contribution
from poagraph.contributions.config import rules
from poagraph.contributions.read import FORMATS
from poagraph.contributions.reference import open_reference, reference_from_store
from poagraph.errors import Forbidden
from poagraph.validation.model import ValidationReport
from poagraph.validation.render import to_dict
from poagraph.web.auth import bearer_token
from poagraph.web.formats import CONTRIBUTION_TYPES, HTML, JSON, PAGE_RDF
from poagraph.web.render import render, requested_page
from poagraph.web.reports import report_response
from poagraph.web.store import get_store, written

bp = Blueprint("contributions", __name__)

PAGE_SIZE = 50
#: A multipart upload may carry this much besides the file (boundaries, the other fields).
FORM_OVERHEAD = 64 * 1024
_READ_CHUNK = 256 * 1024
_ID = re.compile(r"^[0-9a-f]{1,64}$")
MULTIPART = "multipart/form-data"


@dataclass(frozen=True)
class Upload:
    """A contribution as received: its bytes, its reader format and its file name."""

    body: bytes
    fmt: str
    filename: str


def _limit() -> int:
    return int(rules()["max_bytes"])


def _too_large(size: int | None = None) -> NoReturn:
    limit = _limit()
    what = f"of {size:,} bytes is" if size is not None else "is"
    abort(
        413,
        f"the request {what} over the limit: contributions are limited to {limit:,} bytes"
        f" ({limit / 1e6:.0f} MB); split it into several files",
    )


def _filename(name: str | None, fmt: str) -> str:
    """The sent file name without folders or control characters, or contribution.FMT."""
    name = PurePath((name or "").replace("\\", "/")).name
    name = "".join(c for c in name if c.isprintable())[:200].strip()
    return name or f"contribution.{fmt}"


def _read_stream(stream, limit: int) -> bytes:
    """At most `limit` bytes of `stream`; 413 as soon as there are more."""
    parts, size = [], 0
    try:
        while chunk := stream.read(_READ_CHUNK):
            size += len(chunk)
            if size > limit:
                _too_large()
            parts.append(chunk)
    except RequestEntityTooLarge:  # werkzeug's own cap on a chunked body
        _too_large()
    return b"".join(parts)


def read_upload() -> Upload:
    """The contribution in the request: 413 over the limit, 415 for another type, 400 for a
    form without a file."""
    limit = _limit()
    length = request.content_length
    if request.mimetype == MULTIPART:
        if length is not None and length > limit + FORM_OVERHEAD:
            _too_large(length)
        return _from_form(limit)
    fmt = CONTRIBUTION_TYPES.get(request.mimetype)
    if fmt is None:
        sent = request.mimetype or "no Content-Type"
        abort(
            415,
            f"send the contribution as text/turtle, application/ld+json or text/csv, or as"
            f" the `file` field of a {MULTIPART} upload, not {sent}",
        )
    if length is not None and length > limit:
        _too_large(length)
    request.max_content_length = limit + 1
    body = _read_stream(request.stream, limit)
    _, params = parse_options_header(request.headers.get("Content-Disposition", ""))
    return Upload(body, fmt, _filename(params.get("filename"), fmt))


def _from_form(limit: int) -> Upload:
    request.max_content_length = limit + FORM_OVERHEAD
    try:
        upload = request.files.get("file")
        chosen = (request.form.get("format") or "").strip().lower()
    except RequestEntityTooLarge:
        _too_large()
    if upload is None or not upload.filename:
        abort(400, f"the {MULTIPART} upload has no file: send it in the field `file`")
    body = _read_stream(upload.stream, limit)
    suffix = PurePath(upload.filename).suffix.lower().lstrip(".")
    fmt = FORMATS.get(chosen) or FORMATS.get(suffix)
    if fmt is None:
        abort(
            415,
            f"cannot tell the format of {_filename(upload.filename, 'txt')!r}: name the file"
            " .ttl, .jsonld or .csv, or choose the format (format=ttl, jsonld or csv)",
        )
    return Upload(body, fmt, _filename(upload.filename, fmt))


def _accepting():
    """contributions.accept, imported when first used (it loads the writer side)."""
    from poagraph.contributions import accept

    return accept


def _store():
    """The store directory, or the remote store's backend (web/store.py)."""
    return get_store()


# ------------------------------------------------------------------------------ routes


@bp.post("/validate")
def validate() -> Response:
    """Check a contribution without writing it: 200 + the report when it conforms, 422 +
    the report when it does not, 400 unreadable, 413 too large, 415 another type."""
    upload = read_upload()
    report = check_upload(upload)
    return report_response(report, 200 if report.conforms else 422)


def check_upload(upload: Upload) -> ValidationReport:
    """The report on `upload` against the shapes and the live graph: the store read under
    its shared lock (no write half done), or the reference files alone when none is built."""
    path = _store()
    if isinstance(path, Path) and not store.exists(path):
        reference = open_reference(path)  # says in a note that no graph was built
        return validate_contribution(
            upload.body, upload.fmt, reference=reference, source=upload.filename
        )
    with store.reading(path) if isinstance(path, Path) else path.reading() as db:
        return validate_contribution(
            upload.body, upload.fmt, reference=reference_from_store(db), source=upload.filename
        )


@bp.post("/contributions")
def create() -> Response:
    """Store a contribution as its own named graph: 201 + Location (200 and the same
    Location when this organisation sent the same body before)."""
    _token_from_form()
    token = bearer_token()
    upload = read_upload()
    done = _accepting().accept(
        _store(),
        upload.body,
        fmt=upload.fmt,
        filename=upload.filename,
        organisation=token.organisation,
        organisation_label=token.label,
    )
    written()
    location = url_for("contributions.show", contribution_id=done.id)
    status = 201 if done.created else 200
    if _wants_html():
        response = report_response(
            done.report, status, accepted=done, location=location, created=done.created
        )
    else:
        response = jsonify(
            {
                "id": done.id,
                "graph": done.graph,
                "created": done.created,
                "outcomes": done.outcomes,
                "location": location,
                "report": to_dict(done.report),
            }
        )
        response.status_code = status
    response.headers["Location"] = location
    return response


@bp.get("/contributions")
def index() -> Response:
    """The contributions, newest first, PAGE_SIZE a page (HTML, JSON)."""
    items = sorted(
        (_info(c) for c in _accepting().list_contributions(_store())),
        key=lambda c: (str(c.get("generated") or ""), c["id"]),
        reverse=True,
    )
    pages = max(1, math.ceil(len(items) / PAGE_SIZE))
    page = requested_page(pages)
    shown = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    for item in shown:
        item["href"] = url_for("contributions.show", contribution_id=item["id"])
    listed = {"total": len(items), "page": page, "pages": pages, "items": shown}
    return render(
        [HTML, JSON],
        template="contributions.html",
        context=lambda: listed,
        data=lambda: listed,
        params={"page": str(page)} if page > 1 else None,
    )


@bp.get("/contributions/new")
def new() -> Response:
    """The upload page: check a file, then send it with a token."""
    return render(
        [HTML],
        template="contributions_new.html",
        context=lambda: {"limit_mb": _limit() / 1e6, "formats": ("ttl", "jsonld", "csv")},
    )


@bp.get("/contributions/<contribution_id>")
def show(contribution_id: str) -> Response:
    """One contribution: its record and its data (HTML, Turtle, JSON-LD...)."""
    info, quads = _get(contribution_id)
    record = _info(info)

    def rdf(fmt) -> bytes:
        return serialize([q.triple for q in quads], format=fmt.rdf) or b""

    def context() -> dict:
        return {"c": record, "resources": _resources(quads)}

    return render([HTML, *PAGE_RDF], template="contribution.html", context=context, rdf=rdf)


@bp.delete("/contributions/<contribution_id>")
def delete(contribution_id: str) -> Response:
    """Remove a contribution: its organisation's token or an admin token (204)."""
    token = bearer_token()
    info, _ = _get(contribution_id)
    if not token.admin and token.organisation != _info(info)["organisation"]:
        raise Forbidden(
            f"contribution {contribution_id} was sent by another organisation: only its"
            " organisation's token or an admin token may remove it"
        )
    _accepting().remove(_store(), contribution_id)
    written()
    return Response(status=204)


# ------------------------------------------------------------------------------ helpers


def _get(contribution_id: str):
    if not _ID.match(contribution_id):
        abort(404, f"no contribution {contribution_id!r}")
    return _accepting().get_contribution(_store(), contribution_id)


def _info(info) -> dict:
    return asdict(info) if hasattr(info, "__dataclass_fields__") else dict(info)


def _resources(quads) -> list[dict]:
    """The contribution's triples by subject, for its page: terms as CURIEs, links local."""
    by_subject: dict[str, dict] = {}
    for q in sorted(quads, key=lambda q: (q.subject.value, q.predicate.value, str(q.object))):
        entry = by_subject.setdefault(
            q.subject.value, {"iri": q.subject.value, "href": _local(q.subject), "facts": []}
        )
        entry["facts"].append(
            {
                "property": iris.curie(q.predicate.value),
                "value": q.object.value,
                "href": _local(q.object),
                "text": iris.curie(q.object.value) if _local(q.object) else q.object.value,
            }
        )
    return list(by_subject.values())


def _local(term) -> str:
    """The local page of one of our IRIs (mount prefix kept), else ""."""
    value = getattr(term, "value", "")
    if isinstance(term, NamedNode) and value.startswith(iris.ID):
        return url_for("resources.resource", rest=value[len(iris.ID) :])
    return ""


def _wants_html() -> bool:
    from poagraph.web.negotiation import prefers_html

    return request.args.get("format") == "html" or (
        not request.args.get("format") and prefers_html(request.headers.get("Accept"))
    )


def _token_from_form() -> None:
    """The upload page's form sends its token as a field: it stands for the Authorization
    header when there is none (the form posts to this server only, over the body)."""
    if request.mimetype != MULTIPART or request.headers.get("Authorization"):
        return
    try:
        request.max_content_length = _limit() + FORM_OVERHEAD
        secret = (request.form.get("token") or "").strip()
    except RequestEntityTooLarge:
        _too_large()
    if secret:
        request.environ["HTTP_AUTHORIZATION"] = f"Bearer {secret}"  # headers read environ
