"""What every step of the schedule reads about one simulation: the network, the resolved chip,
the batch, cold or steady state, the weights as stored and the fusion; one value threaded
through residency, tiling and the layer plans instead of the same six arguments each."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from accelsim.hw.chip import Accelerator, MemoryLevel
from accelsim.hw.enums import TensorKind
from accelsim.ir.network import INPUT, Network
from accelsim.schedule.fusion import Fusion


@dataclass(frozen=True)
class Run:
    network: Network
    chip: Accelerator
    batch: int
    stored: Mapping[str, float]  # each layer's weights as stored, bytes
    fusion: Fusion
    cold: bool = False  # a first inference: the pinned weights are loaded too

    @cached_property
    def element_bytes(self) -> dict[str, float]:
        """Each tensor's bytes for the whole batch at the chip's activation precision."""
        act_bytes = self.batch * self.chip.activation_bits / 8
        sizes = {INPUT: math.prod(self.network.input_shape) * act_bytes}
        sizes.update({layer.name: layer.output_elements * act_bytes for layer in self.network.layers})
        return sizes

    @cached_property
    def layer_weights(self) -> dict[str, float]:
        """The bytes each layer stores, by layer name (a tied layer's are its owner's)."""
        return {layer.name: self.stored.get(layer.tied or layer.name, 0.0) for layer in self.network.layers}

    @cached_property
    def sources(self) -> dict[TensorKind, MemoryLevel]:
        """The off-chip level each tensor kind comes from and spills to: the nearest that holds
        it with room for all of it (weights as stored first, then the KV caches, then every
        activation tensor), after what is placed before; else the farthest that holds it."""
        sizes = self.element_bytes
        caches = {layer.name for layer in self.network.layers if layer.op == "kv_cache"}
        need = {
            TensorKind.WEIGHTS: sum(self.stored.values()),
            TensorKind.KV_CACHE: sum(sizes[name] for name in caches),
            TensorKind.ACTIVATIONS: sum(size for name, size in sizes.items() if name not in caches),
        }
        room = {level.name: level.capacity_bytes for level in self.chip.off_chip}
        placed = {}
        for kind, nbytes in need.items():
            holding = self.chip.holding(kind)
            level = next((lvl for lvl in holding if nbytes <= room[lvl.name]), holding[-1])
            room[level.name] -= nbytes
            placed[kind] = level
        return placed
