"""The committed frontend_dist/ must be exactly what frontend/ builds to.

The server ships frontend_dist/ as is (no Node on production hosts), so a source change
without a rebuild would silently serve a stale UI. This rebuilds frontend/ into a
temporary folder and compares file names and bytes with the committed tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.system_parts import check

REPO_ROOT = Path(__file__).resolve().parents[2]
FRONTEND = REPO_ROOT / "frontend"
DIST = REPO_ROOT / "frontend_dist"
FIX = "run `make frontend` and commit frontend_dist/"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _run(args: list[str], timeout: int) -> None:
    env = {**os.environ, "CI": "true", "NO_COLOR": "1", "npm_config_audit": "false", "npm_config_fund": "false"}
    done = subprocess.run(args, cwd=FRONTEND, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        pytest.fail(f"`{' '.join(args)}` failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


@pytest.mark.timeout(900)
def test_committed_dist_matches_a_fresh_build(tmp_path: Path) -> None:
    npm = shutil.which("npm")
    npx = shutil.which("npx")
    check("npm", None if npm and npx else "npm is not on PATH, so frontend_dist/ cannot be checked against frontend/")
    assert (DIST / "index.html").is_file(), f"frontend_dist/index.html is missing: {FIX}"

    if not (FRONTEND / "node_modules" / ".bin" / "vite").exists():
        _run([npm, "ci", "--no-audit", "--no-fund"], timeout=600)
    out = tmp_path / "dist"
    _run([npx, "--no-install", "vite", "build", "--outDir", str(out), "--emptyOutDir", "--logLevel", "warn"], timeout=600)

    built, committed = _tree(out), _tree(DIST)
    missing = sorted(set(built) - set(committed))
    extra = sorted(set(committed) - set(built))
    changed = sorted(name for name in set(built) & set(committed) if built[name] != committed[name])
    problems = (
        [f"not committed: {n}" for n in missing]
        + [f"stale (no longer built): {n}" for n in extra]
        + [f"differs: {n}" for n in changed]
    )
    assert not problems, f"frontend_dist/ does not match a fresh build of frontend/; {FIX}.\n" + "\n".join(problems[:20])
