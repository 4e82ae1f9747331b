"""Mapping one layer onto the accelerator: array folds, compute cycles, utilization, and the
bytes each memory level moves for it, by tensor kind.

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

Vector layers (pooling, elementwise, activations...) run on the vector unit at `lanes`
element-operations per cycle. Views (flatten, dropout, concat) move no data and take no time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from accelsim.hardware import TENSOR_KINDS, Accelerator
from accelsim.network import MAC_KINDS, Layer

VIEW_KINDS = frozenset({"flatten", "dropout", "concat", "slice"})
KINDS = TENSOR_KINDS


@dataclass
class Traffic:
    """Bytes read and written at each memory level, by tensor kind."""

    read: dict[tuple[str, str], float] = field(default_factory=dict)
    write: dict[tuple[str, str], float] = field(default_factory=dict)

    def add(self, level: str, kind: str, read: float = 0.0, write: float = 0.0) -> None:
        if read:
            self.read[level, kind] = self.read.get((level, kind), 0.0) + read
        if write:
            self.write[level, kind] = self.write.get((level, kind), 0.0) + write

    def bytes(self, level: str, kind: str | None = None) -> float:
        kinds = KINDS if kind is None else (kind,)
        return sum(self.read.get((level, k), 0.0) + self.write.get((level, k), 0.0) for k in kinds)


@dataclass(frozen=True)
class Gemm:
    """A layer as a GEMM, batch included: Sr pixels, T window, Sc filters, per group."""

    sr: int
    t: int
    sc: int
    groups: int


@dataclass(frozen=True)
class ArrayMapping:
    """How a layer runs on its engine, before any DRAM traffic is decided."""

    engine: str  # "array", "vector" or "none"
    cycles: int
    scalesim_cycles: int | None
    utilization: float
    traffic: Traffic  # register file and SRAM bytes of the compute itself


def as_gemm(layer: Layer, batch: int) -> Gemm:
    """The GEMM of a conv / linear / transposed-conv layer."""
    if layer.kind == "linear":
        out_features, in_features = layer.weight_shape
        positions = layer.input_elements // in_features
        return Gemm(sr=batch * positions, t=in_features, sc=out_features, groups=1)
    if layer.kind == "matmul":
        a, b = layer.input_shapes
        return Gemm(sr=batch * math.prod(a[:-1]), t=a[-1], sc=b[-1], groups=1)
    groups = int(layer.attrs.get("groups", 1))
    if layer.kind == "deconv":
        cin, out_per_group, kh, kw = layer.weight_shape
        _, h, w = layer.input_shapes[0]
        # scatter form: each input pixel times a kh*kw*out filter, per group
        return Gemm(sr=batch * h * w, t=cin // groups, sc=out_per_group * kh * kw, groups=groups)
    out_c, in_per_group, kh, kw = layer.weight_shape
    _, oh, ow = layer.output_shape
    return Gemm(sr=batch * oh * ow, t=in_per_group * kh * kw, sc=out_c // groups, groups=groups)


def spatial_extents(dataflow: str, g: Gemm) -> tuple[int, int, int]:
    """(array-row extent, array-column extent, temporal extent) of one group's GEMM."""
    if dataflow == "weight_stationary":
        return g.t, g.sc, g.sr
    if dataflow == "output_stationary":
        return g.sr, g.sc, g.t
    return g.t, g.sr, g.sc


def fold_cycles(rows: int, cols: int, dataflow: str, spatial_r: int, spatial_c: int, temporal: int) -> int:
    """Cycles of one GEMM on an R x C array, as SCALE-Sim v3 counts them: per fold, the fill
    (2R + C for WS/IS, whose stationary operand loads first; R + C for OS) plus the stream,
    less two; less one for the layer."""
    fill = rows + cols if dataflow == "output_stationary" else 2 * rows + cols
    folds = math.ceil(spatial_r / rows) * math.ceil(spatial_c / cols)
    return folds * (fill + temporal - 2) - 1


