"""The simulator's stages in order, over typed values: a built network, a resolved chip and the
weights as stored -> per-layer mappings -> schedule (residency, DRAM tiling, plans) -> simpy
timeline -> accounting -> Result. Nothing here reads a file or resolves a name (api.py does)."""

from __future__ import annotations

import math
from dataclasses import replace

from accelsim.account.energy import account
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
from accelsim.schedule.plan import schedule
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
    inference."""
    if stored.activation_bits and stored.activation_bits != chip.activation_bits:
        chip = at_activation_bits(chip, stored.activation_bits)
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
    plan = schedule(Run(network, chip, batch, stored.bytes, fusion, mode == "cold"), mappings, macs)
    timeline = engine.run(plan.jobs(chip), chip.tile_buffers)
    return account(network, chip, mode, batch, fps, plan, timeline, stored.compression)


def _skip_zeros(mapping: ArrayMapping, density: float) -> ArrayMapping:
    """A sparse array skips MACs with pruned weights: cycles and the traffic inside the array
    shrink with the density (ideal skipping: no load imbalance modeled)."""
    return replace(mapping, cycles=math.ceil(mapping.cycles * density), pe=mapping.pe.scaled(density))
