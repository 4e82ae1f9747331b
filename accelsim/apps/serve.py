"""Serving a decoder (README "Serving a small LLM on an edge NPU"): generation at each prompt
length and batch of a grid, and what a server trades: each sequence's latency (time to the
first token, time per output token) against the total throughput, the energy per token, and
whether the batch's KV caches stay on chip. For each batch, the longest context whose caches
all fit (`fit --context --batch`) marks the boundary.

A point runs `generate` (apps/generate.py): the batch's prompts prefilled together, then one
decode step per token for every sequence at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from accelsim.apps.generate import decode, most_tokens_on_chip, sequence_pass
from accelsim.errors import AccelsimError, whole
from accelsim.hw.chip import Accelerator
from accelsim.hw.schema import HwConfig
from accelsim.limits import MAX_BATCH, MAX_TOKENS
from accelsim.transform.compress import CompressionSpec

MAX_POINTS = 64  # a grid of contexts x batches: each point simulates a generation


@dataclass(frozen=True)
class ServingPoint:
    """One prompt length and batch: latencies per sequence, throughput over the batch."""

    context: int  # prompt tokens of each sequence
    batch: int  # sequences served together
    time_to_first_token_s: float  # the batch's prefill
    time_per_output_token_s: float  # one decode step, which gives every sequence a token
    tokens_per_s_per_sequence: float
    tokens_per_s: float  # all sequences
    energy_per_token_j: float  # per generated token of one sequence
    memory_share: float
    dram_share: float
    kv_cache_bytes: float  # the batch's caches after the last token
    kv_cache_fits_on_chip: bool
    weights_fit_on_chip: bool


@dataclass(frozen=True)
class Serving:
    network: str
    hardware: str
    tokens: int  # generated per sequence
    points: tuple[ServingPoint, ...]
    longest_context: Mapping[int, int]  # batch -> the longest context whose caches all stay on chip

    def point(self, context: int, batch: int) -> ServingPoint:
        return next(p for p in self.points if (p.context, p.batch) == (context, batch))

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.network,
            "hardware": self.hardware,
            "tokens": self.tokens,
            "points": [asdict(p) for p in self.points],
            "longest_context": {str(batch): tokens for batch, tokens in self.longest_context.items()},
        }


def serve(
    net: str | Path,
    hw: str | Path | HwConfig | Accelerator,
    contexts: Sequence[int],
    batches: Sequence[int],
    tokens: int = 32,
    compression: CompressionSpec | str | None = None,
    params: Mapping[str, float] | None = None,
) -> Serving:
    """Generate `tokens` tokens after each prompt length in `contexts`, at each batch in
    `batches`, with a decoder workload (module doc)."""
    whole(tokens, "tokens (to generate)", 1, MAX_TOKENS)
    if not contexts or not batches:
        raise AccelsimError("serve: expected at least one --context and one --batch")
    for batch in batches:
        whole(batch, "--batch", 1, MAX_BATCH)
    for context in contexts:
        whole(context, "--context", 1, MAX_TOKENS)
    if len(contexts) * len(batches) > MAX_POINTS:
        raise AccelsimError(
            f"serve: {len(contexts)} contexts x {len(batches)} batches are "
            f"{len(contexts) * len(batches)} generations; expected at most {MAX_POINTS}"
        )
    points, longest, name, chip = [], {}, "", ""
    for batch in dict.fromkeys(batches):
        name, run_pass = sequence_pass(net, hw, batch, compression, params)
        longest[batch] = most_tokens_on_chip(run_pass)
        for context in dict.fromkeys(contexts):
            g = decode(name, run_pass, context, tokens, batch)
            chip = g.hardware
            points.append(
                ServingPoint(
                    context,
                    batch,
                    g.time_to_first_token_s,
                    g.time_per_output_token_s,
                    g.tokens_per_s_per_sequence,
                    g.tokens_per_s,
                    g.energy_per_token_j,
                    g.memory_share,
                    g.dram_share,
                    g.kv_cache_bytes,
                    g.kv_cache_fits_on_chip,
                    g.weights_fit_on_chip,
                )
            )
    return Serving(name, chip, tokens, tuple(points), longest)
