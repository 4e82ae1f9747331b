"""From mappings to a schedule: the residency plan with the least DRAM traffic, each layer's
DRAM tiling under it, the layer plans (all traffic, compute time), and the engine's jobs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from accelsim.hw.chip import Accelerator
from accelsim.hw.enums import Operand, TensorKind
from accelsim.ir.engine import Engine
from accelsim.ir.moves import dram_outputs, weights_read
from accelsim.ir.network import INPUT, Layer
from accelsim.map.array import ArrayMapping
from accelsim.map.traffic import Traffic
from accelsim.schedule.context import Run
from accelsim.schedule.residency import Reserve, Residency, plan_residency
from accelsim.schedule.staging import placed
from accelsim.schedule.tiling import Tiling, pick_tiling, tile_options
from accelsim.sim.engine import Chunk, Job

MAX_CHUNKS = 4  # tiles of a layer are coalesced into at most this many events
RESERVE_SLACK = 0.05  # the tile reserve lets each layer move at most 5% more than its least traffic


@dataclass(frozen=True, slots=True)
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
    bypassed: tuple[Operand, ...] = ()  # operands moved between DRAM and the array directly


@dataclass(frozen=True)
class Schedule:
    residency: Residency
    plans: tuple[LayerPlan, ...]
    fused_into: Mapping[str, str] = field(default_factory=dict)  # fused layer -> its producer

    def occupancy(self, chip: Accelerator) -> tuple[dict[str, float], ...]:
        """Bytes each home buffer holds while each layer runs, in layer order: the pinned
        weights, the kept KV caches, the activations kept on chip that are live at that layer,
        and the layer's DRAM tiles with their tile buffers (with split buffers, the weights' part
        in the weight buffer and the rest beside the activations)."""
        res = self.residency
        weights, acts = chip.buffer_for(TensorKind.WEIGHTS).name, chip.buffer_for(TensorKind.ACTIVATIONS).name
        held = []
        for step, plan in enumerate(self.plans):
            tiles = plan.tiling
            if chip.split_buffers:
                held.append(
                    {
                        weights: res.pinned_bytes + tiles.weight_working,
                        acts: res.kept_cache_bytes + res.kept_at[step] + tiles.working - tiles.weight_working,
                    }
                )
            else:
                held.append(
                    {weights: res.pinned_bytes + res.kept_cache_bytes + res.kept_at[step] + tiles.working}
                )
        return tuple(held)

    def jobs(self, chip: Accelerator) -> list[Job]:
        """The engine's work: every layer that runs, in order. A fused layer's vector work runs
        on its producer's output path, beside it: the producer takes the longer of its own
        compute and its fused layers' (the vector unit stalls it only when slower)."""
        on_path: dict[str, float] = {}
        for plan in self.plans:
            if plan.layer.name in self.fused_into:
                producer = self.fused_into[plan.layer.name]
                on_path[producer] = on_path.get(producer, 0.0) + plan.compute_s
        return [
            _job(p, chip, max(p.compute_s, on_path.get(p.layer.name, 0.0)))
            for p in self.plans
            if p.mapping.engine != Engine.NONE and p.layer.name not in self.fused_into
        ]


def schedule(run: Run, mappings: Sequence[ArrayMapping], macs: Sequence[float]) -> Schedule:
    """The residency plan (README "Residency") and every layer's plan under it (cold: the pinned
    weights' first load too). Fused layers store and move nothing of their own (their mappings
    already say so)."""
    element_bytes = run.element_bytes
    residency, tilings = _choose_residency(run, mappings)
    plans = []
    for layer, mapping, tiling, layer_macs in zip(run.network.layers, mappings, tilings, macs, strict=True):
        spilled = residency.spilled_roots(layer.inputs)
        # a fused pool's storage is written by the producer it runs beside
        waits = tuple(dict.fromkeys(run.fusion.into.get(r, r) for r in spilled if r != INPUT))
        from_cache = (
            sum(element_bytes[r] for r in spilled if r in residency.caches) if residency.caches else 0
        )
        cache_share = from_cache / sum(element_bytes[r] for r in spilled) if from_cache else 0.0
        plans.append(_plan_layer(run, layer, mapping, tiling, residency, layer_macs, waits, cache_share))
    return Schedule(residency, tuple(plans), run.fusion.into)


