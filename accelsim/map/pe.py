"""Traffic inside the MAC array: what each operand does in the PEs' own storage (reads and
writes of registers or scratchpads) and on the wires between PEs (README "PE-local energy").

A systolic array (SCALE-Sim's three dataflows) keeps one operand in each PE and passes the
other two on to its neighbour every cycle through one pipeline register each:

    weight stationary:  weights held;  inputs and partial sums passed on (one hop each)
    output stationary:  partial sums held (the accumulator); weights and inputs passed on
    input stationary:   inputs held;   weights and partial sums passed on

so every MAC writes the two moving operands into the next PE's registers and moves them one
PE pitch; the held operand is written when it is loaded (once per fold) and read by every MAC.
Row-stationary arrays have scratchpads and buses instead (map/row_stationary.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from accelsim.frozen import FrozenMap
from accelsim.hw.chip import PeArray
from accelsim.hw.enums import OPERANDS, Dataflow, Operand, TensorKind

STATIONARY = {
    Dataflow.WEIGHT_STATIONARY: Operand.WEIGHTS,
    Dataflow.OUTPUT_STATIONARY: Operand.PSUMS,
    Dataflow.INPUT_STATIONARY: Operand.INPUTS,
}


@dataclass(frozen=True, slots=True)
class PeTraffic:
    """Bytes per operand, whole layer: PE store reads and writes, bytes moved over the array's
    wires (`bus`), and those bytes times the PE pitches each travelled (`bus_pitches`)."""

    reads: Mapping[Operand, float] = field(default_factory=FrozenMap)
    writes: Mapping[Operand, float] = field(default_factory=FrozenMap)
    bus: Mapping[Operand, float] = field(default_factory=FrozenMap)
    bus_pitches: Mapping[Operand, float] = field(default_factory=FrozenMap)
    weights_kind: TensorKind = TensorKind.WEIGHTS  # an activation for activation x activation matmuls

    def scaled(self, factor: float) -> PeTraffic:
        """Every amount times `factor` (a sparse array skipping pruned weights' MACs)."""

        def scale(moved: Mapping[Operand, float]) -> FrozenMap[Operand, float]:
            return FrozenMap({k: v * factor for k, v in moved.items()})

        return PeTraffic(
            scale(self.reads), scale(self.writes), scale(self.bus), scale(self.bus_pitches), self.weights_kind
        )

    def merged(self, other: PeTraffic, times: float = 1.0) -> PeTraffic:
        """This traffic and `times` x `other` (a step repeated); `other` names the weights' kind."""

        def add(mine: Mapping[Operand, float], theirs: Mapping[Operand, float]) -> FrozenMap[Operand, float]:
            return FrozenMap({k: mine.get(k, 0.0) + theirs.get(k, 0.0) * times for k in {*mine, *theirs}})

        return PeTraffic(
            add(self.reads, other.reads),
            add(self.writes, other.writes),
            add(self.bus, other.bus),
            add(self.bus_pitches, other.bus_pitches),
            other.weights_kind,
        )

    def accesses(self) -> float:
        """PE store bytes read and written, every operand."""
        return sum(self.reads.values()) + sum(self.writes.values())

    def energy(self, pe: PeArray) -> tuple[dict[Operand, float], dict[Operand, float]]:
        """(PE store energy, array wire energy) per operand, J. Registers cost their writes only."""
        stores, wires = {}, {}
        for operand in OPERANDS:
            store = pe.stores[operand]
            read = 0.0 if store.registers else self.reads.get(operand, 0.0)
            stores[operand] = (read + self.writes.get(operand, 0.0)) * store.j_per_byte
            if pe.transfer_j_per_byte is not None:
                wires[operand] = self.bus.get(operand, 0.0) * pe.transfer_j_per_byte
            else:
                wires[operand] = self.bus_pitches.get(operand, 0.0) * pe.hop_j_per_byte
        return stores, wires


def systolic_pe_traffic(
    dataflow: Dataflow,
    macs: float,
    operand_bytes: Mapping[Operand, float],
    loads: float,
    drained: float,
    rows: int,
    weights_kind: TensorKind,
) -> PeTraffic:
    """PE traffic of a systolic layer of `macs` MACs. `operand_bytes`: bytes per element of each
    operand (partial sums at accumulator width); `loads`: bytes of the stationary operand loaded
    into the PEs (it shifts down the columns, rows/2 pitches on average); `drained`: bytes of
    finished accumulators shifted out of an output-stationary array the same way."""
    held = STATIONARY[dataflow]
    reads, writes, bus, pitches = {}, {}, {}, {}
    for operand in OPERANDS:
        per_mac = macs * operand_bytes[operand]
        reads[operand] = per_mac
        if operand == held:
            writes[operand] = per_mac if operand == Operand.PSUMS else loads
            bus[operand] = drained if operand == Operand.PSUMS else loads
            pitches[operand] = bus[operand] * rows / 2
        else:
            writes[operand] = bus[operand] = pitches[operand] = per_mac
    return PeTraffic(FrozenMap(reads), FrozenMap(writes), FrozenMap(bus), FrozenMap(pitches), weights_kind)
