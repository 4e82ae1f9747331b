"""The default energy table, every number with its source. Anchors are at 45 nm, 0.9 V
(Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014) and are
scaled to other nodes by Stillmaker & Baas (Integration 58, 2017, Table 5 with corrigendum).
`DefaultTable` serves them through the EnergyTable interface (energy/table.py).
"""

from __future__ import annotations

import math

from accelsim import units
from accelsim.energy import sram
from accelsim.energy.table import Estimate, Precision, SramEstimate, Technology
from accelsim.errors import AccelsimError

PJ = 1e-12
HOROWITZ = "Horowitz ISSCC 2014, 45 nm"
REFERENCE_NODE_NM = 45
REFERENCE_VDD = 0.9

# Horowitz ISSCC 2014, 45 nm, 0.9 V, energy per operation in pJ.
INT_ADD_PJ = {8: 0.03, 32: 0.1}
INT_MULT_PJ = {8: 0.2, 32: 3.1}
FP_ADD_PJ = {16: 0.4, 32: 0.9}
FP_MULT_PJ = {16: 1.1, 32: 3.7}
# SRAM read of 64 bits, by array size (Horowitz ISSCC 2014).
SRAM_READ_64BIT_PJ = {8 * 1024: 10.0, 32 * 1024: 20.0, 1024 * 1024: 100.0}
# A flip-flop register: 0.009 pJ per bit per clocked update at 40 nm, 1 GHz (Shao et al.,
# "Aladdin", ISCA 2014, power characterization of its 40 nm library; as tabulated by Accelergy's
# Aladdin plug-in). Taken at 0.9 V and converted to the 45 nm reference with Stillmaker-Baas.
ALADDIN = "Shao et al. (Aladdin) ISCA 2014: 0.009 pJ per register bit at 40 nm"
FLIP_FLOP_PJ_PER_BIT_40NM = 0.009
# The same characterization (Aladdin's power_func.h, TSMC 40 nm G, 0.9 V) clocks a register bit
# at 10 ns with its data still: 5.54 fJ of internal power a cycle and no switching. That is what
# a flip-flop draws every cycle it is clocked, whatever its data (README "Static power").
ALADDIN_CLOCK = (
    "Shao et al. (Aladdin) ISCA 2014: a 40 nm register bit clocked with still data, 5.54 fJ a cycle"
)
FLOP_CLOCK_PJ_PER_BIT_40NM = 0.00554
# Its leakage: a 32-bit multiplier leaks 77.9 uW in 6351 um^2 and a register bit 74.0 nW in
# 5.98 um^2 (12.3 and 12.4 nW per um^2), TSMC 40 nm G at its typical corner.
ALADDIN_LEAKAGE = "Shao et al. (Aladdin) ISCA 2014: 40 nm G logic leaks 12.3 nW per um^2"
LOGIC_LEAKAGE_W_PER_UM2_40NM = 12.3e-9
# Areas of the same characterization (Aladdin's power_func.h, TSMC 40 nm G), um^2, by the clock
# period it was synthesized for (ns): faster clocks take bigger cells. 32-bit integer and
# single-precision (DesignWare, 3-stage) multipliers and adders; a register bit is 5.98 um^2
# at every period.
ALADDIN_AREA = "Shao et al. (Aladdin) ISCA 2014: TSMC 40 nm G cell areas by clock period"
MULTIPLIER_UM2_40NM: dict[bool, dict[float, float]] = {
    False: {1: 6351.3, 2: 5137.7, 3: 4974.3, 4: 4619.6, 5: 4595.0},
    True: {1: 8967.1, 2: 6153.3, 3: 5696.5, 4: 5219.9, 5: 4905.7, 6: 4889.4},
}
ADDER_UM2_40NM: dict[bool, dict[float, float]] = {
    False: {0.5: 379.3, 1: 278.0, 2: 179.4},
    True: {1: 4361.1, 2: 3007.1, 3: 2963.3, 4: 2117.7, 5: 2063.6},
}
REGISTER_BIT_UM2_40NM = 5.98
ALADDIN_BITS = 32  # the units' width; a multiplier's area goes with the width squared, an adder's with it
# On-chip wire: 310 pJ for 256 bits over 10 mm = 121 fJ per bit per mm on random data, 40 nm,
# 0.9 V; wire capacitance per mm stays about constant across nodes, so only the supply scales it
# (Keckler, Dally et al., "GPUs and the future of parallel computing", IEEE Micro 2011, Table 1).
KECKLER = "Keckler et al. IEEE Micro 2011: 121 fJ per bit per mm at 0.9 V"
WIRE_FJ_PER_BIT_MM = 121.0
WIRE_VDD = 0.9

