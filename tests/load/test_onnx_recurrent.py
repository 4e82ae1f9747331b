"""ONNX recurrent layers (issue 32): LSTM and GRU nodes in the sequence-first layout PyTorch
exports, (steps, batch, features), import as the same network written in YAML."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim import LayerSpec, build_network, load_net, simulate

STEPS, FEATURES, HIDDEN, CLASSES = 49, 20, 64, 12
GATES = {"LSTM": 4, "GRU": 3}


def recurrent_model(path: Path, op: str, directions: int, every_step: bool, layout: int = 0) -> Path:
    """input -> LSTM/GRU -> (Y: squeeze, last step | Y_h: squeeze) -> flatten -> Gemm."""
    gates = GATES[op]
    inits = [
        numpy_helper.from_array(np.zeros((directions, gates * HIDDEN, FEATURES), np.float32), "W"),
        numpy_helper.from_array(np.zeros((directions, gates * HIDDEN, HIDDEN), np.float32), "R"),
        numpy_helper.from_array(np.zeros((directions, 2 * gates * HIDDEN), np.float32), "B"),
        numpy_helper.from_array(np.zeros((CLASSES, directions * HIDDEN), np.float32), "fc.W"),
        numpy_helper.from_array(np.zeros((CLASSES,), np.float32), "fc.b"),
        numpy_helper.from_array(np.array([-1], np.int64), "last"),
        numpy_helper.from_array(np.array([1, directions * HIDDEN], np.int64), "flat"),
    ]
    direction = "bidirectional" if directions == 2 else "forward"
    x_shape = [STEPS, 1, FEATURES] if layout == 0 else [1, STEPS, FEATURES]
    rnn = helper.make_node(
        op,
        ["x", "W", "R", "B"],
        ["Y", "Y_h"],
        name="rnn",
        hidden_size=HIDDEN,
        direction=direction,
        **({"layout": 1} if layout else {}),
    )
    if every_step:  # the sequence's last step, read off Y
        tail = [
            helper.make_node("Gather", ["Y", "last"], ["Y_last"], axis=1 if layout else 0),
            helper.make_node("Reshape", ["Y_last", "flat"], ["h"]),
        ]
    else:
        tail = [helper.make_node("Reshape", ["Y_h", "flat"], ["h"])]
    graph = helper.make_graph(
        [rnn, *tail, helper.make_node("Gemm", ["h", "fc.W", "fc.b"], ["logits"], name="fc", transB=1)],
        "kws",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, CLASSES])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    onnx.save(model, path)
    return path


def written(op: str, directions: int) -> object:
    """The same network in the workload form."""
    return build_network(
        "kws",
        (STEPS, FEATURES),
        [
            LayerSpec(
                "rnn",
                op.lower(),
                ("input",),
                {
                    "hidden": HIDDEN,
                    "bidirectional": directions == 2,
                    "recurrent_bias": True,
                    "sequences": False,
                },
            ),
            LayerSpec("fc", "linear", ("rnn",), {"out": CLASSES}),
        ],
    )


@pytest.mark.parametrize("op", ["LSTM", "GRU"])
@pytest.mark.parametrize("directions", [1, 2])
@pytest.mark.parametrize("every_step", [False, True])
def test_a_sequence_first_recurrent_export_imports_as_written(
    tmp_path: Path, op: str, directions: int, every_step: bool
) -> None:
    imported = load_net(str(recurrent_model(tmp_path / "kws.onnx", op, directions, every_step)))
    reference = written(op, directions)
    assert imported.input_shape == (STEPS, FEATURES)
    rnn = imported.layer("rnn")
    assert rnn.op == op.lower() and rnn.params == reference.layer("rnn").params
    assert imported.params == reference.params and imported.macs == reference.macs
    assert imported.layer("fc").output_shape == (CLASSES,)
    # PyTorch's counts: 4 (or 3) gates x hidden x (features + hidden + 2 biases) per direction
    gates = GATES[op]
    assert rnn.params == directions * gates * HIDDEN * (FEATURES + HIDDEN + 2)
    mine, theirs = simulate(imported, "mcu_npu"), simulate(reference, "mcu_npu")
    assert mine.latency_s == pytest.approx(theirs.latency_s, rel=0.02)


def test_a_batch_first_layout_imports_too(tmp_path: Path) -> None:
    imported = load_net(str(recurrent_model(tmp_path / "kws.onnx", "LSTM", 1, False, layout=1)))
    assert imported.input_shape == (STEPS, FEATURES) and imported.params == written("LSTM", 1).params
