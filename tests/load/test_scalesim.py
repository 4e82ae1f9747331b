"""SCALE-Sim inputs and outputs: topology CSVs (conv and GEMM) as networks, configs as chips,
and the way back; checked against what SCALE-Sim v3 itself ran (tests/fixtures)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from accelsim import load_hw, load_net, simulate
from accelsim.errors import AccelsimError
from accelsim.ir.engine import Engine
from accelsim.load.chip import parse_hw
from accelsim.load.scalesim import chip_from_cfg
from accelsim.present.scalesim import HEADER, chip_cfg, topology_csv
from tests.cli_runner import run_main
from tests.conftest import FIXTURES

FIXTURE = json.loads((FIXTURES / "scalesim_v3_cycles.json").read_text())


def _write_rows(path: Path, header: str, rows: list[list]) -> Path:
    path.write_text(header + "\n" + "".join(", ".join(map(str, r)) + ",\n" for r in rows))
    return path


def test_conv_topology_in_scalesim_arithmetic(tmp_path: Path) -> None:
    """Sizes are the padded input's; the output is ceil((in - filter + stride) / stride) as
    SCALE-Sim computes it; 'DP' marks a depthwise layer; layers chain in file order."""
    topo = _write_rows(
        tmp_path / "tiny.csv",
        HEADER,
        [
            ["Conv1", 224, 224, 7, 7, 3, 96, 2],  # SCALE-Sim: 110 rows (true conv: 109)
            ["Squeeze", 54, 54, 1, 1, 96, 16, 1],  # a pool between, not in the file
            ["Expand_DP", 56, 56, 3, 3, 16, 2, 1],  # depthwise, 2 filters per channel
            ["FC", 1, 1, 1, 1, 4096, 10, 1],
        ],
    )
    net = load_net(topo)
    conv1, squeeze, dw, fc = (net.layer(n) for n in ("Conv1", "Squeeze", "Expand_DP", "FC"))
    assert net.name == "tiny" and net.input_shape == (3, 224, 224)
    assert conv1.output_shape == (96, math.ceil((224 - 7 + 2) / 2), 110)
    assert conv1.macs == 110 * 110 * 96 * 3 * 49 and conv1.params == 96 * 3 * 49  # no bias in SCALE-Sim
    assert squeeze.inputs == ("Squeeze/in",) and net.layer("Squeeze/in").output_shape == (96, 54, 54)
    assert dw.kind == "dwconv" and dw.output_shape == (32, 54, 54) and dw.macs == 54 * 54 * 32 * 9
    assert fc.macs == 4096 * 10
    assert net.macs == sum(layer.macs for layer in (conv1, squeeze, dw, fc))  # the glue computes nothing
    out = run_main("run", "--hw", "2W_npu", "--net", str(topo), "--json", "-")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["network"] == "tiny"


def test_gemm_topology(tmp_path: Path) -> None:
    """SCALE-Sim's -i gemm format: an M x K input times a K x N weight matrix per row."""
    topo = _write_rows(
        tmp_path / "mlp.csv", "Layer, M, N, K,", [["fc1", 128, 256, 512], ["fc2", 128, 64, 256]]
    )
    net = load_net(topo)
    assert net.input_shape == (128, 512)
    assert [layer.macs for layer in net.layers] == [128 * 256 * 512, 128 * 64 * 256]
    assert net.params == 256 * 512 + 64 * 256 and net.layer("fc2").inputs == ("fc1",)
    assert simulate(net, "2W_npu").energy_j > 0


def test_imported_layers_agree_with_scalesim_cycles(tmp_path: Path) -> None:
    """The rows and configs SCALE-Sim v3 ran (fixture), imported: every layer's
    `scalesim_cycles` is SCALE-Sim's Total Cycles, for each dataflow."""
    rows = [[str(c) for c in r] for r in FIXTURE["topology"][1:]]
    topo = _write_rows(tmp_path / "fixture.csv", HEADER, rows)
    net = load_net(topo)
    for dataflow, text in FIXTURE["configs"].items():
        cfg = tmp_path / f"{dataflow}.cfg"
        cfg.write_text(text)
        data, _ = chip_from_cfg(cfg)
        chip = parse_hw(data, str(cfg))
        assert (chip.rows, chip.cols) == tuple(FIXTURE["array"])
        result = simulate(net, chip)
        cycles = {layer.name: layer.scalesim_cycles for layer in result.layers}
        for name, reference in FIXTURE["total_cycles"][dataflow].items():
            assert cycles[name] == reference, (dataflow, name)


def test_export_writes_what_scalesim_ran() -> None:
    """Zoo layers exported: the same rows bench/scalesim_compare.py gave SCALE-Sim."""
    ran = {r[0].removeprefix("DP_"): r[1:] for r in FIXTURE["topology"][1:]}
    for net_name in ("alexnet", "mobilenet_v1"):
        text, left_out = topology_csv(load_net(net_name))
        assert not left_out and text.startswith(HEADER)
        exported = {}
        for line in text.splitlines()[1:]:
            name, *numbers = (c.strip() for c in line.rstrip(",").split(","))
            key = f"{net_name}_{name.removesuffix('_DP')}".replace("/", "_")
            exported[key] = [int(n) for n in numbers]
        for key, row in ran.items():
            if key.startswith(net_name):
                assert exported[key] == row, key


