"""Render a ValidationReport for people (text, HTML) and for programs (Turtle, JSON).

The text imitates pySHACL's report but groups the results by resource, names each
resource by its label (an outcome by its value and what it counts), puts the property
and the offending value on one line and the plain-language message under it, and, for a
CSV contribution, says which row and column to fix.
"""

from __future__ import annotations

import functools
import json
from itertools import groupby

import markupsafe
import rdflib
from rdflib.namespace import RDF, RDFS, SH, XSD

from .. import iris
from .model import Result, ValidationReport

_NUMBERS = {XSD.integer, XSD.decimal, XSD.double, XSD.nonNegativeInteger}


def render(report: ValidationReport, output: str) -> str:
    """The report as `text`, `turtle`, `json` or `html`."""
    renderers = {"text": to_text, "turtle": to_turtle, "json": to_json, "html": to_html}
    if output not in renderers:
        raise ValueError(f"unknown output {output!r}; choose one of {', '.join(renderers)}")
    return renderers[output](report)


def compact(node: rdflib.term.Node | None) -> str:
    """An IRI as id:country/ETH or poa:Outcome, a literal as "text", a blank node as _:b1."""
    if node is None:
        return ""
    if isinstance(node, rdflib.Literal):
        if node.datatype in _NUMBERS and not node.ill_typed:
            return str(node)
        return json.dumps(str(node), ensure_ascii=False)
    if isinstance(node, rdflib.BNode):
        return f"_:{node}"
    text = str(node)
    short = iris.curie(text)
    return short if short != text else f"<{text}>"


def headline(report: ValidationReport) -> str:
    v, w = len(report.violations), len(report.warnings)
    counts = f"{_plural(v, 'violation')}, {_plural(w, 'warning')}"
    checked = f"{_plural(report.resources, 'resource')} checked"
    source = report.source or "the data"
    if report.conforms:
        return f"{source} conforms ({checked}; {counts})."
    return f"{source} does not conform: {counts} ({checked})."


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _natural(where: str) -> tuple[str, int]:
    """'row 10' after 'row 9'."""
    word, _, number = where.partition(" ")
    return word, int(number) if number.isdigit() else 0


def _groups(report: ValidationReport) -> list[tuple[Result, list[Result]]]:
    """Results grouped by resource, in report order."""
    return [
        (rs[0], rs)
        for rs in (list(g) for _, g in groupby(report.results, key=lambda r: (r.order, r.focus)))
    ]


# ------------------------------------------------------------------------------ text


def to_text(report: ValidationReport) -> str:
    lines = [headline(report)]
    for note in report.notes:
        lines.append(f"Note: {note}")
    for first, results in _groups(report):
        lines.append("")
        name = first.focus_label or "(unnamed resource)"
        rows = sorted({r.location.split(",")[0] for r in results if r.location}, key=_natural)
        where = f" [{', '.join(rows)}]" if rows else ""
        lines.append(f"{name}{where}")
        lines.append(f"  {compact(first.focus)}")
        for r in results:
            what = r.path_label or "(the resource as a whole)"
            if r.path is not None:
                what += f" ({compact(r.path)})"
            if r.value is not None:
                what += f" = {compact(r.value)}"
            column = r.location.split(", ", 1)[1] if ", " in r.location else ""
            if column:
                what += f"  <- {column}"
            lines.append(f"  {r.severity:<9} {what}")
            lines.append(f"            {r.message}")
    if report.results:
        lines.append("")
        lines.append(
            "Violations must be fixed before the data can enter the graph;"
            " warnings point at what is merely incomplete."
        )
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ JSON


def to_dict(report: ValidationReport) -> dict:
    return {
        "conforms": report.conforms,
        "source": report.source,
        "resources": report.resources,
        "violations": len(report.violations),
        "warnings": len(report.warnings),
        "notes": list(report.notes),
        "results": [
            {
                "severity": r.severity,
                "message": r.message,
                "focusNode": _plain(r.focus),
                "focusLabel": r.focus_label,
                "path": _plain(r.path),
                "pathLabel": r.path_label,
                "value": _plain(r.value),
                "sourceShape": _plain(r.shape),
                "constraint": _plain(r.component),
                "location": r.location or None,
            }
            for r in report.results
        ],
    }


