"""Deprecated: moved to :mod:`sarcosurv.studies.heilig2020.published` (removed in sarcosurv 0.3)."""

from __future__ import annotations

from typing import Any

from .._deprecation import moved_attributes

_NEW = "sarcosurv.studies.heilig2020.published"
_moved = moved_attributes(
    __name__,
    {
        "published_heilig2020": f"{_NEW}:published",
    },
)


def __getattr__(name: str) -> Any:
    return _moved(name)
