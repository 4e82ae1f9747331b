"""A two-level on-chip hierarchy against ZigZag 3.9.1 (tests/fixtures/zigzag_two_level.json,
written by bench/zigzag_compare.py): every convolution and linear layer of SqueezeNet, MobileNet
v2 and ResNet-50, each alone (weights and input from DRAM, output to DRAM, as ZigZag evaluates
layers), on a 32 x 32 weight-stationary array with a 64 KiB local buffer before a 2 MiB global
buffer. Compared per network: the bytes that cross each boundary, global buffer <-> DRAM and
local buffer <-> global buffer, within 1.5x.

Known model differences (README "Memory levels"): ZigZag searches every temporal loop order for
each level and spreads partial sums through the levels (its accumulator register holds one), where
accelsim tiles each level with its loop-nest search over output channels, input channels, rows
and images, and keeps partial sums in the accumulators beside the array; ZigZag's local buffer
holds whatever tiles its mapping chose, accelsim's passes by a tensor kind it gives no reuse."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from accelsim import load_hw, load_net, simulate
from accelsim.ir import Layer, LayerSpec, build_network
from tests.conftest import ROOT

FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "zigzag_two_level.json").read_text())
CHIP = ROOT / "tests" / "fixtures" / FIXTURE["chip"]
TOLERANCE = 1.5


def alone(layer: Layer) -> Any:
    """A network of this one layer (no bias: ZigZag's layers have none)."""
    a = layer.attrs
    if layer.op == "linear":
        spec = LayerSpec(layer.name, "linear", ("input",), {"out": layer.weight_shape[0], "bias": False})
        return build_network(layer.name, (layer.weight_shape[1],), [spec])
    attrs = {"k": list(a["kernel"]), "stride": list(a["stride"]), "dilation": list(a["dilation"])}
    attrs |= {"pad": list(a["pads"]), "bias": False}
    if layer.op == "conv":
        attrs |= {"out": layer.output_shape[0], "groups": a["groups"]}
    spec = LayerSpec(layer.name, layer.op, ("input",), attrs)
    return build_network(layer.name, layer.input_shapes[0], [spec])


@cache
def accelsim_boundaries(net: str) -> dict[str, float]:
    """Bytes across each boundary, summed over the network's layers, each alone: every DRAM
    byte crosses global <-> DRAM; the rest of the global buffer's traffic goes to the local one."""
    chip = load_hw(CHIP)
    layers = {layer.name: layer for layer in load_net(net).layers}
    total = {"global_dram": 0.0, "local_global": 0.0}
    for row in FIXTURE["layers"][net]:
        r = simulate(alone(layers[row["name"]]), chip, mode="cold")
        moved = {name: t["read_bytes"] + t["write_bytes"] for name, t in r.level_traffic.items()}
        total["global_dram"] += moved["dram"]
        total["local_global"] += moved["global"] - moved["dram"]
    return total


def zigzag_boundaries(net: str) -> dict[str, float]:
    rows = FIXTURE["layers"][net]
    return {
        "global_dram": sum(row["moved"]["global.above"] for row in rows),
        "local_global": sum(row["moved"]["local.above"] for row in rows),
    }


def test_the_fixture_covers_every_array_layer() -> None:
    for net in ("squeezenet", "mobilenet_v2", "resnet50"):
        names = [layer.name for layer in load_net(net).layers if layer.op in ("conv", "dwconv", "linear")]
        assert [row["name"] for row in FIXTURE["layers"][net]] == names


@pytest.mark.parametrize("net", ["squeezenet", "mobilenet_v2", "resnet50"])
@pytest.mark.parametrize("boundary", ["global_dram", "local_global"])
def test_traffic_per_level_within_1_5x_of_zigzag(net: str, boundary: str) -> None:
    mine, theirs = accelsim_boundaries(net)[boundary], zigzag_boundaries(net)[boundary]
    assert 1 / TOLERANCE <= mine / theirs <= TOLERANCE, (net, boundary, mine, theirs)


def test_readme_zigzag_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("| network | global buffer <-> DRAM") :].split("\n\n")[0]
    names = {"SqueezeNet": "squeezenet", "MobileNet v2": "mobilenet_v2", "ResNet-50": "resnet50"}
    for line in table.splitlines()[2:]:
        name, *cells = (cell.strip() for cell in line.strip("|").split("|"))
        mine, theirs = accelsim_boundaries(names[name]), zigzag_boundaries(names[name])
        for cell, boundary in zip(cells, ("global_dram", "local_global"), strict=True):
            ours, peer = (float(x) for x in cell.split(" MiB")[0].split(" / "))
            assert ours == pytest.approx(mine[boundary] / 2**20, abs=0.005)
            assert peer == pytest.approx(theirs[boundary] / 2**20, abs=0.005)
            assert cell.endswith(f"({mine[boundary] / theirs[boundary]:.2f}x)")
