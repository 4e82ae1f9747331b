"""Workload YAML files: blocks, expressions, the user's own networks, and bad input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from accelsim import AccelsimError, load_net
from tests.cli_runner import run_main
from tests.conftest import ROOT

TINY = """\
name: tiny
input: [3, 32, 32]
blocks:
  residual:
    args: {ch: null, k: 3}
    layers:
      - {name: conv, op: conv, out: $ch, k: $k, pad: ($k - 1) // 2}
      - {name: relu, op: relu}
      - {name: add, op: add, from: [relu, in]}
layers:
  - {name: stem, op: conv, out: 8, k: 3, pad: 1}
  - {name: res, block: residual, ch: 8, repeat: 2}
  - {name: wide, block: residual, ch: 8, k: 5}
  - {name: pool, op: gap}
  - {name: fc, op: linear, out: 10, keep_width: true}
"""


def write(tmp_path: Path, text: str, name: str = "net.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_users_own_network_with_blocks(tmp_path: Path) -> None:
    net = load_net(write(tmp_path, TINY))
    names = [layer.name for layer in net.layers]
    assert names[:4] == ["stem", "res_1/conv", "res_1/relu", "res_1/add"]
    assert net.layer("res_2/add").inputs == ("res_2/relu", "res_1/add")
    assert net.layer("wide/conv").weight_shape == (8, 8, 5, 5)
    assert net.layer("wide/conv").output_shape == (8, 32, 32)  # pad (5 - 1) // 2 = 2
    assert net.params == (8 * 27 + 8) + 2 * (8 * 72 + 8) + (8 * 200 + 8) + (10 * 8 + 10)
    assert load_net(write(tmp_path, TINY), width=2).layer("stem").output_shape == (16, 32, 32)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "name: x\ninput: [3, 8, 8]\nlayers:\n  - {op: conv, out: 4\n",
            r"net.yaml:5: not valid YAML.*flow mapping at line 4",
        ),
        ("- just\n- a list\n", r"expected a YAML mapping at the top level, got a list"),
        ("", r"expected a YAML mapping at the top level, got empty"),
        ("name: x\ninput: [3, 8, 8, 8]\nlayers: [{op: relu}]\n", r"'input' must be 1 to 3 positive integers"),
        ("name: x\ninput: [3, 8, 8]\nlayer: [{op: relu}]\n", r"unknown top-level field 'layer'.*'layers'"),
        (
            "name: x\ninput: [3, 8, 8]\nlayers:\n  - {name: a, op: relu}\n"
            "  - {name: b, op: relu, from: aa}\n",
            r"net.yaml:5: layer 'b' reads from unknown layer 'aa' \(did you mean 'a'\?\)",
        ),
        (
            "name: x\ninput: [3, 8, 8]\nlayers:\n  - {name: a, block: fir}\n",
            r"net.yaml:4: unknown block 'fir'",
        ),
        ("name: x\ninput: [3, 8, 8]\nlayers:\n  - {name: a, op: cnv, out: 3}\n", r"unknown op 'cnv'.*'conv'"),
        (
            "name: x\ninput: [3, 8, 8]\nblocks:\n  b: {args: {ch: null}, layers: [{op: conv, out: $ch}]}\n"
            "layers:\n  - {name: a, block: b}\n",
            r"block 'b' needs argument\(s\) ch",
        ),
        (
            "name: x\ninput: [3, 8, 8]\nblocks:\n  b: {args: {ch: null}, layers: [{op: conv, out: $ch}]}\n"
            "layers:\n  - {name: a, block: b, ch: 4, c: 2}\n",
            r"block 'b' has no argument 'c'",
        ),
        (
            "name: x\ninput: [3, 8, 8]\nlayers:\n  - {name: a, op: conv, out: $nope}\n",
            r"unknown parameter '\$nope'",
        ),
        (
            "name: x\ninput: [3, 8, 8]\nlayers:\n  - {name: a, op: conv, out: 4, groups: 2}\n",
            r"net.yaml:4: layer 'a': groups=2 must divide input channels 3",
        ),
        ("a: &a [1, 2]\nb: *a\n", r"net.yaml:2: not valid YAML: YAML aliases"),
    ],
)
def test_bad_workloads_give_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(AccelsimError, match=message):
        load_net(write(tmp_path, text))


def test_binary_and_missing_files(tmp_path: Path) -> None:
    binary = tmp_path / "weights.yaml"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 10)
    with pytest.raises(AccelsimError, match="not a text"):
        load_net(binary)
    with pytest.raises(AccelsimError, match="network file not found"):
        load_net(tmp_path / "missing.yaml")
    with pytest.raises(AccelsimError, match="unknown network 'alexnt'.*did you mean 'alexnet'"):
        load_net("alexnt")


def test_readme_example_workload_builds(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    net = load_net(write(tmp_path, example, "tiny_resnet.yaml"))
    assert net.name == "tiny_resnet"
    assert net.layer("stage1_2/add").output_shape == (16, 32, 32)
    assert [layer.kind for layer in net.layers].count("bn") == 0  # all folded


def test_every_problem_is_listed_with_its_line_in_file_order(tmp_path: Path) -> None:
    """Misspelled ops and attributes, unknown inputs, a bad block use and impossible shapes are
    all reported in one line, each at its file:line, in file order; a layer that only reads a
    bad one is not reported again."""
    path = tmp_path / "net.yaml"
    path.write_text(
        "name: x\ninput: [3, 32, 32]\nlayers:\n"
        "  - {name: p, op: maxpool, k: 2, from: c9}\n"  # 4: unknown input
        "  - {name: c1, op: convv, k: 3, out: 8}\n"  # 5: unknown op
        "  - {name: c2, op: conv, k: 3, outt: 8, from: input}\n"  # 6: unknown attribute
        "  - {name: after, op: relu, from: c2}\n"  # 7: reads a bad layer: not reported
        "  - {name: big, op: conv, k: 99, out: 8, from: input}\n"  # 8: kernel larger than the input
        "  - {name: b, block: fir}\n"  # 9: unknown block
        "  - {name: ok, op: conv, k: 3, out: 8, from: input}\n"
    )
    out = run_main("info", "--net", str(path))
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    lines = [int(m) for m in re.findall(r"net\.yaml:(\d+): ", out.stderr)]
    assert lines == [4, 5, 6, 8, 9], out.stderr
    for part in (
        "unknown layer 'c9'",
        "unknown op 'convv'",
        "unknown attribute 'outt'",
        "99x99",
        "unknown block 'fir'",
    ):
        assert part in out.stderr
    assert "'after'" not in out.stderr
