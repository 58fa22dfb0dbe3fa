"""Inclusion criteria of a registry cohort: age at the time origin and calendar years."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..errors import SarcosurvError

__all__ = ["Eligibility"]

_UNSET: Any = object()


def _age(value: object, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SarcosurvError(
            f"Eligibility({name}=...): expected a number of years or None, not {value!r}"
        )
    if not math.isfinite(value) or value < 0:
        raise SarcosurvError(
            f"Eligibility({name}=...): expected a finite, non-negative age, not {value!r}"
        )
    return float(value)


def _years(value: object, name: str) -> tuple[int, int] | None:
    if value is None:
        return None
    ok = (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(isinstance(y, int) and not isinstance(y, bool) for y in value)
    )
    if not ok:
        raise SarcosurvError(
            f"Eligibility({name}=...): expected two whole calendar years (first, last), "
            f"not {value!r}"
        )
    first, last = int(value[0]), int(value[1])  # type: ignore[index]
    if first > last:
        raise SarcosurvError(
            f"Eligibility({name}=...): the years ({first}, {last}) are reversed; "
            f"give (first, last), e.g. ({last}, {first})"
        )
    return (first, last)


@dataclass(frozen=True, init=False)
class Eligibility:
    """Inclusion criteria: age at the time origin and calendar years of the origin.

    The defaults, adults with an origin in 1996-2016, are the EBMT sarcoma
    extract's (sarcosurv 0.1); any other registry states its own.

    Parameters
    ----------
    min_age, max_age : float or None
        Youngest and oldest age (years) at the time origin; ``None`` for no
        bound. Where the age comes from the date of birth, ``min_age`` is the
        calendar criterion (the birthday reached on or before the origin).
    origin_years : (first, last) or None
        Calendar years of the time origin, inclusive (``first_asct_years=``
        is the same argument, as named for transplant registries).

    Raises
    ------
    SarcosurvError
        An age that is not a finite number (``nan``, ``"18"``), years that are
        not two whole numbers or are reversed.

    Examples
    --------
    >>> Eligibility(min_age=16, origin_years=(1990, 2020)).origin_years
    (1990, 2020)
    >>> Eligibility(min_age=None, origin_years=None)
    Eligibility(min_age=None, origin_years=None, max_age=None)
    """

    min_age: float | None
    origin_years: tuple[int, int] | None
    max_age: float | None

    def __init__(
        self,
        min_age: float | None = 18.0,
        first_asct_years: tuple[int, int] | None = _UNSET,
        *,
        max_age: float | None = None,
        origin_years: tuple[int, int] | None = _UNSET,
    ) -> None:
        if first_asct_years is not _UNSET and origin_years is not _UNSET:
            raise SarcosurvError("Eligibility: give origin_years= or first_asct_years=, not both")
        years = origin_years if origin_years is not _UNSET else first_asct_years
        name = "origin_years" if origin_years is not _UNSET else "first_asct_years"
        years = (1996, 2016) if years is _UNSET else years
        low, high = _age(min_age, "min_age"), _age(max_age, "max_age")
        if low is not None and high is not None and low > high:
            raise SarcosurvError(f"Eligibility: min_age {low:g} is above max_age {high:g}")
        object.__setattr__(self, "min_age", low)
        object.__setattr__(self, "origin_years", _years(years, name))
        object.__setattr__(self, "max_age", high)

    @property
    def first_asct_years(self) -> tuple[int, int] | None:
        """The calendar years of the origin (the first ASCT in the sarcoma schema)."""
        return self.origin_years
