"""Text generation on a chip (README "Sequences and the KV cache"): the prompt's prefill (all
`context` tokens in one pass, which writes their keys and values to the KV cache and gives
the first new token), then one decode step per generated token. A decode step processes one
token: it reads every weight again (batch 1 unless `batch`) and the keys and values of all
earlier tokens, and appends its own. Works with any workload that declares the parameters
`seq` (tokens in this pass) and `past` (tokens already in the cache), as the zoo's `gpt2`.

Decode step i (0-based) runs with past = context + i. Up to EVERY_STEP steps are simulated one
by one. A longer generation is sampled where it bends: a step's cost grows linearly with the
context except where the residency plan changes (a cache stops fitting, pinned weights give
way), so the first and the last step are simulated, then the middle of any span whose middle
step is not on the straight line between its ends (within STRAIGHT) or whose ends differ in
residency, down to neighbouring steps or MAX_STEPS simulated; every step in between is taken
from the straight line between its simulated neighbours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from accelsim.account.result import Result
from accelsim.api import simulate
from accelsim.errors import AccelsimError, whole
from accelsim.hw.chip import Accelerator
from accelsim.hw.schema import HwConfig
from accelsim.ir.network import Network
from accelsim.limits import MAX_TOKENS
from accelsim.load import is_onnx, load_hw, resolve, workload_params
from accelsim.transform.compress import CompressionSpec

MAX_STEPS = 64
EVERY_STEP = 16  # generations this short simulate every step
STRAIGHT = 0.001  # a span is straight when its middle step is within 0.1% of the line
SEQUENCE_PARAMS = ("seq", "past")
MAX_CONTEXT = 2**20  # `longest_context` searches up to here (a million tokens)

# (past, seq) -> the Result of one pass over `seq` tokens with `past` tokens in the cache
Pass = Callable[[int, int], Result]


@dataclass(frozen=True)
class Generation:
    network: str
    hardware: str
    context: int  # prompt tokens
    tokens: int  # generated tokens (decode steps)
    batch: int  # sequences generated together
    prefill: Result
    steps: tuple[Result, ...]  # the simulated decode steps, in order
    step_pasts: tuple[int, ...]  # each simulated step's `past`
    decode_s: float  # all decode steps (interpolated between simulated ones)
    decode_energy_j: float  # per sequence, all decode steps
    decode_by_tensor_j: dict[str, float]  # per sequence, memory energy of all decode steps by kind
    decode_dram_j: float
    decode_memory_j: float

    @property
    def time_to_first_token_s(self) -> float:
        """The prefill: the whole prompt in one pass, which yields the first new token."""
        return self.prefill.latency_s

    @property
    def tokens_per_s(self) -> float:
        """Generated tokens per second, over all sequences of the batch."""
        return self.tokens * self.batch / self.decode_s

    @property
    def time_per_output_token_s(self) -> float:
        """A decode step, which gives every sequence of the batch its next token."""
        return self.decode_s / self.tokens

    @property
    def tokens_per_s_per_sequence(self) -> float:
        return self.tokens / self.decode_s

    @property
    def energy_per_token_j(self) -> float:
        """Decode energy per generated token (of one sequence)."""
        return self.decode_energy_j / self.tokens

    @property
    def memory_share(self) -> float:
        """Memory's share of the decode energy."""
        return self.decode_memory_j / self.decode_energy_j

    @property
    def dram_share(self) -> float:
        return self.decode_dram_j / self.decode_energy_j

    @property
    def weights_fit_on_chip(self) -> bool:
        return self.prefill.weights_fit_on_chip

    @property
    def kv_cache_bytes(self) -> float:
        """The KV cache after the last token (context + tokens of them, batch included)."""
        return self.steps[-1].kv_cache_bytes

    @property
    def kv_cache_fits_on_chip(self) -> bool:
        """The cache stays on chip through the last token."""
        return self.steps[-1].kv_cache_fits_on_chip

    def to_dict(self) -> dict[str, Any]:
        """The `accelsim run --context --tokens --json` document."""
        return {
            "network": self.network,
            "hardware": self.hardware,
            "context_tokens": self.context,
            "generated_tokens": self.tokens,
            "batch": self.batch,
            "time_to_first_token_s": self.time_to_first_token_s,
            "prefill_energy_j": self.prefill.energy_j,
            "decode_s": self.decode_s,
            "time_per_output_token_s": self.time_per_output_token_s,
            "tokens_per_s_per_sequence": self.tokens_per_s_per_sequence,
            "tokens_per_s": self.tokens_per_s,
            "energy_per_token_j": self.energy_per_token_j,
            "energy_per_token_by_tensor_j": {k: v / self.tokens for k, v in self.decode_by_tensor_j.items()},
            "memory_share": self.memory_share,
            "dram_share": self.dram_share,
            "weight_bytes": self.prefill.weight_bytes,
            "weights_fit_on_chip": self.weights_fit_on_chip,
            "kv_cache_bytes": self.kv_cache_bytes,
            "kv_cache_fits_on_chip": self.kv_cache_fits_on_chip,
            "simulated_steps": len(self.steps),
            "prefill": self.prefill.to_dict(),
            "last_step": self.steps[-1].to_dict(),
        }


