"""Competing risks: cumulative incidence (Aalen–Johansen) and Gray's test."""

from __future__ import annotations

from .cuminc import CumulativeIncidenceResult, cumulative_incidence
from .gray import GrayTestResult, gray_test

__all__ = ["CumulativeIncidenceResult", "GrayTestResult", "cumulative_incidence", "gray_test"]
