"""Testing for a centre effect in multi-centre survival data: four tests side by side.

``ss.centre_effect_tests(formula, data, centre)`` reports

* the **score test** of a random centre effect (Commenges & Andersen 1995),
  computed from the Cox fit without the centre (its martingale residuals),
  equal to ``frailtyEM::ca_test``;
* the **likelihood-ratio test of fixed centre dummies** (Cox fit with and
  without ``C(centre)``, ``K - 1`` degrees of freedom);
* the **chi-bar-square likelihood-ratio test** of the shared gamma frailty
  (``ss.coxph(..., frailty=centre).frailty.lrt``);
* optionally a **parametric bootstrap** p-value of that frailty statistic
  under the fitted null model.

Andersen, Klein & Zhang (1999) found that the fixed-effects tests reject far
more often than their nominal level with many small centres, while the score
test holds its level and has good power against small centre effects; the
measured operating characteristics of all four are in
``docs/validation/centre-effect.md`` and in :data:`MEASURED_SIZE`.

References
----------
Commenges D, Andersen PK. Score test of homogeneity for survival data.
Lifetime Data Anal 1995;1:145-156.
Andersen PK, Klein JP, Zhang MJ. Testing for centre effects in multi-centre
survival studies: a Monte Carlo comparison of fixed and random effects tests.
Stat Med 1999;18:1489-1500.
"""

from __future__ import annotations

import sys
import time
import warnings
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from . import _centre_score as kernels
from ._centre_fixed import fit_loglik, independent_columns
from ._results import ResultDisplay, TestResult
from ._validate import as_pandas
from .cox import CoxControl, CoxResult, coxph
from .errors import (
    ColumnNotFoundError,
    ConvergenceError,
    GroupError,
    MonotoneLikelihoodWarning,
    SarcosurvError,
    SarcosurvWarning,
)

__all__ = [
    "MEASURED_SIZE",
    "SMALL_CENTRE_SIZE",
    "BootstrapTest",
    "CentreEffectResult",
    "FixedEffectsTest",
    "ScoreTest",
    "centre_effect_tests",
    "centre_score_test",
]

#: Centres with fewer patients than this count as small in the fixed-effects warning.
SMALL_CENTRE_SIZE = 5

#: Rejection rate at the 5% level when there is no centre effect, measured by
#: ``benchmarks/centre_effect_simulation.py`` (design (a): about 340 patients in
#: 50-80 centres of skewed sizes). Printed beside each test; a rate outside
#: 0.03-0.07 is flagged. Keys: score, fixed, frailty, bootstrap.
MEASURED_SIZE: dict[str, float] = {
    "score": 0.055,  # 1,000 replicates, Monte Carlo SE 0.007
    "fixed": 0.317,  # 1,000 replicates, SE 0.015
    "frailty": 0.021,  # 1,000 replicates, SE 0.005
    "bootstrap": 0.100,  # 40 replicates (B = 39), SE 0.047: imprecise
}
#: How :data:`MEASURED_SIZE` was obtained (script, replicates).
MEASURED_SIZE_SOURCE = (
    "benchmarks/centre_effect_simulation.py --replicates 1000 --power-replicates 250 "
    "--bootstrap-datasets 40 --bootstrap-b 39 --bootstrap-thetas 0,0.2 --seed 2020 "
    "(design a; results in benchmarks/results/centre_effect_simulation.json)"
)

_TEST_LABELS = {
    "score": "score (Commenges-Andersen)",
    "fixed": "fixed centre dummies (LRT)",
    "frailty": "gamma frailty (chi-bar-square LRT)",
    "bootstrap": "gamma frailty (parametric bootstrap)",
}
_CENTRE = "__centre__"
# The simulated response of a bootstrap replicate (formula names may not hold "__").
_SIM_TIME, _SIM_EVENT = "sarcosurv_bootstrap_time", "sarcosurv_bootstrap_event"
# A replicate needs theta-hat and the LRT only: no profile CI of theta.
_REPLICATE_CONTROL = CoxControl(theta_ci=False)


@dataclass(frozen=True, repr=False)
class ScoreTest(ResultDisplay):
    """Commenges–Andersen score test of a random centre effect.

    ``statistic`` is ``T``, ``variance`` its estimated variance under the
    null; ``T^2 / variance`` is referred to chi-square with 1 df.
    """

    _repr_fields: ClassVar[tuple[str, ...]] = ("statistic", "variance", "p_value")

    __test__ = False

    statistic: float
    variance: float
    p_value: float

    @property
    def chi_square(self) -> float:
        """``T^2 / variance``, the chi-square(1) statistic."""
        return self.statistic**2 / self.variance


