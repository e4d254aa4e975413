"""A validation report as an HTTP answer: JSON (validation.render's), Turtle (a SHACL
sh:ValidationReport) or an HTML page grouped by resource in plain words, negotiated like
every page (``format=`` or Accept). Used by /validate, /contributions and the error handler
(a rejected contribution is a 422 carrying its report)."""

from __future__ import annotations

from itertools import groupby

from flask import Response, render_template

from poagraph.validation.model import Result, ValidationReport
from poagraph.validation.render import compact, headline, to_json, to_turtle
from poagraph.web.formats import HTML, REPORTS, TURTLE
from poagraph.web.render import CONTENT_SECURITY_POLICY, negotiate


def groups(report: ValidationReport) -> list[dict]:
    """The results grouped by resource, in report order: its name, its IRI, its results."""
    out = []
    for _, found in groupby(report.results, key=lambda r: (r.order, r.focus)):
        results = list(found)
        first = results[0]
        out.append(
            {
                "name": first.focus_label or "(unnamed resource)",
                "focus": compact(first.focus),
                "results": [_plain(r) for r in results],
            }
        )
    return out


def _plain(r: Result) -> dict:
    return {
        "severity": r.severity,
        "message": r.message,
        "property": r.path_label or ("" if r.path is None else compact(r.path)),
        "path": "" if r.path is None else compact(r.path),
        "value": "" if r.value is None else compact(r.value),
        "location": r.location,
    }


def report_response(report: ValidationReport, status: int, **context) -> Response:
    """The report in the format the client asks for, with `status` (200 or 422).
    `context` goes to the HTML page (e.g. the accepted contribution's link)."""
    chosen = negotiate(REPORTS)
    if chosen == HTML:
        body = render_template(
            "validation_report.html",
            report=report,
            headline=headline(report),
            groups=groups(report),
            status=status,
            **context,
        )
    elif chosen == TURTLE:
        body = to_turtle(report)
    else:
        body = to_json(report)
    response = Response(body, status=status, content_type=chosen.content_type)
    response.vary.add("Accept")
    response.headers["Cache-Control"] = "no-store"
    if chosen == HTML:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
    return response
