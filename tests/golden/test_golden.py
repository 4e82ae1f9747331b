"""Every result of the golden cases is byte-for-byte what it was (tests/golden/cases.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.golden.cases import GOLDEN_FILE, cases, fingerprint, key

GOLDEN = json.loads(Path(__file__).with_name(GOLDEN_FILE).read_text())


def test_the_golden_cases_are_all_pinned() -> None:
    assert sorted(GOLDEN) == sorted(key(*case) for case in cases())


@pytest.mark.parametrize("case", list(cases()), ids=lambda case: key(*case))
def test_results_are_unchanged(case: tuple) -> None:
    got, want = fingerprint(*case), GOLDEN[key(*case)]
    # the figures first, so a change says what moved; then the whole document
    assert (got["energy_j"], got["latency_s"], got["dram_share"]) == (
        want["energy_j"],
        want["latency_s"],
        want["dram_share"],
    )
    assert got["sha256"] == want["sha256"]