@dataclass(frozen=True, repr=False)
class FixedEffectsTest(ResultDisplay):
    """Likelihood-ratio test of the centre dummies (``df`` = centres - 1).

    Centres without events make their dummies diverge: the statistic uses
    the supremum of the likelihood, reached with those centres' risk at zero.
    """

    _repr_fields: ClassVar[tuple[str, ...]] = ("statistic", "df", "p_value")

    __test__ = False

    statistic: float
    df: int
    p_value: float
    centres_without_events: tuple[str, ...]
    n_small_centres: int


@dataclass(frozen=True, repr=False)
class BootstrapTest(ResultDisplay):
    """Parametric-bootstrap p-value of the frailty likelihood-ratio statistic.

    ``p_value = (1 + #{replicate statistic >= observed}) / (1 + replicates)``
    over the replicates whose frailty fit succeeded (``failed`` counts the others).
    """

    _repr_fields: ClassVar[tuple[str, ...]] = ("statistic", "p_value", "replicates")

    __test__ = False

    statistic: float
    p_value: float
    replicates: int
    n_exceeding: int
    failed: int
    seed: int | None
    seconds: float


@dataclass(frozen=True, eq=False)
class CentreEffectResult:
    """The four tests of a centre effect (see :func:`centre_effect_tests`).

    Attributes
    ----------
    score : ScoreTest
    fixed : FixedEffectsTest
    frailty : TestResult
        ``statistic, df, p_value`` of the frailty LRT (``theta`` holds its estimate).
    bootstrap : BootstrapTest or None
    excluded : pandas.DataFrame
        Rows left out (``row``, ``reason``): missing centre, or rows the Cox fit dropped.
    """

    formula: str
    centre: str
    strata: tuple[str, ...]
    n: int
    n_event: int
    n_centres: int
    score: ScoreTest
    fixed: FixedEffectsTest
    frailty: TestResult
    theta: float
    bootstrap: BootstrapTest | None
    excluded: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """One row per test: ``test, statistic, df, p_value, size_at_5pct``.

        ``size_at_5pct`` is the rejection rate measured without a centre effect
        (:data:`MEASURED_SIZE`; NaN where not measured).
        """
        rows = [
            ("score", self.score.chi_square, 1.0, self.score.p_value),
            ("fixed", self.fixed.statistic, float(self.fixed.df), self.fixed.p_value),
            ("frailty", self.frailty.statistic, self.frailty.df, self.frailty.p_value),
        ]
        if self.bootstrap is not None:
            rows.append(("bootstrap", self.bootstrap.statistic, np.nan, self.bootstrap.p_value))
        frame = pd.DataFrame(rows, columns=["test", "statistic", "df", "p_value"])
        frame["size_at_5pct"] = [MEASURED_SIZE.get(name, np.nan) for name in frame["test"]]
        return frame

    def summary(self) -> pd.DataFrame:
        """The :meth:`to_frame` table with readable test names."""
        frame = self.to_frame()
        frame["test"] = frame["test"].map(_TEST_LABELS)
        return frame.set_index("test")

    def __str__(self) -> str:
        lines = [
            f"Centre effect ({self.centre!r}): n={self.n}, events={self.n_event}, "
            f"centres={self.n_centres}"
            + (f", strata={', '.join(self.strata)}" if self.strata else ""),
            f"  {self.formula}",
            "",
        ]
        for _, row in self.to_frame().iterrows():
            name = str(row["test"])
            lines.append(
                f"  {_TEST_LABELS[name]:<38} statistic {row['statistic']:9.3f}"
                f"  p = {row['p_value']:.4g}{_size_note(name)}"
            )
        lines += ["", *_advice(self)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<CentreEffectResult n={self.n} events={self.n_event} centres={self.n_centres} "
            f"score_p={self.score.p_value:.3g}>"
        )

    def _repr_html_(self) -> str:
        return str(self.summary().to_html(float_format=lambda v: f"{v:.4g}"))


