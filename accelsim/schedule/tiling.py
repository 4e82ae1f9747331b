"""DRAM tiling of one layer: for what streams from DRAM, the tile shapes and loop orders worth
having, each as (working set with its tile buffers, DRAM bytes, tiling)."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from accelsim.hw.chip import Accelerator
from accelsim.ir.engine import Engine
from accelsim.ir.network import RECURRENT, Layer


@dataclass(frozen=True, slots=True)
class Tiling:
    """DRAM traffic of one layer and the tiling that gives it."""

    weight_bytes: float
    input_bytes: float
    output_bytes: float
    tiles: int  # DRAM transfers come in this many pieces
    weight_working: float = 0.0  # the weights' part of the working set (a weight buffer's share)
    working: float = 0.0  # the whole working set on chip, its tile buffers included


# (working set with its tile buffers, DRAM bytes, tiling), by working set, traffic falling
TileOptions = tuple[tuple[float, float, Tiling], ...]


def _powers_of_two(n: int) -> list[int]:
    """1, 2, 4, ... below n, and n itself: the tile counts tried along a dimension of size n."""
    out, k = [], 1
    while k < n:
        out.append(k)
        k *= 2
    return [*out, n]


# The loop nest over DRAM tiles has four loops: output channels K, input channels C (the
# reduction), output rows H and images B, in every order. Which loops index which tensor:
K, C, H, B = range(4)
_INDEXES = {"W": (K, C), "I": (C, H, B), "O": (K, H, B)}
# _POSITION[o, d]: how deep loop d sits in order o (0 = outermost). Rows and images index the
# same tensors, so only orders with the image loop outside the row loop are tried: the other
# half would give the same traffic, less the line buffer's halo reuse.
_POSITION = np.array(
    [p for p in np.argsort(np.array(list(itertools.permutations(range(4)))), axis=1) if p[B] < p[H]]
)


def tile_options(
    layer: Layer,
    batch: int,
    hw: Accelerator,
    weights_from_dram: float,
    input_from_dram: float,
    outputs_to_dram: float,
) -> TileOptions:
    """Every DRAM tiling worth having, as (working set with its tile buffers, DRAM bytes, tiling),
    sorted by working set, each with less DRAM traffic than any smaller one. Independent of the
    space on chip, so one list answers every residency plan. `weights_from_dram` and
    `input_from_dram` are the bytes of weights and inputs that live in DRAM, `outputs_to_dram`
    those the layer writes there (its output, or what a fused pool makes of it).

    The search covers the whole loop nest of an array layer: tile counts (powers of two) along
    output channels, input channels, output rows and the batch, in every loop order. A tensor
    is fetched again for each iteration of a loop that does not index it but runs outside the
    innermost loop that does (the classic reuse rule, as in Timeloop or nn_dataflow); a tensor
    all of whose loops are untiled is fetched once and kept. Partial sums stay on chip: when
    the input channels are tiled, their loop must run inside every loop that indexes the
    output, so each output is written to DRAM once (at activation precision; the partial sums
    in the working set at accumulator precision). Input tiles carry their halo rows."""
    outputs = outputs_to_dram
    if layer.op in RECURRENT:
        buffers = hw.tile_buffers
        return recurrent_options(layer, buffers, weights_from_dram, input_from_dram, outputs)
    if layer.engine != Engine.ARRAY or not (weights_from_dram or input_from_dram or outputs):
        total = weights_from_dram + input_from_dram + outputs
        return ((0.0, total, Tiling(weights_from_dram, input_from_dram, outputs, 1)),)
    psum_scale = hw.accumulator_bits / hw.activation_bits
    if layer.op == "matmul":
        return _matmul_options(layer, batch, hw, input_from_dram, outputs)
    windowed = "kernel" in layer.attrs  # convolutions slide over rows; a linear layer reads it all
    channels = layer.output_shape[0] if windowed or not layer.weight_shape else layer.weight_shape[0]
    in_channels = (
        layer.input_shapes[0][0] if windowed else layer.weight_shape[-1] if layer.weight_shape else 1
    )
    grouped = int(layer.attrs.get("groups", 1)) > 1  # each output channel reads its own inputs
    nest = Nest(
        channels,
        1 if grouped else in_channels,
        layer.output_shape[1] if windowed else 1,
        layer.input_shapes[0][1] if windowed else 1,
        layer.attrs.get("kernel", (1, 1))[0],
        layer.attrs.get("stride", (1, 1))[0],
        batch,
        grouped,
    )
    return _search(nest, weights_from_dram, input_from_dram, outputs, psum_scale, hw.tile_buffers)


def _matmul_options(layer: Layer, batch: int, hw: Accelerator, inputs: float, outputs: float) -> TileOptions:
    """An activation x activation product, (..., m, k) x (..., k, n): one product per head and
    image, each reading its own two operands, run one after another. Each is searched as a
    layer whose output channels are the n columns, its reduction the k, its rows the m: the
    second operand in the weights' place (indexed by columns and reduction), the first in the
    inputs'. Both are activations: their DRAM bytes are the tiling's input bytes."""
    a, b = layer.input_shapes
    products = math.prod(a[:-2]) * batch
    element = hw.activation_bits / 8 * batch
    a_bytes, b_bytes = math.prod(a) * element, math.prod(b) * element
    # which operands live in DRAM: the ones whose bytes make up `inputs`
    a_dram, b_dram = min(
        ((x, y) for x in (0.0, a_bytes) for y in (0.0, b_bytes)), key=lambda pair: abs(sum(pair) - inputs)
    )
    nest = Nest(b[-1], a[-1], a[-2], a[-2], 1, 1, 1, False)
    psum_scale = hw.accumulator_bits / hw.activation_bits
    each = _search(
        nest, b_dram / products, a_dram / products, outputs / products, psum_scale, hw.tile_buffers
    )
    return tuple(
        (
            working,
            dram * products,
            Tiling(
                0.0,
                (t.weight_bytes + t.input_bytes) * products,
                t.output_bytes * products,
                t.tiles * products,
                0.0,
                working,
            ),
        )
        for working, dram, t in each
    )


@dataclass(frozen=True, slots=True)
class Nest:
    """An array layer's loop nest, as the tile search sees it: output and input channels, output
    and input rows, the kernel's height and stride along the rows, images, and whether each
    output channel reads its own inputs (grouped)."""

    channels: int
    in_channels: int
    out_rows: int
    in_rows: int
    kernel_h: int
    stride_h: int
    batch: int
    grouped: bool


@lru_cache(maxsize=65536)
def _search(
    nest: Nest, weights: float, inputs: float, outputs: float, psum_scale: float, buffers: int
) -> TileOptions:
    """tile_options on plain values (cached: sweeps meet the same layer shapes again)."""
    channels, in_channels, out_rows, in_rows = nest.channels, nest.in_channels, nest.out_rows, nest.in_rows
    kernel_h, stride_h, batch, grouped = nest.kernel_h, nest.stride_h, nest.batch, nest.grouped
    grids = np.meshgrid(
        *(np.array(_powers_of_two(size), dtype=float) for size in (channels, in_channels, out_rows, batch)),
        indexing="ij",
    )
    n = np.stack([g.ravel() for g in grids], axis=1)  # (combos, 4): tile counts along K, C, H, B
    rows_needed = np.minimum(in_rows, (np.ceil(out_rows / n[:, H]) - 1) * stride_h + kernel_h)
    input_pass = inputs * rows_needed * n[:, H] / in_rows  # one pass over the rows, halos included
    psum = np.where(n[:, C] > 1, psum_scale, 1.0)
    working = buffers * (
        weights / (n[:, K] * n[:, C])
        + input_pass / n[:, H] / (n[:, C] * n[:, B] * (n[:, K] if grouped else 1))
        + outputs * psum / (n[:, K] * n[:, H] * n[:, B])
    )
    weight_working = buffers * (weights / (n[:, K] * n[:, C]))  # a weight buffer's share of it
    active = (n > 1).T  # (4, combos)
    counts = n.T
    depth = _POSITION.T[:, :, None]  # (4, orders, 1): how deep each loop sits in each order

    def innermost(indexed: tuple[int, ...]) -> np.ndarray:
        """(orders, combos): depth of the innermost tiled loop indexing a tensor (-1: none)."""
        deepest = np.full((len(_POSITION), len(n)), -1)
        for d in indexed:
            deepest = np.maximum(deepest, np.where(active[d], depth[d], -1))
        return deepest

    def refetches(indexed: tuple[int, ...]) -> np.ndarray:
        """(orders, combos): fetches of a tensor, from loops not indexing it that run outside
        its innermost indexing loop."""
        deepest = innermost(indexed)
        factor = np.ones((len(_POSITION), len(n)))
        for d in set(range(4)) - set(indexed):
            factor = np.where(depth[d] < deepest, factor * counts[d], factor)
        return factor

    input_loops = _INDEXES["I"] + ((K,) if grouped else ())
    w = weights * refetches(_INDEXES["W"])
    # Rows visited one after another with the same input channels and images keep their
    # halo rows on chip (a line buffer): the input is then read once per pass.
    sliding = np.broadcast_to(active[H], (len(_POSITION), len(n)))
    for d in input_loops:
        if d != H:
            sliding = sliding & ~(active[d] & (depth[d] > depth[H]))
    i = np.where(sliding, np.minimum(inputs, input_pass), input_pass) * refetches(input_loops)
    dram = w + i + outputs
    if outputs:  # partial sums on chip: the reduction loop runs inside every loop of the output
        inside = np.ones((len(_POSITION), len(n)), dtype=bool)
        for d in _INDEXES["O"]:
            inside &= ~(active[d] & (depth[d] > depth[C]))
        dram = np.where(~active[C] | inside, dram, np.inf)
    best = dram.argmin(axis=0)  # the best order for each tile-count combination
    pick = (best, np.arange(len(n)))
    best_dram, best_w, best_i = dram[pick], w[pick], i[pick]
    tiles = n.prod(axis=1)
    order = np.lexsort((best_dram, working))  # by working set, then traffic
    ranked = best_dram[order]
    # the frontier: options with less traffic than every smaller one
    kept = order[
        np.isfinite(ranked) & (ranked < np.minimum.accumulate(np.concatenate(([np.inf], ranked[:-1]))))
    ]
    frontier = [
        (
            float(working[k]),
            float(best_dram[k]),
            Tiling(
                float(best_w[k]),
                float(best_i[k]),
                outputs,
                int(tiles[k]),
                float(weight_working[k]),
                float(working[k]),
            ),
        )
        for k in kept
    ]
    return tuple(frontier)


def pick_tiling(options: TileOptions, space: float, weight_space: float | None = None) -> Tiling:
    """The least-traffic option whose working set fits `space`; else the smallest one. With
    `weight_space` (split buffers), the weights' part must fit it and the rest `space`."""
    best = options[0][2]
    for working, _, tiling in options:  # sorted by working set, traffic falling
        if weight_space is None:
            if working > space:
                break
            best = tiling
        elif tiling.weight_working <= weight_space and working - tiling.weight_working <= space:
            best = tiling  # later options move less: keep the last that fits both
    return best


