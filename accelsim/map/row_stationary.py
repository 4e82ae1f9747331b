"""The row-stationary dataflow of Eyeriss (Chen, Emer, Sze, ISCA 2016; Chen et al., JSSC 2017).

A 2-D convolution of one filter over one channel of one image is a *logical PE set* of
kh x E PEs: PE (i, j) holds filter row i and convolves it with ifmap row j*stride + i*dilation,
producing a row of partial sums that flows up column j and adds to output row j. Sets are
folded onto the physical R x C array: an output taller than C is cut into strips of C rows, a
filter taller than R into row folds, and sets smaller than the array are replicated to work on
other filters (r_k replicas) or channels (r_c replicas) at once. Inside a PE, scratchpads let it
work on p filters, q channels and n images per pass (p*n partial-sum rows, q*n*kw ifmap words,
p*q*kw filter words), reusing each ifmap word p times and each filter word n*F times.

The mapping searches p, q, n and the replica split for the least buffer traffic among the
mappings within 2% of the fewest cycles (p = q = n = 1 always has the fewest, so a larger
scratchpad only adds choices and never adds buffer traffic). Linear, matmul and
transposed-conv layers run as 1 x 1 convolutions over their GEMM (each output pixel a column
of F). Per pass, every PE does p*q*n*F*kw MACs:

    cycles = groups * strips * row_folds * ceil(K/(p*r_k)) * ceil(C/(q*r_c)) * ceil(N/n) * p*q*n*F*kw

Buffer (global buffer) traffic: filters once per strip and image block; ifmaps once per filter
block (multicast to the r_k filter replicas), with the rows strips share; partial sums a
round trip per channel block and row fold after the first, at accumulator width; outputs once.
PE traffic: every MAC reads a filter word and an ifmap word and reads and writes a partial sum
(nn_dataflow's 4 register-file accesses per MAC); scratchpads are filled over the buses, which
span the array (R + C pitches); partial sums pass up a column one pitch at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from accelsim.frozen import FrozenMap
from accelsim.hw.chip import Datapath
from accelsim.hw.enums import Operand, TensorKind
from accelsim.ir.network import Layer
from accelsim.map.pe import PeTraffic


@dataclass(frozen=True)
class ConvShape:
    """One layer as row-stationary sees it, per group."""

    k: int  # filters
    c: int  # channels
    kh: int
    kw: int
    e: int  # output rows
    f: int  # output columns
    n: int  # images
    groups: int
    in_rows: int  # ifmap rows
    in_cols: int
    stride: int  # vertical
    dilation: int  # vertical


@dataclass(frozen=True)
class RowStationary:
    """A layer's row-stationary mapping: cycles and element counts (whole batch)."""

    cycles: int
    filter_passes: int  # times each filter is read from the buffer: strips x image blocks
    filter_fan_out: int  # PEs a filter row is written into (a row of its set)
    ifmap_reads: float  # buffer -> array, elements
    ifmap_fills: float  # scratchpad writes, elements
    psum_round_trips: float  # partial sums written to the buffer and read back
    psum_hops: float  # partial sums passed up a column


def _pair(value: Any) -> int:
    """The vertical part of an int or [h, w] attribute."""
    return int(value[0]) if isinstance(value, (list, tuple)) else int(value)


def conv_shape(layer: Layer, batch: int, gemm: tuple[int, int, int, int]) -> ConvShape:
    """`gemm` is (Sr, T, Sc, groups) of map/array.py's GEMM form, used for non-conv layers."""
    if layer.op == "conv":
        out_c, in_per_group, kh, kw = layer.weight_shape
        groups = int(layer.attrs.get("groups", 1))
        _, oh, ow = layer.output_shape
        _, h, w = layer.input_shapes[0]
        return ConvShape(
            out_c // groups, in_per_group, kh, kw, oh, ow, batch, groups, h, w,
            _pair(layer.attrs.get("stride", 1)), _pair(layer.attrs.get("dilation", 1)),
        )  # fmt: skip
    sr, t, sc, groups = gemm
    return ConvShape(sc, t, 1, 1, 1, sr, 1, groups, 1, sr, 1, 1)


def _used(size: int, out: int, kernel: int, stride: int) -> int:
    """Input pixels along one axis that some window reads."""
    return min(size, out * min(kernel, stride) + max(kernel - stride, 0))


SPEED_SLACK = 1.02  # mappings this close to the fewest cycles are told apart by buffer traffic


def _candidates(limit: int) -> np.ndarray:
    return np.arange(1, max(limit, 1) + 1)


