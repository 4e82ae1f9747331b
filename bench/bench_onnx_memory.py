"""Peak memory and time of importing a large ONNX model (a benchmark, not a test).

    python bench/bench_onnx_memory.py

Builds VGG-16 from the zoo as an ONNX file with random fp32 weights (553 MB, like torchvision's
export) in a temporary folder, then imports it in fresh processes: `accelsim info --net` as a user
would, and `load_net` twice in one process. Reports wall time and peak resident memory."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5
CHILD = """
import sys, time
from pathlib import Path
from accelsim import load_net
start = time.perf_counter()
net = load_net(sys.argv[1])
first = time.perf_counter() - start
start = time.perf_counter()
load_net(sys.argv[1])
again = time.perf_counter() - start
status = Path("/proc/self/status").read_text().split()
peak = int(status[status.index("VmHWM:") + 1]) / 1024  # this image's peak (ru_maxrss survives exec)
print(f"{net.params} {first:.3f} {again * 1e3:.3f} {peak:.0f}")
"""


def main() -> None:
    from tests.onnx_models import export, unfolded_zoo

    with tempfile.TemporaryDirectory() as tmp:
        path = export(unfolded_zoo("vgg16"), Path(tmp) / "vgg16.onnx", seed=0)
        size = path.stat().st_size / 1e6
        firsts, agains, peaks = [], [], []
        for _ in range(RUNS):
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True
            )
            params, first, again, peak = out.stdout.split()
            firsts.append(float(first))
            agains.append(float(again))
            peaks.append(float(peak))
        walls = []
        for _ in range(RUNS):
            start = time.perf_counter()
            subprocess.run(["accelsim", "info", "--net", str(path)], capture_output=True, check=True)
            walls.append(time.perf_counter() - start)
        first, again, peak, wall = (statistics.median(v) for v in (firsts, agains, peaks, walls))
        print(f"vgg16.onnx, {size:.0f} MB, {int(params):,} parameters")
        print(
            f"  load_net (median of {RUNS}): first {first:.2f} s, again {again:.2f} ms; "
            f"peak RSS {peak:.0f} MB"
        )
        print(f"  accelsim info --net vgg16.onnx: median {wall:.2f} s wall")


if __name__ == "__main__":
    main()
