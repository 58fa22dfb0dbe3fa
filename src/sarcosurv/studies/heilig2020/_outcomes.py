"""Outcome, centre and date model of the synthetic registry (see :mod:`.synthetic`)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize, special

from ._design import SyntheticDesign, _ages, _allocate, _inverse_survival, _shuffled

FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]
DAYS_PER_MONTH = 365.25 / 12.0

#: Days from ASCT to the six infection deaths, and the MDS death (4.6 years).
_INFECTION_DAYS = np.array([4, 7, 9, 11, 42, 121])
_MDS_DAYS = round(4.6 * 365.25)

_HISTOLOGY_TERM = {
    "Liposarcoma": "Liposarcoma",
    "Synovial sarcoma": "Synovial sarcoma",
    "Angiosarcoma": "Angiosarcoma",
    "Haemangiosarcoma": "Angiosarcoma",
    "Lymphangiosarcoma": "Angiosarcoma",
}
_REMISSION_TERM = {"PR": "PR+SD", "SD": "PR+SD", "PD": "PD"}
_REGIMEN_TERM = {"Melphalan based": "Melphalan based", "Other": "Other regimen"}


def _latent(rng: np.random.Generator, values: ObjectArray) -> ObjectArray:
    """Fill 'unknown' with draws from the known values (missing at random) for the outcome model."""
    known = values[values != "unknown"]
    out = values.copy()
    missing = values == "unknown"
    out[missing] = rng.choice(known, size=int(missing.sum()))
    return out


def _linear_predictor(
    age10: FloatArray,
    histology: ObjectArray,
    remission: ObjectArray,
    regimen: ObjectArray,
    indicators: dict[str, npt.NDArray[np.bool_]],
    hazard_ratios: dict[str, float],
) -> FloatArray:
    log_hr = {term: float(np.log(ratio)) for term, ratio in hazard_ratios.items()}
    lp = log_hr["Age at first ASCT"] * (age10 - age10.mean())
    for term, present in indicators.items():
        lp = lp + np.where(present, log_hr.get(term, 0.0), 0.0)
    hist_term = pd.Series(histology).map(_HISTOLOGY_TERM).fillna("Other sarcoma")
    hist_term[histology == "Leiomyosarcoma"] = ""
    for values, mapping in ((remission, _REMISSION_TERM), (regimen, _REGIMEN_TERM)):
        terms = pd.Series(values).map(mapping).fillna("")
        lp = lp + terms.map(log_hr).fillna(0.0).to_numpy(dtype=np.float64)
    lp = lp + hist_term.map(log_hr).fillna(0.0).to_numpy(dtype=np.float64)
    return np.asarray(lp, dtype=np.float64)


def _asct_dates(rng: np.random.Generator, n: int) -> pd.DatetimeIndex:
    groups = _allocate({"1996-2000": 152, "2001-2005": 111, "2006-2016": 75}, n)
    spans = {
        "1996-2000": ("1996-01-01", "2000-12-31"),
        "2001-2005": ("2001-01-01", "2005-12-31"),
        "2006-2016": ("2006-01-01", "2016-12-31"),
    }
    label = pd.Series(_shuffled(rng, groups))
    bounds = {g: (pd.Timestamp(a).value, pd.Timestamp(b).value) for g, (a, b) in spans.items()}
    start = label.map({g: a for g, (a, _) in bounds.items()}).to_numpy(dtype=np.int64)
    stop = label.map({g: b for g, (_, b) in bounds.items()}).to_numpy(dtype=np.int64)
    days = ((stop - start) / 86_400e9 * rng.uniform(size=n)).astype(np.int64)
    return pd.DatetimeIndex(start.astype("datetime64[ns]")) + pd.to_timedelta(days, unit="D")


def _centres(rng: np.random.Generator, n: int, design: SyntheticDesign) -> npt.NDArray[np.intp]:
    k = max(5, round(design.n_centres * np.sqrt(n / 338)))
    sizes = rng.lognormal(0.0, design.centre_size_sigma, size=k)
    return np.asarray(rng.choice(k, size=n, p=sizes / sizes.sum()), dtype=np.intp)


def _marginal_survival(baseline: FloatArray, risk: FloatArray, times: FloatArray) -> FloatArray:
    cure, shape, scale = baseline
    s0 = cure + (1 - cure) * np.exp(-((times / scale) ** shape))
    return np.asarray(np.mean(s0[None, :] ** risk[:, None], axis=0), np.float64)


def calibrate_baseline(
    risk: FloatArray, targets: dict[float, float], start: tuple[float, float, float]
) -> tuple[float, float, float]:
    """Baseline (cure, shape, scale) whose population survival mean_i S0(t)^r_i meets ``targets``.

    The proportional hazards model acts on the baseline, so the population
    curve is a mixture over the risk scores; matching it (rather than the
    baseline) to the published medians and landmarks keeps the reproduced
    Kaplan-Meier estimates near the published ones.
    """
    times = np.array(list(targets), dtype=float)
    wanted = np.array(list(targets.values()), dtype=float)
    sample = risk if risk.size <= 20_000 else risk[:: risk.size // 20_000]

    def loss(x: FloatArray) -> float:
        cure = special.expit(x[0])
        got = _marginal_survival(np.array([cure, np.exp(x[1]), np.exp(x[2])]), sample, times)
        return float(np.sum((got - wanted) ** 2))

    x0 = np.array([special.logit(start[0]), np.log(start[1]), np.log(start[2])])
    best = optimize.minimize(
        loss, x0, method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 4000}
    )
    return float(special.expit(best.x[0])), float(np.exp(best.x[1])), float(np.exp(best.x[2]))


def _joint_times(
    design: SyntheticDesign,
    uniforms: tuple[FloatArray, FloatArray, FloatArray],
    risks: tuple[FloatArray, FloatArray],
    targets: tuple[dict[float, float], dict[float, float]],
) -> tuple[FloatArray, FloatArray]:
    u_pfs, u_os, shrink = uniforms
    pfs_baseline = calibrate_baseline(risks[0], targets[0], design.pfs_baseline)
    os_baseline = calibrate_baseline(risks[1], targets[1], design.os_baseline)
    t_pfs = _inverse_survival(u_pfs ** (1.0 / risks[0]), pfs_baseline)
    t_os = _inverse_survival(u_os ** (1.0 / risks[1]), os_baseline)
    # Deaths are preceded by progression (non-relapse deaths are added separately).
    late = np.isfinite(t_os) & (t_pfs >= t_os)
    t_pfs[late] = t_os[late] * shrink[late]
    return t_pfs, t_os


def _stratified_uniforms(rng: np.random.Generator, cells: npt.NDArray[np.intp]) -> FloatArray:
    """Uniforms spread evenly within each cell: the k-th of m draws lies in [k/m, (k+1)/m).

    Latin-hypercube style sampling within covariate patterns keeps each
    subgroup's realised survival close to the model's, as the exact Table 1
    counts do for the characteristics, while every patient's time stays random.
    """
    n = cells.shape[0]
    order = np.lexsort((np.asarray(rng.uniform(size=n)), cells))
    sorted_cells = cells[order]
    starts = np.flatnonzero(np.r_[True, sorted_cells[1:] != sorted_cells[:-1]])
    sizes = np.diff(np.r_[starts, n])
    rank = np.arange(n) - np.repeat(starts, sizes)
    out = np.empty(n)
    out[order] = (rank + rng.uniform(size=n)) / np.repeat(sizes, sizes)
    return out


def _cells(*columns: ObjectArray) -> npt.NDArray[np.intp]:
    """Integer codes of the covariate patterns formed by ``columns``."""
    frame = pd.DataFrame({str(index): column for index, column in enumerate(columns)})
    return np.asarray(frame.groupby(list(frame.columns), sort=True).ngroup(), dtype=np.intp)


def _event_times(
    rng: np.random.Generator,
    design: SyntheticDesign,
    risk_pfs: FloatArray,
    risk_os: FloatArray,
    cells: npt.NDArray[np.intp],
) -> tuple[FloatArray, FloatArray]:
    """PFS and OS times (months) from the frailty PH models, linked by a Gaussian copula.

    The PFS uniforms are stratified within ``cells`` (covariate patterns). The
    baselines are calibrated twice: once to the published population survival,
    then once more after the progression-before-death rule, so that the
    realised (uncensored) times meet the targets.
    """
    n = risk_pfs.shape[0]
    z = special.ndtri(_stratified_uniforms(rng, cells))
    z_os = design.copula_rho * z + np.sqrt(1 - design.copula_rho**2) * rng.normal(size=n)
    uniforms: tuple[FloatArray, FloatArray, FloatArray] = (
        np.asarray(special.ndtr(z), dtype=np.float64),
        np.asarray(special.ndtr(z_os), dtype=np.float64),
        np.asarray(rng.uniform(0.7, 0.98, size=n), dtype=np.float64),
    )
    targets = (dict(design.pfs_targets), dict(design.os_targets))
    for _ in range(3):
        t_pfs, t_os = _joint_times(design, uniforms, (risk_pfs, risk_os), targets)
        targets = tuple(  # type: ignore[assignment]
            {
                t: float(np.clip(s + wanted[t] - np.mean(times > t), 0.01, 0.99))
                for t, s in current.items()
            }
            for current, wanted, times in zip(
                targets, (design.pfs_targets, design.os_targets), (t_pfs, t_os), strict=True
            )
        )
    return _joint_times(design, uniforms, (risk_pfs, risk_os), targets)


def _non_relapse(
    rng: np.random.Generator, asct: pd.DatetimeIndex, evaluable: npt.NDArray[np.bool_], n: int
) -> tuple[npt.NDArray[np.intp], FloatArray, ObjectArray]:
    count = _allocate({"nrm": 7, "rest": 331}, n)["nrm"]
    eligible = np.flatnonzero((asct.year < 2003) & evaluable)
    chosen = rng.choice(eligible, size=count, replace=False)
    days = np.resize(np.append(_INFECTION_DAYS, _MDS_DAYS), count).astype(float)
    causes = np.resize(np.array(["Infection"] * 6 + ["Secondary malignancy"], dtype=object), count)
    return chosen, days / DAYS_PER_MONTH, causes


def _object_where(mask: npt.NDArray[np.bool_], values: object) -> ObjectArray:
    """``values`` where ``mask`` holds and None elsewhere, as an object array."""
    out = np.full(mask.shape[0], None, dtype=object)
    chosen = np.broadcast_to(np.asarray(values, dtype=object), mask.shape)
    out[mask] = chosen[mask]
    return out


def _iso(dates: pd.DatetimeIndex | pd.Series) -> ObjectArray:
    return np.asarray(pd.Series(dates).dt.strftime("%Y-%m-%d").to_numpy(dtype=object))


def _treatment_history(rng: np.random.Generator, n: int) -> dict[str, ObjectArray]:
    pub = published_counts(n)
    return {
        "metastatic_at_diagnosis": _shuffled(rng, pub["metastatic"]),
        "prior_surgery": _shuffled(rng, pub["surgery"]),
        "prior_radiotherapy": _shuffled(rng, pub["radiotherapy"]),
        "prior_chemotherapy": _shuffled(rng, pub["chemotherapy"]),
        "mobilisation": _shuffled(
            rng,
            _allocate(
                {"Chemotherapy + G-CSF": 154, "G-CSF alone": 177, "Other": 3, "unknown": 4}, n
            ),
        ),
        "stem_cell_source": _shuffled(
            rng,
            _allocate({"PBSC": 327, "Bone marrow": 4, "PBSC + bone marrow": 3, "unknown": 4}, n),
        ),
    }


def published_counts(n: int) -> dict[str, dict[str, int]]:
    """Yes/no/unknown counts from the published percentages of known values."""

    def yes_no(pct: float, known: int) -> dict[str, int]:
        yes = round(pct / 100 * known)
        return _allocate({"yes": yes, "no": known - yes, "unknown": 338 - known}, n)

    return {
        "metastatic": yes_no(45.7, 92),
        "surgery": yes_no(66.4, 140),
        "radiotherapy": yes_no(30.6, 134),
        "chemotherapy": yes_no(89.4, 142),
    }


def _chemo_lines(rng: np.random.Generator, prior_chemo: ObjectArray) -> FloatArray:
    treated = prior_chemo == "yes"
    lines = np.full(prior_chemo.shape[0], np.nan)
    counts = _allocate({"1": 96, "2": 20, "3": 6, "4": 3, "5": 1, "7": 1}, int(treated.sum()))
    lines[treated] = _shuffled(rng, counts).astype(float)
    return lines


def _latent_event_times(
    rng: np.random.Generator,
    design: SyntheticDesign,
    columns: dict[str, ObjectArray],
    ages: FloatArray,
    asct: pd.DatetimeIndex,
    centre: npt.NDArray[np.intp],
) -> tuple[FloatArray, FloatArray]:
    """Progression and death times (months) from the frailty and the Table 3 effects."""
    k = int(centre.max()) + 1
    frailty = (
        rng.gamma(1.0 / design.theta, design.theta, size=k)[centre] if design.theta > 0 else 1.0
    )
    lp_args = (
        ages / 10.0,
        columns["histology"],
        _latent(rng, columns["remission_before_asct"]),
        _latent(rng, columns["preparative_regimen"]),
        {"Female": columns["sex"] == "Female", "2006-2016": np.asarray(asct.year >= 2006)},
    )
    risk_pfs = frailty * np.exp(_linear_predictor(*lp_args, design.hazard_ratios_pfs))
    risk_os = frailty * np.exp(_linear_predictor(*lp_args, design.hazard_ratios_os))
    return _event_times(rng, design, risk_pfs, risk_os, _cells(*lp_args[1:4]))


def _last_contact(
    rng: np.random.Generator,
    design: SyntheticDesign,
    asct: pd.DatetimeIndex,
    nrm: npt.NDArray[np.intp],
    nrm_time: FloatArray,
) -> FloatArray:
    """Months from ASCT to the last contact of a patient still alive then."""
    n = len(asct)
    cutoff = (pd.Timestamp(design.data_cutoff) - asct).days.to_numpy() / DAYS_PER_MONTH
    # Registries lose track of some patients: their last contact falls at a
    # uniform point between ASCT and the cut-off; the others are seen within
    # the last year before it.
    lost = rng.uniform(size=n) < design.lost_fraction
    follow = np.where(
        lost,
        cutoff * rng.uniform(size=n),
        np.maximum(cutoff - rng.uniform(0.0, 12.0, size=n), 0.5 * cutoff),
    )
    follow[nrm] = np.maximum(follow[nrm], nrm_time[:] + 1.0)
    return np.asarray(follow, dtype=np.float64)


def _causes_of_death(
    rng: np.random.Generator,
    dead: npt.NDArray[np.bool_],
    progressed: npt.NDArray[np.bool_],
    nrm: npt.NDArray[np.intp],
    nrm_cause: ObjectArray,
) -> ObjectArray:
    cause = _object_where(dead, "Relapse/progression")
    cause[nrm] = nrm_cause
    # Unknown causes only where the progression is recorded, so that every
    # death without a recorded progression is one of the non-relapse deaths.
    unknown_cause = dead & progressed & (rng.uniform(size=len(dead)) < 0.1)
    unknown_cause[nrm] = False
    cause[unknown_cause] = "unknown"
    return cause


def _repeat_transplants(
    rng: np.random.Generator, first_event_months: FloatArray
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Number of ASCTs and days from the first to the last (before the first event)."""
    n = first_event_months.size
    n_asct = np.where(rng.uniform(size=n) < 0.78, 1, np.where(rng.uniform(size=n) < 0.9, 2, 3))
    gap_days = np.round(rng.uniform(45, 100, size=n) * (n_asct - 1))
    gap_days = np.where(gap_days < first_event_months * DAYS_PER_MONTH, gap_days, 0.0)
    return np.where(gap_days > 0, n_asct, 1), gap_days


