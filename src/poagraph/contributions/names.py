"""Names -> resources in an embedded store, without a store-wide query per name.

contribution-lookup.rq says what a name is (a label, preferred or alternative label,
acronym, ISO code, notation or number of a resource of the class, ignoring case; names of
12 characters or more also match the start of one). Run once per name over the union of
the graphs, Oxigraph joins every typed resource with every key in every graph: 0.2 s a
name at 100 times the bundled report, and growing with the store. Here the keys of one
class are read once per Reference (one look-up of a class's instances, then each one's
keys by subject: milliseconds at 100x) and every name is a dictionary look-up. The answers
are those of the query (tests/test_contribution_scale.py compares them on a built store);
a remote store (a view, not an ox.Store) still runs the query.
"""

from __future__ import annotations

import pyoxigraph as ox

from .. import iris

#: The key properties of contribution-lookup.rq, in its order.
KEY_PROPERTIES = tuple(
    ox.NamedNode(p)
    for p in (
        iris.RDFS + "label",
        iris.SKOS + "prefLabel",
        iris.SKOS + "altLabel",
        iris.POA + "acronym",
        iris.POA + "iso3",
        iris.POA + "iso2",
        iris.SKOS + "notation",
        iris.POA + "number",
    )
)
_TYPE = ox.NamedNode(iris.RDF + "type")
#: Names at least this long also match the start of a key (as in contribution-lookup.rq).
PREFIX_LENGTH = 12


class NameIndex:
    """The keys of each class's resources in one store (lower case -> resources), read
    when a name of that class is first looked up."""

    def __init__(self, db: ox.Store):
        self.db = db
        self._keys: dict[str, dict[str, list[ox.NamedNode]]] = {}

    def lookup(self, name: str, cls: str) -> list[ox.NamedNode]:
        """What contribution-lookup.rq answers for (`name`, `cls`): the resources a key
        equals (ignoring case), else those a key starts with (names of 12+ characters)."""
        keys = self._class_keys(cls)
        wanted = name.lower()
        exact = keys.get(wanted, [])
        if exact or len(wanted) < PREFIX_LENGTH:
            return list(exact)
        found: dict[ox.NamedNode, None] = {}
        for key, resources in keys.items():
            if key.startswith(wanted):
                found.update(dict.fromkeys(resources))
        return list(found)

    def _class_keys(self, cls: str) -> dict[str, list[ox.NamedNode]]:
        if cls not in self._keys:
            resources = dict.fromkeys(
                q.subject for q in self.db.quads_for_pattern(None, _TYPE, ox.NamedNode(cls), None)
            )
            keys: dict[str, dict[ox.NamedNode, None]] = {}
            for resource in resources:
                for prop in KEY_PROPERTIES:
                    for q in self.db.quads_for_pattern(resource, prop, None, None):
                        if isinstance(q.object, ox.BlankNode):  # STR() of one is unbound
                            continue
                        keys.setdefault(q.object.value.lower(), {})[resource] = None
            self._keys[cls] = {k: list(rs) for k, rs in keys.items()}
        return self._keys[cls]
