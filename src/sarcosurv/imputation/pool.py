"""``pool``: Rubin's rules over the fits of one model on m imputed datasets."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from .._results import ResultDisplay, printed_hazard_ratios
from ..errors import ImputationError, SarcosurvWarning
from .rubin import d1_test, rubin_pool, t_quantile

if TYPE_CHECKING:
    from .chained import ImputationResult

__all__ = ["D1Result", "PooledFrailty", "PooledResult", "pool"]

FloatArray = npt.NDArray[np.float64]


class _Fit(Protocol):
    """What ``pool`` needs of a fitted model: estimates and their covariance."""

    @property
    def params(self) -> pd.Series: ...

    @property
    def vcov(self) -> pd.DataFrame: ...


@dataclass(frozen=True, repr=False)
class D1Result(ResultDisplay):
    """The D1 multivariate Wald test of several pooled parameters (``mice::D1``)."""

    _repr_fields: ClassVar[tuple[str, ...]] = ("parameters", "statistic", "p_value")

    parameters: tuple[str, ...]
    statistic: float
    df1: int
    df2: float
    p_value: float
    riv: float

    def to_frame(self) -> pd.DataFrame:
        """One row: parameters, statistic (F), df1, df2, p_value, riv."""
        return pd.DataFrame(
            {
                "parameters": [", ".join(self.parameters)],
                "statistic": [self.statistic],
                "df1": [self.df1],
                "df2": [self.df2],
                "p_value": [self.p_value],
                "riv": [self.riv],
            }
        )


@dataclass(frozen=True, eq=False, repr=False)
class PooledFrailty(ResultDisplay):
    """The frailty variance over the imputations, pooled on the log scale.

    Rule: :math:`\\hat\\theta = \\exp(\\frac1m \\sum_l \\log \\hat\\theta_l)` (a variance
    is right-skewed, so it is averaged where it is closer to normal). When an
    imputation's estimate is on the boundary (:math:`\\hat\\theta_l = 0`, no log),
    the median of the m estimates is reported instead. The likelihood-ratio test
    of :math:`\\theta = 0` is summarised by the median of the m p-values (the
    "median P rule", Eekhout, van de Wiel & Heymans 2017).
    """

    _repr_fields: ClassVar[tuple[str, ...]] = ("theta", "lrt_p_value_median")

    theta: float
    theta_per_imputation: tuple[float, ...]
    log_theta_between_variance: float
    lrt_p_value_median: float
    rule: str

    def to_frame(self) -> pd.DataFrame:
        """One row: theta, rule, between-imputation variance of log theta, median LRT p."""
        return pd.DataFrame(
            {
                "theta": [self.theta],
                "rule": [self.rule],
                "log_theta_between_variance": [self.log_theta_between_variance],
                "lrt_p_value_median": [self.lrt_p_value_median],
            }
        )


@dataclass(frozen=True, eq=False)
class PooledResult:
    """Rubin's rules over m fits of one model.

    Attributes
    ----------
    m : int
        Number of imputations pooled.
    n, n_event : int or None
        Rows used and events per fit (from the first fit).
    dfcom : float
        Complete-data degrees of freedom used by the Barnard–Rubin df.
    table : pandas.DataFrame
        Per term: estimate, within_variance, between_variance, total_variance,
        dfcom, df, riv, lambda_, fmi (the columns of ``mice::pool``).
    estimates : pandas.DataFrame
        The m × p per-imputation estimates.
    covariances : ndarray, shape (m, p, p)
        The per-imputation covariance matrices (for D1 tests).
    excluded : pandas.DataFrame
        Rows left out before imputing (``row``, ``reason``), e.g. a missing outcome.
    frailty : PooledFrailty or None
    imputation : ImputationResult or None
        The imputations (with convergence diagnostics) when made by ``mi_coxph``.
    """

    formula: str
    m: int
    n: int | None
    n_event: int | None
    dfcom: float
    conf_level: float
    table: pd.DataFrame
    estimates: pd.DataFrame
    covariances: FloatArray = field(repr=False)
    excluded: pd.DataFrame = field(repr=False)
    frailty: PooledFrailty | None = None
    imputation: ImputationResult | None = field(default=None, repr=False)

    @property
    def params(self) -> pd.Series:
        """Pooled estimates :math:`\\bar Q`."""
        return self.table["estimate"].rename("coef")

    @property
    def std_err(self) -> pd.Series:
        """:math:`\\sqrt{T}`, the total standard error."""
        return pd.Series(
            np.sqrt(self.table["total_variance"].to_numpy()), index=self.table.index, name="std_err"
        )

    @property
    def within_variance(self) -> pd.Series:
        return self.table["within_variance"]

    @property
    def between_variance(self) -> pd.Series:
        return self.table["between_variance"]

    @property
    def total_variance(self) -> pd.Series:
        return self.table["total_variance"]

    @property
    def df(self) -> pd.Series:
        return self.table["df"]

    @property
    def riv(self) -> pd.Series:
        return self.table["riv"]

    @property
    def lambda_(self) -> pd.Series:
        return self.table["lambda_"]

    @property
    def fmi(self) -> pd.Series:
        return self.table["fmi"]

    @property
    def vcov(self) -> pd.DataFrame:
        """Total covariance :math:`\\bar U + (1 + 1/m) B` (matrix form)."""
        within = self.covariances.mean(axis=0)
        between = np.atleast_2d(np.cov(self.estimates.to_numpy(), rowvar=False, ddof=1))
        index = self.table.index
        return pd.DataFrame(within + (1 + 1 / self.m) * between, index=index, columns=index)

    def to_frame(self) -> pd.DataFrame:
        """Rubin's table plus std_err, statistic (t), p_value (t on df), lower, upper."""
        table = self.table.copy()
        se = np.sqrt(table["total_variance"])
        quantile = t_quantile(0.5 + self.conf_level / 2, table["df"].to_numpy())
        table["std_err"] = se
        table["statistic"] = table["estimate"] / se
        table["p_value"] = 2 * special.stdtr(table["df"], -np.abs(table["statistic"]))
        table["lower"] = table["estimate"] - quantile * se
        table["upper"] = table["estimate"] + quantile * se
        return table

    @property
    def hazard_ratios(self) -> pd.DataFrame:
        """coef, hazard_ratio, std_err, statistic, df, p_value, lower, upper, fmi per term."""
        full = self.to_frame()
        return pd.DataFrame(
            {
                "coef": full["estimate"],
                "hazard_ratio": np.exp(full["estimate"]),
                "std_err": full["std_err"],
                "statistic": full["statistic"],
                "df": full["df"],
                "p_value": full["p_value"],
                "lower": np.exp(full["lower"]),
                "upper": np.exp(full["upper"]),
                "fmi": full["fmi"],
            }
        )

    def summary(self) -> pd.DataFrame:
        """The pooled coefficient table with hazard ratios (``hazard_ratios``)."""
        return self.hazard_ratios

    def d1(self, parameters: str | Sequence[str]) -> D1Result:
        """D1 test that the given parameters are all zero.

        ``parameters`` is a list of parameter names, or one formula term whose
        parameters are all those named ``term[...]`` (e.g. ``"C(grade)"``).
        """
        names = _select_parameters(list(self.table.index), parameters)
        index = np.array([list(self.table.index).index(n) for n in names], dtype=np.intp)
        estimates = self.estimates.to_numpy()[:, index]
        covariances = self.covariances[:, index][:, :, index]
        statistic, k, df2, riv = d1_test(estimates, covariances, self.dfcom)
        p_value = float(special.fdtrc(k, df2, statistic))
        return D1Result(tuple(names), statistic, k, df2, p_value, riv)

    def term_tests(self) -> pd.DataFrame:
        """D1 test of every term with more than one parameter (e.g. a factor's levels)."""
        terms = pd.Index([_term_of(n) for n in self.table.index])
        multi = [t for t in terms.unique() if (terms == t).sum() > 1]
        frames = [self.d1(t).to_frame().assign(term=t) for t in multi]
        if not frames:
            return pd.DataFrame(columns=["term", "parameters", "statistic", "df1", "df2"])
        return pd.concat(frames, ignore_index=True).set_index("term")

    def __repr__(self) -> str:
        return f"<PooledResult m={self.m} n={self.n} terms={len(self.table)}>"

    def __str__(self) -> str:
        lines = [f"Pooled over m = {self.m} imputations (Rubin's rules): {self.formula}"]
        lines.append(
            f"n = {self.n}, events = {self.n_event}, dfcom = {self.dfcom:g}"
            + (f", excluded rows = {len(self.excluded)}" if len(self.excluded) else "")
        )
        table = self.hazard_ratios
        shown = printed_hazard_ratios(table, self.conf_level)
        shown.insert(4, "df", table["df"].map("{:.1f}".format))
        shown["FMI"] = table["fmi"].map("{:.3f}".format)
        lines.append(shown.to_string())
        if self.frailty is not None:
            lines.append(
                f"Frailty variance theta = {self.frailty.theta:.4g} ({self.frailty.rule}), "
                f"median LRT p = {self.frailty.lrt_p_value_median:.3g}"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html())


