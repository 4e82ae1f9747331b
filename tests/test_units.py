"""Quantities with units: parsing, SI values, wrong kinds, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accelsim import units


@pytest.mark.parametrize(
    ("text", "kind", "si"),
    [
        ("2 MiB", units.BYTES, 2 * 2**20),
        ("512 KB", units.BYTES, 512e3),
        ("108KiB", units.BYTES, 108 * 1024),
        ("64 b", units.BYTES, 8),
        ("25.6 GB/s", units.BANDWIDTH, 25.6e9),
        ("10 Mbit/s", units.BANDWIDTH, 1.25e6),
        ("0.2 pJ", units.ENERGY, 0.2e-12),
        ("4 pJ/bit", units.ENERGY_PER_BYTE, 32e-12),
        ("1.2 pJ/B", units.ENERGY_PER_BYTE, 1.2e-12),
        ("800 MHz", units.FREQUENCY, 800e6),
        ("1.5 W", units.POWER, 1.5),
        ("250 mW", units.POWER, 0.25),
        ("1e9", units.FREQUENCY, 1e9),
        (3.5e9, units.BANDWIDTH, 3.5e9),
    ],
)
def test_parse(text: object, kind: units.Kind, si: float) -> None:
    assert units.parse(text, kind) == pytest.approx(si)


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        (
            "25.6 GHz",
            units.BANDWIDTH,
            "expected a bandwidth like '25.6 GB/s', got '25.6 GHz' (that is a frequency)",
        ),
        ("2 MiB", units.ENERGY, "(that is a size)"),
        ("3 furlongs", units.BYTES, "unknown unit 'furlongs'"),
        ("fast", units.FREQUENCY, "expected a frequency like '800 MHz'"),
        (True, units.POWER, "expected a power"),
    ],
)
def test_parse_errors(text: object, kind: units.Kind, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        units.parse(text, kind)


@given(st.floats(min_value=1e-15, max_value=1e15, allow_nan=False), st.sampled_from(units.KINDS))
def test_format_round_trips(value: float, kind: units.Kind) -> None:
    text = units.format_si(value, kind)
    assert units.parse(text, kind) == pytest.approx(value, rel=1e-3)
