"""Every numeric field of every file kind, and every numeric flag of every command, given NaN,
+/-infinity, -1, 0, 1, 1e300 and 10^30: the command either answers with finite numbers (exit 0)
or refuses in one line naming what was wrong (exit 2), never a traceback, a hang or a NaN.

The fields come from the pydantic schemas and the flags from the command tree, so a field or a
flag added later is fuzzed without touching this file."""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from pydantic import BaseModel

from accelsim.apps.sweep.spec import SweepSpec
from accelsim.apps.train_scale import ClusterSpec
from accelsim.apps.trend import TrendSpec
from accelsim.cli import app
from accelsim.hw.schema import HwConfig
from accelsim.transform.compress import CompressionSpec
from tests.cli_runner import run_main
from tests.conftest import ROOT

BAD_NUMBERS: tuple[Any, ...] = (float("nan"), float("inf"), float("-inf"), -1, 0, 1, 1e300, 10**30)
BAD_FLAGS = ("nan", "inf", "-inf", "-1", "0", "1", "1e300", str(10**30))
NET = (ROOT / "tests" / "fixtures" / "tiny_net.yaml").read_text()
CFG = (ROOT / "tests" / "validation" / "data" / "scalesim" / "ws32.cfg").read_text()


def _unwrap(annotation: Any) -> list[Any]:
    """The types an annotation admits (Optional, unions and Annotated opened)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return [t for a in typing.get_args(annotation) for t in _unwrap(a)]
    return [annotation]


def numeric_paths(model: type[BaseModel], data: Any, prefix: str = "") -> Iterator[str]:
    """Dotted paths of the numeric fields of `model` (sections entered where `data` has them,
    list items by index, mapping values by their key in `data`)."""
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        kinds = _unwrap(info.annotation)
        value = data.get(name) if isinstance(data, dict) else None
        sections = [k for k in kinds if isinstance(k, type) and issubclass(k, BaseModel)]
        if any(k in (int, float) for k in kinds):
            yield path
        for kind in kinds:
            origin, args = typing.get_origin(kind), typing.get_args(kind)
            if (
                origin in (tuple, list)
                and args
                and isinstance(args[0], type)
                and issubclass(args[0], BaseModel)
            ):
                for i, item in enumerate(value or []):
                    yield from numeric_paths(args[0], item, f"{path}.{i}.")
            if (
                origin is dict
                and len(args) == 2
                and isinstance(args[1], type)
                and issubclass(args[1], BaseModel)
            ):
                for key, item in (value or {}).items():
                    yield from numeric_paths(args[1], item, f"{path}.{key}.")
        if sections:
            yield from numeric_paths(sections[0], value or {}, f"{path}.")


def set_path(data: Any, path: str, value: Any) -> Any:
    """A deep copy of `data` with the dotted path set (sections and list items made as needed)."""
    data = json.loads(json.dumps(data, default=str))
    node = data
    keys = path.split(".")
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if isinstance(node, list):
        node[int(keys[-1])] = value
    else:
        node[keys[-1]] = value
    return data


def _yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


CHIP = _yaml(ROOT / "hw_configs" / "2W_npu.yaml")
# every kind of level, each field of each: activations, a weight buffer, DRAM and flash
_SRAM, _DRAM = CHIP["memory"]["levels"]
CHIP["memory"]["levels"] = [
    {**_SRAM, "holds": ["activations", "kv_cache"], "width": 64, "leakage": "1 mW"},
    {"name": "weight_sram", "kind": "sram", "capacity": "1 MiB", "holds": ["weights"]},
    {**_DRAM, "holds": ["activations", "kv_cache"], "capacity": "1 GiB", "read_energy": "70 pJ/B"},
    {"name": "flash", "kind": "flash", "capacity": "16 MiB", "bandwidth": "1 GB/s"},
]
TRENDS = _yaml(ROOT / "trends" / "default.yaml")
CLUSTER = _yaml(ROOT / "clusters" / "ethernet_10g.yaml")
CHIP_CLUSTER = {**CLUSTER, "worker": {"chip": "2W_npu"}}
COMPRESSION = {"weight_bits": 4, "prune": 0.5, "layers": {"c1": {"prune": 0.2}}}
SWEEP = {"base": "2W_npu", "networks": ["tiny.yaml"], "axes": {"compute.rows": [16, 32]}}


def _train_scale(workers: str, batch: str) -> tuple[str, ...]:
    return (
        "train-scale",
        "--net",
        "tiny.yaml",
        "--cluster",
        "cluster.yaml",
        "--workers",
        workers,
        "--batch",
        batch,
        "--json",
    )


# file kind: (schema, example data, file name, command)
FILE_KINDS: dict[str, tuple[type[BaseModel], dict[str, Any], str, tuple[str, ...]]] = {
    "chip": (HwConfig, CHIP, "chip.yaml", ("run", "--hw", "chip.yaml", "--net", "tiny.yaml", "--json", "-")),
    "trends": (
        TrendSpec,
        TRENDS,
        "trends.yaml",
        (
            "trend",
            "--hw",
            "2W_npu",
            "--net",
            "tiny.yaml",
            "--years",
            "0,3",
            "--trends",
            "trends.yaml",
            "--json",
        ),
    ),
    "cluster": (ClusterSpec, CLUSTER, "cluster.yaml", _train_scale("1,4", "16")),
    "chip-cluster": (ClusterSpec, CHIP_CLUSTER, "cluster.yaml", _train_scale("1,2", "4")),
    "compression": (
        CompressionSpec,
        COMPRESSION,
        "spec.yaml",
        ("run", "--hw", "2W_npu", "--net", "tiny.yaml", "--compress", "spec.yaml", "--json", "-"),
    ),
}


def _file_cases() -> Iterator[Any]:
    for kind, (model, data, _, _) in FILE_KINDS.items():
        for path in numeric_paths(model, data):
            for value in BAD_NUMBERS:
                yield pytest.param(kind, path, value, id=f"{kind}:{path}={value!r}")


def _check(outcome: Any) -> None:
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert outcome.returncode in (0, 2), (outcome.returncode, outcome.stderr[-800:])
    if outcome.returncode == 2:
        lines = outcome.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), outcome.stderr
        return
    assert not re.search(r"\b(nan|inf|infinity)\b", outcome.stdout, re.IGNORECASE), outcome.stdout[-800:]
    if outcome.stdout.lstrip().startswith(("{", "[")):
        json.loads(outcome.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON output"))


def test_every_file_kind_has_numeric_fields() -> None:
    """The walk finds the fields (a walk that found nothing would pass every case vacuously)."""
    counts = {kind: len(list(numeric_paths(m, d))) for kind, (m, d, _, _) in FILE_KINDS.items()}
    assert counts["chip"] >= 30 and counts["trends"] >= 10 and counts["cluster"] >= 7, counts
    assert "memory.levels.3.bandwidth" in numeric_paths(HwConfig, CHIP)  # the flash level
    assert "dram.generations.5.year" in numeric_paths(TrendSpec, TRENDS)
    assert "layers.c1.prune" in numeric_paths(CompressionSpec, COMPRESSION)


@pytest.mark.parametrize(("kind", "path", "value"), list(_file_cases()))
def test_numeric_field_fuzz(kind: str, path: str, value: Any, tmp_path: Path) -> None:
    model, data, name, command = FILE_KINDS[kind]
    (tmp_path / "tiny.yaml").write_text(NET)
    (tmp_path / name).write_text(yaml.safe_dump(set_path(data, path, value)))
    _check(run_main(*command, cwd=tmp_path))


# ------------------------------------------------------------------ sweep specs (validated only)


@pytest.mark.parametrize("path", ["batch", "sample.n", "sample.seed"])
@pytest.mark.parametrize("value", BAD_NUMBERS, ids=repr)
def test_sweep_spec_number_fuzz(path: str, value: Any, tmp_path: Path) -> None:
    from accelsim.apps.sweep import load_sweep, point_count
    from accelsim.errors import AccelsimError

    assert path in numeric_paths(SweepSpec, SWEEP | {"sample": {}})
    (tmp_path / "tiny.yaml").write_text(NET)
    spec_file = tmp_path / "spec.yaml"
    data = set_path(SWEEP | {"sample": {"method": "random", "n": 3}}, path, value)
    spec_file.write_text(yaml.safe_dump(data))
    try:
        spec, _ = load_sweep(spec_file)
    except AccelsimError as exc:
        assert "\n" not in str(exc)
        return
    assert 1 <= point_count(spec) <= 10**7 and 1 <= spec.batch <= 2**20


@pytest.mark.parametrize("value", BAD_NUMBERS, ids=repr)
@pytest.mark.parametrize("form", ["list", "range-low", "range-step", "log-high", "log-points"])
def test_sweep_axis_fuzz(form: str, value: Any, tmp_path: Path) -> None:
    from accelsim.apps.sweep import load_sweep, points
    from accelsim.errors import AccelsimError

    axis = {
        "list": [16, value],
        "range-low": {"range": [value, 64], "step": 16},
        "range-step": {"range": [16, 64], "step": value},
        "log-high": {"log": ["1 MiB", value]},
        "log-points": {"log": ["1 MiB", "8 MiB"], "points": value},
    }[form]
    key = "memory.sram.capacity" if form.startswith("log") else "compute.rows"
    (tmp_path / "tiny.yaml").write_text(NET)
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(SWEEP | {"axes": {key: axis}}))
    try:
        spec, _ = load_sweep(spec_file, max_points=1000)
    except AccelsimError as exc:
        assert "\n" not in str(exc)
        return
    assert len(points(spec)) <= 1000


# ------------------------------------------------------------------ SCALE-Sim inputs


@pytest.mark.parametrize("value", BAD_FLAGS)
@pytest.mark.parametrize("key", ["ArrayHeight", "ArrayWidth", "IfmapSramSzkB", "FilterSramSzkB", "Bandwidth"])
def test_scalesim_cfg_fuzz(key: str, value: str, tmp_path: Path) -> None:
    text = re.sub(rf"(?m)^{key}\s*:.*$", f"{key} : {value}", CFG)
    if key not in text:
        text = text.replace("[architecture_presets]", f"[architecture_presets]\n{key} : {value}")
    (tmp_path / "s.cfg").write_text(text)
    _check(run_main("hw", "import-scalesim", str(tmp_path / "s.cfg")))


@pytest.mark.parametrize("value", BAD_FLAGS)
@pytest.mark.parametrize("column", range(1, 8))
def test_scalesim_topology_fuzz(column: int, value: str, tmp_path: Path) -> None:
    row = ["conv1", "18", "18", "3", "3", "8", "16", "1"]
    row[column] = value
    header = (
        "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"
    )
    (tmp_path / "t.csv").write_text(f"{header}\n{', '.join(row)},\n")
    _check(run_main("run", "--hw", "2W_npu", "--net", str(tmp_path / "t.csv"), "--json", "-"))


# ------------------------------------------------------------------ flags

# A working command line for each command with numeric options; every such command needs one,
# so a command added later is fuzzed too (test_every_numeric_flag_is_fuzzed).
DECODER = ("--hw", "edge_llm_npu", "--net", "gpt2", "--context", "8", "--tokens", "2")  # a short generation
BASE_COMMANDS: dict[str, tuple[str, ...]] = {
    "run": ("run", "--hw", "2W_npu", "--net", "tiny.yaml", "--json", "-"),
    "info": ("info", "--net", "squeezenet", "--json"),
    "compress": ("compress", "--net", "tiny.yaml", "--wbits", "4", "--json"),
    "fit": ("fit", "--hw", "2W_npu", "--net", "tiny.yaml", "--json"),
    "compare": ("compare", "--hw", "2W_npu", "--net", "tiny.yaml", "--json"),
    "train-scale": ("train-scale", "--net", "tiny.yaml", "--cluster", "titan", "--workers", "1,2", "--json"),
    "export-scalesim": ("export-scalesim", "--net", "tiny.yaml", "-o", "."),
    "hw import-scalesim": ("hw", "import-scalesim", "s.cfg"),
    "sweep run": ("sweep", "run", "spec.yaml", "--out", "r.db", "--workers", "1"),
    "sweep show": ("sweep", "show", "r.db", "--json"),  # no database: only the flags are read
    "trend": ("trend", "--hw", "2W_npu", "--net", "tiny.yaml", "--years", "0,1", "--json"),
    "serve": ("serve", *DECODER, "--batch", "1", "--json"),
}


def _is_number(param: Any) -> bool:
    """An option taking an int or a float (typer describes its options by annotation; older
    versions hand them to click, whose types say it)."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is not None:
        return any(kind in (int, float) for kind in _unwrap(descriptor.annotation))
    return type(getattr(param, "type", None)).__name__ in (
        "IntParamType",
        "FloatParamType",
        "IntRange",
        "FloatRange",
    )


