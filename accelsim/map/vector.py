"""Vector-unit layers (pooling, element-wise ops, activations, unfolded BatchNorm, softmax,
LRN, norms, embedding lookups, KV-cache appends): `lanes` element-operations per cycle,
inputs read and output written once from SRAM.
Views (concat, flatten, dropout, slice) move no data and take no time."""

from __future__ import annotations

import math

from accelsim.hw.chip import Datapath
from accelsim.hw.enums import Level, TensorKind
from accelsim.ir.engine import Engine
from accelsim.ir.moves import weights_read
from accelsim.ir.network import Layer
from accelsim.map.array import ArrayMapping
from accelsim.map.traffic import Traffic


def map_vector(layer: Layer, hw: Datapath, batch: int, stored_weights: float) -> ArrayMapping:
    """A vector-unit layer: reads its inputs and writes its output once from SRAM."""
    if layer.engine == Engine.NONE:
        return ArrayMapping(Engine.NONE, 0, None, 0.0, Traffic())
    ops = layer.vector_ops * batch
    ab = hw.activation_bits / 8
    reads, writes = layer.input_elements * batch * ab, layer.output_elements * batch * ab
    if layer.op == "kv_cache":  # appends this step's rows; the earlier ones stay where they are
        traffic = Traffic().moving(
            (Level.SRAM, TensorKind.ACTIVATIONS, reads, 0.0), (Level.SRAM, TensorKind.KV_CACHE, 0.0, reads)
        )
    else:
        traffic = Traffic().plus(Level.SRAM, TensorKind.ACTIVATIONS, read=reads, write=writes)
    if stored_weights:  # per-channel parameters (PReLU slopes, unfolded BatchNorm), looked-up rows
        traffic = traffic.plus(
            Level.SRAM, TensorKind.WEIGHTS, read=weights_read(layer, stored_weights, batch)
        )
    cycles = math.ceil(ops / hw.vector_lanes)
    busy = ops / (cycles * hw.vector_lanes) if cycles else 0.0
    return ArrayMapping(Engine.VECTOR, cycles, None, busy, traffic)
