"""A catalogue of bad input, as users write it: chip YAML, workload YAML, ONNX, sweep specs, CLI
flags and the Python API. Each must end in one line on stderr naming the file, field or layer,
exit status 2, no traceback, and no file left behind or changed."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim import AccelsimError, simulate
from tests.cli_runner import run_main
from tests.conftest import ROOT
from tests.onnx_models import single_op

CHIP = (ROOT / "hw_configs" / "2W_npu.yaml").read_text()
NET = """\
name: tiny
input: [3, 16, 16]
layers:
  - {name: c1, op: conv, out: 8, k: 3, pad: 1}
  - {name: r1, op: relu}
  - {name: fc, op: linear, out: 10}
"""
RUN = ("run", "--hw", "2W_npu", "--net", "squeezenet")
SWEEP = """\
base: 2W_npu
networks: [squeezenet]
axes:
  memory.sram.capacity: [1 MiB, 2 MiB]
"""

Content = str | bytes | Callable[[Path], object]


@dataclass(frozen=True)
class Case:
    """`files` are written into a fresh folder; `{tmp}` in args is that folder."""

    id: str
    args: tuple[str, ...]
    message: str  # a regex the one line on stderr must match
    files: dict[str, Content] = field(default_factory=dict)


def chip(old: str, new: str) -> str:
    assert old in CHIP, old
    return CHIP.replace(old, new, 1)


def net(old: str, new: str) -> str:
    assert old in NET, old
    return NET.replace(old, new, 1)


def layers(*lines: str, input_shape: str = "[3, 16, 16]") -> str:
    return f"name: t\ninput: {input_shape}\nlayers:\n" + "".join(f"  - {line}\n" for line in lines)


def run_chip(text: str, cid: str, message: str) -> Case:
    return Case(
        f"chip-{cid}", ("run", "--hw", "{tmp}/chip.yaml", "--net", "squeezenet"), message, {"chip.yaml": text}
    )


def info_net(text: str, cid: str, message: str) -> Case:
    return Case(f"net-{cid}", ("info", "--net", "{tmp}/net.yaml"), message, {"net.yaml": text})


def sweep_case(text: str, cid: str, message: str, *extra: str) -> Case:
    return Case(
        f"sweep-{cid}",
        ("sweep", "{tmp}/spec.yaml", "--out", "{tmp}/out.db", *extra),
        message,
        {"spec.yaml": text},
    )


# --------------------------------------------------------------------------- ONNX builders


def _conv_model(path: Path, weight: tuple[int, ...], opset: int = 17, **attrs: object) -> None:
    single_op(path, "Conv", [1, 8, 16, 16], {"w": np.zeros(weight, dtype=np.float32)}, opset=opset, **attrs)


def _control_flow(op: str) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        branch = helper.make_graph(
            [helper.make_node("Relu", ["x"], ["z"])],
            "b",
            [],
            [helper.make_tensor_value_info("z", TensorProto.FLOAT, None)],
        )
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 4, 4])
        cond = numpy_helper.from_array(np.array(True), "cond")
        if op == "If":
            node = helper.make_node(
                "If", ["cond"], ["y"], name="the_if", then_branch=branch, else_branch=branch
            )
        else:
            trip = numpy_helper.from_array(np.array(2, dtype=np.int64), "trip")
            body = helper.make_graph(
                [helper.make_node("Identity", ["c"], ["c_out"]), helper.make_node("Relu", ["x"], ["y_body"])],
                "body",
                [
                    helper.make_tensor_value_info("i", TensorProto.INT64, []),
                    helper.make_tensor_value_info("c", TensorProto.BOOL, []),
                ],
                [
                    helper.make_tensor_value_info("c_out", TensorProto.BOOL, []),
                    helper.make_tensor_value_info("y_body", TensorProto.FLOAT, [1, 8, 4, 4]),
                ],
            )
            node = helper.make_node("Loop", ["trip", "cond"], ["y"], name="the_loop", body=body)
            graph = helper.make_graph(
                [node], "t", [x], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [trip, cond]
            )
            onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
            return
        graph = helper.make_graph(
            [node], "t", [x], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [cond]
        )
        onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)

    return build


def onnx_case(cid: str, build: Callable[[Path], object], message: str, *extra: str) -> Case:
    return Case(f"onnx-{cid}", ("info", "--net", "{tmp}/m.onnx", *extra), message, {"m.onnx": build})


CASES = [
    # ---------------------------------------------------------------- chip YAML
    run_chip(
        chip("rows: 32", "rows: 0"),
        "rows-zero",
        r"chip.yaml:\d+: field 'compute.rows'.*greater than or equal to 1",
    ),
    run_chip(chip("rows: 32", "rows: -4"), "rows-negative", r"field 'compute.rows'"),
    run_chip(
        chip("rows: 32", "rows: 100000"), "rows-huge", r"field 'compute.rows'.*less than or equal to 4096"
    ),
    run_chip(
        chip("rows: 32", "rowz: 32"), "rows-typo", r"unknown field 'compute.rowz' \(did you mean 'rows'\?\)"
    ),
    run_chip(
        chip("rows: 32", "rows: 32\n  rows: 1"),
        "duplicate-key",
        r"chip.yaml:\d+: .*key 'rows' is given twice \(lines 21 and 22\)",
    ),
    run_chip(
        chip("weight_stationary", "weight_stationery"), "dataflow-typo", r"did you mean 'weight_stationary'"
    ),
    run_chip(chip("clock: 1 GHz", "clock: 1 GHzz"), "clock-unit", r"field 'compute.clock'"),
    run_chip(chip("clock: 1 GHz", "clock: fast"), "clock-word", r"field 'compute.clock'"),
    run_chip(chip("capacity: 4 MiB", "capacity: -1 MiB"), "sram-negative", r"field 'memory.sram.capacity'"),
    run_chip(
        chip("capacity: 4 MiB, ", ""), "sram-missing", r"field 'memory.sram': kind sram needs 'capacity'"
    ),
    run_chip(chip("type: lpddr4x", "type: ddr9"), "dram-type", r"field 'memory.dram.type': got 'ddr9'"),
    run_chip(
        chip("bandwidth: 17 GB/s", "bandwidth: 0"), "dram-bandwidth-zero", r"field 'memory.dram.bandwidth'"
    ),
    run_chip(
        chip("lanes: 64", "lanes: 64, op_energy: 5"), "energy-no-unit", r"implausibly large; give a unit"
    ),
    run_chip(chip("technology_nm: 16", "technology_nm: 0"), "node-zero", r"field 'technology_nm'"),
    run_chip(chip("vdd: 0.8", "vdd: 5"), "vdd-high", r"field 'vdd'"),
    run_chip(chip("weights: 8", "weights: 0"), "bits-zero", r"field 'compute.precision.weights'"),
    run_chip(chip("weights: 8", "weights: 99"), "bits-huge", r"field 'compute.precision.weights'"),
    run_chip(chip("lanes: 64", "lanes: 0"), "lanes-zero", r"field 'compute.vector.lanes'"),
    run_chip(chip("power_budget: 2 W", "power_budget: -2 W"), "budget-negative", r"field 'power_budget'"),
    run_chip(chip("name: 2W_npu", "name: 2W_npu\ncolour: red"), "top-typo", r"unknown field 'colour'"),
    run_chip("- a\n- list\n", "list", r"chip.yaml: expected a YAML mapping at the top level, got a list"),
    run_chip("", "empty", r"chip.yaml: expected a YAML mapping at the top level, got empty"),
    run_chip(chip("rows: 32", "rows: [32"), "syntax", r"chip.yaml:\d+: not valid YAML"),
    run_chip(chip("rows: 32", "rows: &r 32\n  cols_again: *r"), "alias", r"YAML aliases"),
    run_chip(b"\xff\xfe\x00garbage", "binary", r"chip.yaml: not a text \(UTF-8\) YAML file"),
    run_chip(
        chip("lanes: 64}", "lanes: 64}\n  pe: {weights: 4096}"),
        "pe-bigger-than-sram",
        r"the PEs' stores .* hold more than the SRAM",
    ),
    run_chip("a: " + "[" * 200 + "]" * 200 + "\n", "deep-nesting", r"nested more than 64 levels deep"),
    run_chip(chip("rows: 32", "rows: 32\n  rows: 1\n  cols: 2"), "two-duplicates", r"given twice"),
    run_chip(
        chip("rows: 32", "rowz: 32").replace("cols: 64", "colz: 64"),
        "all-problems-listed",
        r"'compute.rowz'.*'compute.colz'",
    ),
    # ---------------------------------------------------------------- workload YAML
    info_net(
        net("k: 3", "kk: 3"),
        "attr-typo",
        r"net.yaml:4: layer 'c1' \(conv\): unknown attribute 'kk' \(did you mean 'k'\?\)",
    ),
    info_net(
        net("k: 3, pad: 1", "k: 3, pad: 1, strdie: 2, kk: 1"),
        "two-attr-typos",
        r"unknown attribute 'strdie'.*unknown attribute 'kk'",
    ),
    info_net(
        net("layers:", "layer:"),
        "top-typo",
        r"unknown top-level field 'layer' \(did you mean 'layers'\?\); missing required field 'layers'",
    ),
    info_net(net("k: 3", "k: 3, out: 4"), "duplicate-key", r"key 'out' is given twice"),
    info_net(
        layers("{name: c, op: conv, out: 8, k: 3, stride: 0}"),
        "stride-zero",
        r"net.yaml:4: layer 'c': stride must be a positive integer",
    ),
    info_net(
        layers("{name: c, op: conv, out: 8, k: 0}"),
        "kernel-zero",
        r"layer 'c': kernel k must be a positive integer",
    ),
    info_net(
        layers("{name: c, op: conv, out: 8, k: 3, dilation: 0}"),
        "dilation-zero",
        r"dilation must be a positive integer",
    ),
    info_net(
        layers("{name: u, op: upsample, scale: 0}"),
        "upsample-zero",
        r"layer 'u': scale must be a positive integer",
    ),
    info_net(
        layers("{name: p, op: maxpool, k: 0}"),
        "pool-kernel-zero",
        r"layer 'p': kernel k must be a positive integer",
    ),
    info_net(
        layers("{name: p, op: avgpool, k: 2, stride: 0}"), "pool-stride-zero", r"layer 'p': stride must be"
    ),
    info_net(
        layers("{name: c, op: conv, out: 8, groups: 2}"),
        "groups-divide",
        r"groups=2 must divide input channels 3",
    ),
    info_net(
        layers("{name: c, op: conv, out: 8, k: 31}"),
        "kernel-too-big",
        r"kernel 31x31 \(dilated\) is larger than the padded input 16x16",
    ),
    info_net(
        layers("{name: c, op: conv, out: 8, k: 3, dilation: 9}"),
        "dilated-too-big",
        r"kernel 19x19 \(dilated\)",
    ),
    info_net(layers("{name: p, op: maxpool, k: 32}"), "pool-too-big", r"pooling window 32x32"),
    info_net(
        layers("{name: r, op: relu, repeat: 100000}"),
        "repeat-huge",
        r"repeat must be an integer from 1 to 1024",
    ),
    info_net(
        layers("{name: r, op: relu, repeat: 0}"),
        "repeat-zero",
        r"repeat must be an integer from 1 to 1024, got 0",
    ),
    info_net(
        layers("{name: c, op: conv, out: 8, k: 3, pad: -1}"), "pad-negative", r"pad must be an integer >= 0"
    ),
    info_net(
        layers("{name: c, op: conv, out: 8, k: 3, pad: [1, 1, -1, 1]}"),
        "pad4-negative",
        r"pad must be integers >= 0",
    ),
    info_net(
        layers("{name: c, op: conv, out: 0}"),
        "out-zero",
        r"out \(output channels\) must be a positive integer",
    ),
    info_net(
        layers("{name: c, op: conv, out: eight}"),
        "out-word",
        r"out \(output channels\) must be a positive integer, got 'eight'",
    ),
    info_net(
        layers("{name: c, op: convv, out: 8}"),
        "op-typo",
        r"net.yaml:4: layer 'c': unknown op 'convv' \(did you mean 'conv'\?\)",
    ),
    info_net(
        layers("{name: a, op: relu}", "{name: b, op: relu, from: aa}"),
        "from-typo",
        r"unknown layer 'aa' \(did you mean 'a'\?\)",
    ),
    info_net(layers("{name: fc, op: linear, out: 1000000000}"), "tensor-huge", r"exceed 1.7e\+10 elements"),
    info_net(
        layers("{op: relu}", input_shape="[3, 0, 16]"),
        "input-zero",
        r"'input' must be 1 to 3 positive integers",
    ),
    info_net(
        layers("{op: relu}", input_shape="[3, 16, 16, 2]"),
        "input-long",
        r"'input' must be 1 to 3 positive integers",
    ),
    info_net("name: t\ninput: [3, 16, 16]\n", "layers-missing", r"missing required field 'layers'"),
    info_net(
        "name: t\ninput: [3, 16, 16]\nlayers: []\n", "layers-empty", r"'layers' must be a non-empty list"
    ),
    info_net(
        layers("{name: c, op: conv, out: 8, bias: 'yes'}"), "flag-string", r"bias must be true or false"
    ),
    info_net(layers("{name: c, op: conv, out: $width}"), "unknown-param", r"unknown parameter '\$width'"),
    info_net(
        layers("{name: c, op: conv, out: 8 / 0 + $x}").replace("layers:", "params: {x: 1}\nlayers:"),
        "bad-expression",
        r"cannot evaluate '8 / 0 \+ \$x'",
    ),
    info_net(
        layers("{name: a, op: relu}", "{name: c, op: concat, from: [a, input]}").replace(
            "relu}", "maxpool, k: 2}", 1
        ),
        "concat-shapes",
        r"cannot concatenate shape",
    ),
    info_net(
        layers("{name: d, op: dwconv, k: 3, multiplier: 0}"),
        "multiplier-zero",
        r"multiplier must be a positive integer",
    ),
    info_net(
        layers("{name: f, op: flatten, shape: [0, 768]}"),
        "reshape-zero",
        r"shape must be a list of positive integers",
    ),
    info_net(layers("{name: s, op: eltwise, fn: conv}"), "generic-named-as-op", r"fn must name the function"),
    info_net(
        "name: t\ninput: [3, 16, 16]\nblocks:\n  b:\n    layer: []\n    layers: [{op: relu}]\n"
        "layers:\n  - {block: b}\n",
        "block-field-typo",
        r"net.yaml:5: block 'b': unknown field 'layer' \(did you mean 'layers'\?\)",
    ),
    info_net(
        "name: t\ninput: [3, 16, 16]\nblocks:\n  b:\n    args: {ch: 8}\n    layers: [{op: conv, out: $ch}]\n"
        "layers:\n  - {block: b, chh: 4}\n",
        "block-arg-typo",
        r"block 'b' has no argument 'chh' \(did you mean 'ch'\?\)",
    ),
    info_net(
        "name: t\ninput: [3, 16, 16]\nlayers:\n" + "".join("  " * i + "- \n" for i in range(1, 80)),
        "deep-nesting",
        r"nested more than 64 levels deep",
    ),
    # ---------------------------------------------------------------- ONNX
    onnx_case(
        "strides-zero",
        lambda p: _conv_model(p, (4, 8, 3, 3), strides=[0, 0]),
        r"m.onnx: layer 'the_conv': stride must be a positive",
    ),
    onnx_case(
        "dilations-zero",
        lambda p: _conv_model(p, (4, 8, 3, 3), dilations=[0, 0]),
        r"dilation must be a positive",
    ),
    onnx_case(
        "pool-strides-zero",
        lambda p: single_op(p, "MaxPool", [1, 8, 16, 16], kernel_shape=[2, 2], strides=[0, 0]),
        r"stride must be a positive",
    ),
    onnx_case(
        "weight-channels",
        lambda p: _conv_model(p, (4, 3, 3, 3)),
        r"Conv 'the_conv': weight \[4, 3, 3, 3\] with group=1 expects 3 input channels, "
        r"but its input 'x' has 8",
    ),
    onnx_case(
        "weight-groups",
        lambda p: _conv_model(p, (4, 2, 3, 3), group=2),
        r"with group=2 expects 4 input channels",
    ),
    onnx_case(
        "opset-future",
        lambda p: single_op(p, "Relu", [1, 8, 4, 4], opset=99),
        r"ONNX opset 99 is outside what the installed onnx",
    ),
    onnx_case(
        "if-strict",
        _control_flow("If"),
        r"If node 'the_if': control flow is not supported \(--strict\)",
        "--strict",
    ),
    onnx_case(
        "loop-strict",
        _control_flow("Loop"),
        r"Loop node 'the_loop': control flow is not supported",
        "--strict",
    ),
    onnx_case("empty", lambda p: p.write_bytes(b""), r"m.onnx: empty file; expected an ONNX model"),
    onnx_case(
        "garbage",
        lambda p: p.write_bytes(b"\x08\x96\x01not a protobuf at all" * 8),
        r"m.onnx: not a valid ONNX model",
    ),
    onnx_case(
        "symbolic-dim",
        lambda p: single_op(p, "Relu", [1, 8, "H", 4]),
        r"symbolic dimension 'H' at axis 2; give --input-shape",
    ),
    onnx_case(
        "input-shape-bad",
        lambda p: single_op(p, "Relu", [1, 8, 4, 4]),
        r"--input-shape: expected dimensions like 1x3x224x224, got '1xax3'",
        "--input-shape",
        "1xax3",
    ),
    onnx_case(
        "unsupported-strict",
        lambda p: single_op(p, "LpNormalization", [1, 8, 4, 4], axis=1),
        r"unsupported ONNX ops \(--strict\): LpNormalization x1",
        "--strict",
    ),
    Case("onnx-missing", ("info", "--net", "{tmp}/nothere.onnx"), r"ONNX file not found: .*nothere.onnx"),
    # ---------------------------------------------------------------- sweep specs
    sweep_case(
        SWEEP.replace("capacity:", "capacty:"),
        "axis-typo",
        r"spec.yaml:\d+: field 'axes': 'memory.sram.capacty' is not a chip field.*did you mean 'capacity'",
    ),
    sweep_case(
        SWEEP.replace("memory.sram.capacity", "memory.sramm.capacity"),
        "axis-unknown-level",
        r"spec.yaml: field 'axes': 'memory.sramm.capacity': the chip has no memory level 'sramm' "
        r"\(did you mean 'sram'\?\); its levels: sram, dram",
    ),
    sweep_case(
        SWEEP.replace("memory.sram.capacity", "memory.sram"),
        "axis-section",
        r"'memory.sram' is a section of the chip config",
    ),
    sweep_case(
        SWEEP.replace("memory.sram.capacity", "compute.rows.x"),
        "axis-below-value",
        r"'compute.rows' is a value, not a section",
    ),
    sweep_case(
        SWEEP + "  compute.rows: {range: [1, 1000], step: 1}\n  compute.cols: {range: [1, 1000], step: 1}\n",
        "too-many-points",
        r"2,000,000 points, more than the limit of 1,000,000.*--max-points",
    ),
    sweep_case(SWEEP, "max-points-flag", r"2 values, more than the limit of 1\b", "--max-points", "1"),
    sweep_case(
        SWEEP.replace("[squeezenet]", "[squeezenett]"),
        "network-typo",
        r"unknown network 'squeezenett' \(did you mean 'squeezenet'\?\)",
    ),
    sweep_case(
        SWEEP.replace("base: 2W_npu", "base: 2W_npuu"),
        "base-typo",
        r"unknown hardware config '2W_npuu' \(did you mean '2W_npu'\?\)",
    ),
    sweep_case(
        SWEEP.replace("[1 MiB, 2 MiB]", "{range: [2, 1]}"), "range-backwards", r"range needs low <= high"
    ),
    sweep_case(
        SWEEP + "sample: {method: grid2}\n",
        "sample-typo",
        r"field 'sample.method': got 'grid2'.*did you mean 'grid'",
    ),
    sweep_case(SWEEP + "axis: {}\n", "top-typo", r"unknown field 'axis' \(did you mean 'axes'\?\)"),
    sweep_case(SWEEP + "base: big_sram\n", "duplicate-key", r"key 'base' is given twice \(lines 1 and 5\)"),
    Case(
        "sweep-out-folder-is-a-file",
        ("sweep", "{tmp}/spec.yaml", "--out", "{tmp}/afile/r.db"),
        r"--out: cannot make folder .*afile",
        {"spec.yaml": SWEEP, "afile": "not a folder\n"},
    ),
    Case("sweep-show-missing", ("sweep", "show", "{tmp}/none.db"), r"sweep results not found: .*none.db"),
    Case(
        "sweep-show-not-db",
        ("sweep", "show", "{tmp}/x.db"),
        r"x.db: not an accelsim sweep database",
        {"x.db": "just text\n"},
    ),
    Case("sweep-spec-missing", ("sweep", "{tmp}/nothere.yaml"), r"sweep spec not found"),
    # ---------------------------------------------------------------- CLI flags
    Case(
        "flag-net-path-missing",
        ("info", "--net", "nets/mine.yaml"),
        r"network file not found: nets/mine.yaml",
    ),
    Case("flag-net-yaml-missing", ("info", "--net", "mine.yaml"), r"network file not found: mine.yaml"),
    Case(
        "flag-net-directory",
        ("info", "--net", "{tmp}"),
        r"network path .* is a directory; expected a YAML file",
    ),
    Case(
        "flag-hw-path-missing",
        ("run", "--hw", "chips/x.yaml", "--net", "squeezenet"),
        r"hardware config file not found: chips/x.yaml",
    ),
    Case(
        "flag-hw-typo",
        ("run", "--hw", "2W_npuu", "--net", "squeezenet"),
        r"unknown hardware config '2W_npuu' \(did you mean '2W_npu'\?\)",
    ),
    Case(
        "flag-batch-zero",
        (*RUN, "--batch", "0"),
        r"batch must be an integer from 1 to 1,048,576, got 0",
    ),
    Case(
        "flag-batch-word",
        (*RUN, "--batch", "x"),
        r"Invalid value for '--batch'.*see 'accelsim run --help'",
    ),
    Case(
        "flag-fps-negative",
        (*RUN, "--fps", "-1"),
        r"fps must be a positive",
    ),
    Case(
        "flag-mode",
        (*RUN, "--mode", "hot"),
        r"Invalid value for '--mode': .*'hot' is not one of 'steady', 'cold'",
    ),
    Case("flag-width", ("info", "--net", "squeezenet", "--width", "-1"), r"width multiplier must be"),
    Case("flag-resolution", ("info", "--net", "squeezenet", "--resolution", "4"), r"resolution must be"),
    Case(
        "flag-param-form",
        ("info", "--net", "squeezenet", "--param", "sr"),
        r"--param: expected NAME=NUMBER, got 'sr'",
    ),
    Case(
        "flag-param-name",
        ("info", "--net", "squeezenet", "--param", "srr=0.5"),
        r"has no parameter 'srr' \(did you mean 'sr'\?\)",
    ),
    Case(
        "flag-unknown",
        (*RUN, "--bogus"),
        r"No such option: --bogus",
    ),
    Case("flag-command-typo", ("runn",), r"No such command 'runn'. Did you mean 'run'\?"),
    Case(
        "flag-json-directory",
        (*RUN, "--json", "{tmp}"),
        r"--json: .* is a directory; expected a file path",
    ),
    Case(
        "flag-json-folder-is-a-file",
        (*RUN, "--json", "{tmp}/afile/r.json"),
        r"--json: cannot write .*/afile/r.json \(Not a directory\)",
        {"afile": "not a folder\n"},
    ),
    Case("flag-plotlyjs", (*RUN, "--report", "{tmp}/r.html", "--plotlyjs", "cnd"), r"did you mean 'cdn'"),
    Case(
        "flag-report-suffix",
        (*RUN, "--report", "{tmp}/r.txt"),
        r"--report: expected a .html, .png, .svg or .pdf file",
    ),
    Case(
        "flag-compress-typo",
        ("run", "--hw", "2W_npu", "--net", "alexnet", "--compress", "deep_compresion"),
        r"did you mean 'deep_compression'",
    ),
    Case("flag-prune", (*RUN, "--prune", "1.5"), r"prune"),
    Case(
        "flag-compare-batch",
        ("compare", "--hw", "2W_npu", "--net", "squeezenet", "--batch", "x"),
        r"Invalid value for '--batch'",
    ),
    Case("flag-compare-no-net", ("compare", "--hw", "2W_npu"), r"Missing option '--net'"),
    Case(
        "flag-fit-hw", ("fit", "--hw", "2W_npux", "--net", "squeezenet"), r"unknown hardware config '2W_npux'"
    ),
    Case("flag-hw-show-typo", ("hw", "show", "eyeris"), r"did you mean 'eyeriss'"),
]


def _materialize(folder: Path, files: dict[str, Content]) -> None:
    for name, content in files.items():
        path = folder / name
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def _snapshot(folder: Path) -> dict[str, object]:
    """Each entry's content hash; a large file by its size and time (the sparse 2 GiB ones are
    never read by the loaders, and need not be by the test)."""
    seen: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        if path.is_symlink() or not path.is_file():
            seen[str(path.relative_to(folder))] = (
                info.st_mode,
                os.readlink(path) if path.is_symlink() else "",
            )
        elif info.st_size > 2**20:
            seen[str(path.relative_to(folder))] = (info.st_size, info.st_mtime_ns)
        else:
            seen[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return seen


def test_the_catalogue_is_large_and_ids_are_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    assert len(CASES) + len(API_CASES) >= 80


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input_is_one_line_exit_2_and_leaves_files_alone(case: Case, tmp_path: Path) -> None:
    _materialize(tmp_path, case.files)
    before = _snapshot(tmp_path)
    outcome = run_main(*(arg.replace("{tmp}", str(tmp_path)) for arg in case.args))
    assert outcome.returncode == 2, (outcome.stdout[-500:], outcome.stderr)
    assert "Traceback" not in outcome.stderr
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("error: ")
    assert re.search(case.message, lines[0]), lines[0]
    assert _snapshot(tmp_path) == before  # nothing written, nothing half-written, nothing changed


# --------------------------------------------------------------------------- Python API

API_CASES = [
    (dict(net=None), TypeError, r"net must be a zoo name, a file path or a Network"),
    (dict(net=3.5), TypeError, r"net must be"),
    (dict(hw=None), TypeError, r"hw must be a chip name"),
    (dict(batch=True), TypeError, r"batch must be an integer, got True"),
    (dict(batch=2.0), TypeError, r"batch must be an integer"),
    (dict(batch=0), ValueError, r"batch must be an integer from 1 to 1,048,576, got 0"),
    (dict(batch=-3), ValueError, r"batch must be an integer from 1 to 1,048,576, got -3"),
    (dict(batch=2**21), ValueError, r"batch must be an integer from 1 to 1,048,576, got 2,097,152"),
    (dict(fps=-1.0), ValueError, r"fps must be a positive"),
    (dict(fps=float("nan")), ValueError, r"fps must be a positive"),
    (dict(fps="30"), TypeError, r"fps must be a number"),
    (dict(mode="hot"), ValueError, r"mode must be one of"),
    (dict(net="squeezenett"), ValueError, r"did you mean 'squeezenet'"),
]


@pytest.mark.parametrize(("changes", "error", "message"), API_CASES, ids=[str(c[0]) for c in API_CASES])
def test_python_api_refuses_bad_arguments_up_front(changes: dict, error: type, message: str) -> None:
    arguments = {"net": "squeezenet", "hw": "2W_npu", **changes}
    with pytest.raises(error, match=message):
        simulate(**arguments)


def test_accelsim_errors_are_value_errors() -> None:
    assert issubclass(AccelsimError, ValueError)
