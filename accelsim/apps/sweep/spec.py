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
from pydantic import Field, ValidationInfo, field_validator

from accelsim import units
from accelsim.api import load_net
from accelsim.errors import AccelsimError, listing
from accelsim.hw.schema import field_kind, field_path_problem, level_path_problem
from accelsim.limits import MAX_BATCH, MAX_POINTS
from accelsim.load import anchored, beside, load_yaml_mapping, resolve
from accelsim.strict import StrictModel


class Sample(StrictModel):
    method: Literal["grid", "random", "lhs"] = Field(
        "grid", description="every combination, or n points drawn at random or by Latin hypercube"
    )
    n: int | None = Field(None, ge=1, le=10_000_000, description="points, for random and lhs")
    seed: int = Field(0, description="random seed, for random and lhs")


class SweepSpec(StrictModel):
    """A sweep file: base chip, networks, and axes over config fields by dotted path. Validated
    with a `max_points` context (default MAX_POINTS): every axis, and a grid's product, is counted
    before any value is made, so a spec too large to run is refused at once."""

    base: str = Field(description="the chip every point starts from: a bundled name or a YAML path")
    networks: list[str] = Field(min_length=1, description="networks run at every point (as --net takes)")
    sample: Sample = Sample()  # before axes: the axes' bound depends on the method
    axes: dict[str, list[Any]] = Field(
        min_length=1,
        description="chip field by dotted path -> a list of values, {range: [lo, hi], step: s} "
        "or {log: [lo, hi], points: n}",
    )
    mode: Literal["steady", "cold"] = Field("steady", description="steady state or a cold start")
    batch: int = Field(1, ge=1, le=MAX_BATCH, description="inferences per batch")

    @field_validator("axes", mode="before")
    @classmethod
    def _expand(cls, axes: Any, info: ValidationInfo) -> Any:
        if not isinstance(axes, Mapping):
            raise ValueError("axes must map dotted config paths to values")
        problems = [problem for path in axes if (problem := field_path_problem(str(path)))]
        if problems:
            raise ValueError(listing(problems))
        limit = (info.context or {}).get("max_points") or MAX_POINTS
        counts = {path: axis_count(path, values) for path, values in axes.items()}
        for path, count in counts.items():
            if count > limit:
                raise ValueError(f"axis '{path}' has {_count(count)} values, more than {_limit_text(limit)}")
        sample = info.data.get("sample")
        if (sample is None or sample.method == "grid") and math.prod(counts.values()) > limit:
            total = math.prod(counts.values())
            raise ValueError(f"the grid has {_count(total)} points, more than {_limit_text(limit)}")
        return {path: _in_base_units(path, axis_values(path, values)) for path, values in axes.items()}


def _count(count: int) -> str:
    return f"{count:,}" if count < 10**15 else f"about 10^{len(str(count)) - 1}"


def _limit_text(limit: int) -> str:
    return (
        f"the limit of {limit:,}; expected fewer points (a coarser step, fewer log points), or raise the "
        "limit with --max-points"
    )


def _number(value: Any, path: str) -> float:
    if units.is_number(value):
        number = float(value)
    else:
        for kind in units.KINDS:
            try:
                number = units.parse(value, kind)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"axis '{path}': cannot read {value!r} as a number or a quantity with a unit")
    if not math.isfinite(number):
        raise ValueError(f"axis '{path}': {value!r} is not a finite number")
    return number


def _pair(values: Any, key: str, path: str) -> tuple[float, float]:
    pair = values[key]
    if not (isinstance(pair, list) and len(pair) == 2):
        raise ValueError(f"axis '{path}': {key} must be [low, high], got {pair!r}")
    return _number(pair[0], path), _number(pair[1], path)


def _log_points(values: Mapping[str, Any], path: str) -> int:
    points = values.get("points", 5)
    if isinstance(points, bool) or not isinstance(points, int) or points < 2:
        raise ValueError(f"axis '{path}': log points must be a whole number of at least 2, got {points!r}")
    return points


def axis_count(path: str, values: Any) -> int:
    """How many values an axis holds, counted without making them (a range's or log's bounds
    are checked here too)."""
    if isinstance(values, list) and values:
        for value in values:
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"axis '{path}': {value!r} is not a finite number")
        return len(values)
    if isinstance(values, Mapping) and "range" in values:
        low, high = _pair(values, "range", path)
        step = _number(values.get("step", 1), path)
        if step <= 0 or high < low:
            raise ValueError(f"axis '{path}': range needs low <= high and a positive step")
        count = (high - low) / step  # finite: both bounds are, and the step is positive
        return int(math.floor(count + 1e-9)) + 1 if math.isfinite(count) else 10**309
    if isinstance(values, Mapping) and "log" in values:
        low, high = _pair(values, "log", path)
        points = _log_points(values, path)
        if low <= 0 or high < low:
            raise ValueError(f"axis '{path}': log needs 0 < low <= high and points >= 2")
        return points
    raise ValueError(
        f"axis '{path}': expected a non-empty list, {{range: [lo, hi], step: s}} or "
        f"{{log: [lo, hi], points: n}}, got {values!r}"
    )


def axis_values(path: str, values: Any) -> list[Any]:
    """A list as it is; {range: [lo, hi], step: s} or {log: [lo, hi], points: n} expanded
    (count them first with axis_count: this makes every value)."""
    count = axis_count(path, values)
    if isinstance(values, list):
        return values
    if "range" in values:
        low, _ = _pair(values, "range", path)
        step = _number(values.get("step", 1), path)
        return [_integral(low + i * step) for i in range(count)]
    low, high = _pair(values, "log", path)
    return [_integral(float(v)) for v in np.geomspace(low, high, count)]


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
    if not math.isfinite(value):  # a log axis at the float's limit overflows: its points are invalid
        return value
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


def load_sweep(path: str | Path, max_points: int | None = None) -> tuple[SweepSpec, dict[str, Any]]:
    """The spec (refused if it makes more than `max_points` points, default MAX_POINTS) and its
    base config (as YAML data, before validation)."""
    path = Path(path)
    if not path.exists():
        raise AccelsimError(f"sweep spec not found: {path}")
    data = load_yaml_mapping(path)
    spec = SweepSpec.validated(data, str(path), context={"max_points": max_points or MAX_POINTS})
    base_file = resolve(beside(path, spec.base), "hw_configs", "hardware config")
    base = dict(load_yaml_mapping(base_file))
    if isinstance(base.get("energy_table"), str):  # workers run elsewhere: the table by full path
        base["energy_table"] = anchored(base["energy_table"], base_file.parent)
    problems = [problem for axis in spec.axes if (problem := level_path_problem(str(axis), base))]
    if problems:  # a level the base chip lacks: every point would be invalid
        raise AccelsimError(f"{path}: field 'axes': {problems[0]}")
    for net in spec.networks:  # fail early on a misspelled network
        load_net(net)
    return spec, base
