"""Static power from the parts (README "Static power"): the logic's leakage by its area, the
clock of the flip-flops and the clock tree, and the YAML's `static_power` as an override."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from accelsim import load_hw, simulate, variant
from accelsim.energy.default import FLIP_FLOP_PJ_PER_BIT_40NM, FLOP_CLOCK_PJ_PER_BIT_40NM, DefaultTable
from accelsim.energy.table import Technology
from accelsim.hw.enums import Operand
from tests.cli_runner import run_main
from tests.conftest import ROOT

TABLE = DefaultTable()


def test_static_power_is_the_sum_of_its_derived_parts_with_their_sources() -> None:
    chip = load_hw("2W_npu")
    assert set(chip.static_parts_w) == {"logic_leakage", "clock"}
    assert chip.static_w == pytest.approx(sum(chip.static_parts_w.values()))
    assert "Aladdin" in chip.sources["static.clock"] and "H-tree" in chip.sources["static.clock"]
    assert "CACTI 7" in chip.sources["static.logic_leakage"]
    # 2048 PEs x (2 weights + 1 input at 8 bits + a 32-bit partial sum) + 64 lanes x 8 bits
    assert chip.sources["static.clock"].startswith("115,200 flip-flop bits clocked every cycle")


def test_a_register_costs_what_it_did_when_written_every_cycle() -> None:
    """The clock moved out of a register's write price: a write and a cycle's clock together are
    Aladdin's 9.0 fJ a bit at 40 nm, scaled to the node."""
    chip = load_hw("2W_npu")
    store = chip.pe.stores[Operand.INPUTS]
    assert store.registers
    clock = TABLE.flop_clock(chip.technology).value
    write = TABLE.flip_flop(chip.technology).value
    assert store.j_per_byte / 8 + clock == pytest.approx(write)
    assert clock / write == pytest.approx(FLOP_CLOCK_PJ_PER_BIT_40NM / FLIP_FLOP_PJ_PER_BIT_40NM)


def test_clock_power_grows_with_the_clock_and_the_array() -> None:
    base = load_hw("2W_npu")
    # twice the edges a second, on cells sized for the faster clock (bigger, and leakier)
    faster = variant("2W_npu", {"compute.clock": 2 * base.clock_hz})
    assert faster.static_parts_w["clock"] >= 2 * base.static_parts_w["clock"]
    assert faster.static_parts_w["logic_leakage"] > base.static_parts_w["logic_leakage"]
    slower = variant("2W_npu", {"compute.clock": base.clock_hz / 10})  # cells as small as they get
    assert variant("2W_npu", {"compute.clock": base.clock_hz / 20}).static_parts_w["clock"] == pytest.approx(
        slower.static_parts_w["clock"] / 2
    )
    # twice the flip-flops; the H-tree to twice the leaves over a bigger chip grows by less
    bigger = variant("2W_npu", {"compute.rows": 2 * base.rows})
    assert (
        1.5 * base.static_parts_w["clock"] < bigger.static_parts_w["clock"] < 2 * base.static_parts_w["clock"]
    )


def test_low_power_transistors_leak_a_thousandth_and_hotter_nodes_follow_cacti() -> None:
    hp, lp = (TABLE.logic_leakage(Technology(22, 0.9, flavor)).value for flavor in ("hp", "lp"))
    assert 1e-4 < lp / hp < 1e-2
    # the anchor: Aladdin's 40 nm G logic, 12.3 nW per um^2 at its 0.9 V (W per m^2 here)
    at_40 = TABLE.logic_leakage(Technology(40, 1.0, "hp")).value
    assert at_40 == pytest.approx(12.3e-9 * 1e12)


def test_other_area_is_logic_that_leaks() -> None:
    base = load_hw("2W_npu")
    padded = variant("2W_npu", {"other_area": "2 mm^2"})
    assert padded.area_breakdown_m2["other"] == pytest.approx(2e-6)
    assert padded.area_m2 == pytest.approx(base.area_m2 + 2e-6)
    density = TABLE.logic_leakage(base.technology).value
    extra = padded.static_parts_w["logic_leakage"] - base.static_parts_w["logic_leakage"]
    assert extra == pytest.approx(2e-6 * density)


def test_static_power_in_the_yaml_overrides_the_derived_parts(tmp_path: Path) -> None:
    text = (ROOT / "hw_configs" / "2W_npu.yaml").read_text()
    chip_file = tmp_path / "chip.yaml"
    chip_file.write_text(text.replace("power_budget: 2 W", "power_budget: 2 W\nstatic_power: 50 mW"))
    chip = load_hw(chip_file)
    assert chip.static_parts_w == {"static_power": 0.05} and chip.sources["static_power"] == "config"
    r = simulate("squeezenet", chip)
    assert r.energy_breakdown_j["static"] == pytest.approx(0.05 / r.fps)
    shown = run_main("hw", "show", str(chip_file)).stdout
    assert "static_power (config)" in shown and "logic leakage" not in shown
    derived = run_main("hw", "show", "2W_npu").stdout
    assert "logic leakage" in derived and "clock" in derived


def test_memory_leakage_counts_every_sram_on_the_chip() -> None:
    """The levels', the PE scratchpads' and the accumulators': all of it in the memory share."""
    eyeriss = load_hw("eyeriss")  # row stationary: 224-, 12- and 24-word scratchpads per PE
    scratchpads = sum(
        TABLE.sram(eyeriss.technology, s.capacity_bytes, s.word_bytes, "lp").leakage_w
        for s in eyeriss.pe.stores.values()
    )
    assert eyeriss.pe_memory_leakage_w == pytest.approx(168 * scratchpads)
    levels = sum(level.leakage_w for level in eyeriss.levels)
    assert eyeriss.memory_leakage_w == pytest.approx(levels + eyeriss.pe_memory_leakage_w)
    r = simulate("squeezenet", "eyeriss")
    assert math.isclose(r.energy_breakdown_j["memory_leakage"], eyeriss.memory_leakage_w / r.fps)
