"""Accounting: a schedule's traffic and the simulated timeline, priced at the chip's energies,
become the Result (energy by component and tensor kind, power, shares, per-layer figures)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from accelsim.account.result import DYNAMIC_COMPONENTS, MEMORY_DYNAMIC, LayerResult, Result
from accelsim.errors import AccelsimError
from accelsim.hw.chip import Accelerator
from accelsim.hw.enums import MEMORY_LEVELS, TENSOR_KINDS, Level, Operand, TensorKind
from accelsim.ir.engine import Engine
from accelsim.ir.network import Network
from accelsim.map.traffic import Traffic
from accelsim.schedule.plan import Schedule
from accelsim.sim.engine import Timeline

MEMORY_PAIRS = tuple((level, kind) for level in MEMORY_LEVELS for kind in TENSOR_KINDS)
LEVEL_NAMES = tuple((level, level.value) for level in MEMORY_LEVELS)
ENGINE_NAMES = {engine: engine.value for engine in Engine}


def prices(chip: Accelerator) -> dict[str, tuple[Level, float, float]]:
    """Each memory level's kind and (read, write) J per byte, by name (the PE stores are priced
    per operand by PeTraffic.energy)."""
    return {level.name: (level.level, level.read_j_per_byte, level.write_j_per_byte) for level in chip.levels}


def memory_energy(
    traffic: Traffic, price: Mapping[str, tuple[Level, float, float]], at_level: Mapping[str, list[float]]
) -> dict[tuple[Level, TensorKind], float]:
    """Memory energy of a layer's traffic (J), by (kind of level, tensor kind); each access is
    also added to `at_level` (level name -> [bytes read, bytes written, J]), in the same pass."""
    energy = dict.fromkeys(MEMORY_PAIRS, 0.0)
    for moves, written in ((traffic.read, 0), (traffic.write, 1)):
        for (name, kind), nbytes in moves.items():
            level, read, write = price[name]
            joules = nbytes * (write if written else read)
            energy[level, kind] += joules
            moved = at_level[name]
            moved[written] += nbytes
            moved[2] += joules
    return energy


def account(
    network: Network,
    chip: Accelerator,
    mode: str,
    batch: int,
    fps: float | None,
    plan: Schedule,
    timeline: Timeline,
    compression: str | None,
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
    totals = dict.fromkeys(DYNAMIC_COMPONENTS, 0.0)
    memory_by_kind = dict.fromkeys(MEMORY_PAIRS, 0.0)
    dram_bytes = dict.fromkeys(TENSOR_KINDS, 0.0)
    flash_bytes = 0.0
    price = prices(chip)
    weights, acts = TensorKind.WEIGHTS, TensorKind.ACTIVATIONS
    dram_levels = [level.name for level in chip.levels if level.level == Level.DRAM]
    flash_levels = [level.name for level in chip.levels if level.level == Level.FLASH]
    layers = []
    previous_end = 0.0
    rf, sram = Level.REGISTER_FILE, Level.SRAM
    at_level = {level.name: [0.0, 0.0, 0.0] for level in chip.levels}  # read, written, energy
    for layer_plan in plan.plans:
        layer, mapping, traffic = layer_plan.layer, layer_plan.mapping, layer_plan.traffic
        pe = mapping.pe
        memory = memory_energy(traffic, price, at_level)
        stores, wires = pe.energy(chip.pe)
        memory[rf, pe.weights_kind] += stores[Operand.WEIGHTS]
        memory[rf, acts] += stores[Operand.INPUTS]
        memory[rf, acts] += stores[Operand.PSUMS]
        memory[sram, acts] += mapping.accumulated * chip.accumulator_j_per_byte
        parts = {"mac": layer_plan.macs * chip.mac_j}
        for level, name in LEVEL_NAMES:
            parts[name] = memory[level, weights] + memory[level, acts] + memory[level, TensorKind.KV_CACHE]
        parts["array_bus"] = sum(wires.values())
        parts["vector"] = layer.vector_ops * batch * chip.vector_op_j
        for key, value in parts.items():
            totals[key] += value
        for pair, value in memory.items():
            memory_by_kind[pair] += value
        layer_flash = sum(traffic.bytes(name) for name in flash_levels)
        flash_bytes += layer_flash
        layer_dram = 0.0
        for kind in TENSOR_KINDS:
            moved = sum(traffic.bytes(name, kind) for name in dram_levels)
            dram_bytes[kind] += moved
            layer_dram += moved
        # a fused layer runs beside its producer, over the producer's span
        span = timeline.layers.get(plan.fused_into.get(layer.name, layer.name))
        start, end = (span.start, span.end) if span else (previous_end, previous_end)
        previous_end = end
        layers.append(
            LayerResult(
                name=layer.name,
                kind=layer.kind,
                engine=ENGINE_NAMES[mapping.engine],
                macs=layer.macs,
                cycles=mapping.cycles,
                scalesim_cycles=mapping.scalesim_cycles,
                utilization=mapping.utilization,
                start_s=start,
                end_s=end,
                energy_j=sum(parts.values()) / batch,
                energy_breakdown_j={k: v / batch for k, v in parts.items()},
                dram_bytes=layer_dram / batch,
                flash_bytes=layer_flash / batch,
                weight_bytes=layer_plan.stored,
                weights_pinned=layer_plan.pinned,
                bypassed=tuple(op.value for op in layer_plan.bypassed),
                pe_bytes=pe.accesses() / batch,
                array_bus_bytes=sum(pe.bus.values()) / batch,
            )
        )
    breakdown = {k: v / batch for k, v in totals.items()}
    # static power splits into the memory levels' leakage and the rest of the chip's
    breakdown["memory_leakage"] = chip.memory_leakage_w / operating_fps
    breakdown["static"] = chip.static_w / operating_fps
    energy = sum(breakdown.values())
    off_chip_leakage = (
        sum(level.leakage_w for level in chip.levels if level.level == Level.DRAM) / operating_fps
    )
    residency = plan.residency
    memory_share, dynamic_memory_share, dram_share = shares(breakdown)
    return Result(
        network=network.name,
        hardware=chip.name,
        compression=compression,
        mode=mode,
        batch=batch,
        weight_bytes=residency.weight_bytes,
        onchip_bytes=chip.onchip_bytes,
        weights_fit_on_chip=residency.weight_bytes <= chip.capacity_for(TensorKind.WEIGHTS),
        working_set_fits_on_chip=residency.all_resident,
        activations_fit_on_chip=residency.activations_on_chip,
        kv_cache_bytes=residency.kv_cache_bytes,
        kv_cache_fits_on_chip=residency.kv_cache_on_chip,
        pinned_weight_bytes=residency.pinned_bytes,
        peak_activation_bytes=residency.peak_activation_bytes,
        latency_s=timeline.latency_s,
        throughput_fps=throughput,
        fps=operating_fps,
        energy_j=energy,
        power_w=energy * operating_fps,
        chip_power_w=(energy - breakdown["dram"] - off_chip_leakage) * operating_fps,
        power_budget_w=chip.power_budget_w,
        energy_breakdown_j=breakdown,
        energy_by_tensor_j={
            k.value: sum(memory_by_kind[lvl, k] for lvl in MEMORY_LEVELS) / batch for k in TENSOR_KINDS
        },
        memory_energy_j={
            lvl.value: {k.value: memory_by_kind[lvl, k] / batch for k in TENSOR_KINDS}
            for lvl in MEMORY_LEVELS
        },
        memory_share=memory_share,
        dynamic_memory_share=dynamic_memory_share,
        dram_share=dram_share,
        dram_bytes={k.value: v / batch for k, v in dram_bytes.items()},
        flash_bytes=flash_bytes / batch,
        engine_busy_s={"dma": timeline.dma_busy_s, "compute": timeline.compute_busy_s},
        peak_macs_per_s=chip.peak_macs_per_s,
        dram_bandwidth_bytes_per_s=chip.main_memory.bandwidth_bytes_per_s or 0.0,
        weight_capacity_bytes=chip.capacity_for(TensorKind.WEIGHTS),
        flash_capacity_bytes=chip.flash.capacity_bytes if chip.flash else 0.0,
        timeline=tuple(timeline.intervals),
        layers=tuple(layers),
        group_size=batch,
        area_mm2=chip.area_m2 * 1e6,
        area_breakdown_mm2={name: area * 1e6 for name, area in chip.area_breakdown_m2.items()},
        overfilled=overfilled(plan, chip),
        level_traffic={
            name: {"read_bytes": read / batch, "write_bytes": written / batch, "energy_j": energy / batch}
            for name, (read, written, energy) in at_level.items()
        },
    )


def overfilled(plan: Schedule, chip: Accelerator) -> dict[str, tuple[str, float, float]]:
    """The layers whose tiles overfill a buffer even at the finest tiling searched: layer ->
    (buffer, bytes held, its capacity) (Result.overfilled)."""
    capacity = {level.name: level.capacity_bytes for level in chip.buffers}
    return {
        step.layer.name: (name, held, capacity[name])
        for step, occupied in zip(plan.plans, plan.occupancy(chip), strict=True)
        for name, held in occupied.items()
        if held > capacity[name] * (1 + 1e-9)
    }


def shares(breakdown: Mapping[str, float]) -> tuple[float, float, float]:
    """The memory share (the memories' dynamic energy and leakage over the total), its dynamic
    part (over the dynamic energy) and the DRAM share, from a breakdown per inference."""
    memory_dynamic = sum(breakdown[name] for name in MEMORY_DYNAMIC)
    energy = sum(breakdown.values())
    return (
        (memory_dynamic + breakdown["memory_leakage"]) / energy,
        memory_dynamic / sum(breakdown[name] for name in DYNAMIC_COMPONENTS),
        breakdown["dram"] / energy,
    )


def first_then_rest(first: Result, rest: Result, groups: int, batch: int, fps: float | None) -> Result:
    """A batch run as `groups` groups: `first` (cold: it loads the weights) and then `groups` - 1
    like `rest` (steady). Figures per inference average the groups' (each holds as many
    images); times add up; per-layer timing and the timeline are the first group's."""
    w_first, w_rest = 1 / groups, (groups - 1) / groups

    def mean(a: Mapping[str, float], b: Mapping[str, float]) -> dict[str, float]:
        return {k: a[k] * w_first + b[k] * w_rest for k in a}

    latency = first.latency_s + (groups - 1) * rest.latency_s
    throughput = batch / latency
    if fps is not None and fps > throughput * (1 + 1e-9):
        raise AccelsimError(
            f"--fps {fps:g} exceeds what {first.network} reaches on {first.hardware} ({throughput:.4g} fps)"
        )
    operating = fps if fps is not None else throughput
    # the chip's static power, its memories' leakage and the DRAM's leakage, W (the groups share them)
    static_w, leakage_w = (first.energy_breakdown_j[k] * first.fps for k in ("static", "memory_leakage"))
    off_chip_w = first.power_w - first.chip_power_w - first.energy_breakdown_j["dram"] * first.fps
    breakdown = mean(first.energy_breakdown_j, rest.energy_breakdown_j)
    breakdown["static"], breakdown["memory_leakage"] = static_w / operating, leakage_w / operating
    energy = sum(breakdown.values())
    chip_energy = energy - breakdown["dram"] - off_chip_w / operating
    layers = tuple(
        replace(
            one,
            energy_j=one.energy_j * w_first + other.energy_j * w_rest,
            energy_breakdown_j=mean(one.energy_breakdown_j, other.energy_breakdown_j),
            dram_bytes=one.dram_bytes * w_first + other.dram_bytes * w_rest,
            flash_bytes=one.flash_bytes * w_first + other.flash_bytes * w_rest,
        )
        for one, other in zip(first.layers, rest.layers, strict=True)
    )
    memory_share, dynamic_memory_share, dram_share = shares(breakdown)
    return replace(
        first,
        batch=batch,
        latency_s=latency,
        throughput_fps=throughput,
        fps=operating,
        energy_j=energy,
        power_w=energy * operating,
        chip_power_w=chip_energy * operating,
        energy_breakdown_j=breakdown,
        energy_by_tensor_j=mean(first.energy_by_tensor_j, rest.energy_by_tensor_j),
        memory_energy_j={
            level: mean(by_kind, rest.memory_energy_j[level])
            for level, by_kind in first.memory_energy_j.items()
        },
        memory_share=memory_share,
        dynamic_memory_share=dynamic_memory_share,
        dram_share=dram_share,
        dram_bytes=mean(first.dram_bytes, rest.dram_bytes),
        flash_bytes=first.flash_bytes * w_first + rest.flash_bytes * w_rest,
        engine_busy_s={k: v + (groups - 1) * rest.engine_busy_s[k] for k, v in first.engine_busy_s.items()},
        layers=layers,
        level_traffic={
            name: mean(moved, rest.level_traffic[name]) for name, moved in first.level_traffic.items()
        },
        overfilled={**rest.overfilled, **first.overfilled},
    )
