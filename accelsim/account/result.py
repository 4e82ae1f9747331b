"""The result of a simulation: plain values with units in their names, and their exports."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

DYNAMIC_COMPONENTS = ("mac", "register_file", "array_bus", "sram", "dram", "flash", "vector")  # per layer too
COMPONENTS = (*DYNAMIC_COMPONENTS, "memory_leakage", "static")
MEMORY_DYNAMIC = ("register_file", "sram", "dram", "flash")
MEMORY_COMPONENTS = (*MEMORY_DYNAMIC, "memory_leakage")  # what the memory share counts
# How tables and figures name the components (the identifiers stay in JSON and column names).
COMPONENT_LABELS = {
    "mac": "MACs",
    "register_file": "PE registers",
    "array_bus": "array wires",
    "sram": "SRAM",
    "dram": "DRAM",
    "flash": "flash",
    "vector": "vector unit",
    "memory_leakage": "memory leakage",
    "static": "static (logic, clock)",
}
AREA_LABELS = {
    "pe_array": "PE array",
    "pe_scratchpads": "PE scratchpads",
    "vector": "vector unit",
    "accumulators": "accumulators",
    "buffers": "buffers",
    "other": "other (config)",
}
STATIC_PARTS = ("logic_leakage", "clock")  # what the model derives static power from
STATIC_LABELS = {"logic_leakage": "logic leakage", "clock": "clock", "static_power": "static_power (config)"}


@dataclass(frozen=True, slots=True)
class LayerResult:
    """One layer of a simulated network.

    Attributes:
        name: the layer's name (`block/layer` inside a block instance).
        kind: its op (conv, dwconv, linear, relu...).
        engine: where it runs: `array`, `vector`, or `none` (views move nothing).
        macs: multiply-accumulates per inference.
        cycles: compute cycles for the whole batch, fill and drain included.
        scalesim_cycles: SCALE-Sim's count for the layer (grouped convs one group at a time),
            None where SCALE-Sim has no such layer.
        utilization: useful MACs (or vector ops) over the engine's capacity while busy, 0-1.
        start_s: when the layer starts in the batch's timeline, s.
        end_s: when it ends, s.
        energy_j: dynamic energy per inference, J (static power is chip-wide, not per layer).
        energy_breakdown_j: that energy by component (mac, register_file, array_bus, sram,
            dram, flash, vector), J.
        dram_bytes: bytes moved to and from DRAM per inference.
        flash_bytes: weight bytes read from flash per inference (0 on a chip without flash).
        weight_bytes: the layer's weights as stored on this chip (precision, compression), B.
        weights_pinned: the weights stay on chip between inferences.
        bypassed: operands streamed between DRAM and the array past the buffer.
        pe_bytes: PE register and scratchpad bytes read and written per inference.
        array_bus_bytes: bytes moved over the array's wires per inference.
    """

    name: str
    kind: str
    engine: str
    macs: int
    cycles: int
    scalesim_cycles: int | None
    utilization: float
    start_s: float
    end_s: float
    energy_j: float
    energy_breakdown_j: dict[str, float]
    dram_bytes: float
    flash_bytes: float
    weight_bytes: float
    weights_pinned: bool
    bypassed: tuple[str, ...]
    pe_bytes: float
    array_bus_bytes: float

    def __repr__(self) -> str:
        return (
            f"LayerResult({self.name}: {self.kind} on {self.engine}, {self.macs:,} MACs, "
            f"{self.energy_j * 1e6:.4g} uJ, {self.dram_bytes:,.0f} B from DRAM)"
        )


@dataclass(frozen=True)
class Result:
    """One simulated inference (or batch) of a network on a chip: `accelsim run`'s answer.
    Energies are per inference; `repr(result)` is its headline, `to_dict()` the JSON document,
    `to_dataframe()` the layers.

    Attributes:
        network: the network's name.
        hardware: the chip's name.
        compression: the compression spec's name, None without compression.
        mode: `steady` (weights pinned from the previous inference) or `cold`.
        batch: inferences per batch.
        weight_bytes: all weights as stored on this chip (precision, compression), B.
        onchip_bytes: the chip's on-chip buffer capacity, B.
        weights_fit_on_chip: all weights fit the on-chip capacity that can hold weights.
        working_set_fits_on_chip: weights plus the peak live activations fit together.
        activations_fit_on_chip: no activation spills to DRAM (only the input and outputs move).
        kv_cache_bytes: a language model's KV caches after this pass, batch included, B (0 for
            others).
        kv_cache_fits_on_chip: every KV cache stays on chip between tokens (true without one).
        pinned_weight_bytes: weights kept on chip between inferences, B.
        peak_activation_bytes: the most activation bytes live at once (liveness), B.
        latency_s: the whole batch, s.
        throughput_fps: inferences per second.
        fps: the operating point for power, inferences per second: the throughput unless given.
        energy_j: per inference, J.
        power_w: the system's (chip and DRAM) at `fps`, W.
        chip_power_w: the chip alone, as silicon papers report it (embedded flash in), W.
        power_budget_w: the chip's budget, W.
        energy_breakdown_j: per inference by component (mac, register_file, array_bus, sram,
            dram, flash, vector, memory_leakage, static), J; sums to `energy_j`.
        energy_by_tensor_j: memory energy per inference by tensor kind, J.
        memory_energy_j: each memory component's energy by tensor kind, J.
        memory_share: the memories' energy over the total, 0-1: PE registers, SRAM, DRAM (and
            flash), dynamic, and the memory levels' leakage.
        dynamic_memory_share: the memories' dynamic energy over the dynamic energy, 0-1.
        dram_share: DRAM over the total energy, 0-1.
        dram_bytes: bytes moved to and from DRAM per inference, by weights / activations /
            kv_cache.
        flash_bytes: weight bytes read from flash per inference (0 on a chip without flash).
        engine_busy_s: seconds each engine (array, vector, dma) is busy for the batch.
        peak_macs_per_s: the array's peak, MAC/s.
        dram_bandwidth_bytes_per_s: the DRAM's bandwidth, B/s.
        weight_capacity_bytes: on-chip bytes that can hold weights.
        flash_capacity_bytes: the flash's capacity, B (0 on a chip without flash).
        layers: each layer's LayerResult, in order.
        timeline: (engine, layer, start_s, end_s) for every busy span of the batch.
        area_mm2: the chip's area, mm^2 (README "Area"); area_breakdown_mm2 by component.
        group_size: images per group the batch ran in (README "Batches"): the per-layer figures
            (cycles, start and end), the timeline and the peak live activations are one group's.
        level_traffic: each memory level of the chip's list, by name, nearest the array first:
            bytes read and written there per inference (read_bytes, write_bytes) and their
            dynamic energy (energy_j), J.
        overfilled: the layers whose smallest DRAM tiling still overfills a buffer (rows are
            the finest tiles searched: a conv stem on a few-KiB buffer), as layer -> (buffer,
            bytes held, its capacity); the model runs them over capacity, so their traffic is
            optimistic. Empty on a chip whose buffers every layer fits.
    """

    network: str
    hardware: str
    compression: str | None
    mode: str
    batch: int
    weight_bytes: float
    onchip_bytes: float
    weights_fit_on_chip: bool
    working_set_fits_on_chip: bool
    activations_fit_on_chip: bool
    kv_cache_bytes: float
    kv_cache_fits_on_chip: bool
    pinned_weight_bytes: float
    peak_activation_bytes: float
    latency_s: float
    throughput_fps: float
    fps: float
    energy_j: float
    power_w: float
    chip_power_w: float
    power_budget_w: float
    energy_breakdown_j: dict[str, float]
    energy_by_tensor_j: dict[str, float]
    memory_energy_j: dict[str, dict[str, float]]
    memory_share: float
    dynamic_memory_share: float
    dram_share: float
    dram_bytes: dict[str, float]
    flash_bytes: float
    engine_busy_s: dict[str, float]
    peak_macs_per_s: float
    dram_bandwidth_bytes_per_s: float
    weight_capacity_bytes: float
    flash_capacity_bytes: float
    layers: tuple[LayerResult, ...]
    timeline: tuple[tuple[str, str, float, float], ...] = ()
    level_traffic: dict[str, dict[str, float]] = field(default_factory=dict)
    area_mm2: float = 0.0
    area_breakdown_mm2: dict[str, float] = field(default_factory=dict)
    group_size: int = 1
    overfilled: dict[str, tuple[str, float, float]] = field(default_factory=dict)

    def __repr__(self) -> str:
        from accelsim.units import BYTES, ENERGY, TIME, format_si

        fit = "yes" if self.weights_fit_on_chip else "no"
        return (
            f"Result({self.network} on {self.hardware}, {self.mode}, batch {self.batch}: weights fit "
            f"on chip {fit} ({format_si(self.weight_bytes, BYTES)}); {format_si(self.latency_s, TIME)}, "
            f"{format_si(self.energy_j, ENERGY)} per inference, memory share {self.memory_share:.1%}, "
            f"DRAM share {self.dram_share:.1%}; {len(self.layers)} layers)"
        )

    @property
    def static_energy_j(self) -> float:
        """Leakage and static power over the time an inference occupies the chip."""
        return self.energy_breakdown_j["static"] + self.energy_breakdown_j["memory_leakage"]

    @property
    def inferences_per_s_per_mm2(self) -> float:
        """Throughput per mm^2 of the chip (0 where the area is unknown)."""
        return self.throughput_fps / self.area_mm2 if self.area_mm2 else 0.0

    @property
    def dynamic_energy_j(self) -> float:
        """Switching energy: MACs, memories, wires, vector unit."""
        return self.energy_j - self.static_energy_j

    @property
    def within_budget(self) -> bool:
        return self.power_w <= self.power_budget_w

    def components(self, dynamic: bool = False) -> tuple[str, ...]:
        """The chip's energy components (without static: `dynamic`); flash where it has flash."""
        names = DYNAMIC_COMPONENTS if dynamic else COMPONENTS
        return tuple(name for name in names if name != "flash" or self.flash_capacity_bytes)

    @property
    def weights_fit_in_flash(self) -> bool:
        """The chip has flash and all weights, as stored, fit in it."""
        return 0 < self.weight_bytes <= self.flash_capacity_bytes

    def to_dict(self) -> dict[str, Any]:
        """The `accelsim run --json` document."""
        data = asdict(self)
        data["layers"] = [asdict(layer) for layer in self.layers]
        data["within_budget"] = self.within_budget
        data["weights_fit_in_flash"] = self.weights_fit_in_flash
        data["inferences_per_s_per_mm2"] = self.inferences_per_s_per_mm2
        return data

    def to_dataframe(self) -> Any:
        """Per-layer pandas DataFrame (pandas is optional: pip install pandas)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("Result.to_dataframe() needs pandas: pip install pandas") from exc
        rows = []
        for layer in self.layers:
            row = {k: v for k, v in asdict(layer).items() if k != "energy_breakdown_j"}
            row.update({f"energy_{k}_j": v for k, v in layer.energy_breakdown_j.items()})
            rows.append(row)
        return pd.DataFrame(rows).set_index("name")


# One flat row of a result's headline figures (units in the names): the columns of `compare`
# tables and of sweep databases.
SUMMARY_FIELDS = (
    "network",
    "hardware",
    "weights_fit_on_chip",
    "working_set_fits_on_chip",
    "weight_bytes",
    "onchip_bytes",
    "latency_s",
    "throughput_fps",
    "energy_j",
    "energy_dynamic_j",
    "power_w",
    "chip_power_w",
    "power_budget_w",
    "memory_share",
    "dynamic_memory_share",
    "dram_share",
    "dram_bytes_weights",
    "dram_bytes_activations",
    "area_mm2",
    "inferences_per_s_per_mm2",
    *(f"energy_{c}_j" for c in COMPONENTS),
)


# Typed summary fields: true/false, and byte counts as whole bytes (the rest are real numbers).
BOOLEAN_FIELDS = ("weights_fit_on_chip", "working_set_fits_on_chip")
BYTE_FIELDS = ("weight_bytes", "onchip_bytes", "dram_bytes_weights", "dram_bytes_activations")


def whole_bytes(nbytes: float) -> int:
    """A byte count as whole bytes: bit-level sizes (4-bit weights, Huffman codes) round up."""
    nearest = round(nbytes)
    return int(nearest) if abs(nbytes - nearest) <= 1e-6 * max(1.0, nbytes) else math.ceil(nbytes)


def summary(result: Result) -> dict[str, Any]:
    """One flat row of a result's headline figures (units in the names): SUMMARY_FIELDS."""
    row: dict[str, Any] = {
        "network": result.network,
        "hardware": result.hardware,
        "weights_fit_on_chip": result.weights_fit_on_chip,
        "working_set_fits_on_chip": result.working_set_fits_on_chip,
        "weight_bytes": whole_bytes(result.weight_bytes),
        "onchip_bytes": whole_bytes(result.onchip_bytes),
        "latency_s": result.latency_s,
        "throughput_fps": result.throughput_fps,
        "energy_j": result.energy_j,
        "energy_dynamic_j": result.dynamic_energy_j,
        "power_w": result.power_w,
        "chip_power_w": result.chip_power_w,
        "power_budget_w": result.power_budget_w,
        "memory_share": result.memory_share,
        "dynamic_memory_share": result.dynamic_memory_share,
        "dram_share": result.dram_share,
        "dram_bytes_weights": whole_bytes(result.dram_bytes["weights"]),
        "dram_bytes_activations": whole_bytes(result.dram_bytes["activations"]),
        "area_mm2": result.area_mm2,
        "inferences_per_s_per_mm2": result.inferences_per_s_per_mm2,
    }
    row.update({f"energy_{k}_j": v for k, v in result.energy_breakdown_j.items()})
    return row
