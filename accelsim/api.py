"""The public Python API: names and paths in (zoo networks, workload YAML, ONNX files, bundled
chips, chip YAML, compression presets), load -> transform -> pipeline, Result out."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from accelsim.account.result import Result
from accelsim.energy.table import EnergyTable
from accelsim.errors import AccelsimError, closest, whole
from accelsim.hw.chip import Accelerator
from accelsim.hw.resolve import resolve_accelerator
from accelsim.hw.schema import HwConfig, with_fields
from accelsim.ir.network import Network
from accelsim.limits import MAX_BATCH
from accelsim.load.chip import load_hw
from accelsim.load.compression import load_spec
from accelsim.load.resources import bundled_names, resolve
from accelsim.load.workload import load_workload
from accelsim.pipeline import run
from accelsim.schedule.residency import fits_on_chip as fits_on_chip  # what the apps may ask of the schedule
from accelsim.schedule.residency import peak_activation_bytes as peak_activation_bytes
from accelsim.transform.compress import CompressionSpec, store
from accelsim.transform.scale import scale_resolution, scale_width
from accelsim.units import is_number

MODES = ("steady", "cold")


def zoo_names() -> list[str]:
    return bundled_names("workloads")


def load_net(
    net: str | Path | Network,
    width: float = 1.0,
    resolution: int | None = None,
    input_shape: str | None = None,
    strict: bool = False,
    params: Mapping[str, float] | None = None,
) -> Network:
    """A network from a zoo name, a workload YAML, a SCALE-Sim topology CSV, an ONNX file
    (`input_shape` fixes symbolic dims, `strict` rejects ops accelsim cannot cost), or a Network;
    then width/resolution.
    `params` set a workload's own parameters (SqueezeNet's sr, pct3x3...)."""
    from accelsim.load.onnx import load_onnx
    from accelsim.load.onnx_model import is_onnx
    from accelsim.load.scalesim import is_topology, load_topology

    if params is not None and not (
        isinstance(params, Mapping) and all(isinstance(k, str) and is_number(v) for k, v in params.items())
    ):
        raise TypeError(f"params must map workload parameter names to numbers, got {params!r}")
    for key, value in (params or {}).items():
        if not math.isfinite(value):
            raise AccelsimError(f"parameter '{key}' must be a finite number, got {value!r}")
    if params and (isinstance(net, Network) or is_onnx(net) or is_topology(net)):
        raise AccelsimError("network parameters (--param, --sr, --pct3x3) apply to workload YAML files only")
    if isinstance(net, Network):
        network = net
    elif is_topology(net):
        network = load_topology(Path(net).expanduser())
    elif is_onnx(net):
        network = load_onnx(Path(net).expanduser(), input_shape=input_shape, strict=strict)
    else:
        network = load_workload(resolve(net, "workloads", "network"), params)
    if width != 1.0:
        network = scale_width(network, width)
    if resolution is not None:
        network = scale_resolution(network, resolution)
    return network


def variant(hw: str | Path | HwConfig | Accelerator, changes: Mapping[str, Any]) -> Accelerator:
    """A chip like `hw` with some fields changed by dotted path, validated again:
    `variant("2W_npu", {"memory.sram.capacity": "8 MiB"})` (named 2W_npu@memory.sram.capacity=8 MiB
    unless the changes set a name)."""
    if not (isinstance(changes, Mapping) and all(isinstance(k, str) for k in changes)):
        raise TypeError(f"variant: changes must map dotted chip fields to values, got {changes!r}")
    chip = load_hw(hw)
    config = chip.config
    data = with_fields(config.model_dump(exclude_none=True), changes)
    if "name" not in changes:  # say what changed, so results of variants stay apart
        data["name"] = config.name + "@" + ",".join(f"{path}={value}" for path, value in changes.items())
    return resolve_accelerator(HwConfig.validated(data, config.name), chip.energy_table)


def _check_arguments(net: Any, hw: Any, mode: Any, batch: Any, fps: Any) -> None:
    """Wrong types raise TypeError, wrong values AccelsimError (a ValueError), before any work."""
    if not isinstance(net, (str, Path, Network)):
        raise TypeError(f"simulate: net must be a zoo name, a file path or a Network, got {net!r}")
    if not isinstance(hw, (str, Path, HwConfig, Accelerator)):
        raise TypeError(
            f"simulate: hw must be a chip name, a file path, a HwConfig or an Accelerator, got {hw!r}"
        )
    if mode not in MODES:
        raise AccelsimError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    whole(batch, "batch", 1, MAX_BATCH)
    if fps is not None:
        if not is_number(fps):
            raise TypeError(f"simulate: fps must be a number or None, got {fps!r}")
        if not (fps > 0 and math.isfinite(fps)):
            raise AccelsimError(f"fps must be a positive, finite number of frames per second, got {fps!r}")


def _checked_weights(network: Network, weights: Any) -> dict[str, Any] | None:
    """Real weight arrays by layer name, each a finite numeric array of its layer's weight count;
    anything else is refused (it would silently fall back to the assumed Huffman factor)."""
    import numpy as np

    if weights is None:
        return None
    if not isinstance(weights, Mapping):
        raise TypeError(f"simulate: weights must map layer names to arrays, got {type(weights).__name__}")
    layers = {layer.name: layer for layer in network.layers if layer.weight_count}
    checked = {}
    for name, array in weights.items():
        if name not in layers:
            raise AccelsimError(
                f"weights: '{name}' is no layer with weights of {network.name}{closest(str(name), layers)}"
            )
        try:
            values = np.asarray(array, dtype=np.float64)
        except (TypeError, ValueError):
            raise AccelsimError(
                f"weights['{name}']: expected an array of numbers, got {type(array).__name__}"
            ) from None
        if values.size != layers[name].weight_count or not np.isfinite(values).all():
            raise AccelsimError(
                f"weights['{name}']: expected {layers[name].weight_count:,} finite numbers (the layer's "
                f"weights), got {values.size:,}{'' if np.isfinite(values).all() else ' with NaN or infinity'}"
            )
        checked[name] = values
    return checked


def simulate(
    net: str | Path | Network,
    hw: str | Path | HwConfig | Accelerator,
    mode: str = "steady",
    batch: int = 1,
    fps: float | None = None,
    width: float = 1.0,
    resolution: int | None = None,
    input_shape: str | None = None,
    strict: bool = False,
    compression: CompressionSpec | str | None = None,
    weights: Mapping[str, Any] | None = None,
    energy_table: EnergyTable | None = None,
    params: Mapping[str, float] | None = None,
) -> Result:
    """Simulate one inference (or a batch) of `net` on `hw`. Energies are per inference.
    `compression`: a CompressionSpec, a preset name or a spec file; weights are then stored
    and moved at their compressed size (and activations at the spec's bits); `weights` (real
    arrays by layer name, e.g. from an ONNX file) make Huffman sizes measured, not assumed.
    `energy_table` prices what the chip's YAML leaves out (default: the sourced table);
    `params` set the workload's own parameters (a language model's `seq` and `past`...)."""
    _check_arguments(net, hw, mode, batch, fps)
    network = load_net(net, width, resolution, input_shape, strict, params)
    chip = load_hw(hw, energy_table)
    spec = load_spec(compression, network.name) if isinstance(compression, str) else compression
    if not (spec is None or isinstance(spec, CompressionSpec)):
        raise TypeError(
            f"simulate: compression must be a preset name, a spec file or a CompressionSpec, got {spec!r}"
        )
    real = _checked_weights(network, weights)
    return run(network, chip, store(network, chip.weight_bits, spec, real), mode, batch, fps)


def onnx_weights(
    net: str | Path | Network, input_shape: str | None, width: float, resolution: int | None
) -> dict[str, Any] | None:
    """An ONNX file's weight arrays by layer name (for measured Huffman sizes), or None where
    they do not apply: other networks, or a width or resolution that changes the layers."""
    from accelsim.load.onnx import load_onnx_weights
    from accelsim.load.onnx_model import is_onnx

    if isinstance(net, Network) or not is_onnx(net) or width != 1.0 or resolution is not None:
        return None
    return load_onnx_weights(net, input_shape)
