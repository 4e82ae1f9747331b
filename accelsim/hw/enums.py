"""The simulator's vocabulary: memory levels, tensor kinds, dataflows and engines. String-valued,
so they print and serialize as the names users write in YAML and read in JSON."""

from __future__ import annotations

from enum import Enum


class _Name(str, Enum):
    __hash__ = str.__hash__  # as its value: fast, and equal members and strings hash alike

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


class Level(_Name):
    """Where bytes live, nearest the MACs first; flash, where a chip has it, holds the weights
    in DRAM's place (an MCU's non-volatile memory)."""

    REGISTER_FILE = "register_file"
    SRAM = "sram"
    DRAM = "dram"
    FLASH = "flash"


class TensorKind(_Name):
    """What the bytes are: weights (parameters), activations (feature maps, partial sums) or a
    language model's KV cache (keys and values of earlier tokens: activations that outlive
    the inference and grow with every token)."""

    WEIGHTS = "weights"
    ACTIVATIONS = "activations"
    KV_CACHE = "kv_cache"


class Dataflow(_Name):
    """Which operand stays in the PEs while the others stream: SCALE-Sim's three systolic
    dataflows, and Eyeriss's row-stationary (Chen et al., ISCA 2016)."""

    WEIGHT_STATIONARY = "weight_stationary"
    OUTPUT_STATIONARY = "output_stationary"
    INPUT_STATIONARY = "input_stationary"
    ROW_STATIONARY = "row_stationary"


class Operand(_Name):
    """What a PE holds or passes on: the two multiplicands and the partial sum."""

    WEIGHTS = "weights"
    INPUTS = "inputs"
    PSUMS = "psums"


class Engine(_Name):
    """Where a layer runs: the MAC array, the vector unit, or nowhere (a view moves nothing)."""

    ARRAY = "array"
    VECTOR = "vector"
    NONE = "none"


MEMORY_LEVELS = tuple(Level)
OPERANDS = tuple(Operand)
TENSOR_KINDS = tuple(TensorKind)
