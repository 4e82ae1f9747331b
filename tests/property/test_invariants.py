"""Property-based invariants of the simulator over random layers and chips (hypothesis)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accelsim import LayerSpec, build_network, load_hw, simulate
from accelsim.hw.resolve import resolve_accelerator
from accelsim.hw.schema import HwConfig, with_fields

BASE = load_hw("2W_npu").config.model_dump()


@st.composite
def networks(draw: Any) -> Any:
    channels = draw(st.integers(1, 48))
    size = draw(st.integers(4, 40))
    kernel = draw(st.sampled_from([1, 3, 5]))
    stride = draw(st.sampled_from([1, 2]))
    depthwise = draw(st.booleans())
    specs = [LayerSpec("stem", "conv", ("input",), {"out": channels, "k": 1})]
    if depthwise:
        specs.append(LayerSpec("body", "dwconv", ("stem",), {"k": kernel, "stride": stride, "pad": "same"}))
    else:
        out = draw(st.integers(1, 96))
        specs.append(
            LayerSpec("body", "conv", ("stem",), {"out": out, "k": kernel, "stride": stride, "pad": "same"})
        )
    specs += [
        LayerSpec("act", "relu", ("body",)),
        LayerSpec("pool", "maxpool", ("act",), {"k": 2, "ceil_mode": True}),  # fuses into body
        LayerSpec("skip", "concat", ("pool", "pool")),
        LayerSpec("head", "linear", ("skip",), {"out": draw(st.integers(1, 64))}),
    ]
    return build_network("random", (draw(st.integers(1, 4)), size, size), specs)


def _decoder_block(p: str, x: str, d: int, heads: int, past: int) -> list[LayerSpec]:
    """Pre-norm causal attention with a KV cache, then an MLP; layer names prefixed by `p`."""
    layers = [
        ("ln", "layernorm", (x,), {}),
        *((proj, "linear", ("ln",), {"out": d, "last_axis": True}) for proj in "qkv"),
        ("kc", "kv_cache", ("k",), {"past": past}),
        ("vc", "kv_cache", ("v",), {"past": past}),
        ("qh", "split_heads", ("q",), {"heads": heads}),
        ("kh", "split_heads", ("kc",), {"heads": heads, "transpose": True}),
        ("vh", "split_heads", ("vc",), {"heads": heads}),
        ("s", "matmul", ("qh", "kh"), {}),
        ("p", "softmax", ("s",), {"mask": True}),
        ("c", "matmul", ("p", "vh"), {}),
        ("m", "merge_heads", ("c",), {}),
        ("o", "linear", ("m",), {"out": d, "last_axis": True}),
        ("fc", "linear", ("o",), {"out": 4 * d, "last_axis": True}),
        ("g", "gelu", ("fc",), {}),
        ("r", "add", ("g", "fc"), {}),
        ("pr", "linear", ("r",), {"out": d, "last_axis": True}),
    ]
    return [
        LayerSpec(p + name, op, tuple(src if src == x else p + src for src in inputs), attrs)
        for name, op, inputs, attrs in layers
    ]


@st.composite
def decoders(draw: Any) -> Any:
    """A small language model's decode or prefill pass: embedding, attention with a KV cache of
    `past` earlier tokens, an MLP, and an output layer tied to the embedding."""
    heads = draw(st.integers(1, 4))
    d = heads * draw(st.integers(1, 24))
    vocab = draw(st.integers(2, 3000))
    seq, past = draw(st.integers(1, 16)), draw(st.integers(0, 400))
    specs = [LayerSpec("tok", "embedding", ("input",), {"vocab": vocab, "out": d})]
    for i in range(draw(st.integers(1, 2))):
        specs += _decoder_block(f"b{i}_", specs[-1].name, d, heads, past)
    specs.append(
        LayerSpec("head", "linear", (specs[-1].name,), {"out": vocab, "last_axis": True, "tied": "tok"})
    )
    return build_network("decoder", (seq,), specs)


@st.composite
def recurrents(draw: Any) -> Any:
    """A small speech model: one or two recurrent layers (LSTM, LSTMP or GRU, one or two
    directions) over a sequence of frames, then a classifier."""
    steps, features = draw(st.integers(1, 60)), draw(st.integers(1, 40))
    specs, x = [], "input"
    for i in range(draw(st.integers(1, 2))):
        cell = draw(st.sampled_from(["lstm", "gru"]))
        attrs: dict[str, Any] = {
            "hidden": draw(st.integers(1, 96)),
            "bidirectional": draw(st.booleans()),
            "recurrent_bias": draw(st.booleans()),
        }
        if cell == "lstm":
            attrs["proj"] = draw(st.sampled_from([0, 8, 32]))
            attrs["peepholes"] = draw(st.booleans())
        specs.append(LayerSpec(f"rnn{i}", cell, (x,), attrs))
        x = f"rnn{i}"
    specs.append(LayerSpec("head", "linear", (x,), {"out": draw(st.integers(1, 12)), "last_axis": True}))
    return build_network("speech", (steps, features), specs)


def chip(**changes: Any) -> Any:
    bandwidth = changes.get("bandwidth", 4e9)
    data = with_fields(
        BASE,
        {
            "compute.rows": changes.get("rows", 8),
            "compute.cols": changes.get("cols", 8),
            "compute.dataflow": changes.get("dataflow", "weight_stationary"),
            "compute.fuse": changes.get("fuse", "activation+pool"),
            "memory.sram.capacity": changes.get("sram", 64 * 1024),
            "memory.dram.bandwidth": bandwidth,
        },
    )
    if changes.get("flash"):  # an MCU's: the weights live in flash instead of DRAM
        sram, dram = data["memory"]["levels"]
        flash = {"name": "flash", "kind": "flash", "capacity": 2**24, "bandwidth": bandwidth / 2}
        data["memory"]["levels"] = [sram, {**dram, "holds": ["activations", "kv_cache"]}, flash]
    return resolve_accelerator(HwConfig.model_validate(data))


chips = st.fixed_dictionaries(
    {
        "rows": st.integers(1, 40),
        "cols": st.integers(1, 40),
        "dataflow": st.sampled_from(
            ["weight_stationary", "output_stationary", "input_stationary", "row_stationary"]
        ),
        "sram": st.integers(2**14, 2**21),
        "bandwidth": st.floats(1e8, 1e11),
        "flash": st.booleans(),
    }
)
modes = st.sampled_from(["steady", "cold"])
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def dram_total(result: Any) -> float:
    """Bytes moved off chip: DRAM, and flash where the weights live there."""
    return sum(result.dram_bytes.values()) + result.flash_bytes


@SETTINGS
@given(st.one_of(networks(), decoders(), recurrents()), chips, modes)
def test_components_sum_and_determinism(net: Any, params: dict, mode: str) -> None:
    hw = chip(**params)
    result = simulate(net, hw, mode=mode)
    assert math.isclose(sum(result.energy_breakdown_j.values()), result.energy_j, rel_tol=1e-12)
    assert all(value >= 0 for value in result.energy_breakdown_j.values())
    assert simulate(net, hw, mode=mode).to_dict() == result.to_dict()


@SETTINGS
@given(networks(), chips)
def test_dram_traffic_at_least_compulsory(net: Any, params: dict) -> None:
    hw = chip(**params)
    cold = simulate(net, hw, mode="cold")
    compulsory = (
        net.params * hw.weight_bits / 8
        + math.prod(net.input_shape) * hw.activation_bits / 8
        + net.layers[-1].output_elements * hw.activation_bits / 8
    )
    assert dram_total(cold) >= compulsory * (1 - 1e-9)


@SETTINGS
@given(st.one_of(networks(), decoders(), recurrents()), chips, modes)
def test_bigger_sram_never_increases_dram_traffic(net: Any, params: dict, mode: str) -> None:
    small = simulate(net, chip(**params), mode=mode)
    big = simulate(net, chip(**{**params, "sram": params["sram"] * 2}), mode=mode)
    assert dram_total(big) <= dram_total(small) * (1 + 1e-9)
    assert big.pinned_weight_bytes >= small.pinned_weight_bytes
    assert big.kv_cache_fits_on_chip >= small.kv_cache_fits_on_chip
    for a, b in zip(small.layers, big.layers, strict=True):  # nor does any layer (DRAM and flash)
        moved_a, moved_b = a.dram_bytes + a.flash_bytes, b.dram_bytes + b.flash_bytes
        assert moved_b <= moved_a * (1 + 1e-9) + 1e-9, (a.name, moved_a, moved_b)


@SETTINGS
@given(st.one_of(networks(), decoders(), recurrents()), chips, modes)
def test_more_bandwidth_never_increases_latency(net: Any, params: dict, mode: str) -> None:
    slow = simulate(net, chip(**params), mode=mode)
    fast = simulate(net, chip(**{**params, "bandwidth": params["bandwidth"] * 2}), mode=mode)
    assert fast.latency_s <= slow.latency_s * (1 + 1e-9)


@SETTINGS
@given(networks(), chips, st.integers(1, 8), st.integers(1, 8))
def test_more_macs_never_increase_compute_cycles(
    net: Any, params: dict, more_rows: int, more_cols: int
) -> None:
    base = simulate(net, chip(**params))
    bigger = simulate(
        net, chip(**{**params, "rows": params["rows"] + more_rows, "cols": params["cols"] + more_cols})
    )
    for a, b in zip(base.layers, bigger.layers, strict=True):
        if a.engine == "array":
            assert b.cycles <= a.cycles, (a.name, a.cycles, b.cycles)


@SETTINGS
@given(st.one_of(networks(), recurrents()), chips, st.sampled_from([2, 3, 4, 6, 8]))
def test_a_batch_never_costs_more_per_image_than_one_image_at_a_time(
    net: Any, params: dict, batch: int
) -> None:
    """Steady state: the chip could always run the images one by one (issue 31). Language
    models with KV caches are not drawn: their batch runs whole, every sequence's cache alive
    through it (README "Batches"), and at batch B a decoder can cost more per sequence."""
    hw = chip(**params)
    one, many = simulate(net, hw), simulate(net, hw, batch=batch)
    off_chip = [sum(r.dram_bytes.values()) + r.flash_bytes for r in (one, many)]
    assert off_chip[1] <= off_chip[0] * (1 + 1e-9) + 1e-9
    assert many.energy_j <= one.energy_j * (1 + 1e-9)
    assert batch % many.group_size == 0 and many.batch == batch
    assert many.latency_s / batch <= one.latency_s * (1 + 1e-9)  # never slower per image either


@SETTINGS
@given(st.one_of(networks(), recurrents()), chips, st.sampled_from([2, 3, 4, 6, 8]))
def test_a_cold_batch_never_costs_more_than_one_cold_image_then_steady_ones(
    net: Any, params: dict, batch: int
) -> None:
    """Cold: the first image loads the weights, the others find them; grouped or not, a cold
    batch costs no more per image than that (issue 31), and its components still sum."""
    hw = chip(**params)
    cold, steady = simulate(net, hw, mode="cold"), simulate(net, hw)
    many = simulate(net, hw, mode="cold", batch=batch)
    alone = [(a + (batch - 1) * b) / batch for a, b in ((cold.energy_j, steady.energy_j),)]
    assert many.energy_j <= alone[0] * (1 + 1e-9)
    off = [sum(r.dram_bytes.values()) + r.flash_bytes for r in (cold, steady, many)]
    assert off[2] <= (off[0] + (batch - 1) * off[1]) / batch * (1 + 1e-9) + 1e-9
    assert many.latency_s <= (cold.latency_s + (batch - 1) * steady.latency_s) * (1 + 1e-9)
    assert sum(many.energy_breakdown_j.values()) == pytest.approx(many.energy_j)
    assert batch % many.group_size == 0 and many.batch == batch and many.mode == "cold"


@SETTINGS
@given(networks(), chips, st.sampled_from(["none", "activation"]))
def test_fusing_never_slows_a_network(net: Any, params: dict, fuse: str) -> None:
    """Fused layers run beside their producers and move nothing: more fusion is never slower."""
    less = simulate(net, chip(**{**params, "fuse": fuse}))
    more = simulate(net, chip(**{**params, "fuse": "activation+pool"}))
    assert more.latency_s <= less.latency_s * (1 + 1e-9)


@SETTINGS
@given(networks(), chips, st.integers(2, 10))
def test_no_buffer_holds_more_than_its_capacity(net: Any, params: dict, weight_log2_kib: int) -> None:
    """A weight buffer beside the activation buffer: every layer's weight tiles fit the room the
    pinned weights leave, and the pinned weights and kept tiles fit each buffer (issue 31)."""
    from accelsim.hw.enums import TensorKind
    from accelsim.pipeline import planned
    from accelsim.transform.compress import store

    hw = chip(**params)
    data = hw.config.model_dump()
    sram, *rest = data["memory"]["levels"]
    weight_buffer = {
        "name": "weight_sram",
        "kind": "sram",
        "capacity": 2**weight_log2_kib * 1024,
        "holds": ["weights"],
    }
    data["memory"]["levels"] = [{**sram, "holds": ["activations", "kv_cache"]}, weight_buffer, *rest]
    split = resolve_accelerator(HwConfig.model_validate(data))
    plan = planned(net, split, store(net, split.weight_bits), "steady", 1)
    residency = plan.residency
    if residency.all_resident:
        return
    room = split.capacity_for(TensorKind.WEIGHTS) - residency.pinned_bytes
    assert room >= 0 and residency.weight_tile_bytes == pytest.approx(room)
    assert residency.tile_bytes <= split.capacity_for(TensorKind.ACTIVATIONS)
    for p in plan.plans:
        assert p.tiling.weight_working <= room * (1 + 1e-9), (p.layer.name, p.tiling.weight_working, room)
    for p, held in zip(plan.plans, plan.occupancy(split), strict=True):  # each buffer, step by step
        for name, nbytes in held.items():
            assert nbytes <= split.level(name).capacity_bytes * (1 + 1e-9), (p.layer.name, name, nbytes)


@SETTINGS
@given(st.one_of(networks(), decoders(), recurrents()), chips, st.sampled_from([1, 2, 4]))
def test_every_buffer_holds_no_more_than_its_capacity_at_every_layer(
    net: Any, params: dict, batch: int
) -> None:
    """Step by step (issue 31): at each layer, what each home buffer holds (pinned weights, kept
    caches, the kept activations live then, the layer's tiles) fits it. A few-KiB buffer may be
    too small for a layer's finest tiling: the result then names the layer (`overfilled`); these
    chips' 16 KiB or more always suffice."""
    from accelsim.pipeline import planned
    from accelsim.transform.compress import store

    hw = chip(**params)
    plan = planned(net, hw, store(net, hw.weight_bits), "steady", batch)
    for step, held in zip(plan.plans, plan.occupancy(hw), strict=True):
        for name, nbytes in held.items():
            assert nbytes <= hw.level(name).capacity_bytes * (1 + 1e-9), (step.layer.name, name, nbytes)
    assert simulate(net, hw, batch=batch).overfilled == {}