def recurrent_options(
    layer: Layer, buffers: int, weights: float, inputs: float, outputs: float
) -> TileOptions:
    """The DRAM choices of a recurrent layer whose weights (`weights` bytes), inputs or
    outputs live in DRAM, as (working set, DRAM bytes, tiling), working set rising: fetch the
    weights row block by row block every step (double-buffered), or keep one direction's
    weights on chip across the steps and fetch them once. Each direction reads the input
    sequence once; the outputs are written once. The working sets are the weights' alone: a
    step's input and output (one frame, one state) are too small to change a choice, and
    leaving them out keeps the choice the same whether the layer's activations stream or not."""
    a = layer.attrs
    steps, directions = a["steps"], a["directions"]
    read_inputs = inputs * directions
    if not weights:
        return ((0.0, read_inputs + outputs, Tiling(0.0, read_inputs, outputs, steps)),)
    row_block = weights / directions / (a["gates"] * a["hidden"])
    streamed = Tiling(weights * steps, read_inputs, outputs, steps, buffers * row_block, buffers * row_block)
    options = [(buffers * row_block, weights * steps + read_inputs + outputs, streamed)]
    if steps > 1:
        kept = Tiling(weights, read_inputs, outputs, steps, weights / directions, weights / directions)
        options.append((weights / directions, weights + read_inputs + outputs, kept))
    return tuple(options)
