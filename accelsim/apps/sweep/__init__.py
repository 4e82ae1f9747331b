"""Design-space sweeps: spec -> points -> evaluation on workers -> SQLite store -> Pareto."""

from accelsim.apps.sweep.evaluate import evaluate_chunk
from accelsim.apps.sweep.pareto import pareto_front
from accelsim.apps.sweep.run import run_sweep, sweep
from accelsim.apps.sweep.spec import SweepSpec, load_sweep, point_count, points
from accelsim.apps.sweep.store import read_results

__all__ = [
    "SweepSpec",
    "evaluate_chunk",
    "load_sweep",
    "pareto_front",
    "point_count",
    "points",
    "read_results",
    "run_sweep",
    "sweep",
]
