"""Bytes moved per memory level and tensor kind: an immutable value, built by `plus`. A level
is named: a mapping's traffic at `Level.SRAM` is the buffer next to the array, until the
schedule places it in the chip's levels by their names (schedule/staging.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from accelsim.frozen import FrozenMap
from accelsim.hw.enums import TENSOR_KINDS, TensorKind

Key = tuple[str, TensorKind]  # (level name, kind); a Level member is its name


@dataclass(frozen=True, slots=True)
class Traffic:
    """Bytes read and written at each memory level, by tensor kind."""

    read: Mapping[Key, float] = field(default_factory=FrozenMap)
    write: Mapping[Key, float] = field(default_factory=FrozenMap)

    def plus(self, level: str, kind: TensorKind, read: float = 0.0, write: float = 0.0) -> Traffic:
        """This traffic and some more (zero amounts add no entry)."""
        return self.moving((level, kind, read, write))

    def moving(self, *moves: tuple[str, TensorKind, float, float]) -> Traffic:
        """This traffic and the (level, kind, read, write) moves, added in order."""
        reads, writes = dict(self.read), dict(self.write)
        for level, kind, read, write in moves:
            if read:
                reads[level, kind] = reads.get((level, kind), 0.0) + read
            if write:
                writes[level, kind] = writes.get((level, kind), 0.0) + write
        return Traffic(FrozenMap(reads), FrozenMap(writes))

    def merged(self, other: Traffic, times: float = 1.0) -> Traffic:
        """This traffic and `times` x `other` (a step repeated)."""
        return self.moving(
            *((level, kind, amount * times, 0.0) for (level, kind), amount in other.read.items()),
            *((level, kind, 0.0, amount * times) for (level, kind), amount in other.write.items()),
        )

    def bytes(self, level: str, kind: TensorKind | None = None) -> float:
        kinds = TENSOR_KINDS if kind is None else (kind,)
        return sum(self.read.get((level, k), 0.0) + self.write.get((level, k), 0.0) for k in kinds)
