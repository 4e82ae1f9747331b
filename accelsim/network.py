"""The network IR: a DAG of layers whose shapes are inferred from the input shape.

A network is defined by `LayerSpec`s (what the user or an importer wrote: op, inputs and
attributes) and built into `Layer`s (shapes, weight shape, parameters, MACs, vector ops).
Shapes exclude the batch: (C, H, W) for feature maps, (F,) for vectors.
The IR knows nothing of hardware.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import networkx as nx

from accelsim.errors import AccelsimError, closest

Shape = tuple[int, ...]
INPUT = "input"  # the name by which layers refer to the network input
MAX_ELEMENTS = 2**34  # per tensor (batch 1): 16 G elements; anything larger is a typo or an attack
MAX_LAYERS = 100_000  # the largest zoo network has ~250; an exported LLM a few thousand

# Layer kinds that multiply-accumulate with weights (run on the MAC array).
MAC_KINDS = frozenset({"conv", "linear", "deconv", "matmul"})

# Activation functions, all costed as vector element-operations per output element.
ACTIVATIONS = frozenset(
    {"relu", "relu6", "leaky_relu", "prelu", "sigmoid", "hsigmoid", "hswish", "swish", "tanh"}
)

# Spellings accepted in workload files and importers -> canonical op.
OP_ALIASES = {
    "conv2d": "conv",
    "dense": "linear",
    "fc": "linear",
    "gemm": "linear",
    "convtranspose": "deconv",
    "conv_transpose": "deconv",
    "global_avgpool": "gap",
    "globalavgpool": "gap",
    "batchnorm": "bn",
    "batch_norm": "bn",
    "channel_shuffle": "shuffle",
    "identity": "dropout",
    "reshape": "flatten",
    "resize": "upsample",
    "max_unpool": "maxunpool",
    "h_swish": "hswish",
    "hardswish": "hswish",
    "h_sigmoid": "hsigmoid",
    "hardsigmoid": "hsigmoid",
}


@dataclass(frozen=True)
class LayerSpec:
    """One layer as defined: op name, producer layer names, and op attributes. `where` says
    where it was written (file:line), for error messages."""

    name: str
    op: str
    inputs: tuple[str, ...]
    attrs: Mapping[str, Any] = field(default_factory=dict)
    where: str = field(default="", compare=False)


@dataclass(frozen=True)
class Layer:
    """One op with its inferred shapes and costs (batch 1)."""

    name: str
    kind: str
    inputs: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    output_shape: Shape
    attrs: Mapping[str, Any]
    weight_shape: Shape = ()
    bias_size: int = 0
    macs: int = 0  # one multiply-accumulate each
    vector_ops: int = 0  # element-operations on the vector unit (pool, add, activation...)

    @property
    def weight_count(self) -> int:
        return math.prod(self.weight_shape) if self.weight_shape else 0

    @property
    def params(self) -> int:
        return self.weight_count + self.bias_size

    @property
    def input_elements(self) -> int:
        return sum(math.prod(s) for s in self.input_shapes)

    @property
    def output_elements(self) -> int:
        return math.prod(self.output_shape)

    def weight_bytes(self, bits: float = 32) -> float:
        """Bytes of weights and biases stored at `bits` per value."""
        return self.params * bits / 8


@dataclass(frozen=True)
class Network:
    """A built network: layers in topological order, plus the specs it was built from."""

    name: str
    input_shape: Shape
    layers: tuple[Layer, ...]
    specs: tuple[LayerSpec, ...]
    description: str = ""

    @cached_property
    def graph(self) -> nx.DiGraph:
        g = nx.DiGraph()
        g.add_node(INPUT)
        for layer in self.layers:
            g.add_node(layer.name, layer=layer)
            for src in layer.inputs:
                g.add_edge(src, layer.name)
        return g

    @cached_property
    def _by_name(self) -> dict[str, Layer]:
        return {layer.name: layer for layer in self.layers}

    def layer(self, name: str) -> Layer:
        try:
            return self._by_name[name]
        except KeyError:
            raise AccelsimError(
                f"network '{self.name}' has no layer '{name}'{closest(name, self._by_name)}"
            ) from None

    @property
    def params(self) -> int:
        return sum(layer.params for layer in self.layers)

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def vector_ops(self) -> int:
        return sum(layer.vector_ops for layer in self.layers)

    @property
    def output_shape(self) -> Shape:
        return self.layers[-1].output_shape

    def weight_bytes(self, bits: float = 32) -> float:
        return self.params * bits / 8

    def to_dict(self) -> dict[str, Any]:
        """Machine-readable summary (the `accelsim info --json` fields)."""
        return {
            "name": self.name,
            "description": self.description,
            "input_shape": list(self.input_shape),
            "params": self.params,
            "macs": self.macs,
            "vector_ops": self.vector_ops,
            "weight_bytes_fp32": self.weight_bytes(32),
            "layers": [
                {
                    "name": layer.name,
                    "kind": layer.kind,
                    "inputs": list(layer.inputs),
                    "input_shape": list(layer.input_shapes[0]),
                    "input_shapes": [list(s) for s in layer.input_shapes],
                    "output_shape": list(layer.output_shape),
                    "params": layer.params,
                    "macs": layer.macs,
                    "vector_ops": layer.vector_ops,
                    "weight_bytes_fp32": layer.weight_bytes(32),
                }
                for layer in self.layers
            ],
        }


# --------------------------------------------------------------------------- helpers


def _is_int(value: Any, minimum: int) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= minimum


def _pair(value: Any, what: str, layer: str, minimum: int = 1) -> tuple[int, int]:
    """An int or [h, w], each at least `minimum` (1 for kernels, strides, dilations, scales)."""
    if _is_int(value, minimum):
        return value, value
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(_is_int(v, minimum) for v in value):
        return int(value[0]), int(value[1])
    kind = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    raise AccelsimError(f"layer '{layer}': {what} must be {kind} or [h, w] of them, got {value!r}")


def _positive_int(value: Any, what: str, layer: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise AccelsimError(f"layer '{layer}': {what} must be a positive integer, got {value!r}")
    return value


def _padding(
    spec: LayerSpec,
    size: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> tuple[int, int, int, int]:
    """Resolve `pad` to (top, left, bottom, right). Accepts int, [h, w], [t, l, b, r], 'same'."""
    pad = spec.attrs.get("pad", 0)
    if pad == "same":  # output = ceil(input / stride), extra padding at the end (as TF / ONNX SAME_UPPER)
        out = []
        for i in range(2):
            eff_k = (kernel[i] - 1) * dilation[i] + 1
            total = max((math.ceil(size[i] / stride[i]) - 1) * stride[i] + eff_k - size[i], 0)
            out.append((total // 2, total - total // 2))
        return out[0][0], out[1][0], out[0][1], out[1][1]
    if isinstance(pad, (list, tuple)) and len(pad) == 4:
        if not all(_is_int(p, 0) for p in pad):
            raise AccelsimError(f"layer '{spec.name}': pad must be integers >= 0, got {pad!r}")
        return tuple(int(p) for p in pad)  # type: ignore[return-value]
    ph, pw = _pair(pad, "pad", spec.name, minimum=0)
    return ph, pw, ph, pw


def _window_fits(
    spec: LayerSpec,
    what: str,
    kernel: tuple[int, int],
    dilation: tuple[int, int],
    size: tuple[int, int],
    pads: tuple[int, int, int, int],
) -> None:
    """A sliding window must fit the padded input."""
    span = [(kernel[i] - 1) * dilation[i] + 1 for i in range(2)]
    padded = (size[0] + pads[0] + pads[2], size[1] + pads[1] + pads[3])
    if span[0] > padded[0] or span[1] > padded[1]:
        raise AccelsimError(
            f"layer '{spec.name}': {what} {span[0]}x{span[1]} (dilated) is larger than the padded input "
            f"{padded[0]}x{padded[1]}; expected at most {padded[0]}x{padded[1]}"
        )


def _window_out(
    size: int,
    kernel: int,
    stride: int,
    pad_begin: int,
    pad_end: int,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """Output length of a sliding window; ceil mode as Caffe/PyTorch (no window starting in padding)."""
    span = size + pad_begin + pad_end - dilation * (kernel - 1) - 1
    if ceil_mode:
        out = -(-span // stride) + 1
        if pad_begin > 0 and (out - 1) * stride >= size + pad_begin:
            out -= 1
    else:
        out = span // stride + 1
    return out


def _feature_map(spec: LayerSpec, shape: Shape) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise AccelsimError(
            f"layer '{spec.name}' ({spec.op}) needs a (C, H, W) feature map as input, got shape {shape}"
        )
    return shape  # type: ignore[return-value]


def _single(spec: LayerSpec, shapes: Sequence[Shape]) -> Shape:
    if len(shapes) != 1:
        raise AccelsimError(f"layer '{spec.name}' ({spec.op}) takes one input, got {len(shapes)}")
    return shapes[0]


# --------------------------------------------------------------------------- shape inference
# Each rule takes the spec and its input shapes and returns the fields of the Layer.

Inferred = dict[str, Any]


def _conv(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    c, h, w = _feature_map(spec, _single(spec, shapes))
    kernel = _pair(spec.attrs.get("k", 1), "kernel k", spec.name)
    stride = _pair(spec.attrs.get("stride", 1), "stride", spec.name)
    dilation = _pair(spec.attrs.get("dilation", 1), "dilation", spec.name)
    depthwise = spec.op == "dwconv"
    groups = c if depthwise else _positive_int(spec.attrs.get("groups", 1), "groups", spec.name)
    multiplier = _positive_int(spec.attrs.get("multiplier", 1), "multiplier", spec.name)
    out_c = c * multiplier if depthwise else spec.attrs.get("out")
    out_c = _positive_int(out_c, "out (output channels)", spec.name)
    if c % groups or out_c % groups:
        raise AccelsimError(
            f"layer '{spec.name}': groups={groups} must divide input channels {c} "
            f"and output channels {out_c} (input shape {shapes[0]})"
        )
    pads = _padding(spec, (h, w), kernel, stride, dilation)
    _window_fits(spec, "kernel", kernel, dilation, (h, w), pads)
    oh = _window_out(h, kernel[0], stride[0], pads[0], pads[2], dilation[0])
    ow = _window_out(w, kernel[1], stride[1], pads[1], pads[3], dilation[1])
    weight = (out_c, c // groups, *kernel)
    return dict(
        kind="conv",
        output_shape=(out_c, oh, ow),
        attrs=dict(
            kernel=kernel,
            stride=stride,
            dilation=dilation,
            pads=pads,
            groups=groups,
            depthwise=groups == c and groups > 1,
        ),
        weight_shape=weight,
        bias_size=out_c if spec.attrs.get("bias", True) else 0,
        macs=out_c * oh * ow * (c // groups) * kernel[0] * kernel[1],
    )


def _deconv(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    c, h, w = _feature_map(spec, _single(spec, shapes))
    kernel = _pair(spec.attrs.get("k", 1), "kernel k", spec.name)
    stride = _pair(spec.attrs.get("stride", 1), "stride", spec.name)
    ph, pw = _pair(spec.attrs.get("pad", 0), "pad", spec.name, minimum=0)
    oph, opw = _pair(spec.attrs.get("output_pad", 0), "output_pad", spec.name, minimum=0)
    groups = _positive_int(spec.attrs.get("groups", 1), "groups", spec.name)
    out_c = _positive_int(spec.attrs.get("out"), "out (output channels)", spec.name)
    if c % groups or out_c % groups:
        raise AccelsimError(f"layer '{spec.name}': groups={groups} must divide channels {c} and {out_c}")
    oh = (h - 1) * stride[0] - 2 * ph + kernel[0] + oph
    ow = (w - 1) * stride[1] - 2 * pw + kernel[1] + opw
    if oh <= 0 or ow <= 0:
        raise AccelsimError(f"layer '{spec.name}': transposed conv output would be {oh}x{ow}")
    return dict(
        kind="deconv",
        output_shape=(out_c, oh, ow),
        attrs=dict(kernel=kernel, stride=stride, pads=(ph, pw, ph, pw), groups=groups),
        weight_shape=(c, out_c // groups, *kernel),
        bias_size=out_c if spec.attrs.get("bias", True) else 0,
        # every input pixel scatters a k x k x (out_c / groups) patch
        macs=c * h * w * (out_c // groups) * kernel[0] * kernel[1],
    )


def _linear(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    """Fully connected: flattens its input, or with `last_axis: true` applies to the last
    axis of every position (a MatMul by a constant on a [tokens, features] tensor)."""
    shape = _single(spec, shapes)
    out = _positive_int(spec.attrs.get("out"), "out (output features)", spec.name)
    per_position = bool(spec.attrs.get("last_axis")) and len(shape) > 1
    features = shape[-1] if per_position else math.prod(shape)
    positions = math.prod(shape[:-1]) if per_position else 1
    return dict(
        kind="linear",
        output_shape=(*shape[:-1], out) if per_position else (out,),
        attrs={},
        weight_shape=(out, features),
        bias_size=out if spec.attrs.get("bias", True) else 0,
        macs=positions * out * features,
    )


def _pool(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    c, h, w = _feature_map(spec, _single(spec, shapes))
    kernel = _pair(spec.attrs.get("k", 2), "kernel k", spec.name)
    stride = _pair(spec.attrs.get("stride", kernel), "stride", spec.name)
    pads = _padding(spec, (h, w), kernel, stride, (1, 1))
    _window_fits(spec, "pooling window", kernel, (1, 1), (h, w), pads)
    ceil_mode = bool(spec.attrs.get("ceil_mode", False))
    oh = _window_out(h, kernel[0], stride[0], pads[0], pads[2], ceil_mode=ceil_mode)
    ow = _window_out(w, kernel[1], stride[1], pads[1], pads[3], ceil_mode=ceil_mode)
    return dict(
        kind=spec.op,
        output_shape=(c, oh, ow),
        attrs=dict(kernel=kernel, stride=stride, pads=pads, ceil_mode=ceil_mode),
        vector_ops=c * oh * ow * kernel[0] * kernel[1],
    )


def _gap(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    c, h, w = _feature_map(spec, _single(spec, shapes))
    return dict(kind="gap", output_shape=(c, 1, 1), attrs={}, vector_ops=c * h * w)


def _eltwise(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    if len(shapes) < 2:
        raise AccelsimError(f"layer '{spec.name}' ({spec.op}) needs at least two inputs, got {len(shapes)}")
    out: Shape = shapes[0]
    for other in shapes[1:]:  # numpy broadcasting, e.g. (C,1,1) * (C,H,W) in squeeze-excite
        try:
            out = _broadcast(out, other)
        except ValueError:
            raise AccelsimError(
                f"layer '{spec.name}' ({spec.op}): input shapes {shapes[0]} and {other} do not match"
            ) from None
    return dict(kind=spec.op, output_shape=out, attrs={}, vector_ops=math.prod(out) * (len(shapes) - 1))


def _broadcast(a: Shape, b: Shape) -> Shape:
    n = max(len(a), len(b))
    a2, b2 = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    if any(x != y and 1 not in (x, y) for x, y in zip(a2, b2, strict=True)):
        raise ValueError
    return tuple(max(x, y) for x, y in zip(a2, b2, strict=True))


def _concat(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    if not shapes:
        raise AccelsimError(f"layer '{spec.name}' (concat) has no inputs")
    first = shapes[0]
    for src, other in zip(spec.inputs[1:], shapes[1:], strict=True):
        if len(other) != len(first) or other[1:] != first[1:]:
            raise AccelsimError(
                f"layer '{spec.name}' (concat): cannot concatenate shape {first} from "
                f"'{spec.inputs[0]}' with shape {other} from '{src}' (all but channels must match)"
            )
    return dict(kind="concat", output_shape=(sum(s[0] for s in shapes), *first[1:]), attrs={})


def _shuffle(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    shape = _single(spec, shapes)
    groups = _positive_int(spec.attrs.get("groups", 1), "groups", spec.name)
    if shape[0] % groups:
        raise AccelsimError(f"layer '{spec.name}': {shape[0]} channels do not split into {groups} groups")
    return dict(kind="shuffle", output_shape=shape, attrs=dict(groups=groups))


def _activation(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    shape = _single(spec, shapes)
    # PReLU learns one slope per channel.
    return dict(
        kind=spec.op,
        output_shape=shape,
        attrs={},
        bias_size=shape[0] if spec.op == "prelu" else 0,
        vector_ops=math.prod(shape),
    )


def _bn(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    shape = _single(spec, shapes)
    # Unfolded batch norm: scale and shift per channel (running statistics are not parameters).
    return dict(
        kind="bn", output_shape=shape, attrs={}, bias_size=2 * shape[0], vector_ops=2 * math.prod(shape)
    )


def _lrn(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    shape = _single(spec, shapes)
    size = _positive_int(spec.attrs.get("size", 5), "size", spec.name)
    # sum of squares over `size` channels, then scale and divide
    return dict(
        kind="lrn", output_shape=shape, attrs=dict(size=size), vector_ops=(size + 2) * math.prod(shape)
    )


def _softmax(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    shape = _single(spec, shapes)
    return dict(kind="softmax", output_shape=shape, attrs={}, vector_ops=3 * math.prod(shape))


def _flatten(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    shape = _single(spec, shapes)
    target = spec.attrs.get("shape")
    if target is None:
        return dict(kind="flatten", output_shape=(math.prod(shape),), attrs={})
    if not isinstance(target, (list, tuple)) or not all(_is_int(d, 1) for d in target):
        raise AccelsimError(f"layer '{spec.name}': shape must be a list of positive integers, got {target!r}")
    target = tuple(target)
    if math.prod(target) != math.prod(shape):
        raise AccelsimError(f"layer '{spec.name}': cannot reshape {shape} to {target}")
    return dict(kind="flatten", output_shape=target, attrs={})


def _passthrough(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    return dict(kind="dropout", output_shape=_single(spec, shapes), attrs={})


def _upsample(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    c, h, w = _feature_map(spec, _single(spec, shapes))
    sh, sw = _pair(spec.attrs.get("scale", 2), "scale", spec.name)
    out = (c, h * sh, w * sw)
    return dict(kind=spec.op, output_shape=out, attrs=dict(scale=(sh, sw)), vector_ops=math.prod(out))


def _pad(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    if "shape" in spec.attrs:  # an imported Pad: the shape its importer inferred
        return dict(kind="pad", output_shape=_explicit_shape(spec, None), attrs={})
    c, h, w = _feature_map(spec, _single(spec, shapes))
    out_c = spec.attrs.get("out", c)  # zero channels appended (ENet's downsampling shortcut)
    if not isinstance(out_c, int) or out_c < c:
        raise AccelsimError(f"layer '{spec.name}': pad out={out_c!r} must be an integer >= {c}")
    pt, pl, pb, pr = _padding(spec, (h, w), (1, 1), (1, 1), (1, 1))
    return dict(kind="pad", output_shape=(out_c, h + pt + pb, w + pl + pr), attrs={})


def _matmul(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    """Activation x activation product (attention scores...): MACs, no weights."""
    if len(shapes) != 2:
        raise AccelsimError(f"layer '{spec.name}' (matmul) takes two inputs, got {len(shapes)}")
    a, b = shapes
    if len(b) < 2 or a[-1] != b[-2]:
        raise AccelsimError(f"layer '{spec.name}' (matmul): shapes {a} and {b} do not multiply")
    out = (*a[:-1], b[-1])
    return dict(kind="matmul", output_shape=out, attrs={}, macs=math.prod(a) * b[-1])


def _explicit_shape(spec: LayerSpec, limit: int | None) -> Shape:
    target = spec.attrs.get("shape")
    if not isinstance(target, (list, tuple)) or not all(isinstance(d, int) and d > 0 for d in target):
        raise AccelsimError(f"layer '{spec.name}' ({spec.op}) needs 'shape' as a list of positive integers")
    if limit is not None and math.prod(target) > limit:
        raise AccelsimError(f"layer '{spec.name}': slice shape {tuple(target)} is larger than its input")
    return tuple(target)


def _slice(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    """Part of a tensor (Split/Slice outputs): a view, no data moved."""
    return dict(kind="slice", output_shape=_explicit_shape(spec, math.prod(_single(spec, shapes))), attrs={})


def _generic(spec: LayerSpec, shapes: Sequence[Shape]) -> Inferred:
    """An element-wise function accelsim has no op of its own for (erf, sqrt, div... or an
    imported op it cannot model), kept under its own name `fn`: one vector op per output element
    and per extra input. Its output shape is `shape` if given, else its inputs' broadcast."""
    fn = spec.attrs.get("fn")
    if not isinstance(fn, str) or not fn.isidentifier() or fn.lower() in INFER or fn.lower() in OP_ALIASES:
        raise AccelsimError(
            f"layer '{spec.name}' (eltwise): fn must name the function (e.g. erf) and not a modelled op, "
            f"got {fn!r}"
        )
    if "shape" in spec.attrs:
        out = _explicit_shape(spec, None)
    elif len(shapes) == 1:
        out = shapes[0]
    else:
        out = _eltwise(spec, shapes)["output_shape"]
    return dict(
        kind=fn.lower(), output_shape=out, attrs={}, vector_ops=math.prod(out) * max(1, len(shapes) - 1)
    )


