"""Hostile input to the newer commands (issue 27): files that are no files, work asked for
before it is bounded, NaN and infinity, flags accepted and ignored, names that would leave their
folder, machine-readable output kept clean. The catalogue runs like test_bad_inputs' (one line
on stderr, exit 2, no file touched); the cases that must succeed safely have tests of their own."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from accelsim.limits import MAX_ERRORS_LISTED
from tests.cli.test_bad_inputs import CHIP, Case, _materialize, _snapshot
from tests.cli_runner import run_main
from tests.conftest import ROOT

NET = (ROOT / "tests" / "fixtures" / "tiny_net.yaml").read_text()
TRENDS = (ROOT / "trends" / "default.yaml").read_text()
CLUSTER = (ROOT / "clusters" / "titan.yaml").read_text()
CFG = (ROOT / "tests" / "validation" / "data" / "scalesim" / "ws32.cfg").read_text()
TOPOLOGY = "Layer, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
TOPOLOGY += "conv1, 18, 18, 3, 3, 8, 16, 1,\n"
SWEEP = "base: 2W_npu\nnetworks: [squeezenet]\naxes:\n"

# ---------------------------------------------------------------- files that are no files

# each file kind: (file name, command reading it, the word its errors use)
READERS = {
    "chip": ("c.yaml", ("run", "--hw", "{f}", "--net", "squeezenet")),
    "workload": ("n.yaml", ("info", "--net", "{f}")),
    "onnx": ("m.onnx", ("info", "--net", "{f}")),
    "topology": ("t.csv", ("info", "--net", "{f}")),
    "scalesim-cfg": ("s.cfg", ("hw", "import-scalesim", "{f}")),
    "sweep": ("s.yaml", ("sweep", "{f}", "--out", "{tmp}/o.db")),
    "trends": ("tr.yaml", ("trend", "--hw", "2W_npu", "--net", "squeezenet", "--trends", "{f}")),
    "cluster": ("cl.yaml", ("train-scale", "--net", "squeezenet", "--cluster", "{f}")),
    "compression": ("cs.yaml", ("run", "--hw", "2W_npu", "--net", "squeezenet", "--compress", "{f}")),
}


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _device(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _folder(path: Path) -> None:
    path.mkdir()


def _huge(path: Path) -> None:
    with open(path, "wb") as stream:  # sparse: past every reader's limit, nothing on disk
        stream.truncate(2**31 + 1)


NOT_FILES = {
    "fifo": (_fifo, r"is not a regular file \(a pipe, device or socket\); expected an? .* file"),
    "dev-zero": (_device, r"is not a regular file \(a pipe, device or socket\); expected an? .* file"),
    "folder": (_folder, r"is a (folder|directory); expected a"),
    "huge": (_huge, r"2,147,483,649 bytes; expected an? .* file of at most"),
}


def _reader_cases() -> list[Case]:
    cases = []
    for kind, (name, command) in READERS.items():
        for how, (make, message) in NOT_FILES.items():
            args = tuple(a.replace("{f}", "{tmp}/" + name) for a in command)
            cases.append(Case(f"file-{kind}-{how}", args, message, {name: make}))
    return cases


# ---------------------------------------------------------------- the catalogue


def sweep(axes: str, cid: str, message: str, *extra: str, head: str = SWEEP) -> Case:
    return Case(
        f"sweep-{cid}",
        ("sweep", "{tmp}/s.yaml", "--out", "{tmp}/o.db", *extra),
        message,
        {"s.yaml": head + axes},
    )


def trend(years: str, message: str, cid: str) -> Case:
    return Case(f"years-{cid}", ("trend", "--hw", "2W_npu", "--net", "squeezenet", "--years", years), message)


def trends_file(old: str, new: str, cid: str, message: str) -> Case:
    assert old in TRENDS, old
    return Case(
        f"trends-{cid}",
        ("trend", "--hw", "2W_npu", "--net", "{tmp}/n.yaml", "--years", "0,1", "--trends", "{tmp}/t.yaml"),
        message,
        {"t.yaml": TRENDS.replace(old, new, 1), "n.yaml": NET},
    )


def cluster_file(old: str, new: str, cid: str, message: str) -> Case:
    assert old in CLUSTER, old
    return Case(
        f"cluster-{cid}",
        ("train-scale", "--net", "{tmp}/n.yaml", "--cluster", "{tmp}/c.yaml", "--workers", "1,2"),
        message,
        {"c.yaml": CLUSTER.replace(old, new, 1), "n.yaml": NET},
    )


def chip(old: str, new: str, cid: str, message: str) -> Case:
    assert old in CHIP, old
    return Case(
        f"chip-{cid}",
        ("run", "--hw", "{tmp}/c.yaml", "--net", "squeezenet"),
        message,
        {"c.yaml": CHIP.replace(old, new, 1)},
    )


RANGE = "  compute.rows: {range: [8, 16], step: %s}\n"
LOG = "  memory.sram.capacity: {log: [1 MiB, 8 MiB], points: %s}\n"
LIMIT = r"more than the limit of 1,000,000; expected fewer points"
TINY_RUN = ("run", "--hw", "2W_npu", "--net", "{tmp}/n.yaml")
GPT2 = ("run", "--hw", "edge_llm_npu", "--net", "gpt2")

CASES = [
    *_reader_cases(),
    # ------------------------------------------------------------ bound before expanding
    sweep(RANGE % "1e-300", "step-tiny", r"axis 'compute.rows' has about 10\^300 values, " + LIMIT),
    sweep(RANGE % "0", "step-zero", r"range needs low <= high and a positive step"),
    sweep(RANGE % "-1", "step-negative", r"range needs low <= high and a positive step"),
    sweep(RANGE % ".nan", "step-nan", r"axis 'compute.rows': nan is not a finite number"),
    sweep(RANGE % ".inf", "step-inf", r"axis 'compute.rows': inf is not a finite number"),
    sweep("  compute.rows: {range: [1, 1.0e+12]}\n", "range-huge", r"has 1,000,000,000,000 values, " + LIMIT),
    sweep("  compute.rows: {range: [-.inf, 3]}\n", "range-minus-inf", r"-inf is not a finite number"),
    sweep("  compute.rows: {range: [1, 2, 3]}\n", "range-three", r"range must be \[low, high\]"),
    sweep("  compute.rows: {range: 5}\n", "range-scalar", r"range must be \[low, high\]"),
    sweep(
        "  memory.sram.capacity: {range: [1 KiB, 1 GiB], step: 1}\n",
        "capacity-step-1",
        r"has 1,073,740,801 values, " + LIMIT,
    ),
    sweep(LOG % "1000000000000", "log-points-huge", r"has 1,000,000,000,000 values, " + LIMIT),
    sweep(
        LOG % "1.0e+12",
        "log-points-float",
        r"log points must be a whole number of at least 2, got 1000000000000.0",
    ),
    sweep(LOG % "1", "log-points-one", r"log points must be a whole number of at least 2"),
    sweep(LOG % "true", "log-points-bool", r"log points must be a whole number of at least 2, got True"),
    sweep("  memory.sram.capacity: {log: [0, 8 MiB]}\n", "log-zero", r"log needs 0 < low <= high"),
    sweep("  memory.sram.capacity: {log: [1 MiB, .inf]}\n", "log-inf", r"inf is not a finite number"),
    sweep("  compute.rows: [8, .nan]\n", "list-nan", r"axis 'compute.rows': nan is not a finite number"),
    sweep("  compute.rows: [.inf]\n", "list-inf", r"axis 'compute.rows': inf is not a finite number"),
    sweep(
        "  compute.rows: {range: [1, 1000]}\n  compute.cols: {range: [1, 1000]}\n"
        "  compute.vector.lanes: [1, 2]\n",
        "grid-product",
        r"the grid has 2,000,000 points, " + LIMIT,
    ),
    sweep(
        "  compute.rows: {range: [1, 2000]}\n",
        "max-points-raised",
        r"has 2,000 values, more than the limit of 100",
        "--max-points",
        "100",
    ),
    sweep("  compute.rows: [8]\n", "max-points-zero", r"--max-points.*1", "--max-points", "0"),
    sweep("  compute.rows: [8]\n", "max-points-negative", r"--max-points", "--max-points", "-5"),
    sweep("  compute.rows: [8]\n", "workers-huge", r"--workers.*256", "--workers", "100000"),
    sweep("  compute.rows: [8]\n", "workers-zero", r"--workers", "--workers", "0"),
    sweep("  compute.rows: [8]\nbatch: 10000000\n", "batch-huge", r"field 'batch'.*1048576"),
    sweep("  compute.rows: [8]\nbatch: .nan\n", "batch-nan", r"field 'batch'"),
    sweep("  compute.rows: [8]\nsample: {method: random, n: 100000000}\n", "n-huge", r"field 'sample.n'"),
    sweep(
        "  compute.rows: [8]\nsample: {method: random, n: 2000000}\n",
        "n-over-limit",
        r"2,000,000 points, more",
    ),
    sweep("  compute.rows: [8]\nsample: {method: lhs, n: true}\n", "n-bool", r"field 'sample.n'"),
    trend("0..1e9", r"--years: 1,000,000,001 years, more than the limit of 1,001", "huge"),
    trend("0..10..1e-9", r"--years: 10,000,000,001 years, more than the limit of 1,001", "step-tiny"),
    trend("0..-1", r"--years: expected FIRST\.\.LAST\[\.\.STEP\] with FIRST <= LAST", "backwards"),
    trend("0..10..0", r"a positive STEP", "step-zero"),
    trend("0..10..-2", r"a positive STEP", "step-negative"),
    trend("nan..3", r"all finite, got nan\.\.3", "nan"),
    trend("0..inf", r"all finite", "inf"),
    trend("0,1e300", r"each year must be from 0 to 100, got 1e\+300", "list-huge"),
    trend("0,nan", r"each year must be from 0 to 100, got nan", "list-nan"),
    trend("-5,2", r"each year must be from 0 to 100, got -5", "list-negative"),
    trend("0..200", r"each year must be from 0 to 100, got 101", "beyond-horizon"),
    trend("0..1..2..3", r"expected FIRST\.\.LAST\[\.\.STEP\]", "four-parts"),
    trend(",", r"expected FIRST\.\.LAST\[\.\.STEP\] or a list", "empty-list"),
    Case(
        "batch-huge",
        (*TINY_RUN, "--batch", str(10**30)),
        r"batch must be an integer from 1 to 1,048,576",
        {"n.yaml": NET},
    ),
    Case(
        "batch-over-cap",
        (*TINY_RUN, "--batch", "2000000"),
        r"batch must be an integer from 1 to 1,048,576, got 2,000,000",
        {"n.yaml": NET},
    ),
    Case("batch-negative", (*TINY_RUN, "--batch", "-1"), r"batch must be an integer from 1", {"n.yaml": NET}),
    Case(
        "compare-batch-huge",
        ("compare", "--hw", "2W_npu", "--net", "{tmp}/n.yaml", "--batch", str(10**30)),
        r"batch must be an integer from 1 to 1,048,576",
        {"n.yaml": NET},
    ),
    Case(
        "tokens-huge",
        (*GPT2, "--context", "8", "--tokens", str(10**9)),
        r"tokens \(to generate\) must be an integer from 1 to 1,000,000",
    ),
    Case(
        "context-huge",
        (*GPT2, "--context", str(10**12), "--tokens", "2"),
        r"context \(prompt tokens\) must be an integer from 1 to 1,000,000",
    ),
    Case("context-zero", (*GPT2, "--context", "0", "--tokens", "2"), r"context \(prompt tokens\) must be"),
    Case("tokens-negative", (*GPT2, "--context", "4", "--tokens", "-3"), r"tokens \(to generate\) must be"),
    Case(
        "train-batch-huge",
        ("train-scale", "--net", "{tmp}/n.yaml", "--cluster", "titan", "--batch", str(10**30)),
        r"--batch must be an integer from 1 to 1,048,576",
        {"n.yaml": NET},
    ),
    Case(
        "train-workers-huge",
        ("train-scale", "--net", "{tmp}/n.yaml", "--cluster", "titan", "--workers", f"1..{10**30}"),
        r"--workers must be an integer from 1 to 1,048,576",
        {"n.yaml": NET},
    ),
    Case(
        "train-workers-zero",
        ("train-scale", "--net", "{tmp}/n.yaml", "--cluster", "titan", "--workers", "0,2"),
        r"--workers: expected a list like 1,2,4,8",
        {"n.yaml": NET},
    ),
    Case(
        "repeat-nested",
        ("info", "--net", "{tmp}/n.yaml"),
        r"n.yaml:\d+: the network expands to more than 100,000 layers; expected at most 100,000",
        {
            "n.yaml": "name: deep\ninput: [8]\nblocks:\n  b:\n    layers: [{op: relu, repeat: 1024}]\n"
            "layers:\n  - {block: b, repeat: 1024}\n"
        },
    ),
    # ------------------------------------------------------------ NaN and infinity in files
    trends_file("improvement: 10 ", "improvement: .nan ", "improvement-nan", r"field 'compute.improvement'"),
    trends_file("improvement: 10 ", "improvement: .inf ", "improvement-inf", r"field 'compute.improvement'"),
    trends_file(
        "over_years: 5 ", "over_years: -.inf ", "over-years-minus-inf", r"field 'compute.over_years'"
    ),
    trends_file("shrink: 0.7 ", "shrink: .nan ", "shrink-nan", r"field 'node.shrink'"),
    trends_file("floor_nm: 7 ", "floor_nm: .inf ", "floor-inf", r"field 'node.floor_nm'"),
    trends_file("year: 2007}", "year: .nan}", "year-nan", r"field 'dram.generations.0.year'"),
    trends_file("year: 2012}", "year: .inf}", "year-inf", r"field 'dram.generations.1.year'"),
    trends_file(
        "year: 2014}", "year: 2014, pj_per_bit: .inf}", "pj-inf", r"field 'dram.generations.2.pj_per_bit'"
    ),
    trends_file("improvement: 10 ", "improvement: true ", "improvement-bool", r"field 'compute.improvement'"),
    trends_file(
        "years_per_generation: 2.5", "years_per_generation: 0", "cadence-zero", r"years_per_generation"
    ),
    cluster_file("peak_tflops: 3.95", "peak_tflops: .nan", "peak-nan", r"field 'worker.gpu.peak_tflops'"),
    cluster_file("peak_tflops: 3.95", "peak_tflops: .inf", "peak-inf", r"field 'worker.gpu.peak_tflops'"),
    cluster_file("efficiency: 0.25", "efficiency: .nan", "efficiency-nan", r"field 'worker.gpu.efficiency'"),
    cluster_file("max_workers: 18688", "max_workers: true", "max-workers-bool", r"field 'max_workers'"),
    cluster_file("max_workers: 18688", "max_workers: 1.0e+30", "max-workers-huge", r"field 'max_workers'"),
    cluster_file("max_workers: 18688", "max_workers: 16.5", "max-workers-fraction", r"field 'max_workers'"),
    chip("rows: 32", "rows: true", "rows-bool", r"field 'compute.rows'"),
    chip(
        "memory:\n",
        "memory:\n  bypass: [outputs]\n",
        "bypass-outputs",
        r"field 'memory.bypass.0': got 'outputs', expected one of weights, inputs",
    ),
    chip("rows: 32", "rows: 32.5", "rows-fraction", r"field 'compute.rows'"),
    chip("rows: 32", "rows: .nan", "rows-nan", r"field 'compute.rows'"),
    chip("technology_nm: 16", "technology_nm: .inf", "node-inf", r"field 'technology_nm'"),
    chip("technology_nm: 16", "technology_nm: .nan", "node-nan", r"field 'technology_nm'"),
    chip("vdd: 0.8", "vdd: .nan", "vdd-nan", r"field 'vdd'"),
    chip("weights: 8", "weights: true", "bits-bool", r"field 'compute.precision.weights'"),
    chip(
        "floating_point: false",
        "floating_point: 1",
        "float-flag-number",
        r"field 'compute.precision.floating_point'",
    )
    if "floating_point: false" in CHIP
    else chip("weights: 8", "weights: 8, floating_point: 1", "float-flag-number", r"floating_point"),
    # ------------------------------------------------------------ accepted and ignored before
    Case(
        "sr-negative",
        ("run", "--hw", "2W_npu", "--net", "squeezenet", "--sr", "-1"),
        r"parameter 'sr' of network 'squeezenet' must be in \(0, 1\], got -1",
    ),
    Case(
        "sr-zero",
        ("info", "--net", "squeezenet", "--sr", "0"),
        r"parameter 'sr' of network 'squeezenet' must be in \(0, 1\], got 0",
    ),
    Case("sr-over-one", ("info", "--net", "squeezenet", "--sr", "1.5"), r"must be in \(0, 1\], got 1.5"),
    Case(
        "sr-nan",
        ("info", "--net", "squeezenet", "--sr", "nan"),
        r"parameter 'sr' must be a finite number, got nan",
    ),
    Case(
        "pct3x3-over-one",
        ("info", "--net", "squeezenet", "--pct3x3", "2"),
        r"parameter 'pct3x3'.*must be in \[0, 1\], got 2",
    ),
    Case(
        "param-inf",
        ("info", "--net", "squeezenet", "--param", "base_e=inf"),
        r"parameter 'base_e' must be a finite number",
    ),
    Case(
        "ranges-bad-interval",
        ("info", "--net", "{tmp}/n.yaml"),
        r"ranges: 'x' must name a parameter and an interval like",
        {"n.yaml": NET.replace("layers:", "params: {x: 1}\nranges: {x: '0 to 1'}\nlayers:")},
    ),
    Case(
        "ranges-default-outside",
        ("info", "--net", "{tmp}/n.yaml"),
        r"parameter 'x' of network 'tiny' must be in \[2, 4\], got 1",
        {"n.yaml": NET.replace("layers:", "params: {x: 1}\nranges: {x: '[2, 4]'}\nlayers:")},
    ),
    Case("fit-top-negative", ("fit", "--hw", "2W_npu", "--net", "squeezenet", "--top", "-1"), r"--top"),
    Case("fit-top-zero", ("fit", "--hw", "2W_npu", "--net", "squeezenet", "--top", "0"), r"--top"),
    Case(
        "fit-context-and-sram",
        ("fit", "--hw", "edge_llm_npu", "--net", "gpt2", "--context", "--sram"),
        r"--context and --sram ask different questions",
    ),
    Case(
        "plotlyjs-no-report",
        ("run", "--hw", "2W_npu", "--net", "squeezenet", "--plotlyjs", "cdn"),
        r"--plotlyjs applies to an HTML report",
    ),
    Case(
        "plotlyjs-png-report",
        ("run", "--hw", "2W_npu", "--net", "squeezenet", "--report", "{tmp}/r.png", "--plotlyjs", "cdn"),
        r"--plotlyjs applies to an HTML report",
    ),
    Case(
        "plotlyjs-compare-no-report",
        ("compare", "--hw", "2W_npu", "--net", "squeezenet", "--plotlyjs", "inline"),
        r"--plotlyjs applies",
    ),
    Case(
        "plotlyjs-trend-no-report",
        ("trend", "--hw", "2W_npu", "--net", "squeezenet", "--plotlyjs", "cdn"),
        r"--plotlyjs applies",
    ),
    Case(
        "plotlyjs-train-no-report",
        ("train-scale", "--net", "squeezenet", "--cluster", "titan", "--plotlyjs", "cdn"),
        r"--plotlyjs applies",
    ),
    Case(
        "plotlyjs-sweep-show-no-report",
        ("sweep", "show", "{tmp}/x.db", "--plotlyjs", "cdn"),
        r"--plotlyjs applies",
    ),
    Case(
        "compare-hw-commas",
        ("compare", "--hw", ",,,", "--net", "squeezenet"),
        r"compare: --hw names no chips; expected at least one",
    ),
    Case(
        "compare-net-commas", ("compare", "--hw", "2W_npu", "--net", ","), r"compare: --net names no networks"
    ),
    Case(
        "cluster-chip-missing-beside",
        ("train-scale", "--net", "squeezenet", "--cluster", "{tmp}/c.yaml"),
        r"c.yaml: field 'worker.chip': hardware config file not found",
        {
            "c.yaml": "name: mine\nworker: {chip: chips/nothere.yaml}\n"
            "interconnect: {bandwidth: 1 GB/s, latency: 1 us}\nmax_workers: 4\n"
        },
    ),
    # ------------------------------------------------------------ control characters, long errors
    chip(
        "name: 2W_npu",
        'name: "n\\e[31mred"',
        "name-escape",
        r"c.yaml:\d+: not valid YAML: 'n\\x1b\[31mred' holds a control character",
    ),
    Case(
        "net-name-escape",
        ("info", "--net", "{tmp}/n.yaml"),
        r"holds a control character; expected printable text",
        {"n.yaml": NET.replace("name: tiny", 'name: "t\\x07iny"')},
    ),
    trends_file("name: default", 'name: "d\\e]0;title\\a"', "name-escape", r"holds a control character"),
    cluster_file("name: titan", 'name: "t\\e[2J"', "name-escape", r"holds a control character"),
    Case(
        "topology-name-escape",
        ("info", "--net", "{tmp}/t.csv"),
        r"layer name 'c\\x1b\[31m' holds a control character",
        {"t.csv": TOPOLOGY.replace("conv1", "c\x1b[31m")},
    ),
    Case(
        "layers-5000-bad",
        ("info", "--net", "{tmp}/n.yaml"),
        rf"(unknown op 'nope'.*){{{MAX_ERRORS_LISTED}}}; and 4,980 more problems$",
        {
            "n.yaml": "name: bad\ninput: [8]\nlayers:\n"
            + "".join(f"  - {{name: l{i}, op: nope}}\n" for i in range(5000))
        },
    ),
    Case(
        "topology-rows-bad",
        ("info", "--net", "{tmp}/t.csv"),
        r"; and 980 more problems$",
        {
            "t.csv": TOPOLOGY.split("\n")[0]
            + "\n"
            + "".join(f"l{i}, x, 1, 1, 1, 1, 1, 1,\n" for i in range(1000))
        },
    ),
    # ------------------------------------------------------------ SCALE-Sim inputs
    Case(
        "cfg-missing",
        ("hw", "import-scalesim", "{tmp}/none.cfg"),
        r"SCALE-Sim config file not found: .*none.cfg",
    ),
    Case("topology-missing", ("info", "--net", "{tmp}/none.csv"), r"SCALE-Sim topology CSV file not found"),
    Case(
        "cfg-binary",
        ("hw", "import-scalesim", "{tmp}/s.cfg"),
        r"not a text \(UTF-8\) SCALE-Sim config file",
        {"s.cfg": b"\xff\xfe\x00"},
    ),
    Case(
        "topology-binary",
        ("info", "--net", "{tmp}/t.csv"),
        r"not a text \(UTF-8\) SCALE-Sim topology CSV file",
        {"t.csv": b"\xff\xfe\x00"},
    ),
    Case(
        "cfg-nan",
        ("hw", "import-scalesim", "{tmp}/s.cfg"),
        r"ArrayHeight: expected a positive whole number, got 'nan'",
        {"s.cfg": re.sub(r"(?m)^ArrayHeight\s*:.*$", "ArrayHeight : nan", CFG)},
    ),
    Case("export-no-input", ("export-scalesim", "-o", "{tmp}"), r"give --net .*--hw"),
    # ------------------------------------------------------------ the API's strays at the CLI
    Case("run-seq-len-zero", ("run", "--hw", "2W_npu", "--net", "gpt2", "--seq-len", "0"), r"--seq-len"),
    Case("width-nan", ("info", "--net", "squeezenet", "--width", "nan"), r"width multiplier must be"),
    Case("width-inf", ("info", "--net", "squeezenet", "--width", "inf"), r"width multiplier must be"),
    Case(
        "fps-inf",
        ("run", "--hw", "2W_npu", "--net", "squeezenet", "--fps", "inf"),
        r"fps must be a positive, finite",
    ),
    Case(
        "fps-nan",
        ("run", "--hw", "2W_npu", "--net", "squeezenet", "--fps", "nan"),
        r"fps must be a positive, finite",
    ),
    Case("prune-nan", ("run", "--hw", "2W_npu", "--net", "squeezenet", "--prune", "nan"), r"prune"),
    Case(
        "node-nan",
        ("hw", "import-scalesim", "{tmp}/s.cfg", "--node", "nan"),
        r"--node: expected 7 to 130 nm",
        {"s.cfg": CFG},
    ),
    Case(
        "node-inf",
        ("hw", "import-scalesim", "{tmp}/s.cfg", "--node", "inf"),
        r"--node: expected 7 to 130 nm",
        {"s.cfg": CFG},
    ),
    Case(
        "clock-nan",
        ("hw", "import-scalesim", "{tmp}/s.cfg", "--clock", "nan GHz"),
        r"--clock",
        {"s.cfg": CFG},
    ),
    Case("link-inf", ("compress", "--net", "squeezenet", "--wbits", "4", "--link", "inf Mbit/s"), r"--link"),
]


def test_the_catalogue_is_large_and_ids_are_unique() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    assert len(CASES) >= 120, len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_hostile_input_is_one_line_exit_2_and_leaves_files_alone(case: Case, tmp_path: Path) -> None:
    _materialize(tmp_path, case.files)
    before = _snapshot(tmp_path)
    outcome = run_main(*(arg.replace("{tmp}", str(tmp_path)) for arg in case.args))
    assert outcome.returncode == 2, (outcome.stdout[-500:], outcome.stderr)
    assert "Traceback" not in outcome.stderr
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("error: ") and len(lines[0]) < 8000, lines[0][:300]
    assert re.search(case.message, lines[0]), lines[0][:2000]
    assert _snapshot(tmp_path) == before


# ---------------------------------------------------------------- safe successes


@pytest.mark.parametrize("name", ["../escaped", "/tmp/abs/escaped", "..", "a/../../b", ".hidden", "x\\..\\y"])
def test_export_names_stay_in_their_folder(name: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "c.yaml").write_text(CHIP.replace("name: 2W_npu", f"name: '{name}'", 1))
    (tmp_path / "n.yaml").write_text(NET.replace("name: tiny", f"name: '{name}'", 1))
    outcome = run_main(
        "export-scalesim", "--hw", str(tmp_path / "c.yaml"), "--net", str(tmp_path / "n.yaml"), "-o", str(out)
    )
    assert outcome.returncode == 0, outcome.stderr
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".cfg", ".csv"))
    assert len(written) == 2 and all(p.parent == out for p in written), written
    assert not any(p.name.startswith(".") for p in written)
    assert not Path("/tmp/abs").exists()


def test_plotlyjs_is_never_written_through_a_planted_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "plotly.min.js").symlink_to(victim)
    outcome = run_main(
        "run",
        "--hw",
        "2W_npu",
        "--net",
        "squeezenet",
        "--report",
        str(folder / "r.html"),
        "--plotlyjs",
        "directory",
    )
    assert outcome.returncode == 0, outcome.stderr
    assert victim.read_text() == "keep me\n"
    bundle = folder / "plotly.min.js"
    assert not bundle.is_symlink() and bundle.stat().st_size > 1_000_000


@pytest.mark.parametrize(
    "args",
    [
        (
            "trend",
            "--hw",
            "2W_npu",
            "--net",
            "{tmp}/n.yaml",
            "--years",
            "0,1",
            "--report",
            "{tmp}/r.html",
            "--json",
        ),
        (
            "train-scale",
            "--net",
            "{tmp}/n.yaml",
            "--cluster",
            "titan",
            "--workers",
            "1,2",
            "--report",
            "{tmp}/r.html",
            "--json",
        ),
        ("compare", "--hw", "2W_npu", "--net", "{tmp}/n.yaml", "--report", "{tmp}/r.html", "--json"),
        ("run", "--hw", "2W_npu", "--net", "{tmp}/n.yaml", "--report", "{tmp}/r.html", "--json", "-"),
    ],
    ids=lambda a: a[0],
)
def test_json_on_stdout_parses_whatever_else_is_asked(args: tuple[str, ...], tmp_path: Path) -> None:
    (tmp_path / "n.yaml").write_text(NET)
    outcome = run_main(*(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert outcome.returncode == 0, outcome.stderr
    json.loads(outcome.stdout)  # nothing but the JSON on stdout
    assert "report written to" in outcome.stderr and (tmp_path / "r.html").is_file()


@pytest.mark.parametrize("args", [("run", "--hw", "2W_npu", "--net", "squeezenet"), ("hw", "list", "--json")])
def test_stdout_on_a_full_disk_is_one_line(args: tuple[str, ...]) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "accelsim", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: cannot write to standard output (No space left on device); nothing more was written"
    ]


def test_cluster_chip_is_found_beside_the_cluster_file(tmp_path: Path) -> None:
    (tmp_path / "chips").mkdir()
    (tmp_path / "chips" / "mine.yaml").write_text(CHIP.replace("name: 2W_npu", "name: mine", 1))
    (tmp_path / "c.yaml").write_text(
        "name: lab\nworker: {chip: chips/mine.yaml}\n"
        "interconnect: {bandwidth: 1 GB/s, latency: 1 us}\nmax_workers: 4\n"
    )
    (tmp_path / "n.yaml").write_text(NET)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    outcome = run_main(
        "train-scale",
        "--net",
        str(tmp_path / "n.yaml"),
        "--cluster",
        str(tmp_path / "c.yaml"),
        "--workers",
        "1,2",
        "--json",
        cwd=elsewhere,
    )
    assert outcome.returncode == 0, outcome.stderr
    assert json.loads(outcome.stdout)[0]["cluster"] == "lab"


def _can_mount_read_only(source: Path, target: Path) -> bool:
    try:
        subprocess.run(
            ["mount", "--bind", str(source), str(target)], check=True, capture_output=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return False
    remount = subprocess.run(["mount", "-o", "remount,bind,ro", str(target)], capture_output=True, timeout=10)
    if remount.returncode != 0:
        subprocess.run(["umount", str(target)], capture_output=True, timeout=10)
        return False
    return True


def test_sweep_show_reads_a_database_in_a_read_only_folder(tmp_path: Path) -> None:
    source, target = tmp_path / "src", tmp_path / "ro"
    source.mkdir()
    target.mkdir()
    (source / "s.yaml").write_text(SWEEP + "  memory.sram.capacity: [1 MiB, 2 MiB]\n")
    assert (
        run_main("sweep", str(source / "s.yaml"), "--out", str(source / "r.db"), "--workers", "1").returncode
        == 0
    )
    if not _can_mount_read_only(source, target):
        pytest.skip("a read-only bind mount needs root and mount permission")
    try:
        outcome = run_main("sweep", "show", str(target / "r.db"), "--json")
    finally:
        subprocess.run(["umount", str(target)], capture_output=True, timeout=10)
    assert outcome.returncode == 0, outcome.stderr
    assert json.loads(outcome.stdout)["rows"] == 2


def _die(*_: object) -> None:
    os._exit(9)  # a worker killed mid-chunk (SIGKILL, the kernel's out-of-memory killer)


def test_a_dead_sweep_worker_is_one_line_and_resume_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import multiprocessing

    from accelsim.apps.sweep import load_sweep, run_sweep
    from accelsim.apps.sweep import run as sweep_run
    from accelsim.errors import AccelsimError

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the patched chunk reaches workers only when they fork")
    spec_file = tmp_path / "s.yaml"
    spec_file.write_text(SWEEP + "  memory.sram.capacity: [1 MiB, 2 MiB]\n")
    spec, base = load_sweep(spec_file)
    monkeypatch.setattr(sweep_run, "evaluate_chunk", _die)
    with pytest.raises(AccelsimError, match=r"a worker process died .* continue with --resume"):
        run_sweep(spec, base, tmp_path / "r.db", workers=1)
    monkeypatch.undo()
    counts = run_sweep(spec, base, tmp_path / "r.db", resume=True, workers=1)
    assert counts["total"] == 2 and counts["before"] + counts["added"] == 2
    # the resumed database holds both points, each simulated (it held a yaml check that could not fail)
    from accelsim.apps.sweep import read_results

    assert sorted(read_results(tmp_path / "r.db")["status"]) == ["ok", "ok"]
