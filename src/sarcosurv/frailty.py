"""Deprecated location of the shared gamma frailty: use :mod:`sarcosurv.cox.frailty`.

The frailty model moved under :mod:`sarcosurv.cox` (it is a Cox model with a
random centre effect). Names imported from here keep working for one release
and emit a :class:`DeprecationWarning`; ``fit_gamma_frailty`` here is the old
sorted-data entry point (now :func:`sarcosurv.cox.frailty.fit_gamma_frailty_sorted`);
the array-level fitter is :func:`sarcosurv.cox.fit_gamma_frailty`.
"""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["FrailtyResult", "GammaFrailtyFit", "fit_gamma_frailty"]  # noqa: F822 (lazy)

_MOVED = {
    "FrailtyResult": "FrailtyResult",
    "GammaFrailtyFit": "GammaFrailtyFit",
    "fit_gamma_frailty": "fit_gamma_frailty_sorted",
}


def __getattr__(name: str) -> Any:
    if name not in _MOVED:
        raise AttributeError(f"module 'sarcosurv.frailty' has no attribute {name!r}")
    warnings.warn(
        f"sarcosurv.frailty.{name} has moved to sarcosurv.cox.frailty.{_MOVED[name]}; "
        "the old path will be removed in the next release",
        DeprecationWarning,
        stacklevel=2,
    )
    from .cox import frailty

    return getattr(frailty, _MOVED[name])