def _size_note(test: str) -> str:
    size = MEASURED_SIZE.get(test)
    if size is None:
        return ""
    if 0.03 <= size <= 0.07:
        return f"   (measured size {size:.3f})"
    return f"   (measured size {size:.3f} at 5%: outside 0.03-0.07)"


def _advice(result: CentreEffectResult) -> list[str]:
    advice = [
        "Read the score test: its measured size was 0.04-0.06 at 5% with many small or",
        "few large centres (Commenges & Andersen 1995; Andersen, Klein & Zhang 1999).",
    ]
    if result.fixed.n_small_centres or result.fixed.centres_without_events:
        advice.append(
            f"The fixed-effects LRT is unreliable here: {result.fixed.n_small_centres} centres "
            f"have < {SMALL_CENTRE_SIZE} patients, {len(result.fixed.centres_without_events)} "
            "have no event."
        )
    advice.append(
        "The chi-bar-square frailty LRT is conservative (measured size 0.02-0.04) yet had"
    )
    advice.append("as much power in the simulations: a significant result of it can be trusted.")
    if result.bootstrap is not None and result.bootstrap.replicates < 199:
        advice.append(f"The bootstrap used {result.bootstrap.replicates} replicates: use >= 199.")
    return advice


def centre_effect_tests(
    formula: str,
    data: pd.DataFrame,
    centre: str,
    strata: str | list[str] | None = None,
    ties: Literal["efron", "breslow"] = "efron",
    bootstrap: int = 0,
    seed: int | None = None,
    *,
    progress: bool | None = None,
) -> CentreEffectResult:
    """Test for a centre effect: score, fixed-effects, frailty and bootstrap tests.

    The score statistic of Commenges & Andersen (1995), from the Cox fit
    without the centre, is

    .. math:: T = \\sum_i M_i^2 - D + \\sum_h \\sum_t d_h(t) \\sum_i p_{ih}(t)^2

    (``M_i``: summed martingale residuals of centre ``i``; ``p_ih(t)``: the
    centre's share of the risk set of stratum ``h``; ``D``: events), with
    ``T^2 / Var(T)`` referred to chi-square(1), as ``frailtyEM::ca_test``.

    Parameters
    ----------
    formula : str
        ``"Surv(time, event) ~ covariates"`` without the centre (right-censored data).
    data : pandas.DataFrame
    centre : str
        Column naming the centre. Rows with a missing centre are left out and
        listed in ``excluded``.
    strata : str or list of str, optional
        Stratification of the baseline hazard (passed to :func:`sarcosurv.coxph`).
    ties : {"efron", "breslow"}
    bootstrap : int
        Replicates of the parametric bootstrap of the frailty LRT (0: none).
        Each replicate draws event times from the fitted null Cox model
        (baseline hazard of :meth:`CoxResult.baseline_hazard`) and keeps the
        observed censoring (patients with an event get a censoring time from
        the reverse Kaplan-Meier beyond their event time).
    seed : int, optional
        Seed of the bootstrap's :func:`numpy.random.default_rng`.
    progress : bool, optional
        Progress on stderr during the bootstrap (default: when ``bootstrap >= 50``).

    Returns
    -------
    CentreEffectResult

    Raises
    ------
    GroupError
        One centre only, every centre of one patient, or each stratum holding a
        single centre (the stratification absorbs the centre effect).

    References
    ----------
    Commenges & Andersen, Lifetime Data Anal 1995;1:145-156. Andersen, Klein &
    Zhang, Stat Med 1999;18:1489-1500.

    Examples
    --------
    >>> import sarcosurv as ss
    >>> import pandas as pd
    >>> rats = pd.read_csv("tests/data/rats.csv")  # doctest: +SKIP
    >>> t = ss.centre_effect_tests("Surv(time, status) ~ rx", rats, "litter")  # doctest: +SKIP
    >>> round(t.score.p_value, 4)  # doctest: +SKIP
    0.0003
    """
    data = as_pandas(data)
    strata_list = [strata] if isinstance(strata, str) else list(strata or [])
    null_fit, arrays, used, excluded = _null_model(formula, data, centre, strata_list, ties)
    score = _score(arrays)
    fixed = _fixed_test(arrays, null_fit.loglik[1])
    frailty_fit = coxph(formula, used, ties=ties, strata=strata_list or None, frailty=_CENTRE)
    assert frailty_fit.frailty is not None
    lrt = frailty_fit.frailty.lrt
    boot = None
    if bootstrap > 0:
        show = bootstrap >= 50 if progress is None else progress
        boot = _bootstrap(
            formula, used, arrays, strata_list, ties, lrt.statistic, bootstrap, seed, show
        )
    return CentreEffectResult(
        formula=formula,
        centre=centre,
        strata=tuple(strata_list),
        n=null_fit.n,
        n_event=null_fit.n_event,
        n_centres=int(arrays.inputs.centre.max()) + 1,
        score=score,
        fixed=fixed,
        frailty=lrt,
        theta=float(frailty_fit.frailty.theta),
        bootstrap=boot,
        excluded=excluded,
    )


