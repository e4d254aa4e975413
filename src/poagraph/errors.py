"""Every error poagraph raises on purpose, in one place.

Two families: `InputError`, bad input a user can fix (a report, a file under mappings/ or
ontology/, a contribution), which says what is wrong and where (file, line, column, or a
spreadsheet's row and column); and the failures of running parts (store, build, queries).
The CLI catches `PoagraphError` and prints its message; anything else is a bug and keeps
its traceback. This module imports nothing of ours, so every layer may raise these.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar


class PoagraphError(Exception):
    """Base of every error poagraph raises on purpose: its message is for the user."""


class InputError(PoagraphError, ValueError):
    """Input a user can fix: says what is wrong and where.

    `path` is the file (or a name such as "names.csv"); `line`/`column` a position in a text
    file, `row`/`column` one in a spreadsheet (column may be a header name).
    """

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | str | None = None,
        row: int | None = None,
    ):
        self.message = message
        self.path, self.line, self.column, self.row = path, line, column, row
        where = _where(path, line, column, row)
        super().__init__(f"{where}: {message}" if where else message)


def _where(path, line, column, row) -> str:
    where = str(path) if path else ""
    if line is not None:
        return where + f":{line}" + (f":{column}" if column is not None else "")
    if row is not None:
        return where + f": row {row}" + (f", column {column}" if column is not None else "")
    return where


class ReportError(InputError):
    """A report cannot be read, does not follow the layout, or does not fit the curated data
    (a quote not in the text, an unknown slug or place heading)."""


class MappingsError(InputError):
    """A file under mappings/ (gazetteer, curation, themes, events, JSON-LD context) or a
    record built from it is malformed: names the file and the entry."""


class ReferenceDataError(InputError):
    """A reference file under ontology/ is missing or is not valid Turtle."""


class ContributionError(InputError):
    """A contribution cannot be read at all (exit 2 of `poagraph validate`)."""


class StoreError(PoagraphError, OSError):
    """The store cannot be opened or written (locked by another process, bad directory)."""


class BackendError(StoreError):
    """A remote SPARQL store (--backend URL) cannot be reached, refuses the credentials or
    fails a request: says which URL, which HTTP status and the server's message."""

    def __init__(self, message: str, url: str | None = None, status: int | None = None):
        super().__init__(message)
        self.url, self.status = url, status

    def __str__(self) -> str:
        return self.args[0] if self.args else ""


class BuildError(PoagraphError):
    """The build stopped on bad input (unreadable report, non-conforming graph); says why."""

    def __init__(self, message: str, details: str = ""):
        super().__init__(message)
        self.details = details  #: e.g. the SHACL report, for the CLI to print


class QueryError(PoagraphError):
    """A query request the client got wrong: carries the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class QueryTimeout(PoagraphError):
    """The query ran past its time limit and was stopped."""


class WorkerUnavailable(PoagraphError):
    """No query worker could take the query (store missing, workers failing to start, all
    busy): the service is unavailable for now, 503 with Retry-After."""


class ShapesError(PoagraphError):
    """The shapes under shapes/ cannot be used (pySHACL could not run them)."""


class Unauthorized(PoagraphError):
    """No valid token: the request needs `Authorization: Bearer TOKEN` (401, with
    ``WWW-Authenticate: Bearer realm="poagraph"``). The message never repeats the token."""

    status = 401
    headers: ClassVar[dict[str, str]] = {
        "WWW-Authenticate": 'Bearer realm="poagraph"'
    }  #: for the HTTP answer


class Forbidden(PoagraphError):
    """A valid token that may not do this (an admin-only action, another organisation's
    contribution): 403."""

    status = 403


class ClaimError(Forbidden):
    """A contribution claims (poa:reportedBy, the CSV `organisation` column) another
    organisation than the one its token or `--as` names: 403, nothing written."""


class ContributionRejected(PoagraphError):
    """A contribution does not conform to the shapes (or touches reference data): 422, with
    `report` (a validation.model.ValidationReport) saying what to fix; nothing written."""

    status = 422

    def __init__(self, report, message: str = ""):
        self.report = report
        violations = len(getattr(report, "violations", ()) or ())
        super().__init__(
            message or f"the contribution does not conform: {violations} violation(s) to fix"
        )


class NotFound(PoagraphError):
    """The thing asked for (a contribution id, a token id) does not exist: 404."""

    status = 404


class UpdateRejected(ContributionRejected):
    """A maintainer's SPARQL Update or Graph Store write whose result would not conform to
    the shapes: 422 with `report`; nothing written (poagraph.maintenance)."""
