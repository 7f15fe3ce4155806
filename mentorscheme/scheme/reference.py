"""The body's reference data: loaded once by a data migration, then edited as data."""

import datetime

LEVELS = [
    # code, name, post-nominal, rank
    ("certification", "Certification", "ACLIP", 1),
    ("chartership", "Chartership", "MCLIP", 2),
    ("fellowship", "Fellowship", "FCLIP", 3),
]

QUALIFICATIONS = [
    # code, name, level code, uses mentors, enrolment fee (pence), submission fee
    ("certification", "Certification", "certification", True, 4500, 4500),
    ("chartership", "Chartership", "chartership", True, 7500, 7500),
    (
        "chartership-km",
        "Chartership (Knowledge Management)",
        "chartership",
        True,
        7500,
        7500,
    ),
    ("fellowship", "Fellowship", "fellowship", True, 9500, 9500),
    ("revalidation", "Revalidation", None, False, 0, 0),
]

REGIONS = [
    ("london", "London"),
    ("south-east", "South East"),
    ("south-west", "South West"),
    ("east", "East of England"),
    ("east-midlands", "East Midlands"),
    ("west-midlands", "West Midlands"),
    ("yorkshire-humber", "Yorkshire and Humber"),
    ("north-east", "North East"),
    ("north-west", "North West"),
    ("wales", "Wales"),
    ("scotland", "Scotland"),
    ("ireland", "Ireland (Northern Ireland)"),
]

ORGANISATION_TYPES = [
    ("public", "Public libraries"),
    ("academic", "Academic (higher and further education)"),
    ("school", "School libraries"),
    ("health", "Health libraries"),
    ("government", "Government"),
    ("law", "Law"),
    ("commercial", "Commercial and corporate information services"),
    ("national", "National libraries"),
    ("museums-archives", "Museums and archives"),
    ("charity", "Charities"),
    ("self-employed", "Self-employed"),
]

REGULATIONS = [
    (
        "Regulations of 2 December 2013",
        datetime.date(2013, 12, 2),
        "Candidates choose any level with no required order. Each level is assessed "
        "against three criteria: personal performance, organisational context and "
        "wider professional context.",
    ),
]
