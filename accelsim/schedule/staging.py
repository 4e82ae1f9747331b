"""The array's buffer traffic placed in the chip's on-chip levels. A tensor kind lives in the
outermost buffer that holds it (`Accelerator.buffer_for`); a buffer nearer the array that holds
the same kind (a local buffer) stages it: it is tiled for that buffer as the DRAM is tiled for
the outermost one (the same loop-nest search, within the nearer buffer's capacity), level by
level, nearest the array first, as nn_dataflow tiles its register file inside its global buffer.

For each tensor kind, what the array reads of it (or writes) is served by the nearest buffer
holding it; that buffer then moves, from the one above it, what its tiling needs (of the
tilings that fit it, the one leaving the least traffic above), when that is less than it
serves. Else it gains nothing and the kind passes it by: a buffer too small for any tile (zero
capacity included) changes nothing, and a bigger one never moves more from the level above."""

from __future__ import annotations

from collections.abc import Mapping

from accelsim.hw.chip import Accelerator, MemoryLevel
from accelsim.hw.enums import Level, TensorKind
from accelsim.ir.engine import Engine
from accelsim.ir.moves import dram_outputs, weights_read
from accelsim.ir.network import Layer
from accelsim.map.array import ArrayMapping
from accelsim.map.traffic import Traffic
from accelsim.schedule.context import Run
from accelsim.schedule.tiling import Tiling, tile_options


def placed(run: Run, layer: Layer, mapping: ArrayMapping) -> Traffic:
    """The mapping's buffer traffic (keyed by `Level.SRAM`: the buffer next to the array) at
    the chip's buffers, by name: the kind's own buffer, through any staging buffers."""
    chip = run.chip
    traffic = mapping.traffic
    names = chip.buffer_names
    if not chip.staged and all(names[kind] == Level.SRAM for _, kind in (*traffic.read, *traffic.write)):
        return traffic  # each kind's buffer is the one called "sram": the keys already name it
    reads = {kind: amount for (_, kind), amount in traffic.read.items()}
    writes = {kind: amount for (_, kind), amount in traffic.write.items()}
    moves: list[tuple[str, TensorKind, float, float]] = []
    if mapping.engine == Engine.ARRAY and chip.staged:
        for level in _staging_levels(chip):
            tiling = _tiling(run, layer, level, reads, writes)
            for kind in level.holds:
                if kind not in reads and kind not in writes:
                    continue
                served_r, served_w = reads.get(kind, 0.0), writes.get(kind, 0.0)
                above_r, above_w = _from_above(tiling, kind, served_r, served_w)
                # each direction is staged only where it gains (else it passes this buffer by)
                fill, drain = (above_r, served_r) if above_r < served_r else (0.0, 0.0)
                absorb, spill = (served_w, above_w) if above_w < served_w else (0.0, 0.0)
                if fill or drain or absorb or spill:
                    moves.append((level.name, kind, drain + spill, fill + absorb))
                reads[kind], writes[kind] = above_r, above_w
    for kind in dict.fromkeys((*reads, *writes)):
        moves.append((names[kind], kind, reads.get(kind, 0.0), writes.get(kind, 0.0)))
    return Traffic().moving(*moves)


def _staging_levels(chip: Accelerator) -> list[MemoryLevel]:
    """The buffers that stage some kind for a buffer farther out, nearest the array first."""
    staging = {level.name for kind in TensorKind for level in chip.staging_for(kind)}
    return [level for level in chip.buffers if level.name in staging]


def _tiling(
    run: Run,
    layer: Layer,
    level: MemoryLevel,
    reads: Mapping[TensorKind, float],
    writes: Mapping[TensorKind, float],
) -> Tiling | None:
    """The tiling of the layer's tensors of the kinds `level` holds (each in the level above)
    that fits it and leaves the least traffic above it, serving `reads` and `writes` (None: no
    tile fits). Every fitting option is weighed, so a bigger level, with more options, never
    leaves more traffic above it."""
    holds = level.holds
    sizes = run.element_bytes
    weights = (
        weights_read(layer, run.layer_weights[layer.name], run.batch) if TensorKind.WEIGHTS in holds else 0.0
    )
    acts = TensorKind.ACTIVATIONS in holds
    inputs = sum(sizes[src] for src in layer.inputs) if acts else 0.0
    outputs = dram_outputs(layer, sizes[run.fusion.written(layer.name)]) if acts else 0.0
    options = tile_options(layer, run.batch, run.chip, weights, inputs, outputs)
    fits = [tiling for working, _, tiling in options if working <= level.capacity_bytes]

    def above(tiling: Tiling) -> float:
        return sum(sum(_from_above(tiling, k, reads.get(k, 0.0), writes.get(k, 0.0))) for k in holds)

    return min(fits, key=above, default=None)


def _from_above(
    tiling: Tiling | None, kind: TensorKind, served_r: float, served_w: float
) -> tuple[float, float]:
    """(read, write) bytes a staging buffer moves from and to the level above for one tensor
    kind, serving `served_r` and `served_w` to the array: its tiling's when that is less, else
    all of it (the kind passes the buffer by)."""
    if tiling is None:
        return served_r, served_w
    tiled: Mapping[TensorKind, tuple[float, float]] = {
        TensorKind.WEIGHTS: (tiling.weight_bytes, 0.0),
        TensorKind.ACTIVATIONS: (tiling.input_bytes, tiling.output_bytes),
    }
    read, write = tiled.get(kind, (served_r, served_w))
    return min(read, served_r), min(write, served_w)
