"""The chip config as written in YAML: a pydantic schema (frozen, unknown fields refused),
its JSON Schema for editors, and dotted-path edits (`memory.sram.capacity`)."""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeAlias, get_args

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema, model_validator

from accelsim import units
from accelsim.errors import AccelsimError, closest
from accelsim.limits import MAX_LEVELS
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
    AccessWidth: TypeAlias = float
    Bandwidth: TypeAlias = float
    Frequency: TypeAlias = float
    Power: TypeAlias = float
    Energy: TypeAlias = float
    EnergyPerByte: TypeAlias = float
    Length: TypeAlias = float
    Duration: TypeAlias = float
    Area: TypeAlias = float
else:
    Bytes = _quantity(units.BYTES, bare=(1024, math.inf))
    AccessWidth = _quantity(units.BYTES, bare=(1, 4096))  # an SRAM port: 2 to 512 bytes in practice
    Bandwidth = _quantity(units.BANDWIDTH, bare=(1e6, math.inf))
    Frequency = _quantity(units.FREQUENCY, bare=(1e5, 1e11))
    Power = _quantity(units.POWER, positive=False)
    Energy = _quantity(units.ENERGY, plausible_max=MAX_PLAUSIBLE_ENERGY_J)
    EnergyPerByte = _quantity(units.ENERGY_PER_BYTE, plausible_max=MAX_PLAUSIBLE_ENERGY_J)
    Length = _quantity(units.LENGTH, bare=(0.0, 1e-2))
    Area = _quantity(units.AREA, positive=False, bare=(0.0, 1e-3))
    Duration = _quantity(units.TIME, positive=False, bare=(0.0, 1.0))
Bits = Annotated[int, Field(ge=1, le=64)]
Words = Annotated[int, Field(ge=1, le=1 << 20)]


LevelKind = Literal["sram", "dram", "flash"]
TensorKindName = Literal["weights", "activations", "kv_cache"]
LEVEL_NAME = r"^[a-z][a-z0-9_]*$"
PE_STORES_NAME = "register_file"  # the PE stores' name in results, not a level of the list
# What a level holds when its config does not say: flash is read-only at inference (weights)
DEFAULT_HOLDS: dict[str, tuple[TensorKindName, ...]] = {
    "sram": ("weights", "activations", "kv_cache"),
    "dram": ("weights", "activations", "kv_cache"),
    "flash": ("weights",),
}


class LevelConfig(StrictModel):
    """One memory level beyond the PE stores. On chip, `kind: sram`: a buffer (a global one, or a
    local one when listed before another buffer holding the same tensors: it stages them for the
    array). Off chip, `kind: dram` (any DRAM standard, HBM included) or `kind: flash`
    (non-volatile, read-only at inference). Energies per byte (e.g. '1.2 pJ/B'); left out, they
    come from the energy table (an SRAM by its capacity, a DRAM by its type, flash from the
    README table)."""

    name: str = Field(pattern=LEVEL_NAME, description="the level's name in results and dotted paths")
    kind: LevelKind = Field(description="sram (on chip), dram (DRAM or HBM, off chip) or flash")
    holds: tuple[TensorKindName, ...] | None = Field(
        None,
        strict=False,  # a YAML list
        min_length=1,
        description="what it keeps: weights, activations, kv_cache; default all (flash: weights)",
    )
    capacity: Bytes | None = Field(
        None, description="bytes it holds; required for sram and flash, default unlimited for dram"
    )
    bandwidth: Bandwidth | None = Field(
        None, description="bytes/s; required off chip; on chip, default: never the bottleneck"
    )
    type: DramType | None = Field(None, description="a dram level's standard: its energy per bit by default")
    read_energy: EnergyPerByte | None = Field(
        None, description="per byte read; default by capacity (sram) or type (dram)"
    )
    write_energy: EnergyPerByte | None = Field(
        None, description="per byte written; default: the energy table's write price for this level"
    )
    leakage: Power | None = Field(
        None, description="static power of this level, W; default: an SRAM's from its bits (model), else 0"
    )
    width: AccessWidth | None = Field(
        None,
        description="an SRAM's bytes per access; default: a row of the array's activations "
        "(its widest side x activation bytes)",
    )
    cell: Literal["lp", "hp"] = Field(
        "lp",
        description="an SRAM's bitcells and periphery: lp (low standby power, CACTI's itrs-lstp) or hp "
        "(high performance, itrs-hp: faster, and about 1000x the leakage)",
    )

    @model_validator(mode="after")
    def _fits_its_kind(self) -> LevelConfig:
        needs = {"sram": ("capacity",), "dram": ("type", "bandwidth"), "flash": ("capacity", "bandwidth")}
        missing = [key for key in needs[self.kind] if getattr(self, key) is None]
        if missing:
            raise ValueError(f"kind {self.kind} needs {' and '.join(repr(m) for m in missing)}")
        if self.type is not None and self.kind != "dram":
            raise ValueError(f"'type' names a DRAM standard; a {self.kind} level has none")
        if self.width is not None and self.kind != "sram":
            raise ValueError(f"'width' is an SRAM's access width; a {self.kind} level has none")
        if self.width is not None and self.capacity is not None and self.width > self.capacity:
            width, capacity = (units.format_si(v, units.BYTES) for v in (self.width, self.capacity))
            raise ValueError(f"'width' ({width}) is more than the capacity ({capacity}); expected at most it")
        if self.kind == "flash" and (self.held != ("weights",) or self.write_energy is not None):
            raise ValueError("flash is read-only at inference: it holds weights only, with no write_energy")
        return self

    @property
    def held(self) -> tuple[TensorKindName, ...]:
        return self.holds or DEFAULT_HOLDS[self.kind]

    @property
    def on_chip(self) -> bool:
        return self.kind == "sram"


