"""`accelsim trend`: the seed talk's "memory is improving by less than 2x per year ... unless we
fit the DNNs on-chip, almost all the power will be used for memory", in numbers.

A trends file (`trends/default.yaml`) says how each part of a chip's energy changes per year:
compute (MAC, vector op) by a stated factor over a stated horizon; on-chip storage (SRAM
buffers, accumulators, PE stores, array wires) by the node shrinking at a stated cadence, priced
by the Stillmaker-Baas table accelsim's defaults use; DRAM by the log-linear trend of its
generations' energy per bit. A year's chip is the given chip with its energies so scaled, its
static power with the on-chip storage (leakage taken to follow the node's energy scaling);
clock, array and capacities unchanged. Each network runs on the chip with its SRAM sized so
weights and live activations fit (`fit --sram`), twice: weights on chip (steady state) and
weights in DRAM (each weight read from DRAM once per inference: cold mode).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from accelsim.api import load_net, simulate, variant
from accelsim.apps.fit import MAX_SRAM, smallest_sram
from accelsim.energy.table import Technology
from accelsim.errors import AccelsimError
from accelsim.frozen import FrozenMap
from accelsim.hw.chip import Accelerator, MemoryLevel
from accelsim.hw.enums import Level, TensorKind
from accelsim.hw.resolve import DEFAULT_TABLE
from accelsim.hw.schema import DramType
from accelsim.ir.network import Network
from accelsim.limits import MAX_TREND_POINTS, MAX_TREND_YEARS
from accelsim.load import load_hw, load_yaml_mapping, resolve
from accelsim.strict import StrictModel
from accelsim.units import BYTES, format_si, is_number

PLACEMENTS = ("on_chip", "in_dram")  # where the weights live


class ComputeTrend(StrictModel):
    improvement: float = Field(gt=0, description="x less energy per MAC and vector op ...")
    over_years: float = Field(gt=0, description="... over this many years")
    source: str = ""


class NodeTrend(StrictModel):
    shrink: float = Field(gt=0, le=1, description="linear feature size per node generation")
    years_per_generation: float = Field(gt=0)
    floor_nm: float = Field(
        DEFAULT_TABLE.nodes[-1], ge=DEFAULT_TABLE.nodes[-1], description="no shrink below this node"
    )
    source: str = ""


class DramGeneration(StrictModel):
    type: DramType
    year: float
    pj_per_bit: float | None = Field(None, gt=0, description="default: accelsim's DRAM table")

    @property
    def energy_pj_per_bit(self) -> float:
        if self.pj_per_bit is not None:
            return self.pj_per_bit
        return DEFAULT_TABLE.dram(self.type).value / 8 / 1e-12  # J per byte -> pJ per bit


class DramTrend(StrictModel):
    generations: tuple[DramGeneration, ...] = Field(min_length=2, strict=False)  # a YAML list
    source: str = ""

    @model_validator(mode="after")
    def _two_years(self) -> DramTrend:
        if len({g.year for g in self.generations}) < 2:
            raise ValueError("generations of at least two different years make a trend")
        return self


class TrendSpec(StrictModel):
    """A trends file: how energies change per year, independent of any chip."""

    name: str
    description: str = ""
    compute: ComputeTrend
    node: NodeTrend
    dram: DramTrend

    @property
    def compute_per_year(self) -> float:
        """Energy per MAC one year on, as a fraction of this year's."""
        return float(self.compute.improvement ** (-1 / self.compute.over_years))

    @property
    def dram_per_year(self) -> float:
        """DRAM energy per bit one year on, as a fraction of this year's: the least-squares
        log-linear fit over the generations."""
        generations = self.dram.generations
        slope = np.polyfit(
            [g.year for g in generations], np.log([g.energy_pj_per_bit for g in generations]), 1
        )[0]
        return float(np.exp(slope))

    def node_nm(self, start_nm: float, years: float) -> float:
        """The node `years` on from `start_nm` (never below the floor, nor above the start)."""
        shrunk = start_nm * float(self.node.shrink ** (years / self.node.years_per_generation))
        return min(start_nm, max(self.node.floor_nm, shrunk))


