"""Run ZigZag 3.9.1 on every array layer of SqueezeNet, MobileNet v2 and ResNet-50, each layer
alone, on the two-level chip of tests/fixtures/two_level_ws.yaml, and record the bytes it moves
across each memory boundary as a test fixture (tests/validation/test_zigzag.py compares
accelsim's against them).

ZigZag is a peer tool, never a dependency: it lives in its own venv
    python3 -m venv /tmp/zz && /tmp/zz/bin/pip install zigzag-dse==3.9.1 six
and this script drives it by subprocess:
    python bench/zigzag_compare.py --zigzag-python /tmp/zz/bin/python

The same chip in ZigZag's terms: a 32 x 32 array with ZigZag's tpu_like spatial mapping (K on
D1, C on D2: weight stationary), a weight register of 2 words and an accumulator register per
PE, a 64 KiB local buffer and a 2 MiB global buffer shared by the array (served dimensions D1
and D2), each holding weights, inputs and outputs, then DRAM. Every port is one byte wide, so
ZigZag's word accesses are bytes; its energies per access are accelsim's per byte for the same
chip, so both tools price the same bytes alike (ZigZag's mapper minimizes energy with them).
Each layer is its own workload (weights and inputs from DRAM, outputs to DRAM), as ZigZag
evaluates layers. ZigZag searches temporal mappings with LOMA (a few seconds per layer).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from accelsim import load_hw, load_net
from accelsim.ir import Layer

ROOT = Path(__file__).resolve().parents[1]
CHIP = ROOT / "tests" / "fixtures" / "two_level_ws.yaml"
FIXTURE = ROOT / "tests" / "fixtures" / "zigzag_two_level.json"
NETWORKS = ("squeezenet", "mobilenet_v2", "resnet50")
ARRAY_OPS = ("conv", "dwconv", "linear")
BYTE = 8  # every port one byte wide: ZigZag counts accesses in bytes

DRIVER = """
import json, logging, sys
from zigzag.api import get_hardware_performance_zigzag
logging.disable(logging.CRITICAL)
_, _, cmes = get_hardware_performance_zigzag(sys.argv[1], sys.argv[2], sys.argv[3], opt="energy",
    dump_folder=sys.argv[4], loma_show_progress_bar=False)
rows = []
for cme, _ in cmes[0][1]:
    moved = {}
    for op, accesses in cme.memory_word_access.items():
        mem_op = cme.memory_operand_links.layer_to_mem_op(op)
        levels = cme.accelerator.memory_hierarchy.get_memory_levels(mem_op=mem_op)
        for level, a in zip(levels, accesses):
            name = level.name
            up = a.data["rd_out_to_high"] + a.data["wr_in_by_high"]
            down = a.data["rd_out_to_low"] + a.data["wr_in_by_low"]
            moved[name + ".above"] = moved.get(name + ".above", 0) + up
            moved[name + ".below"] = moved.get(name + ".below", 0) + down
    rows.append({"name": cme.layer.name, "moved": moved, "energy_pj": cme.energy_total})
print(json.dumps(rows))
"""


def array_layers(network: Any) -> list[Layer]:
    """The layers ZigZag and accelsim both map on the array: convolutions and linear layers."""
    return [layer for layer in network.layers if layer.op in ARRAY_OPS]


def zigzag_layer(index: int, layer: Layer) -> dict[str, Any]:
    """One layer in ZigZag's workload format, its weights and input its own (from DRAM)."""
    precision = {"W": BYTE, "I": BYTE, "O": 32, "O_final": BYTE}
    if layer.op == "linear":
        out, features = layer.weight_shape
        return _node(index, layer, "O[b][k]+=W[k][c]*I[b][c]", {"B": 1, "K": out, "C": features}, precision)
    c, h, w = layer.input_shapes[0]
    k, oy, ox = layer.output_shape
    (fy, fx), (sy, sx) = layer.attrs["kernel"], layer.attrs["stride"]
    dy, dx = layer.attrs["dilation"]
    top, left, bottom, right = layer.attrs["pads"]
    if layer.attrs["depthwise"]:
        equation = "O[b][g][oy][ox]+=W[g][fy][fx]*I[b][g][iy][ix]"
        dims = {"B": 1, "G": k, "OY": oy, "OX": ox, "FY": fy, "FX": fx}
    else:
        if layer.attrs["groups"] != 1:
            raise ValueError(f"{layer.name}: grouped convolutions are not in this comparison")
        equation = "O[b][k][oy][ox]+=W[k][c][fy][fx]*I[b][c][iy][ix]"
        dims = {"B": 1, "K": k, "C": c, "OY": oy, "OX": ox, "FY": fy, "FX": fx}
    node = _node(index, layer, equation, dims, precision)
    node["dimension_relations"] = [f"ix={sx}*ox+{dx}*fx", f"iy={sy}*oy+{dy}*fy"]
    node["pr_loop_dims"], node["pr_loop_sizes"] = ["IY", "IX"], [h, w]
    node["padding"] = [[top, bottom], [left, right]]
    return node


