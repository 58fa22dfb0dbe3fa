"""Counting-process rows with a frailty: pieces of follow-up versus delayed entries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sarcosurv as ss
from conftest import load_dataset


def split_at_half(data: pd.DataFrame) -> pd.DataFrame:
    """Each subject's follow-up (0, time] as two rows (0, time/2] and (time/2, time]."""
    first = data.assign(start=0.0, stop=data["time"] / 2.0, status=0)
    second = data.assign(start=data["time"] / 2.0, stop=data["time"])
    return pd.concat([first, second], ignore_index=True)


@pytest.fixture(scope="module")
def rats() -> pd.DataFrame:
    return load_dataset("rats")


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_pieces_of_follow_up_give_the_unsplit_fit(rats: pd.DataFrame, ties: str) -> None:
    whole = ss.coxph("Surv(time, status) ~ rx", rats, ties=ties, frailty="litter")
    pieces = ss.coxph(
        "Surv(start, stop, status) ~ rx",
        split_at_half(rats),
        ties=ties,
        frailty="litter",
        frailty_left_truncation=False,
    )
    assert whole.frailty is not None
    assert pieces.frailty is not None
    np.testing.assert_allclose(pieces.frailty.theta, whole.frailty.theta, rtol=1e-5)
    np.testing.assert_allclose(pieces.frailty.loglik, whole.frailty.loglik, rtol=1e-9)
    np.testing.assert_allclose(pieces.params, whole.params, rtol=1e-5)
    np.testing.assert_allclose(pieces.std_err, whole.std_err, rtol=1e-4)
    np.testing.assert_allclose(
        pieces.frailty.estimates["frailty"], whole.frailty.estimates["frailty"], rtol=1e-5
    )


def test_delayed_entries_are_conditioned_on_entry(rats: pd.DataFrame) -> None:
    """Read as delayed entries, the second pieces carry information about the frailty
    through their survival to entry, so the fit differs from the unsplit one."""
    whole = ss.coxph("Surv(time, status) ~ rx", rats, ties="breslow", frailty="litter")
    entries = ss.coxph(
        "Surv(start, stop, status) ~ rx", split_at_half(rats), ties="breslow", frailty="litter"
    )
    assert whole.frailty is not None
    assert entries.frailty is not None
    assert abs(entries.frailty.theta - whole.frailty.theta) > 1e-3


def test_switch_is_inert_without_counting_process(rats: pd.DataFrame) -> None:
    a = ss.coxph("Surv(time, status) ~ rx", rats, ties="breslow", frailty="litter")
    b = ss.coxph(
        "Surv(time, status) ~ rx",
        rats,
        ties="breslow",
        frailty="litter",
        frailty_left_truncation=False,
    )
    assert a.frailty is not None
    assert b.frailty is not None
    assert a.frailty.theta == b.frailty.theta
