"""The golden cases: every zoo network on every bundled chip (steady, batch 1), plus cold
mode on the 2 W NPU and batch 4 on Eyeriss. Each result is pinned by the SHA-256 of its whole
`run --json` document, so a refactoring that changes any figure, however little, shows."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from accelsim import simulate, zoo_names
from accelsim.load.resources import bundled_names

GOLDEN_FILE = "zoo_results.json"


def cases() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for net in zoo_names():
        for chip in bundled_names("hw_configs"):
            yield net, chip, {}
        yield net, "2W_npu", {"mode": "cold"}
        yield net, "eyeriss", {"batch": 4}


def key(net: str, chip: str, options: dict[str, Any]) -> str:
    return "/".join([net, chip, *(f"{k}={v}" for k, v in sorted(options.items()))])


def fingerprint(net: str, chip: str, options: dict[str, Any]) -> dict[str, Any]:
    result = simulate(net, chip, **options)
    document = json.dumps(result.to_dict(), sort_keys=True)
    return {
        "sha256": hashlib.sha256(document.encode()).hexdigest(),
        "energy_j": result.energy_j,
        "latency_s": result.latency_s,
        "dram_share": result.dram_share,
    }
