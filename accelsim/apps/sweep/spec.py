"""A sweep spec: base chip, networks, axes over chip fields by dotted path, and how points
are sampled from them (grid, random, Latin hypercube). Loaded from YAML, checked before any
point runs."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator

from accelsim import units
from accelsim.api import load_net
from accelsim.errors import AccelsimError
from accelsim.hw.schema import field_kind, field_path_problem
from accelsim.load.resources import resolve
from accelsim.load.yamlio import load_yaml_mapping
from accelsim.strict import StrictModel

MAX_POINTS = 1_000_000  # a larger spec is refused unless the caller raises the limit (--max-points)


class Sample(StrictModel):
    method: Literal["grid", "random", "lhs"] = Field(
        "grid", description="every combination, or n points drawn at random or by Latin hypercube"
    )
    n: int | None = Field(None, ge=1, le=10_000_000, description="points, for random and lhs")
    seed: int = Field(0, description="random seed, for random and lhs")


class SweepSpec(StrictModel):
    """A sweep file: base chip, networks, and axes over config fields by dotted path."""

    base: str = Field(description="the chip every point starts from: a bundled name or a YAML path")
    networks: list[str] = Field(min_length=1, description="networks run at every point (as --net takes)")
    axes: dict[str, list[Any]] = Field(
        min_length=1,
        description="chip field by dotted path -> a list of values, {range: [lo, hi], step: s} "
        "or {log: [lo, hi], points: n}",
    )
    sample: Sample = Sample()
    mode: Literal["steady", "cold"] = Field("steady", description="steady state or a cold start")
    batch: int = Field(1, ge=1, description="inferences per batch")

    @field_validator("axes", mode="before")
    @classmethod
    def _expand(cls, axes: Any) -> Any:
        if not isinstance(axes, Mapping):
            raise ValueError("axes must map dotted config paths to values")
        problems = [problem for path in axes if (problem := field_path_problem(str(path)))]
        if problems:
            raise ValueError("; ".join(problems))
        return {path: _in_base_units(path, axis_values(path, values)) for path, values in axes.items()}


def _number(value: Any, path: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    for kind in units.KINDS:
        try:
            return units.parse(value, kind)
        except ValueError:
            continue
    raise ValueError(f"axis '{path}': cannot read {value!r} as a number or a quantity with a unit")


def axis_values(path: str, values: Any) -> list[Any]:
    """A list as it is; {range: [lo, hi], step: s} or {log: [lo, hi], points: n} expanded."""
    if isinstance(values, list) and values:
        return values
    if isinstance(values, Mapping) and "range" in values:
        low, high = (_number(v, path) for v in values["range"])
        step = _number(values.get("step", 1), path)
        if step <= 0 or high < low:
            raise ValueError(f"axis '{path}': range needs low <= high and a positive step")
        count = int(math.floor((high - low) / step + 1e-9)) + 1
        return [_integral(low + i * step) for i in range(count)]
    if isinstance(values, Mapping) and "log" in values:
        low, high = (_number(v, path) for v in values["log"])
        points = int(values.get("points", 5))
        if low <= 0 or high < low or points < 2:
            raise ValueError(f"axis '{path}': log needs 0 < low <= high and points >= 2")
        return [_integral(float(v)) for v in np.geomspace(low, high, points)]
    raise ValueError(
        f"axis '{path}': expected a non-empty list, {{range: [lo, hi], step: s}} or "
        f"{{log: [lo, hi], points: n}}, got {values!r}"
    )


def _in_base_units(path: str, values: list[Any]) -> list[Any]:
    """A quantity axis's values as numbers in the field's base unit ('1 MiB' -> 1048576 bytes),
    so they store, sort and export as numbers; other axes as given. A value that is no such
    quantity stays as written: its points are recorded invalid, with the chip schema's reason."""
    kind = field_kind(path)
    if kind is None:
        return values
    converted = []
    for value in values:
        try:
            converted.append(_integral(units.parse(value, kind)))
        except ValueError:
            converted.append(value)
    return converted


def axis_label(path: str, value: Any) -> str:
    """An axis value as people read it: 1048576 on memory.sram.capacity is '1 MiB'."""
    kind = field_kind(path)
    if kind is None or isinstance(value, str) or value is None:
        return str(value)
    return units.format_si(float(value), kind)


def _integral(value: float) -> float | int:
    return int(round(value)) if abs(value - round(value)) < 1e-9 * max(1.0, abs(value)) else value


def point_count(spec: SweepSpec) -> int:
    """How many points the spec makes, without making them."""
    if spec.sample.method == "grid":
        return math.prod(len(values) for values in spec.axes.values())
    return spec.sample.n or 0


def points(spec: SweepSpec) -> list[dict[str, Any]]:
    """The sweep's points, in a deterministic order (point id = index)."""
    return list(iter_points(spec))


def iter_points(spec: SweepSpec) -> Iterator[dict[str, Any]]:
    """The sweep's points one at a time, in the order of `points` (a grid or random sample
    of any size in constant memory; a Latin hypercube keeps one shuffled column per axis)."""
    paths = list(spec.axes)
    grids = [spec.axes[p] for p in paths]
    if spec.sample.method == "grid":
        for combo in itertools.product(*grids):
            yield dict(zip(paths, combo, strict=True))
        return
    if spec.sample.n is None:
        raise AccelsimError(f"sample method '{spec.sample.method}' needs n (the number of points)")
    rng = random.Random(spec.sample.seed)
    n = spec.sample.n
    if spec.sample.method == "random":
        for _ in range(n):
            yield {p: rng.choice(g) for p, g in zip(paths, grids, strict=True)}
        return
    # Latin hypercube over each axis's values: n equal strata, one draw per stratum, shuffled
    columns = []
    for grid in grids:
        strata = [grid[min(len(grid) - 1, int((i + rng.random()) * len(grid) / n))] for i in range(n)]
        rng.shuffle(strata)
        columns.append(strata)
    for row in zip(*columns, strict=True):
        yield dict(zip(paths, row, strict=True))


def load_sweep(path: str | Path) -> tuple[SweepSpec, dict[str, Any]]:
    """The spec and its base config (as YAML data, before validation)."""
    path = Path(path)
    if not path.is_file():
        raise AccelsimError(f"sweep spec not found: {path}")
    data = load_yaml_mapping(path)
    spec = SweepSpec.validated(data, str(path))
    base_path = Path(spec.base)
    if not base_path.is_absolute() and (path.parent / base_path).is_file():
        base_path = path.parent / base_path
    base_file = resolve(base_path if base_path.is_file() else spec.base, "hw_configs", "hardware config")
    base = dict(load_yaml_mapping(base_file))
    table = base.get("energy_table")
    if isinstance(table, str) and table.partition(":")[0].endswith(".py"):  # workers run elsewhere
        file, _, name = table.rpartition(":")
        base["energy_table"] = f"{(base_file.parent / file).resolve()}:{name}"
    for net in spec.networks:  # fail early on a misspelled network
        load_net(net)
    return spec, base
