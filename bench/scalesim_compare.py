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
from accelsim.present.scalesim import HEADER, config_text, topology_row

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "scalesim_v3_cycles.json"
ARRAY = (32, 32)
# Standard, pointwise, depthwise and FC layers of AlexNet and MobileNet v1 (small enough that
# SCALE-Sim's trace matrices fit in memory).
LAYERS = {
    "alexnet": ["conv1", "conv3", "fc8"],
    "mobilenet_v1": ["conv1", "conv6/pw", "conv10/pw", "fc", "conv10/dw"],
}

RUN = (
    "from scalesim.scale_sim import scalesim; "
    "scalesim(save_disk_space=True, verbose=False, config='{config}', topology='{topology}', "
    "layout='{topology}', input_type_gemm=False).run_scale(top_path='{out}')"
)


def named_row(net_name: str, layer: Layer) -> list[str | int]:
    """The layer's SCALE-Sim row (accelsim's export), named after its network; SCALE-Sim runs a
    'DP' layer one channel at a time."""
    name = f"{net_name}_{layer.name}".replace("/", "_")
    row = topology_row(layer)
    assert row is not None, layer.name
    return [f"DP_{name}" if layer.kind == "dwconv" else name, *row]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scalesim-python", required=True, help="python of the SCALE-Sim venv")
    args = parser.parse_args()
    rows = [named_row(net, load_net(net).layer(name)) for net, names in LAYERS.items() for name in names]
    results: dict[str, dict[str, int]] = {}
    configs = {}
    with tempfile.TemporaryDirectory() as tmp:
        topology = Path(tmp) / "accelsim_layers.csv"
        topology.write_text(HEADER + "\n" + "".join(", ".join(map(str, row)) + ",\n" for row in rows))
        for df in ("ws", "os", "is"):
            config = Path(tmp) / f"{df}.cfg"
            configs[df] = config_text("accelsim_check", *ARRAY, df, (1024, 1024, 1024), None)
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
                "topology": [[f.strip() for f in HEADER.split(",")[:-1]], *rows],
                "total_cycles": results,
            },
            indent=1,
        )
        + "\n"
    )
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
