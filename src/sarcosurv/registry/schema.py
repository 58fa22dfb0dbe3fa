"""A registry schema declared in a few lines: columns, rules, eligibility and endpoints.

A :class:`RegistrySchema` describes one registry's extract, one row per patient:

* :class:`Column`: name, type (``id``, ``code``, ``date``, ``number``,
  ``integer``, ``text``), code list, whether it is required, and a plausible
  ``range`` (numbers or dates);
* :class:`DateOrder`: a date that must not precede another;
* :class:`Requires`: a column that must be filled (or blank) when a
  condition (:class:`When`) holds;
* :class:`Age`: the age at the time origin, given or computed from the date of
  birth, with the consistency of the two checked;
* :class:`~sarcosurv.registry.Eligibility`: who is analysed;
* :class:`Endpoint`: time-to-event endpoints made of :class:`Event` s (the
  first one to happen ends follow-up; two or more make a competing-risks
  endpoint coded 0 censored, 1, 2, ... in the order listed).

:meth:`sarcosurv.registry.Cohort.from_frame` validates an extract against a
schema and counts the CONSORT steps; :meth:`~sarcosurv.registry.Cohort.endpoints`
derives the endpoints. The EBMT sarcoma extract is one instance (in its
study's package under :mod:`sarcosurv.studies`); the documentation page
"Declaring a registry schema" builds a transplant registry's.

Examples
--------
>>> from sarcosurv.registry import Column, Endpoint, Event, RegistrySchema, When
>>> schema = RegistrySchema(
...     name="minimal",
...     columns=(
...         Column("patient_id", "id", required=True),
...         Column("date_transplant", "date", required=True),
...         Column("date_last_followup", "date", required=True),
...         Column("vital_status", "code", required=True, codes=("alive", "dead")),
...         Column("date_death", "date"),
...     ),
...     origin="date_transplant",
...     endpoints=(
...         Endpoint("os", (Event("death", "date_death", When("vital_status", ("dead",))),),
...                  censor="date_last_followup"),
...     ),
... )
>>> schema.table()["column"].tolist()[:2]
['patient_id', 'date_transplant']
"""

from __future__ import annotations

import html
import importlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from .._deprecation import moved_attributes
from ..errors import SarcosurvError
from .eligibility import Eligibility

__all__ = [
    "Age",
    "Column",
    "DateOrder",
    "Endpoint",
    "Event",
    "Kind",
    "RegistrySchema",
    "Requires",
    "When",
    "default_schema",
    "schema_table",
]

Kind = Literal["id", "code", "date", "number", "integer", "text"]
_KINDS: tuple[str, ...] = ("id", "code", "date", "number", "integer", "text")
Bound = float | str | pd.Timestamp | None
#: A check beyond the declarative rules: typed data -> (row mask, field, problem) triples.
Check = Callable[[pd.DataFrame], list[tuple[Any, str, str]]]
#: Derived analysis columns: typed cohort data -> columns (same index).
Derive = Callable[[pd.DataFrame], pd.DataFrame]


def _bound(value: Bound, kind: str, what: str) -> float | pd.Timestamp | None:
    if value is None:
        return None
    if kind == "date":
        try:
            return pd.Timestamp(value)
        except (TypeError, ValueError) as exc:
            raise SarcosurvError(f"{what}: {value!r} is not a date") from exc
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise SarcosurvError(f"{what}: {value!r} is not a number")
    return float(value)


@dataclass(frozen=True)
class Column:
    """One column of a registry extract.

    Parameters
    ----------
    name : str
        Column name in the extract.
    kind : {"id", "code", "date", "number", "integer", "text"}
        ``code`` columns take values from ``codes`` (matched ignoring case and
        surrounding blanks; a blank is ``"unknown"`` where the list has it).
    description : str
        What the column holds (shown by :meth:`RegistrySchema.table`).
    required : bool
        The column must be present and filled in every row.
    codes : tuple of str
        Allowed values of a ``code`` column.
    range : (lower, upper), optional
        Plausible values, inclusive: numbers for ``number``/``integer``
        columns, dates (``"1900-01-01"``) for ``date`` columns; either end may
        be ``None``. Values outside, and infinite numbers, are problems.
    """

    name: str
    kind: Kind
    description: str = ""
    required: bool = False
    codes: tuple[str, ...] = ()
    range: tuple[Bound, Bound] | None = None

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise SarcosurvError(
                f"Column {self.name!r}: kind must be one of {', '.join(_KINDS)}, not {self.kind!r}"
            )
        if (self.kind == "code") != bool(self.codes):
            raise SarcosurvError(
                f"Column {self.name!r}: a code list is given exactly for kind 'code'"
            )
        if self.range is not None:
            lower, upper = (_bound(b, self.kind, f"Column {self.name!r} range") for b in self.range)
            if self.kind not in ("number", "integer", "date"):
                raise SarcosurvError(f"Column {self.name!r}: range= applies to numbers and dates")
            if lower is not None and upper is not None and lower > upper:  # type: ignore[operator]
                raise SarcosurvError(f"Column {self.name!r}: range {self.range} is reversed")


