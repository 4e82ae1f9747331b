"""Sweep throughput (a benchmark, not a test): 1,000 points of SqueezeNet on 2W_npu over
SRAM size x array size, on local processes and on a Dask LocalCluster.

    python bench/bench_sweep.py

Target (issue: compare & sweep): at least 200 points/s locally on this 2-core machine.
"""

from __future__ import annotations

import cProfile
import pstats
import tempfile
import time
from pathlib import Path

from accelsim.apps.sweep import SweepSpec, evaluate_chunk, load_sweep, points, run_sweep

SPEC = """\
base: 2W_npu
networks: [squeezenet]
axes:
  memory.sram.capacity: {log: ["128 KiB", "32 MiB"], points: 40}
  compute.rows: [8, 12, 16, 24, 32]
  compute.cols: [8, 16, 32, 64, 128]
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spec_path = Path(tmp) / "spec.yaml"
        spec_path.write_text(SPEC)
        spec, base = load_sweep(spec_path)
        n = len(points(spec))
        for label, dask in (("local processes", None), ("Dask LocalCluster", "local")):
            start = time.perf_counter()
            run_sweep(spec, base, Path(tmp) / f"{label.split()[0]}.db", dask=dask)
            elapsed = time.perf_counter() - start
            print(f"{n} points, {label}: {elapsed:.2f} s, {n / elapsed:,.0f} points/s (start-up included)")
        profile(spec, base)


def profile(spec: SweepSpec, base: dict) -> None:
    """Where one worker's time goes (serial, 200 points)."""
    chunk = list(enumerate(points(spec)))[:200]
    profiler = cProfile.Profile()
    profiler.enable()
    evaluate_chunk(base, chunk, spec.networks, spec.mode, spec.batch)
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    print("\nserial profile of 200 points (top of the cumulative list):")
    stats.print_stats(12)


if __name__ == "__main__":
    main()
