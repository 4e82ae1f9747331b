"""What lives on chip: weights pinned across inferences, activations kept between layers.

Policy (README "Residency"):
1. If all weights (as stored: precision, compression) plus the peak live activations fit on
   chip, everything stays resident: steady state reads no weights from DRAM and no
   activations but the network's input and output.
2. Otherwise the on-chip buffer is split into three regions: pinned weights, kept
   activations, and tiles for what streams. Weights are pinned layer by layer in order of
   reuse (MACs per weight byte, highest first) until the next layer does not fit; activation
   tensors are kept, smallest first, while every tensor live at the same time fits the
   kept region; everything else streams from DRAM every inference (spilled activations
   are written once by their producer and read by each consumer). The simulator tries the
   splits in `SPLITS` and keeps the one with the least DRAM traffic. Every region grows with
   the buffer, so a bigger buffer never moves more DRAM bytes.
The network input comes from DRAM and the network's outputs go to DRAM. Views (flatten,
dropout, concat, slice) alias their inputs' storage and move nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from accelsim.hw.chip import Accelerator
from accelsim.hw.enums import Engine, TensorKind
from accelsim.ir.network import INPUT, Network
from accelsim.schedule.fusion import fused_layers

# (pinned-weight share, kept-activation share) of the buffer; the rest holds streaming tiles.
SPLITS = tuple((w / 4, a / 4) for w in range(4) for a in range(4) if w + a <= 3)


@dataclass(frozen=True)
class Residency:
    weight_bytes: float  # the whole model as stored (precision, compression)
    peak_activation_bytes: float  # largest live activation working set (batch included)
    all_resident: bool  # weights and the peak live activations fit together: nothing streams
    pinned: frozenset[str]  # layers whose weights stay on chip
    pinned_bytes: float
    spilled: frozenset[str]  # storage roots (producer layer names or 'input') kept in DRAM
    roots: dict[str, tuple[str, ...]]  # tensor -> the storage roots it aliases
    tile_bytes: float  # on-chip bytes for streaming tiles


@dataclass(frozen=True)
class _Storage:
    roots: dict[str, tuple[str, ...]]
    nbytes: dict[str, float]
    live: dict[str, tuple[int, int]]  # root -> (first, last) step
    peak: float


def _storage(net: Network, act_bytes: float, fused: frozenset[str]) -> _Storage:
    """Storage roots (views and fused layers alias their inputs), sizes and live ranges."""
    roots: dict[str, tuple[str, ...]] = {INPUT: (INPUT,)}
    nbytes: dict[str, float] = {INPUT: math.prod(net.input_shape) * act_bytes}
    live: dict[str, tuple[int, int]] = {INPUT: (0, 0)}
    for step, layer in enumerate(net.layers):
        if layer.engine == Engine.NONE or layer.name in fused:
            roots[layer.name] = tuple(dict.fromkeys(r for src in layer.inputs for r in roots[src]))
        else:
            roots[layer.name] = (layer.name,)
            nbytes[layer.name] = layer.output_elements * act_bytes
            live[layer.name] = (step, step)
        for src in layer.inputs:
            for root in roots[src]:
                live[root] = (live[root][0], step)
    live_at = [0.0] * len(net.layers)
    for root, (first, last) in live.items():
        for step in range(first, last + 1):
            live_at[step] += nbytes[root]
    return _Storage(roots, nbytes, live, max(live_at, default=0.0))


def peak_activation_bytes(net: Network, hw: Accelerator, batch: int = 1) -> float:
    """The largest live activation working set (liveness over the graph), in bytes."""
    return _storage(net, batch * hw.activation_bits / 8, fused_layers(net, hw.config.compute.fuse)).peak


def fits_on_chip(hw: Accelerator, weight_bytes: float, peak_activations: float) -> bool:
    """All weights plus the peak live activations fit the chip's buffers (policy rule 1)."""
    if hw.split_buffers:
        return weight_bytes <= hw.capacity_for(TensorKind.WEIGHTS) and peak_activations <= hw.capacity_for(
            TensorKind.ACTIVATIONS
        )
    return weight_bytes + peak_activations <= hw.capacity_for(TensorKind.WEIGHTS)


def candidate_plans(
    net: Network,
    hw: Accelerator,
    batch: int,
    stored: Mapping[str, float],
    fused: frozenset[str] | None = None,
) -> Iterator[Residency]:
    """The residency plans the simulator chooses from (see module doc). `stored`: each
    layer's weights as stored, in bytes; `fused`: the layers fused into their producers
    (default: as the chip's fuse mode says)."""
    if fused is None:
        fused = fused_layers(net, hw.config.compute.fuse)
    store = _storage(net, batch * hw.activation_bits / 8, fused)
    weight_bytes = sum(stored.values())
    cap_w, cap_a = hw.capacity_for(TensorKind.WEIGHTS), hw.capacity_for(TensorKind.ACTIVATIONS)
    fits = fits_on_chip(hw, weight_bytes, store.peak)
    with_weights = [layer for layer in net.layers if layer.params]
    if fits:
        # the input image and the outputs have their place within the peak: no tiling needed
        yield Residency(
            weight_bytes,
            store.peak,
            True,
            frozenset(lyr.name for lyr in with_weights),
            weight_bytes,
            frozenset({INPUT}),
            store.roots,
            math.inf,
        )
        return
    by_reuse = sorted(with_weights, key=lambda lyr: (-lyr.macs / lyr.params, lyr.name))
    by_size = sorted((r for r in store.live if r != INPUT), key=lambda r: (store.nbytes[r], store.live[r][0]))
    plans: dict[tuple[frozenset[str], frozenset[str]], Residency] = {}
    for w_share, a_share in SPLITS:
        pinned, pinned_bytes = set(), 0.0
        for layer in by_reuse:  # a prefix of the reuse order: grows with the region
            if pinned_bytes + stored[layer.name] > w_share * cap_w:
                break
            pinned.add(layer.name)
            pinned_bytes += stored[layer.name]
        kept_at = [0.0] * len(net.layers)
        kept: set[str] = set()
        for root in by_size:  # a prefix of the size order: grows with the region
            first, last = store.live[root]
            if any(kept_at[s] + store.nbytes[root] > a_share * cap_a for s in range(first, last + 1)):
                break
            kept.add(root)
            for s in range(first, last + 1):
                kept_at[s] += store.nbytes[root]
        if hw.split_buffers:
            tiles = (1 - w_share) * cap_w + (1 - a_share) * cap_a
        else:
            tiles = (1 - w_share - a_share) * cap_w
        spilled = frozenset({INPUT, *(r for r in store.live if r not in kept)})
        key = (frozenset(pinned), spilled)
        # the same residency with less tile space can only move more bytes: keep the roomiest
        if key not in plans or plans[key].tile_bytes < tiles:
            plans[key] = Residency(
                weight_bytes, store.peak, False, key[0], pinned_bytes, spilled, store.roots, tiles
            )
    yield from plans.values()
