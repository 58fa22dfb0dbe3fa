"""Every public result shows a short one-line repr and an HTML view in a notebook."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from pathlib import Path

import pandas as pd
import pytest

import sarcosurv as ss

#: Public dataclasses that are inputs or settings, not results (their field repr is the spec).
NOT_RESULTS = {
    "Characteristic",
    "Endpoint",
    "Factor",
    "Column",
    "Eligibility",
    "CoxControl",
    "SyntheticDesign",
    "ReportContext",
    "DataSource",
    # Kernel structures of the counting and Newton layers, not returned by a public function.
    "RiskTable",
    "NewtonResult",
}
#: Words that mark a result class: returned by an estimator, test or table function.
RESULT_WORDS = (
    "Result",
    "Test",
    "Tests",
    "Fit",
    "Pooled",
    "Frailty",
    "Outcome",
    "Table",
    "Analysis",
)


def _public_results() -> list[type]:
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(ss.__path__, "sarcosurv."):
        if any(
            part.startswith("_") for part in info.name.split(".")[1:]
        ) and not info.name.endswith("_results"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and dataclasses.is_dataclass(obj)
                and not name.startswith("_")
                and obj.__module__ == module.__name__
                and name not in NOT_RESULTS
                and any(word in name for word in RESULT_WORDS)
            ):
                found[f"{obj.__module__}.{name}"] = obj
    return [found[k] for k in sorted(found)]


RESULTS = _public_results()


def test_found_the_main_results() -> None:
    names = {cls.__name__ for cls in RESULTS}
    assert {"CoxResult", "KaplanMeierResult", "HRTable", "Table1", "TestResult"} <= names
    assert len(RESULTS) >= 20


@pytest.mark.parametrize("cls", RESULTS, ids=lambda cls: cls.__name__)
def test_has_its_own_repr_and_html(cls: type) -> None:
    assert hasattr(cls, "_repr_html_"), cls
    source = Path(inspect.getsourcefile(cls.__repr__) or "")
    assert source.name != "dataclasses.py", f"{cls.__name__} prints every field"


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    data = pd.read_csv(Path(__file__).parent / "data" / "lung.csv")
    data["dead"] = (data["status"] == 2).astype(int)
    data["sex"] = data["sex"].map({1: "Male", 2: "Female"})
    return data


def test_instances_print_short(lung: pd.DataFrame) -> None:
    fit = ss.coxph("Surv(time, dead) ~ age + sex", lung)
    results = [
        fit,
        fit.tests,
        fit.tests.likelihood_ratio,
        ss.kaplan_meier(lung, "time", "dead", by="sex"),
        ss.logrank_test(lung, "time", "dead", by="sex"),
        ss.report.hr_table(fit),
        ss.report.table1(lung, ["age", "sex"]),
        ss.median_followup(lung, "time", "dead"),
    ]
    for result in results:
        text = repr(result)
        assert "\n" not in text
        assert len(text) <= 120, text
        assert text.startswith("<"), text
        assert "<" in result._repr_html_()
