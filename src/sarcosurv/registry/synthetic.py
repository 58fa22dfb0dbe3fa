"""Deprecated: moved to :mod:`sarcosurv.studies.heilig2020` (removed in sarcosurv 0.3)."""

from __future__ import annotations

from .._deprecation import moved_module

__getattr__ = moved_module(
    __name__,
    "sarcosurv.studies.heilig2020",
    "SyntheticDesign",
    "GENERATOR_HAZARD_RATIOS",
    "published_hazard_ratios",
    "REFERENCE_N",
    synthetic_heilig2020="synthetic_cohort",
)
