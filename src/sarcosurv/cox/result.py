"""The frozen result of :func:`sarcosurv.coxph` and its pandas views."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._results import ResultDisplay, TestResult, hazard_ratio_table, printed_hazard_ratios
from ..errors import SarcosurvError
from . import diagnostics
from .formula import Design
from .kernels import NewtonResult, SortedCoxData

if TYPE_CHECKING:
    from .frailty import FrailtyResult, GammaFrailtyFit

__all__ = ["CoxFit", "CoxModelArrays", "CoxResult", "CoxTests"]

FloatArray = npt.NDArray[np.float64]
ResidualKind = Literal[
    "martingale", "deviance", "score", "schoenfeld", "scaled_schoenfeld", "dfbeta"
]


@dataclass(frozen=True)
class CoxModelArrays:
    """The arrays a Cox fit was computed from, over the rows it used (input order).

    ``covariates`` holds the model-matrix columns kept in the fit (those of
    ``params``); ``entry`` is None for right-censored data; ``used`` marks the
    rows of the input frame that entered the fit.
    """

    time: FloatArray
    event: npt.NDArray[np.bool_]
    entry: FloatArray | None
    covariates: FloatArray
    used: npt.NDArray[np.bool_]


@dataclass(frozen=True, repr=False)
class CoxTests(ResultDisplay):
    """Global tests of all coefficients being zero (R ``summary.coxph``)."""

    _repr_fields: ClassVar[tuple[str, ...]] = ("likelihood_ratio",)

    likelihood_ratio: TestResult
    wald: TestResult
    score: TestResult
    robust_score: TestResult | None = None

    def to_frame(self) -> pd.DataFrame:
        tests = [self.likelihood_ratio, self.wald, self.score]
        if self.robust_score is not None:
            tests.append(self.robust_score)
        return pd.concat([t.to_frame() for t in tests], ignore_index=True)


@dataclass(frozen=True, repr=False)
class CoxFit(ResultDisplay):
    """What a fitted model keeps for diagnostics and prediction (sorted data, design)."""

    _repr_fields: ClassVar[tuple[str, ...]] = ("ties", "strata_labels")

    data: SortedCoxData
    design: Design
    kept_columns: list[int]
    ties: Literal["efron", "breslow"]
    weights: FloatArray
    strata_codes: npt.NDArray[np.intp]
    strata_labels: list[str]
    strata_columns: list[str]
    cluster_codes: npt.NDArray[np.intp] | None
    newton: NewtonResult | None
    frailty_fit: GammaFrailtyFit | None = None
    row_labels: pd.Index | None = None  # the data's index labels of the rows used


@dataclass(frozen=True, eq=False)
class CoxResult:
    """A fitted Cox proportional hazards model.

    Attributes
    ----------
    params, std_err : pandas.Series
        Coefficients and their standard errors, indexed by term. With
        ``cluster`` the standard errors are robust (sandwich) ones and
        ``naive_std_err`` holds the model-based ones, as R prints them.
    vcov : pandas.DataFrame
    loglik : tuple of float
        Partial log-likelihood at beta = 0 and at the estimate.
    tests : CoxTests or None
        Likelihood-ratio, Wald and score tests (None for frailty fits, whose
        tests are in ``frailty``).
    n, n_event : int
        Rows used and events among them.
    excluded : pandas.DataFrame
        Rows left out (``row``, ``patient_id`` when present, ``reason``).
    dropped_terms : tuple of str
        Constant or collinear columns left out (a CollinearityWarning says so).
    frailty : FrailtyResult or None
        The shared gamma frailty (variance, CI, test, cluster estimates).
    converged : bool
        False when an iteration cap was reached (a ConvergenceWarning said so).
    n_iter : int
        Newton–Raphson iterations (Cox), or values of theta solved (frailty).
    variance_note : str or None
        Why the standard errors are robust when no cluster was given (non-integer
        case weights, as R's default); printed by ``str()``.
    """

    formula: str
    params: pd.Series
    std_err: pd.Series
    naive_std_err: pd.Series
    vcov: pd.DataFrame
    loglik: tuple[float, float]
    tests: CoxTests | None
    n: int
    n_event: int
    excluded: pd.DataFrame
    dropped_terms: tuple[str, ...]
    ties: str
    robust: bool
    conf_level: float
    frailty: FrailtyResult | None
    fit: CoxFit = field(repr=False, compare=False)
    converged: bool = True
    n_iter: int = 0
    variance_note: str | None = None

    @classmethod
    def build(
        cls,
        *,
        formula: str,
        names: list[str],
        beta: FloatArray,
        vcov: FloatArray,
        naive_vcov: FloatArray,
        loglik: tuple[float, float],
        tests: CoxTests | None,
        fit: CoxFit,
        conf_level: float,
        robust: bool,
        converged: bool = True,
        n_iter: int = 0,
        variance_note: str | None = None,
    ) -> CoxResult:
        index = pd.Index(names, name="term")
        kept = set(fit.kept_columns)
        dropped = tuple(n for j, n in enumerate(fit.design.column_names) if j not in kept)
        return cls(
            formula=formula,
            params=pd.Series(beta, index=index, name="coef"),
            std_err=pd.Series(np.sqrt(np.diag(vcov)), index=index, name="std_err"),
            naive_std_err=pd.Series(np.sqrt(np.diag(naive_vcov)), index=index, name="std_err"),
            vcov=pd.DataFrame(vcov, index=index, columns=index),
            loglik=(float(loglik[0]), float(loglik[1])),
            tests=tests,
            n=fit.data.n,
            n_event=fit.data.n_event,
            excluded=fit.design.excluded,
            dropped_terms=dropped,
            ties=fit.ties,
            robust=robust,
            conf_level=conf_level,
            frailty=None if fit.frailty_fit is None else fit.frailty_fit.frailty,
            fit=fit,
            converged=converged,
            n_iter=n_iter,
            variance_note=variance_note,
        )

    @property
    def beta(self) -> FloatArray:
        return self.params.to_numpy(dtype=np.float64)

    @property
    def hazard_ratios(self) -> pd.DataFrame:
        """coef, hazard_ratio, std_err, z, p_value, lower, upper (Wald, per term)."""
        return hazard_ratio_table(self.params, self.std_err, self.conf_level)

    @property
    def std_err_naive(self) -> pd.Series:
        """Model-based standard errors (the same as ``naive_std_err``)."""
        return self.naive_std_err

    def to_frame(self) -> pd.DataFrame:
        """The hazard-ratio table (``hazard_ratios``), one row per term."""
        return self.hazard_ratios

    def __repr__(self) -> str:
        return f"<CoxResult n={self.n} events={self.n_event} terms={len(self.params)}>"

    def _repr_html_(self) -> str:
        return str(self.summary().to_html())

    def summary(self) -> pd.DataFrame:
        """The coefficient table (``hazard_ratios``), with the naive SE next to a robust one."""
        table = self.hazard_ratios
        if self.robust:
            table.insert(2, "naive_std_err", self.naive_std_err)
        return table

    def __str__(self) -> str:
        lines = [f"Cox proportional hazards model: {self.formula}"]
        lines.append(
            f"n = {self.n}, events = {self.n_event}, ties = {self.ties}"
            + (f", excluded rows = {len(self.excluded)}" if len(self.excluded) else "")
        )
        table = self.summary()
        se = "SE" + (" (robust)" if self.robust else "")
        shown = printed_hazard_ratios(table, self.conf_level, se)
        lines.append(shown.to_string())
        if self.robust:
            lines.append(
                self.variance_note or "SE (robust): sandwich standard errors summed within clusters"
            )
            lines.append("model-based standard errors: fit.naive_std_err")
        if self.tests is not None:
            lr = self.tests.likelihood_ratio
            lines.append(
                f"Likelihood ratio test = {lr.statistic:.2f} on {lr.df:.0f} df, "
                f"p = {lr.p_value:.3g}"
            )
        if self.frailty is not None:
            lines.append(str(self.frailty))
        return "\n".join(lines)

    @cached_property
    def concordance(self) -> float:
        """Harrell's C with R ``coxph``'s conventions (ties in the risk score count 1/2)."""
        return diagnostics.concordance(self)

    def baseline_hazard(self) -> pd.DataFrame:
        """Baseline cumulative hazard at covariates = 0: ``[stratum,] time, cumulative_hazard``."""
        return diagnostics.baseline_hazard(self)

    def predict_survival(
        self,
        newdata: pd.DataFrame,
        times: float | Sequence[float],
        conf_type: Literal["log", "log-log", "plain"] = "log",
        conf_level: float | None = None,
    ) -> pd.DataFrame:
        """Survival of new rows: ``row, [stratum,] time, survival, std_err, lower, upper``.

        As R ``summary(survfit(fit, newdata), times)``: the standard error
        includes the uncertainty of the coefficients; ``std_err`` is that of the
        survival, the CI is built on the cumulative hazard (``conf_type="log"``
        as R's default). Each row of a stratified model gets the curve of its
        own stratum (``newdata`` must hold the strata columns). After the last
        follow-up time the curve stays at its last value, with a warning (R's
        ``summary(..., extend=TRUE)``; its default leaves such times out).
        """
        return diagnostics.predict_survival(self, newdata, times, conf_type, conf_level)

    def predict(
        self,
        newdata: pd.DataFrame,
        kind: Literal["lp", "risk"] = "lp",
        reference: Literal["strata", "sample", "zero"] = "strata",
    ) -> pd.Series:
        """Linear predictor (``kind="lp"``) or ``exp`` of it (``"risk"``), as R ``predict.coxph``.

        Centred as R by default: at the weighted means of the fitted rows of the
        row's stratum (``reference="strata"``; the overall means without strata).
        """
        return diagnostics.predict(self, newdata, kind, reference)

    def model_arrays(self) -> CoxModelArrays:
        """Response, kept model-matrix columns and the used-row mask, as numpy arrays.

        Examples
        --------
        >>> import pandas as pd, sarcosurv as ss
        >>> d = pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 0, 1, 1], "x": [0, 1, 0, 1]})
        >>> ss.coxph("Surv(t, e) ~ x", d).model_arrays().covariates.shape
        (4, 1)
        """
        design = self.fit.design
        start = design.start
        return CoxModelArrays(
            time=np.asarray(design.stop, dtype=np.float64),
            event=np.asarray(design.event, dtype=bool),
            entry=None if start is None else np.asarray(start, dtype=np.float64),
            covariates=np.asarray(design.covariates, dtype=np.float64)[
                :, list(self.fit.kept_columns)
            ],
            used=np.asarray(design.used, dtype=bool),
        )

    def residuals(self, kind: ResidualKind = "martingale") -> pd.DataFrame | pd.Series:
        """Residuals as R ``residuals.coxph``, indexed by the rows used."""
        if self.frailty is not None and kind != "martingale":
            raise SarcosurvError(
                f"{kind} residuals are not defined here for a frailty model; fit without "
                "frailty or use martingale residuals"
            )
        return diagnostics.residuals(self, kind)

    def plot_forest(self, ax: Any = None, **kwargs: Any) -> Any:
        """Forest plot of the hazard ratios (log scale, reference rows at 1.00).

        See :func:`sarcosurv.report.forest.plot_forest` (needs the ``plot`` extra).
        """
        from ..report.plots import plot_forest

        return plot_forest(self, ax, **kwargs)

    def plot_proportional_hazards(self, **kwargs: Any) -> Any:
        """Scaled Schoenfeld residuals against time per coefficient, as R ``plot(cox.zph)``.

        See :func:`sarcosurv.report.ph_plot.plot_proportional_hazards` (``plot`` extra).
        """
        from ..report.plots import plot_proportional_hazards

        return plot_proportional_hazards(self, **kwargs)

    def test_proportional_hazards(
        self, transform: Literal["km", "rank", "identity"] = "km"
    ) -> pd.DataFrame:
        """Grambsch–Therneau test per term and GLOBAL (R ``cox.zph``)."""
        if self.frailty is not None:
            raise SarcosurvError("test_proportional_hazards is not available for frailty fits")
        return diagnostics.test_proportional_hazards(self, transform)
