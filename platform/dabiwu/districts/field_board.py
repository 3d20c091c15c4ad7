"""The field board of one supervision point (a challenge): its listed versions ranked by lead→case conversion as
districts report it, with per-district intervals, corrected for leads not yet resolved.

Why this correction.  The naive conversion, cases / leads flagged, counts every lead still under review as a
failure, so a young model (most of its leads pending) ranks below an old one with the same true rate.  Counting
only decided leads (cases / (cases + no-cases)) removes that penalty but gives a young model's handful of decided
leads full weight, so it jumps to the top or bottom by luck.  We use both fixes together, as a beta-binomial with an
empirical-Bayes prior: the conversion of a version is Beta(a0 + cases, b0 + no-cases), where the prior's mean is the
pooled conversion of every listed version of this supervision point and its weight is PRIOR_LEADS leads.  Pending
leads enter neither count: a version is judged only on what was decided, and until enough is decided its estimate
stays near the pool (not near zero) with a wide interval.  Versions are ranked by the posterior mean.

What it assumes: a lead's time to resolution does not depend on its outcome.  If no-cases were decided much faster
than cases, decided-only counts would understate a young model; a time-to-resolution (inverse-probability) weighting
would then be the next step.  Lead records keep created_at and state_changed_at, which such a model would need.
"""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

from scipy.stats import beta
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dabiwu.db.models import Challenge, District, LeadOutcome, RegistryListing, Score, Team
from dabiwu.scoring.contest_interval import contest_precision

PRIOR_LEADS = 10.0  # the prior counts as this many decided leads
FALLBACK_RATE = 0.5  # the prior's mean before any lead of the supervision point is decided
LEVEL = 0.95
BEIJING = timezone(timedelta(hours=8))


def corrected(confirmed: int, rejected: int, pending: int, *, prior_mean: float) -> dict[str, Any]:
    """The posterior of one version's (or one district's) conversion; pending leads are neither cases nor failures."""
    a = prior_mean * PRIOR_LEADS + confirmed
    b = (1 - prior_mean) * PRIOR_LEADS + rejected
    decided = confirmed + rejected
    flagged = decided + pending
    tail = (1 - LEVEL) / 2
    return {
        "confirmed": confirmed, "rejected": rejected, "pending": pending, "decided": decided,
        "naive_conversion": confirmed / flagged if flagged else None,
        "decided_conversion": confirmed / decided if decided else None,
        "conversion": a / (a + b),
        "interval": [float(beta.ppf(tail, a, b)), float(beta.ppf(1 - tail, a, b))],
        "resolved_share": decided / flagged if flagged else None,
    }


def rank_versions(counts: dict[Any, dict[str, int]]) -> tuple[float, list[tuple[Any, dict[str, Any]]]]:
    """(prior mean, [(key, estimate)] best first) for {key: {confirmed, rejected, pending}}."""
    cases = sum(c.get("confirmed", 0) for c in counts.values())
    decided = cases + sum(c.get("rejected", 0) for c in counts.values())
    prior_mean = cases / decided if decided else FALLBACK_RATE
    # keep the prior off 0 and 1, where a beta prior stops being one
    prior_mean = min(max(prior_mean, 0.01), 0.99)
    estimates = [(key, corrected(c.get("confirmed", 0), c.get("rejected", 0), c.get("pending", 0),
                                 prior_mean=prior_mean)) for key, c in counts.items()]
    estimates.sort(key=lambda item: (-item[1]["conversion"], -item[1]["decided"]))
    return prior_mean, estimates


def field_board(session: Session, *, challenge: Challenge) -> dict[str, Any]:
    listings = list(session.scalars(select(RegistryListing).where(
        RegistryListing.challenge_id == challenge.id, RegistryListing.listed.is_(True))))
    by_id = {listing.id: listing for listing in listings}
    rows = session.execute(
        select(LeadOutcome.listing_id, District.code, District.name_zh, District.name_en, LeadOutcome.outcome,
               func.count())
        .join(District, District.id == LeadOutcome.district_id)
        .where(LeadOutcome.listing_id.in_(list(by_id) or [-1]))
        .group_by(LeadOutcome.listing_id, District.code, District.name_zh, District.name_en, LeadOutcome.outcome)
    ).all()
    overall: dict[int, dict[str, int]] = {listing.id: {} for listing in listings}
    districts: dict[int, dict[str, dict[str, int]]] = {listing.id: {} for listing in listings}
    names: dict[str, tuple[str, str]] = {}
    for listing_id, code, name_zh, name_en, outcome, n in rows:
        overall[listing_id][outcome] = overall[listing_id].get(outcome, 0) + n
        per = districts[listing_id].setdefault(code, {})
        per[outcome] = per.get(outcome, 0) + n
        names[code] = (name_zh, name_en)
    prior_mean, ranked = rank_versions(overall)
    teams = dict(session.execute(select(Team.id, Team.name).where(
        Team.id.in_({listing.team_id for listing in listings} or {-1}))).tuples().all())
    timelines = precision_by_month(session, listing_ids=list(by_id))
    board = []
    for place, (listing_id, estimate) in enumerate(ranked, start=1):
        listing = by_id[listing_id]
        board.append({
            "rank": place, "registered_model": listing.registered_model, "version": listing.version,
            "team": teams.get(listing.team_id, ""), "promoted_at": listing.promoted_at,
            "private_score": listing.private_score, **estimate,
            "contest": contest_precision(getattr(session.get(Score, listing.score_id), "metrics", None)),
            "by_district": {code: {"name_zh": names[code][0], "name_en": names[code][1],
                                   **corrected(c.get("confirmed", 0), c.get("rejected", 0), c.get("pending", 0),
                                               prior_mean=prior_mean)}
                            for code, c in sorted(districts[listing_id].items())},
            "by_month": timelines.get(listing_id, []),
        })
    return {"slug": challenge.slug, "supervision_point": challenge.rules.supervision_point.model_dump(),
            "prior_mean": prior_mean, "prior_leads": PRIOR_LEADS, "level": LEVEL,
            "method": "beta-binomial, empirical-Bayes prior; pending leads excluded", "versions": board}


def precision_by_month(session: Session, *, listing_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Field precision of each version by month of outcome (Beijing time), per month and cumulative."""
    months: dict[int, dict[str, dict[str, int]]] = {}
    for listing_id, outcome, at in session.execute(
        select(LeadOutcome.listing_id, LeadOutcome.outcome, LeadOutcome.updated_at)
        .where(LeadOutcome.listing_id.in_(listing_ids or [-1]), LeadOutcome.outcome.in_(("confirmed", "rejected")))
    ):
        month = at.astimezone(BEIJING).strftime("%Y-%m")
        cell = months.setdefault(listing_id, {}).setdefault(month, {"confirmed": 0, "rejected": 0})
        cell[outcome] += 1
    out: dict[int, list[dict[str, Any]]] = {}
    for listing_id, cells in months.items():
        total_c = total_r = 0
        series = []
        for month in sorted(cells):
            c, r = cells[month]["confirmed"], cells[month]["rejected"]
            total_c, total_r = total_c + c, total_r + r
            series.append({"month": month, "confirmed": c, "rejected": r, "precision": c / (c + r),
                           "cumulative_precision": total_c / (total_c + total_r)})
        out[listing_id] = series
    return out


