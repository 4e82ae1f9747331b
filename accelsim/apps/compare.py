"""Comparing chips on networks: every (chip, network) pair simulated, one row each."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from accelsim.account.result import Result, summary
from accelsim.api import load_net, simulate
from accelsim.hw.chip import Accelerator
from accelsim.ir.network import Network
from accelsim.load.chip import load_hw


def compare_results(
    hws: Sequence[str | Path | Accelerator], nets: Sequence[str | Path | Network], **options: Any
) -> list[Result]:
    chips = [load_hw(hw) for hw in hws]
    networks = [load_net(net) for net in nets]
    return [simulate(net, chip, **options) for chip in chips for net in networks]


def compare(
    hws: Sequence[str | Path | Accelerator], nets: Sequence[str | Path | Network], **options: Any
) -> Any:
    """Every chip on every network: a pandas DataFrame, one row per pair (`options` go to
    simulate: mode, batch, fps, compression)."""
    import pandas as pd

    return pd.DataFrame([summary(r) for r in compare_results(hws, nets, **options)])
