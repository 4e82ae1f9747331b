"""SCALE-Sim's three systolic dataflows, each described once: which of the GEMM's dimensions
lie on the array's rows and columns and which streams through time, whether the stationary
operand is loaded into the PEs before the stream, and how often each operand is read from the
buffer. `map/array.py` runs any of them through the same code; row-stationary, which is no
systolic GEMM, has its own module (map/row_stationary.py). A dataflow that is not registered
is an error, never a fall-through to another one's arithmetic.

For a GEMM of Sr output pixels x T window elements x Sc filters (map/array.py):

    weight stationary:  rows <- T,  cols <- Sc, time <- Sr   (weights preloaded)
    output stationary:  rows <- Sr, cols <- Sc, time <- T    (partial sums stay, drained at the end)
    input stationary:   rows <- T,  cols <- Sr, time <- Sc   (inputs preloaded)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from accelsim.errors import AccelsimError, closest
from accelsim.hw.enums import Dataflow

if TYPE_CHECKING:
    from accelsim.map.array import Gemm


@dataclass(frozen=True)
class Reads:
    """Buffer bytes of one array layer: weights and inputs read, folds of the reduction (each
    beyond the first sends partial sums through the accumulators), and the bytes loaded into
    the PEs before streaming (the stationary operand's, for a preloading dataflow)."""

    weights: float
    inputs: float
    reduction_folds: int
    loads: float


@dataclass(frozen=True)
class Systolic:
    """One systolic dataflow. `extents(g)`: (row extent, column extent, temporal extent) of a
    group's GEMM. `preloads`: the stationary operand enters the PEs over R cycles before the
    stream (fill 2R + C, SCALE-Sim's count), else the fill is R + C. `reads(g, rows, cols,
    weights, inputs)`: the buffer traffic, given the stored weight bytes and the im2col input
    stream's bytes. `drains`: the partial sums finish in the PEs and leave them at the end."""

    dataflow: Dataflow
    extents: Callable[[Gemm], tuple[int, int, int]]
    preloads: bool
    reads: Callable[[Gemm, int, int, float, float], Reads]
    drains: bool = False

    @property
    def fill_rows(self) -> int:
        """Row passes before the first result (the fill is this x R + C): 2 with a preload, else 1."""
        return 2 if self.preloads else 1


def _ws_reads(g: Gemm, rows: int, cols: int, weights: float, stream: float) -> Reads:
    # weights read once, into the PEs; the inputs stream once per column fold of the filters
    return Reads(weights, stream * math.ceil(g.sc / cols), math.ceil(g.t / rows), weights)


def _os_reads(g: Gemm, rows: int, cols: int, weights: float, stream: float) -> Reads:
    # the reduction finishes in the PEs; weights stream once per row fold of the pixels
    return Reads(weights * math.ceil(g.sr / rows), stream * math.ceil(g.sc / cols), 1, 0.0)


def _is_reads(g: Gemm, rows: int, cols: int, weights: float, stream: float) -> Reads:
    # inputs read once, into the PEs; weights stream once per column fold of the pixels
    return Reads(weights * math.ceil(g.sr / cols), stream, math.ceil(g.t / rows), stream)


SYSTOLIC: dict[Dataflow, Systolic] = {
    s.dataflow: s
    for s in (
        Systolic(Dataflow.WEIGHT_STATIONARY, lambda g: (g.t, g.sc, g.sr), True, _ws_reads),
        Systolic(Dataflow.OUTPUT_STATIONARY, lambda g: (g.sr, g.sc, g.t), False, _os_reads, drains=True),
        Systolic(Dataflow.INPUT_STATIONARY, lambda g: (g.t, g.sr, g.sc), True, _is_reads),
    )
}


def systolic(dataflow: Dataflow) -> Systolic:
    """The registered systolic dataflow of this name."""
    if dataflow not in SYSTOLIC:
        names = [str(d) for d in SYSTOLIC]
        raise AccelsimError(
            f"dataflow '{dataflow}' has no systolic mapping{closest(str(dataflow), names)}; expected one of "
            f"{', '.join(names)} (or row_stationary, mapped on its own)"
        )
    return SYSTOLIC[dataflow]
