"""Sweep throughput (a benchmark, not a test): 1,000 points of SqueezeNet on 2W_npu over
SRAM size x array size, on local processes and on a Dask LocalCluster, and the CPU time one
(point, network) costs a worker.

    python bench/bench_sweep.py [--profile]

Target (issue: speed at scale): <= 4 ms of CPU per (point, network), i.e. >= 500 points/s on
2 idle cores.
"""

from __future__ import annotations

import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from accelsim.api import load_net
from accelsim.apps.sweep import SweepSpec, evaluate_chunk, load_sweep, points, run_sweep

SPEC = """\
base: 2W_npu
networks: [squeezenet]
axes:
  memory.sram.capacity: {log: ["128 KiB", "32 MiB"], points: 40}
  compute.rows: [8, 12, 16, 24, 32]
  compute.cols: [8, 16, 32, 64, 128]
"""
RUNS = 5


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spec_path = Path(tmp) / "spec.yaml"
        spec_path.write_text(SPEC)
        spec, base = load_sweep(spec_path)
        n = len(points(spec))
        for label, dask in (("local processes", None), ("Dask LocalCluster", "local")):
            walls = []
            for run in range(RUNS):
                start = time.perf_counter()
                run_sweep(spec, base, Path(tmp) / f"{label.split()[0]}{run}.db", dask=dask)
                walls.append(time.perf_counter() - start)
            wall = statistics.median(walls)
            print(f"{n} points, {label}: median {wall:.2f} s, {n / wall:,.0f} points/s (start-up included)")
        print(
            f"CPU per (point, network), one worker: {cpu_ms_per_point(spec, base):.2f} ms (median of {RUNS})"
        )
        onnx_spec = spec.model_copy(update={"networks": [str(export_squeezenet(Path(tmp)))]})
        print(f"  the same, SqueezeNet as an ONNX file: {cpu_ms_per_point(onnx_spec, base):.2f} ms")
        if "--profile" in sys.argv:
            profile(spec, base)


def export_squeezenet(folder: Path) -> Path:
    """The zoo's SqueezeNet as an ONNX file, BatchNorm-free as the zoo's (tests/onnx_models.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.onnx_models import export, unfolded_zoo

    return export(unfolded_zoo("squeezenet"), folder / "squeezenet.onnx", seed=0)


def cpu_ms_per_point(spec: SweepSpec, base: dict[str, Any]) -> float:
    """What a worker spends per row: every point once, then the median of RUNS passes."""
    chunk = list(enumerate(points(spec)))
    networks = {name: load_net(name) for name in spec.networks}
    evaluate_chunk(base, chunk, networks, spec.mode, spec.batch)  # a worker's first pass fills its caches
    times = []
    for _ in range(RUNS):
        start = time.process_time()
        evaluate_chunk(base, chunk, networks, spec.mode, spec.batch)
        times.append(time.process_time() - start)
    return statistics.median(times) / (len(chunk) * len(networks)) * 1e3


def profile(spec: SweepSpec, base: dict[str, Any]) -> None:
    """Where one worker's time goes (serial, 200 points)."""
    chunk = list(enumerate(points(spec)))[:200]
    networks = {name: load_net(name) for name in spec.networks}
    profiler = cProfile.Profile()
    profiler.enable()
    evaluate_chunk(base, chunk, networks, spec.mode, spec.batch)
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("tottime")
    print("\nserial profile of 200 points (top of the list by own time):")
    stats.print_stats(15)


if __name__ == "__main__":
    main()
