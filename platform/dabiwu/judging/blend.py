"""The final ranking: the private metric blended with the judges' rubric, by challenge.yaml's weights.

metric part = the team's private score / the best private score among finalists (0..1);
rubric part = the mean over its judges of the weight-averaged rubric scores (each 0..10), / 10.
final = metric_weight x metric part + rubric_weight x rubric part.  A team nobody reviewed yet
gets a rubric part of 0 and is flagged `unreviewed`.
"""

from __future__ import annotations

from collections.abc import Sequence

from dabiwu.challenges.rules import RankingRule, RubricItem


def rubric_score(scores: dict, rubric: Sequence[RubricItem]) -> float:
    """The weight-averaged rubric score (0..10); a criterion a judge left out counts 0."""
    total_weight = sum(float(item.weight) for item in rubric) or 1.0
    return sum(float(scores.get(item.key, 0)) * float(item.weight) for item in rubric) / total_weight


def blend(private_board: list[dict], reviews_by_team: dict[int, list[dict]], *, rubric: Sequence[RubricItem],
          ranking: RankingRule) -> list[dict]:
    metric_weight = float(ranking.metric_weight)
    rubric_weight = float(ranking.rubric_weight)
    best = max((row["score"] for row in private_board), default=0.0) or 1.0
    rows = []
    for row in private_board:
        reviews = reviews_by_team.get(row["team_id"], [])
        rubric_part = (sum(rubric_score(r, rubric) for r in reviews) / len(reviews) / 10.0) if reviews else 0.0
        metric_part = row["score"] / best
        rows.append({
            "team": row["team"], "team_id": row["team_id"], "submission_id": row["submission_id"],
            "private_score": row["score"], "private_rank": row["rank"],
            "metric_part": round(metric_part, 6), "rubric_part": round(rubric_part, 6),
            "final_score": round(metric_weight * metric_part + rubric_weight * rubric_part, 6),
            "reviews": len(reviews), "unreviewed": not reviews,
        })
    rows.sort(key=lambda r: (-r["final_score"], r["private_rank"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows
