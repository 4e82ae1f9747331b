"""Quantities with units, as written in config files: "2 MiB", "25.6 GB/s", "0.2 pJ", "800 MHz".

Each quantity kind has one SI base unit, and values are stored as floats in it:
bytes, bytes/s, joules, joules/byte, hertz, watts, seconds. Plain numbers are taken as SI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_DECIMAL = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
_BINARY = {"Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40}
_SMALL = {"": 1.0, "m": 1e-3, "u": 1e-6, "µ": 1e-6, "n": 1e-9, "p": 1e-12, "f": 1e-15}


@dataclass(frozen=True)
class Kind:
    """A kind of quantity: its SI unit, a display example and its accepted unit spellings."""

    name: str
    unit: str
    example: str
    units: dict[str, float]
    # the units a value is shown in, largest first, where SI prefixes on `unit` are not what is
    # wanted (binary sizes, no kJ of energy, an area's squared prefixes); else chosen by prefix
    shown: tuple[tuple[str, float], ...] = ()


def _prefixed(symbols: dict[str, float], prefixes: dict[str, float]) -> dict[str, float]:
    return {p + s: pv * sv for s, sv in symbols.items() for p, pv in prefixes.items()}


_BYTE_PREFIXES = {**_DECIMAL, **_BINARY}
_BYTES = _prefixed(
    {"B": 1.0, "byte": 1.0, "bytes": 1.0, "b": 0.125, "bit": 0.125, "bits": 0.125}, _BYTE_PREFIXES
)
_PER_SECOND = {f"{u}/s": v for u, v in _BYTES.items()} | {f"{u}ps": v for u, v in _BYTES.items()}

BYTES = Kind("size", "B", "2 MiB", _BYTES, (("GiB", 2.0**30), ("MiB", 2.0**20), ("KiB", 2.0**10), ("B", 1.0)))
_ENERGY_SHOWN = (("", 1.0), ("m", 1e-3), ("u", 1e-6), ("n", 1e-9), ("p", 1e-12), ("f", 1e-15))
BANDWIDTH = Kind("bandwidth", "B/s", "25.6 GB/s", _PER_SECOND)
ENERGY = Kind(
    "energy", "J", "0.2 pJ", _prefixed({"J": 1.0}, _SMALL), tuple((p + "J", v) for p, v in _ENERGY_SHOWN)
)
ENERGY_PER_BYTE = Kind(
    "energy per byte",
    "J/B",
    "4 pJ/bit",
    {
        f"{e}/{u}": ev / uv
        for e, ev in _prefixed({"J": 1.0}, _SMALL).items()
        for u, uv in {"B": 1.0, "byte": 1.0, "bit": 0.125, "b": 0.125}.items()
    },
    tuple((p + "J/B", v) for p, v in _ENERGY_SHOWN),
)
FREQUENCY = Kind("frequency", "Hz", "800 MHz", _prefixed({"Hz": 1.0}, _DECIMAL))
POWER = Kind("power", "W", "1.5 W", _prefixed({"W": 1.0}, {**_SMALL, **_DECIMAL}))
TIME = Kind("time", "s", "10 ms", _prefixed({"s": 1.0}, _SMALL))
LENGTH = Kind("length", "m", "250 um", _prefixed({"m": 1.0}, _SMALL))
# a length prefix squares with its unit: 1 mm^2 is 1e-6 m^2
AREA = Kind(
    "area",
    "m2",
    "2 mm^2",
    {f"{p}m{sq}": v * v for p, v in _SMALL.items() if p in ("", "m", "u", "µ") for sq in ("2", "^2", "²")},
    (("m2", 1.0), ("mm2", 1e-6), ("um2", 1e-12)),
)

KINDS = (BYTES, BANDWIDTH, ENERGY, ENERGY_PER_BYTE, FREQUENCY, POWER, TIME, LENGTH, AREA)
_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\d\s].*?)?\s*$")


class UnitWarning(UserWarning):
    """A quantity whose unit probably says something other than what was meant (bits for bytes)."""


_BITS = {unit for unit in _BYTES if unit.endswith(("b", "bit", "bits"))}


def is_number(value: object) -> bool:
    """An int or a float, not a bool (`True` is no quantity, though Python counts it an int)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_bare(value: object) -> bool:
    """A number written without a unit (its value is then in the base unit)."""
    if is_number(value):
        return True
    match = _NUMBER.match(value) if isinstance(value, str) else None
    return bool(match) and not (match.group(2) or "").strip()  # type: ignore[union-attr]


