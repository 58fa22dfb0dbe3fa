"""Deprecated: moved to :mod:`sarcosurv.studies.heilig2020.writer` (removed in sarcosurv 0.3)."""

from __future__ import annotations

from typing import Any

from .._deprecation import moved_attributes

_NEW = "sarcosurv.studies.heilig2020.writer"
_moved = moved_attributes(
    __name__,
    {
        "DataSource": f"{_NEW}:DataSource",
        "pretty_terms": f"{_NEW}:pretty_terms",
        "write_heilig2020_report": f"{_NEW}:write_report",
        "write_tables": f"{_NEW}:write_tables",
    },
)


def __getattr__(name: str) -> Any:
    return _moved(name)
