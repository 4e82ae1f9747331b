"""HwConfig (what the YAML says) + an energy table -> Accelerator (every energy filled in,
each with its source)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import replace

from accelsim.energy.default import DefaultTable, nominal_vdd
from accelsim.energy.table import EnergyTable, Estimate, Precision, SramEstimate, Technology
from accelsim.errors import AccelsimError
from accelsim.hw.chip import REGISTER_WORDS, Accelerator, MemoryLevel, PeArray, PeStore
from accelsim.hw.enums import OPERANDS, Dataflow, Level, Operand, TensorKind
from accelsim.hw.schema import HwConfig, LevelConfig

DEFAULT_TABLE = DefaultTable()


# Words each PE keeps of each operand when the config does not say (README "PE-local energy"):
# systolic arrays hold their stationary operand in a register (double-buffered in weight- and
# input-stationary arrays, as the TPU's weights: Jouppi et al. ISCA 2017) and pass the others
# on through one pipeline register each; row-stationary PEs have Eyeriss v1's scratchpads,
# 224 filter, 12 ifmap and 24 psum words (Chen et al., JSSC 2017).
DEFAULT_PE_WORDS: dict[Dataflow, dict[Operand, int]] = {
    Dataflow.WEIGHT_STATIONARY: {Operand.WEIGHTS: 2, Operand.INPUTS: 1, Operand.PSUMS: 1},
    Dataflow.OUTPUT_STATIONARY: {Operand.WEIGHTS: 1, Operand.INPUTS: 1, Operand.PSUMS: 1},
    Dataflow.INPUT_STATIONARY: {Operand.WEIGHTS: 1, Operand.INPUTS: 2, Operand.PSUMS: 1},
    Dataflow.ROW_STATIONARY: {Operand.WEIGHTS: 224, Operand.INPUTS: 12, Operand.PSUMS: 24},
}
# Standard cells fill about 70% of the area they are placed in, the rest left to routing (a
# typical placement utilization: an assumption). A PE's pitch is the side of its cells' area
# over it, unless the config gives a floorplan's pitch.
PLACEMENT_UTILIZATION = 0.7


def _register_bits(stores: Iterable[PeStore]) -> float:
    """A PE's flip-flop bits: its stores of up to REGISTER_WORDS words."""
    return sum(8 * store.capacity_bytes for store in stores if store.registers)


def _pe_array(
    config: HwConfig,
    table: EnergyTable,
    tech: Technology,
    precision: Precision,
    pick: Callable[[str, float | None, Estimate], float],
    sources: dict[str, str],
) -> PeArray:
    compute = config.compute
    pe, prec = compute.pe, compute.precision
    defaults = DEFAULT_PE_WORDS[Dataflow(compute.dataflow)]
    bits = {Operand.WEIGHTS: prec.weights, Operand.INPUTS: prec.activations, Operand.PSUMS: prec.accumulators}
    flip_flop, clock = table.flip_flop(tech), table.flop_clock(tech)
    # a register is clocked every cycle (clock power, README "Static power"): a write adds the rest
    written = Estimate(
        max(flip_flop.value - clock.value, 0.0) * 8,
        f"{flip_flop.source}, less what it draws every cycle it is clocked ({clock.source}: clock power)",
    )
    stores = {}
    for operand in OPERANDS:
        given = getattr(pe, operand.value)
        words = given or defaults[operand]
        sources[f"compute.pe.{operand}"] = "config" if given else f"default for {compute.dataflow}"
        word_bytes = bits[operand] / 8
        default = written if words <= REGISTER_WORDS else table.register(tech, words * word_bytes)
        energy = pick(f"compute.pe.{operand}.energy", pe.energy, default)
        stores[operand] = PeStore(operand, words, word_bytes, energy)
    if pe.pitch is None:
        register_bits = _register_bits(stores.values())
        cells = table.pe_cells(tech, precision, register_bits, compute.clock)
        pitch = math.sqrt(cells.value / PLACEMENT_UTILIZATION)
        sources["compute.pe.pitch"] = (
            f"a multiplier, an adder and {register_bits:g} register bits ({cells.source}) over a "
            f"{PLACEMENT_UTILIZATION:.0%} placement utilization"
        )
    else:
        pitch = pe.pitch
        sources["compute.pe.pitch"] = "config"
    wire = table.wire(tech)
    sources["compute.pe.array_bus_energy"] = "config" if pe.array_bus_energy else wire.source
    return PeArray(stores, pitch, wire.value * 8 * pitch, pe.array_bus_energy)


# TPU v1's accumulators: 4 MiB of 32-bit partial sums for 256 columns, 4096 per column
# (Jouppi et al., ISCA 2017). Each column adds into its own bank, so an access costs what one
# bank of 4096 partial sums costs.
ACCUMULATORS_PER_COLUMN = 4096


def _accumulator_bank(config: HwConfig, table: EnergyTable, tech: Technology) -> SramEstimate:
    """A column's partial-sum SRAM bank beside a systolic array, read and written one partial
    sum at a time."""
    word = config.compute.precision.accumulators / 8
    return table.sram(tech, ACCUMULATORS_PER_COLUMN * word, word, "lp")


def _accumulators(macro: SramEstimate, sources: dict[str, str]) -> float:
    """J per byte of an accumulator bank (an access as often read as written: their mean)."""
    sources["accumulators"] = (
        f"{macro.source}; a bank of 4096 per column as TPU v1's (Jouppi et al. ISCA 2017)"
    )
    return (macro.read_j_per_byte + macro.write_j_per_byte) / 2


LEVEL_KINDS = {"sram": Level.SRAM, "dram": Level.DRAM, "flash": Level.FLASH}


def _level(
    config: LevelConfig,
    table: EnergyTable,
    tech: Technology,
    pick: Callable[[str, float | None, Estimate], float],
    default_width: float,
) -> MemoryLevel:
    """One memory level, its figures from the config or the table by its kind: an SRAM is a
    macro of its capacity, access width and cell type (energies, leakage, area); a DRAM priced
    by its standard; flash from the README table."""
    path = f"memory.{config.name}"
    area = 0.0
    width = None
    leakage = Estimate(0.0, "none modeled off chip (DRAM background power is not in the model)")
    if config.kind == "sram":
        assert config.capacity is not None  # the schema requires it
        width = pick(
            f"{path}.width", config.width, Estimate(default_width, "a row of the array's activations")
        )
        macro = table.sram(tech, config.capacity, width, config.cell)
        read, write = (
            Estimate(macro.read_j_per_byte, macro.source),
            Estimate(macro.write_j_per_byte, macro.source),
        )
        leakage = Estimate(macro.leakage_w, macro.source)
        area = macro.area_m2
    elif config.kind == "dram":
        assert config.type is not None
        read = write = table.dram(config.type)
    else:
        read = write = table.flash()
    read_j = pick(f"{path}.read_energy", config.read_energy, read)
    # flash is read-only at inference (programming the weights is not an inference's cost)
    write_j = 0.0 if config.kind == "flash" else pick(f"{path}.write_energy", config.write_energy, write)
    return MemoryLevel(
        config.name,
        LEVEL_KINDS[config.kind],
        config.capacity or math.inf,
        read_j,
        write_j,
        config.bandwidth,
        pick(f"{path}.leakage", config.leakage, leakage),
        tuple(TensorKind(kind) for kind in config.held),
        width,
        area,
    )


