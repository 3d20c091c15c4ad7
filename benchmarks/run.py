"""`make bench`: run every benchmark module in turn (each prints its own table).

Benchmarks are never part of `make test`; their results are written by hand into RESULTS.md
with the machine, the command and the ratio against the baseline measured in the same run.
"""

from __future__ import annotations

import importlib
import sys

MODULES = ("bench_startup", "bench_generate", "bench_scoring", "bench_sandbox", "bench_overhead", "bench_million",
           "bench_upload", "bench_leaderboard", "bench_runtimes", "bench_storage", "bench_rules", "bench_burst",
           "bench_zygote_memory", "bench_typed_answers")  # bench_board_memory needs two trees: run it by hand


def main(argv: list[str]) -> int:
    chosen = [m for m in MODULES if not argv or m in argv]
    for name in chosen:
        print(f"\n=== benchmarks.{name} ===", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        module.main([]) if "main" in dir(module) else None
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
