"""Mapping layers onto the chip: the array (GEMM folds, cycles, traffic per dataflow), the
vector unit, and DRAM tiling."""

from __future__ import annotations

from functools import lru_cache

from accelsim.hw.chip import Accelerator, Datapath
from accelsim.ir.engine import Engine
from accelsim.ir.network import RECURRENT, Layer
from accelsim.map.array import ArrayMapping, map_array
from accelsim.map.recurrent import map_recurrent
from accelsim.map.vector import map_gemv, map_vector


def map_layer(layer: Layer, hw: Accelerator, batch: int, stored_weights: float | None = None) -> ArrayMapping:
    """`stored_weights`: the layer's weights and biases as stored (bytes); default: every
    parameter at the chip's weight precision. Compression makes it smaller."""
    if stored_weights is None:
        stored_weights = layer.params * hw.weight_bits / 8
    return _mapped(layer, hw.datapath, batch, stored_weights)


@lru_cache(maxsize=16384)
def _mapped(layer: Layer, datapath: Datapath, batch: int, stored_weights: float) -> ArrayMapping:
    """Cached: a sweep meets the same layer on the same datapath at many buffer sizes."""
    if layer.op in RECURRENT:
        return map_recurrent(layer, datapath, batch, stored_weights)
    if layer.engine != Engine.ARRAY:
        return map_vector(layer, datapath, batch, stored_weights)
    on_array = map_array(layer, datapath, batch, stored_weights)
    if datapath.gemv == "vector" and layer.op == "linear":  # the faster of the two (README "GEMV")
        on_lanes = map_gemv(layer, datapath, batch, stored_weights)
        return on_lanes if on_lanes.cycles < on_array.cycles else on_array
    return on_array
