"""Mapping one array layer (conv, linear, transposed conv, matmul) onto the MAC array: folds,
compute cycles, utilization, and the register-file and SRAM bytes it moves, by tensor kind.

Array layers (conv, linear, transposed conv) become a GEMM, as in SCALE-Sim (Samajdar et
al., ISPASS 2020): Sr output pixels x T window elements x Sc filters. The dataflow decides
which two of the three are spread over the array's rows and columns and which one streams
through time:

    weight stationary:  rows <- T,  cols <- Sc, time <- Sr
    output stationary:  rows <- Sr, cols <- Sc, time <- T
    input stationary:   rows <- T,  cols <- Sr, time <- Sc

Each fold (one array-sized piece of the two spatial dimensions) costs fill + stream + drain
cycles: 2R + C + t - 2 for WS and IS (the stationary operand is loaded over R cycles first),
R + C + t - 2 for OS; a layer costs folds x that, minus one, which reproduces SCALE-Sim v3's
"Total Cycles" exactly (tests/fixtures/scalesim_v3_cycles.json). accelsim's mapper also
considers every balanced sub-array (a layer that folds unevenly, or is smaller than the
array, need not fill and drain all of it) and keeps the fastest: never slower than
SCALE-Sim's count, and a bigger array is never slower.

Grouped and depthwise convolutions: SCALE-Sim runs one group (channel) at a time. accelsim
packs independent groups block-diagonally into one fold when a group is smaller than the
array (each group's window on its own rows, its filters on its own columns), which is what
array accelerators do for depthwise layers; `scalesim_cycles` keeps SCALE-Sim's figure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from accelsim.errors import AccelsimError, closest
from accelsim.frozen import FrozenMap
from accelsim.hw.chip import Datapath
from accelsim.hw.enums import Dataflow, Level, Operand, TensorKind
from accelsim.ir.engine import Engine
from accelsim.ir.network import Layer
from accelsim.map.dataflows import SYSTOLIC, systolic
from accelsim.map.pe import PeTraffic, systolic_pe_traffic
from accelsim.map.row_stationary import conv_shape, row_stationary, rs_pe_traffic
from accelsim.map.traffic import Traffic


@dataclass(frozen=True)
class Gemm:
    """A layer as a GEMM, batch included: Sr pixels, T window, Sc filters, per group."""

    sr: int
    t: int
    sc: int
    groups: int


@dataclass(frozen=True, slots=True)
class ArrayMapping:
    """How a layer runs on its engine, before any DRAM traffic is decided."""

    engine: Engine
    cycles: int
    scalesim_cycles: int | None
    utilization: float
    traffic: Traffic  # SRAM bytes of the compute itself
    pe: PeTraffic = PeTraffic()  # inside the array: PE stores and wires
    fetched: Mapping[Operand, float] = field(default_factory=FrozenMap)  # buffer bytes the array reads
    accumulated: float = 0.0  # partial-sum bytes read and written in the accumulators beside the array


def as_gemm(layer: Layer, batch: int) -> Gemm:
    """The GEMM of a conv / linear / transposed-conv layer."""
    if layer.op == "linear":
        out_features, in_features = layer.weight_shape
        positions = layer.input_elements // in_features
        return Gemm(sr=batch * positions, t=in_features, sc=out_features, groups=1)
    if layer.op == "matmul":
        a, b = layer.input_shapes
        return Gemm(sr=batch * math.prod(a[:-1]), t=a[-1], sc=b[-1], groups=1)
    groups = int(layer.attrs.get("groups", 1))
    if layer.op == "deconv":
        cin, out_per_group, kh, kw = layer.weight_shape
        _, h, w = layer.input_shapes[0]
        # scatter form: each input pixel times a kh*kw*out filter, per group
        return Gemm(sr=batch * h * w, t=cin // groups, sc=out_per_group * kh * kw, groups=groups)
    out_c, in_per_group, kh, kw = layer.weight_shape
    _, oh, ow = layer.output_shape
    return Gemm(sr=batch * oh * ow, t=in_per_group * kh * kw, sc=out_c // groups, groups=groups)


def spatial_extents(dataflow: Dataflow, g: Gemm) -> tuple[int, int, int]:
    """(array-row extent, array-column extent, temporal extent) of one group's GEMM."""
    return systolic(dataflow).extents(g)