@lru_cache(maxsize=4096)
def _extents(size: int, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Balanced ways to spread `size` over at most `limit` PEs: (extent per fold, folds).
    Only the smallest extent for each fold count matters; there are O(sqrt(size)) of them."""
    folds = np.arange(1, size + 1)
    extent = np.unique(-(-size // folds))
    extent = extent[extent <= limit]
    return extent, -(-size // extent)


def array_cycles(rows: int, cols: int, dataflow: str, a_r: int, a_c: int, temporal: int) -> int:
    """Fewest cycles over every sub-array the GEMM could use (r <= rows, c <= cols), with
    SCALE-Sim's count on each: a bigger array is never slower, and a layer smaller than the
    array, or unevenly folded, fills and drains only the part it uses."""
    r, f_r = _extents(a_r, rows)
    c, f_c = _extents(a_c, cols)
    fill_r = r if dataflow == "output_stationary" else 2 * r
    total = np.outer(f_r, f_c) * (fill_r[:, None] + c[None, :] + temporal - 2)
    return int(total.min()) - 1


def map_array(layer: Layer, hw: Accelerator, batch: int, stored_weights: float) -> ArrayMapping:
    g = as_gemm(layer, batch)
    rows, cols, df = hw.rows, hw.cols, hw.dataflow
    a_r, a_c, temporal = spatial_extents(df, g)
    scalesim = g.groups * fold_cycles(rows, cols, df, a_r, a_c, temporal)  # each group a layer
    cycles = g.groups * (array_cycles(rows, cols, df, a_r, a_c, temporal) + 1) - 1
    # Groups smaller than the array can share one fold block-diagonally: own rows, own columns.
    most = min(g.groups, rows // a_r, cols // a_c)
    if most >= 2:
        pack = np.arange(2, most + 1)
        fill_r = a_r * pack if df == "output_stationary" else 2 * a_r * pack
        packed = -(-g.groups // pack) * (fill_r + a_c * pack + temporal - 1) - 1
        cycles = min(cycles, int(packed.min()))
    return ArrayMapping(
        engine="array",
        cycles=cycles,
        scalesim_cycles=scalesim,
        utilization=layer.macs * batch / (cycles * rows * cols),
        traffic=_array_traffic(layer, hw, g, batch, stored_weights),
    )


def _array_traffic(layer: Layer, hw: Accelerator, g: Gemm, batch: int, stored_weights: float) -> Traffic:
    """Register-file and SRAM bytes of an array layer.

    Register file: per MAC one weight read, one activation read, and one partial-sum read
    and write at accumulator width (the per-PE accounting of Eyeriss, Chen et al. ISCA 2016).
    SRAM: the operand streams of the dataflow, as SCALE-Sim counts them: the stationary
    operand is read once per layer; a streamed operand is read once per fold of the other
    spatial dimension; each output is written once. Partial sums that do not finish in one
    fold of the reduction make a round trip at accumulator width through the accumulators
    beside the array (as the TPU's), charged at register-file energy, or at SRAM energy on a
    chip without a register file.
    """
    wb, ab, accb = hw.weight_bits / 8, hw.activation_bits / 8, hw.accumulator_bits / 8
    macs = layer.macs * batch
    traffic = Traffic()
    # An activation x activation matmul has no weights: its second operand plays their part.
    second = "activations" if layer.kind == "matmul" else "weights"
    if second == "activations":
        wb = ab
    if hw.register_file is not None:
        traffic.add("register_file", second, read=macs * wb)
        traffic.add("register_file", "activations", read=macs * (ab + accb), write=macs * accb)
    weights = math.prod(layer.input_shapes[1]) * batch * ab if second == "activations" else stored_weights
    ifmap_stream = g.sr * g.t * g.groups * ab  # im2col operand, elements read per window
    outputs = layer.output_elements * batch * ab
    row_folds_t = math.ceil(g.t / hw.rows)
    col_folds_sc = math.ceil(g.sc / hw.cols)
    if hw.dataflow == "weight_stationary":
        w_reads, i_reads, reduction_folds = weights, ifmap_stream * col_folds_sc, row_folds_t
    elif hw.dataflow == "output_stationary":
        w_reads, i_reads, reduction_folds = (
            weights * math.ceil(g.sr / hw.rows),
            ifmap_stream * col_folds_sc,
            1,
        )
    else:
        w_reads, i_reads, reduction_folds = weights * math.ceil(g.sr / hw.cols), ifmap_stream, row_folds_t
    partial = (reduction_folds - 1) * layer.output_elements * batch * accb
    traffic.add("register_file" if hw.register_file else "sram", "activations", read=partial, write=partial)
    traffic.add("sram", second, read=w_reads)
    traffic.add("sram", "activations", read=i_reads, write=outputs)
    return traffic


def map_vector(layer: Layer, hw: Accelerator, batch: int, stored_weights: float) -> ArrayMapping:
    """A vector-unit layer: reads its inputs and writes its output once from SRAM."""
    if layer.kind in VIEW_KINDS:
        return ArrayMapping("none", 0, None, 0.0, Traffic())
    ops = layer.vector_ops * batch
    ab = hw.activation_bits / 8
    traffic = Traffic()
    traffic.add(
        "sram",
        "activations",
        read=layer.input_elements * batch * ab,
        write=layer.output_elements * batch * ab,
    )
    if stored_weights:  # per-channel parameters (PReLU slopes, unfolded BatchNorm)
        traffic.add("sram", "weights", read=stored_weights)
    cycles = math.ceil(ops / hw.vector_lanes)
    busy = ops / (cycles * hw.vector_lanes) if cycles else 0.0
    return ArrayMapping("vector", cycles, None, busy, traffic)


def map_layer(layer: Layer, hw: Accelerator, batch: int, stored_weights: float | None = None) -> ArrayMapping:
    """`stored_weights`: the layer's weights and biases as stored (bytes); default: every
    parameter at the chip's weight precision. Compression makes it smaller."""
    if stored_weights is None:
        stored_weights = layer.params * hw.weight_bits / 8
    mapper = map_array if layer.kind in MAC_KINDS else map_vector
    return mapper(layer, hw, batch, stored_weights)


@dataclass(frozen=True)
class Tiling:
    """DRAM traffic of one layer and the tiling that gives it."""

    weight_bytes: float
    input_bytes: float
    output_bytes: float
    tiles: int  # DRAM transfers come in this many pieces


def _candidates(n: int) -> list[int]:
    out, k = [], 1
    while k < n:
        out.append(k)
        k *= 2
    return [*out, n]


def tile_options(
    layer: Layer,
    batch: int,
    hw: Accelerator,
    weights_from_dram: float,
    input_from_dram: float,
    output_to_dram: bool,
) -> tuple[tuple[float, float, Tiling], ...]:
    """Every tiling worth having, as (double-buffered working set, DRAM bytes, tiling), sorted
    by working set, each with less DRAM traffic than any smaller one: output-channel tiles x
    output-row tiles (powers of two) in two loop orders. Independent of the space on chip, so
    one list answers every residency plan. `weights_from_dram` and `input_from_dram` are the
    bytes of weights and inputs that live in DRAM."""
    ab = hw.activation_bits / 8
    weights = weights_from_dram
    outputs = layer.output_elements * batch * ab if output_to_dram else 0.0
    if layer.kind not in MAC_KINDS or not (weights or input_from_dram or outputs):
        return (
            (
                0.0,
                weights + input_from_dram + outputs,
                Tiling(weights, input_from_dram, outputs, 1),
            ),
        )
    channels = layer.output_shape[0]
    out_rows = layer.output_shape[1] if len(layer.output_shape) == 3 else 1
    in_rows = layer.input_shapes[0][1] if len(layer.input_shapes[0]) == 3 else 1
    kernel_h = layer.attrs.get("kernel", (1, 1))[0]
    stride_h = layer.attrs.get("stride", (1, 1))[0]
    options = []
    for n_h in _candidates(out_rows):
        rows_needed = min(in_rows, (math.ceil(out_rows / n_h) - 1) * stride_h + kernel_h)
        in_tile = input_from_dram * rows_needed / in_rows
        inputs_once = in_tile * n_h  # with the halo rows read twice
        for n_k in _candidates(channels):
            working = 2 * (weights / n_k + in_tile + outputs / (n_k * n_h))
            # channels outer: weights once, inputs again per channel tile (unless one row tile)
            i = inputs_once * (n_k if n_h > 1 else 1)
            options.append((working, weights + i + outputs, n_k * n_h, weights, i))
            # rows outer: inputs once, weights again per row tile (unless one channel tile)
            w = weights * (n_h if n_k > 1 else 1)
            options.append((working, w + inputs_once + outputs, n_k * n_h, w, inputs_once))
    options.sort()
    frontier: list[tuple[float, float, Tiling]] = []
    for working, dram, tiles, w, i in options:
        if not frontier or dram < frontier[-1][1]:
            frontier.append((working, dram, Tiling(w, i, outputs, tiles)))
    return tuple(frontier)


def pick_tiling(options: tuple[tuple[float, float, Tiling], ...], space: float) -> Tiling:
    """The least-traffic option whose working set fits `space`; else the smallest one."""
    best = options[0][2]
    for working, _, tiling in options:  # sorted by working set, traffic falling
        if working > space:
            break
        best = tiling
    return best