# DRAM energy per bit transferred, by type. Firm anchors and documented derivations only.
DRAM_PJ_PER_BIT: dict[str, tuple[float, str]] = {
    "ddr3": (20.3, "Horowitz ISSCC 2014: 1.3 nJ per 64-bit DDR3 access (low end of 1.3-2.6 nJ)"),
    "ddr4": (13.0, "DDR3 anchor (Horowitz ISSCC 2014) scaled by supply voltage squared, 1.5 V -> 1.2 V"),
    "lpddr4": (13.5, "H. Ha, Stanford PhD thesis (DramDSE simulation, 13-14 pJ/bit at 3.2 Gb/s/pin)"),
    "lpddr4x": (
        8.8,
        "LPDDR4 (Ha thesis) with its I/O half scaled by VDDQ squared, 1.1 V -> 0.6 V; I/O taken as "
        "half the access energy (Li, Reddy, Jacob, MEMSYS 2018: most DRAM energy is I/O)",
    ),
    "lpddr5": (7.0, "LPDDR4X estimate less the ~20% energy-efficiency gain vendors claim for LPDDR5"),
    "hbm2": (3.9, "O'Connor et al., Fine-Grained DRAM, MICRO 2017: HBM2 baseline ~3.9 pJ/bit"),
}

# Embedded flash read: Renesas's 65 nm SOTB 2T-MONOS macro reads at 0.22 pJ/bit drawing ~6 uA/MHz,
# where the same flash without SOTB's low-power periphery draws ~50 uA/MHz (Renesas, reported by
# eeNews Europe, "Low-power embedded flash enables energy harvesting"). The default is the conventional macro:
# 0.22 x 50 / 6 = 1.8 pJ/bit; a state-of-the-art low-power flash is 8x below it. Not scaled by
# node: a flash read is dominated by sensing and charge-pumped word lines, not logic.
FLASH_PJ_PER_BIT = 0.22 * 50 / 6
FLASH_SOURCE = (
    "Renesas 65 nm SOTB 2T-MONOS eFlash (eeNews Europe): 0.22 pJ/bit at 6 uA/MHz, x50/6 for "
    "a conventional macro's ~50 uA/MHz = 1.8 pJ/bit"
)

# Stillmaker & Baas 2017, Table 5 (with corrigendum): EnergyFactor = a*V^2 + b*V + c.
STILLMAKER_BAAS = "Stillmaker & Baas, Integration 58 (2017), Table 5"
_ENERGY_COEFFS: dict[str, tuple[float, float, float]] = {
    "130": (7.171, -6.709, 2.904),
    "90": (4.762, -4.781, 2.092),
    "65": (3.755, -4.398, 1.975),
    "hp45": (1.018, -0.3107, 0.1539),
    "hp32": (0.8367, -0.4341, 0.1701),
    "hp20": (0.373, -0.1582, 0.04104),
    "hp16": (0.2958, -0.1241, 0.03024),
    "hp14": (0.2363, -0.09675, 0.02239),
    "hp10": (0.2068, -0.09311, 0.02375),
    "hp7": (0.1776, -0.09097, 0.02447),
    "lp45": (1.103, -0.362, 0.2767),
    "lp32": (0.9559, -0.7823, 0.471),
    "lp20": (0.2632, -0.14, 0.06841),
    "lp16": (0.2139, -0.1187, 0.05639),
    "lp14": (0.1556, -0.06472, 0.03066),
    "lp10": (0.1261, -0.0518, 0.02769),
    "lp7": (0.09365, -0.03409, 0.02043),
}
TABLE_NODES = (130, 90, 65, 45, 32, 20, 16, 14, 10, 7)
# Typical nominal supply per node, used when a config gives no vdd (an assumption: override it).
NOMINAL_VDD = {130: 1.3, 90: 1.2, 65: 1.1, 45: 1.0, 32: 0.9, 20: 0.9, 16: 0.8, 14: 0.8, 10: 0.75, 7: 0.7}


