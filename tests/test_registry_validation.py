"""Registry validation: one test per documented check, in strict and lenient mode."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from sarcosurv import registry
from sarcosurv.errors import InvalidDataError, SarcosurvError, ValidationError
from sarcosurv.studies import heilig2020

DATE_COLUMNS = (
    "date_of_birth",
    "date_of_diagnosis",
    "date_first_asct",
    "date_last_asct",
    "date_progression",
    "date_last_followup",
    "date_death",
)


def _patient(**values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "patient_id": "P1",
        "centre_id": "C1",
        "sex": "Male",
        "date_of_birth": "1970-05-15",
        "age_at_asct": "",
        "date_of_diagnosis": "1999-01-10",
        "histology": "Leiomyosarcoma",
        "grade": "3",
        "metastatic_at_diagnosis": "no",
        "prior_surgery": "yes",
        "prior_radiotherapy": "no",
        "prior_chemotherapy": "yes",
        "n_prior_chemo_lines": "1",
        "remission_before_asct": "PR",
        "date_first_asct": "1999-06-01",
        "n_asct": "1",
        "date_last_asct": "1999-06-01",
        "preparative_regimen": "PEI/CEI",
        "mobilisation": "G-CSF alone",
        "stem_cell_source": "PBSC",
        "remission_after_last_asct": "CR/NED",
        "progression_status_known": "yes",
        "date_progression": "",
        "date_last_followup": "2004-06-01",
        "vital_status": "alive",
        "date_death": "",
        "cause_of_death": "",
    }
    row.update(values)
    return row


def valid_extract() -> pd.DataFrame:
    """Five valid patients, every value as text (as ``Cohort.from_csv`` reads them)."""
    return pd.DataFrame(
        [
            _patient(),
            _patient(
                patient_id="P2",
                centre_id="C2",
                sex="Female",
                date_of_birth="1960-01-01",
                date_of_diagnosis="2002-02-01",
                date_first_asct="2002-09-15",
                n_asct="2",
                date_last_asct="2002-12-01",
                date_progression="2003-03-15",
                date_last_followup="2004-01-15",
                vital_status="dead",
                date_death="2004-01-15",
                cause_of_death="Relapse/progression",
            ),
            _patient(
                patient_id="P3",
                date_of_birth="",
                age_at_asct="45.5",
                date_of_diagnosis="2000-06-01",
                date_first_asct="2001-03-01",
                date_last_asct="2001-03-01",
                date_last_followup="2001-03-11",
                vital_status="dead",
                date_death="2001-03-11",
                cause_of_death="Infection",
            ),
            _patient(
                patient_id="P4",
                date_of_birth="1980-07-20",
                date_of_diagnosis="2007-03-01",
                date_first_asct="2008-01-01",
                date_last_asct="2008-01-01",
                progression_status_known="no",
                date_last_followup="2012-01-01",
            ),
            _patient(
                patient_id="P5",
                date_of_birth="1975-11-30",
                date_of_diagnosis="2009-05-01",
                date_first_asct="2010-04-01",
                date_last_asct="2010-04-01",
                date_progression="2011-04-01",
                date_last_followup="2015-04-01",
            ),
        ]
    )


def problems_of(frame: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    """The problems table a strict validation raises (empty if it passes)."""
    try:
        registry.Cohort.from_frame(frame, strict=True, **kwargs)
    except ValidationError as error:
        return error.problems
    return pd.DataFrame(columns=["row", "patient_id", "field", "problem"])


def only_problem(frame: pd.DataFrame) -> tuple[Any, Any, str, str]:
    problems = problems_of(frame)
    assert len(problems) == 1, problems
    row = problems.iloc[0]
    return row["row"], row["patient_id"], row["field"], row["problem"]


# -- the valid extract --------------------------------------------------------


def test_valid_extract_passes_and_is_typed() -> None:
    cohort = registry.Cohort.from_frame(valid_extract(), strict=True)
    assert cohort.n == 5
    assert cohort.exclusions.empty
    assert cohort.consort["n"].tolist() == [5, 0, 0, 5]
    assert pd.api.types.is_datetime64_any_dtype(cohort.data["date_first_asct"])
    assert cohort.data["date_progression"].isna().sum() == 3
    assert cohort.data["n_asct"].tolist() == [1.0, 2.0, 1.0, 1.0, 1.0]
    # age from the dates where not given, days / 365.25
    expected = (pd.Timestamp("1999-06-01") - pd.Timestamp("1970-05-15")).days / 365.25
    assert cohort.data["age_at_asct"].iloc[0] == pytest.approx(expected, abs=1e-12)
    assert cohort.data["age_at_asct"].iloc[2] == 45.5
    # a blank coded value is "unknown"
    assert cohort.data["cause_of_death"].iloc[0] == "unknown"


def test_codes_ignore_case_and_blanks_around() -> None:
    frame = valid_extract()
    frame.loc[0, "sex"] = "  fEmAle "
    frame.loc[1, "preparative_regimen"] = "pei/cei"
    cohort = registry.Cohort.from_frame(frame)
    assert cohort.data.loc[0, "sex"] == "Female"
    assert cohort.data.loc[1, "preparative_regimen"] == "PEI/CEI"


def test_validation_error_is_a_value_error_with_a_problems_table() -> None:
    assert issubclass(ValidationError, SarcosurvError)
    assert issubclass(ValidationError, ValueError)
    frame = valid_extract()
    frame.loc[2, "sex"] = "M"
    with pytest.raises(ValueError, match="problem") as info:
        registry.Cohort.from_frame(frame, strict=True)
    assert isinstance(info.value, ValidationError)
    assert list(info.value.problems.columns) == ["row", "patient_id", "field", "problem"]


# -- one test per check ---------------------------------------------------------


def test_unknown_code() -> None:
    frame = valid_extract()
    frame.loc[3, "histology"] = "Osteosarcoma"
    row, pid, field, problem = only_problem(frame)
    assert (row, pid, field) == (3, "P4", "histology")
    assert problem.startswith("unknown code")
    assert "Leiomyosarcoma" in problem  # lists the allowed codes


@pytest.mark.parametrize(
    "column",
    [
        "patient_id",
        "centre_id",
        "sex",
        "histology",
        "date_first_asct",
        "progression_status_known",
        "date_last_followup",
        "vital_status",
    ],
)
def test_missing_required_field(column: str) -> None:
    frame = valid_extract()
    frame.loc[4, column] = "  "
    problems = problems_of(frame)
    hit = problems[(problems["row"] == 4) & (problems["field"] == column)]
    assert hit["problem"].tolist() == ["required value is missing"]
    assert set(problems["row"]) == {4}


@pytest.mark.parametrize("strict", [True, False])
def test_missing_required_column_raises_in_both_modes(strict: bool) -> None:
    frame = valid_extract().drop(columns=["vital_status", "histology"])
    with pytest.raises(ValidationError) as info:
        registry.Cohort.from_frame(frame, strict=strict)
    problems = info.value.problems
    assert set(problems["field"]) == {"vital_status", "histology"}
    assert (problems["problem"] == "required column is missing").all()
    assert problems["row"].isna().all()


def test_neither_age_nor_date_of_birth() -> None:
    frame = valid_extract()
    frame.loc[2, "age_at_asct"] = ""
    assert only_problem(frame)[2:] == ("age_at_asct", "neither age_at_asct nor date_of_birth")


def test_optional_columns_may_be_absent() -> None:
    frame = valid_extract().drop(columns=["grade", "mobilisation", "n_prior_chemo_lines"])
    cohort = registry.Cohort.from_frame(frame)
    assert (cohort.data["grade"] == "unknown").all()
    assert cohort.data["n_prior_chemo_lines"].isna().all()


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("age_at_asct", "forty", "not a number"),
        ("n_prior_chemo_lines", "two", "not a number"),
        ("n_prior_chemo_lines", "1.5", "not a whole number"),
        ("n_asct", "2,0", "not a number (a decimal comma? pass decimal=',')"),
        ("n_asct", "1.25", "not a whole number"),
    ],
)
def test_numbers(column: str, value: str, problem: str) -> None:
    frame = valid_extract()
    frame.loc[0, column] = value
    assert only_problem(frame) == (0, "P1", column, problem)


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("n_asct", "0", "fewer than one ASCT"),
        ("n_asct", "-2", "fewer than one ASCT"),
        ("n_prior_chemo_lines", "-1", "negative number of chemotherapy lines"),
    ],
)
def test_counts_out_of_range(column: str, value: str, problem: str) -> None:
    frame = valid_extract()
    frame.loc[3, column] = value
    assert only_problem(frame) == (3, "P4", column, problem)
    frame.loc[3, column] = "0" if column == "n_prior_chemo_lines" else "3"
    assert problems_of(frame).empty


@pytest.mark.parametrize("value", ["2005-13-40", "2003-02-29", "yesterday", "2005/01/03"])
def test_unreadable_date(value: str) -> None:
    frame = valid_extract()
    frame.loc[1, "date_of_diagnosis"] = value
    row, pid, field, problem = only_problem(frame)
    assert (row, pid, field) == (1, "P2", "date_of_diagnosis")
    assert problem == "not a date in the column's format %Y-%m-%d"


# (row, changes, field flagged, words of the problem)
ORDER_CASES = [
    (0, {"date_of_diagnosis": "1999-06-02"}, "date_first_asct", "first ASCT before the diagnosis"),
    (1, {"date_last_asct": "2002-09-14"}, "date_last_asct", "last ASCT before the first ASCT"),
    (4, {"date_progression": "2010-03-31"}, "date_progression", "progression before the first"),
    (
        1,
        {"date_death": "2002-09-01", "date_last_followup": "2002-09-01", "date_progression": ""},
        "date_death",
        "death before the first ASCT",
    ),
    (0, {"date_last_followup": "1999-05-31"}, "date_last_followup", "last follow-up before the"),
    (
        1,
        {"date_progression": "2004-01-16"},
        "date_death",
        "death before the progression",
    ),
    (4, {"date_progression": "2015-04-02"}, "date_last_followup", "last follow-up before the pr"),
    (1, {"date_last_followup": "2004-02-01"}, "date_last_followup", "not the last contact"),
]


@pytest.mark.parametrize(("row", "changes", "field", "words"), ORDER_CASES)
def test_date_order(row: int, changes: dict[str, str], field: str, words: str) -> None:
    frame = valid_extract()
    for column, value in changes.items():
        frame.loc[row, column] = value
    problems = problems_of(frame)
    assert set(problems["row"]) == {row}
    hit = problems[problems["field"] == field]
    assert len(hit) == 1, problems
    assert words in hit["problem"].iloc[0]


def test_equal_dates_are_in_order() -> None:
    frame = valid_extract()
    frame.loc[0, "date_of_diagnosis"] = "1999-06-01"  # diagnosed on the day of ASCT
    frame.loc[4, "date_progression"] = "2015-04-01"  # progression at last contact
    frame.loc[1, "date_progression"] = "2004-01-15"  # progression on the day of death
    assert problems_of(frame).empty


@pytest.mark.parametrize(
    ("row", "changes", "field", "words"),
    [
        (1, {"date_death": ""}, "date_death", "dead but no date of death"),
        (0, {"date_death": "2004-06-01"}, "vital_status", "alive but a date of death"),
        (0, {"cause_of_death": "Infection"}, "cause_of_death", "cause of death for a living"),
        (3, {"date_progression": "2009-01-01"}, "date_progression", "progression status is 'no'"),
    ],
)
def test_vital_and_progression_status(
    row: int, changes: dict[str, str], field: str, words: str
) -> None:
    frame = valid_extract()
    for column, value in changes.items():
        frame.loc[row, column] = value
    got_row, pid, got_field, problem = only_problem(frame)
    assert (got_row, pid, got_field) == (row, f"P{row + 1}", field)
    assert words in problem


def test_unknown_cause_of_death_is_fine_for_the_living() -> None:
    frame = valid_extract()
    frame.loc[0, "cause_of_death"] = "unknown"
    assert problems_of(frame).empty


def test_duplicate_ids_flag_every_copy() -> None:
    frame = valid_extract()
    frame.loc[3, "patient_id"] = "P1"
    frame.loc[4, "patient_id"] = " P1 "  # the same after trimming
    problems = problems_of(frame)
    assert problems["row"].tolist() == [0, 3, 4]
    assert (problems["field"] == "patient_id").all()
    assert (problems["problem"] == "duplicate patient id").all()


# -- eligibility ------------------------------------------------------------------


@pytest.mark.parametrize("strict", [True, False])
def test_ineligible_patients_are_excluded_and_counted_in_both_modes(strict: bool) -> None:
    frame = valid_extract()
    frame.loc[2, "age_at_asct"] = "17.9"
    frame.loc[4, ["date_first_asct", "date_last_asct"]] = "2017-01-02"
    frame.loc[4, "date_progression"] = "2017-06-01"
    frame.loc[4, "date_last_followup"] = "2018-01-01"
    cohort = registry.Cohort.from_frame(frame, strict=strict)
    assert cohort.data["patient_id"].tolist() == ["P1", "P2", "P4"]
    assert cohort.consort["step"].tolist() == [
        "received",
        "excluded: not eligible",
        "excluded: data problems",
        "analysed",
    ]
    assert cohort.consort["n"].tolist() == [5, 2, 0, 3]
    log = cohort.exclusions.set_index("row")
    assert log.loc[2, "field"] == "age_at_asct"
    assert log.loc[2, "problem"] == "not eligible: younger than 18 at first ASCT"
    assert log.loc[4, "field"] == "date_first_asct"
    assert log.loc[4, "problem"] == "not eligible: first ASCT outside 1996-2016"


def test_eligibility_is_configurable() -> None:
    frame = valid_extract()
    frame.loc[2, "age_at_asct"] = "16.5"
    frame.loc[0, ["date_of_diagnosis"]] = "1991-01-01"
    frame.loc[0, ["date_first_asct", "date_last_asct"]] = "1992-03-01"
    rules = registry.Eligibility(min_age=16.0, first_asct_years=(1990, 2020))
    cohort = registry.Cohort.from_frame(frame, eligibility=rules)
    assert cohort.n == 5
    default = registry.Cohort.from_frame(frame)
    assert default.consort["n"].tolist() == [5, 2, 0, 3]
    stricter = registry.Cohort.from_frame(
        valid_extract(), eligibility=registry.Eligibility(min_age=46.0)
    )
    # ages: 29.0, 42.7, 45.5, 27.4, 34.3 -> all too young for 46
    assert stricter.n == 0
    assert stricter.consort["n"].tolist() == [5, 5, 0, 0]


@pytest.mark.parametrize(
    ("birth", "asct", "eligible"),
    [
        ("1980-03-01", "1998-03-01", True),  # 18th birthday; only four leap days between
        ("1980-03-01", "1998-02-28", False),
        ("2000-03-01", "2018-03-01", True),
        ("1980-06-15", "1998-06-15", True),
        ("1980-06-15", "1998-06-14", False),
        ("1984-02-29", "2002-03-01", True),
    ],
)
def test_age_eligibility_from_dates_is_calendar_age(birth: str, asct: str, eligible: bool) -> None:
    frame = valid_extract().iloc[[0]].copy()
    frame["date_of_birth"] = birth
    frame["date_of_diagnosis"] = "1996-01-01"
    frame[["date_first_asct", "date_last_asct"]] = asct
    frame["date_last_followup"] = "2019-01-01"
    rules = registry.Eligibility(first_asct_years=(1990, 2020))
    cohort = registry.Cohort.from_frame(frame, eligibility=rules)
    assert cohort.n == int(eligible)
    assert cohort.consort["n"].tolist() == [1, 1 - int(eligible), 0, int(eligible)]


def test_ineligible_row_with_data_problem_counted_once() -> None:
    frame = valid_extract()
    frame.loc[2, "age_at_asct"] = "12"
    frame.loc[2, "sex"] = "?"
    with pytest.raises(ValidationError) as info:
        registry.Cohort.from_frame(frame, strict=True)
    assert info.value.problems["field"].tolist() == ["sex"]  # eligibility is not a data error
    cohort = registry.Cohort.from_frame(frame, strict=False)
    assert cohort.consort["n"].tolist() == [5, 1, 0, 4]
    assert sorted(cohort.exclusions["field"]) == ["age_at_asct", "sex"]


# -- lenient mode -----------------------------------------------------------------


def test_lenient_mode_excludes_bad_rows_and_logs_them() -> None:
    frame = valid_extract()
    frame.loc[1, "sex"] = "M"
    frame.loc[3, "date_last_followup"] = "2007-12-31"
    cohort = registry.Cohort.from_frame(frame, strict=False)
    assert cohort.data["patient_id"].tolist() == ["P1", "P3", "P5"]
    assert cohort.data.index.tolist() == [0, 2, 4]
    assert cohort.consort["n"].tolist() == [5, 0, 2, 3]
    assert cohort.exclusions[["row", "patient_id", "field"]].values.tolist() == [
        [1, "P2", "sex"],
        [3, "P4", "date_last_followup"],
    ]
    assert len(heilig2020.endpoints(cohort)) == 3


def test_several_problems_in_one_row_are_all_reported() -> None:
    frame = valid_extract()
    frame.loc[1, "sex"] = "X"
    frame.loc[1, "n_asct"] = "many"
    frame.loc[1, "date_last_asct"] = "2002-09-01"  # before first ASCT
    frame.loc[1, "date_death"] = ""  # dead without date
    frame.loc[1, "grade"] = "4"
    problems = problems_of(frame)
    assert set(problems["row"]) == {1}
    assert set(problems["field"]) == {"sex", "n_asct", "date_last_asct", "date_death", "grade"}


def test_problems_across_rows_all_reported() -> None:
    frame = valid_extract()
    for row, column in enumerate(["sex", "grade", "vital_status", "mobilisation", "n_asct"]):
        frame.loc[row, column] = "??"
    problems = problems_of(frame)
    assert sorted(zip(problems["row"], problems["field"], strict=True)) == [
        (0, "sex"),
        (1, "grade"),
        (2, "vital_status"),
        (3, "mobilisation"),
        (4, "n_asct"),
    ]


def test_message_names_row_patient_and_field() -> None:
    frame = valid_extract()
    frame.index = pd.Index([10, 11, 12, 13, 14])
    frame.loc[13, "stem_cell_source"] = "cord blood"
    with pytest.raises(ValidationError) as info:
        registry.Cohort.from_frame(frame)
    message = str(info.value)
    assert "row 13" in message
    assert "'P4'" in message
    assert "'stem_cell_source'" in message
    assert "unknown code" in message
    assert info.value.problems["row"].tolist() == [13]


def test_message_summarises_many_problems() -> None:
    frame = pd.concat([valid_extract()] * 3, ignore_index=True)
    frame["patient_id"] = [f"Q{i}" for i in range(len(frame))]
    frame["sex"] = "?"
    with pytest.raises(ValidationError, match=r"(?s)15 problem\(s\).*and 10 more") as info:
        registry.Cohort.from_frame(frame)
    assert len(info.value.problems) == 15


# -- date formats ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"])
def test_day_first_dates_are_read_and_the_format_recorded(fmt: str) -> None:
    iso = valid_extract()
    frame = iso.copy()
    for column in DATE_COLUMNS:
        parsed = pd.to_datetime(frame[column].replace("", None), format="%Y-%m-%d")
        frame[column] = parsed.dt.strftime(fmt).fillna("")
    cohort = registry.Cohort.from_frame(frame)
    reference = registry.Cohort.from_frame(iso)
    assert cohort.date_formats == dict.fromkeys(DATE_COLUMNS, fmt)
    assert reference.date_formats == dict.fromkeys(DATE_COLUMNS, "%Y-%m-%d")
    pd.testing.assert_frame_equal(cohort.data, reference.data)
    pd.testing.assert_frame_equal(heilig2020.endpoints(cohort), heilig2020.endpoints(reference))


def test_day_first_is_day_first() -> None:
    frame = valid_extract()
    frame["date_last_followup"] = [
        "01/06/2004",
        "15/01/2004",
        "11/03/2001",
        "01/01/2012",
        "01/04/2015",
    ]
    cohort = registry.Cohort.from_frame(frame)
    assert cohort.data.loc[0, "date_last_followup"] == pd.Timestamp("2004-06-01")


def test_month_first_dates_are_rejected() -> None:
    frame = valid_extract()
    # month-first: 06/01/2004 would silently be 6 January; the unambiguous ones fail
    frame["date_last_followup"] = [
        "06/01/2004",
        "01/15/2004",
        "03/11/2001",
        "01/01/2012",
        "04/01/2015",
    ]
    problems = problems_of(frame)
    flagged = problems[problems["field"] == "date_last_followup"]
    assert 1 in set(flagged["row"])
    assert "not a date in the column's format %d/%m/%Y" in set(flagged["problem"])


def test_mixed_formats_in_a_column_flag_the_minority() -> None:
    frame = valid_extract()
    frame.loc[2, "date_last_followup"] = "11.03.2001"  # a dead patient: no knock-on problem
    assert only_problem(frame) == (
        2,
        "P3",
        "date_last_followup",
        "not a date in the column's format %Y-%m-%d",
    )


def test_datetime_columns_are_taken_as_they_are() -> None:
    frame = valid_extract()
    for column in DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column].replace("", None))
    cohort = registry.Cohort.from_frame(frame)
    assert cohort.date_formats == dict.fromkeys(DATE_COLUMNS, "datetime")
    pd.testing.assert_frame_equal(
        heilig2020.endpoints(cohort),
        heilig2020.endpoints(registry.Cohort.from_frame(valid_extract())),
    )


# -- other input shapes -------------------------------------------------------------


def test_numeric_codes_and_numbers_from_a_default_read() -> None:
    frame = valid_extract()
    frame["grade"] = [3.0, np.nan, 2.0, 1.0, np.nan]  # as pandas.read_csv reads a grade column
    frame["n_asct"] = [1, 2, 1, 1, 1]
    frame["age_at_asct"] = [np.nan, np.nan, 45.5, np.nan, np.nan]
    cohort = registry.Cohort.from_frame(frame)
    assert cohort.data["grade"].tolist() == ["3", "unknown", "2", "1", "unknown"]
    frame.loc[1, "grade"] = 2.5
    assert only_problem(frame)[:3] == (1, "P2", "grade")


def test_duplicate_index_labels_are_refused() -> None:
    frame = valid_extract()
    frame.index = pd.Index([0, 1, 2, 0, 1])
    with pytest.raises(InvalidDataError, match="duplicate row labels") as info:
        registry.Cohort.from_frame(frame, strict=False)
    assert info.value.rows == [0, 1]


def test_not_a_dataframe() -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        registry.Cohort.from_frame(valid_extract().to_dict())  # type: ignore[arg-type]
