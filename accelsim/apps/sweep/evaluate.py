"""Evaluating sweep points (in worker processes): each point's chip, every network on it,
one row per (point, network)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from accelsim.account.result import SUMMARY_FIELDS, summary
from accelsim.api import simulate
from accelsim.errors import AccelsimError
from accelsim.hw.schema import with_fields
from accelsim.ir.network import Network
from accelsim.load import parse_hw

METRICS = tuple(f for f in SUMMARY_FIELDS if f not in ("network", "hardware"))  # result columns

_installed: dict[str, Network] = {}  # the networks this worker process was started with


def install_networks(networks: Mapping[str, Network]) -> None:
    """Give a worker process its networks once, when it starts (not with every chunk)."""
    _installed.update(networks)


def evaluate_chunk(
    base: Mapping[str, Any],
    chunk: Sequence[tuple[int, dict[str, Any]]],
    networks: Mapping[str, Network] | Sequence[str],
    mode: str,
    batch: int,
) -> list[dict[str, Any]]:
    """Rows for a chunk of points. `networks`: the built networks by name, or the names of
    those installed in this worker."""
    if not isinstance(networks, Mapping):
        networks = {name: _installed[name] for name in networks}
    rows = []
    for point_id, point in chunk:
        chip, error = None, None
        try:
            chip = parse_hw(with_fields(base, point), "point")
        except AccelsimError as exc:
            error = str(exc)
        for name, network in networks.items():
            row: dict[str, Any] = {"point_id": point_id, "network": name, **point}
            if chip is None:
                rows.append({**row, "status": "invalid", "error": error})
                continue
            try:
                result = summary(simulate(network, chip, mode=mode, batch=batch))
                rows.append({**row, "status": "ok", "error": None, **{k: result[k] for k in METRICS}})
            except AccelsimError as exc:
                rows.append({**row, "status": "error", "error": str(exc)})
    return rows