def sequence_pass(
    net: str | Path | Network,
    hw: str | Path | HwConfig | Accelerator,
    batch: int = 1,
    compression: CompressionSpec | str | None = None,
    params: Mapping[str, float] | None = None,
) -> tuple[str, Pass]:
    """A decoder workload's name and its passes on a chip, (past, seq) -> Result. `net`: a zoo
    name or a workload YAML declaring `seq` and `past`."""
    if isinstance(net, Network) or is_onnx(net):
        raise AccelsimError(
            "--context / --tokens need a workload YAML that declares params seq and past (e.g. gpt2); "
            "an ONNX graph has fixed shapes: import it at one --seq-len instead"
        )
    path = resolve(net, "workloads", "network")
    missing = [p for p in SEQUENCE_PARAMS if p not in workload_params(path)]
    if missing:
        raise AccelsimError(
            f"{path}: network '{path.stem}' has no parameter {' or '.join(repr(m) for m in missing)}; "
            "--context and --tokens need a decoder with a KV cache that declares params seq and past "
            "(e.g. gpt2)"
        )
    chip = load_hw(hw)
    fixed = dict(params or {})

    def run_pass(past: int, seq: int) -> Result:
        return simulate(
            path, chip, batch=batch, compression=compression, params={**fixed, "seq": seq, "past": past}
        )

    return path.stem, run_pass


def _steps(run_pass: Pass, context: int, tokens: int) -> dict[int, Result]:
    """The simulated decode steps by `past` (module doc): every one, or where the cost bends."""
    if tokens <= EVERY_STEP:
        return {past: run_pass(past, 1) for past in range(context, context + tokens)}
    first, last = context, context + tokens - 1
    steps = {first: run_pass(first, 1), last: run_pass(last, 1)}
    spans = [(first, last)]
    while spans and len(steps) < MAX_STEPS:
        low, high = spans.pop(0)
        if high - low < 2:
            continue
        middle = (low + high) // 2
        steps[middle] = run_pass(middle, 1)
        if not _straight(steps[low], steps[middle], steps[high], (middle - low) / (high - low)):
            spans += [(low, middle), (middle, high)]
    return dict(sorted(steps.items()))


def _straight(low: Result, middle: Result, high: Result, t: float) -> bool:
    """The three steps share a residency plan and the middle one lies on the line between the
    others (time, energy and its parts) to within STRAIGHT."""

    def plan(r: Result) -> tuple[object, ...]:
        return (
            r.pinned_weight_bytes,
            r.kv_cache_fits_on_chip,
            r.activations_fit_on_chip,
            r.weights_fit_on_chip,
        )

    if not plan(low) == plan(middle) == plan(high):
        return False
    for a, m, b in (
        (low.latency_s, middle.latency_s, high.latency_s),
        (low.energy_j, middle.energy_j, high.energy_j),
        (low.energy_breakdown_j["dram"], middle.energy_breakdown_j["dram"], high.energy_breakdown_j["dram"]),
    ):
        if abs(m - ((1 - t) * a + t * b)) > STRAIGHT * max(abs(m), 1e-30):
            return False
    return True


