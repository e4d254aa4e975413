"""What the pages show: their named queries (pagequeries/*.rq, run by pagedata.py) and the
plain data built from the rows (describe.py for a resource's statements, evidence.py for the
words of the report behind a claim, summaries.py for the lists of countries, programmes and
reports, listing.py for home, browse and search, ontology_doc.py, void.py, examples.py for
the query page). The blueprints in web/ only negotiate and lay out."""
