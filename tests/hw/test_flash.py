"""Flash, an MCU's home for weights: the weights not kept in SRAM stream from flash instead of
DRAM, at its bandwidth and read energy, and "fits" means weights in flash, activations in SRAM."""

from __future__ import annotations

import pytest

from accelsim import load_hw, load_net, simulate, variant
from accelsim.apps.fit import smallest_sram
from accelsim.hw.enums import TensorKind
from tests.cli_runner import run_main
from tests.conftest import ROOT

FLASH_PJ_PER_BIT = 0.22 * 50 / 6  # Renesas eFlash, conventional periphery (energy/default.py)


@pytest.fixture(scope="module")
def mobilenet() -> object:
    """0.47 MB of int8 weights: more than mcu_npu's 256 KiB SRAM, less than its 2 MiB flash."""
    return load_net("mobilenet_v1", width=0.25, resolution=128)


def test_flash_resolves_with_its_sourced_default() -> None:
    mcu = load_hw("mcu_npu")
    assert mcu.flash is not None and mcu.holding(TensorKind.WEIGHTS) == (mcu.flash,)
    assert mcu.flash.capacity_bytes == 2 * 2**20 and mcu.flash.bandwidth_bytes_per_s == 1.6e9
    assert mcu.flash.read_j_per_byte == pytest.approx(FLASH_PJ_PER_BIT * 8e-12)
    assert "Renesas" in mcu.sources["memory.flash.read_energy"]
    assert load_hw("2W_npu").holding(TensorKind.WEIGHTS) == (load_hw("2W_npu").level("dram"),)


def test_weights_stream_from_flash_not_dram(mobilenet: object) -> None:
    r = simulate(mobilenet, "mcu_npu")
    assert r.weights_fit_in_flash and not r.weights_fit_on_chip and r.activations_fit_on_chip
    assert r.dram_bytes["weights"] == 0
    # every weight not pinned in SRAM is read from flash at least once per inference
    assert r.flash_bytes >= r.weight_bytes - r.pinned_weight_bytes > 0
    assert r.energy_breakdown_j["flash"] == pytest.approx(r.flash_bytes * FLASH_PJ_PER_BIT * 8e-12)
    assert r.memory_energy_j["flash"] == pytest.approx(
        {"weights": r.energy_breakdown_j["flash"], "activations": 0, "kv_cache": 0}
    )
    memory = sum(
        r.energy_breakdown_j[k] for k in ("register_file", "sram", "dram", "flash", "memory_leakage")
    )
    assert r.memory_share == pytest.approx(memory / r.energy_j)
    # the same chip without flash reads the weights it cannot keep from DRAM
    everything = ["weights", "activations", "kv_cache"]
    dram_only = simulate(
        mobilenet, variant("mcu_npu", {"memory.flash": None, "memory.dram.holds": everything})
    )
    assert dram_only.flash_bytes == 0 and not dram_only.weights_fit_in_flash
    assert dram_only.dram_bytes["weights"] > 0 and dram_only.energy_breakdown_j["flash"] == 0


def test_flash_bandwidth_bounds_latency(mobilenet: object) -> None:
    latencies = []
    for bandwidth in (0.05e9, 0.4e9, 1.6e9, 6.4e9):
        r = simulate(mobilenet, variant("mcu_npu", {"memory.flash.bandwidth": bandwidth}))
        latencies.append(r.latency_s)
        assert r.latency_s >= r.flash_bytes / bandwidth  # one DMA engine moves every flash byte
    assert latencies == sorted(latencies, reverse=True)
    assert latencies[0] > 2 * latencies[-1]  # at 50 MB/s the flash is the bottleneck


def test_cold_start_reads_resident_weights_from_flash_once() -> None:
    cold = simulate("ds_cnn_s", "mcu_npu", mode="cold")
    steady = simulate("ds_cnn_s", "mcu_npu")
    assert steady.working_set_fits_on_chip and steady.flash_bytes == 0
    assert cold.flash_bytes == pytest.approx(cold.weight_bytes) and cold.dram_bytes["weights"] == 0


def test_fit_on_an_mcu_sizes_the_sram_for_activations() -> None:
    answer = smallest_sram(load_net("ds_cnn_s"), load_hw("mcu_npu"))
    # DS-CNN S keeps 16,000 bytes live: two 64 x 25 x 5 int8 feature maps
    assert answer.working_set_fits_bytes == 16 * 1024 < answer.weights_fit_bytes  # type: ignore[operator]
    out = run_main("fit", "--hw", "mcu_npu", "--net", "squeezenet")
    assert out.returncode == 0 and "2 MiB of flash for the weights" in out.stdout, out.stderr
    shown = run_main("run", "--hw", "mcu_npu", "--net", "squeezenet")
    assert "weights fit in flash: yes" in shown.stdout and "activations stay on chip: no" in shown.stdout
    assert "flash" not in run_main("run", "--hw", "2W_npu", "--net", "squeezenet").stdout


def test_readme_mcu_table_is_current() -> None:
    """The README's worked example for the MCU question, regenerated."""
    readme = (ROOT / "README.md").read_text()
    table = readme.split("| `--net` on `mcu_npu` |")[1].split("\n\n")[0].splitlines()[2:]
    assert len(table) == 4
    for line in table:
        label, weights, peak, in_flash, in_sram, energy, flash, dram = (
            c.strip() for c in line.split("|")[1:-1]
        )
        name, *flags = label.strip("`").split()
        options = {
            flag.lstrip("-"): float(value) for flag, value in zip(flags[::2], flags[1::2], strict=True)
        }
        if "resolution" in options:
            options["resolution"] = int(options["resolution"])
        r = simulate(load_net(name, **options), "mcu_npu")
        assert float(weights.split()[0].replace(",", "")) == pytest.approx(r.weight_bytes / 2**10, abs=0.05)
        assert float(peak.split()[0].replace(",", "")) == pytest.approx(
            r.peak_activation_bytes / 2**10, abs=0.05
        )
        assert (in_flash, in_sram) == tuple(
            "yes" if b else "no" for b in (r.weights_fit_in_flash, r.activations_fit_on_chip)
        )
        assert float(energy.split()[0].replace(",", "")) == pytest.approx(r.energy_j * 1e6, abs=0.05)
        assert float(flash.rstrip("%")) == pytest.approx(
            100 * r.energy_breakdown_j["flash"] / r.energy_j, abs=0.05
        )
        assert float(dram.rstrip("%")) == pytest.approx(100 * r.dram_share, abs=0.05)


def test_hw_show_lists_the_same_levels_in_the_console_and_in_json() -> None:
    """One list of a chip's memory levels serves both views (JSON omitted the flash)."""
    import json

    data = json.loads(run_main("hw", "show", "mcu_npu", "--json").stdout)
    assert [level["name"] for level in data["memory"]] == ["sram", "dram", "flash"]
    shown = run_main("hw", "show", "mcu_npu").stdout
    assert all(name in shown for name in ("sram", "dram", "flash"))