def tile_reserve(run: Run, activations: bool = True) -> Reserve:
    """The tile space the network streams well through: for each array layer with every
    operand in DRAM, the smallest working set within RESERVE_SLACK of its least traffic; the
    largest of these (and, for split buffers, the largest weights' part and rest of them). It
    depends on the network and the chip's precisions, not on the buffer's size. With
    `activations` False only the weights stream, with the network's input and results, which
    always come from and go to DRAM (a chip with flash whose activations all stay on chip)."""
    reserve = weights_part = rest = 0.0
    element_bytes, fusion = run.element_bytes, run.fusion
    consumed = {src for layer in run.network.layers for src in layer.inputs}
    for layer in run.network.layers:
        if layer.engine != Engine.ARRAY or layer.name in fusion.layers:
            continue
        streamed = layer.inputs if activations else [src for src in layer.inputs if src == INPUT]
        inputs = sum(element_bytes[src] for src in streamed)
        sink = activations or layer.name not in consumed
        outputs = element_bytes[fusion.written(layer.name)] if sink else 0.0
        weights = weights_read(layer, run.layer_weights[layer.name], run.batch)
        options = tile_options(layer, run.batch, run.chip, weights, inputs, outputs)
        good_enough = options[-1][1] * (1 + RESERVE_SLACK)
        working, tiling = next((working, t) for working, dram, t in options if dram <= good_enough)
        reserve = max(reserve, working)
        weights_part = max(weights_part, tiling.weight_working)
        rest = max(rest, working - tiling.weight_working)
    return Reserve(reserve, weights_part, rest)


def _choose_residency(run: Run, mappings: Sequence[ArrayMapping]) -> tuple[Residency, list[Tiling]]:
    """The residency plan and each layer's tiling under it."""
    network, chip, batch, fusion, element_bytes = (
        run.network,
        run.chip,
        run.batch,
        run.fusion,
        run.element_bytes,
    )
    consumed = {src for layer in network.layers for src in layer.inputs}
    # views and fused layers alias their input's storage: no DRAM traffic of their own
    views = [
        m.engine == Engine.NONE or layer.name in fusion.layers
        for layer, m in zip(network.layers, mappings, strict=True)
    ]
    reserve = tile_reserve(run)
    # weights from flash, activations from DRAM: if the activations all stay, only weights stream
    apart = run.sources[TensorKind.WEIGHTS] is not run.sources[TensorKind.ACTIVATIONS]
    weights_alone = tile_reserve(run, False) if apart else None
    residency = plan_residency(network, chip, batch, run.stored, fusion, reserve, weights_alone)
    sinks = {r for layer in network.layers if layer.name not in consumed for r in residency.roots[layer.name]}
    tilings = []
    for layer, is_view in zip(network.layers, views, strict=True):
        spilled = residency.spilled_roots(layer.inputs)
        written = fusion.written(layer.name)  # a fused pool's output is its producer's to write
        out = not is_view and (written in residency.spilled or written in sinks)
        inputs = 0.0 if is_view else sum(element_bytes[r] for r in spilled)
        owner = layer.tied or layer.name
        weights = (
            0.0 if owner in residency.pinned else weights_read(layer, run.layer_weights[layer.name], batch)
        )
        outputs = dram_outputs(layer, element_bytes[written]) if out else 0.0
        options = tile_options(layer, batch, chip, weights, inputs, outputs)
        tilings.append(pick_tiling(options, residency.tile_bytes, residency.weight_tile_bytes))
    return residency, tilings