INFER: dict[str, Callable[[LayerSpec, Sequence[Shape]], Inferred]] = {
    "conv": _conv,
    "dwconv": _conv,
    "deconv": _deconv,
    "linear": _linear,
    "maxpool": _pool,
    "avgpool": _pool,
    "gap": _gap,
    "add": _eltwise,
    "mul": _eltwise,
    "sub": _eltwise,
    "concat": _concat,
    "shuffle": _shuffle,
    "bn": _bn,
    "lrn": _lrn,
    "softmax": _softmax,
    "flatten": _flatten,
    "dropout": _passthrough,
    "upsample": _upsample,
    "maxunpool": _upsample,
    "pad": _pad,
    "matmul": _matmul,
    "slice": _slice,
    "eltwise": _generic,
    **{fn: _activation for fn in ACTIVATIONS},
}

OPS = frozenset(INFER) | frozenset(OP_ALIASES)

# The attributes each op reads; any other is a typo (`kk: 3` would silently mean k = 1).
_CONV = {"k", "stride", "pad", "dilation", "bias"}
ATTRS: dict[str, frozenset[str]] = {
    op: frozenset(names)
    for op, names in {
        "conv": {*_CONV, "out", "groups", "keep_width"},
        "dwconv": {*_CONV, "multiplier"},
        "deconv": {"out", "k", "stride", "pad", "output_pad", "groups", "bias", "keep_width"},
        "linear": {"out", "bias", "last_axis", "keep_width"},
        "maxpool": {"k", "stride", "pad", "ceil_mode"},
        "avgpool": {"k", "stride", "pad", "ceil_mode"},
        "shuffle": {"groups"},
        "lrn": {"size"},
        "flatten": {"shape"},
        "upsample": {"scale"},
        "maxunpool": {"scale"},
        "pad": {"out", "pad", "shape"},
        "slice": {"shape"},
        "eltwise": {"fn", "shape"},
    }.items()
}
_FLAGS = ("bias", "ceil_mode", "last_axis", "keep_width")  # attributes that are true or false


