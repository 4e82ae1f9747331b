"""PE-local traffic by dataflow and the row-stationary mapping (README "PE-local energy")."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accelsim import load_hw, load_net, simulate, variant
from accelsim.hw.enums import Level
from accelsim.ir.build import build_network
from accelsim.ir.network import LayerSpec
from accelsim.map import map_layer
from tests.map.test_array import array

EYERISS = load_hw("eyeriss")


def test_row_stationary_cycles_of_vgg_conv1_2_match_nn_dataflow() -> None:
    """3x3 filters on 12 rows: four sets of 3 rows, 16 strips of 14 output rows; each PE runs
    224 outputs x 3 taps per (filter, channel) pair: 16 x 16 x 64 passes x 672 cycles."""
    layer = load_net("vgg16").layers[2]  # conv1_2: 64 -> 64, 224 x 224
    assert layer.weight_shape == (64, 64, 3, 3)
    mapping = map_layer(layer, EYERISS, 1)
    assert mapping.cycles == 16 * 16 * 64 * 224 * 3 == 11_010_048  # nn_dataflow 2.1's count
    assert mapping.utilization == pytest.approx(1.0)


def test_row_stationary_alexnet_conv1_uses_154_of_168_pes() -> None:
    """11 filter rows fill 11 of 12 rows; 55 output rows make 4 strips of 14 (the last 13)."""
    mapping = map_layer(load_net("alexnet").layer("conv1"), EYERISS, 1)
    assert mapping.cycles == 4 * 96 * 3 * 55 * 11
    assert mapping.utilization == pytest.approx(105_415_200 / (4 * 96 * 3 * 55 * 11 * 168))  # 0.90


def test_row_stationary_pe_accesses_are_four_words_per_mac_and_fills() -> None:
    layer = load_net("vgg16").layers[2]
    pe = map_layer(layer, EYERISS, 1).pe
    macs = layer.macs
    for operand in ("weights", "inputs", "psums"):
        assert pe.reads[operand] == 2 * macs  # one 16-bit read each per MAC
    assert pe.writes["psums"] == 2 * macs
    assert pe.accesses() / 2 / macs == pytest.approx(4.0, abs=0.1)


def test_systolic_pe_traffic_by_dataflow() -> None:
    layer = load_net("alexnet").layer("conv3")  # 256 -> 384, 3x3, 13x13, int8, 32-bit sums
    macs = layer.macs
    ws = map_layer(layer, array(32, 32, "weight_stationary"), 1).pe
    assert ws.writes["weights"] == layer.params  # held: written once
    assert ws.writes["inputs"] == macs and ws.writes["psums"] == 4 * macs  # passed on every MAC
    os_ = map_layer(layer, array(32, 32, "output_stationary"), 1).pe
    assert os_.writes["psums"] == 4 * macs  # the accumulator, updated every MAC
    assert os_.writes["weights"] == os_.writes["inputs"] == macs
    assert os_.bus_pitches["weights"] == macs  # one pitch per MAC
    is_ = map_layer(layer, array(32, 32, "input_stationary"), 1).pe
    assert is_.writes["weights"] == macs and is_.writes["psums"] == 4 * macs
    assert is_.writes["inputs"] < macs  # held: loaded once per fold


def test_registers_cost_their_writes_and_scratchpads_every_access() -> None:
    chip = load_hw("2W_npu")
    weights = chip.pe.stores["weights"]
    assert weights.registers and weights.words == 2
    pe = map_layer(load_net("alexnet").layer("conv3"), chip, 1).pe
    stores, _ = pe.energy(chip.pe)
    assert stores["weights"] == pytest.approx(pe.writes["weights"] * weights.j_per_byte)  # reads free
    filters = EYERISS.pe.stores["weights"]
    assert not filters.registers and filters.capacity_bytes == 448
    rs = map_layer(load_net("alexnet").layer("conv3"), EYERISS, 1).pe
    stores, _ = rs.energy(EYERISS.pe)
    assert stores["weights"] == pytest.approx(
        (rs.reads["weights"] + rs.writes["weights"]) * filters.j_per_byte
    )


def test_eyeriss_streams_filters_past_its_buffer() -> None:
    """Filters read once per inference from DRAM go straight to the PEs; with no bypass they
    are written into the buffer and read out of it, which costs energy and moves nothing else."""
    bypass = simulate("alexnet", "eyeriss")
    staged = simulate("alexnet", variant("eyeriss", {"memory.bypass": []}))
    fc6 = {layer.name: layer for layer in bypass.layers}["fc6"]
    assert fc6.bypassed == ("weights",)
    assert all(not layer.bypassed for layer in staged.layers)
    assert bypass.dram_bytes == staged.dram_bytes and bypass.latency_s == staged.latency_s
    saved = staged.memory_energy_j["sram"]["weights"] - bypass.memory_energy_j["sram"]["weights"]
    sram = EYERISS.buffers[0]
    per_byte = sram.read_j_per_byte + sram.write_j_per_byte  # FC weights in, then out
    assert saved == pytest.approx(58_621_952 * 2 * per_byte, rel=0.05)


def test_array_bus_is_its_own_component_outside_the_memory_share() -> None:
    r = simulate("squeezenet", "2W_npu")
    memory = sum(r.energy_breakdown_j[k] for k in ("register_file", "sram", "dram", "memory_leakage"))
    assert r.energy_breakdown_j["array_bus"] > 0
    assert r.memory_share == pytest.approx(memory / r.energy_j)


def conv(c: int, k: int, size: int, kernel: int, stride: int, groups: int) -> Any:
    attrs = {"out": k, "k": kernel, "stride": stride, "groups": groups, "pad": kernel // 2}
    spec = LayerSpec("c", "conv", ("input",), attrs)
    return build_network("p", (c, size, size), [spec]).layers[0]


layers = st.builds(
    conv,
    c=st.sampled_from([1, 3, 8, 16, 64]),
    k=st.sampled_from([1, 8, 16, 96]),
    size=st.integers(1, 30),
    kernel=st.sampled_from([1, 3, 5, 7]),
    stride=st.sampled_from([1, 2, 4]),
    groups=st.just(1),
)
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(
    layers,
    st.sampled_from(["weight_stationary", "output_stationary", "input_stationary", "row_stationary"]),
    st.integers(1, 4),
)
def test_pe_traffic_per_mac_never_exceeds_the_operands(layer: Any, dataflow: str, batch: int) -> None:
    """Per MAC, each operand is read at most once and written at most once in its PE."""
    hw = (
        variant("eyeriss", {"compute.dataflow": dataflow})
        if dataflow == "row_stationary"
        else array(12, 14, dataflow)
    )
    pe = map_layer(layer, hw, batch).pe
    sizes = {
        "weights": hw.weight_bits / 8,
        "inputs": hw.activation_bits / 8,
        "psums": hw.accumulator_bits / 8,
    }
    macs = layer.macs * batch
    for operand, size in sizes.items():
        assert pe.reads.get(operand, 0.0) <= macs * size * (1 + 1e-9)
        assert pe.writes.get(operand, 0.0) <= macs * size * (1 + 1e-9) + layer.params * size, operand


@PROPERTY
@given(layers, st.integers(1, 4), st.sampled_from(["weights", "inputs", "psums"]), st.integers(2, 8))
def test_a_larger_scratchpad_never_increases_buffer_traffic(
    layer: Any, batch: int, operand: str, times: int
) -> None:
    words = {op: EYERISS.pe.stores[op].words for op in ("weights", "inputs", "psums")}
    roomy = {"memory.sram.capacity": "8 MiB"}  # PE storage must stay smaller than the SRAM
    small = map_layer(layer, variant("eyeriss", roomy), batch)
    big = map_layer(
        layer, variant("eyeriss", {**roomy, f"compute.pe.{operand}": words[operand] * times}), batch
    )
    assert big.traffic.bytes(Level.SRAM) <= small.traffic.bytes(Level.SRAM) * (1 + 1e-9)
