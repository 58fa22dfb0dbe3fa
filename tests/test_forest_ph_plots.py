"""Forest plots (Cox, Fine–Gray) and the proportional-hazards plot (R ``plot(cox.zph)``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from sarcosurv.errors import SarcosurvError

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from reference_inputs import DATA_DIR, load_reference  # noqa: E402
from sarcosurv.report.forest import forest_rows  # noqa: E402
from sarcosurv.report.ph_plot import natural_spline_basis, zph_points, zph_smooth  # noqa: E402
from test_plot_geometry import assert_inside  # noqa: E402

LABELS = {"age": "Age (years)", "sex_f": "Sex", "ecog": "ECOG performance status"}


@pytest.fixture(autouse=True)
def _close() -> Iterator[None]:
    yield
    plt.close("all")


def lung() -> pd.DataFrame:
    data = pd.read_csv(DATA_DIR / "lung.csv")
    data["status"] = data["status"] - 1
    data["sex_f"] = data["sex"].map({1: "Male", 2: "Female"})
    data["ecog"] = data["ph.ecog"].map({0: "0", 1: "1", 2: "2", 3: "3"})
    return data


@pytest.fixture(scope="module")
def fit() -> ss.CoxResult:
    formula = "Surv(time, status) ~ age + C(sex_f, contr.treatment('Male')) + ecog"
    return ss.coxph(formula, lung())


def test_forest_rows_have_headers_reference_rows_and_readable_labels(fit: ss.CoxResult) -> None:
    rows = forest_rows(fit, LABELS | {"2": "2 (in bed < 50%)"})
    assert list(rows["label"]) == [
        "Age (years)",
        "Sex",
        "Male",
        "Female",
        "ECOG performance status",
        "0",
        "1",
        "2 (in bed < 50%)",
        "3",
    ]
    assert list(rows["kind"]) == [
        "estimate",
        *["header", "reference", "estimate"],
        *["header", "reference", "estimate", "estimate", "estimate"],
    ]
    reference = rows[rows["kind"] == "reference"]
    assert (reference["hazard_ratio"] == 1.0).all()
    assert reference["lower"].isna().all()
    table = fit.hazard_ratios
    female = rows[rows["label"] == "Female"].iloc[0]
    column = "C(sex_f, contr.treatment('Male'))[T.Female]"
    assert female["hazard_ratio"] == table.loc[column, "hazard_ratio"]
    assert (female["lower"], female["upper"]) == (
        table.loc[column, "lower"],
        table.loc[column, "upper"],
    )
    assert female["variable"] == "sex_f"


def test_forest_plot_log_scale_line_at_one_whiskers_and_labels(fit: ss.CoxResult) -> None:
    ax = fit.plot_forest(labels=LABELS, title="Overall survival")
    assert ax.get_xscale() == "log"
    assert any(
        list(line.get_xdata()) == [1.0, 1.0] and line.get_linestyle() == "--"
        for line in ax.get_lines()
    )
    labels = [t.get_text().strip() for t in ax.get_yticklabels()]
    assert labels[:4] == ["Age (years)", "Sex", "Male", "Female"]
    bold = [t.get_text() for t in ax.get_yticklabels() if t.get_fontweight() == "bold"]
    assert bold == ["Sex", "ECOG performance status"]
    right = next(a for a in ax.figure.axes if a is not ax)
    texts = [t.get_text() for t in right.get_yticklabels()]
    assert texts[0] == "HR (95% CI), p"
    assert texts[3] == "1.00 (reference)"
    hr = fit.hazard_ratios.loc["age"]
    assert texts[1].startswith(f"{hr['hazard_ratio']:.2f} ({hr['lower']:.2f}–{hr['upper']:.2f})")
    whiskers = ax.collections[0].get_segments()
    estimates = forest_rows(fit, LABELS).query("kind == 'estimate'")
    np.testing.assert_allclose([s[0][0] for s in whiskers], estimates["lower"])
    np.testing.assert_allclose([s[1][0] for s in whiskers], estimates["upper"])
    assert ax.get_xlabel() == "Hazard ratio (95% CI, log scale)"
    assert assert_inside(ax.figure) > 15


def test_forest_plot_of_a_fine_gray_fit() -> None:
    data = pd.read_csv(DATA_DIR / "compete_sim.csv")
    result = ss.finegray("Surv(time, cause) ~ group", data, cause=1, censored=0)
    ax = result.plot_forest()
    assert ax.get_xlabel().startswith("Subdistribution hazard ratio")
    assert [t.get_text().strip() for t in ax.get_yticklabels()] == ["group", "a", "b", "c"]
    assert assert_inside(ax.figure) > 5


def test_forest_refuses_other_results() -> None:
    km = ss.kaplan_meier(lung(), "time", "status")
    with pytest.raises(SarcosurvError, match="Cox or Fine–Gray"):
        forest_rows(km)


@pytest.mark.parametrize(
    "case", load_reference("zph_plot_reference")["cases"], ids=lambda c: c["name"]
)
def test_zph_points_and_smoother_match_r(case: dict) -> None:
    result = ss.coxph(case["python"], lung())
    points = zph_points(result, case["transform"])
    np.testing.assert_allclose(points["time"], case["time"], rtol=1e-12)
    np.testing.assert_allclose(points["x"], case["x"], rtol=1e-8, atol=1e-12)
    smooth_ref = case["smooth"]
    for position, term in enumerate(case["terms"]):
        np.testing.assert_allclose(points[term], case["y"][position], rtol=1e-6, atol=1e-10)
        variance = len(points) * float(result.naive_std_err[term]) ** 2
        smooth = zph_smooth(points["x"].to_numpy(), points[term].to_numpy(), variance)
        np.testing.assert_allclose(smooth.x, smooth_ref["pred_x"], rtol=1e-10)
        for key in ("fit", "lower", "upper"):
            np.testing.assert_allclose(
                getattr(smooth, key), smooth_ref[term][key], rtol=1e-6, atol=1e-9
            )


def test_natural_spline_is_linear_beyond_and_reproduces_cubics_inside() -> None:
    """Hand-worked: the basis spans 1 and x, and is linear outside the boundary knots."""
    knots = np.array([0.0, 1.0, 2.0, 3.0])
    x = np.linspace(-1.0, 4.0, 51)
    basis = natural_spline_basis(x, knots)
    coef, *_ = np.linalg.lstsq(basis, 2.0 + 3.0 * x, rcond=None)
    np.testing.assert_allclose(basis @ coef, 2.0 + 3.0 * x, atol=1e-10)
    outside = x >= 3.0
    second = np.diff(basis[outside], n=2, axis=0)
    np.testing.assert_allclose(second, 0.0, atol=1e-10)


def test_ph_plot_draws_one_panel_per_coefficient(fit: ss.CoxResult) -> None:
    fig = fit.plot_proportional_hazards(labels=LABELS)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == len(fit.params) == 5
    assert [ax.get_ylabel() for ax in visible][:2] == [
        "Beta(t) for Age (years)",
        "Beta(t) for Sex: Female",
    ]
    tests = fit.test_proportional_hazards()
    assert visible[0].get_title().endswith(f"{tests.loc['age', 'p_value']:.2f})")
    # The smoother drawn is zph_smooth of the points.
    points = zph_points(fit)
    variance = len(points) * float(fit.naive_std_err["age"]) ** 2
    smooth = zph_smooth(points["x"].to_numpy(), points["age"].to_numpy(), variance)
    curve = visible[0].get_lines()[1]
    np.testing.assert_allclose(curve.get_ydata(), smooth.fit)
    # The x axis is labelled in days although it is drawn on the KM scale.
    labels = [t.get_text() for t in visible[0].get_xticklabels()]
    assert len(labels) == 8
    assert all(label.replace(".", "").isdigit() for label in labels)
    assert assert_inside(fig) > 40


def test_ph_plot_refuses_frailty_and_unknown_terms(fit: ss.CoxResult) -> None:
    with pytest.raises(SarcosurvError, match="no coefficient"):
        fit.plot_proportional_hazards(terms=["weight"])
    data = lung().dropna(subset=["inst"])
    frail = ss.coxph("Surv(time, status) ~ age + frailty(inst)", data)
    with pytest.raises(SarcosurvError):
        frail.plot_proportional_hazards()


def test_without_matplotlib_the_error_names_the_extra(
    fit: ss.CoxResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install sarcosurv\[plot\]"):
        fit.plot_forest()
    with pytest.raises(ImportError, match=r"pip install sarcosurv\[plot\]"):
        fit.plot_proportional_hazards()
    with pytest.raises(ImportError, match=r"pip install sarcosurv\[plot\]"):
        ss.kaplan_meier(lung(), "time", "status").plot()
