"""The study apart: old import paths warn and give the new objects; the layers hold."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

import sarcosurv as ss
from sarcosurv import registry
from sarcosurv.studies import heilig2020

table1_module = importlib.import_module("sarcosurv.report.table1")
SRC = Path(__file__).resolve().parents[1] / "src" / "sarcosurv"

#: (old module, old name) -> (new module, new name)
MOVED = {
    ("sarcosurv.registry", "synthetic_heilig2020"): ("heilig2020", "synthetic_cohort"),
    ("sarcosurv.registry", "published_heilig2020"): ("heilig2020", "published"),
    ("sarcosurv.registry", "SyntheticDesign"): ("heilig2020", "SyntheticDesign"),
    ("sarcosurv.registry.synthetic", "synthetic_heilig2020"): ("heilig2020", "synthetic_cohort"),
    ("sarcosurv.registry.synthetic", "GENERATOR_HAZARD_RATIOS"): (
        "heilig2020",
        "GENERATOR_HAZARD_RATIOS",
    ),
    ("sarcosurv.registry.published", "published_heilig2020"): ("heilig2020", "published"),
    ("sarcosurv.registry.codes", "HISTOLOGY_TABLE1"): ("heilig2020.codes", "HISTOLOGY_TABLE1"),
    ("sarcosurv.registry.codes", "REMISSION_GROUP"): ("heilig2020.codes", "REMISSION_GROUP"),
    ("sarcosurv.registry.codes", "REGIMEN_GROUP"): ("heilig2020.codes", "REGIMEN_GROUP"),
    ("sarcosurv.registry.endpoints", "YEAR_GROUPS"): ("heilig2020.codes", "YEAR_GROUPS"),
    ("sarcosurv.report.heilig2020", "analyse_heilig2020"): ("heilig2020", "analyse"),
    ("sarcosurv.report.heilig2020", "Heilig2020Analysis"): ("heilig2020", "Heilig2020Analysis"),
    ("sarcosurv.report.compare", "compare_heilig2020"): ("heilig2020", "compare"),
    ("sarcosurv.report.figures", "figure1"): ("heilig2020", "figure1"),
    ("sarcosurv.report.writer", "write_heilig2020_report"): ("heilig2020", "write_report"),
    ("sarcosurv.report.writer", "DataSource"): ("heilig2020", "DataSource"),
    ("sarcosurv.report.table1", "HEILIG2020_TABLE1"): ("heilig2020", "TABLE1"),
    ("sarcosurv.report.tables", "HEILIG2020_FACTORS"): ("heilig2020", "FACTORS"),
    ("sarcosurv.report.tables", "HEILIG2020_MODEL_TERMS"): ("heilig2020", "MODEL_TERMS"),
    ("sarcosurv.report.tables", "fit_heilig2020_models"): ("heilig2020", "fit_models"),
}


@pytest.mark.parametrize(("old", "new"), MOVED.items(), ids=lambda key: ".".join(key))
def test_old_path_warns_and_gives_the_new_object(
    old: tuple[str, str], new: tuple[str, str]
) -> None:
    module = importlib.import_module(old[0])
    with pytest.warns(DeprecationWarning, match=r"removed in sarcosurv 0\.3"):
        got = getattr(module, old[1])
    target = heilig2020
    for part in new[0].split(".")[1:]:
        target = getattr(target, part)
    assert got is getattr(target, new[1])


def test_unknown_names_still_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = registry.nothing  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def cohort() -> registry.Cohort:
    return registry.Cohort.from_frame(heilig2020.synthetic_cohort(seed=2020))


def test_endpoints_default_warns_and_equals_the_study(cohort: registry.Cohort) -> None:
    with pytest.warns(DeprecationWarning, match="variables="):
        old = cohort.endpoints(unit="days")
    pd.testing.assert_frame_equal(old, heilig2020.endpoints(cohort, unit="days"))


def test_generic_endpoints_carry_no_study_variable(cohort: registry.Cohort) -> None:
    generic = cohort.endpoints(variables=None)
    study = heilig2020.endpoints(cohort)
    paper_only = {"age_group", "histology_group", "remission_group", "remission_cr"}
    assert paper_only.isdisjoint(generic.columns)
    assert paper_only | {"regimen_group", "year_group"} == set(study.columns) - set(generic)
    # The raw subtype in the registry layer; the paper's Table 1 row in the study.
    assert "Haemangiosarcoma" in set(generic["histology"].dropna())
    assert "Haemangiosarcoma" not in set(study["histology"].dropna())
    shared = [c for c in generic.columns if c != "histology"]
    pd.testing.assert_frame_equal(generic[shared], study[shared])


def test_variables_replace_in_place_and_append(cohort: registry.Cohort) -> None:
    def variables(data: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"sex": "x", "new": 1.0}, index=data.index)

    table = cohort.endpoints(variables=variables)
    assert list(table.columns).index("sex") < list(table.columns).index("histology")
    assert table.columns[-1] == "new"
    assert set(table["sex"]) == {"x"}


def test_table1_old_module_path_warns_and_is_the_function(cohort: registry.Cohort) -> None:
    data = heilig2020.endpoints(cohort)
    with pytest.warns(DeprecationWarning, match="report.characteristics"):
        old = table1_module.table1
    assert old is ss.report.table1
    assert (
        old(data, heilig2020.TABLE1)
        .to_frame()
        .equals(ss.report.table1(data, heilig2020.TABLE1).to_frame())
    )


def test_reprs_are_short(cohort: registry.Cohort) -> None:
    assert repr(cohort) == "<Cohort n=338 excluded=0>"
    assert "received" in str(cohort)
    assert cohort._repr_html_().startswith("<p>&lt;Cohort n=338")
    assert cohort != registry.Cohort(cohort.data, cohort.exclusions, cohort.consort)  # eq=False
    source = heilig2020.DataSource(True, "seed 1", cohort.consort)
    assert repr(source) == "<DataSource synthetic: seed 1>"


def test_registry_and_report_name_no_study_outside_shims() -> None:
    """``grep -ril heilig src/sarcosurv`` finds only studies/ and the deprecation shims."""
    shims = {
        "registry/__init__.py",
        "registry/codes.py",
        "registry/endpoints.py",
        "registry/cohort.py",
        "registry/schema.py",  # the default schema (0.1), imported by name
        "registry/synthetic.py",
        "registry/published.py",
        "report/heilig2020.py",
        "report/compare.py",
        "report/figures.py",
        "report/writer.py",
        "report/table1.py",
        "report/tables.py",
    }
    found = {
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*")
        if path.is_file()
        and path.suffix in {".py", ".json"}
        and "heilig" in path.read_text(encoding="utf-8").lower()
    }
    outside = {p for p in found if not p.startswith("studies/")}
    # Docstring examples may load the study's synthetic data; nothing else there may name it.
    examples = {p for p in outside - shims if p.startswith("imputation/")}
    for path in examples:
        lines = (SRC / path).read_text(encoding="utf-8").lower().splitlines()
        assert all(line.lstrip().startswith(">>> ") for line in lines if "heilig" in line), path
    outside -= examples
    assert outside <= shims
    for path in outside:  # there only as names of the shims, never about the paper
        text = (SRC / path).read_text(encoding="utf-8").lower()
        assert "heilig et al" not in text, path


def test_import_is_cheap() -> None:
    """``import sarcosurv`` loads no scipy.stats, formulaic, matplotlib or statsmodels."""
    code = (
        "import sys, sarcosurv\n"
        "heavy = ('scipy.stats', 'formulaic', 'matplotlib', 'statsmodels', 'pandas')\n"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == ""


def test_analysis_repr_is_short() -> None:
    comparison = pd.DataFrame(
        {
            "section": ["Table 2", "Table 2", "Table 3"],
            "item": ["a", "b", "c"],
            "published": [1.0, 2.0, 3.0],
            "reproduced": [1.0, 2.5, 3.0],
            "lower": [0.5, 2.1, 2.0],
            "upper": [1.5, 2.9, 4.0],
            "inside_ci": [True, False, True],
        }
    )
    fits = {"pfs": SimpleNamespace(n=145), "os": SimpleNamespace(n=157)}
    empty = pd.DataFrame()
    analysis = heilig2020.Heilig2020Analysis(
        *([empty] * 8),
        comparison,
        fits,
        {},
        *([None] * 3),  # type: ignore[arg-type]
    )
    assert repr(analysis) == (
        "<Heilig2020Analysis pfs_n=145 os_n=157 inside_table2=50% inside_table3=100%>"
    )
    assert str(analysis).splitlines()[0] == repr(analysis)
    assert "<table" in analysis._repr_html_()


def test_shim_warning_points_at_the_caller() -> None:
    module = importlib.import_module("sarcosurv.registry.synthetic")
    with pytest.warns(DeprecationWarning, match="synthetic_cohort") as caught:
        _ = module.synthetic_heilig2020
    assert caught[0].filename == __file__
