"""Accelerator configs: the YAML schema (pydantic) and its resolution into an `Accelerator`
whose every energy is filled in, from the config or from the sourced default table."""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema

from accelsim import energy_table as table
from accelsim import units
from accelsim.errors import AccelsimError, closest, validation_message
from accelsim.resources import resolve
from accelsim.yamlio import load_yaml_mapping

TENSOR_KINDS = ("weights", "activations")
Dataflow = Literal["weight_stationary", "output_stationary", "input_stationary"]
DramType = Literal["ddr3", "ddr4", "lpddr4", "lpddr4x", "lpddr5", "hbm2"]
MAX_PLAUSIBLE_ENERGY_J = 1e-6  # no single op or byte costs a microjoule: a bare number is a missing unit


def _quantity(kind: units.Kind, positive: bool = True, plausible_max: float | None = None) -> Any:
    def check(value: object) -> float:
        number = units.parse(value, kind)
        if not math.isfinite(number) or number < 0 or (positive and number == 0):
            raise ValueError(
                f"must be a {'positive' if positive else 'non-negative'} {kind.name}, got {value!r}"
            )
        if plausible_max is not None and number > plausible_max:
            raise ValueError(
                f"{value!r} is {units.format_si(number, kind)}, implausibly large; give a unit, "
                f"like '{kind.example}'"
            )
        return number

    schema = {
        "anyOf": [
            {"type": "number", "minimum": 0},
            {"type": "string", "pattern": r"^\s*[0-9.]+([eE][-+]?[0-9]+)?\s*\S*\s*$"},
        ],
        "description": f"{kind.name}: a number in {kind.unit} or a string with a unit, e.g. '{kind.example}'",
    }
    return Annotated[float, BeforeValidator(check), WithJsonSchema(schema)]