class MigrationWarning(UserWarning):
    """A chip file in an older form, read as the current one."""


LEGACY_MEMORY_KEYS = ("sram", "weight_sram", "dram", "flash")


def legacy_levels(memory: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The level list that accelsim's older named memory fields (`sram`, `weight_sram`, `dram`,
    `flash`) meant: the buffer(s), DRAM, then flash holding the weights in DRAM's place."""
    levels: list[dict[str, Any]] = []
    split = memory.get("weight_sram") is not None
    for name in ("sram", "weight_sram"):
        if isinstance(memory.get(name), Mapping):
            level = {"name": name, "kind": "sram", **memory[name]}
            if split:
                level.setdefault(
                    "holds", ["weights"] if name == "weight_sram" else ["activations", "kv_cache"]
                )
            levels.append(level)
    if isinstance(memory.get("dram"), Mapping):
        dram = {"name": "dram", "kind": "dram", **memory["dram"]}
        if "energy" in dram:  # one price for reads and writes
            dram["read_energy"] = dram["write_energy"] = dram.pop("energy")
        if memory.get("flash") is not None:
            dram.setdefault("holds", ["activations", "kv_cache"])
        levels.append(dram)
    if isinstance(memory.get("flash"), Mapping):
        levels.append({"name": "flash", "kind": "flash", **memory["flash"]})
    return levels


def in_list_form(memory: Mapping[str, Any]) -> dict[str, Any]:
    """Memory config data with the older named fields read as the level list they meant (data
    already in list form, or with neither, as it is)."""
    if "levels" in memory or not any(key in memory for key in LEGACY_MEMORY_KEYS):
        return dict(memory)
    rest = {key: value for key, value in memory.items() if key not in LEGACY_MEMORY_KEYS}
    return {"levels": legacy_levels(memory), **rest}


