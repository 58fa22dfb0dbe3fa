"""Property tests of the Kaplan–Meier estimator (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import sarcosurv as ss

COLUMNS = ["time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper"]
SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def survival_data(draw: st.DrawFn, max_rows: int = 30) -> pd.DataFrame:
    """Tied integer times, events and two groups; at least one event."""
    n = draw(st.integers(1, max_rows))
    times = draw(st.lists(st.integers(0, 15), min_size=n, max_size=n))
    events = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    groups = draw(st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n))
    events[0] = 1
    return pd.DataFrame({"t": np.array(times, dtype=float), "e": events, "g": groups})


def assert_tables_equal(a: pd.DataFrame, b: pd.DataFrame, columns: list[str] = COLUMNS) -> None:
    assert len(a) == len(b)
    for column in columns:
        np.testing.assert_allclose(
            a[column].to_numpy(dtype=float),
            b[column].to_numpy(dtype=float),
            rtol=1e-12,
            atol=1e-14,
            err_msg=column,
        )


@SETTINGS
@given(survival_data(), st.randoms(use_true_random=False))
def test_row_permutation_invariance(data: pd.DataFrame, random: object) -> None:
    order = np.random.default_rng(random.randint(0, 2**32)).permutation(len(data))  # type: ignore[attr-defined]
    shuffled = data.iloc[order]
    assert_tables_equal(
        ss.kaplan_meier(data, "t", "e", by="g").table,
        ss.kaplan_meier(shuffled, "t", "e", by="g").table,
    )


@SETTINGS
@given(survival_data(), st.floats(0.01, 100.0))
def test_time_rescaling(data: pd.DataFrame, scale: float) -> None:
    base = ss.kaplan_meier(data, "t", "e").table
    scaled_data = data.assign(t=data["t"] * scale)
    scaled = ss.kaplan_meier(scaled_data, "t", "e").table
    np.testing.assert_allclose(scaled["time"], base["time"] * scale, rtol=1e-15)
    assert_tables_equal(base, scaled, COLUMNS[1:])
    np.testing.assert_allclose(
        ss.kaplan_meier(scaled_data, "t", "e").median()["median"],
        ss.kaplan_meier(data, "t", "e").median()["median"] * scale,
        rtol=1e-12,
    )


@SETTINGS
@given(survival_data(), st.floats(0.1, 0.9))
def test_integer_and_general_time_coding_agree(data: pd.DataFrame, shift: float) -> None:
    # Whole-number times use the counting (bincount) path, shifted ones the hashing path.
    base = ss.kaplan_meier(data, "t", "e", by="g").table
    shifted = ss.kaplan_meier(data.assign(t=data["t"] + shift), "t", "e", by="g").table
    np.testing.assert_allclose(shifted["time"], base["time"] + shift)
    assert_tables_equal(base, shifted, COLUMNS[1:])


@SETTINGS
@given(survival_data(), st.lists(st.floats(0.0, 50.0), min_size=1, max_size=5))
def test_late_censoring_time_does_not_matter(data: pd.DataFrame, extra: list[float]) -> None:
    """Rows censored after the last event only count as 'still at risk' at every event.

    Their exact censoring time, anywhere after the last event, cannot change the
    survival at the event times. (Adding such rows does change it: each new row
    is in every risk set and so enlarges every n_j.)
    """
    last_event = data.loc[data["e"] == 1, "t"].max()
    late = pd.DataFrame({"t": last_event + 1.0 + np.array(extra), "e": 0, "g": "a"})
    at_end = late.assign(t=last_event + 1.0)
    one = ss.kaplan_meier(pd.concat([data, late]), "t", "e").table
    other = ss.kaplan_meier(pd.concat([data, at_end]), "t", "e").table
    events_one = one[one["n_event"] > 0]
    events_other = other[other["n_event"] > 0]
    assert_tables_equal(events_one, events_other, ["time", "n_risk", "survival", "std_err"])


@SETTINGS
@given(survival_data(), st.integers(1, 5))
def test_rows_entering_after_last_event_leave_survival_unchanged(
    data: pd.DataFrame, n_extra: int
) -> None:
    # Censored rows added after the last event, entering (left truncation) after it too,
    # are in no risk set at an event time.
    last_event = float(data.loc[data["e"] == 1, "t"].max())
    data = data.assign(entry=0.0).assign(t=data["t"] + 1.0)  # entry < time for every row
    late = pd.DataFrame(
        {"t": last_event + 3.0, "e": 0, "g": "a", "entry": [last_event + 1.0] * n_extra}
    )
    base = ss.kaplan_meier(data, "t", "e", entry="entry").table
    more = ss.kaplan_meier(pd.concat([data, late]), "t", "e", entry="entry").table
    assert_tables_equal(
        base[base["n_event"] > 0], more[more["n_event"] > 0], ["time", "n_risk", "survival"]
    )


@SETTINGS
@given(survival_data(), st.data())
def test_weight_two_equals_duplicated_row(data: pd.DataFrame, draw: st.DataObject) -> None:
    doubled = draw.draw(st.lists(st.booleans(), min_size=len(data), max_size=len(data)))
    weights = np.where(doubled, 2.0, 1.0)
    weighted = ss.kaplan_meier(data.assign(w=weights), "t", "e", by="g", weights="w")
    expanded = pd.concat([data, data[np.array(doubled)]])
    duplicated = ss.kaplan_meier(expanded, "t", "e", by="g")
    assert_tables_equal(weighted.table, duplicated.table)
    np.testing.assert_allclose(
        weighted.median()[["median", "lower", "upper"]].to_numpy(dtype=float),
        duplicated.median()[["median", "lower", "upper"]].to_numpy(dtype=float),
    )


@SETTINGS
@given(survival_data())
def test_survival_is_a_nonincreasing_probability_inside_its_band(data: pd.DataFrame) -> None:
    for conf_type in ("plain", "log", "log-log", "arcsin"):
        table = ss.kaplan_meier(data, "t", "e", by="g", conf_type=conf_type).table
        for _, rows in table.groupby("group"):
            surv = rows["survival"].to_numpy()
            assert np.all(np.diff(surv) <= 0)
            assert np.all((surv >= 0) & (surv <= 1))
            lower, upper = rows["lower"].to_numpy(), rows["upper"].to_numpy()
            ok = ~np.isnan(lower)
            assert np.all(lower[ok] <= surv[ok] + 1e-12)
            assert np.all(upper[ok] >= surv[ok] - 1e-12)


@SETTINGS
@given(survival_data())
def test_no_censoring_gives_the_empirical_survival(data: pd.DataFrame) -> None:
    data = data.assign(e=1)
    table = ss.kaplan_meier(data, "t", "e").table
    expected = [(data["t"] > t).mean() for t in table["time"]]
    np.testing.assert_allclose(table["survival"], expected, atol=1e-14)
