"""Univariate imputation methods of the chained equations (one column given the others).

Each method fits its conditional model on the rows where the column is
observed, draws the parameters from their approximate posterior (so that the
imputations are "proper", Rubin 1987) and returns imputed values for the
missing rows. Design matrices carry no intercept column; the methods add it.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.linalg

__all__ = [
    "augment",
    "draw_normal",
    "impute_logistic",
    "impute_norm",
    "impute_ordered",
    "impute_pmm",
    "impute_polytomous",
    "normal_proposal",
    "ordered_probabilities",
    "polytomous_probabilities",
    "sample_categories",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Ridge added to X'X of the linear model of predictive mean matching (mice's default).
RIDGE = 1e-5


def _with_intercept(x: FloatArray) -> FloatArray:
    return np.column_stack([np.ones(x.shape[0]), x])


def draw_normal(mean: FloatArray, covariance: FloatArray, rng: np.random.Generator) -> FloatArray:
    """One draw from N(mean, covariance), symmetric eigen square root (tolerates semidefinite)."""
    values, vectors = np.linalg.eigh((covariance + covariance.T) / 2)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    return np.asarray(mean + root @ rng.standard_normal(mean.shape[0]), dtype=np.float64)


def _bayes_linear_draw(
    y: FloatArray, x: FloatArray, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, float]:
    """Least-squares coefficients, one posterior draw of them and of sigma (mice ``.norm.draw``).

    .. math:: \\hat\\beta = (X^TX + \\kappa\\,\\mathrm{diag}(X^TX))^{-1}X^Ty, \\quad
              \\sigma_*^2 = \\frac{\\lVert y - X\\hat\\beta\\rVert^2}{\\chi^2_{n-p}}, \\quad
              \\beta_* = \\hat\\beta + \\sigma_* L z
    """
    gram = x.T @ x
    penalised = gram + np.diag(RIDGE * np.diag(gram))
    inverse = scipy.linalg.inv(penalised, check_finite=False)
    coef = inverse @ (x.T @ y)
    residual = y - x @ coef
    df = max(x.shape[0] - x.shape[1], 1)
    sigma = float(np.sqrt(float(residual @ residual) / rng.chisquare(df)))
    root = np.linalg.cholesky((inverse + inverse.T) / 2)
    draw = coef + root @ rng.standard_normal(x.shape[1]) * sigma
    return coef, draw, sigma


def match_donors(
    fitted_observed: FloatArray, fitted_missing: FloatArray, donors: int, rng: np.random.Generator
) -> IntArray:
    """For each missing row, one of the ``donors`` observed rows closest in predicted mean.

    Vectorised: the observed predictions are sorted once; each missing row's
    2·donors neighbours in that order are compared, the ``donors`` nearest kept
    (``np.argpartition``) and one drawn at random. Returns positions into the
    observed rows.
    """
    n_observed = fitted_observed.shape[0]
    order = np.argsort(fitted_observed, kind="stable")
    ordered = fitted_observed[order]
    width = min(2 * donors, n_observed)
    position = np.searchsorted(ordered, fitted_missing)
    start = np.clip(position - donors, 0, n_observed - width)
    window = start[:, None] + np.arange(width)[None, :]
    distance = np.abs(ordered[window] - fitted_missing[:, None])
    keep = min(donors, width)
    nearest = np.argpartition(distance, keep - 1, axis=1)[:, :keep]
    pick = nearest[np.arange(nearest.shape[0]), rng.integers(0, keep, nearest.shape[0])]
    return np.asarray(order[window[np.arange(window.shape[0]), pick]], dtype=np.intp)


def impute_pmm(
    y: FloatArray,
    x_observed: FloatArray,
    x_missing: FloatArray,
    rng: np.random.Generator,
    donors: int = 5,
) -> FloatArray:
    """Predictive mean matching (Little 1988; mice ``pmm``, type-1 matching).

    The observed rows are predicted with the least-squares coefficients, the
    missing rows with a posterior draw of them; each missing row takes the
    observed value of a donor drawn among the ``donors`` nearest predictions.
    """
    xo, xm = _with_intercept(x_observed), _with_intercept(x_missing)
    coef, draw, _ = _bayes_linear_draw(y, xo, rng)
    donor = match_donors(xo @ coef, xm @ draw, donors, rng)
    return np.asarray(y[donor], dtype=np.float64)


def normal_proposal(
    y: FloatArray, x_observed: FloatArray, x_missing: FloatArray, rng: np.random.Generator
) -> tuple[FloatArray, float]:
    """Mean and SD of the normal linear model for the missing rows, parameters drawn.

    :math:`x_i^T\\beta_*` and :math:`\\sigma_*` with :math:`(\\beta_*, \\sigma_*)`
    drawn from the posterior of the linear regression (mice ``norm``); the
    proposal distribution of the substantive-model-compatible imputation.
    """
    _, draw, sigma = _bayes_linear_draw(y, _with_intercept(x_observed), rng)
    return np.asarray(_with_intercept(x_missing) @ draw, dtype=np.float64), sigma


def impute_norm(
    y: FloatArray, x_observed: FloatArray, x_missing: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """Bayesian linear regression imputation (mice ``norm``; Rubin 1987, p. 167).

    Each missing value is :math:`x_i^T\\beta_* + \\sigma_* z_i` with the
    parameters drawn from their posterior and :math:`z_i \\sim N(0, 1)`: values
    need not be among the observed ones (unlike predictive mean matching).
    """
    mean, sigma = normal_proposal(y, x_observed, x_missing, rng)
    return np.asarray(mean + sigma * rng.standard_normal(mean.shape[0]), dtype=np.float64)


def augment(
    codes: IntArray, x: FloatArray, n_levels: int
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Pseudo-observations against perfect prediction (White, Daniel & Royston 2010; mice).

    For each predictor and outcome level, two rows at the predictor's mean plus
    and minus half its standard deviation (others at their means), together
    weighing p + 1 observations. Returns codes, design and case weights.
    """
    p = x.shape[1]
    n_rows = 2 * p * n_levels
    mean, sd = x.mean(axis=0), x.std(axis=0, ddof=1) if x.shape[0] > 1 else np.zeros(p)
    shift = np.zeros((n_rows, p))
    rows = np.arange(n_rows)
    shift[rows, rows // (2 * n_levels)] = np.where(rows % 2 == 0, 0.5, -0.5)
    pseudo = np.clip(mean + shift * sd, x.min(axis=0), x.max(axis=0))
    pseudo_codes = np.tile(np.repeat(np.arange(n_levels), 2), p)
    weights = np.concatenate([np.ones(x.shape[0]), np.full(n_rows, (p + 1) / n_rows)])
    return (
        np.concatenate([codes, pseudo_codes]).astype(np.intp),
        np.vstack([x, pseudo]),
        weights,
    )


def sample_categories(probabilities: FloatArray, rng: np.random.Generator) -> IntArray:
    """One category per row from its probability vector (inverse CDF, vectorised)."""
    cumulative = np.cumsum(probabilities, axis=1)
    uniform = rng.random(probabilities.shape[0]) * cumulative[:, -1]
    chosen = (cumulative < uniform[:, None]).sum(axis=1)
    return np.asarray(np.minimum(chosen, probabilities.shape[1] - 1), dtype=np.intp)


def _softmax_rest(eta: FloatArray) -> FloatArray:
    """Probabilities of levels 1..J given linear predictors of levels 1..J (level 0: eta 0)."""
    full = np.column_stack([np.zeros(eta.shape[0]), eta])
    full -= full.max(axis=1, keepdims=True)
    expd = np.exp(full)
    return np.asarray(expd / expd.sum(axis=1, keepdims=True), dtype=np.float64)


def _multinomial_information(x: FloatArray, prob: FloatArray, weights: FloatArray) -> FloatArray:
    """Fisher information of the baseline-category logit, blocks (level a, level b)."""
    levels, k = prob.shape[1] - 1, x.shape[1]
    rest = prob[:, 1:]
    info = np.empty((levels, k, levels, k))
    for a in range(levels):  # loop over outcome levels (few)
        for b in range(levels):
            w = rest[:, a] * ((a == b) - rest[:, b]) * weights
            info[a, :, b, :] = (x * w[:, None]).T @ x
    return info.reshape(levels * k, levels * k)


def fit_multinomial(
    codes: IntArray,
    x: FloatArray,
    weights: FloatArray,
    n_levels: int,
    max_iter: int = 30,
    start: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Weighted multinomial (baseline-category) logit by Newton–Raphson with step halving.

    Maximises :math:`\\sum_i w_i \\log p_{i, y_i}` with
    :math:`p_{ij} \\propto \\exp(x_i^T\\beta_j)`, :math:`\\beta_0 = 0`; the same
    model as statsmodels ``MNLogit`` (which takes no case weights, needed for the
    augmented rows). Returns the (k, L-1) coefficients and their covariance
    (inverse information; parameters ordered level by level). ``start``: initial
    coefficients (the previous sweep's, in the chained equations), else zeros.
    """
    k, levels = x.shape[1], n_levels - 1
    indicator = (codes[:, None] == np.arange(1, n_levels)[None, :]).astype(np.float64)
    fits = start is not None and start.shape == (k, levels)
    beta = np.array(start, dtype=np.float64) if fits else np.zeros((k, levels))

    def loglik(b: FloatArray) -> tuple[float, FloatArray]:
        prob = _softmax_rest(x @ b)
        chosen = np.take_along_axis(prob, codes[:, None], axis=1)[:, 0]
        return float(weights @ np.log(chosen + 1e-300)), prob

    current, prob = loglik(beta)
    for _ in range(max_iter):  # Newton iterations
        gradient = (x.T @ (weights[:, None] * (indicator - prob[:, 1:]))).T.ravel()
        info = _multinomial_information(x, prob, weights)
        step = np.linalg.lstsq(info, gradient, rcond=None)[0].reshape(levels, k).T
        for _ in range(20):  # step halving
            proposal, proposal_prob = loglik(beta + step)
            if proposal >= current - 1e-12:
                break
            step = step / 2
        beta, prob = beta + step, proposal_prob
        converged = abs(proposal - current) < 1e-9 * (abs(current) + 1)
        current = proposal
        if converged:
            break
    covariance = np.linalg.pinv(_multinomial_information(x, prob, weights))
    return beta, np.asarray(covariance, dtype=np.float64)


def impute_logistic(
    codes: IntArray,
    x_observed: FloatArray,
    x_missing: FloatArray,
    rng: np.random.Generator,
    start: FloatArray | None = None,
) -> tuple[IntArray, FloatArray]:
    """Logistic regression imputation of a binary column (mice ``logreg``).

    Weighted logistic regression (:func:`fit_multinomial` with two levels) on
    augmented data; coefficients drawn from their normal approximation
    :math:`N(\\hat\\beta, \\hat V)`; each missing value is 1 with probability
    :math:`\\mathrm{expit}(x^T\\beta_*)`.
    """
    return impute_polytomous(codes, 2, x_observed, x_missing, rng, start)


def polytomous_probabilities(
    codes: IntArray,
    n_levels: int,
    x_observed: FloatArray,
    x_missing: FloatArray,
    rng: np.random.Generator,
    start: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Level probabilities of the missing rows under a posterior draw of the multinomial logit.

    Weighted multinomial logit (:func:`fit_multinomial`) on augmented data,
    coefficients drawn from their normal approximation. Returns the
    (missing rows, levels) probabilities and the fitted coefficients (a warm
    start for the next sweep).
    """
    y, x, weights = augment(codes, x_observed, n_levels)
    xi = _with_intercept(x)
    beta, covariance = fit_multinomial(y, xi, weights, n_levels, start=start)
    flat = beta.T.ravel()
    draw = draw_normal(flat, covariance, rng).reshape(n_levels - 1, -1).T
    return _softmax_rest(_with_intercept(x_missing) @ draw), beta


def impute_polytomous(
    codes: IntArray,
    n_levels: int,
    x_observed: FloatArray,
    x_missing: FloatArray,
    rng: np.random.Generator,
    start: FloatArray | None = None,
) -> tuple[IntArray, FloatArray]:
    """Multinomial logistic imputation of an unordered category (mice ``polyreg``).

    Categories sampled from :func:`polytomous_probabilities`. Returns the
    imputed codes and the fitted coefficients (a warm start for the next sweep).
    """
    probabilities, beta = polytomous_probabilities(
        codes, n_levels, x_observed, x_missing, rng, start
    )
    return sample_categories(probabilities, rng), beta


@functools.cache
def _weighted_ordered_model() -> Any:
    """statsmodels' ordered logit with case weights (for the augmented rows).

    Built on first use: statsmodels (and the scipy.stats it loads) is imported
    only when an ordered category is imputed.
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    class WeightedOrderedModel(OrderedModel):  # type: ignore[misc]
        def __init__(self, endog: Any, exog: Any, weights: FloatArray) -> None:
            super().__init__(endog, exog, distr="logit")
            self.case_weights = weights

        def loglikeobs(self, params: FloatArray) -> FloatArray:
            return np.asarray(self.case_weights * super().loglikeobs(params))

    return WeightedOrderedModel


def ordered_probabilities(
    codes: IntArray,
    n_levels: int,
    x_observed: FloatArray,
    x_missing: FloatArray,
    rng: np.random.Generator,
) -> FloatArray:
    """Level probabilities of the missing rows under a posterior draw of the ordered logit.

    Weighted statsmodels ``OrderedModel`` on augmented data; slopes and
    thresholds (on statsmodels' increasing parameterisation) drawn from their
    normal approximation.
    """
    y, x, weights = augment(codes, x_observed, n_levels)
    keep = x.std(axis=0) > 0
    model = _weighted_ordered_model()(y, x[:, keep], weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(method="bfgs", disp=False, maxiter=200)
        covariance = np.asarray(fit.cov_params())
    draw = draw_normal(np.asarray(fit.params), covariance, rng)
    return np.asarray(model.predict(draw, exog=x_missing[:, keep]), dtype=np.float64)


def impute_ordered(
    codes: IntArray,
    n_levels: int,
    x_observed: FloatArray,
    x_missing: FloatArray,
    rng: np.random.Generator,
) -> IntArray:
    """Proportional-odds (ordered logit) imputation of an ordered category (mice ``polr``).

    Categories sampled from :func:`ordered_probabilities`.
    """
    probabilities = ordered_probabilities(codes, n_levels, x_observed, x_missing, rng)
    return sample_categories(probabilities, rng)
