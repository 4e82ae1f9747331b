"""ONNX models -> the network IR, with the `onnx` package and its shape inference.

Shapes in the IR exclude the batch: an ONNX tensor [N, C, H, W] becomes (C, H, W). Nodes
that only compute shapes or constants (Shape, Gather on shapes, Constant, Cast...) cost
nothing and disappear. Element-wise math without an op of its own (Erf, Sqrt, Div...) is a
generic element-wise layer under its own name. Ops accelsim has no model for are listed once in
a warning and costed the same way (`strict=True` makes them an error); so is control flow (If,
Loop, Scan), whose subgraphs are not looked into.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from accelsim.errors import AccelsimError
from accelsim.network import INPUT, LayerSpec, Network, build_network

ACTIVATION_OPS = {
    "Relu": "relu",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "HardSigmoid": "hsigmoid",
    "HardSwish": "hswish",
    "LeakyRelu": "leaky_relu",
    "Softmax": "softmax",
}
ELEMENTWISE_OPS = {"Add": "add", "Sub": "sub", "Mul": "mul"}
# Element-wise math costed generically (one vector op per output element), under its own name.
GENERIC_OPS = {
    *("Div", "Max", "Min", "Pow", "Mod", "Where", "Equal", "Less", "Greater", "And", "Or", "Not"),
    *("Erf", "Sqrt", "Exp", "Log", "Neg", "Abs", "Reciprocal", "Floor", "Ceil", "Round", "Sign"),
    *("Sin", "Cos", "Elu", "Selu", "Celu", "Gelu", "Mish", "Softplus", "Softsign"),
}
CONTROL_FLOW_OPS = {"If", "Loop", "Scan"}
PASS_OPS = {"Dropout", "Identity"}
VIEW_OPS = {"Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze"}  # reshuffle, move nothing
SHAPE_OPS = {"Shape", "Size", "Constant", "ConstantOfShape", "Range", "NonZero"}


class OnnxWarning(UserWarning):
    """An ONNX model held ops accelsim costs only approximately."""


def _load(path: Path) -> Any:
    import onnx
    from google.protobuf.message import DecodeError

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AccelsimError(f"{path}: cannot read file ({exc.strerror})") from None
    if not data:
        raise AccelsimError(f"{path}: empty file; expected an ONNX model")
    try:
        model = onnx.load_from_string(data)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise AccelsimError(f"{path}: not a valid ONNX model ({type(exc).__name__})") from None
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
    try:  # weights stored beside the model; absent files leave the shapes, which is all we need
        from onnx.external_data_helper import load_external_data_for_model

        load_external_data_for_model(model, str(path.parent))
    except Exception:  # noqa: BLE001 - onnx raises OSError or its checker's ValidationError
        warnings.warn(
            f"{path}: external weight files not found; using initializer shapes only",
            OnnxWarning,
            stacklevel=3,
        )
    return model


def _attrs(node: Any) -> dict[str, Any]:
    import onnx

    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _parse_shape(text: str) -> list[int]:
    try:
        dims = [int(d) for d in text.replace(",", "x").split("x") if d.strip()]
    except ValueError:
        dims = []
    if not dims or any(d <= 0 for d in dims):
        raise AccelsimError(f"--input-shape: expected dimensions like 1x3x224x224, got '{text}'")
    return dims


def _fix_input(model: Any, path: Path, input_shape: str | None) -> tuple[str, list[int]]:
    """The one graph input (initializers excluded) with every dimension fixed."""
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    if len(inputs) != 1:
        names = ", ".join(i.name for i in inputs) or "none"
        raise AccelsimError(f"{path}: expected one graph input, found {len(inputs)} ({names})")
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


def _pads(attrs: dict[str, Any], rank: int) -> list[int] | str:
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        return "same"
    pads = list(attrs.get("pads", [0] * (2 * rank)))
    if rank == 2:
        return [pads[0], pads[1], pads[2], pads[3]]  # top, left, bottom, right
    return [pads[0], 0, pads[1], 0] if rank == 1 else [0, 0, 0, 0]


def _importer(path: str | Path, input_shape: str | None, strict: bool) -> _Importer:
    import onnx

    path = Path(path)
    model = _load(path)
    input_name, _ = _fix_input(model, path, input_shape)
    try:
        inferred = onnx.shape_inference.infer_shapes(model, data_prop=True)
    except Exception as exc:  # onnx raises several internal types here
        raise AccelsimError(
            f"{path}: ONNX shape inference failed: {str(exc).splitlines()[0][:200]}"
        ) from None
    graph = inferred.graph
    shapes: dict[str, list[int]] = {}
    for value in [*graph.value_info, *graph.input, *graph.output]:
        dims = value.type.tensor_type.shape.dim
        if dims and all(d.HasField("dim_value") for d in dims):
            shapes[value.name] = [d.dim_value for d in dims]
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
    return _Importer(path, graph, shapes, initializers, values, input_name, strict)


def load_onnx(path: str | Path, input_shape: str | None = None, strict: bool = False) -> Network:
    """Import an ONNX model as an accelsim Network."""
    return _importer(path, input_shape, strict).run()


def load_onnx_weights(path: str | Path, input_shape: str | None = None) -> dict[str, Any]:
    """The weight arrays of an ONNX model's conv / linear layers, by accelsim layer name
    (layers whose weights are stored elsewhere and absent are left out)."""
    import numpy as np
    import onnx

    importer = _importer(path, input_shape, strict=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OnnxWarning)
        importer.run()
    tensors = {t.name: t for t in importer.graph.initializer}
    out = {}
    for layer, tensor_name in importer.weight_tensor.items():
        try:
            array = onnx.numpy_helper.to_array(tensors[tensor_name])
        except (ValueError, OSError):
            continue
        if array.size and np.issubdtype(array.dtype, np.floating):
            out[layer] = array
    return out


class _Importer:
    def __init__(
        self,
        path: Path,
        graph: Any,
        shapes: dict[str, list[int]],
        initializers: dict[str, list[int]],
        values: dict[str, Any],
        input_name: str,
        strict: bool,
    ) -> None:
        self.path, self.graph, self.shapes = path, graph, shapes
        self.init = initializers
        self.values = values  # small integer constants by value
        self.constant: set[str] = set(initializers)  # tensors that do not depend on the input
        self.producer: dict[str, str] = {input_name: INPUT}
        self.specs: list[LayerSpec] = []
        self.names: set[str] = set()
        self.unsupported: Counter[str] = Counter()
        self.weight_tensor: dict[str, str] = {}  # layer name -> its weight initializer
        self.input_name = input_name
        self.strict = strict

    def run(self) -> Network:
        for index, node in enumerate(self.graph.node):
            self._node(node, index)
        if self.unsupported:
            listing = ", ".join(f"{op} x{n}" for op, n in sorted(self.unsupported.items()))
            if self.strict:
                raise AccelsimError(f"{self.path}: unsupported ONNX ops (--strict): {listing}")
            warnings.warn(
                f"{self.path}: ops costed as one vector op per output element: {listing}",
                OnnxWarning,
                stacklevel=3,
            )
        if not self.specs:
            raise AccelsimError(f"{self.path}: no compute nodes depend on input '{self.input_name}'")
        input_dims = self.shapes.get(self.input_name) or []
        try:
            return build_network(
                self.path.stem, input_dims[1:], self.specs, description=f"imported from {self.path.name}"
            )
        except AccelsimError as exc:
            raise AccelsimError(f"{self.path}: {exc}") from None

    # ------------------------------------------------------------------ helpers
    def _name(self, node: Any, index: int) -> str:
        base = node.name or f"{node.op_type.lower()}_{index}"
        name, n = base.replace(" ", "_"), 1
        while name in self.names or name == INPUT:
            n += 1
            name = f"{base}_{n}"
        self.names.add(name)
        return name

    def _shape(self, tensor: str) -> list[int]:
        if tensor not in self.shapes:
            raise AccelsimError(f"{self.path}: ONNX shape inference left the shape of '{tensor}' unknown")
        dims = self.shapes[tensor]
        if not dims:
            raise AccelsimError(
                f"{self.path}: tensor '{tensor}' is a scalar where a batch of data was expected"
            )
        return dims[1:]  # drop the batch

    def _emit(
        self, node: Any, index: int, op: str, inputs: Sequence[str], outputs: Sequence[str] = (), **attrs: Any
    ) -> None:
        """Add a layer for `node` (reading `inputs`) that produces `outputs`, default all of
        the node's outputs (a Split makes one layer per output)."""
        missing = [t for t in inputs if t not in self.producer]
        if missing:
            raise AccelsimError(
                f"{self.path}: node '{node.name or node.op_type}' reads '{missing[0]}', "
                "which no earlier node produces (a cycle, or an unsorted graph)"
            )
        name = self._name(node, index)
        self.specs.append(LayerSpec(name, op, tuple(self.producer[t] for t in inputs), attrs))
        if (
            op in ("conv", "dwconv", "deconv", "linear")
            and len(node.input) > 1
            and node.input[1] in self.init
        ):
            self.weight_tensor[name] = node.input[1]
        for out in outputs or node.output:
            self.producer[out] = name

    def _alias(self, node: Any, source: str) -> None:
        for out in node.output:
            self.producer[out] = self.producer[source]

    # ------------------------------------------------------------------ ops
    def _node(self, node: Any, index: int) -> None:
        op = node.op_type
        data = [t for t in node.input if t and t not in self.constant]
        if op in CONTROL_FLOW_OPS:
            self._control_flow(node, index, data)
            return
        if op in SHAPE_OPS or not data:  # shape/constant computation: free
            self.constant.update(node.output)
            return
        a = _attrs(node)
        x = data[0]
        if op == "Conv":
            w = self.init.get(node.input[1])
            if w is None:
                raise AccelsimError(
                    f"{self.path}: Conv '{node.name}' has non-constant weights; expected an initializer"
                )
            k = w[2:] if len(w) == 4 else [w[2], 1]
            groups = a.get("group", 1)
            channels = self._shape(x)[0]
            if not isinstance(groups, int) or groups < 1 or w[1] * groups != channels:
                raise AccelsimError(
                    f"{self.path}: Conv '{node.name}': weight {w} with group={groups} expects "
                    f"{w[1] * groups if isinstance(groups, int) else '?'} input channels, but its input "
                    f"'{x}' has {channels}; expected weight[1] x group = input channels"
                )
            # one input channel per group over all channels: depthwise (so --width scales it right)
            depthwise = groups > 1 and w[1] == 1 and channels == groups
            common = dict(
                k=list(k),
                stride=list(a.get("strides", [1, 1])),
                dilation=list(a.get("dilations", [1, 1])),
                pad=_pads(a, len(w) - 2),
                bias=len(node.input) > 2 and bool(node.input[2]),
            )
            if depthwise:
                self._emit(node, index, "dwconv", [x], multiplier=w[0] // groups, **common)
            else:
                self._emit(node, index, "conv", [x], out=w[0], groups=groups, **common)
        elif op == "ConvTranspose":
            w = self.init[node.input[1]]
            pads = a.get("pads", [0, 0, 0, 0])
            self._emit(
                node,
                index,
                "deconv",
                [x],
                out=w[1] * a.get("group", 1),
                k=list(w[2:]),
                stride=list(a.get("strides", [1, 1])),
                pad=[pads[0], pads[1]],
                output_pad=list(a.get("output_padding", [0, 0])),
                groups=a.get("group", 1),
                bias=len(node.input) > 2 and bool(node.input[2]),
            )
        elif op == "Gemm":
            b = self.init.get(node.input[1])
            if b is None:
                self._emit(node, index, "matmul", data[:2])
                return
            out = b[0] if a.get("transB", 0) else b[1]
            self._emit(node, index, "linear", [x], out=out, bias=len(node.input) > 2 and bool(node.input[2]))
        elif op == "MatMul":
            if node.input[1] in self.init:
                w = self.init[node.input[1]]
                self._emit(node, index, "linear", [x], out=w[-1], bias=False, last_axis=True)
            else:
                self._emit(node, index, "matmul", data[:2])
        elif op in ("MaxPool", "AveragePool"):
            k = list(a["kernel_shape"])
            self._emit(
                node,
                index,
                "maxpool" if op == "MaxPool" else "avgpool",
                [x],
                k=k,
                stride=list(a.get("strides", [1] * len(k))),
                pad=_pads(a, len(k)),
                ceil_mode=bool(a.get("ceil_mode", 0)),
            )
        elif (
            op in ("GlobalAveragePool", "GlobalMaxPool")
            or op == "ReduceMean"
            and self._reduces_spatial(node, a)
        ):
            self._emit(node, index, "gap", [x])
        elif op == "BatchNormalization":
            self._emit(node, index, "bn", [x])
        elif op == "Clip":
            self._emit(node, index, "relu6", [x])
        elif op == "PRelu":
            self._emit(node, index, "prelu", [x])
        elif op in ACTIVATION_OPS:
            self._emit(node, index, ACTIVATION_OPS[op], [x])
        elif op in ELEMENTWISE_OPS:
            if len(data) == 1:  # with a constant: a per-channel scale or bias
                self._constant_operand(node, index, x, ELEMENTWISE_OPS[op])
            else:
                self._emit(node, index, ELEMENTWISE_OPS[op], data)
        elif op in GENERIC_OPS:
            self._generic(node, index, data)
        elif op == "Concat":
            axis = a.get("axis", 1)
            if axis in (1, -3) and all(len(self.shapes.get(t, [])) == 4 for t in data):
                self._emit(node, index, "concat", data)
            else:
                self._generic(node, index, data)
        elif op in PASS_OPS:
            self._alias(node, x)
        elif op in VIEW_OPS:
            shape = self._shape(node.output[0])
            # a full flatten stays generic, so a width or resolution change re-infers it
            self._emit(node, index, "flatten", [x], **({} if len(shape) == 1 else {"shape": shape}))
        elif op in ("Split", "Slice"):
            for out in node.output:
                if out:
                    self._emit(node, index, "slice", [x], [out], shape=self._shape(out))
        elif op == "Pad":
            self._emit(node, index, "pad", [x], shape=self._shape(node.output[0]))
        elif op in ("Resize", "Upsample"):
            self._resize(node, index, x)
        else:
            self.unsupported[op] += 1
            self._generic(node, index, data)

    def _generic(self, node: Any, index: int, data: Sequence[str]) -> None:
        """One vector op per output element, under the node's own op name."""
        self._emit(node, index, "eltwise", data, fn=node.op_type, shape=self._shape(node.output[0]))

    def _control_flow(self, node: Any, index: int, data: Sequence[str]) -> None:
        """If / Loop / Scan: an error under --strict; else costed as one generic op (its
        subgraphs are not looked into) with a warning naming the node."""
        label = f"{node.op_type} node '{node.name or index}'"
        if self.strict:
            raise AccelsimError(
                f"{self.path}: {label}: control flow is not supported (--strict); expected a graph "
                "without If/Loop/Scan (export with the branch or loop unrolled)"
            )
        if not data:
            data = [self.input_name]  # a branch on constants still runs once per inference
        warnings.warn(
            f"{self.path}: {label}: control flow; its subgraphs are not simulated, only one vector op "
            "per output element",
            OnnxWarning,
            stacklevel=4,
        )
        self._generic(node, index, data)

    def _reduces_spatial(self, node: Any, attrs: dict[str, Any]) -> bool:
        axes = attrs.get("axes")
        if axes is None and len(node.input) > 1:  # opset 18: axes as a constant input
            axes = self.values.get(node.input[1])
        if not isinstance(axes, list):
            return False
        return sorted(a % 4 for a in axes) == [2, 3]

    def _constant_operand(self, node: Any, index: int, x: str, op: str) -> None:
        """x (+-*/) constant. A bias after a bias-free linear folds into it (a parameter of
        that layer); any other is one vector op per output element."""
        const = next(t for t in node.input if t in self.constant)
        producer = self.producer.get(x)
        last = self.specs[-1] if self.specs else None
        if (
            op == "add"
            and last is not None
            and producer == last.name
            and last.op == "linear"
            and not last.attrs.get("bias")
            and const in self.init
        ):
            self.specs[-1] = LayerSpec(last.name, last.op, last.inputs, {**last.attrs, "bias": True})
            self._alias(node, x)
            return
        self._generic(node, index, [x])

    def _resize(self, node: Any, index: int, x: str) -> None:
        before, after = self._shape(x), self._shape(node.output[0])
        if len(before) == 3 and len(after) == 3 and after[1] % before[1] == 0 and after[2] % before[2] == 0:
            self._emit(node, index, "upsample", [x], scale=[after[1] // before[1], after[2] // before[2]])
        else:
            self._generic(node, index, [x])


def is_onnx(path: str | Path) -> bool:
    return str(path).lower().endswith(".onnx")
