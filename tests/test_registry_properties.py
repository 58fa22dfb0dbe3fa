"""Property tests: corrupt a valid synthetic extract and check what validation reports.

Every corrupted row must be reported with the corrupted field; no other row
may be reported (lenient mode keeps every valid row); the order of the rows
must not change the problems found.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sarcosurv import registry
from sarcosurv.errors import ValidationError
from sarcosurv.studies import heilig2020

EXTRACT = heilig2020.synthetic_cohort(seed=2020)
REFERENCE = registry.Cohort.from_frame(EXTRACT, strict=True)
N = len(EXTRACT)
SCHEMA = {c.name: c for c in heilig2020.SCHEMA}
REQUIRED = [c.name for c in heilig2020.SCHEMA if c.required]
CODED = [c.name for c in heilig2020.SCHEMA if c.kind == "code"]
DATES = [c.name for c in heilig2020.SCHEMA if c.kind == "date" and c.name in EXTRACT.columns]

_first = pd.to_datetime(EXTRACT["date_first_asct"])
_follow = pd.to_datetime(EXTRACT["date_last_followup"])
_progression = pd.to_datetime(EXTRACT["date_progression"])
_death = pd.to_datetime(EXTRACT["date_death"])
#: Rows where a swap of two dates breaks their order (the dates differ).
SWAPPABLE = {
    ("date_first_asct", "date_last_followup", "date_last_followup"): set(
        np.flatnonzero(_follow > _first)
    ),
    ("date_of_diagnosis", "date_first_asct", "date_first_asct"): set(range(N)),
    ("date_progression", "date_death", "date_death"): set(np.flatnonzero(_death > _progression)),
}

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Corruption:
    """What was done to a row: the rows it makes invalid and the field to be reported."""

    kind: str
    row: int
    field: str
    rows: frozenset[int]


def _text(value: object) -> str:
    """Text of a cell, missing as "nan" under pandas 2 and 3 alike."""
    return "nan" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _not_a_code(column: str) -> st.SearchStrategy[str]:
    allowed = {c.casefold() for c in SCHEMA[column].codes}
    text = st.text(
        alphabet=st.characters(categories=["L", "N"], include_characters=" /-+."),
        min_size=1,
        max_size=12,
    )
    return text.filter(lambda t: bool(t.strip()) and t.strip().casefold() not in allowed)


def _not_a_number() -> st.SearchStrategy[str]:
    words = st.sampled_from(["two", "one or two", "1 ASCT", "x", "2,5", "1..2", "--1", "n/a"])
    letters = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
    return st.one_of(words, letters).filter(
        lambda t: bool(t.strip()) and np.isnan(pd.to_numeric(t, errors="coerce"))
    )


def _bad_date(original: object) -> st.SearchStrategy[str]:
    """Text that is no ISO date: another format of a real date, or no date at all."""
    day = pd.Timestamp(original) if isinstance(original, str) else pd.Timestamp("2004-05-17")
    other_formats = st.sampled_from(
        ["%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m/%d/%Y", "%d %B %Y", "%Y%m%d", "%Y-%m-%dT%H:%M"]
    ).map(day.strftime)
    junk = st.sampled_from(["unknown date", "2004-02-30", "2004-13-01", "17/05/04", "May 2004"])
    return st.one_of(other_formats, junk)


def corrupt(data: st.DataObject, frame: pd.DataFrame, row: int, spare: int) -> Corruption:
    """Apply one drawn corruption to ``row`` (``spare`` is a second row it may involve)."""
    kind = data.draw(
        st.sampled_from(["swap", "blank", "code", "duplicate", "number", "fraction", "date"])
    )
    if kind == "swap":
        options = [key for key, rows in SWAPPABLE.items() if row in rows]
        early, late, field = data.draw(st.sampled_from(options))
        frame.loc[row, [early, late]] = frame.loc[row, [late, early]].to_numpy()
        return Corruption(kind, row, field, frozenset({row}))
    if kind == "blank":
        column = data.draw(st.sampled_from(REQUIRED))
        frame.loc[row, column] = data.draw(st.sampled_from(["", "   ", None]))
        return Corruption(kind, row, column, frozenset({row}))
    if kind == "code":
        column = data.draw(st.sampled_from(CODED))
        frame.loc[row, column] = data.draw(_not_a_code(column))
        return Corruption(kind, row, column, frozenset({row}))
    if kind == "duplicate":
        frame.loc[row, "patient_id"] = frame.loc[spare, "patient_id"]
        return Corruption(kind, row, "patient_id", frozenset({row, spare}))
    if kind in ("number", "fraction"):
        column = data.draw(st.sampled_from(["n_asct", "n_prior_chemo_lines"]))
        frame[column] = frame[column].astype(object)
        value = data.draw(
            _not_a_number() if kind == "number" else st.sampled_from(["1.5", "2.25", "0.1"])
        )
        frame.loc[row, column] = value
        return Corruption(kind, row, column, frozenset({row}))
    column = data.draw(st.sampled_from(DATES))
    frame.loc[row, column] = data.draw(_bad_date(EXTRACT.loc[row, column]))
    return Corruption(kind, row, column, frozenset({row}))


def corrupted_extract(data: st.DataObject) -> tuple[pd.DataFrame, list[Corruption]]:
    k = data.draw(st.integers(1, 5), label="corruptions")
    rows = data.draw(st.lists(st.integers(0, N - 1), min_size=2 * k, max_size=2 * k, unique=True))
    frame = EXTRACT.copy()
    corruptions = [corrupt(data, frame, rows[i], rows[k + i]) for i in range(k)]
    return frame, corruptions


def problems_of(frame: pd.DataFrame) -> pd.DataFrame:
    try:
        registry.Cohort.from_frame(frame, strict=True)
    except ValidationError as error:
        return error.problems
    raise AssertionError("a corrupted extract passed strict validation")


def as_counter(problems: pd.DataFrame, columns: list[str]) -> Counter[tuple[Any, ...]]:
    return Counter(tuple(_text(v) for v in row) for row in problems[columns].to_numpy().tolist())


@SETTINGS
@given(st.data())
def test_every_corruption_is_reported_and_no_valid_row_lost(data: st.DataObject) -> None:
    frame, corruptions = corrupted_extract(data)
    bad_rows = set().union(*(c.rows for c in corruptions))

    problems = problems_of(frame)
    for c in corruptions:
        hit = problems[(problems["row"] == c.row) & (problems["field"] == c.field)]
        assert len(hit), (c, problems)
        ids = {_text(v) for v in problems.loc[problems["row"] == c.row, "patient_id"]}
        assert ids == {_text(frame.loc[c.row, "patient_id"])}
    # only corrupted rows are reported
    assert set(problems["row"]) <= bad_rows, (corruptions, problems)

    lenient = registry.Cohort.from_frame(frame, strict=False)
    assert set(lenient.exclusions["row"]) == bad_rows
    consort = dict(zip(lenient.consort["step"], lenient.consort["n"], strict=True))
    assert consort["received"] == N
    assert consort["analysed"] == N - len(bad_rows) == lenient.n
    assert consort["excluded: not eligible"] + consort["excluded: data problems"] == len(bad_rows)
    kept = EXTRACT.index.difference(sorted(bad_rows))
    assert lenient.data.index.equals(kept)
    pd.testing.assert_frame_equal(
        lenient.data, REFERENCE.data.loc[kept], check_dtype=False, check_categorical=False
    )


@SETTINGS
@given(st.data(), st.randoms(use_true_random=False))
def test_row_order_does_not_change_the_problems(data: st.DataObject, rnd: Any) -> None:
    frame, _ = corrupted_extract(data)
    order = list(range(N))
    rnd.shuffle(order)
    problems = problems_of(frame)
    permuted = frame.iloc[order]
    columns = ["row", "patient_id", "field", "problem"]
    assert as_counter(problems_of(permuted), columns) == as_counter(problems, columns)
    relabelled = permuted.reset_index(drop=True)
    columns = ["patient_id", "field", "problem"]
    assert as_counter(problems_of(relabelled), columns) == as_counter(problems, columns)


_EXTRA_NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=12)


@SETTINGS
@given(
    names=st.lists(
        _EXTRA_NAMES.filter(lambda s: s not in SCHEMA),
        min_size=1,
        max_size=4,
        unique=True,
    ),
    content=st.one_of(st.text(max_size=6), st.floats(allow_nan=True), st.none()),
)
def test_extra_columns_are_ignored(names: list[str], content: object) -> None:
    frame = EXTRACT.copy()
    for name in names:
        frame[name] = content
    cohort = registry.Cohort.from_frame(frame, strict=True)
    assert cohort.exclusions.empty
    pd.testing.assert_frame_equal(cohort.data, REFERENCE.data)
    assert not set(names) & set(cohort.data.columns)


@SETTINGS
@given(
    formats=st.dictionaries(
        st.sampled_from(DATES),
        st.sampled_from([f for f in registry.DATE_FORMATS if f != "%Y-%m-%d"]),
        min_size=1,
    )
)
def test_text_dates_in_other_valid_formats(formats: dict[str, str]) -> None:
    frame = EXTRACT.copy()
    for column, fmt in formats.items():
        frame[column] = pd.to_datetime(frame[column]).dt.strftime(fmt).astype(object)
        frame.loc[frame[column].isna(), column] = None
    cohort = registry.Cohort.from_frame(frame, strict=True)
    assert cohort.exclusions.empty
    expected = dict.fromkeys(DATES, "%Y-%m-%d") | formats
    # an all-blank column has no format to detect; every synthetic date column has values
    assert cohort.date_formats == expected
    pd.testing.assert_frame_equal(cohort.data, REFERENCE.data)


@SETTINGS
@given(st.data())
def test_blank_spellings_of_optional_codes_are_unknown(data: st.DataObject) -> None:
    optional = [c for c in CODED if not SCHEMA[c].required and "unknown" in SCHEMA[c].codes]
    column = data.draw(st.sampled_from(optional))
    rows = data.draw(st.lists(st.integers(0, N - 1), min_size=1, max_size=10, unique=True))
    frame = EXTRACT.copy()
    frame.loc[rows, column] = data.draw(st.sampled_from(["", "  ", None, "UNKNOWN", " Unknown "]))
    cohort = registry.Cohort.from_frame(frame, strict=True)
    assert (cohort.data.loc[rows, column] == "unknown").all()
