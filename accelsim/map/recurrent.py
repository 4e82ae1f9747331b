"""Recurrent layers (lstm, gru) on the array: one step after another.

A step of one direction is a matrix-vector product per sequence in the batch: [x_t, h_t-1]
times the gate weights (gates x hidden rows), then for an LSTMP the new h times the
projection; the gate math runs on the vector unit before the next step may start. Each step's
products are mapped as linear layers (map/array.py) and repeated steps x directions times, so
every step reads its direction's weights from the buffer, as TensorFlow Lite's LSTM kernels
evaluate a step (the input and the recurrent products, each step). Running the input products
of all steps as one GEMM first would read those weights once but park steps x gates x hidden
pre-activations in the buffer; accelsim models the per-step form.

DRAM (schedule/tiling.py, `recurrent_options`): one direction's weights stay on chip across the steps when the
tile space holds them (or residency pins them); otherwise every step fetches them again,
steps x the weights from DRAM. That is the talk's memory argument at its sharpest: a
recurrent model whose weights do not fit reads them once per audio frame or token.
"""

from __future__ import annotations

import math

from accelsim.frozen import FrozenMap
from accelsim.hw.chip import Datapath
from accelsim.hw.enums import Level, Operand, TensorKind
from accelsim.ir.engine import Engine
from accelsim.ir.network import Layer
from accelsim.map.array import ArrayMapping, map_array
from accelsim.map.pe import PeTraffic
from accelsim.map.traffic import Traffic


def step_products(layer: Layer) -> tuple[Layer, ...]:
    """One step's matrix products of one direction, as linear layers: the gates, and the
    projection of an LSTMP."""
    a = layer.attrs
    hidden, proj = a["hidden"], a["proj"]
    rows, width = a["gates"] * hidden, layer.input_shapes[0][-1] + (proj or hidden)

    def product(part: str, out: int, features: int) -> Layer:
        return Layer(
            name=f"{layer.name}.{part}",
            kind="linear",
            op="linear",
            engine=Engine.ARRAY,
            inputs=layer.inputs,
            input_shapes=((features,),),
            output_shape=(out,),
            attrs={},
            weight_shape=(out, features),
            macs=out * features,
        )

    gates = product("gates", rows, width)
    return (gates, product("projection", proj, hidden)) if proj else (gates,)


def map_recurrent(layer: Layer, hw: Datapath, batch: int, stored_weights: float) -> ArrayMapping:
    """A recurrent layer: steps x directions repetitions of one step (module doc). A step's
    weights and biases, as stored, are shared among its products by their MACs."""
    a = layer.attrs
    steps = a["steps"] * a["directions"]
    per_direction = stored_weights / a["directions"]
    products = step_products(layer)
    step_macs = sum(p.macs for p in products)
    mapped = [map_array(p, hw, batch, per_direction * p.macs / step_macs) for p in products]
    # the gate math: the pre-activations and the old state in, the new state out (an LSTM's
    # c and h, a GRU's h)
    ab = hw.activation_bits / 8
    hidden = a["hidden"]
    state = (2 if layer.op == "lstm" else 1) * hidden
    vector_ops = layer.vector_ops // steps * batch
    gate_math = Traffic().plus(
        Level.SRAM,
        TensorKind.ACTIVATIONS,
        read=(a["gates"] * hidden + hidden) * batch * ab,
        write=state * batch * ab,
    )
    step_cycles = sum(m.cycles for m in mapped) + math.ceil(vector_ops / hw.vector_lanes)
    traffic, pe, accumulated = Traffic().merged(gate_math, steps), PeTraffic(), 0.0
    fetched: dict[Operand, float] = {}
    for m in mapped:
        traffic = traffic.merged(m.traffic, steps)
        pe = pe.merged(m.pe, steps)
        accumulated += m.accumulated * steps
        for operand, nbytes in m.fetched.items():
            fetched[operand] = fetched.get(operand, 0.0) + nbytes * steps
    cycles = steps * step_cycles
    return ArrayMapping(
        engine=Engine.ARRAY,
        cycles=cycles,
        scalesim_cycles=None,  # SCALE-Sim has no recurrent layers
        utilization=layer.macs * batch / (cycles * hw.rows * hw.cols),
        traffic=traffic,
        pe=pe,
        fetched=FrozenMap(fetched),
        accumulated=accumulated,
    )
