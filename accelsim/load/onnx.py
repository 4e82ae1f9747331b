"""ONNX models -> the network IR, with the `onnx` package and its shape inference.

Shapes in the IR exclude the batch: an ONNX tensor [N, C, H, W] becomes (C, H, W). Nodes
that only compute shapes or constants (Shape, Gather on shapes, Constant, Cast...) cost
nothing and disappear. Element-wise math without an op of its own (Erf, Sqrt, Div...) is a
generic element-wise layer under its own name. Ops accelsim has no model for are listed once in
a warning and costed the same way (`strict=True` makes them an error); so is control flow (If,
Loop, Scan), whose subgraphs are not looked into.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from accelsim.errors import AccelsimError
from accelsim.ir.build import build_network
from accelsim.ir.network import INPUT, LayerSpec, Network
from accelsim.ir.ops import OPS
from accelsim.load.onnx_model import OnnxGraph, OnnxWarning, read_graph

ACTIVATION_OPS = {
    "Relu": "relu",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "HardSigmoid": "hsigmoid",
    "HardSwish": "hswish",
    "LeakyRelu": "leaky_relu",
    "Softmax": "softmax",
    "Gelu": "gelu",
}
# Normalizations over the last axis (transformers): ONNX op -> IR op.
NORM_OPS = {
    "LayerNormalization": "layernorm",
    "RMSNormalization": "rmsnorm",
    "SimplifiedLayerNormalization": "rmsnorm",  # onnxruntime's contrib op
}
ELEMENTWISE_OPS = {"Add": "add", "Sub": "sub", "Mul": "mul"}
# Element-wise math costed generically (one vector op per output element), under its own name.
GENERIC_OPS = {
    *("Div", "Max", "Min", "Pow", "Mod", "Where", "Equal", "Less", "Greater", "And", "Or", "Not"),
    *("Erf", "Sqrt", "Exp", "Log", "Neg", "Abs", "Reciprocal", "Floor", "Ceil", "Round", "Sign"),
    *("Sin", "Cos", "Elu", "Selu", "Celu", "Mish", "Softplus", "Softsign", "Expand"),
}
CONTROL_FLOW_OPS = {"If", "Loop", "Scan"}
RECURRENT_OPS = {"LSTM", "GRU"}
PASS_OPS = {"Dropout", "Identity"}
VIEW_OPS = {"Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze"}  # reshuffle, move nothing
SHAPE_OPS = {"Shape", "Size", "Constant", "ConstantOfShape", "Range", "NonZero"}


def _attrs(node: Any) -> dict[str, Any]:
    import onnx

    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _pads(attrs: dict[str, Any], rank: int) -> list[int] | str:
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        return "same"
    pads = list(attrs.get("pads", [0] * (2 * rank)))
    if rank == 2:
        return [pads[0], pads[1], pads[2], pads[3]]  # top, left, bottom, right
    return [pads[0], 0, pads[1], 0] if rank == 1 else [0, 0, 0, 0]


def load_onnx(path: str | Path, input_shape: str | None = None, strict: bool = False) -> Network:
    """Import an ONNX model as an accelsim Network. Networks are immutable, so an unchanged
    file imported again with the same options (a loop of simulate("model.onnx", ...)) is the
    first import's network; a changed file (size or modification time) is read again."""
    try:
        stat = Path(path).stat()
    except FileNotFoundError:
        raise AccelsimError(f"ONNX file not found: {path}") from None
    except OSError as exc:
        raise AccelsimError(f"{path}: cannot read file ({exc.strerror})") from None
    resolved = str(Path(path).resolve())
    return _imported(str(path), resolved, stat.st_size, stat.st_mtime_ns, input_shape, strict)


@lru_cache(maxsize=32)
def _imported(
    path: str, resolved: str, size: int, stamp: int, input_shape: str | None, strict: bool
) -> Network:
    return _Importer(read_graph(path, input_shape), strict).run()


def load_onnx_weights(path: str | Path, input_shape: str | None = None) -> dict[str, Any]:
    """The weight arrays of an ONNX model's conv / linear layers, by accelsim layer name
    (layers whose weights are stored elsewhere and absent are left out)."""
    import numpy as np
    import onnx

    importer = _Importer(read_graph(path, input_shape, weights=True), strict=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OnnxWarning)
        importer.run()
    tensors = {t.name: t for t in importer.graph.initializer}
    out = {}
    for layer, tensor_name in importer.weight_tensor.items():
        try:
            array = onnx.numpy_helper.to_array(tensors[tensor_name])
        except Exception:  # noqa: BLE001 - absent external data: onnx's checker error, OSError...
            continue
        if array.size and np.issubdtype(array.dtype, np.floating):
            out[layer] = array
    return out