def centre_score_test(
    formula: str,
    data: pd.DataFrame,
    centre: str,
    strata: str | list[str] | None = None,
    ties: Literal["efron", "breslow"] = "efron",
) -> ScoreTest:
    """Only the Commenges–Andersen score test of :func:`centre_effect_tests`.

    For large data: it needs just the Cox fit without the centre, O(n log n)
    whatever the number of centres (when each centre lies in one stratum).

    Examples
    --------
    >>> import sarcosurv as ss
    >>> import pandas as pd
    >>> rats = pd.read_csv("tests/data/rats.csv")  # doctest: +SKIP
    >>> ss.centre_score_test("Surv(time, status) ~ rx", rats, "litter").p_value  # doctest: +SKIP
    0.000327...
    """
    data = as_pandas(data)
    strata_list = [strata] if isinstance(strata, str) else list(strata or [])
    return _score(_null_model(formula, data, centre, strata_list, ties)[1])


def _null_model(
    formula: str,
    data: pd.DataFrame,
    centre: str,
    strata: list[str],
    ties: Literal["efron", "breslow"],
) -> tuple[CoxResult, _NullArrays, pd.DataFrame, pd.DataFrame]:
    """The Cox fit without the centre, its arrays, the rows used and the rows excluded."""
    prepared, labels, excluded = _prepare(data, centre, strata)
    null_fit = coxph(formula, prepared, ties=ties, strata=strata or None)
    arrays = _NullArrays.from_fit(null_fit, prepared, strata, centre)
    excluded = pd.concat(
        [excluded, _fit_exclusions(null_fit, labels)], ignore_index=True
    ).sort_values("row", kind="stable", ignore_index=True)
    _check_design(arrays, strata)
    used = prepared.loc[arrays.used].reset_index(drop=True)
    return null_fit, arrays, used, excluded


def _score(arrays: _NullArrays) -> ScoreTest:
    statistic, variance = kernels.score_test(arrays.inputs)
    if not variance > 0:
        raise ConvergenceError(
            f"the score test's variance is {variance:.3g}: no information on a centre "
            f"effect in column {arrays.centre_column!r}"
        )
    return ScoreTest(statistic, variance, float(special.chdtrc(1, statistic**2 / variance)))


def _prepare(
    data: pd.DataFrame, centre: str, strata: list[str]
) -> tuple[pd.DataFrame, pd.Index, pd.DataFrame]:
    """Copy without rows of missing centre, positional index, centre as text categories."""
    if centre not in data.columns:
        raise ColumnNotFoundError(centre, [str(c) for c in data.columns], role="centre")
    missing = data[centre].isna().to_numpy()
    excluded = pd.DataFrame({"row": data.index[missing], "reason": f"missing {centre}"})
    prepared = data.loc[~missing].copy()
    labels = prepared.index
    prepared.index = pd.RangeIndex(len(prepared))
    prepared[_CENTRE] = _centre_labels(prepared[centre])
    return prepared, labels, excluded


def _centre_labels(values: pd.Series) -> pd.Series:
    """The centre as text (categorical: cheap to group again), sorted by the raw values."""
    try:
        codes, uniques = pd.factorize(values, sort=True)
        text = pd.Index(uniques).astype(str)
        if text.is_unique:
            categories = pd.Categorical.from_codes(codes, categories=text)
            return pd.Series(categories, index=values.index)
    except TypeError:  # labels of mixed types do not sort
        pass
    return values.astype(str)


def _fit_exclusions(fit: CoxResult, labels: pd.Index) -> pd.DataFrame:
    dropped = fit.excluded
    if dropped.empty:
        return pd.DataFrame({"row": [], "reason": []})
    rows = labels[dropped["row"].to_numpy(dtype=np.intp)]
    return pd.DataFrame({"row": rows, "reason": dropped.get("reason", "dropped by the Cox fit")})


