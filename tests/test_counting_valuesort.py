"""Counting by value sorts (``counting.valuesort``) against the index path of ``tabulate``.

Unweighted tables now come from value sorts of packed (time, event) keys, and
the timefix merge of one block is applied to the sorted times in counting. The
index path (argsort or hash codes of the times, bincounts per row) still
serves weighted data; with unit case weights it counts the same rows, so every
table must agree exactly: same grid, same counts, same events per cause.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sarcosurv as ss
from sarcosurv.counting import RiskTable, tabulate, tabulate_blocks
from sarcosurv.counting.valuesort import (
    _merged_by_cells,
    block_major,
    packed_keys,
    unpack,
    value_sorted_blocks,
)
from sarcosurv.logrank import logrank_test_surv, result_from_blocks
from sarcosurv.surv import Surv, aeq_sorted_times, aeq_times

SETTINGS = settings(max_examples=60, deadline=None)


def _assert_same(value: RiskTable, index: RiskTable) -> None:
    np.testing.assert_array_equal(value.times, index.times)
    for name in ("n_rows", "n_exit", "n_event", "n_risk"):
        np.testing.assert_array_equal(getattr(value, name), getattr(index, name), err_msg=name)
    if index.n_event_cause is None:
        assert value.n_event_cause is None
    else:
        assert value.n_event_cause is not None
        np.testing.assert_array_equal(value.n_event_cause, index.n_event_cause)


def _rows(seed: int, n: int, kind: str) -> np.ndarray:
    """Exit times with exact ties, near ties (timefix) or none, and some zeros."""
    rng = np.random.default_rng(seed)
    if kind == "whole":
        return rng.integers(0, 15, n).astype(float)
    if kind == "wide":  # 600 orders of magnitude: no spare bits in a 64-bit key
        time = 10.0 ** rng.uniform(-300.0, 300.0, n)
        time[rng.random(n) < 0.2] = -0.0
        return time
    time = rng.exponential(10.0, n)
    if kind == "near":
        # Rounding-level copies, and steps around the tolerance relative to the mean time
        # (sqrt(eps) * 10 ~ 1.5e-7): some merge, some do not.
        tie = rng.random(n) < 0.3
        source = time[rng.integers(0, n, tie.sum())]
        step = np.where(
            rng.random(tie.sum()) < 0.5, source * 1e-12, rng.uniform(0.0, 3e-7, tie.sum())
        )
        time[tie] = source + step
    if kind == "tied":
        time = np.round(time, 1)
    time[rng.random(n) < 0.05] = 0.0
    return time


@st.composite
def tables_input(draw: st.DrawFn) -> dict[str, object]:
    n = draw(st.integers(1, 80))
    kind = draw(st.sampled_from(["whole", "near", "tied", "distinct", "wide"]))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    time = _rows(seed, n, kind)
    n_causes = draw(st.integers(1, 3))
    block_size = draw(st.integers(1, 3))
    n_blocks = draw(st.integers(1, 3))
    n_cells = block_size * n_blocks
    event = rng.integers(0, n_causes + 1, n)
    entry = None
    if draw(st.booleans()):
        entry = time - rng.uniform(0.0, 2.0, n) * (time > 0) - (time == 0) * 1.0
    return {
        "time": time,
        "event": event,
        "cell": rng.integers(0, n_cells, n).astype(np.intp),
        "n_cells": n_cells,
        "block_size": block_size,
        "entry": entry,
        "n_causes": n_causes,
    }


@SETTINGS
@given(tables_input(), st.booleans())
def test_value_sort_equals_index_path(args: dict[str, object], at_events: bool) -> None:
    value = value_sorted_blocks(**args, at_events=at_events)  # type: ignore[arg-type]
    assert value is not None
    time = args["time"]
    assert isinstance(time, np.ndarray)
    index = tabulate_blocks(**args, weights=np.ones(time.size), at_events=at_events)  # type: ignore[arg-type]
    assert len(value) == len(index)
    for v, i in zip(value, index, strict=True):
        _assert_same(v, i)


@SETTINGS
@given(tables_input())
def test_one_dense_table_equals_index_path(args: dict[str, object]) -> None:
    del args["block_size"]
    time = args["time"]
    assert isinstance(time, np.ndarray)
    _assert_same(tabulate(**args), tabulate(**args, weights=np.ones(time.size)))  # type: ignore[arg-type]


@SETTINGS
@given(tables_input(), st.booleans())
def test_merge_in_counting_equals_merged_rows(args: dict[str, object], at_events: bool) -> None:
    """One block counted from raw times with the sorted merge = the rows merged first."""
    args["n_cells"] = args["block_size"]  # one block
    args["cell"] = np.asarray(args["cell"]) % int(args["block_size"])  # type: ignore[call-overload]
    args["entry"] = None
    time = args["time"]
    assert isinstance(time, np.ndarray)
    merged = aeq_times(time)[0]
    counted = tabulate_blocks(**args, at_events=at_events, merge_sorted=aeq_sorted_times)  # type: ignore[arg-type]
    args["time"] = merged
    index = tabulate_blocks(**args, weights=np.ones(time.size), at_events=at_events)  # type: ignore[arg-type]
    for v, i in zip(counted, index, strict=True):
        _assert_same(v, i)


def test_at_event_times_keeps_risk_and_events_of_the_full_table() -> None:
    time = _rows(5, 400, "tied")
    rng = np.random.default_rng(6)
    event, cell = rng.integers(0, 2, time.size), rng.integers(0, 3, time.size).astype(np.intp)
    full = tabulate_blocks(time, event, cell=cell, n_cells=3, block_size=3)[0]
    short = tabulate_blocks(time, event, cell=cell, n_cells=3, block_size=3, at_events=True)[0]
    keep = full.n_event.sum(axis=0) > 0
    np.testing.assert_array_equal(short.times, full.times[keep])
    np.testing.assert_array_equal(short.n_risk, full.n_risk[:, keep])
    np.testing.assert_array_equal(short.n_event, full.n_event[:, keep])
    # Exits are counted at the last event time at or before them; none before the first.
    first = np.flatnonzero(keep)[0]
    np.testing.assert_array_equal(short.n_exit.sum(axis=1), full.n_exit[:, first:].sum(axis=1))


@pytest.mark.parametrize("kind", ["near", "tied", "distinct"])
def test_sorted_merge_is_aeq_times(kind: str) -> None:
    time = _rows(11, 3000, kind)
    np.testing.assert_array_equal(aeq_sorted_times(np.sort(time)), np.sort(aeq_times(time)[0]))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False), min_size=1, max_size=50),
    st.integers(0, 3),
)
def test_property_sorted_merge_is_aeq_times(values: list[float], copies: int) -> None:
    base = np.array(values)
    time = np.concatenate([base] + [base * (1.0 + 1e-12 * (c + 1)) for c in range(copies)])
    np.testing.assert_array_equal(aeq_sorted_times(np.sort(time)), np.sort(aeq_times(time)[0]))


@pytest.mark.parametrize("kind", ["tied", "wide"])
def test_one_sort_and_merged_cells_agree(kind: str) -> None:
    """Rows by (block, time, cell) from one packed sort = per-cell sorts merged."""
    rng = np.random.default_rng(51)
    time = _rows(52, 3000, kind)
    died = rng.random(time.size) < 0.6
    cell = rng.integers(0, 6, time.size).astype(np.intp)
    merged = _merged_by_cells(time, died, cell, 6, 3)
    assert merged is not None
    one_sort = block_major(time, died, cell, 2, 3)
    if kind == "wide":
        assert one_sort is None
        return
    assert one_sort is not None
    np.testing.assert_array_equal(one_sort[0], merged[0])
    np.testing.assert_array_equal(one_sort[3], merged[3])
    for b in range(2):
        rows = slice(one_sort[3][b], one_sort[3][b + 1])
        # Within equal times the order may differ: compare the (time, cell, event) triples.
        key_a = sorted(zip(one_sort[0][rows], one_sort[2][rows], one_sort[1][rows], strict=True))
        key_b = sorted(zip(merged[0][rows], merged[2][rows], merged[1][rows], strict=True))
        assert key_a == key_b


def test_packed_keys_order_as_time_then_event() -> None:
    time = np.array([3.0, 0.0, -0.0, 1e-300, 2.5, 2.5, np.inf, 5e-324])
    died = np.array([1, 0, 1, 0, 1, 0, 1, 1], dtype=bool)
    keys = packed_keys(time, died)
    assert keys is not None
    sorted_time, sorted_died = unpack(np.sort(keys))
    order = np.lexsort((died, time))
    np.testing.assert_array_equal(sorted_time, time[order])
    # -0.0 and 0.0 are one value: the censored row first.
    np.testing.assert_array_equal(sorted_died, [False, True, True, False, False, True, True, True])
    assert packed_keys(np.array([1.0, -1.0]), died[:2]) is None
    assert packed_keys(np.array([1.0, np.nan]), died[:2]) is None


def _frame(seed: int, n: int, kind: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "time": _rows(seed, n, kind) + 0.5,
            "event": rng.integers(0, 2, n),
            "group": rng.integers(0, 4, n),
            "stratum": rng.integers(0, 2, n),
        }
    )


@pytest.mark.parametrize("kind", ["near", "tied", "distinct", "whole"])
def test_kaplan_meier_equals_rows_merged_first(kind: str) -> None:
    data = _frame(21, 2000, kind)
    merged = data.assign(time=aeq_times(data["time"].to_numpy())[0])
    for by in (None, "group"):
        fit = ss.kaplan_meier(data, "time", "event", by=by)
        reference = ss.kaplan_meier(merged, "time", "event", by=by, timefix=False)
        pd.testing.assert_frame_equal(fit.table, reference.table, check_exact=True)


@pytest.mark.parametrize("kind", ["near", "tied", "distinct", "whole"])
@pytest.mark.parametrize("strata", [None, "stratum"])
def test_logrank_equals_full_index_tables(kind: str, strata: str | None) -> None:
    """The test from value-sorted event-time tables = from full tables of the index path."""
    data = _frame(31, 3000, kind)
    fit = ss.logrank_test(data, "time", "event", by="group", strata=strata)
    merged = aeq_times(data["time"].to_numpy())[0]
    surv = Surv.from_arrays(merged, data["event"].to_numpy(), timefix=False)
    again = logrank_test_surv(
        surv, by=data["group"], strata=None if strata is None else data[strata]
    )
    n_strata = 1 if strata is None else 2
    cell = data["group"].to_numpy() + (0 if strata is None else 4 * data[strata].to_numpy())
    blocks = tabulate_blocks(
        merged, data["event"].to_numpy(), cell=cell.astype(np.intp), n_cells=4 * n_strata,
        block_size=4, weights=np.ones(len(data)),
    )  # fmt: skip
    groups = ss._grouping.group_codes(data, ("group",))
    full = result_from_blocks(
        blocks, groups, data, (("group",), () if strata is None else (strata,)),
        ("logrank", 0.0, 0.0), False, None, fit.excluded,
    )  # fmt: skip
    for other in (again, full):
        assert fit.statistic == pytest.approx(other.statistic, rel=1e-13)
        np.testing.assert_allclose(fit.expected, other.expected, rtol=1e-13)
        np.testing.assert_allclose(fit.variance, other.variance, rtol=1e-13, atol=1e-12)
        np.testing.assert_array_equal(fit.observed, other.observed)
        np.testing.assert_array_equal(fit.n, other.n)
        np.testing.assert_array_equal(fit.n_event, other.n_event)


def test_many_cells_take_the_vectorised_path() -> None:
    """10^3 groups without entry times: one table per cell, no loop over cells."""
    rng = np.random.default_rng(41)
    time = np.round(rng.exponential(10.0, 20_000), 1)
    event = rng.integers(0, 2, time.size)
    cell = rng.integers(0, 1000, time.size).astype(np.intp)
    value = value_sorted_blocks(
        time, event, cell=cell, n_cells=1000, block_size=1, entry=None, n_causes=1
    )
    assert value is not None
    index = tabulate_blocks(time, event, cell=cell, n_cells=1000, weights=np.ones(time.size))
    for v, i in zip(value, index, strict=True):
        _assert_same(v, i)


@pytest.mark.parametrize("kind", ["near", "tied", "distinct", "wide"])
@pytest.mark.parametrize("timefix", [True, False])
@pytest.mark.parametrize("by", [None, "group"])
def test_kaplan_meier_equals_the_permutation_path(kind: str, timefix: bool, by: str | None) -> None:
    """Unit case weights take the argsort path (and its one-sort timefix): the same curves."""
    data = _frame(61, 2500, kind)
    fit = ss.kaplan_meier(data, "time", "event", by=by, timefix=timefix)
    weighted = ss.kaplan_meier(
        data.assign(w=1.0), "time", "event", by=by, weights="w", timefix=timefix
    )
    assert len(fit.table) == len(weighted.table)
    for column in fit.table.columns:
        if column == "group":
            assert fit.table[column].tolist() == weighted.table[column].tolist()
            continue
        np.testing.assert_allclose(
            fit.table[column].to_numpy(float), weighted.table[column].to_numpy(float),
            rtol=1e-14, atol=0.0, err_msg=column,
        )  # fmt: skip
