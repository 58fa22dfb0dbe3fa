"""Small result types shared across modules."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import special

__all__ = ["ResultDisplay", "TestResult", "hazard_ratio_table"]


def _short(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):.4g}"
    if isinstance(value, np.ndarray):
        return f"array({value.shape[0] if value.ndim else 1})"
    if isinstance(value, pd.DataFrame):
        return f"{len(value)} rows"
    if isinstance(value, tuple | list) and len(value) > 3:
        return f"{len(value)} items"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


class ResultDisplay:
    """A short one-line ``__repr__`` and a notebook ``_repr_html_`` for a result dataclass.

    The class lists the fields its repr shows in ``_repr_fields`` and is
    declared ``@dataclass(repr=False)``; ``_repr_html_`` is the repr as a
    caption over ``to_frame()`` when the class has one.
    """

    _repr_fields: ClassVar[tuple[str, ...]] = ()

    def __repr__(self) -> str:
        shown = " ".join(f"{name}={_short(getattr(self, name))}" for name in self._repr_fields)
        return f"<{type(self).__name__} {shown}>" if shown else f"<{type(self).__name__}>"

    def _repr_html_(self) -> str:
        head = f"<p>{html.escape(repr(self))}</p>"
        to_frame = getattr(self, "to_frame", None)
        if callable(to_frame):
            return head + str(to_frame().to_html(index=False))
        return head


@dataclass(frozen=True, repr=False)
class TestResult(ResultDisplay):
    """A hypothesis test: statistic, degrees of freedom and p-value.

    Used for log-rank tests, the likelihood-ratio, Wald and score tests of a
    Cox model and the boundary-corrected test of a frailty variance.
    """

    __test__ = False  # not a pytest test class, despite the name
    _repr_fields: ClassVar[tuple[str, ...]] = ("name", "statistic", "df", "p_value")

    statistic: float
    df: float
    p_value: float
    name: str = ""

    def to_frame(self) -> pd.DataFrame:
        """One-row DataFrame with columns ``test, statistic, df, p_value``."""
        return pd.DataFrame(
            {
                "test": [self.name],
                "statistic": [self.statistic],
                "df": [self.df],
                "p_value": [self.p_value],
            }
        )


def hazard_ratio_table(params: pd.Series, std_err: pd.Series, conf_level: float) -> pd.DataFrame:
    """Wald table per term: ``coef, hazard_ratio, std_err, z, p_value, lower, upper``.

    ``z = coef / std_err``, two-sided normal p-value, interval
    ``exp(coef ± z_{1-α/2} std_err)`` (shared by the Cox and Fine–Gray results).

    Examples
    --------
    >>> import pandas as pd
    >>> t = hazard_ratio_table(pd.Series({"x": 0.0}), pd.Series({"x": 1.0}), 0.95)
    >>> float(t.loc["x", "p_value"])
    1.0
    """
    z_crit = float(special.ndtri(0.5 + conf_level / 2))
    z = params / std_err
    return pd.DataFrame(
        {
            "coef": params,
            "hazard_ratio": np.exp(params),
            "std_err": std_err,
            "z": z,
            "p_value": 2 * special.ndtr(-np.abs(z)),
            "lower": np.exp(params - z_crit * std_err),
            "upper": np.exp(params + z_crit * std_err),
        }
    )


def printed_hazard_ratios(table: pd.DataFrame, conf_level: float, se: str = "SE") -> pd.DataFrame:
    """The hazard-ratio table as the fit summaries print it: ``HR, CI, coef, <se>, p``.

    ``table`` has the columns of :func:`hazard_ratio_table`; ``se`` names the
    standard-error column (e.g. ``"SE (robust)"``).
    """
    return pd.DataFrame(
        {
            "HR": table["hazard_ratio"].map("{:.2f}".format),
            f"{conf_level:.0%} CI": [
                f"{lo:.2f}-{hi:.2f}" for lo, hi in zip(table["lower"], table["upper"], strict=True)
            ],
            "coef": table["coef"].map("{:.4f}".format),
            se: table["std_err"].map("{:.4f}".format),
            "p": table["p_value"].map(lambda p: f"{p:.3g}" if p >= 1e-4 else "<0.0001"),
        }
    )
