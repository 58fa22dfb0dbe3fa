"""Formula front end: the allow-list of Python terms and R formula habits."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from sarcosurv.cox.formula import parse_formula
from sarcosurv.errors import ColumnNotFoundError, FormulaError, InvalidDataError


@pytest.fixture
def data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 60
    return pd.DataFrame(
        {
            "t": rng.exponential(10, n).round(1) + 0.1,
            "e": rng.integers(0, 2, n),
            "status": rng.integers(0, 3, n),
            "x": rng.normal(size=n),
            "size": rng.uniform(1, 5, n),
            "z": rng.normal(size=n),
            "site": rng.choice(["A", "B", "C"], n),
            "id": np.arange(n) // 2,
            "ph.ecog": rng.integers(0, 3, n).astype(float),
        }
    )


def fit(data: pd.DataFrame, formula: str, **kwargs: Any) -> ss.CoxResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ss.coxph(formula, data, **kwargs)


def test_shell_command_in_a_formula_is_rejected_before_it_runs(
    data: pd.DataFrame, tmp_path: Path
) -> None:
    target = tmp_path / "pwned"
    formula = f"Surv(t, e) ~ x + I(__import__('os').system('touch {target}').bit_length())"
    with pytest.raises(FormulaError, match="__import__"):
        fit(data, formula)
    assert not target.exists()


def test_numpy_file_writing_is_rejected(data: pd.DataFrame, tmp_path: Path) -> None:
    target = tmp_path / "saved.npy"
    with pytest.raises(FormulaError, match=r"np\.sum"):
        fit(data, f"Surv(t, e) ~ I(x + 0*np.sum(np.save('{target}', x)))")
    assert not target.exists()


@pytest.mark.parametrize(
    ("term", "piece"),
    [
        ("getattr(x, 'real')", "getattr"),
        ("open('/etc/passwd')", "open"),
        ("eval('1')", "eval"),
        ("exec('1')", "exec"),
        ("globals()", "globals"),
        ("np.load('a.npy')", "np.load"),
        ("I(x.__class__)", "__class__"),
        ("I(x.real)", "x.real"),
        ("np.log(x).__class__", "__class__"),
        ("I((lambda: 1)())", "lambda"),
        ("I(x[0])", "Subscript"),
        ("I([v for v in x])", "ListComp"),
        ("I(__builtins__)", "__builtins__"),
        ("I('text')", "literal"),
        ("np.log(*x)", "unpacking"),
        ("C(x, levels=__import__('os'))", "__import__"),
        ("C(site, contr.treatment(__import__('os')))", "__import__"),
        ("C(site, os.system)", "contrast"),
        ("bs(x, df=open('f'))", "literal"),
        ("C(x, levels=[open('f')])", "literal"),
        ("I(x if x else z)", "IfExp"),
        ("I(x and z)", "BoolOp"),
        ("I(x @ z)", "BinOp"),
        ("I(f'{x}')", "JoinedStr"),
        ("np.linalg.inv(x)", "call"),
        ("I(np)", "np"),
    ],
)
def test_constructs_outside_the_allow_list(data: pd.DataFrame, term: str, piece: str) -> None:
    with pytest.raises(FormulaError, match=piece.replace("(", r"\(").replace("[", r"\[")):
        fit(data, f"Surv(t, e) ~ z + {term}")


@pytest.mark.parametrize(
    "term",
    [
        "np.log(size)",
        "np.log1p(size)",
        "np.exp(x / 10)",
        "np.sqrt(size)",
        "I(x ** 2 + 3 * z)",
        "I(x > 0)",
        "{x + z}",
        "center(x)",
        "scale(x)",
        "standardize(x)",
        "bs(x, df=3)",
        "cr(x, df=3)",
        "poly(x, degree=2)",
        "C(site)",
        "C(site, contr.treatment('B'))",
        "C(site, Treatment('B'))",
        "C(site, levels=['C', 'B', 'A'])",
        "Q('ph.ecog')",
        "`ph.ecog`",
        "x:z",
        "x * site",
        "(x + z) ** 2",
    ],
)
def test_documented_transforms_still_work(data: pd.DataFrame, term: str) -> None:
    result = fit(data, f"Surv(t, e) ~ {term}")
    assert len(result.params) >= 1
    assert np.isfinite(result.params.to_numpy()).all()


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("Surv(t, e) ~ x + tt(x)", "time-transform"),
        ("Surv(t, e) ~ pspline(x)", "bs"),
        ("Surv(t, e) ~ ridge(x, z)", "ridge"),
        ("Surv(t, e) ~ x + offset(z)", "offset"),
        ("Surv(t, e) ~ log(t)", "np.log"),
        ("Surv(t, e) ~ x ~ z", "one '~'"),
        ("~ x ~ t", "must read"),
        ("Surv(t, e) ~ x | z", "'|'"),
        ("Surv(t, e) ~ .", "'.'"),
        ("Surv(t, e) ~ x + strata(site):x", "term of its own"),
        ("Surv(t, e) ~ x + 'text'", "literals"),
        ("Surv(t, e, type='right') ~ x", "Surv"),
        ("Surv(t, e > 1) ~ x", "status == code"),
        ("Surv(t, e) ~ x + frailty(site, method='em')", "method"),
    ],
)
def test_unsupported_terms_are_typed_errors(data: pd.DataFrame, formula: str, message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        fit(data, formula)


@pytest.mark.parametrize("suffix", [" - 1", " + 0", " + 1"])
def test_intercept_terms_are_ignored_as_in_r(data: pd.DataFrame, suffix: str) -> None:
    plain = fit(data, "Surv(t, e) ~ x + site")
    other = fit(data, "Surv(t, e) ~ x + site" + suffix)
    assert list(other.params.index) == list(plain.params.index)
    np.testing.assert_allclose(other.params, plain.params, rtol=1e-12)


def test_a_formula_that_is_not_text(data: pd.DataFrame) -> None:
    with pytest.raises(FormulaError, match="must be a string"):
        fit(data, 3)  # type: ignore[arg-type]


def test_r_terms_mean_the_keywords(data: pd.DataFrame) -> None:
    by_term = fit(data, "Surv(t, e) ~ x + strata(site) + cluster(id)")
    by_keyword = fit(data, "Surv(t, e) ~ x", strata="site", cluster="id")
    np.testing.assert_allclose(by_term.params, by_keyword.params, rtol=1e-12)
    np.testing.assert_allclose(by_term.std_err, by_keyword.std_err, rtol=1e-12)
    assert by_term.robust
    both = fit(data, "Surv(t, e) ~ x + strata(site)", strata="site")
    np.testing.assert_allclose(both.params, by_keyword.params, rtol=1e-12)
    with pytest.raises(FormulaError, match="strata= names"):
        fit(data, "Surv(t, e) ~ x + strata(site)", strata="id")
    two = fit(data, "Surv(t, e) ~ x + strata(site, e)")
    np.testing.assert_allclose(two.params, fit(data, "Surv(t, e) ~ x", strata=["site", "e"]).params)


def test_cluster_lists(data: pd.DataFrame) -> None:
    one = fit(data, "Surv(t, e) ~ x", cluster=["id"])
    np.testing.assert_allclose(one.std_err, fit(data, "Surv(t, e) ~ x", cluster="id").std_err)
    with pytest.raises(FormulaError, match="cluster takes one column"):
        fit(data, "Surv(t, e) ~ x", cluster=["id", "site"])


def test_frailty_term_means_the_keyword(data: pd.DataFrame) -> None:
    frame = data.assign(centre=np.arange(len(data)) % 6)
    by_term = fit(frame, "Surv(t, e) ~ x + frailty(centre)", ties="breslow")
    by_keyword = fit(frame, "Surv(t, e) ~ x", frailty="centre", ties="breslow")
    assert by_term.frailty is not None
    assert by_keyword.frailty is not None
    assert by_term.frailty.theta == pytest.approx(by_keyword.frailty.theta, rel=1e-10)


def test_frailty_term_with_theta_is_the_fixed_theta_keyword(data: pd.DataFrame) -> None:
    frame = data.assign(centre=np.arange(len(data)) % 6)
    by_term = fit(frame, "Surv(t, e) ~ x + frailty(centre, theta=0.3)")
    by_keyword = ss.coxph("Surv(t, e) ~ x", frame, frailty="centre", theta=0.3)
    assert by_term.frailty is not None
    assert by_keyword.frailty is not None
    assert by_term.frailty.theta == pytest.approx(0.3)
    np.testing.assert_allclose(by_term.params, by_keyword.params, rtol=1e-12)


def test_cause_specific_event(data: pd.DataFrame) -> None:
    result = fit(data, "Surv(t, status == 2) ~ x + z")
    manual = fit(data.assign(d=(data["status"] == 2).astype(int)), "Surv(t, d) ~ x + z")
    np.testing.assert_allclose(result.params, manual.params, rtol=1e-12)
    assert result.n_event == int((data["status"] == 2).sum())
    text = data.assign(status=data["status"].map({0: "censored", 1: "relapse", 2: "death"}))
    by_text = fit(text, "Surv(t, status == 'death') ~ x + z")
    np.testing.assert_allclose(by_text.params, manual.params, rtol=1e-12)


def test_r_one_two_event_coding_gets_a_hint(data: pd.DataFrame) -> None:
    with pytest.raises(InvalidDataError, match=r"write Surv\(time, e == 2\)"):
        fit(data.assign(e=data["e"] + 1), "Surv(t, e) ~ x")


def test_dotted_and_integer_column_names(data: pd.DataFrame) -> None:
    dotted = fit(data, "Surv(t, e) ~ `ph.ecog` + x")
    renamed = fit(data.rename(columns={"ph.ecog": "ph_ecog"}), "Surv(t, e) ~ ph_ecog + x")
    np.testing.assert_allclose(dotted.params.to_numpy(), renamed.params.to_numpy(), rtol=1e-12)
    numbered = data[["t", "e", "x", "z"]].set_axis([0, 1, 2, 3], axis=1)
    result = fit(numbered, "Surv(`0`, `1`) ~ `2` + `3`")
    np.testing.assert_allclose(
        result.params.to_numpy(), fit(data, "Surv(t, e) ~ x + z").params.to_numpy(), rtol=1e-12
    )


def test_duplicate_column_names(data: pd.DataFrame) -> None:
    frame = pd.concat([data, data[["x"]]], axis=1)
    with pytest.raises(FormulaError, match="'x' appears 2 times"):
        fit(frame, "Surv(t, e) ~ x + z")


def test_unknown_names_are_missing_columns(data: pd.DataFrame) -> None:
    with pytest.raises(ColumnNotFoundError, match="covariate column 'grade'"):
        fit(data, "Surv(t, e) ~ np.log(grade)")
    with pytest.raises(ColumnNotFoundError, match="survival column 'time'"):
        fit(data, "Surv(time, status == 2) ~ x")


def test_parse_formula_rebuilds_the_checked_terms() -> None:
    parsed = parse_formula("Surv(time, status == 2) ~ age + `ph.ecog` + strata(inst)")
    assert parsed.surv_columns == ["time", "status"]
    assert parsed.event_code == 2
    assert parsed.rhs == "age + `ph.ecog`"
    assert parsed.specials.strata == ["inst"]
