"""Readers of registry extracts: CSV and Parquet files, round trips and unreadable files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sarcosurv import registry
from sarcosurv.errors import SarcosurvError, ValidationError
from sarcosurv.studies import heilig2020

DATE_COLUMNS = [c.name for c in heilig2020.SCHEMA if c.kind == "date"]


@pytest.fixture(scope="module")
def extract() -> pd.DataFrame:
    return heilig2020.synthetic_cohort(seed=2020)


@pytest.fixture(scope="module")
def reference(extract: pd.DataFrame) -> pd.DataFrame:
    return heilig2020.endpoints(registry.Cohort.from_frame(extract))


def test_csv_round_trip(tmp_path: Path, extract: pd.DataFrame, reference: pd.DataFrame) -> None:
    path = tmp_path / "extract.csv"
    extract.to_csv(path, index=False)
    cohort = registry.Cohort.from_csv(path, strict=True)
    assert cohort.n == len(extract)
    assert cohort.exclusions.empty
    pd.testing.assert_frame_equal(heilig2020.endpoints(cohort), reference)
    # also from a str path
    pd.testing.assert_frame_equal(
        heilig2020.endpoints(registry.Cohort.from_csv(str(path))), reference
    )


def test_csv_is_read_as_text(tmp_path: Path) -> None:
    frame = heilig2020.synthetic_cohort(seed=5).head(60)
    frame["patient_id"] = [f"{i:03d}" for i in range(len(frame))]  # leading zeros kept
    frame.loc[0, "mobilisation"] = "NA"  # not silently a missing value
    path = tmp_path / "extract.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(ValidationError) as info:
        registry.Cohort.from_csv(path)
    problems = info.value.problems
    assert problems[["row", "patient_id", "field"]].values.tolist() == [[0, "000", "mobilisation"]]
    cohort = registry.Cohort.from_csv(path, strict=False)
    assert cohort.data["patient_id"].iloc[0] == "001"


def test_csv_day_first_dates_and_options(
    tmp_path: Path, extract: pd.DataFrame, reference: pd.DataFrame
) -> None:
    european = extract.copy()
    for column in DATE_COLUMNS:
        european[column] = pd.to_datetime(european[column]).dt.strftime("%d.%m.%Y")
    path = tmp_path / "extract_eu.csv"
    european.to_csv(path, index=False, sep=";")
    cohort = registry.Cohort.from_csv(path, sep=";")
    assert cohort.date_formats == dict.fromkeys(DATE_COLUMNS, "%d.%m.%Y")
    pd.testing.assert_frame_equal(heilig2020.endpoints(cohort), reference)


def test_csv_with_problems_is_read_leniently(tmp_path: Path, extract: pd.DataFrame) -> None:
    bad = extract.copy()
    bad.loc[4, "date_first_asct"] = "04/31/2001"
    bad.loc[9, "vital_status"] = "deceased"
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    cohort = registry.Cohort.from_csv(path, strict=False)
    assert cohort.n == len(extract) - 2
    assert {4, 9} == set(cohort.exclusions["row"])
    assert set(cohort.exclusions["field"]) >= {"date_first_asct", "vital_status"}


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"
    with pytest.raises(SarcosurvError, match=r"cannot read the extract .*nowhere\.csv"):
        registry.Cohort.from_csv(path)


@pytest.mark.parametrize(
    "content",
    [b"", b"\xff\xfe\x00\x81\x9f garbage \x00\x00", b'patient_id,sex\n"P1,Male\n'],
    ids=["empty", "binary", "unclosed-quote"],
)
def test_unreadable_csv(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    with pytest.raises(SarcosurvError, match=r"cannot read the extract .*broken\.csv"):
        registry.Cohort.from_csv(path)


def test_a_directory_is_no_extract(tmp_path: Path) -> None:
    with pytest.raises(SarcosurvError, match="cannot read the extract"):
        registry.Cohort.from_csv(tmp_path)


def test_csv_of_something_else(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    pd.DataFrame({"id": [1, 2], "value": [0.5, 0.7]}).to_csv(path, index=False)
    with pytest.raises(ValidationError) as info:
        registry.Cohort.from_csv(path, strict=False)
    assert set(info.value.problems["field"]) == {c.name for c in heilig2020.SCHEMA if c.required}
    assert "required column is missing" in str(info.value)


def test_parquet_round_trip(tmp_path: Path, extract: pd.DataFrame, reference: pd.DataFrame) -> None:
    pytest.importorskip("pyarrow")
    path = tmp_path / "extract.parquet"
    extract.to_parquet(path, index=False)
    cohort = registry.Cohort.from_parquet(path, strict=True)
    assert cohort.exclusions.empty
    pd.testing.assert_frame_equal(heilig2020.endpoints(cohort), reference)


def test_parquet_with_typed_dates(
    tmp_path: Path, extract: pd.DataFrame, reference: pd.DataFrame
) -> None:
    pytest.importorskip("pyarrow")
    typed = extract.copy()
    for column in DATE_COLUMNS:
        typed[column] = pd.to_datetime(typed[column])
    path = tmp_path / "typed.parquet"
    typed.to_parquet(path, index=False)
    cohort = registry.Cohort.from_parquet(path)
    assert set(cohort.date_formats.values()) == {"datetime"}
    pd.testing.assert_frame_equal(heilig2020.endpoints(cohort), reference, check_index_type=False)


def test_parquet_lenient_and_eligibility(tmp_path: Path, extract: pd.DataFrame) -> None:
    pytest.importorskip("pyarrow")
    bad = extract.copy()
    bad.loc[0, "sex"] = "unknown"
    path = tmp_path / "bad.parquet"
    bad.to_parquet(path, index=False)
    cohort = registry.Cohort.from_parquet(
        path, strict=False, eligibility=registry.Eligibility(min_age=30)
    )
    consort = dict(zip(cohort.consort["step"], cohort.consort["n"], strict=True))
    young = int((registry.Cohort.from_frame(extract).data["age_at_asct"] < 30).sum())
    assert young > 0
    assert consort["received"] == len(extract)
    assert consort["analysed"] == cohort.n
    assert consort["excluded: not eligible"] + consort["excluded: data problems"] == (
        len(extract) - cohort.n
    )
    assert 0 in set(cohort.exclusions["row"])


@pytest.mark.parametrize("content", [None, b"PAR1 not really parquet", b"a,b\n1,2\n"])
def test_unreadable_parquet(tmp_path: Path, content: bytes | None) -> None:
    pytest.importorskip("pyarrow")
    path = tmp_path / "broken.parquet"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SarcosurvError, match=r"cannot read the extract .*broken\.parquet"):
        registry.Cohort.from_parquet(path)
