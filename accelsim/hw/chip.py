"""A resolved chip: every figure the mapper, scheduler and accounting need, in SI units."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from accelsim.energy.table import EnergyTable, Technology
from accelsim.hw.enums import OPERANDS, Dataflow, Level, Operand, TensorKind
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
    buffers: tuple[MemoryLevel, ...]
    dram: MemoryLevel
    static_w: float
    power_budget_w: float
    energy_scale: float  # from 45 nm / 0.9 V to this node and supply
    technology: Technology  # node, supply and transistor flavor
    flash: MemoryLevel | None = None  # where the weights live instead of DRAM, if the chip has it
    sources: Mapping[str, str] = field(default_factory=dict)
    # the table that priced what the config left out (None: the default): a variant of this
    # chip, or the same chip in a sweep or a trend, is priced by it too
    energy_table: EnergyTable | None = None
    # how the chip runs a network, as its config says (read from here, never from the config)
    sparse: bool = False  # the array skips MACs with zero (pruned) weights
    fuse: str = "activation+pool"  # what runs on a producer's output path
    priority: str = "activations"  # what the buffer keeps first when not everything fits
    bypass: tuple[Operand, ...] = ()  # operands that may stream past the buffer
    tile_buffers: int = 2  # copies of each streamed DRAM tile

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
        )

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

    @cached_property
    def sram_bandwidth_bytes_per_s(self) -> float | None:
        """The slowest buffer's bandwidth, or None when no buffer limits the array."""
        return min(
            (lvl.bandwidth_bytes_per_s for lvl in self.buffers if lvl.bandwidth_bytes_per_s), default=None
        )

    def memory(self, level: Level, kind: TensorKind) -> MemoryLevel:
        """Where a tensor kind lives: DRAM, flash, or the SRAM buffer that holds that kind
        (weights and activations may have buffers of their own). PE-local storage is `pe`."""
        if level == Level.DRAM:
            return self.dram
        if level == Level.FLASH:
            if self.flash is None:
                raise LookupError(f"chip '{self.name}' has no flash")
            return self.flash
        return next(lvl for lvl in self.buffers if kind in lvl.holds)

    @property
    def weight_home(self) -> Level:
        """Where the weights not kept on chip come from: flash if the chip has it, else DRAM."""
        return Level.DRAM if self.flash is None else Level.FLASH

    @cached_property
    def off_chip_bandwidth(self) -> dict[Level, float]:
        """Bytes/s of each level beyond the SRAM (DRAM, and flash where the chip has it)."""
        return {
            level.level: level.bandwidth_bytes_per_s or math.inf
            for level in (self.dram, self.flash)
            if level is not None
        }

    @property
    def levels(self) -> tuple[MemoryLevel, ...]:
        """The memory levels beyond the PE stores, nearest first: the on-chip buffers, DRAM, and
        flash where the chip has it (what `hw show` lists, in the console and in JSON alike)."""
        return (*self.buffers, self.dram, *([self.flash] if self.flash else []))

    def capacity_for(self, kind: TensorKind) -> float:
        """On-chip bytes that can hold a tensor kind."""
        return sum(level.capacity_bytes for level in self.buffers if kind in level.holds)

    @property
    def ridge_macs_per_byte(self) -> float:
        """Arithmetic intensity at which the DRAM bandwidth and the MAC array balance."""
        return self.peak_macs_per_s / self.off_chip_bandwidth[Level.DRAM]

    @property
    def leakage_w(self) -> float:
        return self.static_w + sum(level.leakage_w for level in self.buffers)