def _numeric_options() -> Iterator[tuple[str, str]]:
    def walk(command: Any, path: str) -> Iterator[tuple[str, str]]:
        if hasattr(command, "commands"):  # a group (typer may bundle its own click: duck-typed)
            for name, sub in command.commands.items():
                yield from walk(sub, f"{path} {name}".strip())
            return
        for param in command.params:
            if getattr(param, "opts", None) and param.opts[0].startswith("--") and _is_number(param):
                yield path, param.opts[0]

    yield from walk(typer.main.get_command(app), "")


NUMERIC_OPTIONS = sorted(set(_numeric_options()))


def test_every_numeric_flag_is_fuzzed() -> None:
    assert len(NUMERIC_OPTIONS) >= 25, NUMERIC_OPTIONS
    assert {command for command, _ in NUMERIC_OPTIONS} <= set(BASE_COMMANDS)


@pytest.mark.parametrize("value", BAD_FLAGS)
@pytest.mark.parametrize(("command", "flag"), NUMERIC_OPTIONS, ids=[f"{c}{f}" for c, f in NUMERIC_OPTIONS])
def test_numeric_flag_fuzz(command: str, flag: str, value: str, tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(NET)
    (tmp_path / "s.cfg").write_text(CFG)
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(SWEEP))
    args = [arg for arg in BASE_COMMANDS[command] if arg != flag]
    if flag in BASE_COMMANDS[command]:  # replace the value the base line gives
        base = BASE_COMMANDS[command]
        i = base.index(flag)
        args = [*base[:i], *base[i + 2 :]]
    if command == "run" and flag in ("--context", "--tokens"):
        args = ["run", *DECODER, "--json", "-"]
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]
    _check(run_main(*args, cwd=tmp_path))