def fold_cycles(
    rows: int, cols: int, dataflow: Dataflow, spatial_r: int, spatial_c: int, temporal: int
) -> int:
    """Cycles of one GEMM on an R x C array, as SCALE-Sim v3 counts them: per fold, the fill
    (2R + C for WS/IS, whose stationary operand loads first; R + C for OS) plus the stream,
    less two; less one for the layer."""
    fill = systolic(dataflow).fill_rows * rows + cols
    folds = math.ceil(spatial_r / rows) * math.ceil(spatial_c / cols)
    return folds * (fill + temporal - 2) - 1


@lru_cache(maxsize=4096)
def _extents(size: int, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Balanced ways to spread `size` over at most `limit` PEs: (extent per fold, folds).
    Only the smallest extent for each fold count matters. Candidates are the extents up to
    `limit` (the array's side), so memory and time do not grow with the batch or the image."""
    extent = np.arange(1, min(size, limit) + 1)
    folds = -(-size // extent)
    extent = extent[-(-size // folds) == extent]  # the smallest extent for its fold count
    return extent, -(-size // extent)


def array_cycles(rows: int, cols: int, dataflow: Dataflow, a_r: int, a_c: int, temporal: int) -> int:
    """Fewest cycles over every sub-array the GEMM could use (r <= rows, c <= cols), with
    SCALE-Sim's count on each: a bigger array is never slower, and a layer smaller than the
    array, or unevenly folded, fills and drains only the part it uses."""
    r, f_r = _extents(a_r, rows)
    c, f_c = _extents(a_c, cols)
    fill_r = systolic(dataflow).fill_rows * r
    total = np.outer(f_r, f_c) * (fill_r[:, None] + c[None, :] + temporal - 2)
    return int(total.min()) - 1


def map_array(layer: Layer, hw: Datapath, batch: int, stored_weights: float) -> ArrayMapping:
    """A layer on the array, by its dataflow's mapper (MAPPERS); an unregistered one is an error."""
    mapper = MAPPERS.get(hw.dataflow)
    if mapper is None:
        names = [str(d) for d in MAPPERS]
        raise AccelsimError(
            f"dataflow '{hw.dataflow}' has no mapper{closest(str(hw.dataflow), names)}; expected one of "
            + ", ".join(names)
        )
    return mapper(layer, hw, as_gemm(layer, batch), batch, stored_weights)


def _map_systolic(layer: Layer, hw: Datapath, g: Gemm, batch: int, stored_weights: float) -> ArrayMapping:
    """A layer on a systolic array (map/dataflows.py: the registered dataflows)."""
    rows, cols, df = hw.rows, hw.cols, hw.dataflow
    flow = systolic(df)
    a_r, a_c, temporal = flow.extents(g)
    scalesim = g.groups * fold_cycles(rows, cols, df, a_r, a_c, temporal)  # each group a layer
    cycles = g.groups * (array_cycles(rows, cols, df, a_r, a_c, temporal) + 1) - 1
    # Groups smaller than the array can share one fold block-diagonally: own rows, own columns.
    most = min(g.groups, rows // a_r, cols // a_c)
    if most >= 2:
        pack = np.arange(2, most + 1)
        fill_r = flow.fill_rows * a_r * pack
        packed = -(-g.groups // pack) * (fill_r + a_c * pack + temporal - 1) - 1
        cycles = min(cycles, int(packed.min()))
    cycles = max(cycles, 1)  # SCALE-Sim's count (less one per layer) says 0 for a single MAC
    traffic, pe, fetched, accumulated = _systolic_traffic(layer, hw, g, batch, stored_weights)
    return ArrayMapping(
        engine=Engine.ARRAY,
        cycles=cycles,
        scalesim_cycles=scalesim,
        utilization=layer.macs * batch / (cycles * rows * cols),
        traffic=traffic,
        pe=pe,
        fetched=fetched,
        accumulated=accumulated,
    )


def _operands(
    layer: Layer, hw: Datapath, batch: int, stored_weights: float
) -> tuple[TensorKind, float, float]:
    """(the second operand's kind, its bytes per element, its bytes in the buffer). An
    activation x activation matmul has no weights: its second input plays their part."""
    if layer.op == "matmul":
        ab = hw.activation_bits / 8
        return TensorKind.ACTIVATIONS, ab, math.prod(layer.input_shapes[1]) * batch * ab
    return TensorKind.WEIGHTS, hw.weight_bits / 8, stored_weights


def _systolic_traffic(
    layer: Layer, hw: Datapath, g: Gemm, batch: int, stored_weights: float
) -> tuple[Traffic, PeTraffic, FrozenMap[Operand, float], float]:
    """SRAM and PE traffic of an array layer on a systolic array.

    SRAM: the operand streams of the dataflow, as SCALE-Sim counts them: the stationary
    operand is read once per layer; a streamed operand is read once per fold of the other
    spatial dimension; each output is written once. Partial sums that do not finish in one
    fold of the reduction make a round trip at accumulator width through the accumulators
    beside the array (SRAM with ports of their own, as the TPU's; priced by hw/resolve.py).
    PE traffic: map/pe.py.
    """
    second, wb, weights = _operands(layer, hw, batch, stored_weights)
    ab, accb = hw.activation_bits / 8, hw.accumulator_bits / 8
    macs = layer.macs * batch
    acts = TensorKind.ACTIVATIONS
    ifmap_stream = g.sr * g.t * g.groups * ab  # im2col operand, elements read per window
    outputs = layer.output_elements * batch * ab
    flow = systolic(hw.dataflow)
    reads = flow.reads(g, hw.rows, hw.cols, weights, ifmap_stream)
    w_reads, i_reads, reduction_folds, loads = reads.weights, reads.inputs, reads.reduction_folds, reads.loads
    partial = (reduction_folds - 1) * layer.output_elements * batch * accb
    traffic = Traffic().moving(
        (Level.SRAM, second, w_reads, 0.0),
        (Level.SRAM, acts, i_reads, outputs),
    )
    drained = layer.output_elements * batch * accb if flow.drains else 0.0
    sizes = {Operand.WEIGHTS: wb, Operand.INPUTS: ab, Operand.PSUMS: accb}
    pe = systolic_pe_traffic(hw.dataflow, macs, sizes, loads, drained, hw.rows, second)
    return traffic, pe, FrozenMap({Operand.WEIGHTS: w_reads, Operand.INPUTS: i_reads}), 2 * partial


def _map_row_stationary(
    layer: Layer, hw: Datapath, g: Gemm, batch: int, stored_weights: float
) -> ArrayMapping:
    """A layer on a row-stationary array (map/row_stationary.py)."""
    rs = row_stationary(conv_shape(layer, batch, (g.sr, g.t, g.sc, g.groups)), hw.rows, hw.cols, hw.pe_words)
    second, wb, weights = _operands(layer, hw, batch, stored_weights)
    ab, accb = hw.activation_bits / 8, hw.accumulator_bits / 8
    w_reads = weights * rs.filter_passes  # as stored (compression shrinks them), biases too
    filters = math.prod(layer.weight_shape) if second == TensorKind.WEIGHTS else weights / wb
    i_reads = rs.ifmap_reads * ab
    partial = rs.psum_round_trips * accb
    outputs = layer.output_elements * batch * ab
    acts = TensorKind.ACTIVATIONS
    traffic = Traffic().moving(
        (Level.SRAM, second, w_reads, 0.0), (Level.SRAM, acts, i_reads + partial, outputs + partial)
    )
    macs = layer.macs * batch
    return ArrayMapping(
        engine=Engine.ARRAY,
        cycles=rs.cycles,
        scalesim_cycles=None,
        utilization=macs / (rs.cycles * hw.rows * hw.cols),
        traffic=traffic,
        pe=rs_pe_traffic(rs, hw, macs, wb, filters, second),
        fetched=FrozenMap({Operand.WEIGHTS: w_reads, Operand.INPUTS: i_reads}),
    )


# One mapper per dataflow, with one signature: the systolic ones share the SCALE-Sim model and
# differ by their registry entry; row stationary has its own (map/row_stationary.py).
MAPPERS: dict[Dataflow, Callable[[Layer, Datapath, Gemm, int, float], ArrayMapping]] = {
    **dict.fromkeys(SYSTOLIC, _map_systolic),
    Dataflow.ROW_STATIONARY: _map_row_stationary,
}
