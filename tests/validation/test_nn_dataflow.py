"""DRAM traffic, PE-local accesses, cycles and energy shares against nn_dataflow 2.1 on the same
Eyeriss-like chip (tests/validation/data/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from accelsim import load_net, simulate, variant

DATA = Path(__file__).parent / "data" / "nn_dataflow"
CHIP = {"name": "eyeriss_nn_dataflow"}  # the bundled eyeriss: row-stationary, 520 B per PE
NN_DATAFLOW_ASSUMPTIONS = {
    **CHIP,
    "memory.tile_buffers": 1,
    "compute.fuse": "activation",  # its pooling layers are layers of their own
}
# nn_dataflow's normalized costs: one MAC = 1; per 16-bit word DRAM 200, buffer 6, array bus 2,
# register file 1 (its hier_cost_dram_gbuf_itcn_regf); pooling ops cost a MAC.
NORMALIZED_COSTS = {
    "compute.mac_energy": "1 pJ",
    "compute.vector.op_energy": "1 pJ",
    "memory.dram.read_energy": "100 pJ/B",
    "memory.dram.write_energy": "100 pJ/B",
    "memory.sram.read_energy": "3 pJ/B",
    "memory.sram.write_energy": "3 pJ/B",
    "compute.pe.array_bus_energy": "1 pJ/B",
    "compute.pe.energy": "0.5 pJ/B",
}
SHARES = {
    "mac": "PE ops (MAC)",
    "register_file": "REGF",
    "array_bus": "ITCN (array bus)",
    "sram": "GBUF",
    "dram": "DRAM",
}
RUNS = [
    ("alexnet", "alex_net", 1),
    ("alexnet", "alex_net", 4),
    ("squeezenet", "squeezenet1_0", 1),
    ("vgg16", "vgg_net", 1),
]
WORD = 2  # bytes: 16-bit words on both sides


def peer(name: str, batch: int) -> dict[str, Any]:
    return json.loads((DATA / f"{name}_eyeriss_b{batch}.json").read_text())


def words_per_mac(net: str, chip: Any, batch: int) -> float:
    r = simulate(net, chip, batch=batch)
    return sum(r.dram_bytes.values()) * batch / WORD / (load_net(net).macs * batch)


def layer_name(net: str, peer_layer: str) -> str:
    """accelsim's name for one of nn_dataflow's conv/FC layers."""
    if net == "vgg16":
        convs = [layer.name for layer in load_net("vgg16").layers if layer.kind == "conv"]
        if peer_layer.startswith("conv"):
            return convs[int(peer_layer[4:]) - 1]
    if peer_layer.startswith("fc"):
        return f"fc{int(peer_layer[2:]) + 5}"
    return peer_layer.replace("_squeeze", "/squeeze1x1").replace("_expand", "/expand")


@pytest.mark.parametrize(("net", "peer_net", "batch"), RUNS)
@pytest.mark.parametrize(
    "changes", [CHIP, NN_DATAFLOW_ASSUMPTIONS], ids=["as-modelled", "nn-dataflow-assumptions"]
)
def test_dram_words_per_mac_within_1_3x(net: str, peer_net: str, batch: int, changes: dict) -> None:
    reference = peer(peer_net, batch)
    theirs = reference["accesses_dram_gbuf_itcn_regf"][0] / reference["total_ops"]
    ratio = words_per_mac(net, variant("eyeriss", changes), batch) / theirs
    assert 1 / 1.3 <= ratio <= 1.3, ratio


KNOWN = {("squeezenet", "conv10"): 1.4}  # the register files as tile storage: see data/README.md


@pytest.mark.parametrize(("net", "peer_net", "batch"), RUNS)
def test_the_largest_layers_within_1_3x(net: str, peer_net: str, batch: int) -> None:
    reference = peer(peer_net, batch)
    total = reference["accesses_dram_gbuf_itcn_regf"][0]
    result = simulate(net, variant("eyeriss", NN_DATAFLOW_ASSUMPTIONS), batch=batch)
    ours = {layer.name: layer for layer in result.layers}
    checked = 0
    for layer in reference["per_layer"]:
        words = layer["access_dram_gbuf_itcn_regf"][0]
        if words < 0.04 * total or not layer["layer"].startswith(("conv", "fc", "fire")):
            continue
        mine = ours[layer_name(net, layer["layer"])]
        assert mine.macs * batch == pytest.approx(layer["ops"], rel=0.02)  # the same layer
        ratio = mine.dram_bytes * batch / WORD / words
        limit = KNOWN.get((net, layer["layer"]), 1.3)
        assert 1 / 1.3 <= ratio <= limit, (layer["layer"], ratio)
        checked += 1
    assert checked >= 3


def test_batch_reuse_of_weights() -> None:
    """AlexNet's FC weights are read once for a batch of four, not once per image."""
    chip = variant("eyeriss", CHIP)
    one = simulate("alexnet", chip, batch=1).dram_bytes["weights"]
    four = simulate("alexnet", chip, batch=4).dram_bytes["weights"]  # per inference
    assert four == pytest.approx(one / 4, rel=0.05)


@pytest.mark.parametrize(("net", "peer_net", "batch"), RUNS)
def test_register_file_words_per_mac_within_1_3x(net: str, peer_net: str, batch: int) -> None:
    """Row-stationary PEs read a filter and an ifmap word and read and write a partial sum per
    MAC, plus the scratchpad fills: nn_dataflow counts 4.0 words per MAC."""
    reference = peer(peer_net, batch)
    theirs = reference["accesses_dram_gbuf_itcn_regf"][3] / reference["total_ops"]
    result = simulate(net, variant("eyeriss", CHIP), batch=batch)
    ours = sum(layer.pe_bytes for layer in result.layers) / WORD / load_net(net).macs
    assert 1 / 1.3 <= ours / theirs <= 1.3, ours
    assert 4.0 <= ours <= 4.0 * 1.1  # four per MAC and fills that are few beside them


@pytest.mark.parametrize(("net", "peer_net", "batch"), RUNS)
def test_energy_shares_at_nn_dataflow_costs_within_10_points(net: str, peer_net: str, batch: int) -> None:
    reference = peer(peer_net, batch)["cost_share"]
    chip = variant("eyeriss", {**NN_DATAFLOW_ASSUMPTIONS, **NORMALIZED_COSTS})
    result = simulate(net, chip, batch=batch)
    for ours, theirs in SHARES.items():
        share = result.energy_breakdown_j[ours] / result.energy_j
        assert share == pytest.approx(reference[theirs], abs=0.10), (ours, share, reference[theirs])


@pytest.mark.parametrize(("net", "peer_net", "batch"), RUNS)
def test_row_stationary_cycles_within_10_percent(net: str, peer_net: str, batch: int) -> None:
    """nn_dataflow's time is compute only: the array layers' cycles are the comparable figure."""
    reference = peer(peer_net, batch)
    result = simulate(net, variant("eyeriss", NN_DATAFLOW_ASSUMPTIONS), batch=batch)
    ours = sum(layer.cycles for layer in result.layers if layer.engine == "array")
    theirs = sum(
        layer["time"] for layer in reference["per_layer"] if layer["layer"].startswith(("conv", "fc", "fire"))
    )
    assert ours == pytest.approx(theirs, rel=0.10)