@dataclass(frozen=True)
class When:
    """A condition on a coded column: its value is one of ``codes``."""

    column: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class DateOrder:
    """``late`` must not be before ``early`` (both dates; blanks are not checked)."""

    early: str
    late: str
    problem: str = ""

    @property
    def message(self) -> str:
        return self.problem or f"{self.late} before {self.early}"


@dataclass(frozen=True)
class Requires:
    """Where ``when`` holds, ``column`` must be filled (``present``) or blank (not ``present``).

    A coded column counts as blank when it is blank or ``"unknown"``.
    """

    column: str
    when: When
    present: bool = True
    problem: str = ""
    field: str = ""  # the column the problem is reported on (default: ``column``)

    @property
    def message(self) -> str:
        if self.problem:
            return self.problem
        state = "missing" if self.present else "given"
        return f"{self.column} {state} although {self.when.column} is {'/'.join(self.when.codes)}"


@dataclass(frozen=True)
class Age:
    """Age in years at the time origin: the ``column`` given, or computed from ``birth``.

    Where both are given they must agree within ``tolerance`` years; an age
    outside ``range`` is implausible. Rows with neither are a problem.
    """

    column: str
    birth: str | None = None
    tolerance: float = 1.0
    range: tuple[float, float] = (0.0, 120.0)


@dataclass(frozen=True)
class Event:
    """One event type of an endpoint: it happens at ``date`` (where ``when`` holds, if given)."""

    label: str
    date: str
    when: When | None = None


@dataclass(frozen=True)
class Endpoint:
    """A time-to-event endpoint measured from the schema's origin.

    The first of ``events`` to happen ends follow-up (on the same day, the one
    listed first wins); without one, the patient is censored at ``censor``.
    The derived columns are ``<name>_time`` and ``<name>_event`` (1 for any
    event); with two or more events also ``<name>_cause`` (0 censored, 1, 2,
    ... in the order of ``events``, as :func:`sarcosurv.cumulative_incidence`
    expects) and ``<name>_event_type`` (the labels). Where ``evaluable`` does
    not hold the endpoint is missing (``<name>_evaluable`` false). With
    ``horizon`` (days) later events are censored there (acute GvHD by day 100).
    """

    name: str
    events: tuple[Event, ...]
    censor: str
    description: str = ""
    evaluable: When | None = None
    horizon: float | None = None

    def __post_init__(self) -> None:
        if not self.events:
            raise SarcosurvError(f"Endpoint {self.name!r}: give at least one Event")
        if self.horizon is not None and not self.horizon > 0:
            raise SarcosurvError(f"Endpoint {self.name!r}: horizon must be positive days")


def _default_eligibility() -> Eligibility:
    return Eligibility(min_age=None, origin_years=None)