def load_trends(trends: str | Path | TrendSpec = "default") -> TrendSpec:
    """A bundled trends name or a trends YAML file, validated."""
    if isinstance(trends, TrendSpec):
        return trends
    path = resolve(trends, "trends", "trends file")
    data = load_yaml_mapping(path)
    return TrendSpec.validated(data, str(path))


SRAM_AREA_PROBE_BYTES = 32 * 1024  # an SRAM's area scales with its bitcells: any size tells
LOGIC_AREAS = ("pe_array", "vector", "other")  # the rest of a chip's area is SRAM


@dataclass(frozen=True)
class Factors:
    """Energy multipliers from the given chip to the chip `years` on."""

    years: float
    node_nm: float
    compute: float
    on_chip: float
    dram: float
    logic_area: float = 1.0  # the PEs' and vector lanes' (their pitch follows the node)
    sram_area: float = 1.0  # an SRAM's (its bitcells')


def factors(chip: Accelerator, spec: TrendSpec, years: float) -> Factors:
    start = chip.technology.node_nm
    node = spec.node_nm(start, years)
    flavor = chip.technology.flavor
    table = chip.energy_table or DEFAULT_TABLE  # the table that priced the chip scales it too
    supply = DEFAULT_TABLE.nominal_vdd
    techs = [Technology(nm, supply(nm), flavor) for nm in (node, start)]
    scale = [table.node_scale(tech).value for tech in techs]
    on_chip = scale[0] / scale[1]
    bank = [table.sram(tech, SRAM_AREA_PROBE_BYTES, 8, "lp").area_m2 for tech in techs]
    return Factors(
        years,
        node,
        spec.compute_per_year**years,
        on_chip,
        spec.dram_per_year**years,
        (node / start) ** 2,
        bank[0] / bank[1],
    )


def projected(chip: Accelerator, f: Factors) -> Accelerator:
    """The chip with its energies scaled by `f` (name marked with the years)."""
    pe = chip.pe
    stores = FrozenMap(
        {op: replace(store, j_per_byte=store.j_per_byte * f.on_chip) for op, store in pe.stores.items()}
    )
    transfer = None if pe.transfer_j_per_byte is None else pe.transfer_j_per_byte * f.on_chip
    return replace(
        chip,
        name=f"{chip.name} +{f.years:g}y",
        mac_j=chip.mac_j * f.compute,
        vector_op_j=chip.vector_op_j * f.compute,
        pe=replace(
            pe, stores=stores, hop_j_per_byte=pe.hop_j_per_byte * f.on_chip, transfer_j_per_byte=transfer
        ),
        accumulator_j_per_byte=chip.accumulator_j_per_byte * f.on_chip,
        static_w=chip.static_w * f.on_chip,
        static_parts_w={name: watts * f.on_chip for name, watts in chip.static_parts_w.items()},
        pe_memory_leakage_w=chip.pe_memory_leakage_w * f.on_chip,
        levels=tuple(_level_at(level, f) for level in chip.levels),
        area_breakdown_m2={
            name: area * (f.logic_area if name in LOGIC_AREAS else f.sram_area)
            for name, area in chip.area_breakdown_m2.items()
        },
    )


def _level_at(level: MemoryLevel, f: Factors) -> MemoryLevel:
    """A memory level's energies in another year: on-chip ones with the node, DRAM-class ones
    with the DRAM generation, flash as it is (the default table has no flash trend)."""
    if level.on_chip:
        factor, leakage = f.on_chip, level.leakage_w * f.on_chip
    else:
        factor, leakage = (f.dram if level.level == Level.DRAM else 1.0), level.leakage_w
    return replace(
        level,
        leakage_w=leakage,
        area_m2=level.area_m2 * f.sram_area,
        read_j_per_byte=level.read_j_per_byte * factor,
        write_j_per_byte=level.write_j_per_byte * factor,
    )


@dataclass(frozen=True)
class TrendPoint:
    network: str
    years: float
    node_nm: float
    placement: str  # on_chip | in_dram
    energy_j: float  # per inference
    memory_share: float
    dram_share: float
    area_mm2: float = 0.0  # the chip's, projected to the node (README "Area")


