"""Competing risks: cumulative incidence (Aalen–Johansen), Gray's test, Fine–Gray regression."""

from __future__ import annotations

from .cuminc import CumulativeIncidenceResult, cumulative_incidence
from .finegray import FineGrayResult, finegray
from .gray import GrayTestResult, gray_test

__all__ = [
    "CumulativeIncidenceResult",
    "FineGrayResult",
    "GrayTestResult",
    "cumulative_incidence",
    "finegray",
    "gray_test",
]