Bytes = _quantity(units.BYTES)
Bandwidth = _quantity(units.BANDWIDTH)
Frequency = _quantity(units.FREQUENCY)
Power = _quantity(units.POWER, positive=False)
Energy = _quantity(units.ENERGY, plausible_max=MAX_PLAUSIBLE_ENERGY_J)
EnergyPerByte = _quantity(units.ENERGY_PER_BYTE, plausible_max=MAX_PLAUSIBLE_ENERGY_J)
Bits = Annotated[int, Field(ge=1, le=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RegisterFileConfig(_Strict):
    """Per-PE register file (scratchpad). Energies per byte; default: Han et al. NIPS 2015."""

    capacity: Bytes = Field(description="bytes per PE")
    read_energy: EnergyPerByte | None = None
    write_energy: EnergyPerByte | None = None


class BufferConfig(_Strict):
    """An on-chip SRAM buffer. Energies per byte (e.g. '1.2 pJ/B'); default from its size."""

    capacity: Bytes
    bandwidth: Bandwidth | None = Field(None, description="bytes/s; default: never the bottleneck")
    read_energy: EnergyPerByte | None = None
    write_energy: EnergyPerByte | None = None
    leakage: Power = Field(0.0, description="static power of this buffer, W")


class DramConfig(_Strict):
    type: DramType
    bandwidth: Bandwidth
    capacity: Bytes | None = None
    energy: EnergyPerByte | None = Field(None, description="per byte moved, read or write; default by type")


class MemoryConfig(_Strict):
    register_file: RegisterFileConfig | None = None
    sram: BufferConfig = Field(
        description="the global buffer; holds activations, and weights unless weight_sram is given"
    )
    weight_sram: BufferConfig | None = Field(None, description="a separate weight buffer")
    dram: DramConfig


class PrecisionConfig(_Strict):
    weights: Bits = 8
    activations: Bits = 8
    accumulators: Bits = 32
    floating_point: bool = False


class VectorConfig(_Strict):
    lanes: int = Field(ge=1, description="element-operations per cycle")
    op_energy: Energy | None = None


class ComputeConfig(_Strict):
    rows: int = Field(ge=1, le=4096)
    cols: int = Field(ge=1, le=4096)
    dataflow: Dataflow
    clock: Frequency
    precision: PrecisionConfig = PrecisionConfig()
    mac_energy: Energy | None = Field(None, description="one multiply-accumulate; default Horowitz, scaled")
    sparse: bool = Field(False, description="the array skips MACs with zero (pruned) weights")
    vector: VectorConfig


class HwConfig(_Strict):
    """An accelerator as written in a hw_configs/*.yaml file."""

    name: str
    description: str = ""
    source: str = ""
    technology_nm: float = Field(gt=0)
    vdd: float | None = Field(None, gt=0, le=2.0, description="supply voltage, V; default nominal for node")
    flavor: Literal["hp", "lp"] = "hp"
    power_budget: Power
    static_power: Power = Field(0.0, description="chip-wide static/idle power beyond buffer leakage, W")
    area_mm2: float | None = Field(None, gt=0)
    compute: ComputeConfig
    memory: MemoryConfig


@dataclass(frozen=True)
class Level:
    """One resolved memory level. Energies in J per byte; bandwidth None = not a bottleneck."""

    name: str
    capacity_bytes: float
    read_j_per_byte: float
    write_j_per_byte: float
    bandwidth_bytes_per_s: float | None
    leakage_w: float
    holds: tuple[str, ...]


@dataclass(frozen=True)
class Accelerator:
    """A fully resolved chip: what the mapper and simulator consume."""

    name: str
    config: HwConfig
    rows: int
    cols: int
    dataflow: str
    clock_hz: float
    weight_bits: int
    activation_bits: int
    accumulator_bits: int
    mac_j: float
    vector_lanes: int
    vector_op_j: float
    register_file: Level | None  # capacity per PE
    buffers: tuple[Level, ...]
    dram: Level
    static_w: float
    power_budget_w: float
    vdd: float
    energy_scale: float  # from 45 nm / 0.9 V to this node and supply
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def macs(self) -> int:
        return self.rows * self.cols

    @property
    def peak_macs_per_s(self) -> float:
        return self.macs * self.clock_hz

    @property
    def peak_tops(self) -> float:
        return 2 * self.peak_macs_per_s / 1e12

    @property
    def mac_tops_per_w(self) -> float:
        """Peak TOPS/W of the MAC array alone: two ops per MAC over its energy."""
        return 2 / self.mac_j / 1e12

    @property
    def onchip_bytes(self) -> float:
        return sum(level.capacity_bytes for level in self.buffers)

    @property
    def split_buffers(self) -> bool:
        """Weights and activations live in separate on-chip buffers."""
        return any("activations" not in lvl.holds for lvl in self.buffers)

    @property
    def sram_bandwidth_bytes_per_s(self) -> float | None:
        """The slowest buffer's bandwidth, or None when no buffer limits the array."""
        return min(
            (lvl.bandwidth_bytes_per_s for lvl in self.buffers if lvl.bandwidth_bytes_per_s), default=None
        )

    def level(self, name: str, kind: str) -> Level:
        """The level a tensor kind lives in: 'register_file', 'dram', or 'sram' (the buffer
        that holds that kind when weights and activations are split)."""
        if name == "dram":
            return self.dram
        if name == "register_file" and self.register_file is not None:
            return self.register_file
        return next(lvl for lvl in self.buffers if kind in lvl.holds)

    def capacity_for(self, kind: str) -> float:
        """On-chip bytes that can hold a tensor kind ('weights' or 'activations')."""
        return sum(level.capacity_bytes for level in self.buffers if kind in level.holds)

    @property
    def ridge_macs_per_byte(self) -> float:
        """Arithmetic intensity at which the DRAM bandwidth and the MAC array balance."""
        return self.peak_macs_per_s / self.dram.bandwidth_bytes_per_s  # type: ignore[operator]

    @property
    def leakage_w(self) -> float:
        return self.static_w + sum(level.leakage_w for level in self.buffers)


def resolve_accelerator(config: HwConfig) -> Accelerator:
    """Fill every energy left out of the config from the default table, scaled to the node."""
    sources: dict[str, str] = {}
    vdd = config.vdd
    if vdd is None:
        vdd = table.nominal_vdd(config.technology_nm)
        sources["vdd"] = "nominal supply for the node (assumption; set vdd to override)"
    scale, scale_source = table.scale_to_node(config.technology_nm, vdd, config.flavor)
    sources["energy_scale"] = scale_source

    def pick(path: str, given: float | None, default_45nm: float, default_source: str) -> float:
        if given is not None:
            sources[path] = "config"
            return given
        sources[path] = f"{default_source}; x{scale:.3g} to node"
        return default_45nm * scale

    compute, memory = config.compute, config.memory
    prec = compute.precision
    mac_j = pick(
        "compute.mac_energy",
        compute.mac_energy,
        table.mac_energy_45nm(prec.weights, prec.activations, prec.accumulators, prec.floating_point),
        f"{table.HOROWITZ}: multiply + accumulate",
    )
    vector_j = pick(
        "compute.vector.op_energy",
        compute.vector.op_energy,
        table.vector_op_energy_45nm(prec.activations, prec.floating_point),
        f"{table.HOROWITZ}: add",
    )
    rf = None
    if memory.register_file is not None:
        rf_cfg = memory.register_file
        rf_default = table.register_file_energy_per_byte_45nm()
        rf_source = "Han et al. NIPS 2015: 1 pJ per 32-bit register file access at 45 nm"
        rf = Level(
            "register_file",
            rf_cfg.capacity,
            pick("memory.register_file.read_energy", rf_cfg.read_energy, rf_default, rf_source),
            pick("memory.register_file.write_energy", rf_cfg.write_energy, rf_default, rf_source),
            None,
            0.0,
            TENSOR_KINDS,
        )
    buffers = []
    for name, buf in (("sram", memory.sram), ("weight_sram", memory.weight_sram)):
        if buf is None:
            continue
        default = table.sram_energy_per_byte_45nm(buf.capacity)
        source = f"{table.HOROWITZ}: SRAM size fit at {units.format_si(buf.capacity, units.BYTES)}"
        holds = (
            ("weights",)
            if name == "weight_sram"
            else (("activations",) if memory.weight_sram is not None else TENSOR_KINDS)
        )
        buffers.append(
            Level(
                name,
                buf.capacity,
                pick(f"memory.{name}.read_energy", buf.read_energy, default, source),
                # a write costs about a read in an SRAM of this size (CACTI gives them within ~20%)
                pick(f"memory.{name}.write_energy", buf.write_energy, default, source),
                buf.bandwidth,
                buf.leakage,
                holds,
            )
        )
    dram_cfg = memory.dram
    if dram_cfg.energy is not None:
        dram_j = dram_cfg.energy
        sources["memory.dram.energy"] = "config"
    else:
        dram_j, sources["memory.dram.energy"] = table.dram_energy_per_byte(dram_cfg.type)
    dram = Level("dram", dram_cfg.capacity or math.inf, dram_j, dram_j, dram_cfg.bandwidth, 0.0, TENSOR_KINDS)

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
        dataflow=compute.dataflow,
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
        energy_scale=scale,
        sources=sources,
    )


def parse_hw(data: Mapping[str, Any], source: str) -> Accelerator:
    try:
        config = HwConfig.model_validate(data)
    except ValidationError as exc:
        raise AccelsimError(validation_message(exc, data, source, HwConfig)) from None
    try:
        return resolve_accelerator(config)
    except AccelsimError as exc:
        raise AccelsimError(f"{source}: {exc}") from None


def field_path_problem(path: str) -> str | None:
    """Why a dotted path (`memory.sram.capacity`) names no value of a chip config, or None."""
    model: type[BaseModel] = HwConfig
    keys = path.split(".")
    for depth, key in enumerate(keys):
        fields = model.model_fields
        where = f"'{'.'.join(keys[:depth])}'" if depth else "a chip config"
        if key not in fields:
            return f"'{path}' is not a chip field: {where} has no field '{key}'{closest(key, fields)}"
        annotation = fields[key].annotation
        sections = [
            a
            for a in (get_args(annotation) or (annotation,))
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        last = depth == len(keys) - 1
        if last and sections:
            inner = ", ".join(sections[0].model_fields)
            return f"'{path}' is a section of the chip config; expected one of its fields: {inner}"
        if not last and not sections:
            return f"'{path}' is not a chip field: '{'.'.join(keys[: depth + 1])}' is a value, not a section"
        if sections:
            model = sections[0]
    return None


def with_fields(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of config data with each dotted path (`memory.sram.capacity`) set to a value."""
    data = copy.deepcopy(dict(base))
    for path, value in changes.items():
        node = data
        keys = path.split(".")
        for key in keys[:-1]:
            if node.get(key) is None:
                node[key] = {}
            if not isinstance(node[key], dict):
                raise AccelsimError(f"field '{path}': '{key}' is not a section of the config")
            node = node[key]
        node[keys[-1]] = value
    return data


def variant(hw: str | Path | HwConfig | Accelerator, changes: Mapping[str, Any]) -> Accelerator:
    """A chip like `hw` with some fields changed by dotted path, validated again:
    `variant("2W_npu", {"memory.sram.capacity": "8 MiB"})` (named 2W_npu@memory.sram.capacity=8 MiB
    unless the changes set a name)."""
    config = load_hw(hw).config
    data = with_fields(config.model_dump(exclude_none=True), changes)
    if "name" not in changes:  # say what changed, so results of variants stay apart
        data["name"] = config.name + "@" + ",".join(f"{path}={value}" for path, value in changes.items())
    try:
        return resolve_accelerator(HwConfig.model_validate(data))
    except ValidationError as exc:
        raise AccelsimError(validation_message(exc, data, config.name, HwConfig)) from None


def load_hw(hw: str | Path | HwConfig | Accelerator) -> Accelerator:
    """An accelerator from a bundled name, a YAML path, a HwConfig, or an Accelerator."""
    if isinstance(hw, Accelerator):
        return hw
    if isinstance(hw, HwConfig):
        return resolve_accelerator(hw)
    path = resolve(hw, "hw_configs", "hardware config")
    return _load_hw_file(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _load_hw_file(path: str, stamp: int) -> Accelerator:
    """Accelerators are immutable: an unchanged file is parsed once (`stamp` is its mtime)."""
    return parse_hw(load_yaml_mapping(Path(path)), path)


def hw_schema() -> dict[str, Any]:
    """JSON Schema of the config file, for editors."""
    schema = HwConfig.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "accelsim accelerator config"
    return schema
