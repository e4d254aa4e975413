"""Records -> RDF quads, declared by the JSON-LD context in mappings/context.jsonld.

The context says which key is which property, which keys hold IRIs and which datatype a
literal gets; pyoxigraph's own JSON-LD parser applies it, so no triple is assembled by
hand. Two things JSON has no words for are settled here before parsing: fractional
numbers become xsd:decimal (JSON-LD would make them xsd:double), and every key must be
declared in the context (an undeclared key would silently fall into the poa: namespace
through @vocab).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pyoxigraph import Quad, RdfFormat, parse

from . import paths
from .errors import MappingsError

CONTEXT_FILE = paths.MAPPINGS / "context.jsonld"
XSD = "http://www.w3.org/2001/XMLSchema#"


#: A record cannot be mapped: names the record and the key.
MappingError = MappingsError


@lru_cache(maxsize=4)
def load_context(path: Path = CONTEXT_FILE) -> dict:
    """The "@context" object of the mapping file."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))["@context"]
    except (OSError, ValueError, KeyError) as e:
        raise MappingError(f"{path}: not a JSON-LD context file: {e}") from e


def _prefixes(context: dict) -> set[str]:
    return {k for k, v in context.items() if isinstance(v, str) and not k.startswith("@")}


def _coerced_type(context: dict, key: str) -> str | None:
    term = context.get(key)
    return term.get("@type") if isinstance(term, dict) else None


def _literal(value, datatype: str | None):
    """JSON values the context cannot type by itself."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (float, Decimal)):
        text = format(Decimal(str(value)).normalize(), "f")
        return {"@value": text, "@type": XSD + "decimal"}
    if isinstance(value, int) and datatype and datatype not in ("@id", "xsd:integer"):
        return str(value)  # e.g. a year given as 2006 for an xsd:gYear key
    return value


_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")


def _check_iri(value, where: str, key: str) -> None:
    """JSON-LD drops an invalid IRI without a word; refuse it instead."""
    for v in value if isinstance(value, list) else [value]:
        if isinstance(v, str) and not _IRI.match(v):
            raise MappingError(f"record {where}: {key} is not an absolute IRI: {v!r}")


def _normalise(record: dict, context: dict, prefixes: set[str]) -> dict:
    out = {}
    where = record.get("@id", "<record without @id>")
    _check_iri(where, where, "@id")
    for key, value in record.items():
        if not key.startswith("@") and key not in context:
            prefix = key.split(":", 1)[0] if ":" in key else None
            if prefix not in prefixes:
                raise MappingError(f"record {where}: key {key!r} is not in {CONTEXT_FILE.name}")
        datatype = _coerced_type(context, key)
        if datatype == "@id":
            _check_iri(value, where, key)
        if isinstance(value, list):
            out[key] = [_literal(v, datatype) for v in value]
        else:
            out[key] = _literal(value, datatype)
    return out


def records_to_quads(
    records: Iterable[dict],
    graph: str,
    context_file: Path = CONTEXT_FILE,
    language: str | None = None,
) -> list[Quad]:
    """All records as quads in `graph` (the report's or contribution's named graph).

    With `language` (a report's metadata `language`), every plain string becomes a
    literal in that language, except the keys the context declares as codes
    (`"@language": null`: acronyms, currencies, ISO codes)."""
    context = load_context(context_file)
    prefixes = _prefixes(context)
    nodes = [_normalise(r, context, prefixes) for r in records]
    if language:
        context = {**context, "@language": language}
    document = {"@context": context, "@id": graph, "@graph": nodes}
    try:
        return list(parse(json.dumps(document), format=RdfFormat.JSON_LD))
    except SyntaxError as e:
        raise MappingError(f"the records are not valid JSON-LD: {e}") from e