def resolve_accelerator(config: HwConfig, energy_table: EnergyTable | None = None) -> Accelerator:
    """Fill every energy left out of the config from the energy table (default: the sourced
    default table, scaled to the node)."""
    table = energy_table or DEFAULT_TABLE
    sources: dict[str, str] = {}
    vdd = config.vdd
    if vdd is None:
        vdd = nominal_vdd(config.technology_nm)
        sources["vdd"] = "nominal supply for the node (assumption; set vdd to override)"
    tech = Technology(config.technology_nm, vdd, config.flavor)
    scale = table.node_scale(tech)
    sources["energy_scale"] = scale.source

    def pick(path: str, given: float | None, default: Estimate) -> float:
        if given is not None:
            sources[path] = "config"
            return given
        sources[path] = default.source
        return default.value

    compute, memory = config.compute, config.memory
    prec = compute.precision
    precision = Precision(prec.weights, prec.activations, prec.accumulators, prec.floating_point)
    mac_j = pick("compute.mac_energy", compute.mac_energy, table.mac(tech, precision))
    vector_j = pick(
        "compute.vector.op_energy",
        compute.vector.op_energy,
        table.vector_op(tech, prec.activations, prec.floating_point),
    )
    # a buffer reads a row of the array's activations at a time unless its config says otherwise
    row = max(compute.rows, compute.cols) * prec.activations / 8
    levels = tuple(_level(level, table, tech, pick, row) for level in memory.levels)
    pe = _pe_array(config, table, tech, precision, pick, sources)
    given = any(getattr(compute.pe, operand.value) for operand in OPERANDS)
    if given and pe.capacity_bytes * compute.rows * compute.cols > sum(
        level.capacity_bytes for level in levels if level.on_chip
    ):
        raise AccelsimError(
            f"hardware '{config.name}': field 'compute.pe': the PEs' stores (per PE x PEs) hold more "
            "than the SRAM; expected PE storage smaller than the SRAM"
        )
    bank = _accumulator_bank(config, table, tech)
    macros = _array_macros(config, table, tech, pe, bank)
    area = _area(config, pe, levels, macros, sources)
    static = _static(config, table, tech, pe, area, sources)
    return Accelerator(
        name=config.name,
        config=config,
        rows=compute.rows,
        cols=compute.cols,
        dataflow=Dataflow(compute.dataflow),
        clock_hz=compute.clock,
        weight_bits=prec.weights,
        activation_bits=prec.activations,
        accumulator_bits=prec.accumulators,
        mac_j=mac_j,
        vector_lanes=compute.vector.lanes,
        vector_op_j=vector_j,
        pe=pe,
        accumulator_j_per_byte=_accumulators(bank, sources),
        levels=levels,
        static_w=sum(static.values()),
        power_budget_w=config.power_budget,
        energy_scale=scale.value,
        sources=sources,
        energy_table=energy_table,
        technology=tech,
        sparse=compute.sparse,
        gemv=compute.gemv,
        fuse=compute.fuse,
        priority=memory.priority,
        bypass=tuple(Operand(name) for name in memory.bypass),
        tile_buffers=memory.tile_buffers,
        area_breakdown_m2=area,
        static_parts_w=static,
        pe_memory_leakage_w=sum(count * macro.leakage_w for count, macro in macros.values()),
    )


# The dataflows whose partial sums wait in SRAM accumulators beside the array (map/array.py);
# row-stationary PEs keep theirs in their scratchpads.
WITH_ACCUMULATORS = (Dataflow.WEIGHT_STATIONARY, Dataflow.OUTPUT_STATIONARY, Dataflow.INPUT_STATIONARY)


def _array_macros(
    config: HwConfig, table: EnergyTable, tech: Technology, pe: PeArray, bank: SramEstimate
) -> dict[str, tuple[int, SramEstimate]]:
    """The SRAM macros beside the MACs, as (how many, the macro): each PE's scratchpads (its
    registers are flip-flops, in the PE's own area) and a systolic array's accumulator banks
    (`bank`, one per column)."""
    compute = config.compute
    pes = compute.rows * compute.cols
    macros = {
        f"{store.operand}_scratchpad": (pes, table.sram(tech, store.capacity_bytes, store.word_bytes, "lp"))
        for store in pe.stores.values()
        if not store.registers
    }
    if Dataflow(compute.dataflow) in WITH_ACCUMULATORS:
        macros["accumulators"] = (compute.cols, bank)
    return macros


