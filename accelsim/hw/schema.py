"""The chip config as written in YAML: a pydantic schema (frozen, unknown fields refused),
its JSON Schema for editors, and dotted-path edits (`memory.sram.capacity`)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeAlias, get_args

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from accelsim import units
from accelsim.errors import AccelsimError, closest
from accelsim.strict import StrictModel

DataflowName = Literal["weight_stationary", "output_stationary", "input_stationary", "row_stationary"]
BypassName = Literal["weights", "inputs"]
DramType = Literal["ddr3", "ddr4", "lpddr4", "lpddr4x", "lpddr5", "hbm2"]
MAX_PLAUSIBLE_ENERGY_J = 1e-6  # no single op or byte costs a microjoule: a bare number is a missing unit


@dataclass(frozen=True)
class _Quantity:
    """Marks a field as a quantity of this kind (field_kind reads it)."""

    kind: str


def _quantity(
    kind: units.Kind,
    positive: bool = True,
    plausible_max: float | None = None,
    bare: tuple[float, float] = (0.0, math.inf),
) -> Any:
    """A field holding a quantity of `kind`. A number above `plausible_max` is a forgotten unit
    (an energy of 5 J per op); so is a bare number (no unit) outside `bare` (`capacity: 4` is
    4 bytes, `clock: 800` 800 Hz)."""

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
        if number and not bare[0] <= number <= bare[1] and units.is_bare(value):
            size = "small" if number < bare[0] else "large"
            raise ValueError(
                f"a bare {value!r} is {units.format_si(number, kind)}, implausibly {size}; give a unit, "
                f"like '{kind.example}'"
            )
        meant = units.in_bytes(value) if kind is units.BYTES else None
        if meant:
            warnings.warn(
                f"{value!r} is bits ({units.format_si(number, kind)}); write '{meant}' for bytes",
                units.UnitWarning,
                stacklevel=2,
            )
        return number

    schema = {
        "anyOf": [
            {"type": "number", "minimum": 0},
            {"type": "string", "pattern": r"^\s*[0-9.]+([eE][-+]?[0-9]+)?\s*\S*\s*$"},
        ],
        "description": f"{kind.name}: a number in {kind.unit} or a string with a unit, e.g. '{kind.example}'",
    }
    return Annotated[float, BeforeValidator(check), WithJsonSchema(schema), _Quantity(kind.name)]


# Bare numbers are in the base unit; these ranges hold every chip and cluster in the field
# (an MCU's 1 KiB scratchpad to HBM's terabytes, a 100 kHz sensor core to a 10 GHz array).
if TYPE_CHECKING:  # to a type checker these are floats; at run time, validated quantities
    Bytes: TypeAlias = float
    Bandwidth: TypeAlias = float
    Frequency: TypeAlias = float
    Power: TypeAlias = float
    Energy: TypeAlias = float
    EnergyPerByte: TypeAlias = float
    Length: TypeAlias = float
    Duration: TypeAlias = float
else:
    Bytes = _quantity(units.BYTES, bare=(1024, math.inf))
    Bandwidth = _quantity(units.BANDWIDTH, bare=(1e6, math.inf))
    Frequency = _quantity(units.FREQUENCY, bare=(1e5, 1e11))
    Power = _quantity(units.POWER, positive=False)
    Energy = _quantity(units.ENERGY, plausible_max=MAX_PLAUSIBLE_ENERGY_J)
    EnergyPerByte = _quantity(units.ENERGY_PER_BYTE, plausible_max=MAX_PLAUSIBLE_ENERGY_J)
    Length = _quantity(units.LENGTH, bare=(0.0, 1e-2))
    Duration = _quantity(units.TIME, positive=False, bare=(0.0, 1.0))
Bits = Annotated[int, Field(ge=1, le=64)]
Words = Annotated[int, Field(ge=1, le=1 << 20)]


class BufferConfig(StrictModel):
    """An on-chip SRAM buffer. Energies per byte (e.g. '1.2 pJ/B'); default from its size."""

    capacity: Bytes = Field(description="bytes it holds")
    bandwidth: Bandwidth | None = Field(None, description="bytes/s; default: never the bottleneck")
    read_energy: EnergyPerByte | None = Field(
        None, description="per byte read; default by capacity (Horowitz)"
    )
    write_energy: EnergyPerByte | None = Field(
        None, description="per byte written; default: the same as a read at this size"
    )
    leakage: Power = Field(0.0, description="static power of this buffer, W")


class DramConfig(StrictModel):
    type: DramType = Field(description="the DRAM standard: its energy per bit by default")
    bandwidth: Bandwidth = Field(description="peak bytes/s between DRAM and the chip")
    capacity: Bytes | None = Field(None, description="bytes; default unlimited")
    energy: EnergyPerByte | None = Field(None, description="per byte moved, read or write; default by type")


class FlashConfig(StrictModel):
    """Non-volatile memory the weights live in (an MCU's flash): read-only at inference."""

    capacity: Bytes = Field(description="bytes it holds")
    bandwidth: Bandwidth = Field(description="read bytes/s; it shares the one DMA engine with DRAM")
    read_energy: EnergyPerByte | None = Field(None, description="per byte read; default: README table")


class MemoryConfig(StrictModel):
    sram: BufferConfig = Field(
        description="the global buffer; holds activations, and weights unless weight_sram is given"
    )
    weight_sram: BufferConfig | None = Field(None, description="a separate weight buffer")
    dram: DramConfig
    flash: FlashConfig | None = Field(
        None,
        description="weights live here instead of DRAM: the ones not kept in SRAM stream from flash "
        "every inference; activations stay in SRAM, and spill to DRAM",
    )
    priority: Literal["activations", "weights"] = Field(
        "activations",
        description="what the buffer keeps first once the tiles have their reserve, when not everything "
        "fits: activations (least DRAM traffic) or weights",
    )
    bypass: tuple[BypassName, ...] = Field(
        (),
        strict=False,  # a YAML list
        description="operands that move between DRAM and the array without staging in the SRAM "
        "when the buffer would give them no reuse: weights, inputs (outputs always pass through "
        "the buffer in this model, so they are refused rather than ignored)",
    )
    tile_buffers: Literal[1, 2] = Field(
        2,
        description="copies of each streamed DRAM tile: 2 double-buffers (loads overlap compute), "
        "1 loads then computes",
    )


class PrecisionConfig(StrictModel):
    weights: Bits = Field(8, description="bits per weight")
    activations: Bits = Field(8, description="bits per activation")
    accumulators: Bits = Field(32, description="bits per partial sum")
    floating_point: bool = Field(False, description="float arithmetic (energies of float MACs)")


class VectorConfig(StrictModel):
    lanes: int = Field(ge=1, description="element-operations per cycle")
    op_energy: Energy | None = Field(
        None, description="one element-operation; default: an add at activation precision (Horowitz)"
    )


class PeConfig(StrictModel):
    """What each PE keeps, in words of the operand's precision (partial sums at accumulator
    width). Up to 2 words are flip-flop registers (priced per bit written); more make a scratchpad
    (priced per byte read or written, by its size). Default by dataflow: README "PE-local energy"."""

    weights: Words | None = Field(None, description="weight words each PE keeps")
    inputs: Words | None = Field(None, description="input words each PE keeps")
    psums: Words | None = Field(None, description="partial-sum words each PE keeps")
    energy: EnergyPerByte | None = Field(None, description="every PE store access, J per byte")
    pitch: Length | None = Field(None, description="PE to PE distance; default scaled from the TPU v1")
    array_bus_energy: EnergyPerByte | None = Field(
        None, description="one byte moved over the array (one hop, or one bus transfer)"
    )


class ComputeConfig(StrictModel):
    rows: int = Field(ge=1, le=4096, description="PE rows of the MAC array")
    cols: int = Field(ge=1, le=4096, description="PE columns of the MAC array")
    dataflow: DataflowName = Field(description="which operand stays in the PEs")
    clock: Frequency = Field(description="array and vector unit clock")
    precision: PrecisionConfig = PrecisionConfig()
    mac_energy: Energy | None = Field(None, description="one multiply-accumulate; default Horowitz, scaled")
    sparse: bool = Field(False, description="the array skips MACs with zero (pruned) weights")
    fuse: Literal["none", "activation", "activation+pool"] = Field(
        "activation+pool",
        description="layers run on their producer's output path: element-wise ones (activation), "
        "and pooling too (activation+pool), or none",
    )
    vector: VectorConfig
    pe: PeConfig = PeConfig()


class HwConfig(StrictModel):
    """An accelerator as written in a hw_configs/*.yaml file."""

    moved_fields: ClassVar[dict[str, str]] = {
        "memory.register_file": "'compute.pe': words per PE of weights, inputs and psums "
        '(README "PE-local energy")',
        "area_mm2": "gone: accelsim has no area model and never read it; remove the field",
    }

    name: str = Field(description="how results and tables name the chip")
    description: str = Field("", description="one line for `hw list`")
    source: str = Field("", description="where the figures come from (datasheet, paper)")
    technology_nm: float = Field(gt=0, description="process node, nm: scales the default energies")
    vdd: float | None = Field(None, gt=0, le=2.0, description="supply voltage, V; default nominal for node")
    flavor: Literal["hp", "lp"] = Field("hp", description="high-performance or low-power process")
    power_budget: Power = Field(description="the power the chip may draw: runs are judged against it")
    static_power: Power = Field(0.0, description="chip-wide static/idle power beyond buffer leakage, W")
    compute: ComputeConfig
    memory: MemoryConfig
    energy_table: str | None = Field(
        None,
        description="energies not given here come from this table: 'file.py:Name' (relative to the "
        "chip file) or 'package.module:Name'; default: accelsim's sourced table",
    )


def _sections(annotation: Any) -> list[type[BaseModel]]:
    """The config sections a field's annotation holds (a section, or an optional one)."""
    return [
        a for a in (get_args(annotation) or (annotation,)) if isinstance(a, type) and issubclass(a, BaseModel)
    ]


def field_path_problem(path: str) -> str | None:
    """Why a dotted path (`memory.sram.capacity`) names no value of a chip config, or None."""
    model: type[BaseModel] = HwConfig
    keys = path.split(".")
    for depth, key in enumerate(keys):
        fields = model.model_fields
        where = f"'{'.'.join(keys[:depth])}'" if depth else "a chip config"
        if key not in fields:
            return f"'{path}' is not a chip field: {where} has no field '{key}'{closest(key, fields)}"
        sections = _sections(fields[key].annotation)
        last = depth == len(keys) - 1
        if last and sections:
            inner = ", ".join(sections[0].model_fields)
            return f"'{path}' is a section of the chip config; expected one of its fields: {inner}"
        if not last and not sections:
            return f"'{path}' is not a chip field: '{'.'.join(keys[: depth + 1])}' is a value, not a section"
        if sections:
            model = sections[0]
    return None


@lru_cache(maxsize=256)
def field_kind(path: str) -> units.Kind | None:
    """The quantity a chip field holds (`memory.sram.capacity` -> bytes), or None for a count,
    a name or a path that is not a field."""
    if field_path_problem(path):
        return None
    model: type[BaseModel] = HwConfig
    *sections, last = path.split(".")
    for key in sections:
        model = _sections(model.model_fields[key].annotation)[0]
    info = model.model_fields[last]
    found = [*info.metadata, *(m for a in get_args(info.annotation) for m in getattr(a, "__metadata__", ()))]
    names = {m.kind for m in found if isinstance(m, _Quantity)}
    return next((kind for kind in units.KINDS if kind.name in names), None)


def with_fields(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Config data with each dotted path (`memory.sram.capacity`) set to a value. The sections
    on a path are copied; the rest is shared with `base`, which is left as it was."""
    data = dict(base)
    for path, value in changes.items():
        node = data
        keys = path.split(".")
        for key in keys[:-1]:
            if node.get(key) is None:
                node[key] = {}
            if not isinstance(node[key], Mapping):
                raise AccelsimError(f"field '{path}': '{key}' is not a section of the config")
            node[key] = dict(node[key])
            node = node[key]
        node[keys[-1]] = value
    return data


def hw_schema() -> dict[str, Any]:
    """JSON Schema of the config file, for editors."""
    schema = HwConfig.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "accelsim accelerator config"
    return schema
