"""Chip power against silicon (issue 30): Eyeriss v1 as measured (Chen et al., JSSC 2017),
with the bundled `eyeriss.yaml` and nothing fitted to the measurement.

The paper measures the chip (not the DRAM) while it runs the convolutional layers: 278 mW on
AlexNet at batch 4, 236 mW on VGG-16 at batch 3. The model's figure is the same: the conv
layers' dynamic energy without DRAM over the time they take, plus the chip's static power
(logic leakage, clock) and its memories' leakage.
"""

from __future__ import annotations

import pytest

from accelsim import Result, simulate

MEASURED_W = {("alexnet", 4): 0.278, ("vgg16", 3): 0.236}


def conv_chip_power_w(result: Result) -> float:
    convs = [layer for layer in result.layers if layer.kind == "conv"]
    dynamic = sum(
        joules for layer in convs for part, joules in layer.energy_breakdown_j.items() if part != "dram"
    )
    seconds = sum(layer.end_s - layer.start_s for layer in convs)
    static = (result.energy_breakdown_j["static"] + result.energy_breakdown_j["memory_leakage"]) * result.fps
    return dynamic * result.batch / seconds + static


@pytest.mark.parametrize(("net", "batch"), list(MEASURED_W))
def test_eyeriss_chip_power_is_what_its_parts_draw(net: str, batch: int) -> None:
    """Today the model's parts draw 52% (AlexNet) and 66% (VGG-16) of the measured power: MACs,
    scratchpads, the buffer, the array's wires, a 9.5 mW clock tree and the SRAMs' leakage (the
    logic leaks 0.03 mW: TSMC 65 nm LP). The rest is what the model does not draw: the NoC's
    routers and multicast controllers, each PE's control, and the clocking of the 576 bits of
    register-file scratchpad per PE, which the model takes as clock-gated."""
    ratio = conv_chip_power_w(simulate(net, "eyeriss", batch=batch)) / MEASURED_W[net, batch]
    assert 0.45 <= ratio <= 0.75


@pytest.mark.xfail(
    strict=True,
    reason="issue 30's target: Eyeriss's control, NoC and register-file clocking are not modelled",
)
@pytest.mark.parametrize(("net", "batch"), list(MEASURED_W))
def test_eyeriss_chip_power_within_25_percent_of_silicon(net: str, batch: int) -> None:
    ratio = conv_chip_power_w(simulate(net, "eyeriss", batch=batch)) / MEASURED_W[net, batch]
    assert abs(ratio - 1) <= 0.25
