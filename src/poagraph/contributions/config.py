"""The files under mappings/ that say what a contribution may be and do, read once.

contribution-rules.yaml (size limits, names resolved, reserved namespaces and classes),
contribution-csv.yaml (the CSV template's columns), contribution-csv.rq (CSV rows -> RDF),
contribution-lookup.rq (name -> resource) and the published JSON-LD context.
"""

from __future__ import annotations

import functools
import json

import yaml

from .. import paths

#: The published JSON-LD context; documents naming it get mappings/contribution.context.jsonld.
CONTEXT_URL = "https://w3id.org/poagraph/context/contribution.jsonld"
CONTEXT_FILE = paths.MAPPINGS / "contribution.context.jsonld"
CSV_COLUMNS = paths.MAPPINGS / "contribution-csv.yaml"
CSV_TEMPLATE = paths.MAPPINGS / "contribution-csv.rq"
LOOKUP = paths.MAPPINGS / "contribution-lookup.rq"
RULES = paths.MAPPINGS / "contribution-rules.yaml"


@functools.cache
def rules() -> dict:
    return yaml.safe_load(RULES.read_text(encoding="utf-8"))


@functools.cache
def csv_columns() -> list[dict]:
    return yaml.safe_load(CSV_COLUMNS.read_text(encoding="utf-8"))["columns"]


@functools.cache
def csv_derived() -> list[dict]:
    return yaml.safe_load(CSV_COLUMNS.read_text(encoding="utf-8"))["derived"]


@functools.cache
def context() -> dict:
    """The published JSON-LD context (the value of its "@context")."""
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))["@context"]