def _factor_at_table_node(node: int, vdd: float, flavor: str) -> float:
    key = str(node) if node >= 65 else f"{flavor}{node}"
    a, b, c = _ENERGY_COEFFS[key]
    return a * vdd * vdd + b * vdd + c


def energy_factor(node_nm: float, vdd: float, flavor: str = "hp") -> tuple[float, str]:
    """Stillmaker-Baas energy factor at a node and supply; nodes between table rows (28 nm,
    22 nm, 12 nm...) interpolate linearly in node size between the neighbouring rows."""
    if not TABLE_NODES[-1] <= node_nm <= TABLE_NODES[0]:
        raise AccelsimError(
            f"technology_nm {node_nm:g} is outside the scaling table "
            f"({TABLE_NODES[-1]} to {TABLE_NODES[0]} nm)"
        )
    if node_nm in TABLE_NODES:
        return _factor_at_table_node(int(node_nm), vdd, flavor), STILLMAKER_BAAS
    upper = min(n for n in TABLE_NODES if n > node_nm)
    lower = max(n for n in TABLE_NODES if n < node_nm)
    t = (node_nm - lower) / (upper - lower)
    value = (1 - t) * _factor_at_table_node(lower, vdd, flavor) + t * _factor_at_table_node(
        upper, vdd, flavor
    )
    return value, f"{STILLMAKER_BAAS}, interpolated between {lower} and {upper} nm"


def nominal_vdd(node_nm: float) -> float:
    """Nominal supply of the nearest table node (an assumption documented in README)."""
    nearest = min(TABLE_NODES, key=lambda n: abs(n - node_nm))
    return NOMINAL_VDD[nearest]


def scale_to_node(node_nm: float, vdd: float, flavor: str = "hp") -> tuple[float, str]:
    """Multiplier from Horowitz's 45 nm, 0.9 V energies to the target node and supply."""
    target, source = energy_factor(node_nm, vdd, flavor)
    reference = _factor_at_table_node(REFERENCE_NODE_NM, REFERENCE_VDD, "hp")
    return target / reference, f"{source} (from 45 nm/0.9 V to {node_nm:g} nm/{vdd:g} V)"


def _power_law(points: dict[int, float], bits: int) -> float:
    """Fit y = a * bits^k through two anchor points and evaluate at `bits`."""
    (x0, y0), (x1, y1) = sorted(points.items())
    k = math.log(y1 / y0) / math.log(x1 / x0)
    return float(y0 * (bits / x0) ** k)


def mac_energy_45nm(weight_bits: int, activation_bits: int, accumulator_bits: int, floating: bool) -> float:
    """One multiply (weight x activation) plus one accumulate, in joules at 45 nm.

    Integer multipliers between Horowitz's 8- and 32-bit points follow a power-law fit in the
    operand width (~bits^2, as array multipliers); adders follow a fit in the accumulator width.
    Floating point uses fp16/fp32 figures at the wider operand's width.
    """
    if floating:
        width = 16 if max(weight_bits, activation_bits) <= 16 else 32
        acc = 16 if accumulator_bits <= 16 else 32
        return (FP_MULT_PJ[width] + FP_ADD_PJ[acc]) * PJ
    operand = max(weight_bits, activation_bits)
    return (_power_law(INT_MULT_PJ, operand) + _power_law(INT_ADD_PJ, accumulator_bits)) * PJ


def vector_op_energy_45nm(bits: int, floating: bool) -> float:
    """One element-operation on the vector unit (an add/compare at activation precision)."""
    if floating:
        return (FP_ADD_PJ[16] if bits <= 16 else FP_ADD_PJ[32]) * PJ
    return _power_law(INT_ADD_PJ, bits) * PJ


