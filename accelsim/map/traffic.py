"""Bytes moved per memory level and tensor kind: an immutable value, built by `plus`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from accelsim.frozen import FrozenMap
from accelsim.hw.enums import TENSOR_KINDS, Level, TensorKind

Key = tuple[Level, TensorKind]


@dataclass(frozen=True, slots=True)
class Traffic:
    """Bytes read and written at each memory level, by tensor kind."""

    read: Mapping[Key, float] = field(default_factory=FrozenMap)
    write: Mapping[Key, float] = field(default_factory=FrozenMap)

    def plus(self, level: Level, kind: TensorKind, read: float = 0.0, write: float = 0.0) -> Traffic:
        """This traffic and some more (zero amounts add no entry)."""
        return self.moving((level, kind, read, write))

    def moving(self, *moves: tuple[Level, TensorKind, float, float]) -> Traffic:
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

    def scaled(self, level: Level, factor: float) -> Traffic:
        """Every amount at `level` times `factor`."""

        def scale(moved: Mapping[Key, float]) -> FrozenMap[Key, float]:
            return FrozenMap({k: v * factor if k[0] == level else v for k, v in moved.items()})

        return Traffic(scale(self.read), scale(self.write))

    def bytes_written(self, level: Level) -> float:
        return sum(self.write.get((level, k), 0.0) for k in TENSOR_KINDS)

    def bytes(self, level: Level, kind: TensorKind | None = None) -> float:
        kinds = TENSOR_KINDS if kind is None else (kind,)
        return sum(self.read.get((level, k), 0.0) + self.write.get((level, k), 0.0) for k in kinds)
