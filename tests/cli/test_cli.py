"""The command line as a user types it: output, JSON fields, exit status 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.cli_runner import run_main
from tests.conftest import run_process


def test_nets_lists_the_zoo_with_sizes() -> None:
    out = run_main("nets")
    assert out.returncode == 0, out.stderr
    assert "squeezenet" in out.stdout and "4.76" in out.stdout  # MiB of fp32 weights
    rows = json.loads(run_main("nets", "--json").stdout)
    by_name = {row["name"]: row for row in rows}
    assert by_name["alexnet"]["params"] == 60_965_224


def test_info_json_fields(tmp_path: Path) -> None:
    out = run_main(
        "info", "--net", "mobilenet_v1", "--width", "0.5", "--resolution", "160", "--json", cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"name", "params", "macs", "weight_bytes_fp32", "layers"} <= set(data)
    assert abs(data["macs"] / 1e6 - 76.5) < 0.5  # 0.5 MobileNet-160 (the paper lists 76 M)
    layer = data["layers"][0]
    assert {"name", "kind", "params", "macs", "input_shape", "output_shape"} <= set(layer)
    assert layer["input_shape"] == [3, 160, 160] and layer["output_shape"] == [16, 80, 80]
    assert sum(item["macs"] for item in data["layers"]) == data["macs"]


def test_info_table_and_own_workload(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "name: mine\ninput: [1, 28, 28]\nlayers:\n"
        "  - {op: conv, out: 4, k: 3}\n  - {op: relu}\n  - {op: linear, out: 10}\n"
    )
    out = run_main("info", "--net", str(path))
    assert out.returncode == 0, out.stderr
    assert "mine" in out.stdout and "27,050" in out.stdout  # 4*9+4 + 2704*10+10 parameters


def test_bad_input_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\ninput: [3, 8, 8]\nlayers:\n  - {name: a, op: conv, out: 4, k: 3}\n"
        "  - {name: b, op: conv, out: 4, k: 3, stride: 2}\n  - {name: c, op: concat, from: [a, b]}\n"
    )
    cases = [
        (("info", "--net", "squeezenett"), "did you mean 'squeezenet'"),
        (("info", "--net", str(bad)), "layer 'c' (concat): cannot concatenate shape (4, 6, 6)"),
        (("info", "--net", "squeezenet", "--resolution", "4"), "resolution must be"),
        (("info", "--net", "squeezenet", "--width", "-1"), "width multiplier must be"),
    ]
    for args, message in cases:
        out = run_main(*args)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert message in out.stderr, (args, out.stderr)
        assert "Traceback" not in out.stderr
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_the_main_command_end_to_end_from_another_folder(tmp_path: Path) -> None:
    """The quick start's command in a process of its own, away from the checkout."""
    out = run_process("run", "--hw", "2W_npu.yaml", "--net", "squeezenet", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "squeezenet on 2W_npu" in out.stdout and "weights fit on chip: yes" in out.stdout


def test_the_command_line_starts_without_the_simulator() -> None:
    """`accelsim --version` and `--help` need none of the heavy libraries (they load lazily)."""
    code = (
        "import sys, accelsim.cli; "
        "print(sorted(m for m in ('numpy', 'pandas', 'plotly', 'onnx', 'networkx', 'pydantic', 'simpy') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    import accelsim

    assert accelsim.simulate.__module__ == "accelsim.api" and "simulate" in dir(accelsim)