def sram_energy_per_byte_45nm(capacity_bytes: float) -> float:
    """SRAM read energy per byte at 45 nm as a function of array size: a least-squares power law
    E64 = a * size^k through Horowitz's 8 KB / 32 KB / 1 MB points (k ~ 0.47, as CACTI-like
    models grow with the square root of size), divided by the 8-byte access."""
    xs = [math.log(s) for s in SRAM_READ_64BIT_PJ]
    ys = [math.log(e) for e in SRAM_READ_64BIT_PJ.values()]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    k = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
    log_a = my - k * mx
    return math.exp(log_a + k * math.log(capacity_bytes)) * PJ / 8


def flip_flop_energy_per_bit_45nm() -> float:
    """One register bit clocked with new data, at the 45 nm / 0.9 V reference."""
    return at_40nm_to_45nm(FLIP_FLOP_PJ_PER_BIT_40NM)


def at_40nm_to_45nm(pj_at_40nm: float) -> float:
    """A figure of Aladdin's 40 nm library in joules at the 45 nm / 0.9 V reference (Stillmaker-Baas)."""
    at_40nm, _ = energy_factor(40, REFERENCE_VDD)
    reference = _factor_at_table_node(REFERENCE_NODE_NM, REFERENCE_VDD, "hp")
    return pj_at_40nm * PJ * reference / at_40nm


def logic_leakage_w_per_m2(node_nm: float, vdd: float, flavor: str) -> float:
    """Logic leakage per area: Aladdin's 40 nm G figure carried to the node and flavor by CACTI 7's
    devices (the leakage per area of its SRAM cells: itrs-hp for hp, itrs-lstp for lp, README
    "Static power"), and with the supply as the SRAM's is."""
    trend = sram.leakage_w_per_m2(flavor, node_nm) / sram.leakage_w_per_m2("hp", 40)
    return LOGIC_LEAKAGE_W_PER_UM2_40NM * 1e12 * trend * vdd / nominal_vdd(node_nm)


def _at_period(table: dict[float, float], period_ns: float) -> float:
    """A unit's area synthesized for the clock: the table's entry for the longest period that is
    still no longer than the chip's (its fastest, for a faster clock)."""
    meeting = [ns for ns in table if ns <= period_ns]
    return table[max(meeting) if meeting else min(table)]


def pe_cells_um2_40nm(precision: Precision, register_bits: float, clock_hz: float) -> float:
    """A PE's cells at 40 nm, um^2: a multiplier of the wider operand, an adder of the
    accumulator's width, and its register bits (Aladdin's areas, module doc)."""
    period = 1e9 / clock_hz
    fp = precision.floating_point
    operand = max(precision.weights, precision.activations)
    multiplier = _at_period(MULTIPLIER_UM2_40NM[fp], period) * (operand / ALADDIN_BITS) ** 2
    adder = _at_period(ADDER_UM2_40NM[fp], period) * precision.accumulators / ALADDIN_BITS
    return multiplier + adder + register_bits * REGISTER_BIT_UM2_40NM


def scratchpad_energy_per_byte_45nm(capacity_bytes: float) -> float:
    """A PE scratchpad access: Horowitz's SRAM size fit at its capacity, never below the
    flip-flops that would hold the same word (the fit drops under them below ~24 B). At 512 B
    this is 0.34 pJ/B, near Han et al.'s (NIPS 2015) 1 pJ per 32-bit register-file access."""
    return max(sram_energy_per_byte_45nm(capacity_bytes), 8 * flip_flop_energy_per_bit_45nm())


def dram_energy_per_byte(dram_type: str) -> tuple[float, str]:
    pj_per_bit, source = DRAM_PJ_PER_BIT[dram_type]
    return pj_per_bit * 8 * PJ, source


