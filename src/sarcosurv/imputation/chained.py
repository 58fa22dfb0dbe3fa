"""``impute``: multiple imputation by chained equations (MICE) with the survival outcome."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from ..cox.formula import build_response, categorical_columns, parse_formula
from ..errors import ColumnNotFoundError, ImputationError, SarcosurvWarning
from .columns import ImputedColumn, prepare_columns
from .compatible import (
    REJECTION_LIMIT,
    CompatibleChain,
    CompatibleSetup,
    compatible_model,
    compatible_setup,
)
from .methods import impute_norm, impute_ordered, impute_pmm, impute_polytomous

__all__ = ["ImputationResult", "impute", "nelson_aalen_at_own_time", "own_columns"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def nelson_aalen_at_own_time(
    time: FloatArray, event: FloatArray, ties: str = "efron"
) -> FloatArray:
    """Cumulative hazard at each subject's own time (tied times included).

    .. math:: \\hat H(t_i) = \\sum_{t_k \\le t_i} \\sum_{j=0}^{d_k - 1} \\frac{1}{n_k - j}
              = \\sum_{t_k \\le t_i} \\big(\\psi(n_k + 1) - \\psi(n_k - d_k + 1)\\big)

    with :math:`d_k` events among :math:`n_k` at risk: the baseline hazard of a
    null Cox model with Efron's ties, which is what R ``mice::nelsonaalen``
    returns (``basehaz(coxph(Surv(time, status) ~ 1))``); ``ties="breslow"``
    gives the plain Nelson–Aalen :math:`\\sum d_k / n_k`. White & Royston (2009)
    put it in every imputation model of a Cox analysis.

    Examples
    --------
    >>> import numpy as np
    >>> nelson_aalen_at_own_time(np.array([1.0, 2.0, 2.0, 3.0]), np.array([1, 1, 0, 1.0]))
    array([0.25      , 0.58333333, 0.58333333, 1.58333333])
    """
    unique, inverse = np.unique(time, return_inverse=True)
    deaths = np.bincount(inverse, weights=event, minlength=unique.size)
    at_time = np.bincount(inverse, minlength=unique.size)
    at_risk = np.cumsum(at_time[::-1])[::-1].astype(np.float64)
    if ties == "efron":
        increment = special.digamma(at_risk + 1) - special.digamma(at_risk - deaths + 1)
    else:
        increment = deaths / at_risk
    return np.asarray(np.cumsum(increment)[inverse], dtype=np.float64)


@dataclass(frozen=True, eq=False)
class ImputationResult:
    """m completed datasets and the convergence diagnostics of their chains.

    Iterable and indexable: ``for d in result``, ``result[0]``, ``len(result)``.

    Attributes
    ----------
    datasets : tuple of pandas.DataFrame
        The m completed datasets (rows with a missing outcome left out).
    methods : dict
        Method per imputed column (``pmm``, ``logreg``, ``polyreg``, ``polr``).
    n_missing : pandas.Series
        Missing values per imputed column.
    chains : pandas.DataFrame
        Long table: column, imputation, iteration, mean, sd of the imputed values
        (category codes 0..L-1 for categorical columns, as mice's chain means).
    excluded : pandas.DataFrame
        Rows left out (``row``, ``reason``): a missing survival time or event.
    """

    datasets: tuple[pd.DataFrame, ...] = field(repr=False)
    methods: dict[str, str]
    n_missing: pd.Series
    chains: pd.DataFrame = field(repr=False)
    m: int
    iterations: int
    seed: int | None
    predictors: tuple[str, ...]
    excluded: pd.DataFrame = field(repr=False)
    substantive: str | None = None
    compatible: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[pd.DataFrame]:
        return iter(self.datasets)

    def __len__(self) -> int:
        return len(self.datasets)

    @overload
    def __getitem__(self, index: int) -> pd.DataFrame: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[pd.DataFrame, ...]: ...

    def __getitem__(self, index: int | slice) -> pd.DataFrame | tuple[pd.DataFrame, ...]:
        return self.datasets[index]

    def to_frame(self) -> pd.DataFrame:
        """Per imputed column: method, compatible (with the analysis model), n_missing,
        fraction_missing."""
        n = len(self.datasets[0]) if self.datasets else 0
        return pd.DataFrame(
            {
                "method": pd.Series(self.methods),
                "compatible": pd.Series(
                    {c: c in self.compatible for c in self.methods}, dtype=bool
                ),
                "n_missing": self.n_missing,
                "fraction_missing": self.n_missing / max(n, 1),
            }
        ).rename_axis("column")

    def summary(self) -> pd.DataFrame:
        """Per imputed column: method, missing count and the chain means at the last iteration."""
        last = self.chains[self.chains["iteration"] == self.iterations]
        spread = last.groupby("column")["mean"].agg(["mean", "std"])
        spread.columns = ["final_chain_mean", "between_chain_sd"]
        return self.to_frame().join(spread)

    def plot(self, columns: Sequence[str] | None = None) -> Any:
        """Trace plot of the chain means and SDs per iteration (matplotlib figure)."""
        import matplotlib.pyplot as plt

        names = list(columns) if columns is not None else list(self.methods)
        figure, axes = plt.subplots(len(names), 2, figsize=(8, 2.2 * len(names)), squeeze=False)
        for row, name in enumerate(names):  # one row of panels per column
            chains = self.chains[self.chains["column"] == name]
            for statistic, ax in zip(("mean", "sd"), axes[row], strict=True):
                wide = chains.pivot(index="iteration", columns="imputation", values=statistic)
                ax.plot(wide.index, wide.to_numpy(), linewidth=0.8)
                ax.set_title(f"{name}: {statistic}", fontsize=9)
                ax.set_xlabel("iteration")
        figure.tight_layout()
        return figure

    def __repr__(self) -> str:
        return (
            f"<ImputationResult m={self.m} columns={len(self.methods)} "
            f"iterations={self.iterations}>"
        )

    def __str__(self) -> str:
        return (
            f"Multiple imputation by chained equations: m = {self.m}, "
            f"iterations = {self.iterations}, seed = {self.seed}\n"
            f"{self.to_frame().to_string()}"
        )

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html())


def _block_slices(columns: list[ImputedColumn]) -> list[slice]:
    """Where each column's predictor block sits in the full design matrix."""
    edges = np.cumsum([0] + [c.width for c in columns])
    return [slice(int(a), int(b)) for a, b in itertools.pairwise(edges)]


def _full_design(
    columns: list[ImputedColumn], state: FloatArray, extra: FloatArray, hazard: FloatArray | None
) -> FloatArray:
    """Every column's predictor block, the outcome terms (event, Nelson–Aalen), then,
    with ``hazard``, every block times the cumulative hazard."""
    blocks = [c.predictor_block(state[:, j]) for j, c in enumerate(columns)]
    products = [] if hazard is None else [hazard[:, None] * b for b in blocks]
    return np.column_stack([*blocks, extra, *products])


def own_columns(
    columns: list[ImputedColumn], n_extra: int, interactions: bool
) -> list[npt.NDArray[np.intp]]:
    """Per column, the design columns that are its own (its block and its hazard product)."""
    slices = _block_slices(columns)
    offset = sum(c.width for c in columns) + n_extra
    own = []
    for part in slices:  # loop over columns
        mine = np.arange(part.start, part.stop)
        if interactions:
            mine = np.concatenate([mine, mine + offset])
        own.append(mine)
    return own


def _draw_column(
    column: ImputedColumn,
    design: FloatArray,
    predictors: npt.NDArray[np.intp],
    rng: np.random.Generator,
    donors: int,
    warm: dict[str, FloatArray],
) -> FloatArray:
    """Fit the column's conditional model on its observed rows and impute the missing ones.

    ``warm`` keeps each categorical column's last coefficients (Newton warm start).
    """
    xo, xm = column.regressors(design, predictors)
    y = column.values[~column.missing]
    if column.method == "pmm":
        return impute_pmm(y, xo, xm, rng, donors)
    if column.method == "norm":
        return impute_norm(y, xo, xm, rng)
    codes = y.astype(np.intp)
    if column.method == "polr":
        return impute_ordered(codes, column.n_levels, xo, xm, rng).astype(np.float64)
    drawn, warm[column.name] = impute_polytomous(
        codes, column.n_levels, xo, xm, rng, warm.get(column.name)
    )
    return drawn.astype(np.float64)


def _initial_state(columns: list[ImputedColumn], rng: np.random.Generator) -> FloatArray:
    """Start of a chain: each missing value drawn from the column's observed values."""
    state = np.column_stack([c.values for c in columns])
    for j, column in enumerate(columns):  # loop over columns, not rows
        observed = column.values[~column.missing]
        state[column.missing, j] = rng.choice(observed, size=int(column.missing.sum()))
    return state


#: Sweeps of the approximate chained equations (outcome as predictor) that start a chain
#: of compatible imputation: its covariate models are fitted on all rows at their current
#: values, so a start far from the posterior (values drawn at random) costs many sweeps.
WARM_UP = 2


@dataclass(frozen=True)
class _Chain:
    """What one chain needs besides its generator (the same for the m chains)."""

    columns: list[ImputedColumn]
    extra: FloatArray
    iterations: int
    donors: int
    interactions: bool
    compatible: CompatibleSetup | None
    kept: pd.DataFrame


def _predictor_sets(
    setup: _Chain, n_design: int
) -> tuple[list[npt.NDArray[np.intp]], list[npt.NDArray[np.intp]], list[npt.NDArray[np.intp]]]:
    """Per column, its own design columns, its predictors (every other column's and the
    outcome terms) and its covariate-model predictors of a compatible draw (without the
    outcome terms: the Cox likelihood brings the outcome in)."""
    hazard = setup.interactions and setup.extra.shape[1] > 1
    own = own_columns(setup.columns, setup.extra.shape[1], hazard)
    width = sum(c.width for c in setup.columns)
    predictors, covariates = [], []
    for mine in own:  # loop over columns
        predictors.append(np.setdiff1d(np.arange(n_design), mine))
        covariates.append(np.setdiff1d(np.arange(width), mine))
    return own, predictors, covariates


def _run_chain(setup: _Chain, rng: np.random.Generator) -> tuple[FloatArray, FloatArray, list[int]]:
    """One chain: the completed state, (iterations, columns, 2) chain means and SDs, and
    the counts of kept values and unconverged Cox fits of compatible draws."""
    columns = setup.columns
    state = _initial_state(columns, rng)
    hazard = setup.extra[:, 1] if setup.interactions and setup.extra.shape[1] > 1 else None
    design = _full_design(columns, state, setup.extra, hazard)
    own, predictors, covariates = _predictor_sets(setup, design.shape[1])
    chain = None
    if setup.compatible is not None:
        chain = CompatibleChain.start(setup.compatible, _completed(setup.kept, columns, state))
    drawn_compatibly = set() if setup.compatible is None else setup.compatible.model.columns
    # Warm-up sweeps draw the compatible numbers by predictive mean matching: observed
    # values only, inside the range on which a spline or logarithm term was set up.
    warming = [
        replace(c, method="pmm") if c.name in drawn_compatibly and c.levels is None else c
        for c in columns
    ]
    warm: dict[str, FloatArray] = {}
    trace = np.full((setup.iterations, len(columns), 2), np.nan)
    targets = [j for j, c in enumerate(columns) if c.missing.any()]
    for iteration in range(-WARM_UP if chain is not None else 0, setup.iterations):  # sweeps
        if chain is not None and iteration >= 0:
            chain.draw_outcome(rng)
        for j in targets:
            column = columns[j]
            if chain is not None and iteration >= 0 and column.name in drawn_compatibly:
                values = chain.draw(column, state[:, j], design[:, covariates[j]], rng, warm)
            else:
                source = warming[j] if iteration < 0 else column
                values = _draw_column(source, design, predictors[j], rng, setup.donors, warm)
            state[column.missing, j] = values
            if chain is not None:
                chain.update(column, state[:, j])
            block = column.predictor_block(state[:, j])
            design[:, own[j]] = (
                block if hazard is None else np.hstack([block, hazard[:, None] * block])
            )
            if iteration >= 0:
                trace[iteration, j] = values.mean(), values.std(ddof=1) if values.size > 1 else 0
    problems = [0, 0] if chain is None else [chain.rejected, chain.not_converged]
    return state, trace, problems


def _completed(kept: pd.DataFrame, columns: list[ImputedColumn], state: FloatArray) -> pd.DataFrame:
    """``kept`` with the imputed columns at the chain's current values."""
    completed = kept.copy()
    for j, column in enumerate(columns):  # loop over columns
        if column.missing.any():
            completed[column.name] = column.to_series(state[:, j], kept.index)
    return completed


def _known_outcome(
    data: pd.DataFrame, survival: tuple[str, str] | None, substantive: str | None
) -> tuple[BoolArray, FloatArray, FloatArray]:
    """Rows with a known outcome, and their times and event indicators (empty without one)."""
    if substantive is not None:
        response = build_response(substantive, data)
        return response.known, response.stop, response.event.astype(np.float64)
    if survival is None:
        return np.ones(len(data), dtype=bool), np.empty(0), np.empty(0)
    for name in survival:
        if name not in data.columns:
            raise ColumnNotFoundError(name, [str(c) for c in data.columns], role="survival")
    time = pd.to_numeric(data[survival[0]], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    event = pd.to_numeric(data[survival[1]], errors="coerce").to_numpy(np.float64, na_value=np.nan)
    known = ~(np.isnan(time) | np.isnan(event))
    return known, time[known], (event[known] != 0) * 1.0


def _outcome_terms(time: FloatArray, event: FloatArray, n: int) -> FloatArray:
    """Outcome predictors of the imputation models: event, standardised Nelson–Aalen
    (none for ``n`` rows without an outcome)."""
    if time.size == 0:
        return np.empty((n, 0))
    hazard = nelson_aalen_at_own_time(time, event)
    hazard = (hazard - hazard.mean()) / (hazard.std() or 1.0)
    return np.column_stack([event, hazard])


def _methods(
    data: pd.DataFrame,
    columns: Sequence[str],
    method: str | Mapping[str, str] | None,
    substantive: str | None,
) -> str | Mapping[str, str] | None:
    """Methods per column: numbers of the analysis model default to ``norm`` (a proposal
    distribution, which predictive mean matching cannot give) and refuse ``pmm``; a
    number the model uses as a category (``C(stage)``) is imputed as one (``logreg``
    or ``polyreg``), so that it keeps its observed levels."""
    if substantive is None:
        return method
    in_model = set(parse_formula(substantive).columns)
    as_category = categorical_columns(substantive)
    chosen = dict(method) if isinstance(method, Mapping) else dict.fromkeys(columns, method)
    for name in columns:  # loop over columns
        if name not in in_model or name not in data.columns:
            continue
        dtype = data[name].dtype
        numeric = pd.api.types.is_numeric_dtype(dtype) and not (
            pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype)
        )
        if numeric and name in as_category and chosen.get(name) is None:
            chosen[name] = "logreg" if data[name].nunique() <= 2 else "polyreg"
        if chosen.get(name) == "pmm":
            raise ImputationError(
                "predictive mean matching ('pmm') cannot be made compatible with the analysis "
                "model; "
                "use method 'norm' for it, or substantive=None",
                column=name,
            )
        if numeric and chosen.get(name) is None:
            chosen[name] = "norm"
    return {k: v for k, v in chosen.items() if v is not None}


def _excluded(data: pd.DataFrame, known: BoolArray) -> pd.DataFrame:
    rows = data.index[~known]
    reason = "missing survival time or event"
    return pd.DataFrame({"row": list(rows), "reason": [reason] * len(rows)})


def _chains_frame(traces: list[FloatArray], names: list[str]) -> pd.DataFrame:
    stacked = np.stack(traces)  # (m, iterations, columns, 2)
    m, iterations, n_columns, _ = stacked.shape
    grid = np.meshgrid(
        np.arange(m), np.arange(1, iterations + 1), np.arange(n_columns), indexing="ij"
    )
    frame = pd.DataFrame(
        {
            "column": np.asarray(names, dtype=object)[grid[2].ravel()],
            "imputation": grid[0].ravel(),
            "iteration": grid[1].ravel(),
            "mean": stacked[..., 0].ravel(),
            "sd": stacked[..., 1].ravel(),
        }
    )
    return frame.dropna(subset=["mean"]).reset_index(drop=True)


def _check_arguments(m: int, iterations: int, donors: int) -> None:
    if not isinstance(m, int | np.integer) or m < 2:
        raise ImputationError(f"m must be an integer >= 2 (Rubin's rules need two), got {m!r}")
    if iterations < 1:
        raise ImputationError(f"iterations must be >= 1, got {iterations!r}")
    if donors < 1:
        raise ImputationError(f"donors must be >= 1, got {donors!r}")


def impute(
    data: pd.DataFrame,
    columns: Sequence[str],
    m: int = 20,
    seed: int | None = None,
    method: str | Mapping[str, str] | None = None,
    survival: tuple[str, str] | None = None,
    iterations: int = 10,
    *,
    donors: int = 5,
    interactions: bool = True,
    substantive: str | None = None,
) -> ImputationResult:
    """Multiple imputation by chained equations (van Buuren & Groothuis-Oudshoorn 2011).

    Each column with missing values is imputed in turn from a model given all
    the other ``columns`` (their current imputations), and, with ``survival``,
    the event indicator and the Nelson–Aalen cumulative hazard
    :math:`\\hat H(T_i)` (White & Royston 2009); ``iterations`` sweeps per chain,
    m independent chains. Parameters are drawn from their approximate posterior
    before imputing, so that the imputations are proper (Rubin 1987).

    With ``substantive`` (the Cox analysis model), every imputed column that
    is a covariate of it is instead drawn from the distribution the Cox model
    implies given the other covariates and the outcome (SMC-FCS; Bartlett et
    al. 2015; :mod:`sarcosurv.imputation.compatible`): unbiased where the
    approximate model attenuates large hazard ratios.

    Methods by column type (or ``method``, one name or a dict per column):
    ``pmm`` (predictive mean matching, numbers; ``norm``, Bayesian linear
    regression, for the covariates of ``substantive``), ``logreg`` (two
    categories or booleans), ``polyreg`` (multinomial logit, unordered
    categories), ``polr`` (ordered logit, ordered categoricals).

    Parameters
    ----------
    data : pandas.DataFrame
    columns : sequence of str
        Columns of the imputation model: those with missing values are imputed,
        complete ones are predictors only.
    m : int
        Number of imputations (>= 2).
    seed : int, optional
        Seed of numpy's Generator; the same seed gives identical datasets.
    method : str or dict, optional
    survival : (time, event), optional
        Outcome columns. Rows where either is missing are left out (counted in
        ``excluded``), never imputed.
    iterations : int
        Sweeps of the chained equations per chain (burn-in; the last state is kept).
    donors : int
        Donors of predictive mean matching.
    interactions : bool
        With ``survival``, also put the products of the cumulative hazard with
        every other column in each imputation model (White & Royston 2009,
        section 4.3): the first-order approximation with :math:`\\hat H(T)`
        alone attenuates a large hazard ratio of a heavily missing covariate
        (by about 10% for :math:`\\beta = 0.5` per SD at 40% missing, as R
        ``mice`` with the same model), the products remove most of that bias
        (``benchmarks/mi_simulation.py``). ``False`` gives mice's usual model.
    substantive : str, optional
        ``"Surv(time, event) ~ terms"`` (with ``strata(...)`` terms if any) of
        the Cox model to be fitted to the completed data; its covariates among
        ``columns`` are imputed compatibly with it, after two sweeps of the
        approximate model that start each chain. The outcome is read from its
        ``Surv()`` (give ``survival`` or ``substantive``, not both). Formula
        strings are evaluated Python: never pass one from an untrusted user.

    Returns
    -------
    ImputationResult
        The m completed DataFrames (iterable, indexable) and chain diagnostics.

    Examples
    --------
    >>> import sarcosurv as ss
    >>> from sarcosurv.studies import heilig2020
    >>> data = heilig2020.endpoints(ss.registry.Cohort.from_frame(heilig2020.synthetic_cohort()))
    >>> sets = ss.impute(data, ["age10", "remission_group", "regimen_group"], m=2, seed=7,
    ...                  survival=("os_time", "os_event"))
    >>> int(sets[0]["regimen_group"].isna().sum())
    0
    >>> compatible = ss.impute(data, ["age10", "remission_group", "regimen_group"], m=2,
    ...                        seed=7, substantive="Surv(os_time, os_event) ~ age10 + "
    ...                        "C(remission_group) + C(regimen_group)")
    >>> compatible.compatible
    ('remission_group', 'regimen_group')

    References
    ----------
    White IR, Royston P. Stat Med 2009;28:1982-1998. Bartlett JW, Seaman SR,
    White IR, Carpenter JR. Stat Methods Med Res 2015;24:462-487.
    """
    _check_arguments(m, iterations, donors)
    if substantive is not None and survival is not None:
        raise ImputationError("give the outcome once: in substantive's Surv() or as survival=")
    known, time, event = _known_outcome(data, survival, substantive)
    kept = data.loc[known]
    prepared = prepare_columns(
        kept, list(columns), _methods(kept, columns, method, substantive), donors
    )
    model = None if substantive is None else compatible_model(substantive, kept, prepared)
    if model is not None and not model.columns and any(c.missing.any() for c in prepared):
        warnings.warn(
            "substantive= does not apply: no column with missing values is a covariate of "
            f"{substantive!r}; imputing with the outcome as predictor",
            SarcosurvWarning,
            stacklevel=2,
        )
        model = None
    if not any(c.missing.any() for c in prepared):
        warnings.warn(
            "no missing values in the columns: m identical copies", SarcosurvWarning, stacklevel=2
        )
    children = np.random.SeedSequence(seed).spawn(m + 1)
    compatible = None
    if model is not None:  # the design's specification from one completion of the data
        start = _initial_state(prepared, np.random.default_rng(children[m]))
        compatible = compatible_setup(model, _completed(kept, prepared, start), prepared)
    setup = _Chain(
        prepared,
        _outcome_terms(time, event, len(kept)),
        iterations,
        donors,
        interactions,
        compatible,
        kept,
    )
    generators = [np.random.default_rng(s) for s in children[:m]]
    datasets, traces, problems = [], [], np.zeros(2, dtype=np.int64)
    for rng in generators:  # one chain per imputation
        state, trace, counts = _run_chain(setup, rng)
        datasets.append(_completed(kept, prepared, state))
        traces.append(trace)
        problems += counts
    _warn_problems(problems, m * iterations)
    imputed = [c for c in prepared if c.missing.any()]
    outcome = tuple(survival) if survival else ()
    if model is not None:
        outcome = tuple(parse_formula(substantive or "").surv_columns)
    return ImputationResult(
        datasets=tuple(datasets),
        methods={c.name: c.method for c in imputed},
        n_missing=pd.Series({c.name: int(c.missing.sum()) for c in imputed}, dtype="int64"),
        chains=_chains_frame(traces, [c.name for c in prepared]),
        m=int(m),
        iterations=int(iterations),
        seed=seed,
        predictors=tuple(c.name for c in prepared) + outcome,
        excluded=_excluded(data, known),
        substantive=substantive,
        compatible=tuple(c.name for c in imputed if model is not None and c.name in model.columns),
    )


def _warn_problems(problems: npt.NDArray[np.int64], sweeps: int) -> None:
    """One warning each for values no proposal replaced and Cox fits that did not converge."""
    if problems[0]:
        warnings.warn(
            f"{int(problems[0])} time(s) over the sweeps and imputations an imputed value "
            f"kept its previous draw: no proposal of {REJECTION_LIMIT} was accepted (the "
            "covariate model may fit the data badly, e.g. a skewed number: transform it)",
            SarcosurvWarning,
            stacklevel=3,
        )
    if problems[1]:
        warnings.warn(
            f"the analysis model did not converge in {int(problems[1])} of the imputation "
            f"steps ({sweeps} sweeps in all): check the model on the completed data",
            SarcosurvWarning,
            stacklevel=3,
        )
