"""Import time of a 1000-node ONNX graph (a benchmark, not a test).

    python bench/bench_onnx_import.py

Target (issue: ONNX import): under 2 s. The graph is a synthetic deep net built here:
500 x (3x3 conv with BatchNorm folded in by the exporter + ReLU), 16 channels, 56x56.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from accelsim import load_net

BLOCKS = 500


def build(path: Path) -> int:
    nodes, inits, prev = [], [], "x"
    for i in range(BLOCKS):
        inits.append(numpy_helper.from_array(np.zeros((16, 16, 3, 3), np.float32), f"w{i}"))
        inits.append(numpy_helper.from_array(np.zeros(16, np.float32), f"b{i}"))
        nodes.append(
            helper.make_node("Conv", [prev, f"w{i}", f"b{i}"], [f"c{i}"], name=f"conv{i}", pads=[1, 1, 1, 1])
        )
        nodes.append(helper.make_node("Relu", [f"c{i}"], [f"r{i}"], name=f"relu{i}"))
        prev = f"r{i}"
    graph = helper.make_graph(
        nodes,
        "deep",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16, 56, 56])],
        [helper.make_tensor_value_info(prev, TensorProto.FLOAT, None)],
        initializer=inits,
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return len(nodes)


def main() -> None:
    from accelsim.load.onnx import _imported

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deep.onnx"
        n = build(path)
        times = []
        for _ in range(5):
            _imported.cache_clear()  # a first import each time
            start = time.perf_counter()
            net = load_net(path)
            times.append(time.perf_counter() - start)
        print(
            f"import of a {n}-node ONNX graph ({len(net.layers)} layers): median "
            f"{statistics.median(times):.2f} s, best {min(times):.2f} s"
        )
        again = []
        for _ in range(5):
            start = time.perf_counter()
            load_net(path)
            again.append(time.perf_counter() - start)
        print(f"the same file again in the same process: median {statistics.median(again) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
