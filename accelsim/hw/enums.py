"""The simulator's vocabulary: memory levels, tensor kinds, dataflows and engines. String-valued,
so they print and serialize as the names users write in YAML and read in JSON."""

from __future__ import annotations

from enum import Enum


class _Name(str, Enum):
    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


class Level(_Name):
    """Where bytes live, nearest the MACs first."""

    REGISTER_FILE = "register_file"
    SRAM = "sram"
    DRAM = "dram"


class TensorKind(_Name):
    WEIGHTS = "weights"
    ACTIVATIONS = "activations"


class Dataflow(_Name):
    WEIGHT_STATIONARY = "weight_stationary"
    OUTPUT_STATIONARY = "output_stationary"
    INPUT_STATIONARY = "input_stationary"


class Engine(_Name):
    """Where a layer runs: the MAC array, the vector unit, or nowhere (a view moves nothing)."""

    ARRAY = "array"
    VECTOR = "vector"
    NONE = "none"


MEMORY_LEVELS = tuple(Level)
TENSOR_KINDS = tuple(TensorKind)
