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
A language model's KV caches (kv_cache layers) live across inferences: they are not in the
peak, they count with the weights in rule 1, and in rule 2 they share the weights' region in
one reuse order (a cache first among equals: it is also written every inference); with split
buffers they live in the activations' buffer, before kept activations. A cache left in DRAM
is read whole by the layers that use it and gains one row per token.
The network input comes from DRAM and the network's outputs go to DRAM. Views (flatten,
dropout, concat, slice) and fused layers alias their inputs' storage and move nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from accelsim.hw.chip import Accelerator
from accelsim.hw.enums import TensorKind
from accelsim.ir.engine import Engine
from accelsim.ir.network import INPUT, Network
from accelsim.schedule.fusion import POOLS, Fusion, fuse


@dataclass(frozen=True)
class Residency:
    weight_bytes: float  # the whole model as stored (precision, compression)
    peak_activation_bytes: float  # largest live activation working set (batch included)
    all_resident: bool  # weights, KV caches and the peak live activations fit together: nothing streams
    pinned: frozenset[str]  # layers whose weights stay on chip (a tied layer: its owner's)
    pinned_bytes: float
    spilled: frozenset[str]  # storage roots (producer layer names or 'input') kept in DRAM
    roots: dict[str, tuple[str, ...]]  # tensor -> the storage roots it aliases
    tile_bytes: float  # on-chip bytes for streaming tiles
    caches: frozenset[str] = frozenset()  # KV-cache roots (kv_cache layers)
    kv_cache_bytes: float = 0.0  # all KV caches after this step (batch included)
    # split buffers: the weight buffer's room for tiles (its capacity less the pinned weights),
    # `tile_bytes` then being the activation buffer's; None: one buffer holds every tile
    weight_tile_bytes: float | None = None
    kept_at: tuple[float, ...] = ()  # activation bytes kept on chip at each layer's step
    kept_cache_bytes: float = 0.0  # the KV caches kept on chip

    @property
    def activations_on_chip(self) -> bool:
        """No activation spills to DRAM: only the network's input comes from there."""
        return self.spilled - self.caches == {INPUT}

    @property
    def kv_cache_on_chip(self) -> bool:
        """Every KV cache stays on chip (true when there is none)."""
        return not self.spilled & self.caches

    def spilled_roots(self, tensors: Sequence[str]) -> list[str]:
        """The DRAM-resident storage roots of these tensors, in order (a layer's inputs)."""
        return [r for t in tensors for r in self.roots[t] if r in self.spilled]


@dataclass(frozen=True)
class _Storage:
    roots: dict[str, tuple[str, ...]]
    nbytes: dict[str, float]
    live: dict[str, tuple[int, int]]  # root -> (first, last) step; KV caches are not in it
    live_at: tuple[float, ...]  # activation bytes live at each step
    caches: dict[str, float]  # KV-cache root -> MACs of the layers that read it

    @property
    def peak(self) -> float:
        return max(self.live_at, default=0.0)


def _storage(net: Network, act_bytes: float, fusion: Fusion) -> _Storage:
    """Storage roots (views and fused element-wise layers alias their inputs; a fused pool's
    producer stores nothing, the pool stores its output), sizes and live ranges. A KV cache
    lives across inferences: it has no live range within one and is not in the peak."""
    roots: dict[str, tuple[str, ...]] = {INPUT: (INPUT,)}
    nbytes: dict[str, float] = {INPUT: math.prod(net.input_shape) * act_bytes}
    live: dict[str, tuple[int, int]] = {INPUT: (0, 0)}
    caches: dict[str, float] = {}
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
            if layer.op == "kv_cache":
                caches[layer.name] = 0.0
            else:
                live[layer.name] = (written_at.get(layer.name, step), step)
        for root in dict.fromkeys(r for src in layer.inputs for r in roots[src]):
            if root in caches:
                caches[root] += layer.macs
            else:
                live[root] = (live[root][0], step)
    live_at = [0.0] * len(net.layers)
    for root, (first, last) in live.items():
        for step in range(first, last + 1):
            live_at[step] += nbytes[root]
    return _Storage(roots, nbytes, live, tuple(live_at), caches)


def peak_activation_bytes(net: Network, hw: Accelerator, batch: int = 1) -> float:
    """The largest live activation working set (liveness over the graph), in bytes."""
    return _storage(net, batch * hw.activation_bits / 8, fuse(net, hw.fuse)).peak


def fits_on_chip(
    hw: Accelerator, weight_bytes: float, peak_activations: float, kv_cache: float = 0.0
) -> bool:
    """All weights, the KV caches and the peak live activations fit the chip's buffers (policy
    rule 1; with split buffers the caches live with the activations)."""
    if hw.split_buffers:
        return weight_bytes <= hw.capacity_for(TensorKind.WEIGHTS) and (
            peak_activations + kv_cache <= hw.capacity_for(TensorKind.ACTIVATIONS)
        )
    return weight_bytes + peak_activations + kv_cache <= hw.capacity_for(TensorKind.WEIGHTS)


@dataclass(frozen=True)
class Reserve:
    """The tile space a network streams well through (plan.tile_reserve): in all, and the
    largest weights' part and rest of any layer's tiles (what each of split buffers needs)."""

    total: float
    weights: float = 0.0
    rest: float = 0.0