def _area(
    config: HwConfig,
    pe: PeArray,
    levels: tuple[MemoryLevel, ...],
    macros: dict[str, tuple[int, SramEstimate]],
    sources: dict[str, str],
) -> dict[str, float]:
    """The chip's area by component, m^2 (README "Area"): the PEs (each a pitch squared, as the
    TPU v1's array: the pitch model of the array's wires), their scratchpads, the vector unit,
    the accumulators beside a systolic array, the buffers, and the config's other area."""
    compute = config.compute
    area = {
        "pe_array": compute.rows * compute.cols * pe.pitch_m**2,
        "pe_scratchpads": sum(n * m.area_m2 for name, (n, m) in macros.items() if name != "accumulators"),
        "vector": compute.vector.lanes * pe.pitch_m**2,
        "accumulators": sum(n * m.area_m2 for name, (n, m) in macros.items() if name == "accumulators"),
        "buffers": sum(level.area_m2 for level in levels),
        "other": config.other_area,
    }
    pitch = sources["compute.pe.pitch"]
    sources["area.pe_array"] = f"a PE (MAC, its registers and wiring) is a pitch squared; pitch: {pitch}"
    sources["area.vector"] = "a lane (an ALU and its registers) the size of a PE"
    sources["area.pe_scratchpads"] = sources["area.buffers"] = sources["area.accumulators"] = (
        'the SRAM macro model (README "SRAM macros")'
    )
    sources["area.other"] = "config (other_area)"
    return area


# An H-tree with n leaves over a square of side L is 1.5 L sqrt(n) long (each level halves the
# span and doubles the branches); a clock makes one rising edge a cycle where random data makes
# one every four bits, so a clock wire costs 4x a data wire's energy per bit.
H_TREE_LENGTH = 1.5
CLOCK_EDGES_PER_DATA_BIT = 4


def _static(
    config: HwConfig,
    table: EnergyTable,
    tech: Technology,
    pe: PeArray,
    area: dict[str, float],
    sources: dict[str, str],
) -> dict[str, float]:
    """The chip's static power besides its memories', W (README "Static power"): the logic's
    leakage by its area, and the clock: every flip-flop clocked every cycle (PE registers, a
    register per vector lane; a scratchpad's words are clock-gated and pay with their writes)
    and the H-tree that reaches each PE and lane. The config's `static_power` overrides both."""
    if config.static_power is not None:
        sources["static_power"] = "config"
        return {"static_power": config.static_power}
    compute = config.compute
    leaves = compute.rows * compute.cols + compute.vector.lanes
    flops = (
        compute.rows * compute.cols * _register_bits(pe.stores.values())
        + compute.vector.lanes * compute.precision.activations
    )
    flop, wire, leak = table.flop_clock(tech), table.wire(tech), table.logic_leakage(tech)
    tree_m = H_TREE_LENGTH * math.sqrt(sum(area.values()) * leaves)
    clock = compute.clock * (flops * flop.value + CLOCK_EDGES_PER_DATA_BIT * wire.value * tree_m)
    logic_m2 = area["pe_array"] + area["vector"] + area["other"]
    sources["static.clock"] = (
        f"{flops:,.0f} flip-flop bits clocked every cycle ({flop.source}) and a {tree_m * 1e3:.3g} mm "
        f"clock H-tree to {leaves:,} PEs and lanes (a rising edge a cycle: "
        f"{CLOCK_EDGES_PER_DATA_BIT}x {wire.source})"
    )
    sources["static.logic_leakage"] = (
        f"{logic_m2 * 1e6:.3g} mm² of logic (PEs, vector unit, other) at "
        f"{leak.value * 1e-6 * 1e3:.3g} mW/mm² ({leak.source})"
    )
    return {"logic_leakage": logic_m2 * leak.value, "clock": clock}


def at_activation_bits(chip: Accelerator, bits: int) -> Accelerator:
    """The chip resolved again with activations at `bits` (a compression spec's), so its MACs,
    vector unit, wires and PE stores are priced at that precision, by the table that priced it."""
    config = chip.config
    compute = config.compute
    precision = compute.precision.model_copy(update={"activations": bits})
    changed = config.model_copy(update={"compute": compute.model_copy(update={"precision": precision})})
    return replace(resolve_accelerator(changed, chip.energy_table), name=chip.name)
