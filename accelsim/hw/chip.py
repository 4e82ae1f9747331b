"""A resolved chip: every figure the mapper, scheduler and accounting need, in SI units."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from accelsim.hw.enums import Dataflow, Level, TensorKind
from accelsim.hw.schema import HwConfig


@dataclass(frozen=True)
class MemoryLevel:
    """One resolved memory level. Energies in J per byte; bandwidth None = not a bottleneck.
    `name` is the config's (sram, weight_sram...); `level` what it is."""

    name: str
    level: Level
    capacity_bytes: float
    read_j_per_byte: float
    write_j_per_byte: float
    bandwidth_bytes_per_s: float | None
    leakage_w: float
    holds: tuple[TensorKind, ...]


@dataclass(frozen=True)
class Accelerator:
    """A fully resolved chip: what the mapper and simulator consume."""

    name: str
    config: HwConfig
    rows: int
    cols: int
    dataflow: Dataflow
    clock_hz: float
    weight_bits: int
    activation_bits: int
    accumulator_bits: int
    mac_j: float
    vector_lanes: int
    vector_op_j: float
    register_file: MemoryLevel | None  # capacity per PE
    buffers: tuple[MemoryLevel, ...]
    dram: MemoryLevel
    static_w: float
    power_budget_w: float
    vdd: float
    energy_scale: float  # from 45 nm / 0.9 V to this node and supply
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def macs(self) -> int:
        return self.rows * self.cols

    @property
    def peak_macs_per_s(self) -> float:
        return self.macs * self.clock_hz

    @property
    def peak_tops(self) -> float:
        return 2 * self.peak_macs_per_s / 1e12

    @property
    def mac_tops_per_w(self) -> float:
        """Peak TOPS/W of the MAC array alone: two ops per MAC over its energy."""
        return 2 / self.mac_j / 1e12

    @property
    def onchip_bytes(self) -> float:
        return sum(level.capacity_bytes for level in self.buffers)

    @property
    def split_buffers(self) -> bool:
        """Weights and activations live in separate on-chip buffers."""
        return any(TensorKind.ACTIVATIONS not in lvl.holds for lvl in self.buffers)

    @property
    def sram_bandwidth_bytes_per_s(self) -> float | None:
        """The slowest buffer's bandwidth, or None when no buffer limits the array."""
        return min(
            (lvl.bandwidth_bytes_per_s for lvl in self.buffers if lvl.bandwidth_bytes_per_s), default=None
        )

    def memory(self, level: Level, kind: TensorKind) -> MemoryLevel:
        """Where a tensor kind lives at a level: the register file, DRAM, or the SRAM buffer
        that holds that kind (weights and activations may have buffers of their own). A chip
        without a register file keeps its register traffic in the SRAM."""
        if level == Level.DRAM:
            return self.dram
        if level == Level.REGISTER_FILE and self.register_file is not None:
            return self.register_file
        return next(lvl for lvl in self.buffers if kind in lvl.holds)

    def capacity_for(self, kind: TensorKind) -> float:
        """On-chip bytes that can hold a tensor kind."""
        return sum(level.capacity_bytes for level in self.buffers if kind in level.holds)

    @property
    def ridge_macs_per_byte(self) -> float:
        """Arithmetic intensity at which the DRAM bandwidth and the MAC array balance."""
        return self.peak_macs_per_s / self.dram.bandwidth_bytes_per_s  # type: ignore[operator]

    @property
    def leakage_w(self) -> float:
        return self.static_w + sum(level.leakage_w for level in self.buffers)
