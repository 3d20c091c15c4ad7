"""Issue #20 item 4: the field board's correction for leads not yet resolved, on simulated late outcomes.

Two versions with the same true lead→case rate: an old one whose leads are all decided, a young one whose leads
mostly are still under review.  Counting pending leads as failures ranks the young one far below; the corrected
estimate (beta-binomial on decided leads, empirical-Bayes prior) must not."""

from __future__ import annotations

import numpy as np

from dabiwu.districts.field_board import corrected, rank_versions

TRUE_RATE = 0.3


def simulate(rng: np.random.Generator, *, leads: int, resolved_share: float) -> dict[str, int]:
    """`leads` flagged leads with TRUE_RATE of them real cases; each is decided with probability resolved_share,
    independently of its outcome (the field board's stated assumption)."""
    real = rng.random(leads) < TRUE_RATE
    decided = rng.random(leads) < resolved_share
    return {"confirmed": int((real & decided).sum()), "rejected": int((~real & decided).sum()),
            "pending": int((~decided).sum())}


def test_a_young_model_with_many_pending_leads_is_not_ranked_below_an_old_one_with_the_same_rate():
    # exact counts: both convert 30% of decided leads; the young one has decided only 20 of 200
    prior, ranked = rank_versions({"old": {"confirmed": 60, "rejected": 140, "pending": 0},
                                   "young": {"confirmed": 6, "rejected": 14, "pending": 180}})
    estimates = dict(ranked)
    assert abs(prior - TRUE_RATE) < 1e-9
    assert estimates["young"]["naive_conversion"] < 0.05 < estimates["old"]["naive_conversion"]  # the naive penalty
    assert abs(estimates["young"]["conversion"] - estimates["old"]["conversion"]) < 1e-9
    young_low, young_high = estimates["young"]["interval"]
    old_low, old_high = estimates["old"]["interval"]
    assert young_high - young_low > old_high - old_low  # less decided, less certain: wider, not lower


def test_on_simulated_late_outcomes_the_correction_is_unbiased_where_the_naive_rate_is_not():
    rng = np.random.default_rng(20)
    gaps_corrected, gaps_naive, young_below = [], [], 0
    runs = 400
    for _ in range(runs):
        old = simulate(rng, leads=300, resolved_share=0.95)
        young = simulate(rng, leads=300, resolved_share=0.15)
        _, ranked = rank_versions({"old": old, "young": young})
        estimates = dict(ranked)
        gaps_corrected.append(estimates["young"]["conversion"] - estimates["old"]["conversion"])
        gaps_naive.append(estimates["young"]["naive_conversion"] - estimates["old"]["naive_conversion"])
        young_below += ranked[-1][0] == "young"
    # naive: the young model always looks ~0.25 worse; corrected: no systematic gap either way
    assert np.mean(gaps_naive) < -0.2
    assert abs(np.mean(gaps_corrected)) < 0.01
    assert 0.3 * runs < young_below < 0.7 * runs  # ranked below about as often as above: a coin, not a penalty


def test_a_better_young_model_still_ranks_first_once_enough_is_decided():
    _, ranked = rank_versions({"old": {"confirmed": 60, "rejected": 140, "pending": 0},
                               "young": {"confirmed": 30, "rejected": 10, "pending": 160}})
    assert ranked[0][0] == "young"


def test_no_decided_lead_gives_the_prior_and_a_wide_interval():
    estimate = corrected(0, 0, 50, prior_mean=0.4)
    assert estimate["conversion"] == 0.4 and estimate["naive_conversion"] == 0.0
    assert estimate["decided_conversion"] is None and estimate["resolved_share"] == 0.0
    low, high = estimate["interval"]
    assert low < 0.2 and high > 0.6
