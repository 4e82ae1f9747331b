"""Run SCALE-Sim v3 on zoo layers and record its compute cycles as a test fixture.

SCALE-Sim is a peer tool, never a dependency: it lives in its own venv
    python3 -m venv /tmp/ss && /tmp/ss/bin/pip install scalesim==3.0.0 "numpy<2"
and this script drives it by subprocess:
    python bench/scalesim_compare.py --scalesim-python /tmp/ss/bin/python
It writes tests/fixtures/scalesim_v3_cycles.json: the exact config, topology and command, and
SCALE-Sim's "Total Cycles" per layer and dataflow. tests/test_mapper.py compares accelsim's
cycles against it. SCALE-Sim has no padding and rounds its output size up: the topology gives the input size
that yields accelsim's output size, (out - 1) * stride + kernel.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import tempfile
from pathlib import Path

from accelsim import load_net
from accelsim.ir import Layer

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "scalesim_v3_cycles.json"
ARRAY = (32, 32)
# Standard, pointwise, depthwise and FC layers of AlexNet and MobileNet v1 (small enough that
# SCALE-Sim's trace matrices fit in memory).
LAYERS = {
    "alexnet": ["conv1", "conv3", "fc8"],
    "mobilenet_v1": ["conv1", "conv6/pw", "conv10/pw", "fc", "conv10/dw"],
}

CONFIG = """[general]
run_name = accelsim_check

[run_presets]
InterfaceBandwidth = CALC
UseRamulatorTrace = False

[architecture_presets]
ArrayHeight = {rows}
ArrayWidth = {cols}
ifmapsramszkB = 1024
filtersramszkB = 1024
ofmapsramszkB = 1024
IfmapOffset = 0
FilterOffset = 10000000
OfmapOffset = 20000000
Bandwidth = 10
Dataflow = {dataflow}
ReadRequestBuffer = 32
WriteRequestBuffer = 32

[layout]
IfmapCustomLayout = False
IfmapSRAMBankBandwidth = 10
IfmapSRAMBankNum = 10
IfmapSRAMBankPort = 2
FilterCustomLayout = False
FilterSRAMBankBandwidth = 10
FilterSRAMBankNum = 10
FilterSRAMBankPort = 2

[sparsity]
SparsitySupport = false
SparseRep = ellpack_block
OptimizedMapping = false
BlockSize = 8
RandomNumberGeneratorSeed = 40
"""

RUN = (
    "from scalesim.scale_sim import scalesim; "
    "scalesim(save_disk_space=True, verbose=False, config='{config}', topology='{topology}', "
    "layout='{topology}', input_type_gemm=False).run_scale(top_path='{out}')"
)


def topology_row(net_name: str, layer: Layer) -> list[str | int]:
    name = f"{net_name}_{layer.name}".replace("/", "_")
    if layer.kind == "linear":
        out_features, in_features = layer.weight_shape
        return [name, 1, 1, 1, 1, in_features, out_features, 1]
    c = layer.input_shapes[0][0]
    _, oh, ow = layer.output_shape
    kh, kw = layer.attrs["kernel"]
    stride = layer.attrs["stride"][0]
    h, w = (oh - 1) * stride + kh, (ow - 1) * stride + kw
    if layer.attrs["depthwise"]:  # SCALE-Sim runs a 'DP' layer one channel at a time
        return [f"DP_{name}", h, w, kh, kw, c, 1, stride]
    return [name, h, w, kh, kw, c, layer.output_shape[0], stride]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scalesim-python", required=True, help="python of the SCALE-Sim venv")
    args = parser.parse_args()
    rows = [topology_row(net, load_net(net).layer(name)) for net, names in LAYERS.items() for name in names]
    header = [
        "Layer name",
        "IFMAP Height",
        "IFMAP Width",
        "Filter Height",
        "Filter Width",
        "Channels",
        "Num Filter",
        "Strides",
    ]
    results: dict[str, dict[str, int]] = {}
    configs = {}
    with tempfile.TemporaryDirectory() as tmp:
        topology = Path(tmp) / "accelsim_layers.csv"
        with topology.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([*header, ""])
            for row in rows:
                writer.writerow([*row, ""])
        for df in ("ws", "os", "is"):
            config = Path(tmp) / f"{df}.cfg"
            configs[df] = CONFIG.format(rows=ARRAY[0], cols=ARRAY[1], dataflow=df)
            config.write_text(configs[df])
            out = Path(tmp) / f"out_{df}"
            code = RUN.format(config=config, topology=topology, out=out)
            subprocess.run([args.scalesim_python, "-c", code], check=True, capture_output=True)
            report = next(out.glob("*/COMPUTE_REPORT.csv"))
            # SCALE-Sim reports a depthwise layer as one line per channel: sum them.
            totals: dict[str, int] = {}
            lines = list(csv.reader(report.open()))[1:]
            expanded = [r[0] for r in rows for _ in range(r[5] if str(r[0]).startswith("DP_") else 1)]
            for name, line in zip(expanded, lines, strict=True):
                totals[str(name)] = totals.get(str(name), 0) + int(line[2])
            results[df] = totals
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(
        json.dumps(
            {
                "tool": "scalesim==3.0.0 (numpy<2), its own venv",
                "command": RUN,
                "array": list(ARRAY),
                "configs": configs,
                "topology": [header, *rows],
                "total_cycles": results,
            },
            indent=1,
        )
        + "\n"
    )
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
