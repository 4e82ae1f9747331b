"""Where a layer runs, as the op registry says it: a fact of the workload, not of any chip.
`Name` is the base of accelsim's string-valued vocabularies (here and in accelsim.hw.enums)."""

from __future__ import annotations

from enum import Enum


class Name(str, Enum):
    """An enum whose members are their names as written in YAML and JSON."""

    __hash__ = str.__hash__  # as its value: fast, and equal members and strings hash alike

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


class Engine(Name):
    """Where a layer runs: the MAC array, the vector unit, or nowhere (a view moves nothing)."""

    ARRAY = "array"
    VECTOR = "vector"
    NONE = "none"
