"""A validated registry cohort: typed data, exclusion log and CONSORT-style counts."""

from __future__ import annotations

import html
import importlib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .. import _deprecation
from ..errors import InvalidDataError, SarcosurvError, ValidationError
from .eligibility import Eligibility
from .endpoints import Unit, Variables, derive_endpoints
from .schema import RegistrySchema, default_schema
from .validation import validate_extract

__all__ = ["Cohort", "default_schema"]

_ELIGIBILITY_PREFIX = "not eligible"

#: Where the grouped variables that ``endpoints()`` added by default until 0.1 now live.
_STUDY_ENDPOINTS = "sarcosurv.studies.heilig2020.variables"


_READ_CSV_FIXED = ("dtype", "keep_default_na", "converters", "parse_dates")


def _consort(
    frame: pd.DataFrame, problems: pd.DataFrame, eligibility_problem: pd.Series
) -> tuple[pd.DataFrame, npt.NDArray[np.bool_]]:
    """CONSORT counts (a row both ineligible and faulty counts as not eligible) and kept rows."""
    bad_rows = set(problems["row"])
    ineligible = set(problems.loc[eligibility_problem, "row"])
    keep = ~frame.index.isin(list(bad_rows))
    consort = pd.DataFrame(
        {
            "step": ["received", "excluded: not eligible", "excluded: data problems", "analysed"],
            "n": [len(frame), len(ineligible), len(bad_rows - ineligible), int(keep.sum())],
        }
    )
    return consort, keep


def _check_frame(frame: object) -> pd.DataFrame:
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
    if not frame.columns.is_unique:
        names = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise SarcosurvError(
            f"column name(s) {names} appear more than once in the extract; rename them"
        )
    return frame


@dataclass(frozen=True, eq=False)
class Cohort:
    """Patients of a registry extract that passed validation against a schema.

    Attributes
    ----------
    data : pandas.DataFrame
        The valid rows, typed (dates as datetime64, codes canonical), every
        column of the schema (optional ones left out of the extract as missing).
    exclusions : pandas.DataFrame
        One row per problem of an excluded row: ``row, patient_id, field, problem``.
    consort : pandas.DataFrame
        ``step, n``: received, excluded as not eligible, excluded for data
        problems, analysed.
    date_formats : dict
        The format each date column was read in.
    schema : RegistrySchema
        The schema the extract was validated against.
    """

    data: pd.DataFrame
    exclusions: pd.DataFrame
    consort: pd.DataFrame
    date_formats: dict[str, str] = field(default_factory=dict)
    schema: RegistrySchema = field(default_factory=default_schema)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        strict: bool = True,
        eligibility: Eligibility | None = None,
        schema: RegistrySchema | None = None,
        date_format: str | Mapping[str, str] | None = None,
        decimal: str = ".",
    ) -> Cohort:
        """Validate a DataFrame against ``schema`` (default: the EBMT sarcoma schema).

        Data problems raise :class:`~sarcosurv.errors.ValidationError` (whose
        ``problems`` lists every one) when ``strict``; otherwise the rows with
        problems are excluded and logged. Patients failing the eligibility
        criteria (``eligibility``, default the schema's) are excluded and
        counted in both modes. ``date_format`` (one format, or a dict column ->
        format) fixes how text dates are read, e.g. ``"%m/%d/%Y"`` for
        month-first dates; ``decimal=","`` reads decimal commas in numbers.
        """
        frame = _check_frame(frame)
        schema = schema if schema is not None else default_schema()
        if not isinstance(schema, RegistrySchema):
            raise TypeError(f"schema must be a RegistrySchema, not {type(schema).__name__}")
        outcome = validate_extract(
            frame, eligibility, schema, date_format=date_format, decimal=decimal
        )
        problems = outcome.problems
        if problems["row"].isna().any():  # a required column is missing: nothing to salvage
            raise ValidationError(problems)
        eligibility_problem = problems["problem"].str.startswith(_ELIGIBILITY_PREFIX)
        data_problems = problems[~eligibility_problem]
        if strict and len(data_problems):
            raise ValidationError(data_problems.reset_index(drop=True))
        consort, keep = _consort(frame, problems, eligibility_problem)
        data = outcome.data.loc[keep].copy()
        return cls(data, problems.reset_index(drop=True), consort, outcome.date_formats, schema)

    @classmethod
    def from_csv(
        cls,
        path: str | Path,
        *,
        strict: bool = True,
        eligibility: Eligibility | None = None,
        schema: RegistrySchema | None = None,
        date_format: str | Mapping[str, str] | None = None,
        decimal: str = ".",
        **read_csv: Any,
    ) -> Cohort:
        """Read a CSV extract (all columns as text, so that nothing is coerced silently).

        Other keywords go to :func:`pandas.read_csv` (``sep=";"``,
        ``encoding="latin-1"``, ``na_values=["NA"]`` for R's missing-value
        marker). ``dtype``, ``keep_default_na``, ``converters`` and
        ``parse_dates`` are fixed by the reader and refused; ``decimal`` is
        applied by the validation to the schema's number columns.
        """
        clash = sorted(set(read_csv) & set(_READ_CSV_FIXED))
        if clash:
            raise SarcosurvError(
                f"Cohort.from_csv reads every column as text and types it by the schema, so "
                f"{', '.join(k + '=' for k in clash)} cannot be passed; the schema's column "
                "types apply (date_format= and decimal= change how dates and numbers are read)"
            )
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, **read_csv)
        except (OSError, pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            raise SarcosurvError(f"cannot read the extract {str(path)!r}: {exc}") from exc
        except TypeError as exc:  # an unknown keyword of read_csv
            raise SarcosurvError(f"Cohort.from_csv: {exc}") from exc
        return cls.from_frame(
            frame,
            strict=strict,
            eligibility=eligibility,
            schema=schema,
            date_format=date_format,
            decimal=decimal,
        )

    @classmethod
    def from_parquet(
        cls,
        path: str | Path,
        *,
        strict: bool = True,
        eligibility: Eligibility | None = None,
        schema: RegistrySchema | None = None,
        date_format: str | Mapping[str, str] | None = None,
        decimal: str = ".",
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
        return cls.from_frame(
            frame,
            strict=strict,
            eligibility=eligibility,
            schema=schema,
            date_format=date_format,
            decimal=decimal,
        )

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
        """The schema's endpoints and typed covariates; see :mod:`sarcosurv.registry.endpoints`.

        ``variables`` adds a study's analysis variables (a function of
        :attr:`data`, as a study package provides);
        ``None`` gives the endpoints and typed covariates only. Left out, the
        grouped variables of the first study are added as before, with a
        ``DeprecationWarning``: from sarcosurv 0.3 the default is ``None``.

        The documentation's page "Endpoint derivation" has a worked example.
        """
        if isinstance(variables, _deprecation.StudyDefault) and self.schema is not default_schema():
            variables = None  # the old default belongs to the sarcoma schema only
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
        return derive_endpoints(self.data, unit, variables, self.schema)
