"""What lives on chip: weights pinned across inferences, activations kept between layers.

Policy (README "Residency"):
1. If all weights (as stored: precision, compression) plus the peak live activations fit on
   chip, everything stays resident: steady state reads no weights from DRAM and no
   activations but the network's input and output.
2. Otherwise the buffer is split into three regions, in this order of priority: tiles for
   what streams (the tile reserve: what the network's layers need to stream well, found by
   the tiling search and independent of the buffer's size), then kept activations up to the
   peak live set, then pinned weights (`memory.priority: activations`, the default: a kept
   activation byte saves its write and every read each inference, a pinned weight byte one
   read, or one per batch), or weights before activations (`priority: weights`). With split
   buffers each buffer keeps half the reserve and the rest for its own kind. Weights are
   pinned layer by layer in order of reuse (MACs per weight byte, highest first) until the
   next does not fit; activation
   tensors are kept, smallest first, while every tensor live at the same time fits; the rest
   streams from DRAM every inference (a spilled activation is written once by its producer
   and read by each consumer). Every region, the pinned weights and the kept activations only
   grow with the buffer, so a bigger buffer never pins fewer bytes nor moves more DRAM bytes,
   for the network or for any layer.
The network input comes from DRAM and the network's outputs go to DRAM. Views (flatten,
dropout, concat, slice) and fused layers alias their inputs' storage and move nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from accelsim.hw.chip import Accelerator
from accelsim.hw.enums import Engine, TensorKind
from accelsim.ir.network import INPUT, Network
from accelsim.schedule.fusion import POOLS, Fusion, fuse


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

    @property
    def activations_on_chip(self) -> bool:
        """No activation spills to DRAM: only the network's input comes from there."""
        return self.spilled == {INPUT}

    def spilled_roots(self, tensors: Sequence[str]) -> list[str]:
        """The DRAM-resident storage roots of these tensors, in order (a layer's inputs)."""
        return [r for t in tensors for r in self.roots[t] if r in self.spilled]


@dataclass(frozen=True)
class _Storage:
    roots: dict[str, tuple[str, ...]]
    nbytes: dict[str, float]
    live: dict[str, tuple[int, int]]  # root -> (first, last) step
    peak: float


def _storage(net: Network, act_bytes: float, fusion: Fusion) -> _Storage:
    """Storage roots (views and fused element-wise layers alias their inputs; a fused pool's
    producer stores nothing, the pool stores its output), sizes and live ranges."""
    roots: dict[str, tuple[str, ...]] = {INPUT: (INPUT,)}
    nbytes: dict[str, float] = {INPUT: math.prod(net.input_shape) * act_bytes}
    live: dict[str, tuple[int, int]] = {INPUT: (0, 0)}
    written_at: dict[str, int] = {}  # a fused pool's storage is written from its producer's step
    for step, layer in enumerate(net.layers):
        if layer.name in fusion.pooled:  # its full output never reaches the buffer
            roots[layer.name] = ()
            written_at[fusion.pooled[layer.name]] = step
        elif layer.engine == Engine.NONE or (layer.name in fusion.layers and layer.op not in POOLS):
            roots[layer.name] = tuple(dict.fromkeys(r for src in layer.inputs for r in roots[src]))
        else:
            roots[layer.name] = (layer.name,)
            nbytes[layer.name] = layer.output_elements * act_bytes
            live[layer.name] = (written_at.get(layer.name, step), step)
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
    return _storage(net, batch * hw.activation_bits / 8, fuse(net, hw.config.compute.fuse)).peak


def fits_on_chip(hw: Accelerator, weight_bytes: float, peak_activations: float) -> bool:
    """All weights plus the peak live activations fit the chip's buffers (policy rule 1)."""
    if hw.split_buffers:
        return weight_bytes <= hw.capacity_for(TensorKind.WEIGHTS) and peak_activations <= hw.capacity_for(
            TensorKind.ACTIVATIONS
        )
    return weight_bytes + peak_activations <= hw.capacity_for(TensorKind.WEIGHTS)


def _regions(hw: Accelerator, reserve: float, weight_bytes: float, peak: float) -> tuple[float, float, float]:
    """Bytes for streaming tiles, pinned weights and kept activations (module doc, rule 2)."""
    cap_w, cap_a = hw.capacity_for(TensorKind.WEIGHTS), hw.capacity_for(TensorKind.ACTIVATIONS)
    if hw.split_buffers:  # each buffer keeps half the reserve for its own tiles
        tiles = min(cap_w, reserve / 2) + min(cap_a, reserve / 2)
        return tiles, max(0.0, cap_w - reserve / 2), max(0.0, cap_a - reserve / 2)
    rest = max(0.0, cap_w - reserve)
    if hw.config.memory.priority == "weights":
        weight_region = min(rest, weight_bytes)
        return min(cap_w, reserve), weight_region, rest - weight_region
    activation_region = min(rest, peak)  # a kept activation byte saves its write and every read
    return min(cap_w, reserve), rest - activation_region, activation_region


def plan_residency(
    net: Network,
    hw: Accelerator,
    batch: int,
    stored: Mapping[str, float],
    fusion: Fusion,
    tile_reserve: float,
    weight_reserve: float | None = None,
) -> Residency:
    """What lives on chip (see module doc). `stored`: each layer's weights as stored, in bytes;
    `fusion`: the layers fused into their producers; `tile_reserve`: the tile space the
    network's layers stream well through (the search's answer, independent of the buffer);
    `weight_reserve`, on a chip with flash: the tile space for streaming the weights alone,
    used instead when the activations then all stay on chip (an MCU's SRAM holds activations)."""
    store = _storage(net, batch * hw.activation_bits / 8, fusion)
    weight_bytes = sum(stored.values())
    with_weights = [layer for layer in net.layers if layer.params]
    if fits_on_chip(hw, weight_bytes, store.peak):
        # the input image and the outputs have their place within the peak: no tiling needed
        everything = frozenset(lyr.name for lyr in with_weights)
        return Residency(
            weight_bytes,
            store.peak,
            True,
            everything,
            weight_bytes,
            frozenset({INPUT}),
            store.roots,
            math.inf,
        )
    tiles, weight_region, activation_region = _regions(hw, tile_reserve, weight_bytes, store.peak)
    if weight_reserve is not None:  # flash: if the activations all stay, only weights stream
        weights_only = _regions(hw, weight_reserve, weight_bytes, store.peak)
        if weights_only[2] >= store.peak:
            tiles, weight_region, activation_region = weights_only
    pinned, pinned_bytes = set(), 0.0
    for layer in sorted(with_weights, key=lambda lyr: (-lyr.macs / lyr.params, lyr.name)):
        if pinned_bytes + stored[layer.name] > weight_region:
            break  # a prefix of the reuse order: it only grows with the buffer
        pinned.add(layer.name)
        pinned_bytes += stored[layer.name]
    kept_at = [0.0] * len(net.layers)
    kept: set[str] = set()
    for root in sorted(
        (r for r in store.live if r != INPUT), key=lambda r: (store.nbytes[r], store.live[r][0])
    ):
        first, last = store.live[root]
        if any(kept_at[s] + store.nbytes[root] > activation_region for s in range(first, last + 1)):
            break  # a prefix of the size order: it only grows with the buffer
        kept.add(root)
        for s in range(first, last + 1):
            kept_at[s] += store.nbytes[root]
    spilled = frozenset({INPUT, *(r for r in store.live if r not in kept)})
    return Residency(
        weight_bytes, store.peak, False, frozenset(pinned), pinned_bytes, spilled, store.roots, tiles
    )
