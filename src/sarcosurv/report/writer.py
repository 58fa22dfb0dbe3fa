"""Deprecated: moved to :mod:`sarcosurv.studies.heilig2020.writer` (removed in sarcosurv 0.3)."""

from __future__ import annotations

from .._deprecation import moved_module

__getattr__ = moved_module(
    __name__,
    "sarcosurv.studies.heilig2020.writer",
    "DataSource",
    "pretty_terms",
    "write_tables",
    write_heilig2020_report="write_report",
)
