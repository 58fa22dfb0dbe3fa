"""A declared registry schema: the transplant example by hand, declaration errors, properties."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sarcosurv as ss
from sarcosurv import registry
from sarcosurv.errors import SarcosurvError, ValidationError
from sarcosurv.registry import Column, DateOrder, Endpoint, Event, RegistrySchema, When
from sarcosurv.studies import heilig2020, transplant

BASE: dict[str, Any] = {
    "centre_id": "C1",
    "sex": "Female",
    "date_of_birth": "",
    "age_at_hct": "40",
    "diagnosis": "AML",
    "disease_status": "CR1",
    "donor": "MUD",
    "conditioning": "RIC",
    "date_hct": "2015-01-01",
    "date_relapse": "",
    "agvhd_grade": "0",
    "date_agvhd": "",
    "date_cgvhd": "",
    "date_last_followup": "2016-01-01",
    "vital_status": "alive",
    "date_death": "",
}


def extract(*patients: dict[str, Any]) -> pd.DataFrame:
    rows = [BASE | {"patient_id": f"P{i + 1}"} | p for i, p in enumerate(patients)]
    return pd.DataFrame(rows)


def died(date: str, **more: Any) -> dict[str, Any]:
    return {"vital_status": "dead", "date_death": date, "date_last_followup": date} | more


#: Hand-worked patients: days after the transplant on 2015-01-01.
PATIENTS = (
    {},  # alive, no event, seen 365 days
    died("2015-07-20", date_relapse="2015-04-11"),  # relapse day 100, death day 200
    died("2015-02-20", agvhd_grade="III", date_agvhd="2015-01-21"),  # aGvHD d20, NRM d50
    {  # aGvHD II on day 150 (after day 100), chronic GvHD day 180, seen 731 days
        "agvhd_grade": "II",
        "date_agvhd": "2015-05-31",
        "date_cgvhd": "2015-06-30",
        "date_last_followup": "2017-01-01",
    },
    died("2015-03-02", date_relapse="2015-03-02"),  # relapse and death on day 60
)


@pytest.fixture(scope="module")
def hand() -> pd.DataFrame:
    cohort = registry.Cohort.from_frame(extract(*PATIENTS), schema=transplant.SCHEMA)
    return cohort.endpoints(unit="days").set_index("patient_id")


def test_overall_survival_by_hand(hand: pd.DataFrame) -> None:
    assert hand["os_time"].tolist() == [365, 200, 50, 731, 60]
    assert hand["os_event"].tolist() == [0, 1, 1, 0, 1]


def test_relapse_against_non_relapse_mortality_by_hand(hand: pd.DataFrame) -> None:
    assert hand["relapse_time"].tolist() == [365, 100, 50, 731, 60]
    # Relapse and death on the same day: the event listed first (relapse) wins.
    assert hand["relapse_cause"].tolist() == [0, 1, 2, 0, 1]
    assert hand["relapse_event"].tolist() == [0, 1, 1, 0, 1]  # relapse-free survival
    assert list(hand["relapse_event_type"].astype(str)) == [
        "censored",
        "relapse",
        "non-relapse mortality",
        "censored",
        "relapse",
    ]


def test_acute_gvhd_by_day_100_and_chronic_gvhd_by_hand(hand: pd.DataFrame) -> None:
    # Death on day 200 and grade II on day 150 lie after the horizon: censored at day 100.
    assert hand["agvhd_time"].tolist() == [100, 100, 20, 100, 60]
    assert hand["agvhd_cause"].tolist() == [0, 0, 1, 0, 2]
    assert hand["cgvhd_time"].tolist() == [365, 200, 50, 180, 60]
    assert hand["cgvhd_cause"].tolist() == [0, 2, 2, 1, 2]


def test_gvhd_free_relapse_free_survival_by_hand(hand: pd.DataFrame) -> None:
    # Grade II acute GvHD does not count; relapse beats death on the same day.
    assert hand["grfs_time"].tolist() == [365, 100, 20, 180, 60]
    assert hand["grfs_cause"].tolist() == [0, 3, 1, 2, 3]
    assert hand["grfs_event"].tolist() == [0, 1, 1, 1, 1]


def test_schema_repr_is_short() -> None:
    text = repr(transplant.SCHEMA)
    assert text.startswith("<RegistrySchema 'allogeneic HCT registry (example)': 17 columns")
    assert "endpoints os, relapse, agvhd, cgvhd, grfs>" in text
    assert "<table" in transplant.SCHEMA._repr_html_()


def test_covariates_typed_from_the_schema(hand: pd.DataFrame) -> None:
    assert list(hand["donor"].cat.categories) == ["MSD", "MUD", "haplo"]  # unknown is missing
    assert hand["age_at_hct"].tolist() == [40.0] * 5
    assert "date_hct" not in hand.columns
    assert hand["centre_id"].tolist() == ["C1"] * 5


def test_consort_counts_and_strict_validation() -> None:
    frame = extract(
        *PATIENTS,
        {"age_at_hct": "17"},  # not eligible (adults only)
        {"agvhd_grade": "IV"},  # a data problem: grade IV without its date
        {"date_hct": "2003-05-01", "date_last_followup": "2004-01-01"},  # before 2005
    )
    with pytest.raises(ValidationError) as info:
        registry.Cohort.from_frame(frame, schema=transplant.SCHEMA)
    assert info.value.problems[["row", "patient_id", "field", "problem"]].values.tolist() == [
        [6, "P7", "date_agvhd", "acute GvHD grade II-IV without its date"]
    ]
    cohort = registry.Cohort.from_frame(frame, schema=transplant.SCHEMA, strict=False)
    assert cohort.consort["n"].tolist() == [8, 2, 1, 5]
    assert set(cohort.exclusions["problem"]) == {
        "not eligible: younger than 18 at transplant",
        "not eligible: transplant outside 2005-2024",
        "acute GvHD grade II-IV without its date",
    }


def test_the_schemas_own_eligibility_can_be_replaced() -> None:
    frame = extract(*PATIENTS, {"age_at_hct": "17"})
    rules = registry.Eligibility(min_age=None, origin_years=None)
    cohort = registry.Cohort.from_frame(frame, schema=transplant.SCHEMA, eligibility=rules)
    assert cohort.n == 6


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        ({"date_relapse": "2014-12-01"}, "date_relapse", "relapse before the transplant"),
        ({"agvhd_grade": "I", "date_agvhd": "2015-02-01"}, "date_agvhd", "grade 0-I"),
        ({"date_death": "2015-06-01"}, "vital_status", None),
        ({"age_at_hct": "140"}, "age_at_hct", "implausible"),
        ({"date_of_birth": "1980-01-01"}, "age_at_hct", "inconsistent with date_of_birth"),
    ],
)
def test_declared_rules_report_row_and_patient(
    change: dict[str, Any], field: str, problem: str | None
) -> None:
    with pytest.raises(ValidationError) as info:
        registry.Cohort.from_frame(extract({}, change), schema=transplant.SCHEMA)
    problems = info.value.problems
    assert set(problems["row"]) == {1}
    assert set(problems["patient_id"]) == {"P2"}
    if problem is not None:
        assert any(problem in p for p in problems["problem"]), problems
        assert field in set(problems["field"])


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_synthetic_extract_properties(seed: int) -> None:
    data = transplant.synthetic_extract(n=300, seed=seed)
    cohort = registry.Cohort.from_frame(data, schema=transplant.SCHEMA)
    table = cohort.endpoints(unit="days")
    assert (table["relapse_time"] <= table["os_time"]).all()
    nrm = table["relapse_cause"] == 2
    assert (table.loc[nrm, "os_event"] == 1).all()
    assert (table.loc[nrm, "relapse_time"] == table.loc[nrm, "os_time"]).all()
    assert (table["agvhd_time"] <= 100).all()
    assert ((table["relapse_event"] == 1) == (table["relapse_cause"] > 0)).all()
    # Aalen-Johansen: the incidences of relapse and NRM add up to 1 - KM(relapse-free).
    cif = ss.cumulative_incidence(table, "relapse_time", "relapse_cause").table
    km = ss.kaplan_meier(table, "relapse_time", "relapse_event").table
    last = km["time"].max()
    total = cif.loc[cif["time"] <= last].groupby("cause")["cif"].last().sum()
    assert total == pytest.approx(1 - km["survival"].iloc[-1], rel=1e-12)


def test_sarcoma_schema_is_one_instance() -> None:
    assert isinstance(heilig2020.SCHEMA, RegistrySchema)
    cohort = registry.Cohort.from_frame(heilig2020.synthetic_cohort(seed=5))
    assert cohort.schema is heilig2020.SCHEMA
    explicit = registry.Cohort.from_frame(
        heilig2020.synthetic_cohort(seed=5), schema=heilig2020.SCHEMA
    )
    pd.testing.assert_frame_equal(
        cohort.endpoints(variables=None), explicit.endpoints(variables=None)
    )
    with pytest.warns(DeprecationWarning, match="SCHEMA moved"):
        old = registry.SCHEMA
    assert [c.name for c in old] == [c.name for c in heilig2020.SCHEMA.columns]
    with pytest.warns(DeprecationWarning, match="HISTOLOGY moved"):
        assert registry.codes.HISTOLOGY == heilig2020.codes.HISTOLOGY


def test_schema_table_lists_columns_and_ranges() -> None:
    table = transplant.SCHEMA.table()
    assert table.loc[table["column"] == "age_at_hct", "range"].item() == "0 to 100"
    assert table["required"].sum() == 7
    assert registry.schema_table().columns.tolist() == [
        "column",
        "type",
        "required",
        "codes",
        "description",
    ]


def _minimal(**changes: Any) -> RegistrySchema:
    settings: dict[str, Any] = {
        "name": "minimal",
        "columns": (
            Column("patient_id", "id", required=True),
            Column("date_start", "date", required=True),
            Column("date_end", "date", required=True),
            Column("status", "code", required=True, codes=("alive", "dead")),
        ),
        "origin": "date_start",
        "endpoints": (
            Endpoint("os", (Event("death", "date_end", When("status", ("dead",))),), "date_end"),
        ),
    }
    return RegistrySchema(**(settings | changes))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Column("x", "code"), "code list"),
        (lambda: Column("x", "number", codes=("a",)), "code list"),
        (lambda: Column("x", "widget"), "kind must be"),  # type: ignore[arg-type]
        (lambda: Column("x", "number", range=(5, 1)), "reversed"),
        (lambda: Column("x", "number", range=(0, float("nan"))), "not a number"),
        (lambda: Column("x", "code", codes=("a",), range=(0, 1)), "numbers and dates"),
        (lambda: Endpoint("e", (), "date_end"), "at least one Event"),
        (lambda: Endpoint("e", (Event("x", "d"),), "d", horizon=0), "horizon"),
        (lambda: _minimal(origin="status"), "origin 'status' must be a date"),
        (lambda: _minimal(orders=(DateOrder("date_start", "date_x"),)), "'date_x' is not a"),
        (lambda: _minimal(columns=_minimal().columns * 2), "declared twice"),
        (lambda: _minimal(id="pid"), "id 'pid' is not a column"),
    ],
)
def test_declaration_errors_are_typed(build: Any, message: str) -> None:
    with pytest.raises(SarcosurvError, match=message):
        build()


def test_a_minimal_schema_in_a_few_lines() -> None:
    frame = pd.DataFrame(
        {
            "patient_id": ["a", "b", "c"],
            "date_start": ["2020-01-01"] * 3,
            "date_end": ["2020-01-11", "2020-03-01", "2020-01-02"],
            "status": ["dead", "alive", "dead"],
        }
    )
    table = registry.Cohort.from_frame(frame, schema=_minimal()).endpoints(unit="days")
    assert table.columns.tolist() == ["patient_id", "os_time", "os_event", "status"]
    assert table["os_time"].tolist() == [10.0, 60.0, 1.0]
    assert table["os_event"].tolist() == [1, 0, 1]
    assert np.isnan(_minimal().eligibility.min_age or np.nan)  # no age criterion by default


_DEAD = When("status", ("dead",))
RELAPSE_SCHEMA = _minimal(
    columns=(
        Column("patient_id", "id", required=True),
        Column("date_start", "date", required=True),
        Column("date_relapse", "date"),
        Column("date_end", "date", required=True),
        Column("status", "code", required=True, codes=("alive", "dead")),
    ),
    endpoints=(
        Endpoint(
            "relapse",
            (Event("relapse", "date_relapse"), Event("death", "date_end", _DEAD)),
            "date_end",
        ),
    ),
)

_days = st.integers(min_value=0, max_value=800)
_START = pd.Timestamp("2010-06-01")


def day(offset: int | None) -> str:
    return "" if offset is None else (_START + pd.Timedelta(days=offset)).strftime("%Y-%m-%d")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_days | st.none(), _days, st.booleans()), min_size=1, max_size=12))
def test_competing_endpoint_is_the_first_event_or_censoring(
    patients: list[tuple[int | None, int, bool]],
) -> None:
    rows, expected = [], []
    for i, (relapse, end, dead) in enumerate(patients):
        seen = relapse if relapse is not None and relapse <= end else None
        rows.append([f"P{i}", day(0), day(seen), day(end), "dead" if dead else "alive"])
        # Reference, one patient at a time: relapse first (also on the day of death).
        cause = 1 if seen is not None else (2 if dead else 0)
        expected.append((seen if seen is not None else end, cause))
    extract = pd.DataFrame(
        rows, columns=["patient_id", "date_start", "date_relapse", "date_end", "status"]
    )
    table = registry.Cohort.from_frame(extract, schema=RELAPSE_SCHEMA).endpoints(unit="days")
    assert list(zip(table["relapse_time"], table["relapse_cause"], strict=True)) == expected
    reversed_table = registry.Cohort.from_frame(
        extract.iloc[::-1].reset_index(drop=True), schema=RELAPSE_SCHEMA
    ).endpoints(unit="days")
    pd.testing.assert_frame_equal(
        reversed_table.iloc[::-1].reset_index(drop=True), table, check_categorical=True
    )


def test_age_criterion_without_an_age_in_the_schema_is_an_error() -> None:
    frame = pd.DataFrame(
        {
            "patient_id": ["a"],
            "date_start": ["2020-01-01"],
            "date_end": ["2020-02-01"],
            "status": ["alive"],
        }
    )
    with pytest.raises(SarcosurvError, match="declares no Age"):
        registry.Cohort.from_frame(frame, schema=_minimal(), eligibility=registry.Eligibility())
    rules = registry.Eligibility(min_age=None, origin_years=(2019, 2021))
    assert registry.Cohort.from_frame(frame, schema=_minimal(), eligibility=rules).n == 1


def test_optional_event_columns_may_be_left_out() -> None:
    extract = transplant.synthetic_extract(n=60, seed=8)
    extract_without = extract.drop(columns=["date_cgvhd", "date_agvhd", "agvhd_grade"])
    table = registry.Cohort.from_frame(extract_without, schema=transplant.SCHEMA).endpoints()
    assert set(table["cgvhd_cause"]) <= {0.0, 2.0}  # no chronic GvHD recorded: death only
    assert (table["cgvhd_cause"] == 2).sum() == table["os_event"].sum()