def _term_of(name: str) -> str:
    """The formula term of a parameter name: ``C(x)[T.b]`` -> ``C(x)``."""
    match = re.match(r"^(.*?)\[[^\[\]]*\]$", name)
    return match.group(1) if match else name


def _select_parameters(names: list[str], parameters: str | Sequence[str]) -> list[str]:
    if isinstance(parameters, str):
        chosen = [n for n in names if n == parameters or _term_of(n) == parameters]
    else:
        chosen = list(parameters)
    unknown = [p for p in chosen if p not in names]
    if not chosen or unknown:
        raise ImputationError(f"no pooled parameter matches {parameters!r}; parameters are {names}")
    return chosen


def _default_dfcom(fit: Any, p: int) -> float:
    """Complete-data df as ``mice:::get.dfcom``: events - p for a Cox model, else n - p."""
    for attribute in ("n_event", "n"):
        value = getattr(fit, attribute, None)
        if isinstance(value, int | np.integer):
            return float(max(int(value) - p, 1))
    warnings.warn(
        "the fits carry no event or row count; infinite complete-data df assumed",
        SarcosurvWarning,
        stacklevel=3,
    )
    return float("inf")


def _stack(fits: Sequence[_Fit]) -> tuple[list[str], FloatArray, FloatArray, FloatArray]:
    """Names, (m, p) estimates, (m, p) squared SEs and (m, p, p) covariances."""
    names = [str(n) for n in fits[0].params.index]
    for i, fit in enumerate(fits):
        other = [str(n) for n in fit.params.index]
        if other != names:
            differ = sorted(set(names).symmetric_difference(other)) or other
            raise ImputationError(
                f"fit {i} has parameters {other}, fit 0 has {names} (differing: {differ}); "
                "a level absent from one imputation changes the model"
            )
    estimates = np.array([fit.params.to_numpy(dtype=np.float64) for fit in fits])
    covariances = np.array([fit.vcov.to_numpy(dtype=np.float64) for fit in fits])
    std_err = [getattr(fit, "std_err", None) for fit in fits]
    series = [s for s in std_err if isinstance(s, pd.Series)]
    if len(series) == len(fits):
        variances = np.array([s.to_numpy(dtype=np.float64) ** 2 for s in series])
    else:
        variances = np.diagonal(covariances, axis1=1, axis2=2).copy()
    return names, estimates, variances, covariances


