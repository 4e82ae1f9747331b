"""The result of a simulation: plain values with units in their names, and their exports."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

DYNAMIC_COMPONENTS = ("mac", "register_file", "array_bus", "sram", "dram", "flash", "vector")  # per layer too
COMPONENTS = (*DYNAMIC_COMPONENTS, "static")
MEMORY_COMPONENTS = ("register_file", "sram", "dram", "flash")
# How tables and figures name the components (the identifiers stay in JSON and column names).
COMPONENT_LABELS = {
    "mac": "MACs",
    "register_file": "PE registers",
    "array_bus": "array wires",
    "sram": "SRAM",
    "dram": "DRAM",
    "flash": "flash",
    "vector": "vector unit",
    "static": "static (leakage)",
}


@dataclass(frozen=True, slots=True)
class LayerResult:
    name: str
    kind: str
    engine: str  # array, vector, none (views)
    macs: int  # per inference
    cycles: int  # compute cycles for the whole batch, fill and drain included
    scalesim_cycles: int | None  # SCALE-Sim's count (grouped convs one group at a time)
    utilization: float  # useful MACs (or vector ops) over engine capacity while busy
    start_s: float
    end_s: float
    energy_j: float  # dynamic energy per inference (static is chip-wide, not per layer)
    energy_breakdown_j: dict[str, float]
    dram_bytes: float  # per inference
    flash_bytes: float  # weights read from flash per inference (0 on a chip without flash)
    weight_bytes: float  # the layer's weights as stored on this chip
    weights_pinned: bool
    bypassed: tuple[str, ...]  # operands streamed between DRAM and the array past the buffer
    pe_bytes: float  # PE register and scratchpad bytes read and written, per inference
    array_bus_bytes: float  # bytes moved over the array's wires, per inference


@dataclass(frozen=True)
class Result:
    network: str
    hardware: str
    compression: str | None  # the compression spec's name, if any
    mode: str
    batch: int
    weight_bytes: float
    onchip_bytes: float
    weights_fit_on_chip: bool  # all weights, as stored, fit the on-chip capacity that can hold weights
    working_set_fits_on_chip: bool  # weights plus the peak live activations fit together
    activations_fit_on_chip: bool  # no activation spills to DRAM: only the input and outputs move
    kv_cache_bytes: float  # a language model's KV caches after this pass (batch included; 0 for others)
    kv_cache_fits_on_chip: bool  # every KV cache stays on chip between tokens (true when there is none)
    pinned_weight_bytes: float
    peak_activation_bytes: float
    latency_s: float  # the whole batch
    throughput_fps: float
    fps: float  # the operating point for power: the simulated throughput unless given
    energy_j: float  # per inference
    power_w: float  # system: chip and DRAM
    chip_power_w: float  # the chip alone (what silicon papers report): without DRAM (embedded flash is in)
    power_budget_w: float
    energy_breakdown_j: dict[str, float]  # per inference, by component; sums to energy_j
    energy_by_tensor_j: dict[str, float]  # memory energy per inference by tensor kind
    memory_energy_j: dict[str, dict[str, float]]  # each memory component by tensor kind
    memory_share: float
    dram_share: float
    dram_bytes: dict[str, float]  # per inference, weights / activations / kv_cache
    flash_bytes: float  # weights read from flash per inference (0 on a chip without flash)
    engine_busy_s: dict[str, float]
    peak_macs_per_s: float
    dram_bandwidth_bytes_per_s: float
    weight_capacity_bytes: float  # on-chip bytes that can hold weights
    flash_capacity_bytes: float  # 0 on a chip without flash
    layers: tuple[LayerResult, ...]
    timeline: tuple[tuple[str, str, float, float], ...] = ()  # (engine, layer, start_s, end_s)

    @property
    def static_energy_j(self) -> float:
        """Leakage and static power over the time an inference occupies the chip."""
        return self.energy_breakdown_j["static"]

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
    "dram_share",
    "dram_bytes_weights",
    "dram_bytes_activations",
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
        "dram_share": result.dram_share,
        "dram_bytes_weights": whole_bytes(result.dram_bytes["weights"]),
        "dram_bytes_activations": whole_bytes(result.dram_bytes["activations"]),
    }
    row.update({f"energy_{k}_j": v for k, v in result.energy_breakdown_j.items()})
    return row
