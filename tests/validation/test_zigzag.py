"""PE register energy against ZigZag 3.9.1 on its tpu_like chip (tests/validation/data/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim import simulate

CHIP = Path(__file__).parent / "data" / "zigzag" / "tpu_like.yaml"
ZIGZAG_REGISTER_J = 0.11e-3  # SqueezeNet's register energy in ZigZag 3.9.1 (data/README.md)


def test_register_energy_within_3x_and_not_the_largest_part() -> None:
    result = simulate("squeezenet", str(CHIP))
    parts = result.energy_breakdown_j
    assert 1 / 3 <= parts["register_file"] / ZIGZAG_REGISTER_J <= 3, parts["register_file"]
    assert max(parts, key=parts.get) != "register_file"  # type: ignore[arg-type]
    assert parts["register_file"] == pytest.approx(0.109e-3, rel=0.02)  # the README's figure
