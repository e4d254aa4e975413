"""What the cost bound (cost.py) reads of a store: how many quads each predicate has, the
most quads one subject or one object has, and how long the terms are that each pattern can
bind. Counted in a few scans by the engine itself, whenever a copy of the store loads or
catches up with a write.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Stats:
    """What the bound reads of a store: its quads, each predicate's quads, and the most
    quads one subject or one object has (over every graph); and how long the terms are."""

    quads: int
    predicates: dict[str, int] = field(default_factory=dict)
    max_out: int = 0
    max_in: int = 0
    #: the longest IRI or literal (characters): what one function call may have to read
    max_term: int = 0
    #: each predicate's longest object (characters; blank nodes count 0)
    objects: dict[str, int] = field(default_factory=dict)
    #: the longest other term a pattern binds: subject, predicate, graph name, and a
    #: literal's datatype IRI or language tag (what DATATYPE() and LANG() give)
    max_node: int = 0

    @classmethod
    def of(cls, store) -> Stats:
        """The counts of a pyoxigraph store (a few scans, in Rust)."""
        predicates: dict[str, int] = {}
        objects: dict[str, int] = {}
        subject = node = 0
        for p, count, longest, subjects, datatypes, languages in store.query(_PER_PREDICATE):
            predicates[p.value] = int(count.value)
            objects[p.value] = int(longest.value)
            subject = max(subject, int(subjects.value))
            node = max(node, len(p.value), int(datatypes.value), int(languages.value))
        for row in store.query("SELECT (MAX(STRLEN(STR(?g))) AS ?m) WHERE { GRAPH ?g {} }"):
            node = max(node, int(row[0].value) if row[0] is not None else 0)

        def most(var: str) -> int:
            query = (
                f"SELECT (MAX(?n) AS ?m) WHERE {{ SELECT (COUNT(*) AS ?n) WHERE {_EVERY} "
                f"GROUP BY {var} }}"
            )
            for row in store.query(query):
                return int(row[0].value) if row[0] is not None else 0
            return 0

        max_term = max([subject, *objects.values()])
        counts = (len(store), predicates, most("?s"), most("?o"))
        return cls(*counts, max_term, objects, max(subject, node))

    def reach(self, predicate: str | None) -> int:
        """The longest term a pattern with this constant predicate can bind (None: any
        predicate, or a predicate the counts do not know)."""
        if predicate is None or predicate not in self.objects:
            return max(self.max_term, self.max_node)
        return max(self.max_node, self.objects[predicate])


#: Every quad, over the default graph and the named ones
_EVERY = "{ { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
#: Per predicate: its quads, its longest object, subject, datatype IRI and language tag
#: (blank nodes have no string: 0)
_PER_PREDICATE = f"""
SELECT ?p (COUNT(*) AS ?n)
  (MAX(IF(isBlank(?o) || isTriple(?o), 0, STRLEN(STR(?o)))) AS ?object)
  (MAX(IF(isBlank(?s) || isTriple(?s), 0, STRLEN(STR(?s)))) AS ?subject)
  (MAX(IF(isLiteral(?o), STRLEN(STR(DATATYPE(?o))), 0)) AS ?datatype)
  (MAX(IF(isLiteral(?o), STRLEN(LANG(?o)), 0)) AS ?language)
WHERE {_EVERY} GROUP BY ?p
"""
