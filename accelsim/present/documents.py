"""JSON documents the commands print (`--json`): plain dicts with units in the key names."""

from __future__ import annotations

import math
from typing import Any

from accelsim.apps.fit import FitAnswer
from accelsim.hw.chip import Accelerator
from accelsim.hw.enums import TensorKind


def hw_summary(chip: Accelerator) -> dict[str, Any]:
    return {
        "name": chip.name,
        "description": chip.config.description,
        "macs": chip.macs,
        "peak_tops": chip.peak_tops,
        "onchip_bytes": chip.onchip_bytes,
        "dram_bandwidth_bytes_per_s": chip.main_memory.bandwidth_bytes_per_s,
        "power_budget_w": chip.power_budget_w,
    }


def _bounded(value: float | None) -> float | None:
    """A capacity or bandwidth; null in JSON where it is unlimited (JSON has no infinity)."""
    return value if value is not None and math.isfinite(value) else None


def hw_document(chip: Accelerator) -> dict[str, Any]:
    """Every resolved value with its unit in the key, its source, and derived figures."""
    levels = chip.levels
    return {
        **hw_summary(chip),
        "technology_nm": chip.config.technology_nm,
        "vdd_v": chip.technology.vdd,
        "energy_scale_from_45nm": chip.energy_scale,
        "array": {"rows": chip.rows, "cols": chip.cols, "dataflow": chip.dataflow, "clock_hz": chip.clock_hz},
        "precision_bits": {
            "weights": chip.weight_bits,
            "activations": chip.activation_bits,
            "accumulators": chip.accumulator_bits,
        },
        "mac_energy_j": chip.mac_j,
        "vector": {"lanes": chip.vector_lanes, "op_energy_j": chip.vector_op_j},
        "fuse": chip.config.compute.fuse,
        "tile_buffers": chip.config.memory.tile_buffers,
        "priority": chip.config.memory.priority,
        "pe": {
            "stores": [
                {
                    "operand": store.operand.value,
                    "words": store.words,
                    "bytes": store.capacity_bytes,
                    "kind": "registers" if store.registers else "scratchpad",
                    "energy_j_per_byte": store.j_per_byte,
                }
                for store in chip.pe.stores.values()
            ],
            "pitch_m": chip.pe.pitch_m,
            "hop_energy_j_per_byte": chip.pe.hop_j_per_byte,
            "transfer_energy_j_per_byte": chip.pe.transfer_j_per_byte,
        },
        "accumulator_energy_j_per_byte": chip.accumulator_j_per_byte,
        "bypass": [str(operand) for operand in chip.bypass],
        "memory": [
            {
                "name": lvl.name,
                "kind": lvl.level.value,
                "capacity_bytes": _bounded(lvl.capacity_bytes),
                "holds": list(lvl.holds),
                "read_energy_j_per_byte": lvl.read_j_per_byte,
                "write_energy_j_per_byte": lvl.write_j_per_byte,
                "bandwidth_bytes_per_s": _bounded(lvl.bandwidth_bytes_per_s),
                "leakage_w": lvl.leakage_w,
                "width_bytes": lvl.width_bytes,
                "area_mm2": lvl.area_m2 * 1e6,
            }
            for lvl in levels
        ],
        "static_power_w": chip.leakage_w,
        "memory_leakage_w": chip.memory_leakage_w,
        "static_parts_w": dict(chip.static_parts_w),
        "area_mm2": chip.area_m2 * 1e6,
        "area_breakdown_mm2": {name: area * 1e6 for name, area in chip.area_breakdown_m2.items()},
        "derived": {
            "peak_ops_per_s": 2 * chip.peak_macs_per_s,
            "mac_tops_per_w": chip.mac_tops_per_w,
            "onchip_bytes_weights": chip.capacity_for(TensorKind.WEIGHTS),
            "onchip_bytes_activations": chip.capacity_for(TensorKind.ACTIVATIONS),
            "ridge_macs_per_dram_byte": chip.ridge_macs_per_byte,
            "tops_per_mm2": chip.tops_per_mm2,
            "dram_bytes_per_mac_at_ridge": 1 / chip.ridge_macs_per_byte,
        },
        "sources": dict(chip.sources),
    }


def fit_document(answer: FitAnswer, top: int) -> dict[str, Any]:
    return {
        "network": answer.network.name,
        "hardware": answer.chip.name,
        "onchip_bytes": answer.chip.onchip_bytes,
        "fits_as_is": answer.fits_as_is,
        "candidates": [c.to_dict() for c in answer.fitting[:top]],
        "recommended_result": answer.result.to_dict() if answer.result else None,
    }