@dataclass(frozen=True)
class TrendResult:
    hardware: str
    trends: TrendSpec
    sram_bytes: dict[str, int]  # per network: the sized chip's weight-holding buffer
    points: tuple[TrendPoint, ...]

    def point(self, network: str, years: float, placement: str) -> TrendPoint:
        return next(
            p for p in self.points if (p.network, p.years, p.placement) == (network, years, placement)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "hardware": self.hardware,
            "trends": self.trends.name,
            "compute_energy_per_year": self.trends.compute_per_year,
            "dram_energy_per_year": self.trends.dram_per_year,
            "sram_bytes": self.sram_bytes,
            "points": [vars(p) for p in self.points],
        }


def sized_for(net: Network, chip: Accelerator) -> tuple[Accelerator, int]:
    """The chip with its weight-holding buffer just large enough (to the KiB) for the weights and
    the live activations together, when it is not already."""
    answer = smallest_sram(net, chip)
    size = answer.working_set_fits_bytes
    if size is None:
        limit = format_si(MAX_SRAM, BYTES)
        raise AccelsimError(f"{net.name}: no SRAM up to {limit} holds its weights and live activations")
    have = int(chip.capacity_for(TensorKind.WEIGHTS))
    if have >= size:
        return chip, have
    return variant(chip, {answer.field: size, "name": chip.name}), size


def year_range(first: float, last: float, step: float = 1.0, flag: str = "years") -> list[float]:
    """first, first + step, ... up to last, counted before any is made."""
    if not all(math.isfinite(v) for v in (first, last, step)) or step <= 0 or last < first:
        raise AccelsimError(
            f"{flag}: expected FIRST..LAST[..STEP] with FIRST <= LAST and a positive STEP, all finite, "
            f"got {first:g}..{last:g}..{step:g}"
        )
    span = (last - first) / step  # may overflow to infinity: compared before it is counted
    if span >= MAX_TREND_POINTS:
        many = f"{math.floor(span + 1e-9) + 1:,}" if span < 1e15 else "more than 10^15"
        raise AccelsimError(
            f"{flag}: {many} years, more than the limit of {MAX_TREND_POINTS:,}; expected a larger step"
        )
    count = math.floor(span + 1e-9) + 1
    return [min(first + step * i, last) for i in range(count)]  # the tolerance never passes LAST


def check_years(years: Sequence[float], flag: str = "years") -> list[float]:
    """Years ahead as a list: each from 0 to MAX_TREND_YEARS, at most MAX_TREND_POINTS of them."""
    if isinstance(years, (str, bytes)) or not isinstance(years, Sequence):
        raise TypeError(f"trend: years must be a list of numbers, got {years!r}")
    if not years or len(years) > MAX_TREND_POINTS:
        raise AccelsimError(f"{flag}: expected 1 to {MAX_TREND_POINTS:,} years, got {len(years):,}")
    for year in years:
        if not is_number(year):
            raise TypeError(f"trend: years must be numbers, got {year!r}")
        if not (math.isfinite(year) and 0 <= year <= MAX_TREND_YEARS):
            raise AccelsimError(f"{flag}: each year must be from 0 to {MAX_TREND_YEARS}, got {year!r}")
    return [float(y) for y in years]


def trend(
    nets: Sequence[str | Path | Network],
    hw: str | Path | Accelerator,
    years: Sequence[float] = tuple(range(11)),
    trends: str | Path | TrendSpec = "default",
) -> TrendResult:
    """Energy per inference and memory share of each network, year by year, with its weights on
    chip and in DRAM (module docstring)."""
    years = check_years(years)
    if isinstance(nets, (str, Path, Network)) or not isinstance(nets, Sequence) or not nets:
        raise TypeError(f"trend: nets must be a non-empty list of networks, got {nets!r}")
    chip = load_hw(hw)
    spec = load_trends(trends)
    points, sram = [], {}
    for net in nets:
        network = load_net(net)
        sized, sram[network.name] = sized_for(network, chip)
        for y in years:
            f = factors(sized, spec, y)
            future = projected(sized, f)
            for placement in PLACEMENTS:
                r = simulate(network, future, mode="steady" if placement == "on_chip" else "cold")
                points.append(
                    TrendPoint(
                        network.name,
                        y,
                        f.node_nm,
                        placement,
                        r.energy_j,
                        r.memory_share,
                        r.dram_share,
                        r.area_mm2,
                    )
                )
    return TrendResult(chip.name, spec, sram, tuple(points))