@pytest.mark.parametrize("net_name", ["alexnet", "mobilenet_v1", "squeezenet", "gpt2"])
def test_export_round_trip_keeps_macs_and_weights(tmp_path: Path, net_name: str) -> None:
    """Exported and read back: the array layers' MACs and weights (biases aside) are kept,
    grouped convs (AlexNet) and activation products (GPT-2's attention) included."""
    net = load_net(net_name)
    text, left_out = topology_csv(net)
    assert not left_out
    back = load_net(_write_text(tmp_path / f"{net_name}.csv", text))
    array = [layer for layer in net.layers if layer.engine == Engine.ARRAY and layer.macs]
    assert back.macs == sum(layer.macs for layer in array)
    weights = [  # an activation product's second operand is SCALE-Sim's filter
        layer.input_shapes[1][-2] * layer.input_shapes[1][-1]
        if layer.op == "matmul"
        else math.prod(layer.weight_shape)
        for layer in array
    ]
    assert back.params == sum(weights)


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_config_import_and_export(tmp_path: Path) -> None:
    """A SCALE-Sim config becomes a chip YAML (array, dataflow, SRAMs, bandwidth; the rest
    stated); a chip becomes a config SCALE-Sim reads; a split-buffer chip survives the trip."""
    cfg = tmp_path / "os32.cfg"
    cfg.write_text(FIXTURE["configs"]["os"].replace("InterfaceBandwidth = CALC", "InterfaceBandwidth = USER"))
    chip_yaml = tmp_path / "os32.yaml"
    out = run_main("hw", "import-scalesim", str(cfg), "--out", str(chip_yaml), "--clock", "500 MHz")
    assert out.returncode == 0, out.stderr
    chip = load_hw(chip_yaml)
    assert (chip.rows, chip.cols, str(chip.dataflow)) == (32, 32, "output_stationary")
    assert chip.level("weight_sram").capacity_bytes == 1024 * 2**10
    assert chip.level("sram").capacity_bytes == 2048 * 2**10  # ifmap + ofmap
    assert chip.level("dram").bandwidth_bytes_per_s == pytest.approx(10 * 500e6)  # 10 words per cycle
    text = chip_yaml.read_text()
    assert "energies from accelsim's default table" in text and "clock 500 MHz" in text
    again = tmp_path / "again.cfg"
    again.write_text(chip_cfg(chip))
    data, _ = chip_from_cfg(again, clock="500 MHz")
    levels = {level["name"]: level for level in data["memory"]["levels"]}
    assert data["compute"]["dataflow"] == "output_stationary" and levels["sram"]["capacity"] == "2048 KiB"
    assert levels["weight_sram"]["capacity"] == "1024 KiB" and levels["dram"]["bandwidth"] == "5 GB/s"
    # a unified buffer is split in SCALE-Sim's three (half filters), the whole capacity kept
    unified = chip_cfg(load_hw("2W_npu"))
    sizes = [int(line.split("=")[1]) for line in unified.splitlines() if "SramSzkB" in line]
    assert sum(sizes) * 2**10 == load_hw("2W_npu").level("sram").capacity_bytes
    # a dataflow SCALE-Sim does not have
    with pytest.raises(AccelsimError, match="row_stationary has no SCALE-Sim equivalent"):
        chip_cfg(load_hw("eyeriss"))


def test_export_command(tmp_path: Path) -> None:
    out = run_main("export-scalesim", "--net", "squeezenet", "--hw", "2W_npu", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "squeezenet.csv").is_file() and (tmp_path / "2W_npu.cfg").is_file()
    assert f"-c {tmp_path / '2W_npu.cfg'} -t {tmp_path / 'squeezenet.csv'}" in out.stdout
    back = load_net(tmp_path / "squeezenet.csv")
    assert back.macs == sum(
        layer.macs for layer in load_net("squeezenet").layers if layer.engine == Engine.ARRAY
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Conv1, 224, 224, 7, 7, 3, 96,\nConv2, 54, 54, 1, 1, x, 16, 1,\n",
            r"bad.csv:2: expected 8 fields \(name, IFMAP height.*got 7; .*bad.csv:3: layer 'Conv2': "
            r"channels must be a positive whole number, got 'x'",
        ),
        ("Conv1, 5, 5, 7, 7, 3, 96, 1,\n", r"bad.csv:2: layer 'Conv1': the 7 x 7 filter is larger than"),
        ("Conv1, 9, 9, 3, 3, 3, 8, 1, 2:4,\n", r"bad.csv:2: sparsity '2:4' is not modeled"),
        ("", r"bad.csv: no layers after the header line"),
    ],
)
def test_bad_topology_lists_every_problem_with_its_line(tmp_path: Path, body: str, expected: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "\n" + body)
    out = run_main("run", "--hw", "2W_npu", "--net", str(bad))
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert re.search(expected, out.stderr), out.stderr


def test_bad_config_lists_every_problem(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.cfg"
    cfg.write_text("[architecture_presets]\nArrayHeight = 0\nArrayWidth = 32\nDataflow = wss\n")
    out = run_main("hw", "import-scalesim", str(cfg))
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    for part in (
        "ArrayHeight: expected a positive whole number, got '0'",
        "IfmapSramSzkB is missing",
        "Dataflow: expected one of ws, os, is, got 'wss' (did you mean 'ws'?)",
    ):
        assert part in out.stderr, out.stderr
    cfg.write_text("[architecture]\nArrayHeight = 8\n")
    assert (
        "no [architecture_presets] section (did you mean 'architecture'"
        in run_main("hw", "import-scalesim", str(cfg)).stderr
    )
    out = run_main("hw", "import-scalesim", str(tmp_path / "ok.cfg"), "--dram", "ddr5")
    assert out.returncode == 2 and "--dram: expected one of" in out.stderr
