"""Vector-unit layers (pooling, element-wise ops, activations, unfolded BatchNorm, softmax,
LRN): `lanes` element-operations per cycle, inputs read and output written once from SRAM.
Views (concat, flatten, dropout, slice) move no data and take no time."""

from __future__ import annotations

import math

from accelsim.hw.chip import Datapath
from accelsim.hw.enums import Engine, Level, TensorKind
from accelsim.ir.network import Layer
from accelsim.map.array import ArrayMapping
from accelsim.map.traffic import Traffic


def map_vector(layer: Layer, hw: Datapath, batch: int, stored_weights: float) -> ArrayMapping:
    """A vector-unit layer: reads its inputs and writes its output once from SRAM."""
    if layer.engine == Engine.NONE:
        return ArrayMapping(Engine.NONE, 0, None, 0.0, Traffic())
    ops = layer.vector_ops * batch
    ab = hw.activation_bits / 8
    traffic = Traffic().plus(
        Level.SRAM,
        TensorKind.ACTIVATIONS,
        read=layer.input_elements * batch * ab,
        write=layer.output_elements * batch * ab,
    )
    if stored_weights:  # per-channel parameters (PReLU slopes, unfolded BatchNorm)
        traffic = traffic.plus(Level.SRAM, TensorKind.WEIGHTS, read=stored_weights)
    cycles = math.ceil(ops / hw.vector_lanes)
    busy = ops / (cycles * hw.vector_lanes) if cycles else 0.0
    return ArrayMapping(Engine.VECTOR, cycles, None, busy, traffic)
