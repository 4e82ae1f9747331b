"""The hardware's vocabulary: memory levels, tensor kinds, dataflows and PE operands.
String-valued, so they print and serialize as the names users write in YAML and read in JSON
(where a layer runs, its Engine, is the workload's: accelsim.ir.engine)."""

from __future__ import annotations

from accelsim.ir.engine import Name as _Name


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


MEMORY_LEVELS = tuple(Level)
OPERANDS = tuple(Operand)
TENSOR_KINDS = tuple(TensorKind)
