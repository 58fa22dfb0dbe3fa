"""Registry extracts: a declared schema, validation, cohort and endpoint derivation.

Generic over registries: a :class:`RegistrySchema` declares the columns,
rules, eligibility and endpoints of one registry's extract;
:class:`Cohort` validates an extract against it, counts the CONSORT steps and
derives the endpoints. A study (e.g. :mod:`sarcosurv.studies.heilig2020`, whose
EBMT sarcoma schema is the default) adds its own analysis variables, published
numbers and synthetic data on top.
"""

from __future__ import annotations

from .._deprecation import moved_module
from . import codes as codes  # deprecated: names moved to the sarcoma study (0.3)
from .cohort import Cohort
from .eligibility import Eligibility
from .endpoints import UNIT_DAYS, Variables
from .schema import (
    Age,
    Column,
    DateOrder,
    Endpoint,
    Event,
    RegistrySchema,
    Requires,
    When,
    schema_table,
)
from .validation import DATE_FORMATS

__all__ = [
    "DATE_FORMATS",
    "UNIT_DAYS",
    "Age",
    "Cohort",
    "Column",
    "DateOrder",
    "Eligibility",
    "Endpoint",
    "Event",
    "RegistrySchema",
    "Requires",
    "Variables",
    "When",
    "schema_table",
]

# Names that moved to sarcosurv.studies.heilig2020 (removed in 0.3).
__getattr__ = moved_module(
    __name__,
    "sarcosurv.studies.heilig2020",
    "SyntheticDesign",
    "SCHEMA",
    synthetic_heilig2020="synthetic_cohort",
    published_heilig2020="published",
)
