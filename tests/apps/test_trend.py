"""`accelsim trend`: energies projected year by year by a trends file; weights on chip vs in DRAM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelsim import simulate, trend
from accelsim.apps.trend import factors, load_trends, projected
from accelsim.energy.default import DRAM_PJ_PER_BIT, energy_factor, nominal_vdd
from accelsim.load.chip import load_hw
from tests.cli_runner import run_main

ROOT = Path(__file__).resolve().parents[2]


def test_year_zero_is_the_chip_as_given() -> None:
    result = trend(["squeezenet"], "2W_npu", [0])
    assert result.sram_bytes == {"squeezenet": 4 * 2**20}  # 2W_npu's 4 MiB already holds it all
    on, off = (result.point("squeezenet", 0, placement) for placement in ("on_chip", "in_dram"))
    assert on.energy_j == simulate("squeezenet", "2W_npu").energy_j
    assert off.energy_j == simulate("squeezenet", "2W_npu", mode="cold").energy_j


def test_rates_come_from_the_trends_file(tmp_path: Path) -> None:
    spec = load_trends("default")
    assert spec.compute_per_year == pytest.approx(10 ** (-1 / 5))
    # DRAM improves, by less than 2x per year (the talk's claim, from the generations' pJ/bit)
    assert 0.5 < spec.dram_per_year < 1
    two = tmp_path / "two.yaml"
    two.write_text(
        (ROOT / "trends" / "default.yaml").read_text().split("  generations:")[0]
        + "  generations: [{type: ddr3, year: 2007}, {type: hbm2, year: 2016, pj_per_bit: 3.9}]\n"
    )
    rate = load_trends(str(two)).dram_per_year
    assert rate == pytest.approx((3.9 / DRAM_PJ_PER_BIT["ddr3"][0]) ** (1 / 9))


def test_each_energy_scales_by_its_own_trend() -> None:
    chip, spec = load_hw("2W_npu"), load_trends()
    f = factors(chip, spec, 3)
    future = projected(chip, f)
    assert f.node_nm == pytest.approx(16 * 0.7 ** (3 / 2.5))
    node_ratio = energy_factor(f.node_nm, nominal_vdd(f.node_nm))[0] / energy_factor(16, nominal_vdd(16))[0]
    assert future.mac_j / chip.mac_j == pytest.approx(spec.compute_per_year**3)
    assert future.level("dram").read_j_per_byte / chip.level("dram").read_j_per_byte == pytest.approx(
        spec.dram_per_year**3
    )
    assert future.buffers[0].read_j_per_byte / chip.buffers[0].read_j_per_byte == pytest.approx(node_ratio)
    assert future.leakage_w / chip.leakage_w == pytest.approx(node_ratio)
    # the traffic is the same chip's: each energy component moves by its own factor exactly
    now, then = simulate("mobilenet_v1", chip), simulate("mobilenet_v1", future)
    assert then.latency_s == now.latency_s and then.dram_bytes == now.dram_bytes
    for component, factor in (("mac", f.compute), ("dram", f.dram), ("sram", f.on_chip)):
        ratio = then.energy_breakdown_j[component] / now.energy_breakdown_j[component]
        assert ratio == pytest.approx(factor), component
    assert factors(chip, spec, 40).node_nm == spec.node.floor_nm  # the scaling table ends there


def test_weights_in_dram_cost_more_every_year() -> None:
    result = trend(["squeezenet", "alexnet"], "2W_npu", [0, 4, 8])
    assert result.sram_bytes["alexnet"] > 60e6  # sized up so AlexNet's 61 MB and activations fit
    for network in ("squeezenet", "alexnet"):
        energies = []
        for years in (0, 4, 8):
            on, off = (result.point(network, years, placement) for placement in ("on_chip", "in_dram"))
            assert off.energy_j > on.energy_j and off.memory_share > on.memory_share
            assert off.dram_share > on.dram_share
            energies.append(on.energy_j)
        assert energies == sorted(energies, reverse=True)  # every part gets cheaper or stays


def test_trend_command(tmp_path: Path) -> None:
    out = run_main("trend", "--hw", "2W_npu", "--net", "squeezenet", "--years", "0..10..5", "--json")
    assert out.returncode == 0, out.stderr
    document = json.loads(out.stdout)
    assert [p["years"] for p in document["points"]] == [0, 0, 5, 5, 10, 10]
    assert document["dram_energy_per_year"] == pytest.approx(load_trends().dram_per_year)
    report = tmp_path / "trend.html"
    out = run_main(
        "trend", "--hw", "2W_npu", "--net", "squeezenet", "--years", "0,10", "--report", str(report)
    )
    assert out.returncode == 0 and "weights in DRAM" in out.stdout
    assert "Memory share of the energy per inference" in report.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--years", "0..ten"), "--years: expected FIRST..LAST"),
        (("--years", "5..0"), "--years: expected FIRST..LAST"),
        (("--years", "-1,2"), "each year must be from 0 to 100, got -1"),
        (("--trends", "defualt"), "did you mean 'default'"),
        (("--trends", "BAD"), "compute.improvment"),
        (("--trends", "SAME"), "generations of at least two different years"),
    ],
)
def test_bad_trend_input_is_one_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "trends" / "default.yaml").read_text().replace("improvement:", "improvment:"))
    same = tmp_path / "same.yaml"
    default = (ROOT / "trends" / "default.yaml").read_text()
    same.write_text(
        default.split("  generations:")[0]
        + "  generations: [{type: ddr3, year: 2007}, {type: ddr4, year: 2007}]\n"
    )
    args = tuple({"BAD": str(bad), "SAME": str(same)}.get(a, a) for a in args)
    out = run_main("trend", "--hw", "2W_npu", "--net", "squeezenet", *args)
    assert out.returncode == 2 and message in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_readme_trend_table_is_current() -> None:
    """The README's worked example, regenerated."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("accelsim trend --hw 2W_npu --net squeezenet --net alexnet --years 0..10..5")[1]
    table = section.split("\n\n")[1].splitlines()
    rows = [line.split("|")[1:-1] for line in table[2:] if line.startswith("| ")]
    assert len(rows) == 6
    result = trend(["squeezenet", "alexnet"], "2W_npu", [0, 5, 10])
    for cells in rows:
        network, years, node, on_energy, on_share, off_energy, off_share, dram = (c.strip() for c in cells)
        on, off = (result.point(network, float(years.lstrip("+")), p) for p in ("on_chip", "in_dram"))
        assert float(node.split()[0]) == pytest.approx(on.node_nm, abs=0.05)
        assert float(on_energy.split()[0].replace(",", "")) == pytest.approx(on.energy_j * 1e6, rel=0.005)
        assert float(off_energy.split()[0].replace(",", "")) == pytest.approx(off.energy_j * 1e6, rel=0.005)
        for text, value in (
            (on_share, on.memory_share),
            (off_share, off.memory_share),
            (dram, off.dram_share),
        ):
            assert float(text.rstrip("%")) == pytest.approx(value * 100, abs=0.05)


def test_area_follows_the_node() -> None:
    """Year 0 is the chip's own area; a smaller node shrinks the PEs by the pitch squared and the
    SRAMs by their bitcells, never growing it."""
    result = trend(["squeezenet"], "2W_npu", [0, 5, 10])
    areas = [result.point("squeezenet", y, "on_chip").area_mm2 for y in (0.0, 5.0, 10.0)]
    assert areas[0] == pytest.approx(load_hw("2W_npu").area_m2 * 1e6)
    assert areas[0] > areas[1] >= areas[2] > 0
