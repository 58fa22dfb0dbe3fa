"""Deprecated: the EBMT sarcoma code lists moved to :mod:`sarcosurv.studies.heilig2020.codes`.

A registry's code lists belong to its schema (:class:`sarcosurv.registry.Column`
``codes=``); the old names here are removed in sarcosurv 0.3.
"""

from __future__ import annotations

from .._deprecation import moved_module

__getattr__ = moved_module(
    __name__,
    "sarcosurv.studies.heilig2020.codes",
    "CAUSE_OF_DEATH",
    "GRADE",
    "HISTOLOGY",
    "MOBILISATION",
    "NON_RELAPSE_CAUSES",
    "PREPARATIVE_REGIMEN",
    "REMISSION",
    "SEX",
    "STEM_CELL_SOURCE",
    "VITAL_STATUS",
    "YES_NO_UNKNOWN",
    "HISTOLOGY_TABLE1",
    "REMISSION_GROUP",
    "REGIMEN_GROUP",
)
