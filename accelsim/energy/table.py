"""The energy-table interface (Accelergy's estimator plug-ins are the model): every figure the
simulator prices comes from one object, each as an `Estimate` with its source. The sourced
default is `accelsim.energy.default.DefaultTable`; bring your own by implementing these methods
(subclassing DefaultTable and overriding one is the short way) and pass it as
`simulate(..., energy_table=...)`, `load_hw(..., energy_table=...)` or a chip YAML's
`energy_table: file.py:Name` (README "Energy defaults and their sources")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Estimate:
    value: float  # SI units: joules, joules per byte, or a plain factor
    source: str  # where the figure comes from (paper, datasheet, derivation)


@dataclass(frozen=True)
class SramEstimate:
    """An SRAM macro as priced: one access of `width_bytes` read and written, J; leakage, W;
    area, m^2; and where the figures come from."""

    read_j: float
    write_j: float
    leakage_w: float
    area_m2: float
    width_bytes: float
    source: str

    @property
    def read_j_per_byte(self) -> float:
        return self.read_j / self.width_bytes

    @property
    def write_j_per_byte(self) -> float:
        return self.write_j / self.width_bytes


@dataclass(frozen=True)
class Technology:
    node_nm: float
    vdd: float  # volts
    flavor: str  # "hp" or "lp" transistors


@dataclass(frozen=True)
class Precision:
    weights: int
    activations: int
    accumulators: int
    floating_point: bool


@runtime_checkable
class EnergyTable(Protocol):
    """Energies at the chip's technology (each method's `tech`)."""

    def node_scale(self, tech: Technology) -> Estimate:
        """Factor from the table's reference technology to `tech` (reported by `hw show`)."""
        ...

    def mac(self, tech: Technology, precision: Precision) -> Estimate:
        """One multiply-accumulate, J."""
        ...

    def vector_op(self, tech: Technology, bits: int, floating: bool) -> Estimate:
        """One element-operation on the vector unit, J."""
        ...

    def register(self, tech: Technology, capacity_bytes: float) -> Estimate:
        """A PE scratchpad (register file) of this size, J per byte read or written."""
        ...

    def flip_flop(self, tech: Technology) -> Estimate:
        """A pipeline or stationary register, J per bit clocked with new data."""
        ...

    def pe_cells(
        self, tech: Technology, precision: Precision, register_bits: float, clock_hz: float
    ) -> Estimate:
        """A PE's standard cells (a multiplier, an adder, `register_bits` of registers) sized for
        the clock, m^2, before placement."""
        ...

    def flop_clock(self, tech: Technology) -> Estimate:
        """What a flip-flop draws each cycle it is clocked, data changing or not, J per bit."""
        ...

    def logic_leakage(self, tech: Technology) -> Estimate:
        """Logic's leakage, W per m^2 of its area."""
        ...

    def wire(self, tech: Technology) -> Estimate:
        """An on-chip wire, J per bit per metre travelled."""
        ...

    def sram(self, tech: Technology, capacity_bytes: float, width_bytes: float, cell: str) -> SramEstimate:
        """An SRAM macro of this capacity, read and written `width_bytes` at a time, of `cell`
        type ("hp" or "lp"): its access energies, leakage and area."""
        ...

    def dram(self, dram_type: str) -> Estimate:
        """A byte moved to or from DRAM of this type, J per byte."""
        ...

    def flash(self) -> Estimate:
        """A byte read from embedded flash, J per byte."""
        ...
