"""A partner's contribution (Turtle, JSON-LD or CSV), read and checked before it enters.

config (the mappings/ files that say what a contribution may do) <- read (bytes -> parsed
`Contribution`; ContributionError with line/column or row/column) ; reference (the data a
contribution is checked against) <- resolve (names -> IRIs, mint_blank_nodes) ; boundary
(statements about reference data are refused) ; locate (where a result points in the
file) <- check (validate_contribution, check: all of it, with the shapes of
poagraph.validation). This package file imports nothing: import the module you need.
"""
