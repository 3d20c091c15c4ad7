"""Storage (issue #19): bytes per submission for the three bundles, and what the retention policy frees on a
simulated contest of 100,000 submissions.

    .venv/bin/python -m benchmarks.bench_storage

Part 1 trains each bundle's own baseline (stock mlflow, skops) on its public train set and measures what one
submission costs: the .tar.gz a team uploads (what was kept before revision 0007), the validated tree intake
now keeps (distinct files, by content), what an identical re-upload adds (nothing) and what a retrained model
adds (only the files that changed), and the predictions Parquet kept for ever.

Part 2 simulates the rows, not the files: 100k submissions from 400 teams with the measured sizes, run through
the very functions `dabiwu storage gc` uses (policy.decide, gc.sweepable). Baseline in the same run: one
archive per submission, nothing expired (the store before this work).
"""

from __future__ import annotations

import importlib.util
import io
import os
import random
import resource
import shutil
import sys
import tarfile
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

REPO = Path(__file__).resolve().parents[1]
BUNDLES = ("drunk-driving-withdrawal", "han-river-ecology", "medical-insurance-recovery")


def _baseline(slug: str):
    spec = importlib.util.spec_from_file_location(f"baseline_{slug.replace('-', '_')}", REPO / "challenges" / slug / "baseline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tar_gz(folder: Path) -> int:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(folder, arcname=".")
    return buffer.tell()


def measure_bundle(slug: str, work: Path) -> dict:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dabiwu.challenges.bundle import load_bundle
    from dabiwu.model_store.trees import pack, tree_of

    bundle = load_bundle(REPO / "challenges" / slug)
    data = bundle.spec["data"]
    baseline = _baseline(slug)
    train = bundle.generate(int(data["train_rows"]), int(data["train_seed"]))
    first = baseline.save(baseline.train(train), train, work / slug / "first")
    again = baseline.save(baseline.train(train), train, work / slug / "again")  # a retrain: same data, new save
    other = bundle.generate(int(data["train_rows"]), int(data["train_seed"]) + 1)
    retrained = baseline.save(baseline.train(other), other, work / slug / "retrained")
    tree, tree_again, tree_retrained = tree_of(first), tree_of(again), tree_of(retrained)
    stored = {sha: path.stat().st_size for sha, path in pack(tree, first, work / slug / "p1").items()}
    packed_again = {sha: path.stat().st_size for sha, path in pack(tree_again, again, work / slug / "p2").items()}
    packed_retrained = {sha: path.stat().st_size for sha, path in pack(tree_retrained, retrained, work / slug / "p3").items()}
    new_again = sum(size for sha, size in packed_again.items() if sha not in stored)
    new_retrained = sum(size for sha, size in packed_retrained.items() if sha not in stored)
    rows = int(data["test_rows"])
    ids = np.array([f"C{i:09d}" for i in range(rows)])
    buffer = io.BytesIO()
    pq.write_table(pa.table({"id": ids, "score": np.random.default_rng(0).random(rows)}), buffer)
    return {"slug": slug, "files": len(tree.files), "archive": _tar_gz(first), "tree": tree.bytes,
            "stored": sum(stored.values()), "identical_reupload": 0, "resaved": new_again, "retrained": new_retrained,
            "predictions": buffer.tell(), "largest": max(stored.values())}


def simulate(per_bundle: list[dict], *, submissions: int = 100_000, teams: int = 400, seed: int = 7) -> dict:
    """Rows for a 100k-submission contest over three challenges; sizes from the measured bundles."""
    from dabiwu.model_store.gc import sweepable
    from dabiwu.model_store.policy import Candidate, decide

    rng = random.Random(seed)
    start = datetime(2027, 1, 1, tzinfo=timezone.utc)
    live: dict[str, str] = {}
    tree_blobs: dict[str, set[str]] = {}
    blob_sizes: dict[str, int] = {}
    archive_bytes = 0
    by_challenge: dict[int, list[Candidate]] = {0: [], 1: [], 2: []}
    team_last: dict[tuple[int, int], str] = {}
    for n in range(submissions):
        challenge = n % 3
        measured = per_bundle[challenge]
        team = rng.randrange(teams)
        sid = f"s{n}"
        status = rng.choices(("scored", "failed"), weights=(92, 8))[0]
        shared = {f"env-{challenge}-{k}": 250 for k in range(measured["files"] - 2)}  # conda, python_env, requirements…
        if (challenge, team) in team_last and rng.random() < 0.05:  # the same model uploaded again
            tree = live[team_last[(challenge, team)]]
        else:
            weights = int(measured["largest"] * rng.lognormvariate(0, 0.5))
            tree = f"t{n}"
            tree_blobs[tree] = {f"w{n}", f"m{n}", *shared}
            blob_sizes.update(shared)
            blob_sizes[f"w{n}"] = weights
            blob_sizes[f"m{n}"] = 450  # MLmodel (gzip): its run id and time differ per save
        live[sid] = tree
        team_last[(challenge, team)] = sid
        tree_size = sum(blob_sizes[b] for b in tree_blobs[tree])
        archive_bytes += int(tree_size * measured["archive"] / max(1, measured["stored"]))
        score = rng.random() if status == "scored" else None
        by_challenge[challenge].append(Candidate(
            id=sid, team_id=team, status=status, is_final=False, public_score=score,
            private_score=None if score is None else min(1.0, max(0.0, score + rng.gauss(0, 0.05))),
            created_at=start + timedelta(seconds=n)))
    # Two final selections per team and challenge (its two latest scored), five promoted per challenge.
    finals, promoted = set(), set()
    for challenge, rows in by_challenge.items():
        latest: dict[int, list[str]] = {}
        for c in rows:
            if c.status == "scored":
                latest.setdefault(c.team_id, []).append(c.id)
        finals |= {sid for ids in latest.values() for sid in ids[-2:]}
        promoted |= set(rng.sample([c.id for c in rows if c.status == "scored"], 5))
    started = time.process_time()
    expiring: set[str] = set()
    kept = 0
    now = start + timedelta(days=120)
    for challenge, rows in by_challenge.items():
        rows = [Candidate(**{**c.__dict__, "is_final": c.id in finals, "promoted": c.id in promoted}) for c in rows]
        plan = decide(rows, challenge_id=challenge, slug=str(challenge), days=30, expires_at=now - timedelta(days=1),
                      finalized=True, now=now)
        expiring |= set(plan.expire)
        kept += len(plan.keep)
    dead_trees, dead_blobs = sweepable(live=live, expiring=expiring, tree_blobs=tree_blobs, blob_sizes=blob_sizes,
                                       fresh_trees=set(), fresh_blobs=set())
    cpu = time.process_time() - started
    stored = sum(blob_sizes.values())
    freed = sum(blob_sizes[b] for b in dead_blobs)
    return {"submissions": submissions, "teams": teams, "kept": kept, "expired": len(expiring),
            "archives_baseline": archive_bytes, "stored_once": stored, "freed": freed, "after": stored - freed,
            "trees_freed": len(dead_trees), "blobs_freed": len(dead_blobs), "policy_cpu_s": cpu}


def mb(n: float) -> str:
    return f"{n / 1e6:,.2f}"


def main(argv: list[str]) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-storage-"))
    try:
        measured = [measure_bundle(slug, work) for slug in BUNDLES]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| bundle (baseline, skops) | files | upload .tar.gz | tree (raw files) | tree as stored (gzip objects) | "
          "identical re-upload adds | re-saved (same data) adds | retrained adds | predictions kept |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for m in measured:
        print(f"| {m['slug']} | {m['files']} | {m['archive']:,} B | {m['tree']:,} B | {m['stored']:,} B | "
              f"{m['identical_reupload']} B | {m['resaved']:,} B | {m['retrained']:,} B | {m['predictions']:,} B |")
    result = simulate(measured)
    print()
    print(f"simulated contest: {result['submissions']:,} submissions, {result['teams']} teams, 3 challenges")
    print("| store | MB | vs baseline |")
    print("| --- | ---: | ---: |")
    base = result["archives_baseline"]
    for name, value in (("baseline: one archive per submission, none expired", base),
                        ("validated trees, identical files once", result["stored_once"]),
                        ("... after `storage gc --apply`", result["after"])):
        print(f"| {name} | {mb(value)} | {value / base:.3f}x |")
    print(f"kept {result['kept']:,} submissions' models, expired {result['expired']:,}; freed {mb(result['freed'])} MB "
          f"({result['freed'] / result['stored_once']:.1%} of the store) in {result['trees_freed']:,} trees and "
          f"{result['blobs_freed']:,} files; policy + mark on 100k rows: {result['policy_cpu_s']:.2f} s CPU, "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    predictions = sum(m["predictions"] for m in measured) / len(measured) * result["submissions"]
    print(f"predictions kept for ever (never expired; boards and rescoring read them): {mb(predictions)} MB, "
          f"{predictions / max(1, result['after']):.0f}x the model files left after gc")


if __name__ == "__main__":
    main(sys.argv[1:])
