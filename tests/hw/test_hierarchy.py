"""Memory hierarchies written as YAML alone: a local buffer before the global one, HBM above
LPDDR, flash under DRAM; each checked against the two-level chip it extends, and over random
hierarchies (a bigger level never moves more from the level above it; a level too small for
any tile changes nothing)."""

from __future__ import annotations

import math
import warnings
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accelsim import load_hw, simulate
from accelsim.hw.chip import Accelerator, MemoryLevel
from accelsim.hw.enums import TENSOR_KINDS, Level
from accelsim.hw.resolve import resolve_accelerator
from accelsim.hw.schema import HwConfig
from tests.cli_runner import run_main
from tests.conftest import ROOT

BASE = load_hw("2W_npu").config.model_dump()
SRAM = {"name": "sram", "kind": "sram", "capacity": "4 MiB", "bandwidth": "256 GB/s"}
LPDDR = {"name": "dram", "kind": "dram", "type": "lpddr4x", "bandwidth": "17 GB/s"}
HBM = {"name": "hbm", "kind": "dram", "type": "hbm2", "bandwidth": "256 GB/s", "capacity": "1 GiB"}
FLASH = {"name": "flash", "kind": "flash", "capacity": "256 MiB", "bandwidth": "1 GB/s"}


def chip(*levels: dict[str, Any]) -> Accelerator:
    data = {**BASE, "memory": {**BASE["memory"], "levels": list(levels)}}
    return resolve_accelerator(HwConfig.model_validate(data))


def local(capacity: str, **more: Any) -> dict[str, Any]:
    return {"name": "local", "kind": "sram", "capacity": capacity, **more}


def moved(result: Any, name: str) -> float:
    return result.level_traffic[name]["read_bytes"] + result.level_traffic[name]["write_bytes"]


def test_the_bundled_two_level_chip_is_the_list_it_reads() -> None:
    chip_2w = load_hw("2W_npu")
    assert [(lvl.name, lvl.level) for lvl in chip_2w.levels] == [("sram", Level.SRAM), ("dram", Level.DRAM)]
    assert simulate("squeezenet", chip(SRAM, LPDDR)).to_dict() | {"hardware": "2W_npu"} == (
        simulate("squeezenet", chip_2w).to_dict()
    )


@pytest.mark.parametrize("net", ["squeezenet", "mobilenet_v2", "resnet50"])
def test_a_local_buffer_stages_tiles_for_the_global_one(net: str) -> None:
    two = simulate(net, chip(SRAM, LPDDR))
    three = simulate(net, chip(local("64 KiB"), SRAM, LPDDR))
    # residency and DRAM tiling are the global buffer's: the DRAM traffic is the same
    assert three.dram_bytes == two.dram_bytes and moved(three, "dram") == moved(two, "dram")
    # the local buffer serves the array, and the global buffer moves less
    assert moved(three, "local") > 0 and moved(three, "sram") < moved(two, "sram")
    # a 64 KiB buffer costs less per access than a 4 MiB one: less on-chip energy
    assert three.energy_breakdown_j["sram"] < two.energy_breakdown_j["sram"]
    assert sum(three.energy_breakdown_j.values()) == pytest.approx(three.energy_j)


def test_a_local_buffer_for_one_kind() -> None:
    two = simulate("resnet50", chip(SRAM, LPDDR))
    # a weight-stationary array reads each weight once: a weight buffer has nothing to reuse
    weights = simulate("resnet50", chip(local("32 KiB", holds=["weights"]), SRAM, LPDDR))
    assert moved(weights, "local") == 0 and weights.dynamic_energy_j == pytest.approx(two.dynamic_energy_j)
    # but it reads the inputs again for every fold of the output channels
    inputs = simulate("resnet50", chip(local("32 KiB", holds=["activations"]), SRAM, LPDDR))
    assert moved(inputs, "local") > 0 and moved(inputs, "sram") < moved(two, "sram")


def test_hbm_above_lpddr() -> None:
    steady = simulate("alexnet", chip(SRAM, HBM, LPDDR))
    assert moved(steady, "dram") == 0  # the 1 GiB HBM holds all 61 MB of AlexNet
    assert moved(steady, "hbm") == pytest.approx(moved(simulate("alexnet", chip(SRAM, LPDDR)), "dram"))
    assert sum(steady.dram_bytes.values()) == pytest.approx(moved(steady, "hbm"))
    # the first inference copies the weights up from LPDDR
    cold = simulate("alexnet", chip(SRAM, HBM, LPDDR), mode="cold")
    assert cold.level_traffic["dram"]["read_bytes"] == pytest.approx(cold.weight_bytes)
    assert cold.level_traffic["hbm"]["write_bytes"] >= cold.weight_bytes
    # an HBM too small for the weights keeps the activations; the weights come from LPDDR
    small = simulate("alexnet", chip(SRAM, {**HBM, "capacity": "4 MiB"}, LPDDR))
    assert small.level_traffic["dram"]["read_bytes"] >= small.weight_bytes - small.pinned_weight_bytes > 0
    assert 0 < moved(small, "hbm") < small.weight_bytes


def test_flash_under_dram() -> None:
    with_flash = chip(SRAM, LPDDR, FLASH)
    steady, plain = simulate("alexnet", with_flash), simulate("alexnet", chip(SRAM, LPDDR))
    assert steady.flash_bytes == 0 and steady.energy_j == pytest.approx(plain.energy_j)
    cold = simulate("alexnet", with_flash, mode="cold")
    assert cold.flash_bytes == pytest.approx(cold.weight_bytes)  # read once, into DRAM
    assert cold.energy_breakdown_j["flash"] > 0 and cold.latency_s >= cold.weight_bytes / 1e9