@dataclass(frozen=True)
class _NullArrays:
    """The null Cox fit's arrays over the rows it used."""

    inputs: kernels.ScoreInputs
    used: npt.NDArray[np.bool_]
    centre_labels: tuple[str, ...]
    centre_column: str

    @classmethod
    def from_fit(
        cls, fit: CoxResult, prepared: pd.DataFrame, strata: list[str], centre: str
    ) -> _NullArrays:
        arrays = fit.model_arrays()
        if arrays.entry is not None:
            raise SarcosurvError(
                "centre_effect_tests needs right-censored data, Surv(time, event); "
                "counting-process data Surv(start, stop, event) are not supported"
            )
        x, used = arrays.covariates, arrays.used
        rows = prepared.loc[used]
        codes, labels = pd.factorize(rows[_CENTRE], sort=True)
        stratum = (
            rows.groupby(strata, sort=True).ngroup().to_numpy()
            if strata
            else np.zeros(len(rows), dtype=np.intp)
        )
        residuals = fit.residuals("martingale")
        assert isinstance(residuals, pd.Series)
        inputs = kernels.ScoreInputs(
            stop=arrays.time,
            event=arrays.event,
            # einsum, not BLAS gemv: OpenBLAS threads a tall product (see cox.kernels)
            risk=np.exp(np.einsum("ij,j->i", x, fit.params.to_numpy(dtype=np.float64))),
            covariates=x,
            residuals=residuals.reindex(rows.index).to_numpy(dtype=np.float64),
            centre=codes.astype(np.intp),
            stratum=stratum.astype(np.intp),
            vcov=fit.vcov.to_numpy(dtype=np.float64),
            efron=fit.ties == "efron",
            order=fit.fit.data.order,
        )
        return cls(inputs, used, tuple(str(v) for v in labels), centre)


