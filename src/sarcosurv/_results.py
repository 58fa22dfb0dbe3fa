"""Small result types shared across modules."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

__all__ = ["TestResult"]


@dataclass(frozen=True)
class TestResult:
    """A hypothesis test: statistic, degrees of freedom and p-value.

    Used for log-rank tests, the likelihood-ratio, Wald and score tests of a
    Cox model and the boundary-corrected test of a frailty variance.
    """

    __test__ = False  # not a pytest test class, despite the name

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
