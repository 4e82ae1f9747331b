"""The pipeline, in one place: network x accelerator -> mapping -> residency -> DRAM tiling ->
events -> simpy timeline -> energy accounting -> Result."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from accelsim import engine
from accelsim.compression import CompressionSpec, compress, load_spec
from accelsim.errors import AccelsimError
from accelsim.hardware import Accelerator, HwConfig, load_hw
from accelsim.mapper import KINDS, ArrayMapping, Tiling, Traffic, map_layer, pick_tiling, tile_options
from accelsim.network import INPUT, MAC_KINDS, Layer, Network
from accelsim.residency import Residency, candidate_plans
from accelsim.result import COMPONENTS, MEMORY_COMPONENTS, LayerResult, Result
from accelsim.workload import load_net

MODES = ("steady", "cold")
MAX_CHUNKS = 4  # tiles of a layer are coalesced into at most this many events


@dataclass(frozen=True)
class LayerPlan:
    layer: Layer
    macs: float  # MACs performed for the whole batch (fewer when a sparse array skips zeros)
    stored: float  # the layer's weights as stored (bytes)
    mapping: ArrayMapping
    tiling: Tiling
    traffic: Traffic  # everything the layer moves, DRAM included (whole batch)
    compute_s: float
    waits_for: tuple[str, ...]
    pinned: bool


def _tiling(
    layer: Layer,
    res: Residency,
    output_to_dram: bool,
    input_bytes: float,
    stored: float,
    options_cache: dict[tuple, tuple],
    batch: int,
    chip: Accelerator,
) -> Tiling:
    """The layer's DRAM tiling under a residency plan (options cached across plans)."""
    key = (layer.name, 0.0 if layer.name in res.pinned else stored, input_bytes, output_to_dram)
    options = options_cache.get(key)
    if options is None:
        options = options_cache[key] = tile_options(layer, batch, chip, *key[1:])
    return pick_tiling(options, res.tile_bytes)


def _plan_layer(
    layer: Layer,
    mapping: ArrayMapping,
    tiling: Tiling,
    chip: Accelerator,
    mode: str,
    res: Residency,
    stored: float,
    macs: float,
    waits: tuple[str, ...],
) -> LayerPlan:
    pinned = layer.name in res.pinned
    traffic = Traffic(dict(mapping.traffic.read), dict(mapping.traffic.write))
    weights_in = tiling.weight_bytes + (stored if pinned and mode == "cold" else 0.0)
    traffic.add("dram", "weights", read=weights_in)
    traffic.add("sram", "weights", write=weights_in)
    traffic.add("dram", "activations", read=tiling.input_bytes, write=tiling.output_bytes)
    traffic.add("sram", "activations", write=tiling.input_bytes, read=tiling.output_bytes)
    compute_s = mapping.cycles / chip.clock_hz
    if chip.sram_bandwidth_bytes_per_s:  # the array cannot run faster than its buffer feeds it
        compute_s = max(compute_s, traffic.bytes("sram") / chip.sram_bandwidth_bytes_per_s)
    return LayerPlan(layer, macs, stored, mapping, tiling, traffic, compute_s, waits, pinned)


def _job(plan: LayerPlan) -> engine.Job:
    load = plan.traffic.read.get(("dram", "weights"), 0.0) + plan.traffic.read.get(
        ("dram", "activations"), 0.0
    )
    store = plan.traffic.write.get(("dram", "activations"), 0.0)
    n = max(1, min(MAX_CHUNKS, plan.tiling.tiles)) if load or store else 1
    chunk = engine.Chunk(load / n, plan.compute_s / n, store / n)
    return engine.Job(plan.layer.name, (chunk,) * n, plan.waits_for)


