"""DRAM tiling of one layer: for what streams from DRAM, the tile shapes and loop orders worth
having, each as (double-buffered working set, DRAM bytes, tiling)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from accelsim.hw.chip import Accelerator
from accelsim.hw.enums import Engine
from accelsim.ir.network import Layer


@dataclass(frozen=True)
class Tiling:
    """DRAM traffic of one layer and the tiling that gives it."""

    weight_bytes: float
    input_bytes: float
    output_bytes: float
    tiles: int  # DRAM transfers come in this many pieces


# (double-buffered working set, DRAM bytes, tiling), by working set, traffic falling
TileOptions = tuple[tuple[float, float, Tiling], ...]


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
) -> TileOptions:
    """Every tiling worth having, as (double-buffered working set, DRAM bytes, tiling), sorted
    by working set, each with less DRAM traffic than any smaller one: output-channel tiles x
    output-row tiles (powers of two) in two loop orders. Independent of the space on chip, so
    one list answers every residency plan. `weights_from_dram` and `input_from_dram` are the
    bytes of weights and inputs that live in DRAM."""
    ab = hw.activation_bits / 8
    weights = weights_from_dram
    outputs = layer.output_elements * batch * ab if output_to_dram else 0.0
    if layer.engine != Engine.ARRAY or not (weights or input_from_dram or outputs):
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


def pick_tiling(options: TileOptions, space: float) -> Tiling:
    """The least-traffic option whose working set fits `space`; else the smallest one."""
    best = options[0][2]
    for working, _, tiling in options:  # sorted by working set, traffic falling
        if working > space:
            break
        best = tiling
    return best
