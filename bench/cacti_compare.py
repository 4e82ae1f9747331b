"""Run CACTI 7 on the SRAM macros accelsim prices and record its figures as a test fixture
(tests/validation/test_sram_macro.py compares accelsim's SRAM model against them).

CACTI is a peer tool, never a dependency. ZigZag's package carries a copy of CACTI 7's sources;
build it in a folder of its own:
    python3 -m venv /tmp/zz && /tmp/zz/bin/pip install zigzag-dse==3.9.1 six
    cp -r /tmp/zz/lib/python3.11/site-packages/zigzag/cacti/cacti_master /tmp/cacti
    cd /tmp/cacti && rm -rf obj_dbg obj_opt cacti && make opt
then
    python bench/cacti_compare.py --cacti /tmp/cacti

The grid: 32 KiB, 256 KiB, 2 MiB, 16 MiB and 128 MiB, at 65, 45, 32 and 22 nm, read and
written 8 and 64 bytes at a time, with high-performance (itrs-hp) and low-standby-power
(itrs-lstp) cells and periphery. The settings (SETTINGS below, written into the fixture): a
scratchpad RAM (`cache type "ram"`: no tags), one bank, no ECC, one read and one write port,
360 K (87 C, a hot die), the configuration template's wire and optimization choices
(Global_30 wires, conservative interconnect projection, ED^2). The figures kept per macro: read
and write energy per access, leakage power (subthreshold and gate) and area (height x width).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "cacti7_sram.json"
CAPACITIES = (32 * 2**10, 256 * 2**10, 2 * 2**20, 16 * 2**20, 128 * 2**20)
NODES_NM = (65, 45, 32, 22)
WIDTHS = (8, 64)
CELLS = {"hp": "itrs-hp", "lp": "itrs-lstp"}
SETTINGS = {
    "cache type": "ram",
    "UCA bank count": 1,
    "Add ECC": "false",
    "operating temperature (K)": 360,
    "ports": "one exclusive read port, one exclusive write port",
    "template": "cache.cfg_temp of the CACTI copy in zigzag-dse 3.9.1 (Global_30 wires, conservative "
    "interconnect projection, ED^2)",
}


def config(template: str, capacity: int, width: int, node_nm: int, cell: str) -> str:
    """The template with one macro's parameters."""
    kelvin = SETTINGS["operating temperature (K)"]
    replacements = {
        r"-size \(bytes\) \d+": f"-size (bytes) {capacity}",
        r"-block size \(bytes\) \d+": f"-block size (bytes) {width}",
        r"-output/input bus width \d+": f"-output/input bus width {width * 8}",
        r"\n-technology \(u\) [0-9.]+": f"\n-technology (u) {node_nm / 1000}",
        r'\n-Data array cell type - "[a-z-]+"': f'\n-Data array cell type - "{cell}"',
        r'\n-Data array peripheral type - "[a-z-]+"': f'\n-Data array peripheral type - "{cell}"',
        r"-operating temperature \(K\) \d+": f"-operating temperature (K) {kelvin}",
        r'-Add ECC - "[a-z]+"': f'-Add ECC - "{SETTINGS["Add ECC"]}"',
        r"-UCA bank count \d+": f"-UCA bank count {SETTINGS['UCA bank count']}",
        r'\n-cache type "[a-z ]+"': f'\n-cache type "{SETTINGS["cache type"]}"',
    }
    for pattern, value in replacements.items():
        template, found = re.subn(pattern, value, template)
        if not found:
            raise SystemExit(f"CACTI template: no line matches {pattern!r}")
    return template


def run_macro(cacti: Path, text: str) -> dict[str, float]:
    cfg = cacti / "accelsim_macro.cfg"
    cfg.write_text(text)
    out = subprocess.run(["./cacti", "-infile", cfg.name], capture_output=True, text=True, cwd=cacti).stdout

    def number(pattern: str) -> float:
        found = re.search(pattern, out)
        if found is None:
            raise SystemExit(f"CACTI output has no {pattern!r}:\n{out[-2000:]}")
        return float(found.group(1))

    height = number(r"Cache height x width \(mm\): ([0-9.e+-]+) x")
    width = number(r"Cache height x width \(mm\): [0-9.e+-]+ x ([0-9.e+-]+)")
    return {
        "read_j": number(r"Total dynamic read energy per access \(nJ\): ([0-9.e+-]+)") * 1e-9,
        "write_j": number(r"Total dynamic write energy per access \(nJ\): ([0-9.e+-]+)") * 1e-9,
        "leakage_w": (
            number(r"Total leakage power of a bank \(mW\): ([0-9.e+-]+)")
            + number(r"Total gate leakage power of a bank \(mW\): ([0-9.e+-]+)")
        )
        * 1e-3,
        "area_mm2": height * width,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cacti", required=True, type=Path, help="the folder CACTI 7 was built in")
    args = parser.parse_args()
    template = (args.cacti / "cache.cfg_temp").read_text()
    rows: list[dict[str, Any]] = []
    for cell, cacti_cell in CELLS.items():
        for node in NODES_NM:
            for capacity in CAPACITIES:
                for width in WIDTHS:
                    figures = run_macro(args.cacti, config(template, capacity, width, node, cacti_cell))
                    rows.append(
                        {"cell": cell, "node_nm": node, "capacity": capacity, "width": width, **figures}
                    )
    FIXTURE.write_text(
        json.dumps(
            {"cacti": "CACTI 7 (zigzag-dse 3.9.1's copy)", "settings": SETTINGS, "macros": rows}, indent=1
        )
        + "\n"
    )
    print(f"wrote {FIXTURE}: {len(rows)} macros")


if __name__ == "__main__":
    main()
