"""Vector-unit layers (pooling, element-wise ops, activations, unfolded BatchNorm, softmax,
LRN, norms, embedding lookups, KV-cache appends): `lanes` element-operations per cycle,
inputs read and output written once from SRAM.
Views (concat, flatten, dropout, slice) move no data and take no time."""

from __future__ import annotations

import math

from accelsim.frozen import FrozenMap
from accelsim.hw.chip import Datapath
from accelsim.hw.enums import Level, Operand, TensorKind
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


def map_gemv(layer: Layer, hw: Datapath, batch: int, stored_weights: float) -> ArrayMapping:
    """A linear layer on the vector unit (a chip's `gemv: vector`): each lane keeps one output's
    sum and does a multiply-accumulate per cycle, so the layer takes its MACs over the lanes in
    cycles. Each weight is read from the buffer once, the inputs once per group of `lanes`
    outputs (broadcast to the lanes), and each output written once: a matrix-vector product,
    which reuses no weight, runs at the buffer's pace instead of waiting on the array's weight
    loads (README "GEMV")."""
    out_features, _ = layer.weight_shape
    ab = hw.activation_bits / 8
    passes = math.ceil(out_features / hw.vector_lanes)
    inputs = layer.input_elements * batch * ab * passes
    weights = weights_read(layer, stored_weights, batch)
    traffic = (
        Traffic()
        .plus(Level.SRAM, TensorKind.ACTIVATIONS, read=inputs, write=layer.output_elements * batch * ab)
        .plus(Level.SRAM, TensorKind.WEIGHTS, read=weights)
    )
    macs = layer.macs * batch
    cycles = math.ceil(macs / hw.vector_lanes)
    busy = macs / (cycles * hw.vector_lanes) if cycles else 0.0
    fetched = FrozenMap({Operand.WEIGHTS: weights, Operand.INPUTS: inputs})
    return ArrayMapping(Engine.VECTOR, cycles, None, busy, traffic, fetched=fetched)
