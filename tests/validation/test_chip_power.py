"""Published chips against the model (issue 30), each from its bundled YAML and nothing fitted to
the figure checked: Eyeriss v1 as measured (Chen et al., JSSC 2017), ShiDianNao (Du et al.,
ISCA 2015) and DianNao (Chen et al., ASPLOS 2014) as laid out at 65 nm, TPU v1's PE pitch
(Jouppi et al., ISCA 2017).

Power is the chip's (not the DRAM's) while it runs convolutional layers, as the papers report
it: the conv layers' dynamic energy without DRAM over the time they take, plus the chip's
static power (logic leakage, clock) and its memories' leakage. Each chip runs a network of the
kind its paper measured: Eyeriss AlexNet at batch 4 and VGG-16 at batch 3 (its measurements),
ShiDianNao a small CNN whose weights stay in its 128 KB (DS-CNN S: its benchmarks are CNNs of
that size), DianNao the conv layers of a large CNN (AlexNet: its benchmarks are such layers).
"""

from __future__ import annotations

import pytest

from accelsim import Result, load_hw, simulate
from tests.conftest import ROOT

PUBLISHED_W = {
    ("eyeriss", "alexnet", 4): 0.278,
    ("eyeriss", "vgg16", 3): 0.236,
    ("shidiannao", "ds_cnn_s", 1): 0.320,
    ("diannao", "alexnet", 1): 0.485,
}
PUBLISHED_MM2 = {"shidiannao": 4.86, "diannao": 3.02}
TPU_V1_PITCH_M = 34.8e-6  # 24% of a die of at most 331 mm^2 over 65,536 MACs: an upper bound


def conv_chip_power_w(result: Result) -> float:
    convs = [layer for layer in result.layers if layer.kind == "conv"]
    dynamic = sum(
        joules for layer in convs for part, joules in layer.energy_breakdown_j.items() if part != "dram"
    )
    seconds = sum(layer.end_s - layer.start_s for layer in convs)
    static = (result.energy_breakdown_j["static"] + result.energy_breakdown_j["memory_leakage"]) * result.fps
    return dynamic * result.batch / seconds + static


def power_ratio(chip: str, net: str, batch: int) -> float:
    return conv_chip_power_w(simulate(net, chip, batch=batch)) / PUBLISHED_W[chip, net, batch]


@pytest.mark.parametrize("chip", list(PUBLISHED_MM2))
def test_area_within_25_percent_of_the_layout(chip: str) -> None:
    """ShiDianNao 4.17 mm^2 (-14%, leaving out its 32 KB instruction buffer), DianNao 3.56 mm^2
    (+18%): PEs from their cells, buffers and accumulators as SRAM macros."""
    area = load_hw(chip).area_m2 * 1e6
    assert abs(area / PUBLISHED_MM2[chip] - 1) <= 0.25


def test_the_tpu_v1_pe_from_its_cells_is_within_25_percent_of_its_pitch() -> None:
    """An 8-bit multiplier, a 32-bit adder and 56 register bits at 28 nm and 700 MHz: 27.0 um."""
    assert abs(load_hw("tpu_v1_like").pe.pitch_m / TPU_V1_PITCH_M - 1) <= 0.25


def test_shidiannao_power_within_40_percent_of_its_layout() -> None:
    """318 mW against 320 mW."""
    assert abs(power_ratio("shidiannao", "ds_cnn_s", 1) - 1) <= 0.40


@pytest.mark.parametrize(
    ("chip", "net", "batch", "low", "high"),
    [
        ("eyeriss", "alexnet", 4, 0.45, 0.60),
        ("eyeriss", "vgg16", 3, 0.58, 0.75),
        ("diannao", "alexnet", 1, 1.5, 1.9),
    ],
)
def test_power_where_the_model_misses_by_what_it_does_not_draw(
    chip: str, net: str, batch: int, low: float, high: float
) -> None:
    """Eyeriss: 144 and 155 mW, 52% and 66% of silicon. The model draws its MACs, scratchpads,
    buffer, array wires, a 9.5 mW clock tree and the SRAMs' leakage (the logic leaks 0.03 mW on
    TSMC 65 nm LP); not the NoC's routers and multicast controllers, each PE's control, nor the
    clocking of its 576 bits of register-file scratchpad per PE, taken as clock-gated.
    DianNao: 824 mW, 1.7x its layout's 485 mW, at full use of its 256 MACs; of that the MACs
    alone draw 403 mW at Horowitz's energies scaled to 65 nm, where DianNao's whole chip spends
    1.9 pJ per MAC. One model over- and under-shoots chips of the same node: no overhead factor
    could fit both."""
    assert low <= power_ratio(chip, net, batch) <= high


@pytest.mark.xfail(strict=True, reason="issue 30's targets: see the test above for what is not modelled")
@pytest.mark.parametrize(("chip", "net", "batch"), [key for key in PUBLISHED_W if key[0] != "shidiannao"])
def test_power_within_the_issue_targets(chip: str, net: str, batch: int) -> None:
    band = 0.25 if chip == "eyeriss" else 0.40
    assert abs(power_ratio(chip, net, batch) - 1) <= band


def test_readme_table_of_published_chips_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    for (chip, net, batch), watts in PUBLISHED_W.items():
        model = conv_chip_power_w(simulate(net, chip, batch=batch))
        assert f"| {watts * 1e3:.0f} mW | {model * 1e3:.0f} mW | {model / watts - 1:+.0%} |" in readme
    for chip, mm2 in PUBLISHED_MM2.items():
        area = load_hw(chip).area_m2 * 1e6
        assert f"| {mm2} mm² | {area:.2f} mm² | {area / mm2 - 1:+.0%} |" in readme
