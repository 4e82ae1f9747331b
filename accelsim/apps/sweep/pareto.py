"""Pareto fronts of sweep results, per network."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def pareto_front(frame: Any, objectives: Sequence[str]) -> Any:
    """Rows no other row beats on every objective (all minimized), per network."""
    ok = frame[frame["status"] == "ok"]
    keep = []
    for _, group in ok.groupby("network", sort=True):
        values = group[list(objectives)].to_numpy(dtype=float)
        for i, row in enumerate(values):
            dominated = np.any(np.all(values <= row, axis=1) & np.any(values < row, axis=1))
            if not dominated:
                keep.append(group.index[i])
    return ok.loc[keep].sort_values(["network", *objectives])
