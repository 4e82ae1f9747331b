"""HwConfig (what the YAML says) + an energy table -> Accelerator (every energy filled in,
each with its source)."""

from __future__ import annotations

import math

from accelsim.energy.default import DefaultTable, nominal_vdd
from accelsim.energy.table import EnergyTable, Estimate, Precision, Technology
from accelsim.errors import AccelsimError
from accelsim.hw.chip import Accelerator, MemoryLevel
from accelsim.hw.enums import TENSOR_KINDS, Dataflow, Level, TensorKind
from accelsim.hw.schema import HwConfig

DEFAULT_TABLE = DefaultTable()


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
    rf = None
    if memory.register_file is not None:
        rf_cfg = memory.register_file
        rf_default = table.register(tech, rf_cfg.capacity)
        rf = MemoryLevel(
            "register_file",
            Level.REGISTER_FILE,
            rf_cfg.capacity,
            pick("memory.register_file.read_energy", rf_cfg.read_energy, rf_default),
            pick("memory.register_file.write_energy", rf_cfg.write_energy, rf_default),
            None,
            0.0,
            TENSOR_KINDS,
        )
    buffers = []
    for name, buf in (("sram", memory.sram), ("weight_sram", memory.weight_sram)):
        if buf is None:
            continue
        default = table.sram(tech, buf.capacity)
        if name == "weight_sram":
            holds: tuple[TensorKind, ...] = (TensorKind.WEIGHTS,)
        else:
            holds = (TensorKind.ACTIVATIONS,) if memory.weight_sram is not None else TENSOR_KINDS
        buffers.append(
            MemoryLevel(
                name,
                Level.SRAM,
                buf.capacity,
                pick(f"memory.{name}.read_energy", buf.read_energy, default),
                # a write costs about a read in an SRAM of this size (CACTI gives them within ~20%)
                pick(f"memory.{name}.write_energy", buf.write_energy, default),
                buf.bandwidth,
                buf.leakage,
                holds,
            )
        )
    dram_cfg = memory.dram
    dram_j = pick("memory.dram.energy", dram_cfg.energy, table.dram(dram_cfg.type))
    dram = MemoryLevel(
        "dram",
        Level.DRAM,
        dram_cfg.capacity or math.inf,
        dram_j,
        dram_j,
        dram_cfg.bandwidth,
        0.0,
        TENSOR_KINDS,
    )

    if rf is not None and rf.capacity_bytes * compute.rows * compute.cols > sum(
        b.capacity_bytes for b in buffers
    ):
        raise AccelsimError(
            f"hardware '{config.name}': field 'memory.register_file.capacity': the register files "
            "(per PE x PEs) hold more than the SRAM; expected a register file smaller than the SRAM"
        )
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
        register_file=rf,
        buffers=tuple(buffers),
        dram=dram,
        static_w=config.static_power,
        power_budget_w=config.power_budget,
        vdd=vdd,
        energy_scale=scale.value,
        sources=sources,
    )