def _check_design(arrays: _NullArrays, strata: list[str]) -> None:
    """Typed errors where no centre effect can be tested."""
    centre, stratum = arrays.inputs.centre, arrays.inputs.stratum
    name = arrays.centre_column
    if len(arrays.centre_labels) < 2:
        raise GroupError(
            f"column {name!r}: every row used is in centre {arrays.centre_labels[0]!r}; "
            "a centre effect needs at least two centres"
        )
    if np.all(np.bincount(centre) == 1):
        raise GroupError(
            f"column {name!r}: every centre has a single patient; a centre effect "
            "cannot be told apart from patient-level variation"
        )
    n_centres = len(arrays.centre_labels)
    pairs = np.unique(stratum.astype(np.int64) * n_centres + centre)  # (stratum, centre) keys
    if strata and np.all(np.bincount(pairs // n_centres) == 1):
        raise GroupError(
            f"column {name!r}: each stratum of {', '.join(strata)} holds a single centre, "
            "so the stratified baseline absorbs any centre effect; drop the stratification "
            "by centre to test it"
        )


def _fixed_test(arrays: _NullArrays, loglik_null: float) -> FixedEffectsTest:
    """LRT of the centre dummies at the supremum of the likelihood.

    A centre without events has the maximum of its dummy at minus infinity,
    where its rows drop out of every risk set: the supremum is the fit
    without those rows (exact, where Newton iterations would only approach
    it). Dummies aliased with covariates or strata are left out of ``df``.
    """
    inputs = arrays.inputs
    codes = inputs.centre
    events = np.bincount(codes, weights=inputs.event.astype(np.float64))
    sizes = np.bincount(codes)
    no_event = tuple(arrays.centre_labels[k] for k in np.flatnonzero(events == 0))
    n_small = int(np.sum(sizes < SMALL_CENTRE_SIZE))
    rows = events[codes] > 0
    with_events = np.flatnonzero(events > 0)
    dummies = (codes[rows, None] == with_events[None, 1:]).astype(np.float64)
    x = np.hstack([inputs.covariates[rows], dummies])
    stratum = inputs.stratum[rows]
    keep = independent_columns(x, stratum)
    n_null = independent_columns(inputs.covariates, inputs.stratum).size
    loglik, _, _ = fit_loglik(
        x[:, keep], inputs.stop[rows], inputs.event[rows], stratum, inputs.efron
    )
    df = keep.size - n_null + len(no_event)
    if no_event or n_small:
        _warn_fixed(no_event, n_small)
    statistic = max(0.0, 2.0 * (loglik - loglik_null))
    return FixedEffectsTest(
        statistic=statistic,
        df=df,
        p_value=float(special.chdtrc(df, statistic)),
        centres_without_events=no_event,
        n_small_centres=n_small,
    )


def _warn_fixed(no_event: tuple[str, ...], n_small: int) -> None:
    shown = ", ".join(repr(c) for c in no_event[:10])
    more = f" and {len(no_event) - 10} more" if len(no_event) > 10 else ""
    parts = []
    if no_event:
        parts.append(
            f"{len(no_event)} centre(s) without events ({shown}{more}; their dummies "
            "diverge, the LRT uses the supremum)"
        )
    if n_small:
        parts.append(f"{n_small} centre(s) with fewer than {SMALL_CENTRE_SIZE} patients")
    warnings.warn(
        f"fixed centre effects: {' and '.join(parts)}: the chi-square reference of this "
        "LRT is unreliable; read the score test",
        MonotoneLikelihoodWarning,
        stacklevel=4,
    )


def _replicate_formula(formula: str) -> str:
    """The formula with its response replaced by the simulated columns."""
    if "~" not in formula:
        raise SarcosurvError(f"formula {formula!r} has no '~'")
    return f"Surv({_SIM_TIME}, {_SIM_EVENT}) ~" + formula.split("~", 1)[1]


def _bootstrap(
    formula: str,
    used: pd.DataFrame,
    arrays: _NullArrays,
    strata: list[str],
    ties: Literal["efron", "breslow"],
    observed: float,
    replicates: int,
    seed: int | None,
    show: bool,
) -> BootstrapTest:
    """Parametric bootstrap of the frailty LRT under the fitted null Cox model."""
    rng = np.random.default_rng(seed)
    hazards = kernels.hazards_by_stratum(arrays.inputs)
    replicate_formula = _replicate_formula(formula)
    frame = used.copy()
    values: list[float] = []
    failed = 0
    last_error: Exception | None = None
    start = time.perf_counter()
    for b in range(replicates):
        stop, event = kernels.simulate_null(rng, arrays.inputs, hazards)
        frame[_SIM_TIME] = stop
        frame[_SIM_EVENT] = event.astype(np.int64)
        try:
            with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):
                warnings.simplefilter("ignore", SarcosurvWarning)
                fit = coxph(
                    replicate_formula,
                    frame,
                    ties=ties,
                    strata=strata or None,
                    frailty=_CENTRE,
                    control=_REPLICATE_CONTROL,
                )
            assert fit.frailty is not None
            values.append(float(fit.frailty.lrt.statistic))
        except (SarcosurvError, ConvergenceError, np.linalg.LinAlgError) as error:
            failed, last_error = failed + 1, error
        if show:
            _progress(b + 1, replicates, time.perf_counter() - start)
    _check_failures(failed, replicates, last_error)
    exceeding = int(np.sum(np.asarray(values) >= observed - 1e-12))
    return BootstrapTest(
        statistic=float(observed),
        p_value=(1 + exceeding) / (1 + len(values)),
        replicates=len(values),
        n_exceeding=exceeding,
        failed=failed,
        seed=seed,
        seconds=time.perf_counter() - start,
    )


def _check_failures(failed: int, replicates: int, last_error: Exception | None) -> None:
    """Every replicate failed: an error; some failed: a warning naming how many."""
    if failed == replicates:
        raise ConvergenceError(
            f"the frailty fit failed in all {replicates} bootstrap replicates "
            f"(last error: {last_error})"
        )
    if failed:
        warnings.warn(
            f"the frailty fit failed in {failed} of {replicates} bootstrap replicates; "
            f"the p-value uses the other {replicates - failed} (last error: {last_error})",
            SarcosurvWarning,
            stacklevel=4,
        )


def _progress(done: int, total: int, seconds: float) -> None:
    """A one-line text progress bar on stderr."""
    step = max(1, total // 40)
    if done % step and done != total:
        return
    width = 30
    filled = int(width * done / total)
    remaining = seconds / done * (total - done)
    sys.stderr.write(
        f"\rbootstrap [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        f"  {seconds:5.0f}s elapsed, ~{remaining:4.0f}s left"
    )
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()
