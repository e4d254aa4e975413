"""The example queries of the query page: every queries/*.rq, named by its header comment.

A query file starts with comment lines ``# title: ...``, ``# description: ...`` (continued
on following ``#`` lines that are indented) and optionally ``# params: ...``. Files without
a title are named after the file.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from pathlib import Path

_FIELD = re.compile(r"^#\s*([A-Za-z][\w-]*):\s*(.*)$")
_CONTINUATION = re.compile(r"^#\s{2,}\S")  #: an indented comment line continues a field
_KEYS = {"title": "title", "description": "description", "params": "params", "param": "params"}


@dataclass(frozen=True)
class Example:
    """One example query: its file name (without .rq), title, description and text."""

    name: str
    title: str
    description: str
    params: str
    query: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def header(text: str) -> dict[str, str]:
    """The ``# key: value`` fields of the comment block that opens a query."""
    fields: dict[str, str] = {}
    last: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _FIELD.match(stripped)
        key = _KEYS.get(match.group(1).lower()) if match else None
        if match and key:
            last = key
            fields[key] = match.group(2).strip()
        elif last and _CONTINUATION.match(stripped):
            fields[last] = f"{fields[last]} {stripped.lstrip('#').strip()}".strip()
        else:
            last = None
    return fields


def load(folder: Path) -> list[Example]:
    """Every .rq file of `folder`, sorted by file name; none when the folder is missing."""
    examples = []
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        text = path.read_text(encoding="utf-8")
        fields = header(text)
        examples.append(
            Example(
                name=path.stem,
                title=fields.get("title") or path.stem.replace("-", " "),
                description=fields.get("description", ""),
                params=fields.get("params", ""),
                query=text,
            )
        )
    return examples