def attribute_problems(spec: LayerSpec) -> list[str]:
    """What is wrong with a layer's attribute names and flags (all of it, not the first)."""
    allowed = ATTRS.get(spec.op, frozenset())
    problems = []
    for key, value in spec.attrs.items():
        if key not in allowed:
            expected = f"expected one of: {', '.join(sorted(allowed))}" if allowed else "it takes none"
            problems.append(
                f"layer '{spec.name}' ({spec.op}): unknown attribute '{key}'{closest(str(key), allowed)}; "
                f"{expected}"
            )
        elif key in _FLAGS and not isinstance(value, bool):
            problems.append(f"layer '{spec.name}': {key} must be true or false, got {value!r}")
    return problems


def canonical_op(op: str, layer: str) -> str:
    key = op.lower()
    key = OP_ALIASES.get(key, key)
    if key not in INFER:
        raise AccelsimError(f"layer '{layer}': unknown op '{op}'{closest(op.lower(), OPS)}")
    return key


def _located(spec: LayerSpec, message: str, source: str) -> str:
    """A message about a layer, led by where it was written (else by the file it came from)."""
    where = spec.where or source
    return f"{where}: {message}" if where else message


# --------------------------------------------------------------------------- building


def fold_batchnorm(specs: Sequence[LayerSpec]) -> list[LayerSpec]:
    """Fold each BatchNorm into the conv/linear that solely feeds it: the BN disappears, the
    producer gains a bias (per-channel shift), and consumers of the BN read the producer."""
    by_name = {s.name: s for s in specs}
    consumers: dict[str, int] = {}
    for s in specs:
        for src in s.inputs:
            consumers[src] = consumers.get(src, 0) + 1
    renamed: dict[str, str] = {}
    folded: set[str] = set()
    for s in specs:
        if s.op != "bn" or len(s.inputs) != 1:
            continue
        src = renamed.get(s.inputs[0], s.inputs[0])
        producer = by_name.get(src)
        if producer and producer.op in ("conv", "dwconv", "deconv", "linear") and consumers[src] == 1:
            renamed[s.name] = src
            folded.add(s.name)
            by_name[src] = replace(producer, attrs={**producer.attrs, "bias": True})
    out = []
    for s in specs:
        if s.name in folded:
            continue
        s = by_name[s.name]
        out.append(replace(s, inputs=tuple(renamed.get(i, i) for i in s.inputs)))
    return out


