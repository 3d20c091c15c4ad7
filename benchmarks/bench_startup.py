"""Start-up of the command line: `dabiwu --help` and `dabiwu leaderboard` against `python -c pass`, same run.

Each command is started N times in a fresh process; the figure is the median wall time.  `leaderboard` runs with no
stored credentials, so it stops at "Not signed in" after importing everything the command needs to start (the
request itself is the server's time, not the CLI's).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 15
DABIWU = str(Path(sys.executable).with_name("dabiwu"))


def _median_wall(argv: list[str], env: dict[str, str]) -> float:
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HOME": home, "MLFLOW_DISABLE_TELEMETRY": "true"}
        floor = _median_wall([sys.executable, "-c", "pass"], env)
        rows = [("python -c pass", floor)]
        for label, args in (("dabiwu --help", ["--help"]), ("dabiwu leaderboard SLUG", ["leaderboard", "x"]),
                            ("dabiwu status ID", ["status", "abcd1234"])):
            rows.append((label, _median_wall([DABIWU, *args], env)))
    print(f"| command (median of {RUNS}) | wall s | over python -c pass |")
    print("| --- | ---: | ---: |")
    for label, wall in rows:
        print(f"| {label} | {wall:.3f} | {wall - floor:+.3f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
