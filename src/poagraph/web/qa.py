"""GET /qa: the data-quality checks of qa/ (poagraph.qa) on the served graph, as an HTML
page and as JSON (content negotiation through render.render). The queries run through the
app's query service like every page's, so the answers follow the store's version."""

from __future__ import annotations

from flask import Blueprint, Response

from poagraph import iris, qa
from poagraph.web.formats import HTML, JSON
from poagraph.web.pages.pagedata import local_href
from poagraph.web.render import render
from poagraph.web.store import get_service

bp = Blueprint("qa", __name__)


def _results() -> list[qa.CheckResult]:
    service = get_service()
    return qa.run_checks(*qa.json_runner(lambda text: service.select(text)))


def _cell(value: str) -> dict[str, str]:
    """A table cell: an IRI of ours as a link under its CURIE, anything else as text."""
    if value.startswith(("http://", "https://")):
        return {"text": iris.curie(value), "href": local_href(value)}
    return {"text": value, "href": ""}


@bp.get("/qa")
def checks() -> Response:
    """Each data-quality check: what healthy means, pass or fail, and the offenders."""
    results = _results()

    def data() -> dict:
        return {
            "passed": all(r.passed for r in results),
            "checks": [r.to_dict() for r in results],
        }

    def context() -> dict:
        rows = [
            {
                "result": r,
                "cells": [[_cell(row.get(c, "")) for c in r.columns] for row in r.offenders],
            }
            for r in results
        ]
        failed = sum(not r.passed for r in results)
        return {"rows": rows, "failed": failed, "total": len(results)}

    return render([HTML, JSON], template="qa.html", context=context, data=data)