class MemoryConfig(StrictModel):
    levels: tuple[LevelConfig, ...] = Field(
        strict=False,  # a YAML list
        max_length=MAX_LEVELS,
        description="the memory levels beyond the PE stores, nearest the array first: on-chip buffers, "
        "then off-chip levels. A tensor kind lives in the last on-chip level holding it (a buffer "
        "before it that holds the same kind stages tiles for the array), and comes from the first "
        "off-chip level holding it with room for all of it",
    )

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, data: Any) -> Any:
        """The older named fields, read as a level list (with a one-line note)."""
        if not isinstance(data, Mapping) or not any(key in data for key in LEGACY_MEMORY_KEYS):
            return data
        if "levels" in data:
            named = ", ".join(key for key in LEGACY_MEMORY_KEYS if key in data)
            raise ValueError(f"give the memory as 'levels' or as the older {named}, not both")
        warnings.warn(
            "memory.sram/weight_sram/dram/flash are read as 'memory.levels' (README \"Memory levels\"); "
            "`accelsim hw show --yaml` prints the chip in that form",
            MigrationWarning,
            stacklevel=2,
        )
        return in_list_form(data)

    @model_validator(mode="after")
    def _ordered(self) -> MemoryConfig:
        names = [level.name for level in self.levels]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"level names must differ; {', '.join(twice)} is given twice")
        if PE_STORES_NAME in names:
            raise ValueError(f"'{PE_STORES_NAME}' names the PE stores (compute.pe); name the level otherwise")
        on_chip = [level.on_chip for level in self.levels]
        if on_chip != sorted(on_chip, reverse=True):
            raise ValueError(
                "list the on-chip (sram) levels first, nearest the array, then the off-chip ones"
            )
        for kind in get_args(TensorKindName):
            for side, where in ((True, "on-chip"), (False, "off-chip")):
                if not any(kind in level.held and level.on_chip == side for level in self.levels):
                    raise ValueError(f"no {where} level holds {kind}; expected one whose 'holds' lists it")
        return self

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
    gemv: Literal["array", "vector"] = Field(
        "array",
        description="where matrix-vector products (a decode step's linear layers) may run: the array "
        "alone, or also the vector unit at a MAC per lane per cycle, whichever is faster per layer",
    )
    vector: VectorConfig
    pe: PeConfig = PeConfig()


