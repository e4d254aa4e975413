"""Extraction: report text -> records (JSON-LD node objects), no RDF library.

report (parse the layout) -> gazetteer (+ countries) finds names -> document, entities,
events (records, their evidence noted in evidence) -> quantities, curation, outcomes (the
poa:Outcome records) -> themes; pipeline runs them in order; coverage accounts for every
number of the text.
"""

from .pipeline import extract

__all__ = ["extract"]
