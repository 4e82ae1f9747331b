"""A network as a SCALE-Sim conv topology CSV and a chip as a SCALE-Sim v3 `.cfg`, so anyone can
run the same workload in SCALE-Sim and set its figures beside accelsim's (`scalesim_cycles`).

Each array layer is one row with the MACs and weights accelsim counts: the input size is the
one that yields accelsim's output in SCALE-Sim's arithmetic ((out - 1) x stride + filter, so
padding and dilation are folded in), a grouped conv is one row of channels/groups, a depthwise
conv a `DP` row, and a fully connected layer or an activation product a 1 x 1 conv over its
positions. Layers SCALE-Sim cannot express are left out and named.
"""

from __future__ import annotations

import math

from accelsim.errors import AccelsimError, closest
from accelsim.hw.chip import Accelerator
from accelsim.hw.enums import Dataflow, TensorKind
from accelsim.ir.engine import Engine
from accelsim.ir.network import Layer, Network
from accelsim.load import DATAFLOWS, DEFAULT_WORDS_PER_CYCLE, WORD_BYTES

HEADER = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"
SCALESIM_DATAFLOWS = {Dataflow(name): short for short, name in DATAFLOWS.items()}


def topology_row(layer: Layer) -> tuple[int, ...] | None:
    """IFMAP height and width, filter height and width, channels, filters, stride; or None."""
    if layer.kind in ("conv", "dwconv") and layer.op in ("conv", "dwconv"):
        (oh, ow), (kh, kw) = layer.output_shape[1:], layer.attrs["kernel"]
        sh, sw = layer.attrs["stride"]
        if sh != sw:  # SCALE-Sim has one stride for both axes
            return None
        c = layer.input_shapes[0][0]
        per_group = layer.weight_shape[1]
        filters = layer.output_shape[0] // c if layer.kind == "dwconv" else layer.output_shape[0]
        channels = c if layer.kind == "dwconv" else per_group
        return ((oh - 1) * sh + kh, (ow - 1) * sw + kw, kh, kw, channels, filters, sh)
    if layer.op == "linear":
        out, features = layer.weight_shape
        return (layer.macs // (out * features), 1, 1, 1, features, out, 1)
    if layer.op == "matmul":
        a, b = layer.input_shapes
        return (math.prod(a[:-1]), 1, 1, 1, a[-1], b[-1], 1)
    return None


def _name(layer: Layer) -> str:
    """A name SCALE-Sim reads as written: no commas, and `DP` (its depthwise marker) only on
    depthwise layers."""
    name = layer.name.replace(",", "_").replace("DP", "Dp")
    return f"{name}_DP" if layer.kind == "dwconv" else name


def topology_csv(network: Network) -> tuple[str, list[str]]:
    """The conv-format topology, and the array layers it leaves out (recurrent cells, transposed
    convs, unequal strides)."""
    lines, left_out = [HEADER], []
    for layer in network.layers:
        if layer.engine != Engine.ARRAY or not layer.macs:
            continue
        row = topology_row(layer)
        if row is None:
            left_out.append(f"{layer.name} ({layer.kind})")
            continue
        lines.append(", ".join([_name(layer), *map(str, row)]) + ",")
    return "\n".join(lines) + "\n", left_out


def chip_cfg(chip: Accelerator) -> str:
    """The chip as a SCALE-Sim v3 config: array, dataflow, SRAMs in KiB (its 1-byte words),
    DRAM bandwidth in words per cycle (USER mode, so SCALE-Sim uses it)."""
    if chip.dataflow not in SCALESIM_DATAFLOWS:
        raise AccelsimError(
            f"chip '{chip.name}': dataflow {chip.dataflow} has no SCALE-Sim equivalent; expected one of "
            f"{', '.join(SCALESIM_DATAFLOWS)}" + closest(str(chip.dataflow), SCALESIM_DATAFLOWS)
        )
    activation_kib = int(chip.capacity_for(TensorKind.ACTIVATIONS) // 1024)
    if chip.split_buffers:
        filter_kib = int(chip.capacity_for(TensorKind.WEIGHTS) // 1024)
        split = "filter SRAM = the weight buffer; ifmap and ofmap SRAMs = halves of the activation buffer"
    else:
        filter_kib, activation_kib = activation_kib // 2, activation_kib - activation_kib // 2
        split = "one unified buffer: half for filters, a quarter each for ifmap and ofmap (an assumption)"
    ifmap_kib = max(1, activation_kib // 2)
    ofmap_kib = max(1, activation_kib - activation_kib // 2)
    bandwidth = chip.main_memory.bandwidth_bytes_per_s or math.inf
    words_per_cycle = max(1, round(bandwidth / (chip.clock_hz * WORD_BYTES)))
    dram = f"{bandwidth / 1e9:g} GB/s at {chip.clock_hz / 1e9:g} GHz"
    if chip.staged:  # SCALE-Sim has one SRAM per operand: the buffers nearer the array are left out
        split += "; local buffers nearer the array have no SCALE-Sim equivalent and are left out"
    comments = (
        f"SCALE-Sim v3 config written by accelsim from chip '{chip.name}'.",
        f"Array and dataflow as the chip's; {split}.",
        f"Bandwidth: DRAM {dram}, in 1-byte words per cycle.",
    )
    sizes = (ifmap_kib, max(1, filter_kib), ofmap_kib)
    return config_text(
        chip.name, chip.rows, chip.cols, SCALESIM_DATAFLOWS[chip.dataflow], sizes, words_per_cycle, comments
    )


def config_text(
    name: str,
    rows: int,
    cols: int,
    dataflow: str,
    sram_kib: tuple[int, int, int],
    words_per_cycle: int | None,
    comments: tuple[str, ...] = (),
) -> str:
    """A SCALE-Sim v3 config with every key it reads: SRAMs (ifmap, filter, ofmap) in KiB; a
    bandwidth in words per cycle is used (USER mode), None lets SCALE-Sim compute it (CALC)."""
    ifmap, filt, ofmap = sram_kib
    return (
        "".join(f"# {line}\n" for line in comments)
        + f"""[general]
run_name = {name}

[architecture_presets]
ArrayHeight = {rows}
ArrayWidth = {cols}
IfmapSramSzkB = {ifmap}
FilterSramSzkB = {filt}
OfmapSramSzkB = {ofmap}
IfmapOffset = 0
FilterOffset = 10000000
OfmapOffset = 20000000
Bandwidth = {words_per_cycle or DEFAULT_WORDS_PER_CYCLE}
Dataflow = {dataflow}
MemoryBanks = 1
ReadRequestBuffer = 32
WriteRequestBuffer = 32

[layout]
IfmapCustomLayout = False
IfmapSRAMBankBandwidth = 10
IfmapSRAMBankNum = 10
IfmapSRAMBankPort = 2
FilterCustomLayout = False
FilterSRAMBankBandwidth = 10
FilterSRAMBankNum = 10
FilterSRAMBankPort = 2

[sparsity]
SparsitySupport = false
SparseRep = ellpack_block
OptimizedMapping = false
BlockSize = 8
RandomNumberGeneratorSeed = 40

[run_presets]
InterfaceBandwidth = {"CALC" if words_per_cycle is None else "USER"}
UseRamulatorTrace = False
"""
    )