def build_network(
    name: str,
    input_shape: Sequence[int],
    specs: Sequence[LayerSpec],
    description: str = "",
    fold_bn: bool = True,
    source: str = "",
) -> Network:
    """Infer every layer's shapes and costs. Raises AccelsimError naming the bad layer (and
    where it was written: the spec's `where`, else `source`)."""
    prefix = f"{source}: " if source else ""
    if not all(_is_int(d, 1) for d in input_shape) or not input_shape:
        raise AccelsimError(
            f"{prefix}network '{name}': input shape must be positive integers, got {input_shape}"
        )
    input_shape = tuple(input_shape)
    if math.prod(input_shape) > MAX_ELEMENTS:
        raise AccelsimError(
            f"{prefix}network '{name}': input {input_shape} exceeds {MAX_ELEMENTS:.1e} elements; "
            "expected a realistic tensor size"
        )
    if not specs:
        raise AccelsimError(f"{prefix}network '{name}' has no layers")
    if len(specs) > MAX_LAYERS:
        raise AccelsimError(
            f"{prefix}network '{name}' has {len(specs):,} layers; expected at most {MAX_LAYERS:,}"
        )
    problems, canonical = [], []
    for s in specs:  # every misspelled op and attribute at once, each with where it was written
        try:
            s = replace(s, op=canonical_op(s.op, s.name), inputs=tuple(s.inputs))
        except AccelsimError as exc:
            problems.append(_located(s, str(exc), source))
            continue
        problems += [_located(s, problem, source) for problem in attribute_problems(s)]
        canonical.append(s)
    if problems:
        raise AccelsimError("; ".join(problems))
    specs = canonical
    seen: set[str] = set()
    for s in specs:
        if s.name in seen or s.name == INPUT:
            raise AccelsimError(
                _located(s, f"network '{name}': layer name '{s.name}' is used twice (or is reserved)", source)
            )
        seen.add(s.name)
    if fold_bn:
        specs = fold_batchnorm(specs)

    graph = nx.DiGraph()
    graph.add_nodes_from(s.name for s in specs)
    for s in specs:
        for src in s.inputs:
            if src != INPUT and src not in seen:
                raise AccelsimError(
                    _located(
                        s, f"layer '{s.name}' reads from unknown layer '{src}'{closest(src, seen)}", source
                    )
                )
            if src != INPUT:
                graph.add_edge(src, s.name)
    try:
        cycle = nx.find_cycle(graph)
        raise AccelsimError(f"{prefix}network '{name}' has a cycle through layer '{cycle[0][0]}'")
    except nx.NetworkXNoCycle:
        pass
    position = {s.name: i for i, s in enumerate(specs)}  # keep the written order where possible
    order = list(nx.lexicographical_topological_sort(graph, key=lambda n: position[n]))
    by_name = {s.name: s for s in specs}

    shapes: dict[str, Shape] = {INPUT: input_shape}
    layers = []
    for layer_name in order:
        spec = by_name[layer_name]
        in_shapes = tuple(shapes[src] for src in spec.inputs)
        try:
            if not in_shapes:
                raise AccelsimError(f"layer '{spec.name}' has no inputs")
            fields = INFER[spec.op](spec, in_shapes)
            layer = Layer(name=spec.name, inputs=spec.inputs, input_shapes=in_shapes, **fields)
            if layer.output_elements > MAX_ELEMENTS or layer.weight_count > MAX_ELEMENTS:
                raise AccelsimError(
                    f"layer '{spec.name}': output {layer.output_shape} / weights {layer.weight_shape} exceed "
                    f"{MAX_ELEMENTS:.1e} elements; expected a realistic tensor size"
                )
        except AccelsimError as exc:
            raise AccelsimError(_located(spec, str(exc), source)) from None
        shapes[spec.name] = layer.output_shape
        layers.append(layer)
    return Network(
        name=name, input_shape=input_shape, layers=tuple(layers), specs=tuple(specs), description=description
    )
