"""SHACL validation: check graphs against the shapes of shapes/, say what is wrong in plain words.

model (Result, ValidationReport, merge_results) <- terms (pyoxigraph <-> rdflib) <- shapes
(the shapes graph) <- labels (names of resources and properties) <- shacl (the engine:
validate_graph, validate_store, run_shapes) ; render (text, Turtle, JSON, HTML) needs only
model. Import the module you need: this package file imports nothing, so that reading a
report's model does not load pySHACL.
"""