class DefaultTable:
    """The sourced defaults: 45 nm anchors scaled to the chip's node and supply."""

    nodes = TABLE_NODES  # the nodes its scaling covers, largest first

    def nominal_vdd(self, node_nm: float) -> float:
        """The supply a node runs at when a chip gives none (volts)."""
        return nominal_vdd(node_nm)

    def node_scale(self, tech: Technology) -> Estimate:
        value, source = scale_to_node(tech.node_nm, tech.vdd, tech.flavor)
        return Estimate(value, source)

    def _scaled(self, tech: Technology, value_45nm: float, source: str) -> Estimate:
        scale = self.node_scale(tech).value
        return Estimate(value_45nm * scale, f"{source}; x{scale:.3g} to node")

    def mac(self, tech: Technology, precision: Precision) -> Estimate:
        p = precision
        energy = mac_energy_45nm(p.weights, p.activations, p.accumulators, p.floating_point)
        return self._scaled(tech, energy, f"{HOROWITZ}: multiply + accumulate")

    def vector_op(self, tech: Technology, bits: int, floating: bool) -> Estimate:
        return self._scaled(tech, vector_op_energy_45nm(bits, floating), f"{HOROWITZ}: add")

    def register(self, tech: Technology, capacity_bytes: float) -> Estimate:
        size = units.format_si(capacity_bytes, units.BYTES)
        return self._scaled(
            tech,
            scratchpad_energy_per_byte_45nm(capacity_bytes),
            f"{HOROWITZ}: SRAM size fit at {size}, at least {ALADDIN}",
        )

    def flip_flop(self, tech: Technology) -> Estimate:
        return self._scaled(tech, flip_flop_energy_per_bit_45nm(), ALADDIN)

    def pe_cells(
        self, tech: Technology, precision: Precision, register_bits: float, clock_hz: float
    ) -> Estimate:
        shrink = sram.bitcell_m2(tech.node_nm) / sram.bitcell_m2(40)
        value = pe_cells_um2_40nm(precision, register_bits, clock_hz) * 1e-12 * shrink
        return Estimate(
            value, f"{ALADDIN_AREA}; x{shrink:.3g} to {tech.node_nm:g} nm as the published 6T bitcells shrink"
        )

    def flop_clock(self, tech: Technology) -> Estimate:
        return self._scaled(tech, at_40nm_to_45nm(FLOP_CLOCK_PJ_PER_BIT_40NM), ALADDIN_CLOCK)

    def logic_leakage(self, tech: Technology) -> Estimate:
        value = logic_leakage_w_per_m2(tech.node_nm, tech.vdd, tech.flavor)
        return Estimate(
            value, f"{ALADDIN_LEAKAGE}; to {tech.node_nm:g} nm {tech.flavor} by {sram.CACTI}'s devices"
        )

    def wire(self, tech: Technology) -> Estimate:
        scale = (tech.vdd / WIRE_VDD) ** 2
        return Estimate(WIRE_FJ_PER_BIT_MM * 1e-15 / 1e-3 * scale, f"{KECKLER}; x{scale:.3g} for the supply")

    def sram(self, tech: Technology, capacity_bytes: float, width_bytes: float, cell: str) -> SramEstimate:
        if cell not in sram.CELLS:
            raise AccelsimError(f"SRAM cell type: expected one of {', '.join(sram.CELLS)}, got {cell!r}")
        model = sram.CELLS[cell]
        # the constants were fitted with the table's high-performance scaling row (energy/sram.py)
        scale = self.node_scale(Technology(tech.node_nm, tech.vdd, "hp")).value
        wire = self.wire(tech).value
        node = tech.node_nm
        size = units.format_si(capacity_bytes, units.BYTES)
        return SramEstimate(
            sram.access_j(model.read, capacity_bytes, width_bytes, node, scale, wire),
            sram.access_j(model.write, capacity_bytes, width_bytes, node, scale, wire),
            sram.leakage_w(model, capacity_bytes, node, tech.vdd, nominal_vdd(node)),
            sram.area_m2(capacity_bytes, node),
            width_bytes,
            f'SRAM macro model (README "SRAM macros"): {size}, {width_bytes:g}-byte accesses, {cell} '
            f"cells; banks and H-tree fitted to {sram.CACTI}, leakage at {sram.TEMPERATURE_K} K, area "
            f"from {sram.BITCELL_SOURCE}",
        )

    def dram(self, dram_type: str) -> Estimate:
        value, source = dram_energy_per_byte(dram_type)
        return Estimate(value, source)

    def flash(self) -> Estimate:
        return Estimate(FLASH_PJ_PER_BIT * 8 * PJ, FLASH_SOURCE)
