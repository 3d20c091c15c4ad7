"""Challenge generators: time and peak memory of generate(1_000_000, seed) for each bundle.

    .venv/bin/python -m benchmarks.bench_generate [--rows 1000000] [--repeat 3] [SLUG ...]

Each measurement runs in a fresh Python process, so that peak RSS (the kernel's ru_maxrss) belongs
to one generation and nothing else: interpreter, numpy and pandas included.  The child also times
the bundle's everyday size (data.train_rows + data.test_rows), and what loading adds to it: the full
validation of both sets, the shuffle, the split and the Arrow conversion (dataset.prepare_data).  The machine is shared, so the time
reported is the best of --repeat runs (contention only ever adds time); RSS is the largest seen.
CPU seconds (the child's process_time) are reported too: on a loaded machine they, more than the
wall time, say what a generator costs.
Prints a Markdown table for benchmarks/RESULTS.md ("## Challenge generators").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLUGS = ("medical-insurance-recovery", "han-river-ecology", "drunk-driving-withdrawal")


def child(slug: str, rows: int, seed: int) -> dict:
    """Runs in the fresh process: import, generate the everyday sizes, then the big one."""
    import importlib.util
    import resource
    import time

    import yaml

    folder = ROOT / "challenges" / slug
    spec = importlib.util.spec_from_file_location(f"bench_{slug.replace('-', '_')}", folder / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    data = yaml.safe_load((folder / "challenge.yaml").read_text(encoding="utf-8"))["data"]
    rss_imports = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    start = time.perf_counter()
    module.generate(data["train_rows"], data["train_seed"])
    module.generate(data["test_rows"], seed)
    everyday = time.perf_counter() - start
    validate, validate_cpu = _validation_cost(folder, seed)

    start, cpu = time.perf_counter(), time.process_time()
    frame = module.generate(rows, seed)
    big, big_cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "slug": slug,
        "rows": len(frame),
        "columns": frame.shape[1],
        "everyday_rows": data["train_rows"] + data["test_rows"],
        "everyday_s": everyday,
        "validate_s": validate,
        "validate_cpu_s": validate_cpu,
        "big_s": big,
        "big_cpu_s": big_cpu,
        "frame_mb": frame.memory_usage(deep=True).sum() / 2**20,
        "rss_imports_mb": rss_imports / 1024,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # Linux: KiB
    }


def _validation_cost(folder: Path, seed: int) -> tuple[float, float]:
    """What loading adds on top of generating the everyday sets: the full checks, the shuffle, the split and
    the Arrow conversion (`dataset.prepare_data`), its generate() calls' own time taken out."""
    import dataclasses
    import time

    from dabiwu.challenges.bundle import load_bundle
    from dabiwu.challenges.dataset import prepare_data

    bundle = load_bundle(folder)
    spent = [0.0, 0.0]

    def timed(n_rows: int, gen_seed: int):
        start, cpu = time.perf_counter(), time.process_time()
        try:
            return bundle.generate(n_rows, gen_seed)
        finally:
            spent[0] += time.perf_counter() - start
            spent[1] += time.process_time() - cpu

    start, cpu = time.perf_counter(), time.process_time()
    prepare_data(dataclasses.replace(bundle, generate=timed), hidden_seed=seed)
    return time.perf_counter() - start - spent[0], time.process_time() - cpu - spent[1]


def measure(slug: str, rows: int, seed: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_generate", "--child", slug, "--rows", str(rows), "--seed", str(seed)],
        cwd=ROOT, check=True, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*", default=list(SLUGS))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2**61 + 12345)  # as large as the platform's hidden seeds
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.rows, args.seed)))
        return

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"python {platform.python_version()}; best of {args.repeat} fresh processes\n")
    print(
        f"| bundle | generate({args.rows:_}) wall s | its CPU s | peak RSS MB | frame MB (deep) | RSS after imports MB "
        "| train+test rows | their generation wall s | their full validation wall s | its CPU s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for slug in args.slugs:
        runs = [measure(slug, args.rows, args.seed + i) for i in range(args.repeat)]
        best = min(runs, key=lambda r: r["big_s"])
        print(
            f"| {slug} | {best['big_s']:.2f} | {min(r['big_cpu_s'] for r in runs):.2f} | {max(r['peak_rss_mb'] for r in runs):.0f} | "
            f"{best['frame_mb']:.0f} | "
            f"{best['rss_imports_mb']:.0f} | {best['everyday_rows']:_} | {min(r['everyday_s'] for r in runs):.2f} | "
            f"{min(r['validate_s'] for r in runs):.2f} | {min(r['validate_cpu_s'] for r in runs):.2f} |"
        )


if __name__ == "__main__":
    main()
