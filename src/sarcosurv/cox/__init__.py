"""Cox proportional hazards: partial-likelihood kernels and the formula front end."""

from __future__ import annotations

from .frailty import FrailtyResult
from .model import coxph
from .result import CoxResult, CoxTests

__all__ = ["CoxResult", "CoxTests", "FrailtyResult", "coxph"]