class _Importer:
    """Walks the graph's nodes in order, one handler per ONNX op, emitting LayerSpecs."""

    def __init__(self, model: OnnxGraph, strict: bool) -> None:
        self.path, self.graph, self.shapes = model.path, model.graph, model.shapes
        self.init = model.initializers
        self.values = model.values  # small integer constants by value
        self.constant: set[str] = set(model.initializers)  # tensors that do not depend on the input
        self.producer: dict[str, str] = {model.input_name: INPUT}
        self.specs: list[LayerSpec] = []
        self.names: set[str] = set()
        self.unsupported: Counter[str] = Counter()
        self.weight_tensor: dict[str, str] = {}  # layer name -> its weight initializer
        self.input_name = model.input_name
        self.past = model.past
        self.strict = strict
        # the batch axis of tensors that do not hold it first: a recurrent layer's sequence-first
        # input (steps, batch, features) and what views make of its outputs
        self.batch_axis: dict[str, int] = {}
        self.used = {t for node in model.graph.node for t in node.input} | {
            o.name for o in model.graph.output
        }
        for node in model.graph.node:
            if (
                node.op_type in RECURRENT_OPS
                and node.input[0] == self.input_name
                and not _attrs(node).get("layout", 0)
            ):
                self.batch_axis[self.input_name] = 1

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
        input_dims = list(self.shapes.get(self.input_name) or [])
        if input_dims:
            del input_dims[self.batch_axis.get(self.input_name, 0)]
        return build_network(
            self.path.stem,
            input_dims,
            self.specs,
            description=f"imported from {self.path.name}",
            source=str(self.path),
        )

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
        dims = list(self.shapes[tensor])
        if not dims:
            raise AccelsimError(
                f"{self.path}: tensor '{tensor}' is a scalar where a batch of data was expected"
            )
        del dims[self.batch_axis.get(tensor, 0)]  # drop the batch
        return dims

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
        if OPS[op].has_weights and len(node.input) > 1 and node.input[1] in self.init:
            self.weight_tensor[name] = node.input[1]
        for out in outputs or node.output:
            self.producer[out] = name

    def _alias(self, node: Any, source: str) -> None:
        for out in node.output:
            self.producer[out] = self.producer[source]

    # ------------------------------------------------------------------ ops
    def _node(self, node: Any, index: int) -> None:
        op = node.op_type
        data = [t for t in node.input if t and t not in self.constant and t not in self.past]
        if op == "Concat" and any(t in self.past for t in node.input):
            self._kv_cache(node, index, data, _attrs(node))
            return
        if op in CONTROL_FLOW_OPS:
            self._control_flow(node, index, data)
            return
        if op in SHAPE_OPS or not data:  # shape/constant computation: free
            self.constant.update(node.output)
            return
        handler = _HANDLERS.get(op)
        if handler is None or handler(self, node, index, data, _attrs(node)) is _UNMODELLED:
            self.unsupported[op] += 1
            self._generic(node, index, data)

    # ------------------------------------------------------------------ handlers, one per ONNX op
    # Each gets the node, its position, its non-constant inputs and its attributes; one that
    # cannot model this particular node returns _UNMODELLED.

    def _conv(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> None:
        x = data[0]
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
        common: dict[str, Any] = dict(
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

    def _conv_transpose(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> None:
        w = self.init[node.input[1]]
        pads = a.get("pads", [0, 0, 0, 0])
        self._emit(
            node,
            index,
            "deconv",
            [data[0]],
            out=w[1] * a.get("group", 1),
            k=list(w[2:]),
            stride=list(a.get("strides", [1, 1])),
            pad=[pads[0], pads[1]],
            output_pad=list(a.get("output_padding", [0, 0])),
            groups=a.get("group", 1),
            bias=len(node.input) > 2 and bool(node.input[2]),
        )

    def _gemm(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> None:
        b = self.init.get(node.input[1])
        if b is None:
            self._emit(node, index, "matmul", data[:2])
            return
        out = b[0] if a.get("transB", 0) else b[1]
        self._emit(
            node, index, "linear", [data[0]], out=out, bias=len(node.input) > 2 and bool(node.input[2])
        )

    def _matmul(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> None:
        if node.input[1] in self.init:
            w = self.init[node.input[1]]
            self._emit(node, index, "linear", [data[0]], out=w[-1], bias=False, last_axis=True)
        else:
            self._emit(node, index, "matmul", data[:2])

    def _recurrent(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> object:
        """LSTM / GRU: the gate weights W (directions, gates x hidden, features) and R, the
        biases B (both of ONNX's, as PyTorch exports them), LSTM peepholes P; outputs Y (every
        step), Y_h and Y_c (the last step's state), in either layout."""
        if len(node.input) < 4 or not node.input[3] or node.input[1] not in self.init:
            return _UNMODELLED  # no biases, or weights computed at run time
        op = node.op_type.lower()
        direction = a.get("direction", b"forward")
        direction = direction.decode() if isinstance(direction, bytes) else direction
        layout = a.get("layout", 0)
        dirs, gates = 2 if direction == "bidirectional" else 1, {"lstm": 4, "gru": 3}[op]
        hidden = a.get("hidden_size")
        features = self._shape(data[0])[-1]
        if self.init[node.input[1]] != [dirs, gates * (hidden or 0), features]:
            raise AccelsimError(
                f"{self.path}: {node.op_type} '{node.name or index}': weights W are "
                f"{self.init[node.input[1]]} with hidden_size={hidden}, direction={direction}; expected "
                f"[{dirs}, {gates} x hidden_size, {features} input features]"
            )
        attrs: dict[str, Any] = {
            "hidden": hidden,
            "bidirectional": dirs == 2,
            "recurrent_bias": True,
        }
        if op == "lstm" and len(node.input) > 7 and node.input[7]:
            attrs["peepholes"] = True
        outputs = [t for t in node.output if t]
        every_step = bool(outputs) and outputs[0] == node.output[0] and node.output[0] in self.used
        self._emit(
            node, index, op, [data[0]], outputs[:1] if every_step else [], sequences=every_step, **attrs
        )
        layer = self.specs[-1].name
        # Y: (steps, directions, batch, hidden), or batch first; Y_h, Y_c: (directions, batch, hidden)
        self.batch_axis[node.output[0]] = 0 if layout else 2
        for state in node.output[1:]:
            if not state:
                continue
            self.batch_axis[state] = 0 if layout else 1
            if every_step:  # the last step of Y: a view
                self.specs.append(
                    LayerSpec(f"{layer}_last", "slice", (layer,), {"shape": [math.prod(self._shape(state))]})
                )
                self.names.add(f"{layer}_last")
                self.producer[state] = f"{layer}_last"
            else:
                self.producer[state] = layer
        return None

    def _pool(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> None:
        k = list(a["kernel_shape"])
        self._emit(
            node,
            index,
            "maxpool" if node.op_type == "MaxPool" else "avgpool",
            [data[0]],
            k=k,
            stride=list(a.get("strides", [1] * len(k))),
            pad=_pads(a, len(k)),
            ceil_mode=bool(a.get("ceil_mode", 0)),
        )

    def _reduce_mean(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> object:
        axes = a.get("axes")
        if axes is None and len(node.input) > 1:  # opset 18: axes as a constant input
            axes = self.values.get(node.input[1])
        if not isinstance(axes, list) or sorted(ax % 4 for ax in axes) != [2, 3]:
            return _UNMODELLED
        self._emit(node, index, "gap", [data[0]])
        return None

    def _gather(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> object:
        """Rows of a constant table looked up by token ids: an embedding. (A Gather of
        constants only, as of position ids, costs nothing; a Gather on data is generic.)"""
        table = self.init.get(node.input[0])
        axis = a.get("axis", 0)
        batch = self.batch_axis.get(node.input[0], 0)
        if (
            table is None
            and data == [node.input[0]]
            and axis % max(len(self.shapes.get(node.input[0], [])), 1) != batch
        ):
            # constant indices into data off its batch axis (a sequence's last step): read in place
            scalar = not self.shapes.get(node.input[1], [1])
            self.batch_axis[node.output[0]] = (
                batch - 1 if scalar and axis % len(self.shapes[node.input[0]]) < batch else batch
            )
            self._emit(node, index, "slice", data, shape=self._shape(node.output[0]))
            return None
        if table is None or len(table) != 2 or axis != 0 or data != [node.input[1]]:
            return _UNMODELLED
        self._emit(node, index, "embedding", data, vocab=table[0], out=table[1])
        return None

    def _norm(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> object:
        rank = len(self.shapes.get(data[0], []))
        if a.get("axis", -1) not in (-1, rank - 1):
            return _UNMODELLED  # over more than the last axis
        self._emit(node, index, NORM_OPS[node.op_type], [data[0]])
        return None

    def _one_to_one(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> None:
        self._emit(node, index, _ONE_TO_ONE[node.op_type], [data[0]])

    def _arithmetic(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> None:
        if len(data) == 1:  # with a constant: a per-channel scale or bias
            self._constant_operand(node, index, data[0], ELEMENTWISE_OPS[node.op_type])
        else:
            self._emit(node, index, ELEMENTWISE_OPS[node.op_type], data)

    def _generic_handler(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> None:
        self._generic(node, index, data)

    def _kv_cache(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> None:
        """A decoder's cache: this step's keys or values appended to the past input's, along
        the tokens' axis (the one before the last: (batch, heads, tokens, head size))."""
        past = next(t for t in node.input if t in self.past)
        dims = self.shapes.get(past, [])
        if len(data) != 1 or len(dims) < 3 or a.get("axis", 0) % len(dims) != len(dims) - 2:
            raise AccelsimError(
                f"{self.path}: node '{node.name or index}' appends to '{past}' along axis {a.get('axis')}; "
                "expected one new tensor appended along the tokens' axis (the one before the last)"
            )
        self._emit(node, index, "kv_cache", data, past=dims[-2])

    def _concat(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> None:
        if a.get("axis", 1) in (1, -3) and all(len(self.shapes.get(t, [])) == 4 for t in data):
            self._emit(node, index, "concat", data)
        else:
            self._generic(node, index, data)

    def _pass(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> None:
        self._carry_batch(node, data[0], a)
        self._alias(node, data[0])

    def _carry_batch(self, node: Any, source: str, a: dict[str, Any]) -> None:
        """Where a view puts a tensor's batch axis when it was not the first (sequence-first
        recurrent data): a transpose moves it by its perm; a squeeze or reshape keeps the
        elements before it, so it lands where as many elements come before it."""
        axis = self.batch_axis.get(source, 0)
        if not axis:
            return
        out = node.output[0]
        if node.op_type == "Transpose" and "perm" in a:
            self.batch_axis[out] = list(a["perm"]).index(axis)
            return
        before, dims, after = self.shapes.get(source, []), self.shapes.get(out, []), 1
        elements = math.prod(before[:axis])
        for k, dim in enumerate(dims):
            if after == elements and before and dim == before[axis]:
                self.batch_axis[out] = k
                return
            after *= dim

    def _view(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> None:
        self._carry_batch(node, data[0], a)
        shape = self._shape(node.output[0])
        # a full flatten stays generic, so a width or resolution change re-infers it
        view: dict[str, Any] = {} if len(shape) == 1 else {"shape": shape}
        self._emit(node, index, "flatten", [data[0]], **view)

    def _split(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> None:
        for out in node.output:
            if out:
                self._emit(node, index, "slice", [data[0]], [out], shape=self._shape(out))

    def _pad(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> None:
        self._emit(node, index, "pad", [data[0]], shape=self._shape(node.output[0]))

    def _resize(self, node: Any, index: int, data: list[str], a: dict[str, Any]) -> None:
        x = data[0]
        before, after = self._shape(x), self._shape(node.output[0])
        if len(before) == 3 and len(after) == 3 and after[1] % before[1] == 0 and after[2] % before[2] == 0:
            self._emit(node, index, "upsample", [x], scale=[after[1] // before[1], after[2] // before[2]])
        else:
            self._generic(node, index, [x])

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
        # named apart from the two-input op (add_const, mul_const...): one tensor, one vector op
        self._emit(node, index, "eltwise", [x], fn=f"{op}_const", shape=self._shape(node.output[0]))


_UNMODELLED = object()  # a handler's answer when it cannot model the node
# Ops that become one IR op of the same meaning, reading the node's first data input.
_ONE_TO_ONE = {
    **ACTIVATION_OPS,
    "GlobalAveragePool": "gap",
    "GlobalMaxPool": "gap",
    "BatchNormalization": "bn",
    "Clip": "relu6",
    "PRelu": "prelu",
}
_HANDLERS: dict[str, Callable[[_Importer, Any, int, list[str], dict[str, Any]], object]] = {
    "Conv": _Importer._conv,
    "ConvTranspose": _Importer._conv_transpose,
    "Gemm": _Importer._gemm,
    "MatMul": _Importer._matmul,
    "MaxPool": _Importer._pool,
    "AveragePool": _Importer._pool,
    "ReduceMean": _Importer._reduce_mean,
    "Concat": _Importer._concat,
    "Pad": _Importer._pad,
    "Split": _Importer._split,
    "Slice": _Importer._split,
    "Resize": _Importer._resize,
    "Upsample": _Importer._resize,
    "Gather": _Importer._gather,
    **dict.fromkeys(RECURRENT_OPS, _Importer._recurrent),
    **dict.fromkeys(NORM_OPS, _Importer._norm),
    **dict.fromkeys(_ONE_TO_ONE, _Importer._one_to_one),
    **dict.fromkeys(ELEMENTWISE_OPS, _Importer._arithmetic),
    **dict.fromkeys(GENERIC_OPS, _Importer._generic_handler),
    **dict.fromkeys(PASS_OPS, _Importer._pass),
    **dict.fromkeys(VIEW_OPS, _Importer._view),
}
