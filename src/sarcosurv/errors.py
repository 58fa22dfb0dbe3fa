"""Typed exceptions and warnings raised by sarcosurv.

Every exception subclasses :class:`ValueError`, so code written against
``except ValueError`` keeps working, and every message names the column, the
row (index label, plus the patient id where the data carry one) and the
problem, so that a registry statistician can find the offending record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CollinearityWarning",
    "ColumnNotFoundError",
    "CompetingRisksError",
    "ConvergenceError",
    "ConvergenceWarning",
    "EmptyDataError",
    "FormulaError",
    "GroupError",
    "ImputationError",
    "InvalidDataError",
    "MonotoneLikelihoodWarning",
    "SarcosurvError",
    "SarcosurvWarning",
    "TimeTypeError",
    "ValidationError",
]

#: How many offending rows a message lists before it summarises the rest.
_MAX_ROWS_IN_MESSAGE = 5


class SarcosurvError(ValueError):
    """Base class of every error sarcosurv raises on bad input."""


class ColumnNotFoundError(SarcosurvError, KeyError):
    """A column named in a call is not in the data.

    Also a :class:`KeyError`, as pandas raises for a missing column.
    """

    def __init__(self, column: str, available: Sequence[str], role: str | None = None) -> None:
        self.column = column
        self.available = list(available)
        self.role = role
        shown = ", ".join(repr(c) for c in self.available[:20])
        more = "" if len(self.available) <= 20 else f", ... ({len(self.available)} columns)"
        what = f"{role} column" if role else "column"
        super().__init__(f"{what} {column!r} is not in the data; available: {shown}{more}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class InvalidDataError(SarcosurvError):
    """Values in a column are unusable (negative time, NaN, unknown code, ...).

    Attributes
    ----------
    column : str
        The column holding the bad values.
    rows : list
        Index labels of every offending row (not only the ones in the message).
    problem : str
        What is wrong, in words.
    """

    def __init__(
        self,
        column: str,
        rows: Sequence[object],
        problem: str,
        row_descriptions: Sequence[str] | None = None,
    ) -> None:
        self.column = column
        self.rows = list(rows)
        self.problem = problem
        described = (
            list(row_descriptions)
            if row_descriptions is not None
            else [f"row {r!r}" for r in self.rows]
        )
        head = ", ".join(described[:_MAX_ROWS_IN_MESSAGE])
        rest = len(described) - _MAX_ROWS_IN_MESSAGE
        tail = f" and {rest} more row(s)" if rest > 0 else ""
        super().__init__(f"column {column!r}: {problem} at {head}{tail}")


class EmptyDataError(SarcosurvError):
    """The data (or a subset that must not be empty) has no rows."""


class GroupError(SarcosurvError):
    """A grouping is unusable, e.g. a log-rank test with a single group."""


class FormulaError(SarcosurvError):
    """A model formula cannot be interpreted against the data."""


class ConvergenceError(SarcosurvError):
    """An iterative fit failed in a way that leaves no usable estimate."""


class ImputationError(SarcosurvError):
    """Multiple imputation or pooling cannot proceed (empty column, sparse level, m < 2, ...).

    Attributes
    ----------
    column : str or None
        The column concerned, when the problem belongs to one.
    """

    def __init__(self, message: str, column: str | None = None) -> None:
        self.column = column
        prefix = f"column {column!r}: " if column is not None else ""
        super().__init__(prefix + message)


def _problem_line(row: object, patient_id: object, field: object, problem: object) -> str:
    # Whole-column problems (a missing column) have no row to name.
    if row is None or (isinstance(row, float) and row != row):
        return f"column {field!r}: {problem}"
    return f"row {row!r} (patient_id {patient_id!r}), field {field!r}: {problem}"


class ValidationError(SarcosurvError):
    """A registry extract failed validation.

    Attributes
    ----------
    problems : pandas.DataFrame
        One row per problem with columns ``row``, ``patient_id``, ``field``,
        ``problem``.
    """

    def __init__(self, problems: pd.DataFrame, message: str | None = None) -> None:
        self.problems = problems
        n = len(problems)
        if message is None:
            lines = [
                _problem_line(r.row, r.patient_id, r.field, r.problem)
                for r in problems.head(_MAX_ROWS_IN_MESSAGE).itertuples()
            ]
            rest = (
                f"\n  ... and {n - _MAX_ROWS_IN_MESSAGE} more" if n > _MAX_ROWS_IN_MESSAGE else ""
            )
            message = f"{n} problem(s) in the registry extract:\n  " + "\n  ".join(lines) + rest
        super().__init__(message)


class SarcosurvWarning(UserWarning):
    """Base class of sarcosurv's warnings."""


class ConvergenceWarning(SarcosurvWarning):
    """An iterative fit stopped at its iteration cap or did not meet its tolerance."""


class MonotoneLikelihoodWarning(SarcosurvWarning):
    """A coefficient diverges to plus or minus infinity (monotone likelihood)."""


class CollinearityWarning(SarcosurvWarning):
    """A model term was dropped because it is constant or collinear with others."""


class CompetingRisksError(InvalidDataError):
    """The event column codes several causes (1..K, K > 1) where one event type is needed.

    Raised by the Kaplan–Meier estimator and the log-rank family, which estimate
    and compare one event type: use the cumulative incidence for causes, or
    recode one cause as the event.
    """


class TimeTypeError(SarcosurvError, TypeError):
    """A time column holds dates, or durations without a unit, instead of numbers."""

    def __init__(self, column: str, message: str) -> None:
        self.column = column
        super().__init__(message)
