"""The lists of the home, browse and search pages, from the page queries' rows."""

from __future__ import annotations

from flask import url_for

from poagraph import iris
from poagraph.iris import curie
from poagraph.web.pages import describe, pagedata
from poagraph.web.pages.pagedata import Term


def class_counts() -> list[dict]:
    """Resources per class; our classes link to their browse page."""
    rows = []
    for row in pagedata.select("class-counts"):
        iri = row["class"].value
        local = iri[len(iris.POA) :] if iri.startswith(iris.POA) else None
        rows.append(
            {
                "class": iri,
                "label": row["label"].value if "label" in row else curie(iri),
                "curie": curie(iri),
                "count": pagedata.number(row["n"]),
                "browse": url_for("ui.browse", name=local) if local else None,
            }
        )
    return rows


def graph_counts() -> list[dict]:
    """Triples per named graph, with the link to each graph's page."""
    return [
        {
            "graph": row["g"].value,
            "href": pagedata.local_href(row["g"].value),
            "triples": pagedata.number(row["n"]),
        }
        for row in pagedata.select("graph-counts")
    ]


def instances(class_iri: str) -> list[dict]:
    """The resources of a class, labelled, in natural order of their labels."""
    found: dict[str, dict] = {}
    for row in pagedata.select("browse", **{"class": class_iri}):
        iri = row["s"].value
        item = found.setdefault(iri, {"iri": iri, "labels": [], "row": row})
        if "label" in row:
            item["labels"].append((row.get("labelProp"), row["label"]))
    items = []
    for iri, item in found.items():
        row = item["row"]
        label = describe.best_label(item["labels"])
        detail = None
        if label is None and "value" in row:
            label = " ".join(
                row[n].value for n in ("qualifier", "currency", "value", "unit") if n in row
            )
        if "snippet" in row:
            label = label or describe.passage_label(iri)
            detail = row["snippet"].value
        items.append(
            {
                "iri": iri,
                "href": pagedata.local_href(iri),
                "label": label or Term("uri", iri).local_name,
                "detail": detail,
                # an outcome: achieved or planned
                "status": row["status"].local_name.lower() if "status" in row else None,
            }
        )
    return sorted(items, key=lambda it: describe.natural(it["label"].lower()))


def search(q: str) -> list[dict]:
    """Our resources whose label, acronym or code contains every word of `q`, exact first."""
    words = q.casefold().split()
    found: dict[str, dict] = {}
    for row in pagedata.select("labels"):
        iri = row["s"].value
        item = found.setdefault(iri, {"labels": [], "texts": set(), "classes": set()})
        item["labels"].append((row["labelProp"], row["label"]))
        item["texts"].add(row["label"].value.casefold())
        if "class" in row:
            item["classes"].add(row["class"].value)
    hits = []
    for iri, item in found.items():
        text = " | ".join(sorted(item["texts"]))
        if all(word in text for word in words):
            label = describe.best_label(
                [(p, lbl) for p, lbl in item["labels"] if p.value in describe.LABEL_PROPERTIES]
            ) or describe.best_label(item["labels"])
            exact = any(t == q.casefold() for t in item["texts"])
            hits.append(
                {
                    "iri": iri,
                    "href": pagedata.local_href(iri),
                    "label": label,
                    "classes": sorted(curie(c) for c in item["classes"]),
                    "_rank": (not exact, len(label or ""), (label or "").casefold()),
                }
            )
    hits.sort(key=lambda h: h.pop("_rank"))
    return hits
