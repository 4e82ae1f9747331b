"""The public Python API given bad values for each argument in turn (None, True, a word, -1,
0, NaN, infinity, 1e300, 10^30, empty containers, an arbitrary object): every call answers or
raises TypeError or ValueError (AccelsimError is one) with a one-line message, within seconds.
Nothing raises from deep inside (AttributeError, OverflowError, MemoryError...) and nothing hangs."""

from __future__ import annotations

import inspect
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import accelsim
from tests.conftest import ROOT

NET = ROOT / "tests" / "fixtures" / "tiny_net.yaml"
BAD_VALUES: tuple[Any, ...] = (
    None,
    True,
    "x",
    -1,
    0,
    float("nan"),
    float("inf"),
    1e300,
    10**30,
    [],
    {},
    object(),
)
# A working call of each public function; each argument in turn is replaced by a bad value.
CALLS: dict[str, dict[str, Any]] = {
    "simulate": {"net": str(NET), "hw": "2W_npu", "mode": "steady", "batch": 2, "fps": 30.0, "width": 1.0},
    "load_net": {"net": "squeezenet", "width": 0.5, "resolution": 128, "params": {"sr": 0.25}},
    "load_hw": {"hw": "2W_npu"},
    "variant": {"hw": "2W_npu", "changes": {"memory.sram.capacity": "2 MiB"}},
    "compare": {"hws": ["2W_npu"], "nets": [str(NET)]},
    "trend": {"nets": [str(NET)], "hw": "2W_npu", "years": [0, 2], "trends": "default"},
    "train_scale": {"net": str(NET), "cluster": "titan", "workers": [1, 2], "batch": 8, "overlap": False},
    "generate": {"net": "gpt2", "hw": "edge_llm_npu", "context": 8, "tokens": 2, "batch": 1},
    "longest_context": {"net": "gpt2", "hw": "edge_llm_npu", "batch": 1},
    "serve": {"net": "gpt2", "hw": "edge_llm_npu", "contexts": [8], "batches": [1], "tokens": 2},
    "fit": {"net": str(NET), "hw": "2W_npu"},
    "smallest_sram": {"net": str(NET), "hw": "2W_npu"},
}


# Values inside the mappings some functions take: (function, argument, key).
INNER = (
    ("load_net", "params", "sr"),
    ("variant", "changes", "memory.sram.capacity"),
    ("variant", "changes", "compute.rows"),
    ("simulate", "weights", "c1"),
)


def _cases() -> Iterator[Any]:
    for name, arguments in CALLS.items():
        for argument in arguments:
            for value in BAD_VALUES:
                yield pytest.param(name, argument, value, id=f"{name}-{argument}={value!r:.20}")
    for name, argument, key in INNER:
        for value in BAD_VALUES:
            yield pytest.param(name, argument, {key: value}, id=f"{name}-{argument}[{key}]={value!r:.20}")


class _Hang(Exception):
    pass


def _within(seconds: int, call: Callable[[], Any]) -> Any:
    def alarm(*_: Any) -> None:
        raise _Hang

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        return call()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_every_public_function_is_called() -> None:
    functions = {n for n in accelsim.__all__ if inspect.isfunction(getattr(accelsim, n))}
    # sweep writes a database and starts worker processes: fuzzed on its own below
    # figures takes any answer and refuses the rest with TypeError (tests/cli/test_first_hour.py)
    assert functions - {"zoo_names", "version_line", "build_network", "sweep", "figures"} <= set(CALLS)
    for name, arguments in CALLS.items():
        assert set(arguments) <= set(inspect.signature(getattr(accelsim, name)).parameters), name


@pytest.mark.parametrize("name", CALLS)
def test_the_working_calls_work(name: str) -> None:
    assert getattr(accelsim, name)(**CALLS[name]) is not None


@pytest.mark.parametrize(("name", "argument", "value"), list(_cases()))
def test_api_fuzz(name: str, argument: str, value: Any, tmp_path: Path) -> None:
    function = getattr(accelsim, name)
    arguments = {**CALLS[name], argument: value}
    try:
        _within(30, lambda: function(**arguments))
    except _Hang:
        pytest.fail(f"{name}({argument}={value!r}) still running after 30 s")
    except (TypeError, ValueError) as exc:
        message = str(exc)
        assert message and "\n" not in message, message


@pytest.mark.parametrize("argument", ["spec", "workers", "max_points", "resume"])
@pytest.mark.parametrize("value", BAD_VALUES, ids=lambda v: repr(v)[:20])
def test_sweep_api_fuzz(argument: str, value: Any, tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(f"base: 2W_npu\nnetworks: [{NET}]\naxes:\n  compute.rows: [16, 32]\n")
    arguments = {"spec": spec, "out": tmp_path / "r.db", "workers": 1, argument: value}
    try:
        frame = _within(60, lambda: accelsim.sweep(**arguments))
    except _Hang:
        pytest.fail(f"sweep({argument}={value!r}) still running after 60 s")
    except (TypeError, ValueError) as exc:
        assert str(exc) and "\n" not in str(exc), str(exc)
        return
    assert len(frame) == 2
