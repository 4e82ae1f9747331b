"""Random chips and random small workloads: the loaders either accept them or raise AccelsimError,
never anything else (no ZeroDivisionError, KeyError, TypeError... from deep inside)."""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accelsim import AccelsimError, simulate
from accelsim.ir import OPS, build_network
from accelsim.load.chip import parse_hw
from accelsim.load.workload import parse_workload
from tests.conftest import ROOT

BASE_CHIP = yaml.safe_load((ROOT / "hw_configs" / "2W_npu.yaml").read_text())

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "0", "-1", "1 GHz", "4 MiB", "8 pJ", "2 W", "lpddr4", "weight_stationary", "$x"]),
    st.text(max_size=8),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    return out


CHIP_PATHS = _paths(BASE_CHIP)


@st.composite
def chips(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:  # now and then, something that is not a chip at all
        return draw(values)
    data = copy.deepcopy(BASE_CHIP)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(CHIP_PATHS))
        node = data
        for key in path[:-1]:
            if not isinstance(node, dict) or key not in node:
                break
            node = node[key]
        else:
            if isinstance(node, dict):
                if draw(st.booleans()):
                    node[path[-1]] = draw(values)
                else:
                    node.pop(path[-1], None)
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chips())
def test_random_chips_load_or_raise_accelsim_error(data: Any) -> None:
    with contextlib.suppress(AccelsimError):
        parse_hw(data if isinstance(data, dict) else {"x": data}, "fuzz.yaml")


ANY_ATTR = ["out", "k", "stride", "pad", "dilation", "groups", "bias", "multiplier", "scale", "shape", "fn"]
FLAGS = {"bias", "ceil_mode", "last_axis", "keep_width"}
plausible = st.one_of(st.integers(1, 4), st.integers(1, 4), st.just([2, 2]), st.just([4, 2, 2]))
wild = st.one_of(
    st.integers(-2, 40), st.lists(st.integers(-1, 6), max_size=4), st.text(max_size=3), st.none()
)


@st.composite
def workloads(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly plausible layers (an op's own attributes, small positive values), some wild."""
    entries = []
    for i in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(sorted(OPS)))
        entry: dict[str, Any] = {"name": f"l{i}", "op": op}
        keys = sorted(OPS[op].attrs) if draw(st.integers(0, 5)) else ANY_ATTR
        for key in draw(st.lists(st.sampled_from(keys), max_size=3, unique=True)) if keys else []:
            if draw(st.integers(0, 5)) == 0:
                entry[key] = draw(wild)
            else:
                entry[key] = draw(st.booleans() if key in FLAGS else plausible)
        if i and draw(st.integers(0, 3)) == 0:
            entry["from"] = draw(
                st.lists(st.sampled_from([f"l{j}" for j in range(i)] + ["input"]), min_size=1, max_size=2)
            )
        entries.append(entry)
    shape = draw(st.one_of(st.just([4, 8, 8]), st.just([4, 8, 8]), st.lists(st.integers(-1, 12), max_size=4)))
    return {"name": "fuzz", "input": shape, "layers": entries}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(workloads())
def test_random_workloads_build_and_simulate_or_raise_accelsim_error(data: dict[str, Any]) -> None:
    with contextlib.suppress(AccelsimError):
        name, shape, specs, description = parse_workload(data, "fuzz.yaml")
        network = build_network(name, shape, specs, description, source="fuzz.yaml")
        simulate(network, "2W_npu")  # whatever builds must simulate, or say why not