class HwConfig(StrictModel):
    """An accelerator as written in a hw_configs/*.yaml file."""

    @staticmethod
    def error_location(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
        """A memory level's fields named as dotted paths name them: by the level's name
        (`memory.sram.capacity`, not `memory.levels.0.capacity`), in either form of the file."""
        if loc[:2] != ("memory", "levels") or len(loc) < 3 or not isinstance(loc[2], int):
            return loc
        memory = data.get("memory") if isinstance(data, Mapping) else None
        if not isinstance(memory, Mapping):
            return loc
        levels = in_list_form(memory).get("levels")
        if not isinstance(levels, list | tuple) or loc[2] >= len(levels):
            return loc
        name = levels[loc[2]].get("name") if isinstance(levels[loc[2]], Mapping) else None
        return ("memory", name, *loc[3:]) if isinstance(name, str) and re.match(LEVEL_NAME, name) else loc

    moved_fields: ClassVar[dict[str, str]] = {
        "memory.register_file": "'compute.pe': words per PE of weights, inputs and psums "
        '(README "PE-local energy")',
        "memory.dram.energy": "'memory.dram.read_energy' and 'memory.dram.write_energy' (every level "
        "prices reads and writes apart)",
        "area_mm2": "gone: accelsim has no area model and never read it; remove the field",
    }

    name: str = Field(description="how results and tables name the chip")
    description: str = Field("", description="one line for `hw list`")
    source: str = Field("", description="where the figures come from (datasheet, paper)")
    technology_nm: float = Field(gt=0, description="process node, nm: scales the default energies")
    vdd: float | None = Field(None, gt=0, le=2.0, description="supply voltage, V; default nominal for node")
    flavor: Literal["hp", "lp"] = Field("hp", description="high-performance or low-power process")
    power_budget: Power = Field(description="the power the chip may draw: runs are judged against it")
    static_power: Power | None = Field(
        None,
        description="the logic's leakage and clock power together, overriding what the model derives "
        '(README "Static power"); memory leakage is the levels\' own',
    )
    other_area: Area = Field(
        0.0,
        description="a fixed block the model does not draw (I/O pads, PLL, control, DMA); it leaks as logic",
    )
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


def _field_model(model: type[BaseModel], key: str) -> type[BaseModel] | None:
    """The section a key of `model` opens: a field's section, or in `memory` a level by its name
    (`memory.sram.capacity` is the capacity of the level named sram)."""
    info = model.model_fields.get(key)
    if info is not None:
        sections = _sections(info.annotation)
        return sections[0] if sections else None
    return LevelConfig if model is MemoryConfig and re.match(LEVEL_NAME, key) else None


def field_path_problem(path: str) -> str | None:
    """Why a dotted path (`memory.sram.capacity`) names no value of a chip config, or None.
    A memory level is named by its name (whether the chip has it is the config's to say)."""
    model: type[BaseModel] = HwConfig
    keys = path.split(".")
    for depth, key in enumerate(keys):
        fields = model.model_fields
        where = f"'{'.'.join(keys[:depth])}'" if depth else "a chip config"
        last = depth == len(keys) - 1
        level = model is MemoryConfig and key not in fields and re.match(LEVEL_NAME, key) is not None
        if key not in fields and not level:
            choices = [*fields, "<level name>"] if model is MemoryConfig else fields
            return f"'{path}' is not a chip field: {where} has no field '{key}'{closest(key, choices)}"
        section = _field_model(model, key)
        if last and section:
            inner = ", ".join(section.model_fields)
            return f"'{path}' is a section of the chip config; expected one of its fields: {inner}"
        if not last and not section:
            return f"'{path}' is not a chip field: '{'.'.join(keys[: depth + 1])}' is a value, not a section"
        if section:
            model = section
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
        section = _field_model(model, key)
        assert section is not None  # field_path_problem checked the path
        model = section
    info = model.model_fields[last]
    found = [*info.metadata, *(m for a in get_args(info.annotation) for m in getattr(a, "__metadata__", ()))]
    names = {m.kind for m in found if isinstance(m, _Quantity)}
    return next((kind for kind in units.KINDS if kind.name in names), None)


def _levels(memory: Mapping[str, Any]) -> tuple[list[Any], list[str]]:
    """Config data's memory levels in list form, and their names ("" for one that is not a
    mapping)."""
    raw = in_list_form(memory).get("levels")
    levels = list(raw) if isinstance(raw, list | tuple) else []
    return levels, [str(level.get("name")) if isinstance(level, Mapping) else "" for level in levels]


def level_path_problem(path: str, config: Mapping[str, Any]) -> str | None:
    """Why a dotted path naming a memory level (`memory.sram.capacity`) names none of the levels
    `config` (chip data, either form) has, or None (also for a path naming no level)."""
    keys = path.split(".")
    memory = config.get("memory")
    if (
        len(keys) < 2
        or keys[0] != "memory"
        or keys[1] in MemoryConfig.model_fields
        or not isinstance(memory, Mapping)
    ):
        return None
    _, names = _levels(memory)
    if keys[1] in names:
        return None
    hint = closest(keys[1], names)
    return f"'{path}': the chip has no memory level '{keys[1]}'{hint}; its levels: {', '.join(names)}"


def _level_named(memory: dict[str, Any], name: str, path: str) -> dict[str, Any]:
    """A copy of the level called `name` in config data, put back in its list (older named
    fields are first read as the list)."""
    problem = level_path_problem(path, {"memory": memory})
    if problem:
        raise AccelsimError(f"field {problem}")
    listed = in_list_form(memory)
    levels, names = _levels(listed)
    at = names.index(name)
    level: dict[str, Any] = dict(levels[at])
    levels[at] = level
    memory.clear()
    memory.update(listed)
    memory["levels"] = levels
    return level


def with_fields(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Config data with each dotted path (`memory.sram.capacity`) set to a value. The sections
    on a path are copied; the rest is shared with `base`, which is left as it was."""
    data = dict(base)
    for path, value in changes.items():
        node = data
        keys = path.split(".")
        if (
            len(keys) == 2
            and keys[0] == "memory"
            and keys[1] not in MemoryConfig.model_fields
            and value is None
        ):
            memory = dict(data.get("memory") or {})
            _level_named(memory, keys[1], path)  # `memory.flash: null` removes the level
            memory["levels"] = [level for level in memory["levels"] if level.get("name") != keys[1]]
            data["memory"] = memory
            continue
        for depth, key in enumerate(keys[:-1]):
            if depth == 1 and keys[0] == "memory" and key not in MemoryConfig.model_fields:
                node = _level_named(node, key, path)
                continue
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
