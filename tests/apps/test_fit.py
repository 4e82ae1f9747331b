"""The two fit answers, chip vs system power, and `fit --sram` (the smallest SRAM for each)."""

from __future__ import annotations

import json

import pytest

from accelsim import load_hw, load_net, simulate, variant
from accelsim.apps.fit import GRANULE, smallest_sram
from tests.cli_runner import run_main
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("net", "weights_fit", "working_set_fits"),
    [("squeezenet", True, True), ("mobilenet_v2", True, False), ("alexnet", False, False)],
)
def test_two_fit_answers_on_the_2w_npu(net: str, weights_fit: bool, working_set_fits: bool) -> None:
    r = simulate(net, "2W_npu")
    assert (r.weights_fit_on_chip, r.working_set_fits_on_chip) == (weights_fit, working_set_fits)
    assert r.weights_fit_on_chip == (r.weight_bytes <= r.weight_capacity_bytes)
    assert r.working_set_fits_on_chip == (r.weight_bytes + r.peak_activation_bytes <= r.onchip_bytes)


def test_chip_power_leaves_dram_out() -> None:
    r = simulate("alexnet", "2W_npu")
    dram_w = r.energy_breakdown_j["dram"] * r.fps
    assert r.chip_power_w == pytest.approx(r.power_w - dram_w, rel=1e-12)
    assert 0 < r.chip_power_w < r.power_w / 3  # AlexNet on the NPU: DRAM is most of the power


@pytest.mark.parametrize("net", ["squeezenet", "mobilenet_v2", "alexnet"])
def test_smallest_sram_is_exact_to_the_kib(net: str) -> None:
    network, chip = load_net(net), load_hw("2W_npu")
    answer = smallest_sram(network, chip)
    kib = answer.weights_fit_bytes
    assert kib is not None and kib % GRANULE == 0
    assert kib - GRANULE < answer.weight_bytes <= kib  # the next KiB down does not hold them
    working = answer.working_set_fits_bytes
    assert working is not None and working - GRANULE < answer.weight_bytes + answer.peak_activation_bytes
    for capacity, fits in ((kib, True), (kib - GRANULE, False)):  # the simulator agrees
        sized = variant("2W_npu", {"memory.sram.capacity": capacity})
        assert simulate(network, sized).weights_fit_on_chip is fits
    for capacity, fits in ((working, True), (working - GRANULE, False)):
        sized = variant("2W_npu", {"memory.sram.capacity": capacity})
        assert simulate(network, sized).working_set_fits_on_chip is fits


def test_fit_sram_on_the_command_line() -> None:
    out = run_main("fit", "--hw", "2W_npu", "--net", "mobilenet_v2", "--sram")
    assert out.returncode == 0, out.stderr
    assert "weights (3.326 MiB) fit from 3.327 MiB (3,488,768 B)" in out.stdout
    assert "fits from 4.763 MiB (4,994,048 B)" in out.stdout
    data = json.loads(run_main("fit", "--hw", "2W_npu", "--net", "squeezenet", "--sram", "--json").stdout)
    assert data["weights_fit_sram_bytes"] == 1_249_280 and data["field"] == "memory.sram.capacity"


def test_readme_fit_sram_area_is_current() -> None:
    """The README quotes what the fitting SRAM costs in area for MobileNet v2 on the 2 W NPU."""
    answer = smallest_sram("mobilenet_v2", "2W_npu")
    assert answer.weights_fit_area_mm2 is not None and answer.working_set_fits_area_mm2 is not None
    readme = " ".join((ROOT / "README.md").read_text().split())
    weights, working = answer.weights_fit_area_mm2, answer.working_set_fits_area_mm2
    assert f"(a {weights[0]:.3g} mm² buffer, a {weights[1]:.3g} mm² chip)" in readme
    assert f"({working[0]:.3g} mm², {working[1]:.3g} mm²) for MobileNet v2" in readme
    assert weights[0] < working[0] and weights[1] < working[1]  # a bigger buffer costs more area