def simulate(
    rng: np.random.Generator, n: int, design: SyntheticDesign, columns: dict[str, ObjectArray]
) -> pd.DataFrame:
    """Draw centres, ages, dates and outcomes around the Table 1 columns."""
    evaluable = columns.pop("evaluable").astype(bool)
    remission = columns["remission_before_asct"]
    leio = columns["histology"] == "Leiomyosarcoma"
    ages = _ages(rng, n, remission == "CR/NED", leio * (design.leiomyosarcoma_shift > 0))
    asct = _asct_dates(rng, n)
    centre = _centres(rng, n, design)
    t_pfs, t_os = _latent_event_times(rng, design, columns, ages, asct, centre)
    nrm, nrm_time, nrm_cause = _non_relapse(rng, asct, evaluable, n)
    t_pfs[nrm], t_os[nrm] = np.inf, nrm_time
    follow = _last_contact(rng, design, asct, nrm, nrm_time)
    dead = t_os <= follow
    os_time = np.where(dead, t_os, follow)
    progressed = (t_pfs <= os_time) & evaluable

    def to_date(months: FloatArray) -> pd.DatetimeIndex:
        return asct + pd.to_timedelta(np.round(months * DAYS_PER_MONTH), unit="D")

    last_contact = to_date(os_time)
    cause = _causes_of_death(rng, dead, progressed, nrm, nrm_cause)
    progression = _object_where(progressed, _iso(to_date(np.where(progressed, t_pfs, 0.0))))
    n_asct, gap_days = _repeat_transplants(rng, np.where(progressed, t_pfs, os_time))
    diagnosis = asct - pd.to_timedelta(np.round(rng.uniform(150, 1500, size=n)), unit="D")
    birth = asct - pd.to_timedelta(np.round(ages * 365.25), unit="D")
    history = _treatment_history(rng, n)
    return pd.DataFrame(
        {
            "patient_id": [f"P{i + 1:06d}" for i in range(n)],
            "centre_id": [f"C{c + 1:04d}" for c in centre],
            "sex": columns["sex"],
            "date_of_birth": _iso(birth),
            "date_of_diagnosis": _iso(diagnosis),
            "histology": columns["histology"],
            "grade": columns["grade"],
            "metastatic_at_diagnosis": history["metastatic_at_diagnosis"],
            "prior_surgery": history["prior_surgery"],
            "prior_radiotherapy": history["prior_radiotherapy"],
            "prior_chemotherapy": history["prior_chemotherapy"],
            "n_prior_chemo_lines": _chemo_lines(rng, history["prior_chemotherapy"]),
            "remission_before_asct": remission,
            "date_first_asct": _iso(asct),
            "n_asct": n_asct,
            "date_last_asct": _iso(asct + pd.to_timedelta(gap_days, unit="D")),
            "preparative_regimen": columns["preparative_regimen"],
            "mobilisation": history["mobilisation"],
            "stem_cell_source": history["stem_cell_source"],
            "remission_after_last_asct": columns["remission_after_last_asct"],
            "progression_status_known": np.where(evaluable, "yes", "no"),
            "date_progression": progression,
            "date_last_followup": _iso(last_contact),
            "vital_status": np.where(dead, "dead", "alive"),
            "date_death": _object_where(dead, _iso(last_contact)),
            "cause_of_death": cause,
        }
    )
