"""SRAM operand reads against SCALE-Sim v3 on its own topologies (tests/validation/data/README.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from accelsim import LayerSpec, build_network, variant
from accelsim.hw.enums import Level, TensorKind
from accelsim.map import map_layer

DATA = Path(__file__).parent / "data" / "scalesim"
KNOWN = {("squeezenet1_0", "Conv1"): (109 / 110) ** 2}  # SCALE-Sim's 110 output rows for a true 109


def topology(net: str) -> list[tuple[str, list[int]]]:
    rows = list(csv.reader((DATA / f"{net}.csv").open()))[1:]
    return [(row[0].strip(), [int(x) for x in row[1:8]]) for row in rows if row and row[0].strip()]


@pytest.mark.parametrize("net", ["alexnet", "squeezenet1_0", "mobilenet_v1"])
@pytest.mark.parametrize(("tag", "dataflow"), [("ws", "weight_stationary"), ("os", "output_stationary")])
def test_sram_reads_match_scalesim(net: str, tag: str, dataflow: str) -> None:
    chip = variant(
        "2W_npu", {"compute.rows": 32, "compute.cols": 32, "compute.dataflow": dataflow, "name": tag}
    )
    peers = list(csv.DictReader((DATA / f"{net}_{tag}.csv").open()))
    layers = topology(net)
    assert len(peers) == len(layers) > 5
    for (name, (h, w, r, s, c, k, stride)), peer in zip(layers, peers, strict=True):
        spec = LayerSpec("l", "conv", ("input",), {"out": k, "k": [r, s], "stride": stride, "bias": False})
        layer = build_network(name, (c, h, w), [spec]).layers[0]
        reads = map_layer(layer, chip, 1).traffic.read  # int8: bytes are SCALE-Sim's words
        expected = KNOWN.get((net, name), 1.0)
        ifmap = reads[Level.SRAM, TensorKind.ACTIVATIONS] / float(peer["sram_ifmap_reads"])
        filters = reads[Level.SRAM, TensorKind.WEIGHTS] / float(peer["sram_filter_reads"])
        assert ifmap == pytest.approx(expected, rel=0.01), (name, ifmap)
        assert filters == pytest.approx(expected if tag == "os" else 1.0, rel=0.01), (name, filters)