def in_bytes(value: object) -> str | None:
    """A size written in bits ('4 Mib', '4 Mb': an eighth of what a capacity usually means)
    rewritten in bytes ('4 MiB', '4 MB'), or None for one written otherwise."""
    match = _NUMBER.match(value) if isinstance(value, str) else None
    unit = (match.group(2) or "").replace(" ", "") if match else ""
    if unit not in _BITS:
        return None
    prefix = unit.removesuffix("s").removesuffix("bit").removesuffix("b")
    return f"{match.group(1)} {prefix}B"  # type: ignore[union-attr]


def parse(value: object, kind: Kind) -> float:
    """A number (SI) or a string with a unit of this kind -> float in SI. ValueError if not."""
    if isinstance(value, bool):
        raise ValueError(f"expected a {kind.name} like '{kind.example}', got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a {kind.name} like '{kind.example}', got {value!r}")
    if re.search(r"\d,\d", value):
        raise ValueError(
            f"expected a {kind.name} like '{kind.example}', got '{value}' (no thousands separators: "
            "write 4096, not 4,096)"
        )
    match = _NUMBER.match(value)
    if not match:
        raise ValueError(f"expected a {kind.name} like '{kind.example}', got '{value}'")
    number, unit = float(match.group(1)), (match.group(2) or "").replace(" ", "")
    if not unit:
        return number
    if unit in kind.units:
        return number * kind.units[unit]
    other = next((k for k in KINDS if unit in k.units), None)
    if other is not None:
        raise ValueError(
            f"expected a {kind.name} like '{kind.example}', got '{value}' (that is a {other.name})"
        )
    raise ValueError(f"expected a {kind.name} like '{kind.example}', got '{value}' (unknown unit '{unit}')")


def si_unit(value: float, kind: Kind) -> tuple[float, str]:
    """The scale and unit `value` reads best in: (2**20, 'MiB') for 3e6 bytes, (1e-6, 'uJ') for
    4e-5 J. Prefixes are ASCII ('u', never 'µ'), everywhere accelsim prints."""
    if kind.shown:  # the first that the value reaches, else the smallest
        unit, scale = next(((u, v) for u, v in kind.shown if abs(value) >= v), kind.shown[-1])
        return scale, unit
    unit = kind.unit
    prefixes = {
        (p, v) for p, v in (*_DECIMAL.items(), *_SMALL.items()) if p + unit in kind.units and p != "µ"
    }
    for prefix, scale in sorted(prefixes, key=lambda item: -item[1]):
        if abs(value) >= scale:
            return scale, prefix + unit
    return 1.0, unit


def column_unit(values: Iterable[float], kind: Kind) -> tuple[float, str]:
    """One scale and unit for a column (a table's, an axis's): the one its largest magnitude
    reads best in, so 705.9 us beside 5.074 ms reads 0.7059 and 5.074 ms."""
    largest = max((abs(v) for v in values), default=0.0)
    return si_unit(largest, kind) if largest else (1.0, kind.unit)


def format_si(value: float, kind: Kind) -> str:
    """A readable string that parses back to (about) the same value (zero in the plain unit)."""
    if value == 0:
        return f"0 {kind.unit}"
    scale, unit = si_unit(value, kind)
    return f"{value / scale:.4g} {unit}"


def parse_cli(text: str, kind: Kind, flag: str) -> float:
    """A command-line quantity; a bad one is a user error naming the flag."""
    from accelsim.errors import AccelsimError

    try:
        value = parse(text, kind)
    except ValueError as exc:
        raise AccelsimError(f"{flag}: {exc}") from None
    if value <= 0:
        raise AccelsimError(f"{flag}: must be positive, got '{text}'")
    return value
