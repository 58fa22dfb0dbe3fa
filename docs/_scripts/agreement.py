"""Agreement of sarcosurv with the committed R reference values (tests/reference/*.json).

Every number in the agreement tables of ``docs/validation.md`` is computed here,
at documentation build time, by running sarcosurv on the same public datasets
the R scripts in ``tests/reference`` used and comparing with their stored
output. Run ``python docs/_scripts/agreement.py`` to print the tables.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sarcosurv as ss
from sarcosurv.report import to_markdown

ROOT = Path(__file__).resolve().parents[2]
# The reference tests' own preparation of the R inputs: one definition for both.
sys.path.insert(0, str(ROOT / "tests"))
from reference_inputs import (  # noqa: E402
    LOGRANK_WEIGHTS,
    cox_dataset,
    load_dataset,
    load_reference,
    lung_km,
    veteran_logrank,
)

reference = load_reference
dataset = load_dataset

CONF_TYPES = ("plain", "log", "log-log", "arcsin")
LANDMARKS = [0, 0.5, 1, 5, 30, 100, 180, 365, 500, 730, 1000, 5000]


def _array(values: Any) -> np.ndarray:
    return np.array([np.nan if x is None else x for x in np.atleast_1d(values)], dtype=float)


def max_abs_diff(actual: Any, expected: Any) -> float:
    """Largest absolute difference; infinite when the missing values do not coincide."""
    a, e = _array(actual).ravel(), _array(expected).ravel()
    if a.shape != e.shape or not np.array_equal(np.isnan(a), np.isnan(e)):
        return float("inf")
    finite = ~np.isnan(a)
    return float(np.max(np.abs(a[finite] - e[finite]), initial=0.0))


def max_rel_diff(actual: Any, expected: Any) -> float:
    """Largest |a - e| / max(|e|, 1e-12) over the values compared."""
    a, e = _array(actual).ravel(), _array(expected).ravel()
    if a.shape != e.shape or not np.array_equal(np.isnan(a), np.isnan(e)):
        return float("inf")
    finite = ~np.isnan(a)
    scale = np.maximum(np.abs(e[finite]), 1e-12)
    return float(np.max(np.abs(a[finite] - e[finite]) / scale, initial=0.0))


# Kaplan–Meier -------------------------------------------------------------------------------


_lung = lung_km


def _constructed(name: str) -> Callable[[], pd.DataFrame]:
    return lambda: pd.DataFrame(reference("km_reference")["constructed"][name])


LUNG = {"time": "time", "event": "status01"}
KM_CASES: dict[str, tuple[str, Callable[[], pd.DataFrame], dict[str, Any]]] = {
    "lung_all": ("lung, one curve", _lung, LUNG),
    "lung_sex": ("lung by sex", _lung, {**LUNG, "by": "sex"}),
    "lung_sex_ecog": ("lung by sex and ph.ecog", _lung, {**LUNG, "by": ["sex", "ph.ecog"]}),
    "veteran_celltype": (
        "veteran by celltype",
        lambda: dataset("veteran"),
        {"time": "time", "event": "status", "by": "celltype"},
    ),
    "ovarian_rx": (
        "ovarian by rx",
        lambda: dataset("ovarian"),
        {"time": "futime", "event": "fustat", "by": "rx"},
    ),
    "aml_x": ("aml by x", lambda: dataset("aml"), {"time": "time", "event": "status", "by": "x"}),
    "heart_entry": (
        "heart, delayed entry",
        lambda: dataset("heart"),
        {"time": "stop", "event": "event", "entry": "start"},
    ),
    "heart_entry_transplant": (
        "heart, delayed entry, by transplant",
        lambda: dataset("heart"),
        {"time": "stop", "event": "event", "entry": "start", "by": "transplant"},
    ),
    "lung_months": ("lung in whole months (heavy ties)", _lung, {**LUNG, "time": "months"}),
    "lung_months_sex": (
        "lung in months by sex",
        _lung,
        {**LUNG, "time": "months", "by": "sex"},
    ),
    "lung_wint": ("lung, integer case weights", _lung, {**LUNG, "by": "sex", "weights": "wint"}),
    "lung_wfrac": ("lung, fractional case weights", _lung, {**LUNG, "weights": "wfrac"}),
    "flat_mid": ("curve flat at 0.5 (median midpoint)", _constructed("flat_mid"), {}),
    "flat_end": ("curve ending at 0.5", _constructed("flat_end"), {}),
    "flat_q": ("flat stretches at quartiles", _constructed("flat_q"), {}),
}


def _r_strata(km: ss.KaplanMeierResult, group: object) -> str:
    if not km.by:
        return "all"
    return f"{km.by[0]}={group}" if len(km.by) == 1 else str(group)


def _km_case(case: str) -> dict[str, Any]:
    ref_all = reference("km_reference")
    _, loader, kwargs = KM_CASES[case]
    kwargs = kwargs or {"time": "time", "event": "status"}
    worst = {"rows": 0, "survival": 0.0, "std_err": 0.0, "limits": 0.0, "quantiles": 0.0}
    for conf_type in CONF_TYPES:
        ref = ref_all[case][conf_type]
        km = ss.kaplan_meier(loader(), conf_type=conf_type, **kwargs)
        names = ref["strata_names"]
        names = [names] if isinstance(names, str) else list(names)
        rank = {name: i for i, name in enumerate(names)}
        labels = [_r_strata(km, g) for g in km.table["group"]] if km.by else ["all"] * len(km.table)
        table = km.table.iloc[np.argsort([rank[s] for s in labels], kind="stable")]
        r_table = ref["table"]
        worst["rows"] += len(table)
        worst["survival"] = max(worst["survival"], max_abs_diff(table["survival"], r_table["surv"]))
        worst["std_err"] = max(worst["std_err"], max_abs_diff(table["std_err"], r_table["std_err"]))
        for ours, theirs in (("lower", "lower"), ("upper", "upper")):
            worst["limits"] = max(worst["limits"], max_abs_diff(table[ours], r_table[theirs]))
        quantiles = km.quantile(ref["quantile_probs"])
        q_labels = (
            [_r_strata(km, g) for g in quantiles["group"]] if km.by else ["all"] * len(quantiles)
        )
        for i, name in enumerate(names):
            rows = quantiles[[label == name for label in q_labels]]
            for ours, theirs in (
                ("quantile", "quantile"),
                ("lower", "quantile_lower"),
                ("upper", "quantile_upper"),
            ):
                diff = max_abs_diff(rows[ours], ref[theirs][i])
                worst["quantiles"] = max(worst["quantiles"], diff)
        at = km.survival_at(LANDMARKS, extend=True)
        a_labels = [_r_strata(km, g) for g in at["group"]] if km.by else ["all"] * len(at)
        landmarks = ref["landmarks"]
        order = sorted(range(len(at)), key=lambda i: landmarks["strata"].index(a_labels[i]))
        at = at.iloc[order]
        worst["survival"] = max(worst["survival"], max_abs_diff(at["survival"], landmarks["surv"]))
    return worst


@cache
def km_agreement() -> pd.DataFrame:
    """Per case, over the four confidence-interval types: the largest absolute differences."""
    rows = []
    for case, (description, _, _) in KM_CASES.items():
        worst = _km_case(case)
        rows.append(
            {
                "case": case,
                "data": description,
                "rows compared": worst["rows"],
                "survival": worst["survival"],
                "Greenwood SE": worst["std_err"],
                "CI limits": worst["limits"],
                "quantiles and BC limits": worst["quantiles"],
            }
        )
    follow = ss.median_followup(_lung(), "time", "status01")
    ref = reference("km_reference")["followup_lung"]
    diff = max_abs_diff(
        [follow.median, follow.lower, follow.upper], [ref["median"], ref["lower"], ref["upper"]]
    )
    rows.append(
        {
            "case": "followup_lung",
            "data": "reverse KM median follow-up, lung",
            "rows compared": 1,
            "survival": float("nan"),
            "Greenwood SE": float("nan"),
            "CI limits": float("nan"),
            "quantiles and BC limits": diff,
        }
    )
    return pd.DataFrame(rows)


# Log-rank -----------------------------------------------------------------------------------


_veteran = veteran_logrank


LOGRANK_CASES: dict[str, tuple[str, Callable[[], pd.DataFrame], dict[str, Any]]] = {
    "lung_sex": ("lung, sex", _lung, {**LUNG, "by": "sex"}),
    "lung_ecog": ("lung, ph.ecog (4 groups)", _lung, {**LUNG, "by": "ph.ecog"}),
    "lung_months_sex": ("lung in months, sex", _lung, {**LUNG, "time": "months", "by": "sex"}),
    "veteran_celltype": (
        "veteran, celltype",
        _veteran,
        {"time": "time", "event": "status", "by": "celltype"},
    ),
    "veteran_celltype_trt": (
        "veteran, celltype, strata trt",
        _veteran,
        {"time": "time", "event": "status", "by": "celltype", "strata": "trt"},
    ),
    "ovarian_rx_resid": (
        "ovarian, rx, strata resid.ds",
        lambda: dataset("ovarian"),
        {"time": "futime", "event": "fustat", "by": "rx", "strata": "resid.ds"},
    ),
    "aml_x": ("aml, x", lambda: dataset("aml"), {"time": "time", "event": "status", "by": "x"}),
}


@cache
def logrank_agreement() -> pd.DataFrame:
    """Per case, over seven weightings: relative differences of the statistic, O, E, V, trend."""
    ref_all = reference("logrank_reference")
    rows = []
    for case, (description, loader, kwargs) in LOGRANK_CASES.items():
        data = loader()
        worst = {"statistic": 0.0, "p": 0.0, "oe": 0.0, "variance": 0.0, "trend": 0.0}
        for key, weights in LOGRANK_WEIGHTS.items():
            ref = ref_all[case][key]
            result = ss.logrank_test(data, weighting=weights, **kwargs)
            trend = ss.logrank_test(data, weighting=weights, trend=True, **kwargs)
            worst["statistic"] = max(
                worst["statistic"], max_rel_diff(result.statistic, ref["statistic"])
            )
            worst["p"] = max(worst["p"], max_rel_diff(result.p_value, ref["p_value"]))
            worst["oe"] = max(
                worst["oe"],
                max_rel_diff(result.observed, ref["observed"]),
                max_rel_diff(result.expected, ref["expected"]),
            )
            scale = float(np.abs(np.asarray(ref["variance"])).max())
            worst["variance"] = max(
                worst["variance"], max_abs_diff(result.variance, ref["variance"]) / scale
            )
            worst["trend"] = max(
                worst["trend"], max_rel_diff(trend.statistic, ref["trend"]["statistic"])
            )
        rows.append(
            {
                "case": case,
                "data, groups": description,
                "chi-square (rel.)": worst["statistic"],
                "p-value (rel.)": worst["p"],
                "O and E (rel.)": worst["oe"],
                "variance (rel. to max)": worst["variance"],
                "trend chi-square (rel.)": worst["trend"],
            }
        )
    return pd.DataFrame(rows)


# Cox ----------------------------------------------------------------------------------------


_cox_data = cox_dataset


def _r_term(term: str) -> str:
    match = re.match(r"^C\((\w+).*\)(?:\[T\.(.+)\])?$", term)
    return term if match is None else match[1] + (match[2] or "")


@cache
def cox_agreement() -> pd.DataFrame:
    """Per model and ties method: relative differences of estimates, tests and diagnostics."""
    rows = []
    for case in reference("cox_reference"):
        formula = case["python"].replace("ph.ecog", "ph_ecog").replace("ecog.ps", "ecog_ps")
        fit = ss.coxph(
            formula,
            _cox_data(case["data"]),
            ties=case["ties"],
            strata=case.get("strata"),
            cluster=case.get("cluster"),
            weights=case.get("weights"),
        )
        names = [_r_term(t) for t in fit.params.index]
        r_terms = [{"transplant1": "transplant"}.get(t, t).replace(".", "_") for t in case["terms"]]
        perm = [names.index(t) for t in r_terms]
        se = fit.std_err if case.get("std_err_robust") is not None else fit.naive_std_err.iloc[perm]
        se_ref = case.get("std_err_robust") or case["std_err_naive"]
        assert fit.tests is not None
        tests = [fit.tests.wald.statistic, fit.tests.score.statistic]
        resid_worst = 0.0
        for kind, key in (("martingale", "martingale"), ("score", "score_resid")):
            values = np.asarray(fit.residuals(kind)).reshape(fit.n, -1)  # type: ignore[arg-type]
            if values.shape[1] > 1:
                values = values[:, perm]
            expected = np.asarray(case[key]).reshape(fit.n, -1)
            resid_worst = max(resid_worst, max_abs_diff(values, expected))
        zph = fit.test_proportional_hazards("km")
        rows.append(
            {
                "model": case["name"],
                "ties": case["ties"],
                "n": fit.n,
                "coef": max_rel_diff(fit.params.iloc[perm], case["coef"]),
                "SE": max_rel_diff(se, se_ref),
                "log-lik": max_rel_diff(fit.loglik, case["loglik"]),
                "Wald, score": max_rel_diff(tests, [case["wald"], case["score"]]),
                "concordance": max_rel_diff(fit.concordance, case["concordance"]),
                "residuals (abs.)": resid_worst,
                "cox.zph chi-square": max_rel_diff(zph["statistic"], case["zph"]["km"]["chisq"]),
            }
        )
    return pd.DataFrame(rows)


# Frailty ------------------------------------------------------------------------------------

FRAILTY_MODELS = {
    "rats": ("rats", ["rx"], "litter"),
    "kidney": ("kidney", ["age", "sex"], "id"),
}


@cache
def frailtyem_agreement() -> pd.DataFrame:
    """sarcosurv's shared gamma frailty fit beside frailtyEM's ``emfrail`` (Breslow ties)."""
    em_all = reference("frailtyem_reference")
    rows = []
    for model, (name, terms, group) in FRAILTY_MODELS.items():
        em = em_all[model]
        formula = f"Surv(time, status) ~ {' + '.join(terms)}"
        fit = ss.coxph(formula, dataset(name), ties="breslow", frailty=group)
        fr = fit.frailty
        assert fr is not None
        for quantity, ours, theirs in (
            ("theta", fr.theta, em["theta"]),
            ("theta 95% CI", fr.theta_ci, em["theta_ci"]),
            ("marginal log-likelihood", fr.loglik, em["loglik"]),
            ("log-likelihood at theta = 0", fr.loglik_null, em["loglik_null"]),
            ("LRT statistic", fr.lrt.statistic, em["lrt"]),
            ("LRT p-value (chi-bar-square)", fr.lrt.p_value, em["lrt_p"]),
            ("coefficients", fit.params, em["coef"]),
            ("SE (adjusted for theta)", fit.std_err, em["se_adj"]),
            ("centre frailties (posterior mean)", fr.estimates["frailty"], em["frail"]),
        ):
            values = np.atleast_1d(np.asarray(ours, dtype=float))
            rows.append(
                {
                    "data": model,
                    "quantity": quantity,
                    "sarcosurv": ", ".join(f"{v:.6g}" for v in values[:2])
                    + (", ..." if values.size > 2 else ""),
                    "frailtyEM": ", ".join(f"{v:.6g}" for v in np.atleast_1d(theirs)[:2])
                    + (", ..." if np.size(theirs) > 2 else ""),
                    "max rel. diff": max_rel_diff(ours, theirs),
                }
            )
    return pd.DataFrame(rows)


def _profile_solver(data: pd.DataFrame, terms: list[str], group: str, ties: str) -> Any:
    """theta -> (loglik, beta) at fixed theta, from the public profile (``frailty_profile``)."""
    profile = ss.cox.frailty_profile(
        data[terms].to_numpy(float),
        data["time"],
        data["status"],
        data[group],
        ties=ties,  # type: ignore[arg-type]
    )

    def solve(theta: float) -> tuple[float, np.ndarray]:
        point = profile.solve(theta)
        return float(point.loglik), np.asarray(point.beta)

    return solve


@cache
def r_fixed_theta_agreement() -> pd.DataFrame:
    """The profile at fixed theta against R ``coxph(... + frailty(g, theta = ))``."""
    ref_all = reference("frailty_reference")
    models = {**FRAILTY_MODELS, "simulated": ("frailty_sim", ["x1", "x2"], "centre")}
    rows = []
    for model, (name, terms, group) in models.items():
        data = dataset(name)
        for ties in ("breslow", "efron"):
            if model == "simulated":
                points = ref_all["simulated"]["fixed" if ties == "efron" else "fixed_breslow"]
            else:
                points = ref_all[f"{model}_{ties}"]["fixed"]
            solve = _profile_solver(data, terms, group, ties)
            coef, ilik = 0.0, 0.0
            for point in points:
                loglik, beta = solve(point["theta"])
                coef = max(coef, max_abs_diff(beta, point["coef"]))
                ilik = max(ilik, max_rel_diff(loglik, point["ilik"]))
            rows.append(
                {
                    "data": model,
                    "ties": ties,
                    "theta values": len(points),
                    "coefficients (abs.)": coef,
                    "integrated log-lik (rel.)": ilik,
                }
            )
    return pd.DataFrame(rows)


@cache
def r_default_comparison() -> pd.DataFrame:
    """R's default ``frailty()`` fit (method "em") beside sarcosurv's maximum, same likelihood."""
    ref = reference("frailty_reference")["simulated"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ss.coxph("Surv(time, status) ~ x1 + x2", dataset("frailty_sim"), frailty="centre")
    fr = fit.frailty
    assert fr is not None
    best_grid = max(ref["fixed"], key=lambda p: p["ilik"])
    return pd.DataFrame(
        [
            {
                "fit": "R coxph + frailty(centre), default",
                "theta": ref["default"]["theta"],
                "integrated log-likelihood": ref["default"]["ilik"],
            },
            {
                "fit": "R at the best theta of its own fixed-theta grid",
                "theta": best_grid["theta"],
                "integrated log-likelihood": best_grid["ilik"],
            },
            {
                "fit": "sarcosurv (profile maximum)",
                "theta": fr.theta,
                "integrated log-likelihood": fr.loglik,
            },
        ]
    )


def _sci(value: float) -> str:
    if not np.isfinite(value):
        return "mismatch" if np.isinf(value) else ""
    return "0" if value == 0 else f"{value:.1e}"


TABLES: dict[str, tuple[Callable[[], pd.DataFrame], str]] = {
    "km": (km_agreement, "{:.1e}"),
    "logrank": (logrank_agreement, "{:.1e}"),
    "cox": (cox_agreement, "{:.1e}"),
    "frailtyem": (frailtyem_agreement, "{:.1e}"),
    "frailty_fixed": (r_fixed_theta_agreement, "{:.1e}"),
    "frailty_default": (r_default_comparison, "{:.4f}"),
}


#: Tables built on private internals: rendered as a note if those change (tests catch it).
INTERNAL = {"frailty_fixed"}


def markdown(name: str) -> str:
    """One agreement table as Markdown (differences in scientific notation)."""
    function, float_format = TABLES[name]
    try:
        table = function().copy()
    except (ImportError, AttributeError, TypeError) as exc:
        if name not in INTERNAL:
            raise
        return (
            '!!! warning "Not computed in this build"\n'
            f"    The fixed-theta comparison uses sarcosurv internals that changed ({exc}); "
            "`tests/test_frailty.py` runs the same comparison.\n"
        )
    if float_format == "{:.1e}":
        for column in table.columns:
            if table[column].dtype.kind == "f":
                table[column] = table[column].map(_sci)
    return to_markdown(table, float_format=float_format)


if __name__ == "__main__":
    for key in sys.argv[1:] or list(TABLES):
        print(f"## {key}\n\n{markdown(key)}")
