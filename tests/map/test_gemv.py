"""The GEMV path (issue 32): a chip with `gemv: vector` runs each linear layer on the array or
on the vector lanes, whichever takes fewer cycles."""

from __future__ import annotations

import math

import pytest

from accelsim import load_net, simulate, variant
from accelsim.apps.generate import generate
from accelsim.hw.enums import TensorKind
from accelsim.map import map_layer


def test_a_decode_step_runs_its_linear_layers_on_the_lanes_and_prefill_on_the_array() -> None:
    chip = variant("edge_llm_npu", {})
    assert chip.datapath.gemv == "vector"
    step = load_net("gpt2", params={"seq": 1, "past": 63})
    fc = step.layer("h_1/fc")
    mapped = map_layer(fc, chip, 1)
    assert mapped.engine.value == "vector"
    assert mapped.cycles == math.ceil(fc.macs / chip.vector_lanes)  # a MAC per lane per cycle
    weights = fc.params * chip.weight_bits / 8
    read = sum(v for (_, kind), v in mapped.traffic.read.items() if kind == TensorKind.WEIGHTS)
    assert read == pytest.approx(weights)  # every weight read once
    prefill = load_net("gpt2", params={"seq": 128, "past": 0})
    assert map_layer(prefill.layer("h_1/fc"), chip, 1).engine.value == "array"


def test_the_lanes_only_ever_make_a_layer_faster() -> None:
    lanes, array = variant("edge_llm_npu", {}), variant("edge_llm_npu", {"compute.gemv": "array"})
    for seq in (1, 8, 128):
        net = load_net("gpt2", params={"seq": seq, "past": 64})
        for layer in net.layers:
            assert map_layer(layer, lanes, 1).cycles <= map_layer(layer, array, 1).cycles, layer.name
        assert simulate(net, lanes).latency_s <= simulate(net, array).latency_s * (1 + 1e-9)


def test_decode_reaches_the_dram_pace() -> None:
    """GPT-2 on edge_llm_npu: ~134 MB a token over 51.2 GB/s allows ~380 tokens/s; the array
    alone gives 161."""
    with_lanes = generate("gpt2", "edge_llm_npu", context=512, tokens=8).tokens_per_s
    on_array = generate("gpt2", variant("edge_llm_npu", {"compute.gemv": "array"}), context=512, tokens=8)
    assert 360 < with_lanes < 385 and on_array.tokens_per_s < 170
