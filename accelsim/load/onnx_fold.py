"""Folding an exported graph's run-time shape arithmetic into constants.

Exporters compute sizes at run time: `Shape -> Gather -> Div -> Slice` splits a tensor's channels
in half (torchvision's ShuffleNet v2), `Shape -> Concat -> Reshape` flattens. With the input's
shape fixed, every such value is a constant; onnx's shape inference does not propagate all of
them (Div, for one), which leaves the tensors they size without a shape. This evaluates those
nodes on small integer arrays (numpy), replaces each by an initializer holding its value, and
lets shape inference run again, until nothing more folds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from accelsim.load.onnx_wire import SMALL  # a shape computation, not data: larger is left alone

Values = dict[str, np.ndarray]


def _attrs(node: Any) -> dict[str, Any]:
    import onnx

    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _axes(node: Any, values: Values, position: int) -> list[int] | None:
    axes = _attrs(node).get("axes")
    if axes is None and len(node.input) > position and node.input[position]:
        axes = values[node.input[position]].tolist()
    return None if axes is None else [int(a) for a in axes]


def _shape(node: Any, values: Values, shapes: Mapping[str, list[int]]) -> np.ndarray:
    attrs = _attrs(node)
    dims = shapes[node.input[0]]  # KeyError: shape not known yet
    return np.array(dims[attrs.get("start", 0) : attrs.get("end", len(dims))], dtype=np.int64)


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if np.issubdtype(a.dtype, np.integer) and np.issubdtype(b.dtype, np.integer):
        return np.asarray(np.trunc(a / b)).astype(a.dtype)  # ONNX integer division truncates toward zero
    return np.asarray(a / b)


def _slice(node: Any, values: Values) -> np.ndarray:
    data, starts, ends = (values[name] for name in node.input[:3])
    axes = (
        values[node.input[3]].tolist() if len(node.input) > 3 and node.input[3] else list(range(len(starts)))
    )
    steps = values[node.input[4]].tolist() if len(node.input) > 4 and node.input[4] else [1] * len(starts)
    index = [slice(None)] * data.ndim
    for axis, start, end, step in zip(axes, starts.tolist(), ends.tolist(), steps, strict=True):
        index[axis] = slice(start, end, step)
    return data[tuple(index)]


def _cast(node: Any, values: Values) -> np.ndarray:
    import onnx

    return values[node.input[0]].astype(onnx.helper.tensor_dtype_to_np_dtype(_attrs(node)["to"]))


def _arguments(node: Any, values: Values) -> list[np.ndarray]:
    return [values[name] for name in node.input if name]


_RULES: dict[str, Callable[[Any, Values], np.ndarray]] = {
    "Gather": lambda n, v: np.take(v[n.input[0]], v[n.input[1]], axis=_attrs(n).get("axis", 0)),
    "Unsqueeze": lambda n, v: np.expand_dims(v[n.input[0]], tuple(_axes(n, v, 1) or ())),
    "Squeeze": lambda n, v: np.squeeze(v[n.input[0]], axis=tuple(a) if (a := _axes(n, v, 1)) else None),
    "Concat": lambda n, v: np.concatenate(_arguments(n, v), axis=_attrs(n)["axis"]),
    "Add": lambda n, v: np.add(*_arguments(n, v)),
    "Sub": lambda n, v: np.subtract(*_arguments(n, v)),
    "Mul": lambda n, v: np.multiply(*_arguments(n, v)),
    "Div": lambda n, v: _divide(*_arguments(n, v)),
    "Slice": _slice,
    "Cast": _cast,
    "Identity": lambda n, v: v[n.input[0]],
    "Range": lambda n, v: np.arange(*(x.item() for x in _arguments(n, v))),
}


def _small_values(graph: Any) -> Values:
    import onnx
    from onnx import numpy_helper

    values = {
        t.name: numpy_helper.to_array(t)
        for t in graph.initializer
        if math.prod(t.dims) <= SMALL
        and t.data_type != onnx.TensorProto.STRING
        and t.data_location != onnx.TensorProto.EXTERNAL  # weights, maybe absent: never shapes
    }
    for node in graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            tensor = node.attribute[0].t
            if math.prod(tensor.dims) <= SMALL:
                values[node.output[0]] = numpy_helper.to_array(tensor)
    return values


def fold(model: Any, shapes: Mapping[str, list[int]]) -> int:
    """Replace the nodes whose outputs are computable now (small values from constants and known
    shapes) by initializers. Returns how many nodes were folded."""
    from onnx import numpy_helper

    graph = model.graph
    values = _small_values(graph)
    folded = []
    for node in graph.node:
        if node.op_type not in _RULES and node.op_type != "Shape" or len(node.output) != 1:
            continue
        try:
            if node.op_type == "Shape":
                result = _shape(node, values, shapes)
            else:
                result = np.asarray(_RULES[node.op_type](node, values))
        except (KeyError, IndexError, ValueError, TypeError, ZeroDivisionError):
            continue  # an input not known (yet), or not a shape computation
        if result.size > SMALL or result.dtype == object:
            continue
        values[node.output[0]] = result
        folded.append((node, result))
    for node, result in folded:
        graph.node.remove(node)
        graph.initializer.append(numpy_helper.from_array(result, node.output[0]))
    return len(folded)
