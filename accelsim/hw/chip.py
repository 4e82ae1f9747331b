"""A resolved chip: every figure the mapper, scheduler and accounting need, in SI units."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from accelsim.energy.table import EnergyTable, Technology
from accelsim.hw.enums import OPERANDS, TENSOR_KINDS, Dataflow, Level, Operand, TensorKind
from accelsim.hw.schema import HwConfig


@dataclass(frozen=True)
class MemoryLevel:
    """One resolved memory level. Energies in J per byte; bandwidth None = not a bottleneck.
    `name` is the config's (sram, weight_sram, hbm...); `level` its kind (on-chip SRAM, DRAM,
    flash)."""

    name: str
    level: Level
    capacity_bytes: float
    read_j_per_byte: float
    write_j_per_byte: float
    bandwidth_bytes_per_s: float | None
    leakage_w: float
    holds: tuple[TensorKind, ...]
    width_bytes: float | None = None  # an SRAM's bytes per access
    area_m2: float = 0.0  # on chip: the macro's

    @property
    def on_chip(self) -> bool:
        return self.level == Level.SRAM


REGISTER_WORDS = 2  # a PE store of up to this many words is flip-flops; more is a scratchpad


@dataclass(frozen=True)
class PeStore:
    """What each PE keeps of one operand. A register (flip-flops) costs energy when written
    with new data and nothing to read (its output drives the datapath directly); a scratchpad
    costs every read and every write."""

    operand: Operand
    words: int
    word_bytes: float
    j_per_byte: float

    @property
    def registers(self) -> bool:
        return self.words <= REGISTER_WORDS

    @property
    def capacity_bytes(self) -> float:
        return self.words * self.word_bytes


@dataclass(frozen=True)
class PeArray:
    """The PEs' local storage and the wires between them."""

    stores: Mapping[Operand, PeStore]
    pitch_m: float  # PE to PE
    hop_j_per_byte: float  # one byte over one pitch of wire
    transfer_j_per_byte: float | None  # the config's flat price per byte moved, if it gives one

    @property
    def capacity_bytes(self) -> float:
        """Bytes each PE holds."""
        return sum(store.capacity_bytes for store in self.stores.values())


