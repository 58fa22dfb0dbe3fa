"""The Heilig report's competing-risks and centre-effect sections."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from sarcosurv import registry
from sarcosurv.studies import heilig2020


@pytest.fixture(scope="module")
def endpoints() -> pd.DataFrame:
    cohort = registry.Cohort.from_frame(heilig2020.synthetic_cohort(seed=2020))
    return heilig2020.endpoints(cohort)


@pytest.fixture(scope="module")
def competing(endpoints: pd.DataFrame) -> heilig2020.CompetingSection:
    return heilig2020.competing_section(endpoints)


def _pfs_rows(endpoints: pd.DataFrame) -> pd.DataFrame:
    return endpoints[endpoints["pfs_evaluable"].astype(bool)]


def test_pfs_cause_codes_the_pfs_event(endpoints: pd.DataFrame) -> None:
    rows = _pfs_rows(endpoints)
    cause = rows["pfs_cause"].astype(int)
    np.testing.assert_array_equal(cause > 0, rows["pfs_event"].astype(int) == 1)
    kinds = rows["pfs_event_type"].astype(str)
    assert (kinds[cause == 1] == "relapse/progression").all()
    assert (kinds[cause == 2] == "death without progression").all()
    assert endpoints.loc[~endpoints["pfs_evaluable"].astype(bool), "pfs_cause"].isna().all()


def test_overall_incidences_are_aalen_johansen(
    endpoints: pd.DataFrame, competing: heilig2020.CompetingSection
) -> None:
    rows = _pfs_rows(endpoints)
    direct = ss.cumulative_incidence(rows, "pfs_time", "pfs_cause").at([24.0, 60.0])
    direct = direct.sort_values(["cause", "time"], ignore_index=True)
    np.testing.assert_allclose(competing.overall["cif"], direct["cif"], rtol=1e-12)
    np.testing.assert_allclose(competing.overall["lower"], direct["lower"], rtol=1e-12)


def test_incidences_and_pfs_sum_to_one(
    endpoints: pd.DataFrame, competing: heilig2020.CompetingSection
) -> None:
    pfs = ss.kaplan_meier(_pfs_rows(endpoints), "pfs_time", "pfs_event").survival_at([24, 60])
    total = competing.overall.groupby("time")["cif"].sum().to_numpy() + pfs["survival"].to_numpy()
    np.testing.assert_allclose(total, 1.0, rtol=1e-12)


def test_one_minus_km_is_not_below_the_incidence(competing: heilig2020.CompetingSection) -> None:
    overall = competing.overall
    assert (overall["one_minus_km"] >= overall["cif"] - 1e-12).all()
    assert (
        competing.counts["relapse"] + competing.counts["nrm"] + competing.counts["censored"]
        == competing.counts["n"]
    )


def test_gray_p_values_per_factor(
    endpoints: pd.DataFrame, competing: heilig2020.CompetingSection
) -> None:
    rows = _pfs_rows(endpoints)
    rows = rows[rows["sex"].notna()]
    direct = ss.gray_test(rows, "pfs_time", "pfs_cause", by="sex")
    ours = competing.gray.loc[competing.gray["factor"] == "Sex"].set_index("cause")
    assert ours.loc["Relapse/progression", "p_value"] == pytest.approx(direct.p_value[1])
    assert ours.loc["Non-relapse mortality", "p_value"] == pytest.approx(direct.p_value[2])
    table = competing.table()
    assert set(table["Factor"]) - {""} == {f.title for f in heilig2020.FACTORS}


def test_competing_markdown_states_why_not_km(competing: heilig2020.CompetingSection) -> None:
    text = competing.markdown("competing_risks.png")
    assert text.startswith("## Relapse incidence and non-relapse mortality")
    assert "not 1 − Kaplan–Meier" in text
    assert "p (Relapse/progression)" in text
    assert "Gray's test" in text
    assert "![" in text


def test_competing_figure_is_written(
    endpoints: pd.DataFrame, competing: heilig2020.CompetingSection, tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    path = competing.save_figure(endpoints, tmp_path)
    assert path.exists()
    assert path.stat().st_size > 1000


def test_centre_section_reports_the_tests_of_centre_effect_tests(
    endpoints: pd.DataFrame,
) -> None:
    section = heilig2020.centre_section(endpoints, bootstrap=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ss.errors.SarcosurvWarning)
        direct = ss.centre_effect_tests(
            f"Surv(os_time, os_event) ~ {heilig2020.MODEL_TERMS}", endpoints, "centre_id"
        )
    os_rows = section.tests[section.tests["endpoint"] == "os"].set_index("test")
    assert os_rows.loc["score", "p_value"] == direct.score.p_value
    assert os_rows.loc["fixed", "p_value"] == direct.fixed.p_value
    assert os_rows.loc["frailty", "p_value"] == direct.frailty.p_value
    table = section.table()
    assert list(table.columns[:3]) == ["Test", "p (PFS)", "p (OS)"]
    fixed = table[table["Test"].str.startswith("LRT of fixed")]
    assert "outside 0.03-0.07" in fixed.iloc[0, 3]
    assert any("centre(s) without events" in note for note in section.notes)
    assert section.markdown().startswith("## Centre effect: four tests")


def test_centre_section_bootstrap_row(endpoints: pd.DataFrame) -> None:
    section = heilig2020.centre_section(
        endpoints, bootstrap=3, endpoint_list=[heilig2020.tables.OS]
    )
    boot = section.tests.set_index("test").loc["bootstrap"]
    assert boot["p_value"] >= 0.25  # (1 + k) / 4


def test_report_places_extra_sections_before_the_comparison(
    endpoints: pd.DataFrame, competing: heilig2020.CompetingSection, tmp_path: Path
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = heilig2020.analyse(endpoints, heilig2020.published())
    source = heilig2020.DataSource(True, "seed 2020")
    report = heilig2020.write_report(
        analysis, tmp_path, source, extra_sections=[competing.markdown()]
    )
    text = report.read_text(encoding="utf-8")
    assert text.index("## Relapse incidence") < text.index("## Published versus reproduced")
