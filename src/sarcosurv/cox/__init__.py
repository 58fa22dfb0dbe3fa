"""Cox proportional hazards: the formula front end, array-level fitters, shared gamma frailty."""

from __future__ import annotations

from .control import CoxControl
from .fitters import CoxModelFit, fit_cox, fit_gamma_frailty, frailty_profile
from .frailty import FrailtyProfile, FrailtyResult, GammaFrailtyFit, ProfileSolution
from .model import coxph
from .result import CoxResult, CoxTests

__all__ = [
    "CoxControl",
    "CoxModelFit",
    "CoxResult",
    "CoxTests",
    "FrailtyProfile",
    "FrailtyResult",
    "GammaFrailtyFit",
    "ProfileSolution",
    "coxph",
    "fit_cox",
    "fit_gamma_frailty",
    "frailty_profile",
]
