"""Build ONNX models for tests with onnx.helper (no downloads): a zoo network exported op by op,
and small single-op graphs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from accelsim.ir import INPUT, Network, build_network
from accelsim.load.resources import resolve
from accelsim.load.workload import parse_workload
from accelsim.load.yamlio import load_yaml_mapping


def unfolded_zoo(name: str) -> Network:
    """A zoo network with its BatchNorms kept, as a framework would export it."""
    path = resolve(name, "workloads", "network")
    net_name, shape, specs, _ = parse_workload(load_yaml_mapping(path), str(path))
    return build_network(net_name, shape, specs, fold_bn=False)


def _init(name: str, shape: tuple[int, ...], inits: list, rng: np.random.Generator | None = None) -> str:
    data = rng.normal(size=shape).astype(np.float32) if rng is not None else np.zeros(shape, dtype=np.float32)
    inits.append(numpy_helper.from_array(data, name))
    return name


def export(net: Network, path: Path, batch_dim: str | int = "N", seed: int | None = None) -> Path:
    """Write `net` as an ONNX model (opset 13), node names = layer names; weights are zeros,
    or Gaussian when a seed is given."""
    nodes, inits = [], []
    rng = np.random.default_rng(seed) if seed is not None else None
    tensor = {INPUT: "image"}
    for layer in net.layers:
        ins = [tensor[src] for src in layer.inputs]
        out = f"{layer.name}:0"
        a = layer.attrs
        if layer.kind in ("conv", "dwconv"):
            w = _init(f"{layer.name}.weight", layer.weight_shape, inits, rng)
            args = [ins[0], w] + (
                [_init(f"{layer.name}.bias", (layer.weight_shape[0],), inits)] if layer.bias_size else []
            )
            t, left, b, r = a["pads"]
            nodes.append(
                helper.make_node(
                    "Conv",
                    args,
                    [out],
                    name=layer.name,
                    group=a["groups"],
                    kernel_shape=list(a["kernel"]),
                    strides=list(a["stride"]),
                    dilations=list(a["dilation"]),
                    pads=[t, left, b, r],
                )
            )
        elif layer.kind == "bn":
            c = layer.input_shapes[0][0]
            args = [ins[0]] + [
                _init(f"{layer.name}.{p}", (c,), inits) for p in ("scale", "bias", "mean", "var")
            ]
            nodes.append(helper.make_node("BatchNormalization", args, [out], name=layer.name))
        elif layer.kind == "linear":
            flat = f"{layer.name}.flat"
            nodes.append(helper.make_node("Flatten", [ins[0]], [flat], name=f"{layer.name}_flatten"))
            w = _init(f"{layer.name}.weight", layer.weight_shape, inits)
            bias = _init(f"{layer.name}.bias", (layer.weight_shape[0],), inits)
            nodes.append(helper.make_node("Gemm", [flat, w, bias], [out], name=layer.name, transB=1))
        elif layer.kind in ("maxpool", "avgpool"):
            op = "MaxPool" if layer.kind == "maxpool" else "AveragePool"
            nodes.append(
                helper.make_node(
                    op,
                    ins,
                    [out],
                    name=layer.name,
                    kernel_shape=list(a["kernel"]),
                    strides=list(a["stride"]),
                    pads=list(a["pads"]),
                    ceil_mode=int(a["ceil_mode"]),
                )
            )
        elif layer.kind == "relu6":
            lo, hi = _init(f"{layer.name}.min", (), inits), _init(f"{layer.name}.max", (), inits)
            nodes.append(helper.make_node("Clip", [ins[0], lo, hi], [out], name=layer.name))
        else:
            op = {
                "relu": "Relu",
                "gap": "GlobalAveragePool",
                "concat": "Concat",
                "add": "Add",
                "dropout": "Dropout",
                "softmax": "Softmax",
            }[layer.kind]
            extra = {"axis": 1} if op == "Concat" else {}
            nodes.append(helper.make_node(op, ins, [out], name=layer.name, **extra))
        tensor[layer.name] = out
    image = helper.make_tensor_value_info("image", TensorProto.FLOAT, [batch_dim, *net.input_shape])
    result = helper.make_tensor_value_info(tensor[net.layers[-1].name], TensorProto.FLOAT, None)
    graph = helper.make_graph(nodes, net.name, [image], [result], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, path)
    return path


def single_op(
    path: Path,
    op: str,
    input_shape: list,
    inits: dict[str, np.ndarray] | None = None,
    extra_inputs: list[str] | None = None,
    outputs: int = 1,
    opset: int = 17,
    **attrs: object,
) -> Path:
    """A one-node model: x -> op -> y (plus named initializers)."""
    inits = inits or {}
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, input_shape)
    outs = [f"y{i}" for i in range(outputs)]
    node = helper.make_node(
        op, ["x", *(extra_inputs or list(inits))], outs, name=f"the_{op.lower()}", **attrs
    )
    graph = helper.make_graph(
        [node],
        "t",
        [x],
        [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs],
        initializer=[numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]), path)
    return path
