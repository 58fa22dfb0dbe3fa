"""The example on hostile arguments: always ``error: ...`` and exit status 2, no traceback."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from example_script import SCRIPT, run_script
from sarcosurv.studies.heilig2020 import synthetic_cohort


def assert_usage_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert "error: " in output
    for word in words:
        assert word in output, output


@pytest.fixture(scope="module")
def extract_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("extract") / "extract.csv"
    synthetic_cohort(seed=11).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("seed", ["-1", "2.5", "seven", str(2**32)])
def test_bad_seed(tmp_path: Path, seed: str) -> None:
    result = run_script("--seed", seed, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert_usage_error(result, "--seed")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("option", "value"), [("--imputations", "1"), ("--imputations", "x"), ("--bootstrap", "-1")]
)
def test_bad_counts(tmp_path: Path, option: str, value: str) -> None:
    result = run_script(option, value, "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert_usage_error(result, option)
    assert not (tmp_path / "out").exists()


def test_out_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x")
    result = run_script("--out", str(tmp_path / "taken"), cwd=tmp_path)
    assert_usage_error(result, "is a file")


def test_out_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("x")
    result = run_script("--out", str(tmp_path / "taken" / "out"), cwd=tmp_path)
    assert_usage_error(result, "cannot create the output directory")


def test_out_cannot_be_created(tmp_path: Path) -> None:
    # /proc refuses new directories even to root, unlike a chmod-ed directory.
    result = run_script("--out", "/proc/sarcosurv-test/out", cwd=tmp_path)
    assert_usage_error(result, "cannot create the output directory")


def stale_out(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    (out / "problems.csv").write_text("row,patient_id,field,problem\n3,P3,sex,stale\n")
    (out / "figure1.png").write_bytes(b"stale")
    (out / "notes.txt").write_text("the user's own file")
    return out


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("reproduce_heilig2020", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_non_empty_out_needs_overwrite(tmp_path: Path, extract_csv: Path) -> None:
    out = stale_out(tmp_path)
    refused = run_script("--data", str(extract_csv), "--out", str(out), cwd=tmp_path)
    assert_usage_error(refused, "--overwrite")
    assert (out / "problems.csv").read_text().endswith("stale\n")  # nothing touched


def test_overwrite_removes_an_earlier_runs_outputs_only(tmp_path: Path) -> None:
    out = stale_out(tmp_path)
    load_example().prepare_out(out, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_an_earlier_runs_folder_is_rewritten_without_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.md").write_text("# an earlier run")
    (out / "problems.csv").write_text("row,problem\n1,stale\n")
    load_example().prepare_out(out, overwrite=False)
    assert list(out.iterdir()) == []


def test_overwrite_writes_a_fresh_problems_list(tmp_path: Path) -> None:
    out = stale_out(tmp_path)
    extract = synthetic_cohort(seed=3).head(5)
    extract["date_first_asct"] = "2019-01-01"  # every patient outside 1996-2016
    path = tmp_path / "late.csv"
    extract.to_csv(path, index=False)
    result = run_script("--data", str(path), "--out", str(out), "--overwrite", cwd=tmp_path)
    assert_usage_error(result, "no patient is left")
    problems = (out / "problems.csv").read_text()
    assert "stale" not in problems
    assert problems.count("not eligible") == 5
    assert not (out / "figure1.png").exists()


def test_lenient_run_that_excludes_every_row(tmp_path: Path) -> None:
    extract = synthetic_cohort(seed=3).head(20)
    extract["date_first_asct"] = "2019-01-01"  # every patient outside 1996-2016
    path = tmp_path / "late.csv"
    extract.to_csv(path, index=False)
    result = run_script("--data", str(path), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert_usage_error(result, "no patient is left", "problems.csv")
    assert (tmp_path / "out" / "problems.csv").exists()


def test_upper_case_parquet_suffix(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    path = tmp_path / "EXTRACT.PARQUET"
    extract = synthetic_cohort(seed=11).head(7)
    extract["date_first_asct"] = "2019-01-01"  # read and validated, then nobody is left:
    extract.to_parquet(path)  # quick, and only a Parquet reader gets this far
    result = run_script("--data", str(path), "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert_usage_error(result, "no patient is left")
    assert "received: 7" in result.stdout