def _pool_frailty(fits: Sequence[Any]) -> PooledFrailty | None:
    frailties = [f for f in (getattr(fit, "frailty", None) for fit in fits) if f is not None]
    if len(frailties) < len(fits):
        return None
    theta = np.array([float(f.theta) for f in frailties])
    p_values = np.array([float(f.lrt.p_value) for f in frailties])
    if np.all(theta > 0):
        log_theta = np.log(theta)
        pooled, rule = float(np.exp(log_theta.mean())), "geometric mean"
        between = float(log_theta.var(ddof=1))
    else:
        pooled, rule, between = float(np.median(theta)), "median (boundary estimates)", np.nan
    return PooledFrailty(pooled, tuple(theta.tolist()), between, float(np.median(p_values)), rule)


def pool(
    fits: Sequence[Any],
    dfcom: float | None = None,
    *,
    conf_level: float = 0.95,
    excluded: pd.DataFrame | None = None,
    imputation: ImputationResult | None = None,
) -> PooledResult:
    """Pool the fits of one model on m imputed datasets by Rubin's rules.

    .. math:: \\bar Q = \\frac1m \\sum \\hat Q_l, \\quad T = \\bar U + (1 + \\tfrac1m) B,
              \\quad \\frac{\\bar Q - Q}{\\sqrt T} \\sim t_\\nu

    with the Barnard & Rubin (1999) degrees of freedom :math:`\\nu`
    (Rubin 1987; van Buuren 2018, ch. 2). Equal to ``mice::pool``.

    Parameters
    ----------
    fits : sequence of results
        m >= 2 results of the same model, each with ``params`` (Series) and
        ``vcov`` (DataFrame), e.g. :class:`~sarcosurv.CoxResult`; ``std_err``
        is used for the within variance when present (robust SEs with ``cluster``).
    dfcom : float, optional
        Complete-data degrees of freedom. Default as ``mice``: events minus
        parameters for a model with ``n_event`` (Cox, Fine–Gray), else rows
        minus parameters.
    conf_level : float
        Level of the t-based confidence intervals.
    excluded, imputation
        Carried into the result (``mi_coxph`` passes them).

    Returns
    -------
    PooledResult
        ``params``, ``std_err``, ``df``, ``riv``, ``lambda_``, ``fmi``, ``to_frame()``
        (with ``lower``, ``upper``, ``p_value``), ``d1(term)``. Frailty fits also
        get ``frailty``: theta pooled on the log scale (see :class:`PooledFrailty`).

    Examples
    --------
    >>> import sarcosurv as ss
    >>> from sarcosurv.studies import heilig2020
    >>> data = heilig2020.endpoints(ss.registry.Cohort.from_frame(heilig2020.synthetic_cohort()))
    >>> sets = ss.impute(data, ["age10", "sex", "remission_group"], m=3, seed=1,
    ...                  survival=("os_time", "os_event"))
    >>> fits = [ss.coxph("Surv(os_time, os_event) ~ age10 + remission_group", d) for d in sets]
    >>> ss.pool(fits).m
    3
    """
    if len(fits) < 2:
        raise ImputationError(f"pooling needs m >= 2 fits, got {len(fits)}")
    names, estimates, variances, covariances = _stack(fits)
    dfcom = _default_dfcom(fits[0], len(names)) if dfcom is None else float(max(dfcom, 1.0))
    pooled = rubin_pool(estimates, variances, dfcom)
    index = pd.Index(names, name="term")
    table = pd.DataFrame(
        {
            "estimate": pooled.estimate,
            "within_variance": pooled.within,
            "between_variance": pooled.between,
            "total_variance": pooled.total,
            "dfcom": dfcom,
            "df": pooled.df,
            "riv": pooled.riv,
            "lambda_": pooled.lambda_,
            "fmi": pooled.fmi,
        },
        index=index,
    )
    first = fits[0]
    n, n_event = getattr(first, "n", None), getattr(first, "n_event", None)
    return PooledResult(
        formula=str(getattr(first, "formula", "")),
        m=len(fits),
        n=int(n) if n is not None else None,
        n_event=int(n_event) if n_event is not None else None,
        dfcom=dfcom,
        conf_level=conf_level,
        table=table,
        estimates=pd.DataFrame(estimates, columns=index),
        covariances=covariances,
        excluded=excluded if excluded is not None else pd.DataFrame(columns=["row", "reason"]),
        frailty=_pool_frailty(fits),
        imputation=imputation,
    )
