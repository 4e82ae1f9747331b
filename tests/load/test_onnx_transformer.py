"""Importing a transformer export: a two-layer encoder built with onnx.helper the way
torch.onnx.export writes one (token-embedding Gather, LayerNormalization at opset 17, MatMul by
weights and between activations, Reshape/Transpose for the heads, a Where mask, Softmax, an
Erf GELU, Expand), then costed like the zoo's own transformers (issue 17)."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim import load_net, simulate
from accelsim.load.onnx_model import OnnxWarning

SEQ, D, HEADS, FF, VOCAB, LAYERS = 16, 32, 4, 64, 100, 2


def encoder(path: Path, gelu: str = "erf") -> Path:
    nodes, inits = [], []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(value, name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs: object) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    rng = np.random.default_rng(0)

    def weight(name: str, *shape: int) -> str:
        return const(name, rng.standard_normal(shape).astype(np.float32))

    heads_shape = const("heads_shape", np.array([1, SEQ, HEADS, D // HEADS], dtype=np.int64))
    merged_shape = const("merged_shape", np.array([1, SEQ, D], dtype=np.int64))
    x = node("Gather", [weight("word_embeddings", VOCAB, D), "input_ids"], "embed")
    x = node("Add", [x, weight("position_embeddings", 1, SEQ, D)], "embed_pos")
    x = node("LayerNormalization", [x, weight("ln_e_w", D), weight("ln_e_b", D)], "embed_ln", axis=-1)
    mask = const("mask", np.ones((1, 1, SEQ, SEQ), dtype=bool))
    for i in range(LAYERS):
        p = f"l{i}_"

        def linear(src: str, name: str, fan_in: int, out: int, p: str = p) -> str:
            y = node("MatMul", [src, weight(p + name + "_w", fan_in, out)], p + name)
            return node("Add", [y, weight(p + name + "_b", out)], p + name + "_bias")

        q, k, v = (linear(x, n, D, D) for n in ("q", "k", "v"))
        qh = node("Transpose", [node("Reshape", [q, heads_shape], p + "q_r")], p + "q_t", perm=[0, 2, 1, 3])
        kh = node("Transpose", [node("Reshape", [k, heads_shape], p + "k_r")], p + "k_t", perm=[0, 2, 3, 1])
        vh = node("Transpose", [node("Reshape", [v, heads_shape], p + "v_r")], p + "v_t", perm=[0, 2, 1, 3])
        scores = node("MatMul", [qh, kh], p + "scores")
        scaled = node(
            "Div", [scores, const(p + "sqrt_dh", np.array(math.sqrt(D // HEADS), np.float32))], p + "scale"
        )
        masked = node("Where", [mask, scaled, const(p + "neg", np.array(-1e9, np.float32))], p + "mask")
        probs = node("Softmax", [masked], p + "probs", axis=-1)
        ctx = node("MatMul", [probs, vh], p + "context")
        ctx = node(
            "Reshape", [node("Transpose", [ctx], p + "ctx_t", perm=[0, 2, 1, 3]), merged_shape], p + "ctx_r"
        )
        attn = linear(ctx, "o", D, D)
        x = node("Add", [attn, x], p + "res1")
        x = node(
            "LayerNormalization", [x, weight(p + "ln1_w", D), weight(p + "ln1_b", D)], p + "ln1", axis=-1
        )
        h = linear(x, "fc", D, FF)
        if gelu == "erf":  # x * 0.5 * (1 + erf(x / sqrt(2))), as torch exports nn.GELU at opset 17
            e = node(
                "Erf",
                [node("Div", [h, const(p + "sqrt2", np.array(math.sqrt(2), np.float32))], p + "g_div")],
                p + "g_erf",
            )
            e = node("Add", [e, const(p + "one", np.array(1, np.float32))], p + "g_add")
            h = node("Mul", [h, e], p + "g_mul")
            h = node("Mul", [h, const(p + "half", np.array(0.5, np.float32))], p + "gelu")
        else:
            h = node("Gelu", [h], p + "gelu")
        y = linear(h, "fc2", FF, D)
        x = node("Add", [y, x], p + "res2")
        x = node(
            "LayerNormalization", [x, weight(p + "ln2_w", D), weight(p + "ln2_b", D)], p + "ln2", axis=-1
        )
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, SEQ])
    out = helper.make_tensor_value_info(x, TensorProto.FLOAT, None)
    graph = helper.make_graph(nodes, "encoder", [ids], [out], initializer=inits)
    opset = 20 if gelu == "op" else 17
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]), path)
    return path


PARAMS = VOCAB * D + 2 * D + LAYERS * (4 * (D * D + D) + (D * FF + FF) + (FF * D + D) + 2 * 2 * D)
MACS = LAYERS * (SEQ * (4 * D * D + 2 * D * FF) + 2 * SEQ * SEQ * D)


@pytest.mark.parametrize("gelu", ["erf", "op"])
def test_a_transformer_export_imports_strictly_with_its_figures(tmp_path: Path, gelu: str) -> None:
    path = encoder(tmp_path / "encoder.onnx", gelu)
    with warnings.catch_warnings():
        warnings.simplefilter("error", OnnxWarning)  # nothing costed as unknown
        net = load_net(str(path), strict=True)
    kinds = [layer.kind for layer in net.layers]
    assert kinds.count("embedding") == 1 and kinds.count("layernorm") == 1 + 2 * LAYERS
    assert kinds.count("matmul") == 2 * LAYERS and kinds.count("softmax") == LAYERS
    assert kinds.count("gelu") == (LAYERS if gelu == "op" else 0)
    # the position table added as a constant is element-wise math: its parameters are not counted
    assert net.params == PARAMS
    assert net.macs == MACS
    assert net.layer("l0_scores").output_shape == (HEADS, SEQ, SEQ)
    assert net.output_shape == (SEQ, D)


def test_an_imported_transformer_costs_as_the_zoo_s_own(tmp_path: Path) -> None:
    """The same encoder written in a workload YAML with the built-in attention block gives the
    same parameters, MACs and weight traffic on a chip."""
    yaml_path = tmp_path / "encoder.yaml"
    yaml_path.write_text(
        f"""name: encoder
input: [{SEQ}]
blocks:
  layer:
    layers:
      - {{name: attn, block: self_attention, heads: {HEADS}, d: {D}}}
      - {{name: res1, op: add, from: [attn, in]}}
      - {{name: ln1, op: layernorm}}
      - {{name: fc, op: linear, out: {FF}, last_axis: true}}
      - {{name: gelu, op: gelu}}
      - {{name: fc2, op: linear, out: {D}, last_axis: true}}
      - {{name: res2, op: add, from: [fc2, ln1]}}
      - {{name: ln2, op: layernorm}}
layers:
  - {{name: embed, op: embedding, vocab: {VOCAB}, out: {D}}}
  - {{name: embed_ln, op: layernorm}}
  - {{name: l, block: layer, repeat: {LAYERS}}}
"""
    )
    written = load_net(str(yaml_path))
    imported = load_net(str(encoder(tmp_path / "encoder.onnx", "op")))
    assert (written.params, written.macs) == (imported.params, imported.macs) == (PARAMS, MACS)
    a, b = simulate(written, "2W_npu"), simulate(imported, "2W_npu")
    assert a.weight_bytes == b.weight_bytes
    assert a.dram_bytes["weights"] == b.dram_bytes["weights"]