def _energy(traffic: Traffic, chip: Accelerator) -> dict[tuple[str, str], float]:
    """Memory energy of a layer's traffic (J), by (component, tensor kind)."""
    energy = {(level, kind): 0.0 for level in MEMORY_COMPONENTS for kind in KINDS}
    for moved, is_read in ((traffic.read, True), (traffic.write, False)):
        for (level, kind), nbytes in moved.items():
            lvl = chip.level(level, kind)
            energy[level, kind] += nbytes * (lvl.read_j_per_byte if is_read else lvl.write_j_per_byte)
    return energy


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
    if isinstance(batch, bool) or not isinstance(batch, int):
        raise TypeError(f"simulate: batch must be an integer, got {batch!r}")
    if batch < 1:
        raise AccelsimError(f"batch must be a positive integer, got {batch}")
    if fps is not None:
        if isinstance(fps, bool) or not isinstance(fps, (int, float)):
            raise TypeError(f"simulate: fps must be a number or None, got {fps!r}")
        if not (fps > 0 and math.isfinite(fps)):
            raise AccelsimError(f"fps must be a positive, finite number of frames per second, got {fps!r}")


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
) -> Result:
    """Simulate one inference (or a batch) of `net` on `hw`. Energies are per inference.
    `compression`: a CompressionSpec, a preset name or a spec file; weights are then stored
    and moved at their compressed size (and activations at the spec's bits); `weights` (real
    arrays by layer name, e.g. from an ONNX file) make Huffman sizes measured, not assumed."""
    _check_arguments(net, hw, mode, batch, fps)
    network = load_net(net, width=width, resolution=resolution, input_shape=input_shape, strict=strict)
    chip = load_hw(hw)
    if chip.dram.bandwidth_bytes_per_s is None:  # pragma: no cover - the schema requires it
        raise AccelsimError(f"hardware '{chip.name}' has no DRAM bandwidth")
    spec = load_spec(compression, network.name) if isinstance(compression, str) else compression
    if spec is not None:
        model = compress(network, spec, default_bits=chip.weight_bits, weights=weights)
        stored, density = model.stored(), model.density()
        if spec.activation_bits:  # activations stored and moved at fewer bits
            chip = replace(chip, activation_bits=spec.activation_bits)
    else:
        stored = {layer.name: layer.params * chip.weight_bits / 8 for layer in network.layers if layer.params}
        density = {}
    act_bytes = chip.activation_bits / 8
    element_bytes = {INPUT: math.prod(network.input_shape) * batch * act_bytes}
    element_bytes.update({layer.name: layer.output_elements * batch * act_bytes for layer in network.layers})
    mappings, macs = [], []
    for layer in network.layers:
        mapping = map_layer(layer, chip, batch, stored.get(layer.name, 0.0))
        kept = density.get(layer.name, 1.0) if chip.config.compute.sparse and layer.kind in MAC_KINDS else 1.0
        mappings.append(_skip_zeros(mapping, kept) if kept < 1 else mapping)
        macs.append(layer.macs * batch * kept)
    residency, tilings = _choose_residency(network, chip, batch, mode, stored, element_bytes, mappings)
    plans = []
    for layer, mapping, tiling, layer_macs in zip(network.layers, mappings, tilings, macs, strict=True):
        spilled = [r for src in layer.inputs for r in residency.roots[src] if r in residency.spilled]
        waits = tuple(dict.fromkeys(r for r in spilled if r != INPUT))
        plans.append(
            _plan_layer(
                layer, mapping, tiling, chip, mode, residency, stored.get(layer.name, 0.0), layer_macs, waits
            )
        )

    jobs = [_job(p) for p in plans if p.mapping.engine != "none"]
    timeline = engine.run(jobs, chip.dram.bandwidth_bytes_per_s)
    return _account(network, chip, mode, batch, fps, residency, plans, timeline, spec)


def _choose_residency(
    network: Network,
    chip: Accelerator,
    batch: int,
    mode: str,
    stored: Mapping[str, float],
    element_bytes: Mapping[str, float],
    mappings: Sequence[ArrayMapping],
) -> tuple[Residency, list[Tiling]]:
    """The residency plan with the least DRAM traffic, and each layer's tiling under it."""
    consumed = {src for layer in network.layers for src in layer.inputs}
    views = [mapping.engine == "none" for mapping in mappings]
    options_cache: dict[tuple, tuple] = {}
    best: tuple[float, Residency, list[Tiling]] | None = None
    for residency in candidate_plans(network, chip, batch, stored):
        sinks = {
            r for layer in network.layers if layer.name not in consumed for r in residency.roots[layer.name]
        }
        tilings = []
        for layer, is_view in zip(network.layers, views, strict=True):
            spilled = [r for src in layer.inputs for r in residency.roots[src] if r in residency.spilled]
            out = not is_view and (layer.name in residency.spilled or layer.name in sinks)
            inputs = 0.0 if is_view else sum(element_bytes[r] for r in spilled)
            weights = stored.get(layer.name, 0.0)
            tilings.append(_tiling(layer, residency, out, inputs, weights, options_cache, batch, chip))
        dram = sum(t.weight_bytes + t.input_bytes + t.output_bytes for t in tilings)
        if mode == "cold":
            dram += sum(stored[name] for name in residency.pinned)
        if best is None or dram < best[0]:
            best = (dram, residency, tilings)
    assert best is not None
    return best[1], best[2]