def _plain(node: rdflib.term.Node | None) -> str | None:
    if node is None:
        return None
    return f"_:{node}" if isinstance(node, rdflib.BNode) else str(node)


def to_json(report: ValidationReport) -> str:
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------------ Turtle


def to_graph(report: ValidationReport) -> rdflib.Graph:
    """The report as a SHACL validation report graph (sh:ValidationReport)."""
    g = rdflib.Graph()
    g.bind("sh", SH)
    g.bind("poa", iris.POA)
    g.bind("id", iris.ID)
    root = rdflib.BNode()
    g.add((root, RDF.type, SH.ValidationReport))
    g.add((root, SH.conforms, rdflib.Literal(report.conforms)))
    severities = {"Violation": SH.Violation, "Warning": SH.Warning, "Info": SH.Info}
    for r in report.results:
        node = rdflib.BNode()
        g.add((root, SH.result, node))
        g.add((node, RDF.type, SH.ValidationResult))
        g.add((node, SH.resultSeverity, severities[r.severity]))
        g.add((node, SH.resultMessage, rdflib.Literal(r.message, lang="en")))
        g.add((node, SH.focusNode, r.focus))
        for prop, value in (
            (SH.resultPath, r.path),
            (SH.value, r.value),
            (SH.sourceShape, r.shape),
            (SH.sourceConstraintComponent, r.component),
        ):
            if value is not None:
                g.add((node, prop, value))
        if r.location:
            g.add((node, RDFS.comment, rdflib.Literal(r.location)))
    return g


def to_turtle(report: ValidationReport) -> str:
    return to_graph(report).serialize(format="turtle")


# ------------------------------------------------------------------------------ HTML

_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Validation of {{ report.source }}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
.Violation { color: #a40000; } .Warning { color: #8a5a00; } .Info { color: #555; }
table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
td, th { text-align: left; vertical-align: top; padding: .3rem .5rem; }
td { border-bottom: 1px solid #ddd; }
code { font-size: .9em; word-break: break-all; }
</style>
</head>
<body>
<h1>Validation of {{ report.source }}</h1>
<p class="{{ 'conforms' if report.conforms else 'Violation' }}">{{ headline }}</p>
{% for note in report.notes %}<p><em>Note:</em> {{ note }}</p>{% endfor %}
{% for first, results in groups %}
<h2>{{ first.focus_label or "(unnamed resource)" }}</h2>
<p>{{ term(first.focus) }}</p>
<table>
<tr><th>Severity</th><th>Property</th><th>Value</th><th>What to do</th>
{% if has_location %}<th>Where</th>{% endif %}</tr>
{% for r in results %}
<tr class="{{ r.severity }}">
<td>{{ r.severity }}</td>
<td>{{ r.path_label }}{% if r.path is not none %} <code>{{ compact(r.path) }}</code>{% endif %}</td>
<td>{% if r.value is not none %}{{ term(r.value) }}{% endif %}</td>
<td>{{ r.message }}</td>
{% if has_location %}<td>{{ r.location }}</td>{% endif %}
</tr>
{% endfor %}
</table>
{% endfor %}
</body>
</html>
"""


@functools.cache
def _html_template():  # jinja2 is loaded (and the template compiled) for HTML only
    import jinja2

    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(_HTML)


def _html_term(node: rdflib.term.Node | None) -> markupsafe.Markup:
    """A term as <code>, escaped; a link only when it is a web address (http, https):
    never a javascript:, data: or other IRI a contribution may have written."""
    code = markupsafe.Markup("<code>{}</code>").format(compact(node))
    if isinstance(node, rdflib.URIRef) and str(node).lower().startswith(("http://", "https://")):
        return markupsafe.Markup('<a href="{}">{}</a>').format(str(node), code)
    return code


def to_html(report: ValidationReport) -> str:
    return _html_template().render(
        report=report,
        headline=headline(report),
        groups=_groups(report),
        compact=compact,
        term=_html_term,
        has_location=any(r.location for r in report.results),
    )