@lru_cache(maxsize=4096)
def row_stationary(shape: ConvShape, rows: int, cols: int, pe_words: tuple[int, int, int]) -> RowStationary:
    """The best row-stationary mapping of `shape` on a rows x cols array whose PEs hold
    `pe_words` = (filter, ifmap, psum) words."""
    s = shape
    weights_words, ifmap_words, psum_words = pe_words
    set_h, row_folds = min(s.kh, rows), math.ceil(s.kh / rows)
    set_w, strips = min(s.e, cols), math.ceil(s.e / cols)
    replicas = (rows // set_h) * (cols // set_w)
    # p filters, q channels, n images per PE; r_c of the replicas take other channels
    p = _candidates(min(s.k, psum_words))[:, None, None, None]
    q = _candidates(min(s.c, max(1, ifmap_words // s.kw)))[None, :, None, None]
    n = _candidates(min(s.n, psum_words))[None, None, :, None]
    r_c = _candidates(min(replicas, s.c))[None, None, None, :]
    r_k = np.minimum(replicas // r_c, s.k)
    fits = (
        (p * n <= psum_words)
        & (q * n * s.kw <= max(ifmap_words, s.kw))
        & (p * q * s.kw <= max(weights_words, s.kw))
    )
    k_blocks = -(-s.k // (p * r_k))
    c_blocks = -(-s.c // (q * r_c))
    n_blocks = -(-s.n // n)
    passes = s.groups * strips * row_folds * k_blocks * c_blocks * n_blocks
    cycles = passes * p * q * n * s.f * s.kw
    k_eff = (s.kh - 1) * s.dilation + 1  # rows one window spans
    # the ifmap pixels some window uses (a stride wider than the kernel skips the others)
    ifmap = (
        s.groups * s.c * s.n * _used(s.in_rows, s.e, k_eff, s.stride) * _used(s.in_cols, s.f, s.kw, s.stride)
    )
    outputs = s.groups * s.k * s.n * s.e * s.f
    # strips of set_w output rows (the last one shorter) each read their windows' rows
    last = s.e - (strips - 1) * set_w
    rows_read = (strips - 1) * _used(s.in_rows, set_w, k_eff, s.stride) + _used(
        s.in_rows, last, k_eff, s.stride
    )
    overlap = max(1.0, rows_read / _used(s.in_rows, s.e, k_eff, s.stride))
    filter_reads = s.groups * s.k * s.c * s.kh * s.kw * strips * n_blocks
    ifmap_reads = ifmap * overlap * k_blocks
    round_trips = outputs * (c_blocks * row_folds - 1)
    traffic = filter_reads + ifmap_reads + 2 * round_trips
    cycles, traffic = np.broadcast_arrays(np.where(fits, cycles, np.inf), traffic)
    # the fewest cycles (within SPEED_SLACK), then the least buffer traffic
    best = np.unravel_index(
        int(np.argmin(np.where(cycles <= cycles.min() * SPEED_SLACK, traffic, np.inf))), cycles.shape
    )

    def at(values: Any) -> float:
        return float(np.broadcast_to(values, cycles.shape)[best])

    return RowStationary(
        cycles=int(at(cycles)),
        filter_passes=strips * int(at(n_blocks)),
        filter_fan_out=set_w,
        ifmap_reads=at(ifmap_reads),
        # an ifmap row reaches the PEs of its diagonal, in each replica working on other filters
        ifmap_fills=at(ifmap * overlap) * max(1.0, set_h / s.stride) * math.ceil(s.k / at(p)),
        psum_round_trips=at(round_trips),
        psum_hops=at(c_blocks) * row_folds * outputs * (set_h - 1),
    )


def rs_pe_traffic(
    rs: RowStationary,
    hw: Datapath,
    macs: float,
    weight_bytes: float,
    filters: float,
    weights_kind: TensorKind,
) -> PeTraffic:
    """PE store and array wire bytes of a row-stationary mapping (whole layer) whose filters
    (or second matmul operand) have `filters` elements of `weight_bytes` each."""
    ab, accb = hw.activation_bits / 8, hw.accumulator_bits / 8
    span = hw.rows + hw.cols  # a bus transfer drives a column bus and a row bus
    reads = {Operand.WEIGHTS: macs * weight_bytes, Operand.INPUTS: macs * ab, Operand.PSUMS: macs * accb}
    filter_bytes = filters * rs.filter_passes * weight_bytes
    writes = {
        Operand.WEIGHTS: filter_bytes * rs.filter_fan_out,
        Operand.INPUTS: rs.ifmap_fills * ab,
        Operand.PSUMS: macs * accb,
    }
    bus = {
        Operand.WEIGHTS: filter_bytes,
        Operand.INPUTS: rs.ifmap_reads * ab,
        Operand.PSUMS: (2 * rs.psum_round_trips + rs.psum_hops) * accb,
    }
    pitches = {
        Operand.WEIGHTS: bus[Operand.WEIGHTS] * span,
        Operand.INPUTS: bus[Operand.INPUTS] * span,
        Operand.PSUMS: (2 * rs.psum_round_trips * span + rs.psum_hops) * accb,
    }
    return PeTraffic(FrozenMap(reads), FrozenMap(writes), FrozenMap(bus), FrozenMap(pitches), weights_kind)
