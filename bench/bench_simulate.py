"""Speed of simulate() and of the CLI's main job (a benchmark, not a test).

    python bench/bench_simulate.py

Targets (issues: the simulator; speed at scale): median in-process simulate() under 20 ms for
SqueezeNet and under 60 ms for ResNet-50 on 2W_npu; ResNet-50 at batch 256 on an output-
stationary chip under 40 ms on the first call of a process, memory flat in the batch;
`accelsim --version` under 0.15 s and `accelsim run --hw 2W_npu.yaml --net squeezenet` under
0.35 s wall, start-up included (medians of 5). Language models (issue 17, no target yet):
a GPT-2 decode step and a 512 + 128-token generation.
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
    from accelsim import generate

    step = median_ms(lambda: simulate("gpt2", hw, params={"seq": 1, "past": 511}), 15)
    gen = median_ms(lambda: generate("gpt2", hw, context=512, tokens=128), 3)
    print(
        f"gpt2 on 2W_npu: a decode step median {step:.1f} ms; generate(512 + 128 tokens, sampled "
        f"where the cost bends) median {gen:.0f} ms"
    )
    for batch in (1, 256):
        runs = [first_call("resnet50", batch) for _ in range(5)]
        ms, mib = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        print(
            f"simulate(resnet50, output stationary, batch {batch}), first call in a process: "
            f"median {ms:.0f} ms, {mib:.1f} MiB peak traced"
        )
    exe = shutil.which("accelsim") or f"{sys.executable} -m accelsim"
    for args in (["--version"], ["run", "--hw", "2W_npu.yaml", "--net", "squeezenet"]):
        walls = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([*exe.split(), *args], check=True, capture_output=True, cwd="/tmp")
            walls.append(time.perf_counter() - start)
        print(f"accelsim {' '.join(args)}: median {statistics.median(walls):.2f} s wall")


FIRST_CALL = """
import sys, time, tracemalloc
from accelsim import load_hw, load_net, simulate, variant
net, chip = load_net(sys.argv[1]), variant("2W_npu", {"compute.dataflow": "output_stationary"})
if sys.argv[3] == "memory":
    tracemalloc.start()  # slows the call down: timed in a process of its own
start = time.perf_counter()
simulate(net, chip, batch=int(sys.argv[2]))
print(time.perf_counter() - start, tracemalloc.get_traced_memory()[1])
"""


def first_call(net: str, batch: int) -> tuple[float, float]:
    """(ms, MiB peak traced) of the first simulate() in a fresh process, network and chip loaded."""
    found = []
    for what in ("time", "memory"):
        out = subprocess.run(
            [sys.executable, "-c", FIRST_CALL, net, str(batch), what],
            check=True,
            capture_output=True,
            text=True,
        )
        found.append(out.stdout.split())
    return float(found[0][0]) * 1e3, int(found[1][1]) / 2**20


if __name__ == "__main__":
    main()