def _skip_zeros(mapping: ArrayMapping, density: float) -> ArrayMapping:
    """A sparse array skips MACs with pruned weights: cycles and per-MAC register-file
    traffic shrink with the density (ideal skipping: no load imbalance modeled)."""
    traffic = Traffic(dict(mapping.traffic.read), dict(mapping.traffic.write))
    for moved in (traffic.read, traffic.write):
        for key in moved:
            if key[0] == "register_file":
                moved[key] *= density
    return ArrayMapping(
        mapping.engine,
        math.ceil(mapping.cycles * density),
        mapping.scalesim_cycles,
        mapping.utilization,
        traffic,
    )


def _account(
    network: Network,
    chip: Accelerator,
    mode: str,
    batch: int,
    fps: float | None,
    residency: Residency,
    plans: Sequence[LayerPlan],
    timeline: engine.Timeline,
    spec: CompressionSpec | None,
) -> Result:
    if timeline.latency_s <= 0:
        raise AccelsimError(
            f"network '{network.name}' does no work: its layers only view their input (concat, "
            "flatten, slice...); expected at least one layer that computes"
        )
    throughput = batch / timeline.latency_s
    if fps is not None and fps > throughput * (1 + 1e-9):
        raise AccelsimError(
            f"--fps {fps:g} exceeds what {network.name} reaches on {chip.name} ({throughput:.4g} fps)"
        )
    operating_fps = fps if fps is not None else throughput
    totals = dict.fromkeys(COMPONENTS, 0.0)
    memory_by_kind = {(level, kind): 0.0 for level in MEMORY_COMPONENTS for kind in KINDS}
    dram_bytes = dict.fromkeys(KINDS, 0.0)
    layers = []
    previous_end = 0.0
    for plan in plans:
        layer = plan.layer
        memory = _energy(plan.traffic, chip)
        parts = {
            "mac": plan.macs * chip.mac_j,
            **{level: sum(memory[level, kind] for kind in KINDS) for level in MEMORY_COMPONENTS},
            "vector": layer.vector_ops * batch * chip.vector_op_j,
        }
        for key, value in parts.items():
            totals[key] += value
        for key, value in memory.items():
            memory_by_kind[key] += value
        for kind in KINDS:
            dram_bytes[kind] += plan.traffic.bytes("dram", kind)
        span = timeline.layers.get(layer.name)
        start, end = (span.start, span.end) if span else (previous_end, previous_end)
        previous_end = end
        layers.append(
            LayerResult(
                name=layer.name,
                kind=layer.kind,
                engine=plan.mapping.engine,
                macs=layer.macs,
                cycles=plan.mapping.cycles,
                scalesim_cycles=plan.mapping.scalesim_cycles,
                utilization=plan.mapping.utilization,
                start_s=start,
                end_s=end,
                energy_j=sum(parts.values()) / batch,
                energy_breakdown_j={k: v / batch for k, v in parts.items()},
                dram_bytes=plan.traffic.bytes("dram") / batch,
                weight_bytes=plan.stored,
                weights_pinned=plan.pinned,
            )
        )
    breakdown = {k: v / batch for k, v in totals.items()}
    breakdown["static"] = chip.leakage_w / operating_fps
    energy = sum(breakdown.values())
    memory = sum(breakdown[k] for k in MEMORY_COMPONENTS)
    return Result(
        network=network.name,
        hardware=chip.name,
        compression=spec.name if spec else None,
        mode=mode,
        batch=batch,
        weight_bytes=residency.weight_bytes,
        onchip_bytes=chip.onchip_bytes,
        weights_fit_on_chip=residency.weights_fit,
        pinned_weight_bytes=residency.pinned_bytes,
        peak_activation_bytes=residency.peak_activation_bytes,
        latency_s=timeline.latency_s,
        throughput_fps=throughput,
        fps=operating_fps,
        energy_j=energy,
        power_w=energy * operating_fps,
        power_budget_w=chip.power_budget_w,
        energy_breakdown_j=breakdown,
        energy_by_tensor_j={
            k: sum(memory_by_kind[lvl, k] for lvl in MEMORY_COMPONENTS) / batch for k in KINDS
        },
        memory_energy_j={
            lvl: {k: memory_by_kind[lvl, k] / batch for k in KINDS} for lvl in MEMORY_COMPONENTS
        },
        memory_share=memory / energy,
        dram_share=breakdown["dram"] / energy,
        dram_bytes={k: v / batch for k, v in dram_bytes.items()},
        engine_busy_s={"dma": timeline.dma_busy_s, "compute": timeline.compute_busy_s},
        peak_macs_per_s=chip.peak_macs_per_s,
        dram_bandwidth_bytes_per_s=chip.dram.bandwidth_bytes_per_s,
        weight_capacity_bytes=chip.capacity_for("weights"),
        timeline=tuple(timeline.intervals),
        layers=tuple(layers),
    )
