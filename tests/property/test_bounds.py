"""Work is bounded before it is made: any sweep spec, and any --years range, either expands to
exactly the points it declares (within the limit) or is refused while it has allocated no
more than a few MB."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.apps.sweep.spec import SweepSpec, point_count, points
from accelsim.apps.trend import check_years, year_range
from accelsim.errors import AccelsimError

FEW_MB = 4 * 2**20
LIMIT = 2_000

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=1e-300, max_value=1e12),
    st.integers(min_value=-(10**6), max_value=10**15),
)
axes = st.one_of(
    st.lists(st.integers(min_value=1, max_value=4096), min_size=1, max_size=20),
    st.builds(lambda lo, hi, step: {"range": [lo, hi], "step": step}, numbers, numbers, numbers),
    st.builds(lambda lo, hi, n: {"log": [lo, hi], "points": n}, numbers, numbers, st.integers(-5, 10**13)),
)
fields = st.sampled_from(["compute.rows", "compute.cols", "memory.sram.capacity", "compute.vector.lanes"])


def _peak(make: Callable[[], Any]) -> tuple[Any, int]:
    """What `make` returns (or the AccelsimError it raised) and the most memory it held."""
    tracemalloc.start()
    try:
        try:
            outcome: Any = make()
        except AccelsimError as exc:
            outcome = exc
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(fields, axes, min_size=1, max_size=3), st.sampled_from(["grid", "random", "lhs"]))
def test_a_sweep_spec_runs_its_declared_points_or_is_refused_cheaply(axes_drawn: dict, method: str) -> None:
    data = {
        "base": "2W_npu",
        "networks": ["squeezenet"],
        "axes": axes_drawn,
        "sample": {"method": method, "n": 50} if method != "grid" else {"method": "grid"},
    }
    spec, peak = _peak(lambda: SweepSpec.validated(data, "spec.yaml", context={"max_points": LIMIT}))
    if isinstance(spec, AccelsimError):
        assert peak < FEW_MB, (peak, data)
        assert "\n" not in str(spec)
        return
    count = point_count(spec)
    assert count <= LIMIT
    assert len(points(spec)) == count


@settings(max_examples=300, deadline=None)
@given(numbers, numbers, numbers)
def test_a_years_range_is_made_whole_or_refused_cheaply(first: Any, last: Any, step: Any) -> None:
    years, peak = _peak(lambda: check_years(year_range(float(first), float(last), float(step))))
    if isinstance(years, AccelsimError):
        assert peak < FEW_MB, (peak, first, last, step)
        return
    assert 1 <= len(years) <= 1_001 and all(0 <= y <= 100 for y in years)
    assert years[0] == first and years[-1] <= last
