"""ONNX recurrent layers (issue 32): LSTM and GRU nodes in the sequence-first layout PyTorch
exports, (steps, batch, features), import as the same network written in YAML."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim import AccelsimError, LayerSpec, build_network, load_net, simulate

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


# A decoder exported with its cache (issue 32): past keys and values are graph inputs
# (batch, heads, past, head size), appended to by a Concat along the tokens' axis.
V, D, H, NEW, PAST = 1000, 64, 4, 1, 31


def decoder_with_past(path: Path) -> Path:
    hd = D // H
    inits = [
        numpy_helper.from_array(np.zeros((V, D), np.float32), "wte"),
        *(numpy_helper.from_array(np.zeros((D, D), np.float32), f"W{p}") for p in "qkvo"),
        numpy_helper.from_array(np.array([1, NEW, H, hd], np.int64), "heads"),
        numpy_helper.from_array(np.array([1, NEW, D], np.int64), "merged"),
    ]
    nodes = [helper.make_node("Gather", ["wte", "ids"], ["x"], name="wte")]
    for p in "qkv":
        nodes += [
            helper.make_node("MatMul", ["x", f"W{p}"], [p], name=p),
            helper.make_node("Reshape", [p, "heads"], [f"{p}4"]),
            helper.make_node("Transpose", [f"{p}4"], [f"{p}h"], perm=[0, 2, 1, 3]),
        ]
    nodes += [
        helper.make_node(
            "Concat", ["past_key_values.0.key", "kh"], ["present.0.key"], axis=2, name="k_cache"
        ),
        helper.make_node(
            "Concat", ["past_key_values.0.value", "vh"], ["present.0.value"], axis=2, name="v_cache"
        ),
        helper.make_node("Transpose", ["present.0.key"], ["kT"], perm=[0, 1, 3, 2]),
        helper.make_node("MatMul", ["qh", "kT"], ["scores"], name="scores"),
        helper.make_node("Softmax", ["scores"], ["probs"], axis=-1, name="probs"),
        helper.make_node("MatMul", ["probs", "present.0.value"], ["ctx"], name="context"),
        helper.make_node("Transpose", ["ctx"], ["ctx4"], perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["ctx4", "merged"], ["m"]),
        helper.make_node("MatMul", ["m", "Wo"], ["out"], name="out"),
    ]
    past = [
        helper.make_tensor_value_info(f"past_key_values.0.{kind}", TensorProto.FLOAT, ["batch", H, PAST, hd])
        for kind in ("key", "value")
    ]
    graph = helper.make_graph(
        nodes,
        "decoder",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", NEW]), *past],
        [
            helper.make_tensor_value_info("out", TensorProto.FLOAT, ["batch", NEW, D]),
            helper.make_tensor_value_info("present.0.key", TensorProto.FLOAT, ["batch", H, PAST + NEW, hd]),
            helper.make_tensor_value_info("present.0.value", TensorProto.FLOAT, ["batch", H, PAST + NEW, hd]),
        ],
        inits,
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]), path)
    return path


def test_a_decoder_with_past_inputs_imports_its_cache(tmp_path: Path) -> None:
    imported = load_net(str(decoder_with_past(tmp_path / "decoder.onnx")))
    caches = [layer for layer in imported.layers if layer.op == "kv_cache"]
    assert [c.output_shape for c in caches] == [(H, PAST + NEW, D // H)] * 2
    reference = build_network(
        "decoder",
        (NEW,),
        [
            LayerSpec("wte", "embedding", ("input",), {"vocab": V, "out": D}),
            *(LayerSpec(p, "linear", ("wte",), {"out": D, "last_axis": True, "bias": False}) for p in "qkv"),
            LayerSpec("kc", "kv_cache", ("k",), {"past": PAST}),
            LayerSpec("vc", "kv_cache", ("v",), {"past": PAST}),
            LayerSpec("qh", "split_heads", ("q",), {"heads": H}),
            LayerSpec("kh", "split_heads", ("kc",), {"heads": H, "transpose": True}),
            LayerSpec("vh", "split_heads", ("vc",), {"heads": H}),
            LayerSpec("s", "matmul", ("qh", "kh")),
            LayerSpec("p", "softmax", ("s",)),
            LayerSpec("c", "matmul", ("p", "vh")),
            LayerSpec("m", "merge_heads", ("c",)),
            LayerSpec("o", "linear", ("m",), {"out": D, "last_axis": True, "bias": False}),
        ],
    )
    assert imported.params == reference.params and imported.macs == reference.macs
    mine, theirs = simulate(imported, "edge_llm_npu"), simulate(reference, "edge_llm_npu")
    assert mine.kv_cache_bytes == theirs.kv_cache_bytes == 2 * (PAST + NEW) * D
    assert mine.dram_bytes["kv_cache"] == theirs.dram_bytes["kv_cache"]


def test_a_symbolic_past_length_is_refused_in_one_line(tmp_path: Path) -> None:
    path = decoder_with_past(tmp_path / "decoder.onnx")
    model = onnx.load(path)
    model.graph.input[1].type.tensor_type.shape.dim[2].dim_param = "past"
    onnx.save(model, path)
    with pytest.raises(AccelsimError, match="past input 'past_key_values.0.key' has a symbolic dimension"):
        load_net(str(path))


@pytest.mark.parametrize("hidden", [None, HIDDEN // 2])
def test_a_recurrent_node_whose_weights_disagree_is_refused_in_one_line(
    tmp_path: Path, hidden: int | None
) -> None:
    """No hidden_size, or one that does not match W: an error naming the node and the shapes
    expected (it was a KeyError traceback, or silently wrong parameters)."""
    path = recurrent_model(tmp_path / "kws.onnx", "LSTM", 1, False)
    model = onnx.load(path)
    rnn = model.graph.node[0]
    kept = [a for a in rnn.attribute if a.name != "hidden_size"]
    del rnn.attribute[:]
    rnn.attribute.extend(kept)
    if hidden is not None:
        rnn.attribute.append(helper.make_attribute("hidden_size", hidden))
    onnx.save(model, path)
    with pytest.raises(
        AccelsimError, match=r"LSTM 'rnn': weights W are \[1, 256, 20\].*expected \[1, 4 x hidden_size"
    ):
        load_net(str(path))
