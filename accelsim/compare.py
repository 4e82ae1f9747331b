"""Comparing chips on networks: every (chip, network) pair simulated, one row each."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from accelsim import units
from accelsim.hardware import Accelerator, load_hw
from accelsim.network import Network
from accelsim.result import COMPONENTS, Result
from accelsim.simulate import simulate
from accelsim.workload import load_net

# The metrics `compare` tabulates: (result field, label, unit kind or None for a flag or a
# fraction, lower is better).
METRICS: tuple[tuple[str, str, units.Kind | None, bool | None], ...] = (
    ("weights_fit_on_chip", "weights fit on chip", None, None),
    ("latency_s", "latency", units.TIME, True),
    ("energy_j", "energy per inference", units.ENERGY, True),
    ("power_w", "average power", units.POWER, True),
    ("memory_share", "memory share", None, True),
    ("dram_share", "DRAM share", None, True),
)


SUMMARY_FIELDS = (
    "network",
    "hardware",
    "weights_fit_on_chip",
    "weight_bytes",
    "onchip_bytes",
    "latency_s",
    "throughput_fps",
    "energy_j",
    "power_w",
    "power_budget_w",
    "memory_share",
    "dram_share",
    "dram_bytes_weights",
    "dram_bytes_activations",
    *(f"energy_{c}_j" for c in COMPONENTS),
)


def summary(result: Result) -> dict[str, Any]:
    """One flat row of a result's headline figures (units in the names): SUMMARY_FIELDS."""
    row: dict[str, Any] = {
        "network": result.network,
        "hardware": result.hardware,
        "weights_fit_on_chip": result.weights_fit_on_chip,
        "weight_bytes": result.weight_bytes,
        "onchip_bytes": result.onchip_bytes,
        "latency_s": result.latency_s,
        "throughput_fps": result.throughput_fps,
        "energy_j": result.energy_j,
        "power_w": result.power_w,
        "power_budget_w": result.power_budget_w,
        "memory_share": result.memory_share,
        "dram_share": result.dram_share,
        "dram_bytes_weights": result.dram_bytes["weights"],
        "dram_bytes_activations": result.dram_bytes["activations"],
    }
    row.update({f"energy_{k}_j": v for k, v in result.energy_breakdown_j.items()})
    return row


def compare_results(
    hws: Sequence[str | Path | Accelerator], nets: Sequence[str | Path | Network], **options: Any
) -> list[Result]:
    chips = [load_hw(hw) for hw in hws]
    networks = [load_net(net) for net in nets]
    return [simulate(net, chip, **options) for chip in chips for net in networks]


def compare(
    hws: Sequence[str | Path | Accelerator], nets: Sequence[str | Path | Network], **options: Any
) -> Any:
    """Every chip on every network: a pandas DataFrame, one row per pair (`options` go to
    simulate: mode, batch, fps, compression)."""
    import pandas as pd

    return pd.DataFrame([summary(r) for r in compare_results(hws, nets, **options)])