def _regions(hw: Accelerator, reserve: Reserve, persistent: float, peak: float) -> tuple[float, float, float]:
    """Bytes for streaming tiles (with split buffers: in the activations' buffer), persistent
    tensors (pinned weights and KV caches) and kept activations (module doc, rule 2). With split
    buffers the caches compete with the activations in theirs; see plan_residency."""
    cap_w, cap_a = hw.capacity_for(TensorKind.WEIGHTS), hw.capacity_for(TensorKind.ACTIVATIONS)
    if hw.split_buffers:  # each buffer keeps the tile space its own kind needs
        return min(cap_a, reserve.rest), max(0.0, cap_w - reserve.weights), max(0.0, cap_a - reserve.rest)
    rest = max(0.0, cap_w - reserve.total)
    if hw.priority == "weights":
        persistent_region = min(rest, persistent)
        return min(cap_w, reserve.total), persistent_region, rest - persistent_region
    activation_region = min(rest, peak)  # a kept activation byte saves its write and every read
    return min(cap_w, reserve.total), rest - activation_region, activation_region


def _prefix(order: Sequence[tuple[float, int, str, float]], room: float) -> tuple[frozenset[str], float]:
    """The longest prefix of (key, tie, name, bytes) items that fits `room`, and its bytes: a
    prefix only grows with the room, so a bigger buffer never pins less."""
    taken: list[str] = []
    used = 0.0
    for *_, name, size in order:
        if used + size > room:
            break
        taken.append(name)
        used += size
    return frozenset(taken), used


def plan_residency(
    net: Network,
    hw: Accelerator,
    batch: int,
    stored: Mapping[str, float],
    fusion: Fusion,
    tile_reserve: Reserve,
    weight_reserve: Reserve | None = None,
) -> Residency:
    """What lives on chip (see module doc). `stored`: each layer's weights as stored, in bytes;
    `fusion`: the layers fused into their producers; `tile_reserve`: the tile space the
    network's layers stream well through (the search's answer, independent of the buffer);
    `weight_reserve`, on a chip with flash: the tile space for streaming the weights alone,
    used instead when the activations then all stay on chip (an MCU's SRAM holds activations)."""
    store = _storage(net, batch * hw.activation_bits / 8, fusion)
    weight_bytes = sum(stored.values())
    kv_bytes = sum(store.nbytes[c] for c in store.caches)
    caches = frozenset(store.caches)
    with_weights = [layer for layer in net.layers if layer.name in stored]
    if fits_on_chip(hw, weight_bytes, store.peak, kv_bytes):
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
            caches,
            kv_bytes,
            kept_at=store.live_at,
            kept_cache_bytes=kv_bytes,
        )
    tiles, persistent_region, activation_region = _regions(
        hw, tile_reserve, weight_bytes + kv_bytes, store.peak
    )
    if weight_reserve is not None:  # flash: if the activations all stay, only weights stream
        weights_only = _regions(hw, weight_reserve, weight_bytes + kv_bytes, store.peak)
        if weights_only[2] >= store.peak:
            tiles, persistent_region, activation_region = weights_only
    # Persistent tensors in order of reuse (MACs per element, highest first; a KV cache before
    # weights of equal reuse: it is also written every inference), each pinned while it fits.
    reads = {layer.name: float(layer.macs) for layer in with_weights}
    for layer in net.layers:
        if layer.tied:
            reads[layer.tied] += layer.macs
    per_element = hw.activation_bits / 8 * batch
    weights = sorted((-reads[n] / net.layer(n).params, 1, n, stored[n]) for n in reads)
    cache_order = sorted(
        (-store.caches[c] * per_element / store.nbytes[c], 0, c, store.nbytes[c]) for c in caches
    )
    if hw.split_buffers:  # weights fill their buffer; caches come first in the activations'
        pinned, pinned_bytes = _prefix(weights, persistent_region)
        kept_caches, cache_bytes = _prefix(cache_order, activation_region)
        activation_region -= cache_bytes
    else:
        persistent, _ = _prefix(sorted(weights + cache_order), persistent_region)
        pinned, kept_caches = persistent - caches, persistent & caches
        pinned_bytes = sum(stored[n] for n in pinned)
        cache_bytes = sum(store.nbytes[c] for c in kept_caches)
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
    spilled = frozenset({INPUT, *(r for r in store.live if r not in kept), *(caches - kept_caches)})
    # what the kept tensors leave unused of their regions streams tiles too: a layer's tile
    # space never depends on how much another layer needed (fusing one could shrink it)
    held = cache_bytes + max(kept_at, default=0.0) + (0.0 if hw.split_buffers else pinned_bytes)
    tiles = max(tiles, hw.capacity_for(TensorKind.ACTIVATIONS) - held)
    return Residency(
        weight_bytes,
        store.peak,
        False,
        pinned,
        pinned_bytes,
        spilled,
        store.roots,
        tiles,
        caches,
        kv_bytes,
        hw.capacity_for(TensorKind.WEIGHTS) - pinned_bytes if hw.split_buffers else None,
        tuple(kept_at),
        cache_bytes,
    )
