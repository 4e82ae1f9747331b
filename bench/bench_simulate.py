"""Speed of simulate() and of the CLI's main job (a benchmark, not a test).

    python bench/bench_simulate.py

Targets (issue: the simulator): median in-process simulate() under 20 ms for SqueezeNet and
under 60 ms for ResNet-50 on 2W_npu; `accelsim run --hw 2W_npu.yaml --net squeezenet` under
1.5 s wall, start-up included.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time

from accelsim import load_hw, load_net, simulate


def median_ms(fn, repeat: int) -> float:
    fn()  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main() -> None:
    hw = load_hw("2W_npu")
    for name in ("squeezenet", "mobilenet_v2", "resnet50", "vgg16"):
        net = load_net(name)
        loaded = median_ms(lambda net=net: simulate(net, hw), 15)
        by_name = median_ms(lambda name=name: simulate(name, "2W_npu"), 15)
        print(
            f"simulate({name}, 2W_npu): median {loaded:6.1f} ms with loaded objects, "
            f"{by_name:6.1f} ms by name"
        )
    exe = shutil.which("accelsim") or f"{sys.executable} -m accelsim"
    walls = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run(
            [*exe.split(), "run", "--hw", "2W_npu.yaml", "--net", "squeezenet"],
            check=True,
            capture_output=True,
            cwd="/tmp",
        )
        walls.append(time.perf_counter() - start)
    print(f"accelsim run --hw 2W_npu.yaml --net squeezenet: median {statistics.median(walls):.2f} s wall")


if __name__ == "__main__":
    main()