@dataclass(frozen=True)
class Datapath:
    """The chip as the mapper sees it: every figure a layer's mapping depends on, and nothing
    else, so mappings can be cached by it across chips that differ elsewhere (a sweep's SRAM
    sizes, DRAM, energies)."""

    rows: int
    cols: int
    dataflow: Dataflow
    weight_bits: int
    activation_bits: int
    accumulator_bits: int
    vector_lanes: int
    pe_words: tuple[int, int, int]  # words per PE of weights, inputs, partial sums
    gemv: str = "array"  # where matrix-vector products may run: "array" or also "vector"


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
    pe: PeArray
    accumulator_j_per_byte: float  # the partial-sum SRAM beside the array
    # beyond the PE stores, nearest the array first: the on-chip buffers, then off-chip levels
    levels: tuple[MemoryLevel, ...]
    static_w: float  # the logic's leakage and clock power (or the config's static_power)
    power_budget_w: float
    energy_scale: float  # from 45 nm / 0.9 V to this node and supply
    technology: Technology  # node, supply and transistor flavor
    sources: Mapping[str, str] = field(default_factory=dict)
    # the table that priced what the config left out (None: the default): a variant of this
    # chip, or the same chip in a sweep or a trend, is priced by it too
    energy_table: EnergyTable | None = None
    # how the chip runs a network, as its config says (read from here, never from the config)
    sparse: bool = False  # the array skips MACs with zero (pruned) weights
    gemv: str = "array"  # where matrix-vector products may run: the array, or also the vector lanes
    fuse: str = "activation+pool"  # what runs on a producer's output path
    priority: str = "activations"  # what the buffer keeps first when not everything fits
    bypass: tuple[Operand, ...] = ()  # operands that may stream past the buffer
    tile_buffers: int = 2  # copies of each streamed DRAM tile
    area_breakdown_m2: Mapping[str, float] = field(default_factory=dict)  # by component
    static_parts_w: Mapping[str, float] = field(default_factory=dict)  # what static_w is made of
    pe_memory_leakage_w: float = 0.0  # the PE scratchpads' and the accumulators' SRAM

    @cached_property
    def datapath(self) -> Datapath:
        weights, inputs, psums = (self.pe.stores[operand].words for operand in OPERANDS)
        return Datapath(
            self.rows,
            self.cols,
            self.dataflow,
            self.weight_bits,
            self.activation_bits,
            self.accumulator_bits,
            self.vector_lanes,
            (weights, inputs, psums),
            self.gemv,
        )

    @property
    def area_m2(self) -> float:
        return sum(self.area_breakdown_m2.values())

    @property
    def tops_per_mm2(self) -> float:
        """Peak TOPS per mm^2 of the chip's area."""
        return self.peak_tops / (self.area_m2 * 1e6) if self.area_m2 else 0.0

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

    @cached_property
    def buffers(self) -> tuple[MemoryLevel, ...]:
        """The on-chip levels, nearest the array first."""
        return tuple(level for level in self.levels if level.on_chip)

    def level(self, name: str) -> MemoryLevel:
        """The memory level called `name`."""
        found = next((level for level in self.levels if level.name == name), None)
        if found is None:
            raise LookupError(f"chip '{self.name}' has no memory level '{name}'")
        return found

    @cached_property
    def off_chip(self) -> tuple[MemoryLevel, ...]:
        """The off-chip levels, nearest first (DRAM, HBM, flash)."""
        return tuple(level for level in self.levels if not level.on_chip)

    @property
    def onchip_bytes(self) -> float:
        return sum(level.capacity_bytes for level in self.buffers)

    def buffer_for(self, kind: TensorKind) -> MemoryLevel:
        """Where a tensor kind lives on chip: the outermost buffer that holds it (residency pins
        and keeps tensors there, and DRAM tiles land there)."""
        return self._homes[kind]

    @cached_property
    def _homes(self) -> dict[TensorKind, MemoryLevel]:
        """Each tensor kind's buffer, found once (residency and placement ask per layer)."""
        return {kind: [lvl for lvl in self.buffers if kind in lvl.holds][-1] for kind in TENSOR_KINDS}

    def staging_for(self, kind: TensorKind) -> tuple[MemoryLevel, ...]:
        """The buffers between the array and `buffer_for(kind)` that hold the kind too (a local
        buffer per array), nearest the array first: each stages tiles for the one inside it."""
        return tuple(level for level in self.buffers if kind in level.holds)[:-1]

    @cached_property
    def buffer_names(self) -> dict[TensorKind, str]:
        """Each tensor kind's buffer (`buffer_for`), by name."""
        return {kind: self.buffer_for(kind).name for kind in TENSOR_KINDS}

    @cached_property
    def staged(self) -> bool:
        """Some tensor kind passes through more than one buffer on its way to the array."""
        return any(self.staging_for(kind) for kind in TENSOR_KINDS)

    def holding(self, kind: TensorKind) -> tuple[MemoryLevel, ...]:
        """The off-chip levels that hold a tensor kind, nearest first."""
        return tuple(level for level in self.off_chip if kind in level.holds)

    @cached_property
    def split_buffers(self) -> bool:
        """Weights and activations live in separate on-chip buffers."""
        return self.buffer_for(TensorKind.WEIGHTS) is not self.buffer_for(TensorKind.ACTIVATIONS)

    @property
    def main_memory(self) -> MemoryLevel:
        """The nearest off-chip level holding activations: where they spill (DRAM, or HBM)."""
        return self.holding(TensorKind.ACTIVATIONS)[0]

    @property
    def flash(self) -> MemoryLevel | None:
        """The chip's flash, if it has one (weights read from non-volatile memory)."""
        return next((level for level in self.off_chip if level.level == Level.FLASH), None)

    @cached_property
    def off_chip_bandwidth(self) -> dict[str, float]:
        """Bytes/s of each off-chip level, by name (one DMA engine moves them all)."""
        return {level.name: level.bandwidth_bytes_per_s or math.inf for level in self.off_chip}

    def capacity_for(self, kind: TensorKind) -> float:
        """On-chip bytes that can hold a tensor kind (in its buffer)."""
        return self.buffer_for(kind).capacity_bytes

    @property
    def ridge_macs_per_byte(self) -> float:
        """Arithmetic intensity at which the DRAM bandwidth and the MAC array balance."""
        return self.peak_macs_per_s / (self.main_memory.bandwidth_bytes_per_s or math.inf)

    @property
    def memory_leakage_w(self) -> float:
        """The memories' leakage: the levels', the PE scratchpads' and the accumulators' (an
        SRAM's from its bits, README "SRAM macros")."""
        return sum(level.leakage_w for level in self.levels) + self.pe_memory_leakage_w

    @property
    def leakage_w(self) -> float:
        """All static power: the logic's leakage and clock (`static_w`) and the memories' leakage."""
        return self.static_w + self.memory_leakage_w