def test_mcu_flash_beside_dram_reads_weights_from_flash() -> None:
    mcu = load_hw("mcu_npu")
    assert [lvl.name for lvl in mcu.holding(TENSOR_KINDS[0])] == ["flash"]
    r = simulate("mobilenet_v1", mcu)
    assert r.dram_bytes["weights"] == 0 and r.flash_bytes > 0


def test_the_yaml_form_and_the_older_form_are_the_same_chip(tmp_path: Any) -> None:
    old = (ROOT / "hw_configs" / "2W_npu.yaml").read_text()
    old = old[: old.index("memory:")] + (
        "memory:\n  sram: {capacity: 4 MiB, bandwidth: 256 GB/s}\n"
        "  dram: {type: lpddr4x, bandwidth: 17 GB/s}\n"
    )
    (tmp_path / "old.yaml").write_text(old)
    with pytest.warns(UserWarning, match="read as 'memory.levels'"):
        migrated = load_hw(tmp_path / "old.yaml")
    assert migrated.levels == load_hw("2W_npu").levels
    # `hw show --yaml` prints the file in the list form: it loads, without a warning, as the same chip
    shown = run_main("hw", "show", str(tmp_path / "old.yaml"), "--yaml")
    assert shown.returncode == 0 and "levels:" in shown.stdout and "4 MiB" in shown.stdout
    (tmp_path / "new.yaml").write_text(shown.stdout)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_hw(tmp_path / "new.yaml").levels == migrated.levels


def _with_level(hw: Accelerator, level: MemoryLevel, at: int) -> Accelerator:
    levels = (*hw.levels[:at], level, *hw.levels[at:])
    return replace(hw, levels=levels)


def _same(a: Any, b: Any) -> None:
    assert (a.energy_j, a.latency_s, a.dram_bytes) == (b.energy_j, b.latency_s, b.dram_bytes)


hierarchies = st.fixed_dictionaries(
    {
        "local_kib": st.integers(1, 512),
        "holds": st.sampled_from([("weights",), ("activations",), ("weights", "activations", "kv_cache")]),
        "global_mib": st.sampled_from([1, 2, 4, 8]),
        "rows": st.sampled_from([8, 16, 32]),
        "net": st.sampled_from(["squeezenet", "mobilenet_v2", "tiny"]),
    }
)


def _net(name: str) -> Any:
    return ROOT / "tests" / "fixtures" / "tiny_net.yaml" if name == "tiny" else name


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hierarchies)
def test_random_hierarchies(h: dict[str, Any]) -> None:
    glob = {**SRAM, "capacity": h["global_mib"] * 2**20}
    rows = {"compute": {**BASE["compute"], "rows": h["rows"]}}
    base_data = {**BASE, **rows}

    def build(*levels: dict[str, Any]) -> Accelerator:
        data = {**base_data, "memory": {**BASE["memory"], "levels": list(levels)}}
        return resolve_accelerator(HwConfig.model_validate(data))

    small = local(h["local_kib"] * 1024, holds=list(h["holds"]))
    big = {**small, "capacity": h["local_kib"] * 2048}
    net = _net(h["net"])
    r_small, r_big = simulate(net, build(small, glob, LPDDR)), simulate(net, build(big, glob, LPDDR))
    # a bigger level never moves more from the level above it
    assert moved(r_big, "sram") <= moved(r_small, "sram") * (1 + 1e-9)
    for r in (r_small, r_big):
        assert sum(r.energy_breakdown_j.values()) == pytest.approx(r.energy_j)
        levels_energy = sum(t["energy_j"] for name, t in r.level_traffic.items() if name == "dram")
        assert levels_energy == pytest.approx(r.energy_breakdown_j["dram"])
    # a level with no room for any tile changes nothing
    two = build(glob, LPDDR)
    empty = MemoryLevel("empty", Level.SRAM, 0.0, 1e-12, 1e-12, None, 0.0, two.levels[0].holds)
    _same(simulate(net, _with_level(two, empty, 0)), simulate(net, two))
    # nor does one that holds what no layer reads through it, at any size
    off = MemoryLevel("off", Level.DRAM, math.inf, 1e-12, 1e-12, 1e12, 0.0, ())
    _same(simulate(net, _with_level(two, off, 2)), simulate(net, two))


def test_readme_local_buffer_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("| on SqueezeNet, 2W_npu's 4 MiB global buffer") :].split("\n\n")[0]
    rows = [line.strip("|").split("|") for line in table.splitlines()[2:]]
    assert len(rows) == 4
    for _, size, sram, near, energy in rows:
        levels = (SRAM, LPDDR) if size.strip() == "none" else (local(size.strip()), SRAM, LPDDR)
        r = simulate("squeezenet", chip(*levels))
        assert float(sram.split()[0]) == pytest.approx(moved(r, "sram") / 2**20, abs=0.05)
        if near.strip() != "-":
            assert float(near.split()[0]) == pytest.approx(moved(r, "local") / 2**20, abs=0.05)
        assert float(energy.split()[0]) == pytest.approx(r.energy_breakdown_j["sram"] * 1e6, abs=0.5)
