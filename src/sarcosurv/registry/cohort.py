"""A validated registry cohort: typed data, exclusion log and CONSORT-style counts."""

from __future__ import annotations

import html
import importlib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import _deprecation
from ..errors import InvalidDataError, SarcosurvError, ValidationError
from .endpoints import Unit, Variables, derive_endpoints
from .schema import SCHEMA
from .validation import Eligibility, validate_extract

__all__ = ["Cohort"]

_ELIGIBILITY_PREFIX = "not eligible"

#: Where the grouped variables that ``endpoints()`` added by default until 0.1 now live.
_STUDY_ENDPOINTS = "sarcosurv.studies.heilig2020.variables"


def _complete_columns(data: pd.DataFrame) -> pd.DataFrame:
    """Add absent optional columns as missing so that every derivation sees the whole schema."""
    for column in SCHEMA:
        if column.name in data.columns:
            continue
        if column.kind == "date":
            data[column.name] = pd.Series(pd.NaT, index=data.index, dtype="datetime64[ns]")
        elif column.kind == "code":
            data[column.name] = "unknown" if "unknown" in column.codes else pd.NA
        else:
            data[column.name] = np.nan
    return data[[c.name for c in SCHEMA]]


@dataclass(frozen=True, eq=False)
class Cohort:
    """Patients of a registry extract that passed validation.

    Attributes
    ----------
    data : pandas.DataFrame
        The valid rows, typed (dates as datetime64, codes canonical).
    exclusions : pandas.DataFrame
        One row per problem of an excluded row: ``row, patient_id, field, problem``.
    consort : pandas.DataFrame
        ``step, n``: received, excluded as not eligible, excluded for data
        problems, analysed.
    date_formats : dict
        The format each date column was read in.
    """

    data: pd.DataFrame
    exclusions: pd.DataFrame
    consort: pd.DataFrame
    date_formats: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, *, strict: bool = True, eligibility: Eligibility | None = None
    ) -> Cohort:
        """Validate a DataFrame in the registry schema.

        Data problems raise :class:`~sarcosurv.errors.ValidationError` (whose
        ``problems`` lists every one) when ``strict``; otherwise the rows with
        problems are excluded and logged. Patients failing the eligibility
        criteria are excluded and counted in both modes.
        """
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"expected a pandas DataFrame, not {type(frame).__name__}")
        if not frame.index.is_unique:  # the problems table names rows by index label
            labels = frame.index[frame.index.duplicated(keep=False)].unique()
            raise InvalidDataError(
                "index",
                list(labels),
                "duplicate row labels, so problems could not name their row; "
                "pass frame.reset_index(drop=True)",
            )
        outcome = validate_extract(frame, eligibility)
        problems = outcome.problems
        if problems["row"].isna().any():  # a required column is missing: nothing to salvage
            raise ValidationError(problems)
        eligibility_problem = problems["problem"].str.startswith(_ELIGIBILITY_PREFIX)
        data_problems = problems[~eligibility_problem]
        if strict and len(data_problems):
            raise ValidationError(data_problems.reset_index(drop=True))
        bad_rows = set(problems["row"])
        ineligible = set(problems.loc[eligibility_problem, "row"])
        keep = ~frame.index.isin(list(bad_rows))
        data = _complete_columns(outcome.data.loc[keep].copy())
        consort = pd.DataFrame(
            {
                "step": [
                    "received",
                    "excluded: not eligible",
                    "excluded: data problems",
                    "analysed",
                ],
                "n": [
                    len(frame),
                    len(ineligible),
                    len(bad_rows - ineligible),
                    int(keep.sum()),
                ],
            }
        )
        return cls(data, problems.reset_index(drop=True), consort, outcome.date_formats)

    @classmethod
    def from_csv(
        cls,
        path: str | Path,
        *,
        strict: bool = True,
        eligibility: Eligibility | None = None,
        **read_csv: Any,
    ) -> Cohort:
        """Read a CSV extract (all columns as text, so that nothing is coerced silently)."""
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, **read_csv)
        except (OSError, pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            raise SarcosurvError(f"cannot read the extract {str(path)!r}: {exc}") from exc
        return cls.from_frame(frame, strict=strict, eligibility=eligibility)

    @classmethod
    def from_parquet(
        cls, path: str | Path, *, strict: bool = True, eligibility: Eligibility | None = None
    ) -> Cohort:
        """Read a Parquet extract (needs the optional dependency pyarrow)."""
        try:
            frame = pd.read_parquet(path)
        except ImportError as exc:
            raise SarcosurvError(
                "reading Parquet needs pyarrow: pip install 'sarcosurv[parquet]'"
            ) from exc
        except (OSError, ValueError, NotImplementedError) as exc:  # pyarrow's errors derive here
            raise SarcosurvError(f"cannot read the extract {str(path)!r}: {exc}") from exc
        return cls.from_frame(frame, strict=strict, eligibility=eligibility)

    @property
    def n(self) -> int:
        return len(self.data)

    @property
    def n_excluded(self) -> int:
        """Rows of the extract left out (not eligible or with data problems)."""
        return int(self.consort["n"].iloc[1] + self.consort["n"].iloc[2])

    def __repr__(self) -> str:
        return f"<Cohort n={self.n} excluded={self.n_excluded}>"

    def __str__(self) -> str:
        return f"{self!r}\n{self.consort.to_string(index=False)}"

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>" + self.consort.to_html(index=False)

    def endpoints(
        self,
        unit: Unit = "months",
        variables: Variables | _deprecation.StudyDefault | None = _deprecation.STUDY_DEFAULT,
    ) -> pd.DataFrame:
        """OS, PFS and the typed covariates; see :mod:`sarcosurv.registry.endpoints`.

        ``variables`` adds a study's analysis variables (a function of
        :attr:`data`, as a study package provides);
        ``None`` gives the endpoints and typed covariates only. Left out, the
        grouped variables of the first study are added as before, with a
        ``DeprecationWarning``: from sarcosurv 0.3 the default is ``None``.

        The documentation's page "Endpoint derivation" has a worked example.
        """
        if isinstance(variables, _deprecation.StudyDefault):
            warnings.warn(
                "Cohort.endpoints() without variables= adds the grouped variables of one "
                "study; pass variables=None for the endpoints and typed covariates, or use "
                f"{_STUDY_ENDPOINTS}.endpoints(cohort). The default becomes None in "
                f"sarcosurv {_deprecation.REMOVAL}",
                DeprecationWarning,
                stacklevel=2,
            )
            study = importlib.import_module(_STUDY_ENDPOINTS)
            table: pd.DataFrame = study.endpoints(self, unit)
            return table
        return derive_endpoints(self.data, unit, variables)