def _total(pasts: list[int], values: list[float], context: int, tokens: int) -> float:
    """Sum over every step past = context .. context + tokens - 1 of a figure simulated at
    `pasts`, linear in between."""
    every = np.arange(context, context + tokens)
    return float(np.interp(every, pasts, values).sum())


def generate(
    net: str | Path | Network,
    hw: str | Path | HwConfig | Accelerator,
    context: int,
    tokens: int,
    batch: int = 1,
    compression: CompressionSpec | str | None = None,
    params: Mapping[str, float] | None = None,
) -> Generation:
    """Generate `tokens` tokens after a prompt of `context` with a decoder workload (gpt2...)
    on `hw`: the prefill, then one decode step per token (module doc). `batch` sequences run
    together; `params` set the workload's other parameters."""
    name, run_pass = sequence_pass(net, hw, batch, compression, params)
    return decode(name, run_pass, context, tokens, batch)


def decode(name: str, run_pass: Pass, context: int, tokens: int, batch: int = 1) -> Generation:
    """Prefill `context` tokens with `run_pass`, then `tokens` decode steps (module doc)."""
    whole(context, "context (prompt tokens)", 1, MAX_TOKENS)
    whole(tokens, "tokens (to generate)", 1, MAX_TOKENS)
    prefill = run_pass(0, context)
    sampled = _steps(run_pass, context, tokens)
    pasts, steps = list(sampled), list(sampled.values())

    def total(figure: Callable[[Result], float]) -> float:
        return _total(pasts, [figure(s) for s in steps], context, tokens)

    kinds = steps[0].energy_by_tensor_j
    return Generation(
        network=name,
        hardware=prefill.hardware,
        context=context,
        tokens=tokens,
        batch=batch,
        prefill=prefill,
        steps=tuple(steps),
        step_pasts=tuple(pasts),
        decode_s=total(lambda r: r.latency_s),
        decode_energy_j=total(lambda r: r.energy_j),
        decode_by_tensor_j={k: total(lambda r: r.energy_by_tensor_j[k]) for k in kinds},  # noqa: B023
        decode_dram_j=total(lambda r: r.energy_breakdown_j["dram"]),
        decode_memory_j=total(lambda r: r.energy_j * r.memory_share),
    )


def longest_context(
    net: str | Path | Network,
    hw: str | Path | HwConfig | Accelerator,
    batch: int = 1,
    compression: CompressionSpec | str | None = None,
    params: Mapping[str, float] | None = None,
) -> int:
    """The longest context whose KV cache stays on chip while a decoder workload generates
    on `hw` (`accelsim fit --context`)."""
    return most_tokens_on_chip(sequence_pass(net, hw, batch, compression, params)[1])


def most_tokens_on_chip(run_pass: Pass) -> int:
    """The most tokens whose KV cache stays on chip in a decode step (0 if not even one's):
    the largest C for which the step with past = C - 1 keeps every cache on chip. A cache
    only grows with the context, so the answer is found by bisection (at most MAX_CONTEXT)."""

    def fits(tokens: int) -> bool:
        return run_pass(tokens - 1, 1).kv_cache_fits_on_chip

    if not fits(1):
        return 0
    low, high = 1, 2
    while high <= MAX_CONTEXT and fits(high):
        low, high = high, high * 2
    if high > MAX_CONTEXT:
        return low
    while high - low > 1:  # fits(low), not fits(high)
        mid = (low + high) // 2
        low, high = (mid, high) if fits(mid) else (low, mid)
    return low