@dataclass(frozen=True)
class RegistrySchema:
    """A registry extract's declaration: columns, rules, eligibility and endpoints.

    Parameters
    ----------
    name : str
        Short name, shown in messages.
    columns : tuple of Column
    origin : str
        Date column of the time origin (transplant, diagnosis), required.
    id : str
        Patient identifier column (unique).
    origin_label : str
        The origin in words for messages ("first ASCT"; default: ``origin``).
    cluster : str, optional
        Centre column, kept in the endpoint table.
    orders, requires : tuples of DateOrder, Requires
    age : Age, optional
    eligibility : Eligibility
        The default inclusion criteria (no restriction unless given).
    endpoints : tuple of Endpoint
    date_range : (lower, upper)
        Plausible dates for every date column without its own ``range``;
        ``upper=None`` is the day of validation (no date in the future).
    checks : tuple of callables
        Further checks: typed data -> list of ``(row mask, field, problem)``.
    derive : callable, optional
        Typed data -> analysis covariates; by default every coded, numeric
        and text column (codes as categoricals, ``unknown`` missing). A
        derived column named ``<endpoint>_...`` is placed with that endpoint.
    """

    name: str
    columns: tuple[Column, ...]
    origin: str
    id: str = "patient_id"
    origin_label: str = ""
    cluster: str | None = None
    orders: tuple[DateOrder, ...] = ()
    requires: tuple[Requires, ...] = ()
    age: Age | None = None
    eligibility: Eligibility = field(default_factory=_default_eligibility)
    endpoints: tuple[Endpoint, ...] = ()
    date_range: tuple[Bound, Bound] = ("1900-01-01", None)
    checks: tuple[Check, ...] = ()
    derive: Derive | None = None

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise SarcosurvError(f"schema {self.name!r}: columns declared twice: {duplicated}")
        kinds = {c.name: c.kind for c in self.columns}
        for name, role, kind in self._references():
            if name not in kinds:
                raise SarcosurvError(f"schema {self.name!r}: {role} {name!r} is not a column")
            if kind is not None and kinds[name] not in kind:
                raise SarcosurvError(
                    f"schema {self.name!r}: {role} {name!r} must be a {' or '.join(kind)} column"
                )

    def _references(self) -> list[tuple[str, str, tuple[str, ...] | None]]:
        date, code = ("date",), ("code",)
        refs: list[tuple[str, str, tuple[str, ...] | None]] = [
            (self.origin, "origin", date),
            (self.id, "id", None),
        ]
        refs += [(self.cluster, "cluster", None)] if self.cluster else []
        for order in self.orders:
            refs += [(order.early, "date order", date), (order.late, "date order", date)]
        for rule in self.requires:
            refs += [(rule.column, "requires", None), (rule.when.column, "condition", code)]
        if self.age is not None:
            refs += [(self.age.column, "age", ("number", "integer"))]
            refs += [(self.age.birth, "date of birth", date)] if self.age.birth else []
        for endpoint in self.endpoints:
            refs += [(endpoint.censor, f"endpoint {endpoint.name} censor", date)]
            refs += [(e.date, f"endpoint {endpoint.name} event", date) for e in endpoint.events]
            conditions = [e.when for e in endpoint.events] + [endpoint.evaluable]
            refs += [(w.column, "condition", code) for w in conditions if w is not None]
        return refs

    @property
    def label(self) -> str:
        return self.origin_label or self.origin

    def __repr__(self) -> str:
        endpoints = ", ".join(e.name for e in self.endpoints) or "none"
        return (
            f"<RegistrySchema {self.name!r}: {len(self.columns)} columns, origin "
            f"{self.origin}, endpoints {endpoints}>"
        )

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(repr(self))}</p>" + self.table().to_html(index=False)

    def __iter__(self) -> Iterator[Column]:  # ``for column in schema`` as over 0.1's tuple
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def __getitem__(self, position: int) -> Column:
        return self.columns[position]

    def column(self, name: str) -> Column:
        """The declared column ``name``."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def table(self) -> pd.DataFrame:
        """The columns as a table: column, type, required, allowed codes, range, description."""
        return pd.DataFrame(
            {
                "column": [c.name for c in self.columns],
                "type": [c.kind for c in self.columns],
                "required": [c.required for c in self.columns],
                "codes": ["; ".join(c.codes) for c in self.columns],
                "range": [_range_text(c.range) for c in self.columns],
                "description": [c.description for c in self.columns],
            }
        )


def _range_text(bounds: tuple[Bound, Bound] | None) -> str:
    if bounds is None:
        return ""
    return " to ".join("" if b is None else str(b) for b in bounds)


#: The schema of sarcosurv 0.1, used where none is given.
_DEFAULT_SCHEMA = "sarcosurv.studies.heilig2020.schema"


def default_schema() -> RegistrySchema:
    """The EBMT sarcoma schema, used where no ``schema=`` is given (as in sarcosurv 0.1).

    It lives with its study (in :mod:`sarcosurv.studies`) and is imported when
    first needed, so that this layer holds no import of a study.
    """
    schema: RegistrySchema = importlib.import_module(_DEFAULT_SCHEMA).SCHEMA
    return schema


def schema_table(schema: RegistrySchema | None = None) -> pd.DataFrame:
    """A schema's columns as a table (the EBMT sarcoma schema when none is given)."""
    table = (schema or default_schema()).table()
    if schema is None:  # the 0.1 layout of the sarcoma schema's table
        table = table.drop(columns="range")
    return table


_moved = moved_attributes(__name__, {"SCHEMA": f"{_DEFAULT_SCHEMA}:SCHEMA"})


def __getattr__(name: str) -> Any:
    """``SCHEMA`` (the sarcoma schema's columns until 0.1) moved to its study."""
    return _moved(name)
