from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"  # reference figures, each with its source
FIXTURES = Path(__file__).resolve().parent / "fixtures"  # peer simulators' outputs


@pytest.fixture(scope="session")
def published() -> dict:
    return yaml.safe_load((DATA / "published.yaml").read_text())


def within(measured: float, value: float | str, tol: float) -> bool:
    """Relative tolerance, widened to the printed precision of the published figure
    (a table that prints 0.5 only says 0.45 to 0.55). PyYAML reads '138.4e6' as a string."""
    printed = Decimal(str(value))
    half_unit = 0.5 * 10.0 ** printed.as_tuple().exponent
    allowed = max(abs(float(printed)) * tol, half_unit)
    return abs(measured - float(printed)) <= allowed


def run_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m accelsim ARGS` in a process of its own: for the few end-to-end checks (most
    CLI tests run the entry point in-process, tests/cli_runner.py)."""
    return subprocess.run(
        [sys.executable, "-m", "accelsim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )
