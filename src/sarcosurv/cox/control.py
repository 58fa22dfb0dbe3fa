"""Iteration limits and tolerances of the Cox and frailty fits (R's ``coxph.control``)."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

from ..errors import SarcosurvError

__all__ = ["CoxControl", "check_conf_level"]


def _positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 1:
        raise SarcosurvError(f"{name} must be a positive integer, not {value!r}")


def _positive_float(name: str, value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0.0 < float(value) < 1.0
    ):
        raise SarcosurvError(f"{name} must be a number strictly between 0 and 1, not {value!r}")


def check_conf_level(conf_level: object) -> float:
    """``conf_level`` as a float strictly between 0 and 1, or a :class:`SarcosurvError`."""
    if (
        isinstance(conf_level, bool)
        or not isinstance(conf_level, numbers.Real)
        or not 0.0 < float(conf_level) < 1.0
    ):
        raise SarcosurvError(f"conf_level must lie strictly between 0 and 1, not {conf_level!r}")
    return float(conf_level)


@dataclass(frozen=True)
class CoxControl:
    """Iteration caps and tolerances of :func:`sarcosurv.coxph` and the array fitters.

    Every cap that is reached gives a :class:`~sarcosurv.errors.ConvergenceWarning`
    and ``converged = False`` on the result.

    Attributes
    ----------
    max_iter : int
        Newton–Raphson iterations of the Cox fit (R ``iter.max``, default 30).
        For a frailty fit, also the cap on the quasi-Newton steps in
        :math:`\\beta` at each :math:`\\theta` (times ``outer_factor``).
    eps : float
        Convergence tolerance: relative change of the log-likelihood (Newton,
        R ``eps``), relative size of the last step in :math:`\\beta` (frailty).
    inner_tol : float
        Frailty: tolerance of the EM fixed point in the log frailties (SQUAREM).
    inner_max_iter : int
        Frailty: cap on the E-steps of one fixed point.
    outer_factor : int
        Frailty: the profile loop in :math:`\\beta` may take
        ``outer_factor * max_iter`` steps at one :math:`\\theta`.
    theta_max_iter : int
        Frailty: cap on the iterations of the search for :math:`\\hat\\theta` and
        of each profile-likelihood confidence bound.
    theta_ci : bool
        Frailty: compute the profile-likelihood CI of :math:`\\theta` (default).
        ``False`` leaves ``theta_ci`` NaN and saves most of the fit's time
        where only :math:`\\hat\\theta` and the LRT are needed (e.g. the
        replicates of a bootstrap).

    Examples
    --------
    >>> CoxControl(max_iter=50, eps=1e-10).max_iter
    50
    """

    max_iter: int = 30
    eps: float = 1e-9
    inner_tol: float = 1e-10
    inner_max_iter: int = 5000
    outer_factor: int = 7
    theta_max_iter: int = 100
    theta_ci: bool = True

    def __post_init__(self) -> None:
        for name in ("max_iter", "inner_max_iter", "outer_factor", "theta_max_iter"):
            _positive_int(name, getattr(self, name))
        for name in ("eps", "inner_tol"):
            _positive_float(name, getattr(self, name))
        if not isinstance(self.theta_ci, bool):
            raise SarcosurvError(f"theta_ci must be True or False, not {self.theta_ci!r}")

    @property
    def outer_max_iter(self) -> int:
        """Cap on the steps in beta at one theta of a frailty fit."""
        return self.outer_factor * self.max_iter
