"""How report text is shown to people: the one place quotes and passages are tidied.

The graph keeps the report's words byte for byte (offsets point into the source file), so a
quote may hold the scars of the PDF conversion: a paragraph broken by a page break (a blank
line in the middle of a sentence), line breaks inside a paragraph, and Markdown escapes
(``\\$ 1.4 Million``). HTML pages and the command line's table and CSV outputs show the
words as a reader would; RDF, /sparql answers and ``--format json`` stay exact.
"""

from __future__ import annotations

import re

#: A line break with the spaces around it, and any blank lines that follow (a page break).
_BREAKS = re.compile(r"[ \t]*(?:\r\n|\r|\n)(?:[ \t]*(?:\r\n|\r|\n))*[ \t]*")

#: A Markdown backslash escape: a backslash before ASCII punctuation (CommonMark 2.4).
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def tidy(text: str) -> str:
    """`text` as a reader sees it: page-break blank lines and line breaks inside a paragraph
    become single spaces, Markdown escapes (``\\$``, ``\\*``, ``\\_``, ``\\[``) their character.
    Spaces that are not around a line break are kept, so marks cut from exact offsets still
    line up with the words."""
    return _ESCAPE.sub(r"\1", _BREAKS.sub(" ", text))
