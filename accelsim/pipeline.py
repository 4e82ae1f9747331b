"""The simulator's stages in order, over typed values: a built network, a resolved chip and the
weights as stored -> per-layer mappings -> schedule (residency, DRAM tiling, plans) -> simpy
timeline -> accounting -> Result. Nothing here reads a file or resolves a name (api.py does)."""

from __future__ import annotations

import math
from dataclasses import replace

from accelsim.account.energy import account, first_then_rest
from accelsim.account.result import Result
from accelsim.hw.chip import Accelerator
from accelsim.hw.enums import Level, TensorKind
from accelsim.hw.resolve import at_activation_bits
from accelsim.ir.engine import Engine
from accelsim.ir.network import Network
from accelsim.map import map_layer
from accelsim.map.array import ArrayMapping
from accelsim.map.traffic import Traffic
from accelsim.schedule.context import Run
from accelsim.schedule.fusion import fuse
from accelsim.schedule.plan import Schedule, schedule
from accelsim.sim import engine
from accelsim.transform.compress import Stored


def run(
    network: Network,
    chip: Accelerator,
    stored: Stored,
    mode: str = "steady",
    batch: int = 1,
    fps: float | None = None,
) -> Result:
    """Simulate `batch` inferences of `network` on `chip` with its weights `stored` as given
    (activations too run at the stored precision, when compression sets one); energies per
    inference. In steady state a batch runs as groups of images, the whole network per group,
    of the size that is best (`groups`); the result says which (`group_size`)."""
    if stored.activation_bits and stored.activation_bits != chip.activation_bits:
        chip = at_activation_bits(chip, stored.activation_bits)
    sizes = group_sizes(network, batch)
    if len(sizes) == 1:
        return _group(network, chip, stored, mode, batch, fps)
    if mode == "cold":  # the first group loads the weights; the others find them as steady ones do
        runs = {
            size: (
                _group(network, chip, stored, "cold", size, None),
                _group(network, chip, stored, "steady", size, None),
            )
            for size in sizes
        }
        tried = {
            size: first_then_rest(cold, warm, batch // size, batch, None)
            for size, (cold, warm) in runs.items()
        }
        size = best_group(tried)
        cold, warm = runs[size]
        chosen = tried[size] if fps is None else first_then_rest(cold, warm, batch // size, batch, fps)
        return replace(chosen, group_size=size)
    tried = {size: _group(network, chip, stored, mode, size, None) for size in sizes}
    size = best_group(tried)
    chosen = tried[size] if fps is None else _group(network, chip, stored, mode, size, fps)
    groups = batch // size
    busy = {engine: seconds * groups for engine, seconds in chosen.engine_busy_s.items()}
    return replace(chosen, batch=batch, latency_s=chosen.latency_s * groups, engine_busy_s=busy)


def group_sizes(network: Network, batch: int) -> list[int]:
    """The group sizes a batch may run in: the whole batch and every power of two that divides
    it, one image included, so a batch never does worse than its images one by one. For
    networks with KV caches (every sequence's cache lives through the whole batch: a decode
    step of part of the batch would leave the others' caches to be kept) the batch runs whole."""
    if batch == 1 or any(layer.op == "kv_cache" for layer in network.layers):
        return [batch]
    return [*(2**k for k in range(batch.bit_length()) if batch % 2**k == 0 and 2**k < batch), batch]


def best_group(tried: dict[int, Result]) -> int:
    """The group size with the highest throughput among those that move no more off-chip bytes
    and spend no more energy per image than one image at a time (ties: less energy, then the
    larger group)."""
    one = tried[1]
    slack = 1 + 1e-9

    def off_chip(r: Result) -> float:
        return sum(r.dram_bytes.values()) + r.flash_bytes

    fair = [
        size
        for size, r in tried.items()
        if off_chip(r) <= off_chip(one) * slack and r.energy_j <= one.energy_j * slack
    ]
    return min(fair, key=lambda size: (-tried[size].throughput_fps, tried[size].energy_j, -size))


def _group(
    network: Network, chip: Accelerator, stored: Stored, mode: str, batch: int, fps: float | None
) -> Result:
    """One group of `batch` images through the pipeline's stages."""
    plan = planned(network, chip, stored, mode, batch)
    timeline = engine.run(plan.jobs(chip), chip.tile_buffers)
    return account(network, chip, mode, batch, fps, plan, timeline, stored.compression)


def planned(network: Network, chip: Accelerator, stored: Stored, mode: str, batch: int) -> Schedule:
    """The mappings and the schedule of one group of `batch` images (what the plans hold:
    residency, each layer's tiling and traffic)."""
    mappings, macs = [], []
    sparse = chip.sparse
    fusion = fuse(network, chip.fuse)
    act_bytes = batch * chip.activation_bits / 8
    for layer in network.layers:
        mapping = map_layer(layer, chip, batch, stored.bytes.get(layer.tied or layer.name, 0.0))
        if layer.name in fusion.layers:  # on the producer's output path: its cycles, none of its bytes
            mapping = replace(mapping, traffic=Traffic())
        elif layer.name in fusion.pooled:  # the buffer receives the pooled tensor, not the full output
            smaller = (
                network.layer(fusion.pooled[layer.name]).output_elements - layer.output_elements
            ) * act_bytes
            mapping = replace(
                mapping, traffic=mapping.traffic.moving((Level.SRAM, TensorKind.ACTIVATIONS, 0.0, smaller))
            )
        kept = stored.density.get(layer.name, 1.0) if sparse and layer.engine == Engine.ARRAY else 1.0
        mappings.append(_skip_zeros(mapping, kept) if kept < 1 else mapping)
        macs.append(layer.macs * batch * kept)
    return schedule(Run(network, chip, batch, stored.bytes, fusion, mode == "cold"), mappings, macs)


def _skip_zeros(mapping: ArrayMapping, density: float) -> ArrayMapping:
    """A sparse array skips MACs with pruned weights: cycles and the traffic inside the array
    shrink with the density (ideal skipping: no load imbalance modeled)."""
    return replace(mapping, cycles=math.ceil(mapping.cycles * density), pe=mapping.pe.scaled(density))
