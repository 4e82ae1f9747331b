"""Reading an ONNX file: the model (with its external weight files when present), its opset
checked, its one input fixed, and every tensor shape inferred by onnx's shape inference."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accelsim.errors import AccelsimError
from accelsim.load.onnx_fold import fold
from accelsim.load.onnx_wire import read_without_weights
from accelsim.load.userfile import open_regular

MAX_ONNX_BYTES = 2**31  # protobuf's limit on one message: a larger model keeps its weights outside


class OnnxWarning(UserWarning):
    """An ONNX model held ops accelsim costs only approximately."""


@dataclass(frozen=True)
class OnnxGraph:
    path: Path
    graph: Any  # onnx.GraphProto, shapes inferred
    shapes: dict[str, list[int]]  # tensor -> dims (batch included), where known
    initializers: dict[str, list[int]]  # constant tensor -> dims
    values: dict[str, Any]  # small integer constants (axes, pads...) by value
    input_name: str
    past: frozenset[str] = frozenset()  # a decoder's past keys and values: cached, not input


def _load(path: Path, weights: bool) -> Any:
    """The model; without `weights`, the data of its large initializers is never read (their
    dims and types are all the network needs), and external weight files are not opened."""
    import onnx
    from google.protobuf.message import DecodeError

    with open_regular(path, "ONNX", MAX_ONNX_BYTES) as stream:
        if os.fstat(stream.fileno()).st_size == 0:
            raise AccelsimError(f"{path}: empty file; expected an ONNX model")
        try:
            data = stream.read() if weights else read_without_weights(stream)
            model = onnx.load_from_string(data)
        except OSError as exc:
            raise AccelsimError(f"{path}: cannot read file ({exc.strerror})") from None
        except (DecodeError, ValueError, RuntimeError, IndexError) as exc:
            raise AccelsimError(f"{path}: not a valid ONNX model ({type(exc).__name__})") from None
    del data
    if not model.graph.node:
        raise AccelsimError(f"{path}: the ONNX graph has no nodes")
    newest = onnx.defs.onnx_opset_version()
    for opset in model.opset_import:
        if opset.domain in ("", "ai.onnx") and not 1 <= opset.version <= newest:
            raise AccelsimError(
                f"{path}: ONNX opset {opset.version} is outside what the installed onnx "
                f"{onnx.__version__} supports; expected opset 1 to {newest} (upgrade onnx, or export "
                "with an older opset)"
            )
    if not weights:
        return model
    try:  # weights stored beside the model; absent files leave the shapes
        from onnx.external_data_helper import load_external_data_for_model

        load_external_data_for_model(model, str(path.parent))
    except Exception:  # noqa: BLE001 - onnx raises OSError or its checker's ValidationError
        warnings.warn(
            f"{path}: external weight files not found; using initializer shapes only",
            OnnxWarning,
            stacklevel=3,
        )
    return model


def _parse_shape(text: str) -> list[int]:
    try:
        dims = [int(d) for d in text.replace(",", "x").split("x") if d.strip()]
    except ValueError:
        dims = []
    if not dims or any(d <= 0 for d in dims):
        raise AccelsimError(f"--input-shape: expected dimensions like 1x3x224x224, got '{text}'")
    return dims


def is_past(name: str) -> bool:
    """A decoder export's cached keys or values (`past_key_values.0.key`, `past.3.value`...)."""
    return name.startswith("past")


def _fix_input(model: Any, path: Path, input_shape: str | None) -> tuple[str, list[int]]:
    """The one graph input (initializers and a decoder's past keys and values excluded) with
    every dimension fixed."""
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers and not is_past(i.name)]
    if len(inputs) != 1:
        names = ", ".join(i.name for i in inputs) or "none"
        raise AccelsimError(f"{path}: expected one graph input, found {len(inputs)} ({names})")
    for past in (i for i in model.graph.input if is_past(i.name)):
        dims = past.type.tensor_type.shape.dim
        if not all(d.HasField("dim_value") and d.dim_value > 0 for d in list(dims)[1:]):
            raise AccelsimError(
                f"{path}: past input '{past.name}' has a symbolic dimension; expected a fixed past "
                "length (export with the cache of the tokens already seen)"
            )
        dims[0].Clear()
        dims[0].dim_value = 1
    graph_input = inputs[0]
    dims = graph_input.type.tensor_type.shape.dim
    given = _parse_shape(input_shape) if input_shape else None
    if given is not None:
        if len(given) == len(dims) - 1:
            given = [1, *given]  # the batch is accelsim's --batch
        if len(given) != len(dims):
            raise AccelsimError(
                f"--input-shape {input_shape}: input '{graph_input.name}' has {len(dims)} dims"
            )
        shape = given
    else:
        shape = []
        for i, dim in enumerate(dims):
            if dim.HasField("dim_value") and dim.dim_value > 0:
                shape.append(dim.dim_value)
            elif i == 0:
                shape.append(1)  # the batch dimension; accelsim batches with --batch
            else:
                raise AccelsimError(
                    f"{path}: input '{graph_input.name}' has a symbolic dimension "
                    f"'{dim.dim_param or '?'}' at axis {i}; give --input-shape, e.g. 1x3x224x224"
                )
    for dim, value in zip(dims, shape, strict=True):
        dim.Clear()
        dim.dim_value = value
    return graph_input.name, shape


MAX_FOLD_ROUNDS = 8  # exported graphs fold in two or three rounds


def _static_shapes(graph: Any) -> dict[str, list[int]]:
    shapes: dict[str, list[int]] = {}
    for value in [*graph.value_info, *graph.input, *graph.output]:
        dims = value.type.tensor_type.shape.dim
        if all(d.HasField("dim_value") for d in dims):  # a scalar (no dims) is static too
            shapes[value.name] = [d.dim_value for d in dims]
    return shapes


def read_graph(path: str | Path, input_shape: str | None, weights: bool = False) -> OnnxGraph:
    """The model's graph with its input fixed and every shape inferred (with the weights'
    values when `weights`: only compression's measured Huffman sizes need them)."""
    import onnx

    path = Path(path)
    model = _load(path, weights)
    input_name, _ = _fix_input(model, path, input_shape)
    for _ in range(MAX_FOLD_ROUNDS):  # infer, fold the shape arithmetic that became constant, again
        try:
            inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
        except Exception as exc:  # onnx raises several internal types here
            raise AccelsimError(
                f"{path}: ONNX shape inference failed: {str(exc).splitlines()[0][:200]}"
            ) from None
        graph = inferred.graph
        shapes = _static_shapes(graph)
        if not fold(model, shapes):
            break
    initializers = {t.name: list(t.dims) for t in graph.initializer}
    # small integer constants (axes, pads...) by value, from initializers and Constant nodes
    values = {
        t.name: onnx.numpy_helper.to_array(t).tolist()
        for t in graph.initializer
        if t.data_type == onnx.TensorProto.INT64 and len(t.dims) <= 1 and (not t.dims or t.dims[0] <= 16)
    }
    for node in graph.node:
        if (
            node.op_type == "Constant"
            and node.attribute
            and node.attribute[0].type == onnx.AttributeProto.TENSOR
        ):
            tensor = node.attribute[0].t
            if tensor.data_type == onnx.TensorProto.INT64:
                values[node.output[0]] = onnx.numpy_helper.to_array(tensor).tolist()
    past = frozenset(i.name for i in graph.input if is_past(i.name))
    return OnnxGraph(path, graph, shapes, initializers, values, input_name, past)


def is_onnx(path: str | Path) -> bool:
    return str(path).lower().endswith(".onnx")