def _node(
    index: int, layer: Layer, equation: str, dims: dict[str, int], precision: dict[str, int]
) -> dict[str, Any]:
    return {
        "id": index,
        "name": layer.name,
        "operator_type": "Conv",
        "equation": equation,
        "loop_dims": list(dims),
        "loop_sizes": list(dims.values()),
        "operand_precision": precision,
        "operand_source": {"W": index, "I": index},  # constant: from DRAM, as a layer alone
    }


def _port(name: str, kind: str, bits: int, allocation: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "type": kind,
        "bandwidth_min": bits,
        "bandwidth_max": bits,
        "allocation": allocation,
    }


def _memory(
    bits: float, pj: tuple[float, float], operands: list[str], port_bits: int, shared: bool
) -> dict[str, Any]:
    reads = [f"{op}, tl" for op in operands] + (["O, th"] if "O" in operands else [])
    writes = [f"{op}, fh" for op in operands] + (["O, fl"] if "O" in operands else [])
    return {
        "size": int(bits),
        "r_cost": pj[0],
        "w_cost": pj[1],
        "area": 0,
        "latency": 1,
        "operands": operands,
        "ports": [_port("r_port_1", "read", port_bits, reads), _port("w_port_1", "write", port_bits, writes)],
        "served_dimensions": ["D1", "D2"] if shared else [],
    }


def hardware() -> dict[str, Any]:
    """The chip in ZigZag's accelerator format, priced per byte as accelsim prices it."""
    chip = load_hw(CHIP)
    pj = {level.name: (level.read_j_per_byte * 1e12, level.write_j_per_byte * 1e12) for level in chip.levels}
    stores = chip.pe.stores
    weight_reg = stores["weights"]
    dram = _memory(8e12, pj["dram"], ["I1", "I2", "O"], BYTE, True)
    dram["ports"] = [
        _port(
            "rw_port_1",
            "read_write",
            BYTE,
            [f"{op}, {d}" for op in ("I1", "I2") for d in ("fh", "tl")]
            + ["O, fh", "O, tl", "O, fl", "O, th"],
        )
    ]
    return {
        "name": chip.name,
        "memories": {
            "rf_w": _memory(
                weight_reg.capacity_bytes * 8, (0.0, weight_reg.j_per_byte * 1e12), ["I2"], BYTE, False
            ),
            "rf_o": _memory(
                chip.accumulator_bits,
                (chip.accumulator_j_per_byte * 1e12,) * 2,
                ["O"],
                chip.accumulator_bits,
                False,
            ),
            "local": _memory(
                chip.level("local").capacity_bytes * 8, pj["local"], ["I1", "I2", "O"], BYTE, True
            ),
            "global": _memory(
                chip.level("global").capacity_bytes * 8, pj["global"], ["I1", "I2", "O"], BYTE, True
            ),
            "dram": dram,
        },
        "operational_array": {
            "unit_energy": chip.mac_j * 1e12,
            "unit_area": 1,
            "dimensions": ["D1", "D2"],
            "sizes": [chip.rows, chip.cols],
        },
    }


MAPPING = [
    {
        "name": "default",
        "spatial_mapping": {"D1": ["K, 32"], "D2": ["C, 32"]},
        "memory_operand_links": {"O": "O", "W": "I2", "I": "I1"},
    }
]


def run(zigzag_python: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "hw.yaml").write_text(yaml.safe_dump(hardware(), sort_keys=False))
        (folder / "map.yaml").write_text(yaml.safe_dump(MAPPING, sort_keys=False))
        for net in NETWORKS:
            layers = array_layers(load_net(net))
            workload = [zigzag_layer(i, layer) for i, layer in enumerate(layers)]
            (folder / f"{net}.yaml").write_text(yaml.safe_dump(workload, sort_keys=False))
            args = [str(folder / name) for name in (f"{net}.yaml", "hw.yaml", "map.yaml")]
            out = subprocess.run(
                [zigzag_python, "-c", DRIVER, *args, str(folder / "out" / net)],
                capture_output=True,
                text=True,
            )
            if out.returncode:
                raise SystemExit(f"ZigZag failed on {net}:\n{out.stderr[-3000:]}")
            results[net] = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{net}: {len(results[net])} layers")
    return {
        "zigzag": "zigzag-dse 3.9.1 (LOMA temporal mapping, opt=energy)",
        "chip": CHIP.name,
        "hardware": hardware(),
        "mapping": MAPPING,
        "layers": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zigzag-python", required=True, help="python of a venv with zigzag-dse 3.9.1")
    args = parser.parse_args()
    FIXTURE.write_text(json.dumps(run(args.zigzag_python), indent=1) + "\n")
    print(f"wrote {FIXTURE}")


if __name__ == "__main__":
    main()