def _plan_layer(
    run: Run,
    layer: Layer,
    mapping: ArrayMapping,
    tiling: Tiling,
    res: Residency,
    macs: float,
    waits: tuple[str, ...],
    cache_share: float,
) -> LayerPlan:
    """`cache_share`: the part of the inputs read from DRAM that is KV cache."""
    chip, stored = run.chip, run.layer_weights[layer.name]
    pinned = (layer.tied or layer.name) in res.pinned
    weights, acts, kv = TensorKind.WEIGHTS, TensorKind.ACTIVATIONS, TensorKind.KV_CACHE
    # cold: the pinned weights' first load, of what this layer reads of them (a pinned table is
    # filled as its rows are first looked up; a tied output layer loads the whole table)
    weights_in = tiling.weight_bytes + (
        weights_read(layer, stored, run.batch) if pinned and run.cold else 0.0
    )
    bypassed = _bypassed(mapping, tiling, chip)
    w_skip, i_skip = (bypassed.get(operand, 0.0) for operand in (Operand.WEIGHTS, Operand.INPUTS))
    # what comes from DRAM is written into the buffer (less what bypasses it: the array reads
    # that straight from DRAM, not from the buffer); what goes to DRAM is read out of it
    inputs, outputs = tiling.input_bytes - i_skip, tiling.output_bytes
    cache_out = outputs if layer.op == "kv_cache" else 0.0
    source, home = run.sources, chip.holding(weights)[-1]
    buffer = chip.buffer_names
    # cold, with the weights' home farther out than where they are read from (flash under
    # DRAM): the first inference copies them in (a tied layer's are its owner's)
    copied = run.stored.get(layer.name, 0.0) if run.cold and home is not source[weights] else 0.0
    traffic = placed(run, layer, mapping).moving(
        (home.name, weights, copied, 0.0),
        (source[weights].name, weights, weights_in, copied),
        (buffer[weights], weights, -w_skip, weights_in - w_skip),
        (source[acts].name, acts, tiling.input_bytes * (1 - cache_share), outputs - cache_out),
        (source[kv].name, kv, tiling.input_bytes * cache_share, cache_out),
        (buffer[acts], acts, outputs - cache_out - i_skip, inputs * (1 - cache_share)),
        (buffer[kv], kv, cache_out, inputs * cache_share),
    )
    compute_s = mapping.cycles / chip.clock_hz
    for level in chip.buffers:  # the array cannot run faster than its buffers feed it
        if level.bandwidth_bytes_per_s:
            compute_s = max(compute_s, traffic.bytes(level.name) / level.bandwidth_bytes_per_s)
    return LayerPlan(layer, macs, stored, mapping, tiling, traffic, compute_s, waits, pinned, tuple(bypassed))


def _bypassed(mapping: ArrayMapping, tiling: Tiling, chip: Accelerator) -> dict[Operand, float]:
    """The operands the chip may stream past its buffer (memory.bypass) that gain nothing from
    it here, with the bytes not staged: the array reads no more of them than comes from DRAM,
    so each byte would be written into the buffer and read out once (nn_dataflow allows the same)."""
    if not chip.bypass:
        return {}
    loaded = {Operand.WEIGHTS: tiling.weight_bytes, Operand.INPUTS: tiling.input_bytes}
    return {
        operand: min(fetched, loaded[operand])
        for operand in loaded
        if operand in chip.bypass
        and loaded[operand] > 0
        and (fetched := mapping.fetched.get(operand, 0.0)) <= loaded[operand] * (1 + 1e-9)
    }


def _job(plan: LayerPlan, chip: Accelerator, compute_s: float) -> Job:
    """A layer's chunks: each loads its share of the bytes read from each off-chip level (one
    DMA engine moves them all, each at its level's bandwidth), computes, and stores its share
    of the bytes written off chip."""
    bandwidth = chip.off_chip_bandwidth
    loads = dict.fromkeys(bandwidth, 0.0)
    stores = dict.fromkeys(bandwidth, 0.0)
    for moved, totals in ((plan.traffic.read, loads), (plan.traffic.write, stores)):
        for (level, _), nbytes in moved.items():
            if level in totals:
                totals[level] += nbytes
    n = max(1, min(MAX_CHUNKS, plan.tiling.tiles)) if any(stores.values()) or any(loads.values()) else 1
    load_s = sum(nbytes / n / bandwidth[level] for level, nbytes in loads.items())
    store_s = sum(nbytes / n / bandwidth[level] for level, nbytes in stores.items() if nbytes)
    chunk = Chunk(load_s, compute_s / n, store_s)
    return Job(plan.layer.name, (chunk,) * n, plan.waits_for)
