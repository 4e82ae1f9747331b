"""Speed of decoder generation (a benchmark, not a test): issue 32's targets.

    python bench/bench_decode.py

Targets: GPT-2 512 + 128 tokens simulated in process under 0.1 s; Llama 3.2 1B 4096 + 1024
tokens in process under 1 s; `accelsim run --context 512 --tokens 128` within 1.5x the wall
time of `accelsim run --hw 2W_npu.yaml --net squeezenet` (medians; the first call of a process
and a warm one both shown). Each generation prints how many decode steps it simulated.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import time

from accelsim import generate


def timed(fn, repeat: int) -> tuple[float, float]:
    """(first call, median of the warm calls), s."""
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    warm = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - start)
    return first, statistics.median(warm)


def wall(args: list[str], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    for net, chip, context, tokens in (
        ("gpt2", "edge_llm_npu", 512, 128),
        ("gpt2", "2W_npu", 512, 128),
        ("llama3_2_1b", "edge_llm_npu", 4096, 1024),
        ("qwen2_5_0_5b", "edge_llm_npu", 2048, 512),
    ):
        steps = len(generate(net, chip, context=context, tokens=tokens).steps)
        first, warm = timed(lambda: generate(net, chip, context=context, tokens=tokens), 5)  # noqa: B023
        print(
            f"generate({net}, {chip}, {context} + {tokens}): {steps} steps simulated; "
            f"first {first * 1e3:.0f} ms, warm median {warm * 1e3:.0f} ms"
        )
    cli = shutil.which("accelsim") or "accelsim"
    squeezenet = wall([cli, "run", "--hw", "2W_npu.yaml", "--net", "squeezenet"])
    decoder = wall(
        [cli, "run", "--hw", "edge_llm_npu", "--net", "gpt2", "--context", "512", "--tokens", "128"]
    )
    print(
        f"accelsim run: squeezenet {squeezenet:.2f} s, gpt2 512 + 128 tokens {decoder:.2f} s wall "
        f"({decoder / squeezenet:.2f}x)"
    )


if __name__ == "__main__":
    main()
