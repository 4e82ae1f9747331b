"""Accelerator configs: every bundled chip loads and validates; defaults come from the sourced
table and scale with the node; bad input gives one clear line."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from accelsim import AccelsimError, load_hw
from accelsim.energy import default as table
from accelsim.hw.schema import hw_schema
from accelsim.load.resources import bundled_dir, bundled_names
from tests.cli_runner import run_main
from tests.conftest import ROOT

BUNDLED = bundled_names("hw_configs")


def test_all_required_chips_are_bundled() -> None:
    assert {"2W_npu", "eyeriss", "edge_tpu_like", "tpu_v1_like", "nvdla_small", "mcu_npu", "big_sram"} <= set(
        BUNDLED
    )


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_config_loads_and_matches_schema(name: str) -> None:
    chip = load_hw(name)
    assert chip.mac_j > 0 and chip.level("dram").read_j_per_byte > chip.buffers[0].read_j_per_byte > 0
    data = yaml.safe_load((bundled_dir("hw_configs") / f"{name}.yaml").read_text())
    jsonschema.validate(data, hw_schema())


def test_reference_chips_as_published(published: dict) -> None:
    ref = published["reference_chips"]
    tpu = load_hw("tpu_v1_like")
    assert tpu.macs == ref["tpu_v1"]["macs"]
    assert tpu.peak_tops == pytest.approx(ref["tpu_v1"]["peak_tops"], rel=0.01)
    assert tpu.ridge_macs_per_byte == pytest.approx(ref["tpu_v1"]["ridge_mac_per_byte"], rel=0.01)
    eyeriss = load_hw("eyeriss")
    assert eyeriss.macs == ref["eyeriss_v1"]["pes"] and eyeriss.config.technology_nm == 65
    assert eyeriss.onchip_bytes == 108 * 1024 and eyeriss.clock_hz == 200e6
    assert load_hw("nvdla_small").macs == ref["nvdla_small"]["macs_int8"]
    assert load_hw("nvdla_small").onchip_bytes == 128 * 1024
    edge = load_hw("edge_tpu_like")
    assert edge.peak_tops == pytest.approx(ref["edge_tpu"]["peak_tops_int8"], rel=0.03)
    # the big-SRAM chip holds AlexNet's int8 weights; the 2 W NPU holds SqueezeNet's only
    assert load_hw("big_sram").capacity_for("weights") > 61e6
    assert 1.25e6 < load_hw("2W_npu").capacity_for("weights") < 4.2e6


def config_text(**replace: str) -> str:
    text = (bundled_dir("hw_configs") / "2W_npu.yaml").read_text()
    for old, new in replace.items():
        assert old.replace("_", " ") in text or old in text
        text = text.replace(old.replace("__", " "), new)
    return text


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "chip.yaml"
    path.write_text(text)
    return path


def test_defaults_reproduce_horowitz_at_45nm(published: dict, tmp_path: Path) -> None:
    e45 = published["energy_45nm_pj"]
    text = config_text().replace("technology_nm: 16", "technology_nm: 45").replace("vdd: 0.8", "vdd: 0.9")
    chip = load_hw(write(tmp_path, text))
    assert chip.energy_scale == pytest.approx(1.0)
    # int8 multiply + 32-bit accumulate
    assert chip.mac_j == pytest.approx((e45["int8_mult"] + e45["int32_add"]) * 1e-12)
    # SRAM fit passes near Horowitz's three points (per 64-bit read)
    for size, key in (
        (8 * 1024, "sram_8KB_read_64bit"),
        (32 * 1024, "sram_32KB_read_64bit"),
        (1024 * 1024, "sram_1MB_read_64bit"),
    ):
        assert table.sram_energy_per_byte_45nm(size) * 8 / 1e-12 == pytest.approx(e45[key], rel=0.15)
    # DRAM defaults sit at or below the DDR3-era anchor
    low = published["dram_energy_pj_per_bit"]["ddr3_era_horowitz"]["low"]
    assert table.DRAM_PJ_PER_BIT["ddr3"][0] == pytest.approx(low, rel=0.01)


def test_scaling_follows_stillmaker_baas(published: dict) -> None:
    coeffs = published["stillmaker_baas_energy_coeffs"]
    # the corrigendum's worked example: 1 pJ at 65 nm / 1.3 V -> 0.1755 pJ at HP32 / 0.9 V
    f65, _ = table.energy_factor(65, 1.3)
    f32, _ = table.energy_factor(32, 0.9, "hp")
    assert f32 / f65 == pytest.approx(0.1755, rel=0.002)
    a, b, c = coeffs["HP16"]
    expected = (a * 0.64 + b * 0.8 + c) / (1.018 * 0.81 - 0.3107 * 0.9 + 0.1539)
    assert load_hw("2W_npu").energy_scale == pytest.approx(expected)
    # smaller node, lower energy; 28 nm interpolates between 32 and 20 nm and says so
    f28, source = table.energy_factor(28, 0.9)
    assert table.energy_factor(20, 0.9)[0] < f28 < f32 and "interpolated between 20 and 32" in source
    with pytest.raises(AccelsimError, match="outside the scaling table"):
        table.energy_factor(3, 0.7)


def test_a_bare_access_width_is_bytes(tmp_path: Path) -> None:
    text = config_text().replace(
        "capacity: 4 MiB, bandwidth", "capacity: 4 MiB, width: 16, cell: hp, bandwidth"
    )
    chip = load_hw(write(tmp_path, text))
    sram = chip.level("sram")
    assert sram.width_bytes == 16 and chip.sources["memory.sram.width"] == "config"
    assert sram.leakage_w > 100 * load_hw("2W_npu").level("sram").leakage_w  # hp cells leak ~1000x more
    wide = load_hw(write(tmp_path, text.replace("width: 16,", "width: 64,"))).level("sram")
    assert sram.read_j_per_byte > wide.read_j_per_byte  # narrower accesses: dearer per byte


def test_given_energies_override_defaults(tmp_path: Path) -> None:
    text = (
        config_text()
        .replace("clock: 1 GHz", "clock: 1 GHz\n  mac_energy: 0.1 pJ")
        .replace(
            "type: lpddr4x, bandwidth: 17 GB/s}", "type: lpddr4x, bandwidth: 17 GB/s, read_energy: 4 pJ/bit}"
        )
    )
    chip = load_hw(write(tmp_path, text))
    assert chip.mac_j == pytest.approx(0.1e-12) and chip.sources["compute.mac_energy"] == "config"
    assert chip.level("dram").read_j_per_byte == pytest.approx(32e-12)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "kind: sram, capacity: 4 MiB,",
            "kind: sram, capcity: 4 MiB,",
            r"chip.yaml:\d+: unknown field 'memory.sram.capcity' \(did you mean 'capacity'\?\)",
        ),
        ("  clock: 1 GHz\n", "", r"missing required field 'compute.clock'"),
        ("capacity: 4 MiB", "capacity: -4 MiB", r"field 'memory.sram.capacity': must be a positive size"),
        (
            "bandwidth: 17 GB/s",
            "bandwidth: 17 GHz",
            r"field 'memory.dram.bandwidth': expected a bandwidth like '25.6 GB/s', got '17 GHz' "
            r"\(that is a frequency\)",
        ),
        (
            "dataflow: weight_stationary",
            "dataflow: weight_stationry",
            r"field 'compute.dataflow': got 'weight_stationry', expected one of "
            r".*did you mean 'weight_stationary'",
        ),
        (
            "lanes: 64}",
            "lanes: 64}\n  pe: {energy: 0.2}",
            r"compute.pe.energy': 0.2 is 200 mJ/B, implausibly large; give a unit",
        ),
        ("lanes: 64}", "lanes: 64}\n  pe: {weights: 4096}", r"PE storage smaller than the SRAM"),
        ("lanes: 64}", "lanes: 64}\n  pe: {weights: 0}", r"field 'compute.pe.weights'"),
        (
            "  levels:",
            "  register_file: {capacity: 64 B}\n  levels:",
            r"field 'memory.register_file' is now 'compute.pe': words per PE",
        ),
        ("  levels:", "  bypass: [filters]\n  levels:", r"field 'memory.bypass.0': got 'filters'"),
        ("type: lpddr4x", "type: lpddr9", r"field 'memory.dram.type': got 'lpddr9'"),
        (
            "    - {name: dram",
            "    - {name: flash, kind: flash, capacity: 1 MiB, bandwith: 1 GB/s}\n    - {name: dram",
            r"unknown field 'memory.flash.bandwith' \(did you mean 'bandwidth'\?\)",
        ),
        (
            "    - {name: dram",
            "    - {name: flash, kind: flash, capacity: 1 MiB}\n    - {name: dram",
            r"field 'memory.flash': kind flash needs 'bandwidth'",
        ),
        (
            "    - {name: dram",
            "    - {name: flash, kind: flash, capacity: 1 MiB, bandwidth: 1 GB/s, holds: [activations]}\n"
            "    - {name: dram",
            r"flash is read-only at inference: it holds weights only",
        ),
        ("name: dram, kind: dram", "name: sram, kind: dram", r"level names must differ; sram is given twice"),
        ("name: dram, kind: dram", "name: register_file, kind: dram", r"'register_file' names the PE stores"),
        ("kind: sram, capacity", "kind: dram, capacity", r"field 'memory.sram': kind dram needs 'type'"),
        ("kind: sram, capacity", "kind: sdram, capacity", r"field 'memory.sram.kind': got 'sdram'.*'sram'"),
        (
            "    - {name: dram, kind: dram, type: lpddr4x, bandwidth: 17 GB/s}",
            "    - {name: dram, kind: dram, type: lpddr4x, bandwidth: 17 GB/s, holds: [activations]}",
            r"no off-chip level holds weights; expected one whose 'holds' lists it",
        ),
        (
            "  levels:  # nearest the array first\n",
            "  levels:  # nearest the array first\n"
            "    - {name: dram2, kind: dram, type: ddr4, bandwidth: 1 GB/s}\n",
            r"list the on-chip \(sram\) levels first",
        ),
        (
            "  levels:",
            "  sram: {capacity: 1 MiB}\n  levels:",
            r"give the memory as 'levels' or as the older sram",
        ),
        (
            "capacity: 4 MiB, bandwidth",
            "capacity: 4 MiB, width: 8 MiB, bandwidth",
            r"field 'memory.sram': 'width' \(8 MiB\) is more than the capacity \(4 MiB\)",
        ),
        (
            "capacity: 4 MiB, bandwidth",
            "capacity: 4 MiB, width: 5000, bandwidth",
            r"a bare 5000 is .*implausibly large",
        ),
        (
            "capacity: 4 MiB, bandwidth",
            "capacity: 4 MiB, cell: ulp, bandwidth",
            r"'memory.sram.cell': got 'ulp'",
        ),
        (
            "kind: dram, type: lpddr4x, bandwidth: 17 GB/s}",
            "kind: dram, type: lpddr4x, bandwidth: 17 GB/s, width: 64}",
            r"'width' is an SRAM's access width; a dram level has none",
        ),
        (
            "  levels:  # nearest the array first\n",
            "  levels:  # nearest the array first\n"
            + "".join(f"    - {{name: l{i}, kind: sram, capacity: 64 KiB}}\n" for i in range(16)),
            r"'memory.levels': .*at most 16",
        ),
        ("technology_nm: 16", "technology_nm: 3", r"technology_nm 3 is outside the scaling table"),
    ],
)
def test_bad_configs(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = config_text()
    assert old in text
    with pytest.raises(AccelsimError, match=message):
        load_hw(write(tmp_path, text.replace(old, new)))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "expected a YAML mapping at the top level, got a list"),
        ("name: [unclosed\n", "not valid YAML"),
        ("a: &a [1, 2, 3]\nb: [*a, *a, *a, *a]\n", "YAML aliases"),
        ("name: x\n", "missing required field"),
    ],
)
def test_bad_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(AccelsimError, match=message):
        load_hw(write(tmp_path, text))


def test_hw_cli(tmp_path: Path) -> None:
    out = run_main("hw", "list", cwd=tmp_path)
    assert out.returncode == 0 and "2W_npu" in out.stdout and "tpu_v1_like" in out.stdout
    out = run_main("hw", "show", "2W_npu.yaml", cwd=tmp_path)
    assert out.returncode == 0 and "Stillmaker" in out.stdout and "Horowitz" in out.stdout
    import json

    data = json.loads(run_main("hw", "show", "2W_npu", "--json").stdout)
    assert data["derived"]["mac_tops_per_w"] > 1 and data["sources"]["compute.mac_energy"].startswith(
        "Horowitz"
    )
    assert data["derived"]["onchip_bytes_weights"] == 4 * 2**20
    schema = json.loads(run_main("hw", "schema").stdout)
    assert "compute" in schema["properties"]
    bad = write(tmp_path, config_text().replace("lanes: 64", "lanes: 64, lane: 2"))
    out = run_main("hw", "show", str(bad))
    assert out.returncode == 2 and "unknown field 'compute.vector.lane'" in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
    out = run_main("hw", "show", "2W_npux")
    assert out.returncode == 2 and "did you mean '2W_npu'" in out.stderr


def test_readme_annotated_example_is_the_2w_npu(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    example = next(block.split("```", 1)[0] for block in readme.split("```yaml\n")[1:] if "compute:" in block)
    mine, bundled = load_hw(write(tmp_path, example)), load_hw("2W_npu")
    assert mine.config.model_dump(exclude={"description", "source"}) == bundled.config.model_dump(
        exclude={"description", "source"}
    )


def test_the_resolved_chip_is_the_whole_chip() -> None:
    """After resolution nothing reads the YAML config: the pipeline, schedule, mapper,
    accounting and simulator find every figure on the Accelerator (issue 29)."""
    import ast

    package = ROOT / "accelsim"
    stages = [
        package / "pipeline.py",
        *(p for d in ("schedule", "map", "account", "sim") for p in (package / d).rglob("*.py")),
    ]
    reads = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in stages
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr == "config"
    ]
    assert not reads, reads
    chip = load_hw("2W_npu")
    assert (chip.fuse, chip.priority, chip.tile_buffers, chip.sparse) == (
        "activation+pool",
        "activations",
        2,
        False,
    )
    assert chip.technology.node_nm == 16
