"""The public vocabulary of DESIGN §2 (a contract), typed once for the tests that check it."""

#: DESIGN §2, table "Public vocabulary": every class.
DESIGN_CLASSES = [
    "Organisation",
    "Country",
    "Region",
    "ProgrammeOfAction",
    "Commitment",
    "Action",
    "Programme",
    "Outcome",
    "Report",
    "Passage",
    "Contribution",
    "Event",
]
#: DESIGN §2: every property (including those named inside the "meaning" column).
DESIGN_PROPERTIES = [
    "acronym",
    "implementedBy",
    "partner",
    "fundedBy",
    "country",
    "addresses",
    "outcomeOf",
    "reportedBy",
    "value",
    "unit",
    "currency",
    "qualifier",
    "startYear",
    "endYear",
    "evidence",
    "quote",
    "text",
    "inReport",
    "startOffset",
    "endOffset",
    "mentions",
    "iso3",
    "m49",
    "isLDC",
    "ldcGraduationYear",
    "includesCountry",
    "number",
    "date",
    "participant",
    # issue 10: what the report means (status), how a value was found (inferred, discovered)
    "status",
    "discovered",
    "inferred",
]
#: DESIGN §2: poa:status takes the concepts of a SKOS scheme (not classes or properties).
DESIGN_STATUS_SCHEME = "OutcomeStatus"
DESIGN_STATUS_CONCEPTS = ["Achieved", "Planned"]
#: DESIGN §2: evidence as W3C Web Annotation (oa: = http://www.w3.org/ns/oa#), the terms
#: the graph uses: an annotation, its target (a specific resource of a passage) and the two
#: selectors of the exact words.
DESIGN_ANNOTATION_TERMS = [
    "Annotation",
    "hasBody",
    "hasTarget",
    "motivatedBy",
    "SpecificResource",
    "hasSource",
    "hasSelector",
    "TextQuoteSelector",
    "exact",
    "TextPositionSelector",
    "start",
    "end",
]
