"""An SRAM macro's energy per access, leakage and area, from its capacity, access width, cell
type, node and supply (README "SRAM macros").

The macro is a grid of 32 KiB banks joined by an H-tree to its edge. An access reads (or
writes) `width` bytes in one bank, then carries them and the address over the tree:

    E = s * (8 * width * e_bit + e_dec) * min(1, sqrt(C / bank))         the bank (a smaller
                                                                         macro is one smaller bank)
      + wire * (k_data * 8 * width + k_addr * log2(C / width)) * (sqrt(A) - sqrt(A_bank))

`s` is the node and supply scaling of the default table (Stillmaker & Baas), `wire` its on-chip
wire energy per bit and metre (Keckler et al.), `A` the macro's area and `A_bank` a bank's. The
four constants per cell type and direction are fitted to CACTI 7 over 32 KiB..128 MiB, 65..22 nm,
8- and 64-byte accesses (tests/fixtures/cacti7_sram.json, bench/cacti_compare.py): every
macro of that grid within [0.65, 1.51]x of CACTI's read and write energy. The wire term is what
makes a big SRAM expensive per access: at 22 nm, 64-byte reads cost about 0.2 pJ/B at 32 KiB and
27 pJ/B at 128 MiB.

Area: the bits at a published bitcell area of the node over an array efficiency of 0.40, the
cells' share of a macro's area in CACTI 7 over the same grid (within [0.67, 1.40]x of it).
Leakage: per bit, by cell type and node, CACTI 7's at 360 K (87 C, a hot die), subthreshold and
gate, scaled with the supply; below 22 nm it stays at 22 nm's (an assumption: CACTI 7's
technology files end there). `hp` cells are CACTI's itrs-hp (fast, and leaky: 41 nW a bit at
22 nm), `lp` its itrs-lstp (low standby power: 0.05 nW a bit), the usual choice for an
accelerator's large buffers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

BANK_BYTES = 32 * 1024  # the bank the constants below are fitted for (CACTI grid's smallest macro)
ARRAY_EFFICIENCY = 0.40  # cells / macro area, fitted to CACTI 7 (module doc)
TEMPERATURE_K = 360
CACTI = "CACTI 7 (Balasubramonian et al., TACO 2017)"

# Published 6T bitcell areas, um^2: Intel 90 nm 1.0 (IEDM 2002), 65 nm 0.57 (IEDM 2005), 45 nm
# 0.346 (IEDM 2007), 32 nm 0.171 (IEDM 2009), 22 nm 0.092 (VLSI 2012), 14 nm 0.0588 (IEDM 2014),
# 10 nm 0.0312 (IEDM 2017); TSMC 16FF+ 0.07 (IEDM 2013), N7 0.027 (IEDM 2016). 130 nm: 90 nm's
# scaled by the feature size squared.
BITCELL_UM2 = {
    130: 1.0 * (130 / 90) ** 2,
    90: 1.0,
    65: 0.57,
    45: 0.346,
    32: 0.171,
    22: 0.092,
    16: 0.07,
    14: 0.0588,
    10: 0.0312,
    7: 0.027,
}
BITCELL_SOURCE = "published 6T bitcells (Intel IEDM 2002-2017, TSMC IEDM 2013/2016)"


@dataclass(frozen=True)
class Access:
    """The fitted constants of one access direction: bank energy per bit and per access (J, at
    the default table's 45 nm, 0.9 V reference) and the H-tree's wire multiples for the data and
    for each address bit."""

    e_bit: float
    e_dec: float
    k_data: float
    k_addr: float


@dataclass(frozen=True)
class Cell:
    read: Access
    write: Access
    leakage_w_per_bit: dict[int, float]  # at the node's nominal supply, 360 K
    cacti_name: str


CELLS = {
    "hp": Cell(
        Access(0.0313e-12, 12.6e-12, 2.18, 4.57),
        Access(0.127e-12, 2.49e-12, 2.32, 3.64),
        {65: 183e-9, 45: 164e-9, 32: 89.7e-9, 22: 41.2e-9},
        "itrs-hp",
    ),
    "lp": Cell(
        Access(0.0378e-12, 16.7e-12, 2.94, 6.09),
        Access(0.149e-12, 1.51e-12, 2.92, 5.21),
        {65: 0.0685e-9, 45: 0.0352e-9, 32: 0.0436e-9, 22: 0.0532e-9},
        "itrs-lstp",
    ),
}


def _between(table: dict[int, float], node_nm: float) -> float:
    """A per-node figure at any node: log-log between the table's nodes, the end value beyond."""
    nodes = sorted(table)
    if node_nm <= nodes[0]:
        return table[nodes[0]]
    if node_nm >= nodes[-1]:
        return table[nodes[-1]]
    upper = next(n for n in nodes if n >= node_nm)
    lower = nodes[nodes.index(upper) - 1]
    t = math.log(node_nm / lower) / math.log(upper / lower)
    return math.exp((1 - t) * math.log(table[lower]) + t * math.log(table[upper]))


def bitcell_m2(node_nm: float) -> float:
    return _between(BITCELL_UM2, node_nm) * 1e-12


def leakage_w_per_m2(cell: str, node_nm: float) -> float:
    """A cell type's leakage per area of bitcells at a node (nominal supply, 360 K): how leaky its
    devices are, which the logic leakage follows (README "Static power")."""
    return _between(CELLS[cell].leakage_w_per_bit, node_nm) / bitcell_m2(node_nm)


def area_m2(capacity_bytes: float, node_nm: float) -> float:
    """A macro's area: its bits at the node's bitcell area over the array efficiency."""
    return capacity_bytes * 8 * bitcell_m2(node_nm) / ARRAY_EFFICIENCY


def access_j(
    access: Access,
    capacity_bytes: float,
    width_bytes: float,
    node_nm: float,
    scale: float,
    wire_j_per_bit_m: float,
) -> float:
    """One access of `width_bytes` (module doc's E)."""
    bank = min(1.0, math.sqrt(capacity_bytes / BANK_BYTES))
    array = scale * (8 * width_bytes * access.e_bit + access.e_dec) * bank
    tree_m = math.sqrt(area_m2(capacity_bytes, node_nm)) - math.sqrt(
        area_m2(min(capacity_bytes, BANK_BYTES), node_nm)
    )
    address_bits = math.log2(max(capacity_bytes / width_bytes, 1.0))
    return (
        array + wire_j_per_bit_m * (access.k_data * 8 * width_bytes + access.k_addr * address_bits) * tree_m
    )


def leakage_w(cell: Cell, capacity_bytes: float, node_nm: float, vdd: float, nominal_vdd: float) -> float:
    """The macro's leakage at 360 K, per bit by node, scaled with the supply (I_leak x V)."""
    return capacity_bytes * 8 * _between(cell.leakage_w_per_bit, node_nm) * vdd / nominal_vdd
