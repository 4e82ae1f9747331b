"""The energy table is an interface: every figure with its source, and a user's own table (here
one that doubles DRAM energy) from the Python API or from a chip YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim import AccelsimError, DefaultTable, EnergyTable, Estimate, load_hw, simulate
from accelsim.energy.table import Precision, Technology
from tests.cli_runner import run_main
from tests.conftest import ROOT

TABLE_SOURCE = '''
from accelsim import DefaultTable, Estimate


class DoubleDram(DefaultTable):
    """The default table with DRAM twice as costly (as if the bus were twice as long)."""

    def dram(self, dram_type):
        base = super().dram(dram_type)
        return Estimate(2 * base.value, "twice the default: " + base.source)
'''


class DoubleDram(DefaultTable):
    def dram(self, dram_type: str) -> Estimate:
        base = super().dram(dram_type)
        return Estimate(2 * base.value, "twice the default: " + base.source)


def test_the_default_table_sources_every_figure() -> None:
    table = DefaultTable()
    assert isinstance(table, EnergyTable)
    tech = Technology(16, 0.8, "hp")
    estimates = [
        table.node_scale(tech),
        table.mac(tech, Precision(8, 8, 32, False)),
        table.vector_op(tech, 8, False),
        table.register(tech, 64),
        table.dram("lpddr4x"),
    ]
    assert all(e.value > 0 and e.source for e in estimates)
    macro = table.sram(tech, 4 * 2**20, 64, "lp")
    assert min(macro.read_j, macro.write_j, macro.leakage_w, macro.area_m2) > 0 and "CACTI" in macro.source
    assert "Horowitz" in estimates[1].source and "Stillmaker" in estimates[0].source


def _check_doubled(base: object, doubled: object) -> None:
    b, d = base.energy_breakdown_j, doubled.energy_breakdown_j  # type: ignore[attr-defined]
    assert d["dram"] == pytest.approx(2 * b["dram"], rel=1e-12) and b["dram"] > 0
    for component in ("mac", "register_file", "array_bus", "sram", "vector", "static"):
        assert d[component] == b[component]  # nothing else moves
    assert doubled.latency_s == base.latency_s  # type: ignore[attr-defined]


def test_a_table_given_to_the_api_doubles_dram_energy() -> None:
    base = simulate("alexnet", "2W_npu")
    doubled = simulate("alexnet", "2W_npu", energy_table=DoubleDram())
    _check_doubled(base, doubled)
    chip = load_hw("2W_npu", energy_table=DoubleDram())
    assert chip.sources["memory.dram.read_energy"].startswith("twice the default")
    assert chip.level("dram").read_j_per_byte == 2 * load_hw("2W_npu").level("dram").read_j_per_byte


def test_a_table_named_in_the_chip_yaml(tmp_path: Path) -> None:
    (tmp_path / "tables.py").write_text(TABLE_SOURCE)
    chip_yaml = (ROOT / "hw_configs" / "2W_npu.yaml").read_text()
    (tmp_path / "chip.yaml").write_text(chip_yaml + "energy_table: tables.py:DoubleDram\n")
    _check_doubled(simulate("alexnet", "2W_npu"), simulate("alexnet", tmp_path / "chip.yaml"))
    shown = run_main("hw", "show", str(tmp_path / "chip.yaml"))
    assert shown.returncode == 0 and "twice the default" in shown.stdout


def test_energies_the_yaml_gives_win_over_the_table(tmp_path: Path) -> None:
    chip_yaml = (ROOT / "hw_configs" / "2W_npu.yaml").read_text()
    fixed = chip_yaml.replace(
        "kind: dram, type: lpddr4x,", "kind: dram, read_energy: 10 pJ/bit, type: lpddr4x,"
    )
    (tmp_path / "chip.yaml").write_text(fixed)
    chip = load_hw(tmp_path / "chip.yaml", energy_table=DoubleDram())
    dram = chip.level("dram")
    assert (
        dram.read_j_per_byte == pytest.approx(80e-12) and chip.sources["memory.dram.read_energy"] == "config"
    )
    assert dram.write_j_per_byte == 2 * load_hw("2W_npu").level("dram").write_j_per_byte  # the table's


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("nothere.py:Table", r"energy_table: file not found: .*nothere.py"),
        ("tables.py:Nope", r"energy_table: 'tables.py' has no 'Nope'"),
        ("tables.py:Half", r"energy_table: 'tables.py:Half' lacks .*dram, flash; expected an EnergyTable"),
        ("no colon", r"energy_table: expected 'file.py:Name' or 'module:Name'"),
        ("accelsim_no_such_module:Table", r"energy_table: cannot load 'accelsim_no_such_module:Table'"),
    ],
)
def test_a_bad_table_reference_is_one_clear_error(tmp_path: Path, reference: str, message: str) -> None:
    (tmp_path / "tables.py").write_text(
        "class Half:\n    def mac(self, tech, precision):\n        return None\n"
    )
    chip_yaml = (ROOT / "hw_configs" / "2W_npu.yaml").read_text()
    (tmp_path / "chip.yaml").write_text(chip_yaml + f"energy_table: '{reference}'\n")
    with pytest.raises(AccelsimError, match=message):
        load_hw(tmp_path / "chip.yaml")


def test_a_table_is_kept_by_variants_configs_sweeps_and_trends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chip keeps the table that priced it: a variant (the API's and a sweep's points), the
    chip rebuilt from its config, and a trend's projections are priced by it too; a sweep run
    from another folder finds the table beside the chip file."""
    import accelsim

    (tmp_path / "chips").mkdir()
    (tmp_path / "chips" / "tables.py").write_text(TABLE_SOURCE)
    chip_yaml = (ROOT / "hw_configs" / "2W_npu.yaml").read_text()
    chip_file = tmp_path / "chips" / "chip.yaml"
    chip_file.write_text(chip_yaml + "energy_table: tables.py:DoubleDram\n")
    default_dram = load_hw("2W_npu").level("dram").read_j_per_byte
    chip = load_hw(chip_file)
    assert chip.level("dram").read_j_per_byte == 2 * default_dram
    varied = accelsim.variant(chip, {"memory.sram.capacity": "8 MiB"})
    assert varied.level("dram").read_j_per_byte == 2 * default_dram  # was 1.0x: the table was dropped
    assert accelsim.variant(accelsim.variant("2W_npu", {}), {}).level("dram").read_j_per_byte == default_dram
    given = accelsim.variant(load_hw("2W_npu", energy_table=DoubleDram()), {"compute.rows": 16})
    assert given.level("dram").read_j_per_byte == 2 * default_dram
    assert (
        load_hw(chip.config).level("dram").read_j_per_byte == 2 * default_dram
    )  # a HwConfig names its table
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    spec = tmp_path / "s.yaml"
    spec.write_text("base: chips/chip.yaml\nnetworks: [alexnet]\naxes:\n  memory.sram.capacity: [4 MiB]\n")
    frame = accelsim.sweep(spec, out=tmp_path / "r.db", workers=1)
    doubled = simulate("alexnet", chip_file)
    assert frame["energy_dram_j"][0] == pytest.approx(doubled.energy_breakdown_j["dram"])
    projected = accelsim.trend(["alexnet"], chip, years=[0])
    plain = accelsim.trend(["alexnet"], "2W_npu", years=[0])
    in_dram = [p.energy_j for r in (projected, plain) for p in r.points if p.placement == "in_dram"]
    assert in_dram[0] > in_dram[1]


def test_an_unknown_sram_cell_type_is_one_line() -> None:
    with pytest.raises(AccelsimError, match="expected one of hp, lp, got 'ulp'"):
        DefaultTable().sram(Technology(16, 0.8, "hp"), 4096, 8, "ulp")
