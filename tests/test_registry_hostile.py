"""Messy and hostile registry input: each finding of the review, and its neighbours."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sarcosurv import registry
from sarcosurv.errors import InvalidDataError, SarcosurvError, SarcosurvWarning, ValidationError
from sarcosurv.registry import Column, Eligibility, RegistrySchema
from sarcosurv.studies import heilig2020

#: Two date columns and an age: the smallest schema with every rule under test.
SCHEMA = RegistrySchema(
    name="dates",
    columns=(
        Column("patient_id", "id", required=True),
        Column("date_of_birth", "date"),
        Column("age", "number"),
        Column("date_start", "date", required=True),
        Column("date_end", "date", required=True),
    ),
    origin="date_start",
    age=registry.Age("age", birth="date_of_birth"),
)


def frame(**columns: Any) -> pd.DataFrame:
    base: dict[str, Any] = {
        "patient_id": ["a", "b", "c", "d"],
        "date_of_birth": ["", "", "", ""],
        "age": ["50", "60", "70", "40"],
        "date_start": ["2001-01-05", "2002-02-03", "2003-03-04", "2004-04-02"],
        "date_end": ["2005-01-01", "2005-02-01", "2005-03-01", "2005-04-01"],
    }
    return pd.DataFrame(base | columns)


def problems_of(data: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    try:
        registry.Cohort.from_frame(data, schema=SCHEMA, **kwargs)
    except ValidationError as error:
        return error.problems
    return pd.DataFrame(columns=["row", "patient_id", "field", "problem"])


# Month-first dates ------------------------------------------------------------------


MONTH_FIRST = ["01/05/2001", "02/03/2002", "03/04/2003", "04/02/2004"]  # 5 Jan, 3 Feb, ...


def test_month_first_dates_with_no_day_above_12_are_flagged() -> None:
    problems = problems_of(frame(date_start=MONTH_FIRST))
    flagged = problems[problems["problem"].str.startswith("ambiguous date")]
    assert flagged["row"].tolist() == [0, 1, 2, 3]
    assert flagged["patient_id"].tolist() == ["a", "b", "c", "d"]
    assert set(flagged["field"]) == {"date_start"}
    assert "date_format='%m/%d/%Y'" in flagged["problem"].iloc[0]


def test_date_format_resolves_the_ambiguity_either_way() -> None:
    data = frame(date_start=MONTH_FIRST)
    month = registry.Cohort.from_frame(data, schema=SCHEMA, date_format={"date_start": "%m/%d/%Y"})
    assert month.data["date_start"].tolist() == pd.to_datetime(frame()["date_start"]).tolist()
    day = registry.Cohort.from_frame(data, schema=SCHEMA, date_format={"date_start": "%d/%m/%Y"})
    assert day.data["date_start"].iloc[0] == pd.Timestamp("2001-05-01")
    assert month.date_formats["date_start"] == "%m/%d/%Y"


def test_a_day_above_12_anywhere_in_the_format_settles_it() -> None:
    end = ["01/01/2005", "13/02/2005", "01/03/2005", "01/04/2005"]  # 13: day-first
    assert problems_of(frame(date_start=MONTH_FIRST, date_end=end)).empty


def test_same_day_and_month_is_not_ambiguous() -> None:
    starts = ["01/01/2001", "02/02/2002", "03/03/2003", "04/04/2004"]
    assert problems_of(frame(date_start=starts)).empty


@pytest.mark.parametrize("separator", [".", "-"])
def test_other_day_first_separators_are_checked_too(separator: str) -> None:
    starts = [d.replace("/", separator) for d in MONTH_FIRST]
    problems = problems_of(frame(date_start=starts))
    assert problems["problem"].str.startswith("ambiguous date").sum() == 4


def test_iso_dates_are_never_ambiguous() -> None:
    assert problems_of(
        frame(date_start=["2001-01-05", "2002-02-03", "2003-03-04", "2004-04-02"])
    ).empty


def test_bad_date_format_argument() -> None:
    with pytest.raises(SarcosurvError, match="date_format"):
        registry.Cohort.from_frame(frame(), schema=SCHEMA, date_format=3)  # type: ignore[arg-type]


# Plausibility and consistency -------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"age": ["inf", "60", "70", "40"]}, "age", "not a finite number"),
        ({"age": ["-inf", "60", "70", "40"]}, "age", "not a finite number"),
        ({"age": ["450", "60", "70", "40"]}, "age", "implausible age: outside 0-120 years"),
        ({"age": ["-3", "60", "70", "40"]}, "age", "implausible age: outside 0-120 years"),
        (
            {"date_of_birth": ["1970-01-01", "", "", ""]},  # 31 at the start, age says 50
            "age",
            "inconsistent with date_of_birth and date_start",
        ),
        (
            {"date_of_birth": ["1800-01-01", "", "", ""], "age": ["", "60", "70", "40"]},
            "date_of_birth",
            "implausible date: before 1900-01-01",
        ),
        (
            {"date_end": ["2150-01-01", "2005-02-01", "2005-03-01", "2005-04-01"]},
            "date_end",
            "implausible date: after today",
        ),
    ],
)
def test_implausible_values_are_problems_with_row_and_patient(
    change: dict[str, Any], field: str, problem: str
) -> None:
    problems = problems_of(frame(**change))
    hits = problems[problems["problem"].str.startswith(problem)]
    assert hits[["row", "patient_id", "field"]].values.tolist() == [[0, "a", field]], problems


def test_birth_in_1800_also_makes_the_age_implausible() -> None:
    data = frame(date_of_birth=["1800-01-01", "", "", ""], age=["", "60", "70", "40"])
    problems = problems_of(data)
    assert set(problems["field"]) == {"date_of_birth", "age"}
    assert set(problems["row"]) == {0}


def test_age_within_a_year_of_the_dates_is_consistent() -> None:
    # Born 1950-06-01, start 2001-01-05: 50.6 years; "50" is within the tolerance.
    assert problems_of(frame(date_of_birth=["1950-06-01", "", "", ""])).empty


def test_sarcoma_schema_flags_the_same_impossibilities() -> None:
    extract = heilig2020.synthetic_cohort(seed=4).head(30).copy()
    extract.loc[2, "age_at_asct"] = "450"
    extract.loc[2, "date_of_birth"] = ""
    extract.loc[5, "date_of_birth"] = "1800-03-03"
    extract.loc[7, "date_last_followup"] = "2150-01-01"
    with pytest.raises(ValidationError) as info:
        registry.Cohort.from_frame(extract)
    problems = info.value.problems
    assert {2, 5, 7} <= set(problems["row"])
    assert set(problems.loc[problems["row"] == 7, "patient_id"]) == {extract.loc[7, "patient_id"]}


# Time zones and date objects --------------------------------------------------------


def test_tz_aware_column_beside_naive_ones_is_a_typed_error() -> None:
    data = frame()
    data["date_start"] = pd.to_datetime(data["date_start"]).dt.tz_localize("Europe/Paris")
    with pytest.raises(InvalidDataError, match="time-zone aware") as info:
        registry.Cohort.from_frame(data, schema=SCHEMA)
    assert info.value.column == "date_start"
    assert info.value.rows == [0, 1, 2, 3]


def test_tz_aware_and_naive_values_in_one_column() -> None:
    values = [
        pd.Timestamp("2001-01-05", tz="UTC"),
        pd.Timestamp("2002-02-03"),
        pd.Timestamp("2003-03-04"),
        pd.Timestamp("2004-04-02"),
    ]
    data = frame(date_start=pd.Series(values, dtype=object))
    with pytest.raises(InvalidDataError, match="time-zone aware") as info:
        registry.Cohort.from_frame(data, schema=SCHEMA)
    assert info.value.rows == [0]


def test_all_dates_tz_aware_keep_their_local_day() -> None:
    data = frame()
    for name in ("date_start", "date_end"):
        data[name] = pd.to_datetime(data[name]).dt.tz_localize("Pacific/Auckland")
    cohort = registry.Cohort.from_frame(data, schema=SCHEMA)
    assert cohort.data["date_start"].iloc[0] == pd.Timestamp("2001-01-05")


def test_excel_date_objects_mixed_with_text() -> None:
    values: list[object] = [
        datetime.datetime(2001, 1, 5),
        "2002-02-03",
        datetime.date(2003, 3, 4),
        pd.Timestamp("2004-04-02"),
    ]
    data = frame(date_start=pd.Series(values, dtype=object))
    cohort = registry.Cohort.from_frame(data, schema=SCHEMA)
    expected = pd.to_datetime(frame()["date_start"])
    assert cohort.data["date_start"].tolist() == expected.tolist()
    assert cohort.date_formats["date_start"] == "datetime + %Y-%m-%d"


def test_excel_date_objects_with_unreadable_text_name_the_row() -> None:
    values: list[object] = [datetime.datetime(2001, 1, 5), "soon", "2003-03-04", "2004-04-02"]
    problems = problems_of(frame(date_start=pd.Series(values, dtype=object)))
    assert problems[["row", "field"]].values.tolist()[0] == [1, "date_start"]
    assert problems["problem"].iloc[0] == "not a date in the column's format %Y-%m-%d"


# Eligibility arguments -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_age": float("nan")}, "finite"),
        ({"min_age": float("inf")}, "finite"),
        ({"min_age": "18"}, "number of years"),
        ({"min_age": True}, "number of years"),
        ({"min_age": -1}, "non-negative"),
        ({"max_age": "80"}, "number of years"),
        ({"min_age": 60, "max_age": 50}, "above max_age"),
        ({"first_asct_years": (2016, 1996)}, "reversed"),
        ({"origin_years": (2016, 1996)}, "reversed"),
        ({"first_asct_years": (1996.5, 2016)}, "whole calendar years"),
        ({"first_asct_years": ("1996", "2016")}, "whole calendar years"),
        ({"first_asct_years": (1996,)}, "whole calendar years"),
        ({"first_asct_years": (1996, 2016), "origin_years": (1996, 2016)}, "not both"),
    ],
)
def test_eligibility_arguments_are_checked(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(SarcosurvError, match=message):
        Eligibility(**kwargs)


def test_eligibility_neighbours_that_are_fine() -> None:
    assert Eligibility(min_age=16, first_asct_years=[1990, 2020]).origin_years == (1990, 2020)
    assert Eligibility(min_age=np.float64(18.0)).min_age == 18.0
    assert Eligibility(min_age=0, origin_years=(2000, 2000)).first_asct_years == (2000, 2000)
    assert Eligibility() == Eligibility(18.0, (1996, 2016))


# Reading files -------------------------------------------------------------------------


@pytest.fixture
def sarcoma_csv(tmp_path: Path) -> Path:
    path = tmp_path / "extract.csv"
    heilig2020.synthetic_cohort(seed=9).head(40).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("keyword", ["dtype", "keep_default_na", "converters", "parse_dates"])
def test_from_csv_keywords_the_reader_fixes(sarcoma_csv: Path, keyword: str) -> None:
    with pytest.raises(SarcosurvError, match=f"{keyword}="):
        registry.Cohort.from_csv(sarcoma_csv, **{keyword: str})


def test_from_csv_unknown_keyword_is_typed(sarcoma_csv: Path) -> None:
    with pytest.raises(SarcosurvError, match="no_such_option"):
        registry.Cohort.from_csv(sarcoma_csv, no_such_option=1)


def test_decimal_commas(tmp_path: Path) -> None:
    extract = heilig2020.synthetic_cohort(seed=9).head(40).copy()
    extract["date_of_birth"] = ""
    extract["age_at_asct"] = ["45,5"] + ["50,25"] * 39
    path = tmp_path / "semicolon.csv"
    extract.to_csv(path, index=False, sep=";")
    cohort = registry.Cohort.from_csv(path, sep=";", decimal=",", strict=False)
    assert cohort.data.loc[0, "age_at_asct"] == 45.5
    with pytest.raises(ValidationError) as info:
        registry.Cohort.from_csv(path, sep=";")
    first = info.value.problems.iloc[0]
    assert first["row"] == 0
    assert first["problem"] == "not a number (a decimal comma? pass decimal=',')"


def test_bad_decimal_argument() -> None:
    with pytest.raises(SarcosurvError, match="decimal"):
        registry.Cohort.from_frame(frame(), schema=SCHEMA, decimal=",,")


def test_r_na_marker_gets_a_hint_and_na_values_reads_it(tmp_path: Path) -> None:
    extract = heilig2020.synthetic_cohort(seed=9).head(40).copy()
    alive = extract["vital_status"] == "alive"
    extract.loc[alive, "date_death"] = "NA"  # as R's write.csv writes a missing date
    living = extract.index[alive][0]
    path = tmp_path / "from_r.csv"
    extract.to_csv(path, index=False)
    with pytest.raises(ValidationError) as info:
        registry.Cohort.from_csv(path)
    problems = info.value.problems
    hint = problems[problems["problem"].str.contains("na_values=\\['NA'\\]")]
    assert living in set(hint["row"])
    assert set(hint["field"]) == {"date_death"}
    cohort = registry.Cohort.from_csv(path, na_values=["NA"])
    assert cohort.data["date_death"].isna().sum() == alive.sum()


def test_r_na_in_a_code_column_gets_the_hint_too() -> None:
    extract = heilig2020.synthetic_cohort(seed=9).head(10).copy()
    extract.loc[4, "grade"] = "NA"
    with pytest.raises(ValidationError) as info:
        registry.Cohort.from_frame(extract)
    (problem,) = info.value.problems["problem"]
    assert problem.startswith("unknown code")
    assert "na_values=['NA']" in problem


def test_duplicate_column_names_are_refused() -> None:
    data = frame()
    data.columns = ["patient_id", "age", "age", "date_start", "date_end"]
    with pytest.raises(SarcosurvError, match="more than once"):
        registry.Cohort.from_frame(data, schema=SCHEMA)


def test_schema_must_be_a_schema() -> None:
    with pytest.raises(TypeError, match="RegistrySchema"):
        registry.Cohort.from_frame(frame(), schema=("patient_id",))  # type: ignore[arg-type]


def test_one_date_format_applies_to_every_date_column() -> None:
    ends = ["01/31/2005", "02/01/2005", "03/01/2005", "04/01/2005"]
    data = frame(date_start=MONTH_FIRST, date_end=ends)
    cohort = registry.Cohort.from_frame(data, schema=SCHEMA, date_format="%m/%d/%Y")
    assert cohort.data["date_end"].iloc[0] == pd.Timestamp("2005-01-31")
    with pytest.raises(ValidationError, match="not a date in the column's format %m/%d/%Y"):
        registry.Cohort.from_frame(frame(), schema=SCHEMA, date_format="%m/%d/%Y")


def test_date_format_naming_no_date_column_is_an_error() -> None:
    with pytest.raises(SarcosurvError, match="not date columns"):
        registry.Cohort.from_frame(frame(), schema=SCHEMA, date_format={"date_strat": "%d/%m/%Y"})
    with pytest.raises(SarcosurvError, match="not date columns"):
        registry.Cohort.from_frame(frame(), schema=SCHEMA, date_format={"age": "%d/%m/%Y"})


def test_date_format_for_a_datetime_column_warns() -> None:
    data = frame()
    for name in ("date_start", "date_end"):
        data[name] = pd.to_datetime(data[name])
    with pytest.warns(SarcosurvWarning, match="does not apply to column") as caught:
        cohort = registry.Cohort.from_frame(data, schema=SCHEMA, date_format="%d/%m/%Y")
    assert {str(w.message).split("'")[3] for w in caught} == {"date_start", "date_end"}
    assert cohort.date_formats["date_start"] == "datetime"
