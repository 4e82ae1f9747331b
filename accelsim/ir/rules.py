"""Shape rules: for each op, its output shape, weights, MACs and vector ops from its
attributes and input shapes (batch 1; shapes exclude the batch). Each rule checks the values
it reads and raises AccelsimError naming the layer and what was expected."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from accelsim.errors import AccelsimError
from accelsim.ir.network import LayerSpec, Shape


@dataclass(frozen=True)
class Shaped:
    """What a shape rule infers for one layer."""

    kind: str
    output_shape: Shape
    attrs: dict[str, Any] = field(default_factory=dict)
    weight_shape: Shape = ()
    bias_size: int = 0
    macs: int = 0
    vector_ops: int = 0


def is_int(value: Any, minimum: int) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and int(value) >= minimum


def _pair(value: Any, what: str, layer: str, minimum: int = 1) -> tuple[int, int]:
    """An int or [h, w], each at least `minimum` (1 for kernels, strides, dilations, scales)."""
    if is_int(value, minimum):
        return value, value
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(is_int(v, minimum) for v in value):
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
        if not all(is_int(p, 0) for p in pad):
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
    c, h, w = shape
    return c, h, w


def _single(spec: LayerSpec, shapes: Sequence[Shape]) -> Shape:
    if len(shapes) != 1:
        raise AccelsimError(f"layer '{spec.name}' ({spec.op}) takes one input, got {len(shapes)}")
    return shapes[0]


def conv(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
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
    return Shaped(
        kind=spec.op,  # conv or dwconv
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


def deconv(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
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
    return Shaped(
        kind="deconv",
        output_shape=(out_c, oh, ow),
        attrs=dict(kernel=kernel, stride=stride, pads=(ph, pw, ph, pw), groups=groups),
        weight_shape=(c, out_c // groups, *kernel),
        bias_size=out_c if spec.attrs.get("bias", True) else 0,
        # every input pixel scatters a k x k x (out_c / groups) patch
        macs=c * h * w * (out_c // groups) * kernel[0] * kernel[1],
    )


def linear(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    """Fully connected: flattens its input, or with `last_axis: true` applies to the last
    axis of every position (a MatMul by a constant on a [tokens, features] tensor)."""
    shape = _single(spec, shapes)
    out = _positive_int(spec.attrs.get("out"), "out (output features)", spec.name)
    per_position = bool(spec.attrs.get("last_axis")) and len(shape) > 1
    features = shape[-1] if per_position else math.prod(shape)
    positions = math.prod(shape[:-1]) if per_position else 1
    tied = spec.attrs.get("tied")
    if tied is not None and not (isinstance(tied, str) and tied):
        raise AccelsimError(
            f"layer '{spec.name}': tied must name the layer whose weights it uses, got {tied!r}"
        )
    return Shaped(
        kind="linear",
        output_shape=(*shape[:-1], out) if per_position else (out,),
        attrs={"tied": tied} if tied else {},
        weight_shape=(out, features),
        bias_size=out if spec.attrs.get("bias", True) else 0,
        macs=positions * out * features,
    )


# Recurrent cells: gates per unit, and vector ops per unit and step for the gate math
# (LSTM: sigmoid on i, f, o and tanh on g; c = f*c + i*g; h = o * tanh(c): 9; peepholes add a
# multiply and an add on each of i, f, o: 6 more. GRU: sigmoid on z, r; n = tanh(x_n + r *
# (R_n h)): 3; h = n + z * (h - n): 3; 8 in all). Bias additions happen in the accumulators.
GATES = {"lstm": 4, "gru": 3}
GATE_OPS = {"lstm": 9, "gru": 8}
PEEPHOLE_OPS = 6


def recurrent(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    """An LSTM or GRU layer over a sequence (T, features), or one step (features,). Each step
    and direction multiplies [x_t, h_t-1] by the gate weights (gates x hidden rows) and, with
    `proj` (LSTMP), the new h by a proj x hidden projection; `out` per direction is proj or
    hidden. Biases: one per gate row (Keras LSTM, GRU with reset_after false), two with
    `recurrent_bias` (PyTorch, ONNX, Keras' default GRU); `peepholes` add 3 x hidden diagonal
    weights. Output (T, directions x out), or the last step's (directions x out,) when
    `sequences` is false."""
    shape = _single(spec, shapes)
    if len(shape) not in (1, 2):
        raise AccelsimError(
            f"layer '{spec.name}' ({spec.op}) needs (steps, features) or (features,) as input, got {shape}"
        )
    steps, features = (1, shape[0]) if len(shape) == 1 else shape
    hidden = _positive_int(spec.attrs.get("hidden"), "hidden (units per direction)", spec.name)
    proj = spec.attrs.get("proj", 0)
    if not is_int(proj, 0):
        raise AccelsimError(
            f"layer '{spec.name}': proj must be an integer >= 0 (0: no projection), got {proj!r}"
        )
    peepholes = bool(spec.attrs.get("peepholes", False))  # (a gru's attributes exclude proj and peepholes)
    gates, out = GATES[spec.op], proj or hidden
    dirs = 2 if spec.attrs.get("bidirectional") else 1
    biases = 2 if spec.attrs.get("recurrent_bias", spec.op == "gru") else 1
    per_step = gates * hidden * (features + out) + proj * hidden  # MACs, one direction
    ops = (GATE_OPS[spec.op] + (PEEPHOLE_OPS if peepholes else 0)) * hidden
    sequences = bool(spec.attrs.get("sequences", True))
    return Shaped(
        kind=spec.op,
        output_shape=(steps, dirs * out) if sequences and len(shape) == 2 else (dirs * out,),
        attrs=dict(steps=steps, hidden=hidden, proj=int(proj), gates=gates, directions=dirs),
        weight_shape=(dirs, per_step),
        bias_size=dirs * hidden * (gates * biases + (3 if peepholes else 0)),
        macs=steps * dirs * per_step,
        vector_ops=steps * dirs * ops,
    )


def pool(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    c, h, w = _feature_map(spec, _single(spec, shapes))
    kernel = _pair(spec.attrs.get("k", 2), "kernel k", spec.name)
    stride = _pair(spec.attrs.get("stride", kernel), "stride", spec.name)
    pads = _padding(spec, (h, w), kernel, stride, (1, 1))
    _window_fits(spec, "pooling window", kernel, (1, 1), (h, w), pads)
    ceil_mode = bool(spec.attrs.get("ceil_mode", False))
    oh = _window_out(h, kernel[0], stride[0], pads[0], pads[2], ceil_mode=ceil_mode)
    ow = _window_out(w, kernel[1], stride[1], pads[1], pads[3], ceil_mode=ceil_mode)
    return Shaped(
        kind=spec.op,
        output_shape=(c, oh, ow),
        attrs=dict(kernel=kernel, stride=stride, pads=pads, ceil_mode=ceil_mode),
        vector_ops=c * oh * ow * kernel[0] * kernel[1],
    )


def gap(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    c, h, w = _feature_map(spec, _single(spec, shapes))
    return Shaped(kind="gap", output_shape=(c, 1, 1), attrs={}, vector_ops=c * h * w)


def eltwise(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
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
    return Shaped(kind=spec.op, output_shape=out, attrs={}, vector_ops=math.prod(out) * (len(shapes) - 1))


def _broadcast(a: Shape, b: Shape) -> Shape:
    n = max(len(a), len(b))
    a2, b2 = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    if any(x != y and 1 not in (x, y) for x, y in zip(a2, b2, strict=True)):
        raise ValueError
    return tuple(max(x, y) for x, y in zip(a2, b2, strict=True))


def concat(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    if not shapes:
        raise AccelsimError(f"layer '{spec.name}' (concat) has no inputs")
    first = shapes[0]
    for src, other in zip(spec.inputs[1:], shapes[1:], strict=True):
        if len(other) != len(first) or other[1:] != first[1:]:
            raise AccelsimError(
                f"layer '{spec.name}' (concat): cannot concatenate shape {first} from "
                f"'{spec.inputs[0]}' with shape {other} from '{src}' (all but channels must match)"
            )
    return Shaped(kind="concat", output_shape=(sum(s[0] for s in shapes), *first[1:]), attrs={})


def shuffle(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    shape = _single(spec, shapes)
    groups = _positive_int(spec.attrs.get("groups", 1), "groups", spec.name)
    if shape[0] % groups:
        raise AccelsimError(f"layer '{spec.name}': {shape[0]} channels do not split into {groups} groups")
    return Shaped(kind="shuffle", output_shape=shape, attrs=dict(groups=groups))


def activation(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    shape = _single(spec, shapes)
    # PReLU learns one slope per channel.
    return Shaped(
        kind=spec.op,
        output_shape=shape,
        attrs={},
        bias_size=shape[0] if spec.op == "prelu" else 0,
        vector_ops=math.prod(shape),
    )


def bn(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    shape = _single(spec, shapes)
    # Unfolded batch norm: scale and shift per channel (running statistics are not parameters).
    return Shaped(
        kind="bn", output_shape=shape, attrs={}, bias_size=2 * shape[0], vector_ops=2 * math.prod(shape)
    )


def lrn(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    shape = _single(spec, shapes)
    size = _positive_int(spec.attrs.get("size", 5), "size", spec.name)
    # sum of squares over `size` channels, then scale and divide
    return Shaped(
        kind="lrn", output_shape=shape, attrs=dict(size=size), vector_ops=(size + 2) * math.prod(shape)
    )


def softmax(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    """exp, sum and divide per element; a causal `mask` (attention) one select more."""
    shape = _single(spec, shapes)
    ops = 4 if spec.attrs.get("mask") else 3
    return Shaped(kind="softmax", output_shape=shape, attrs={}, vector_ops=ops * math.prod(shape))


def norm(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    """Normalization over the last axis (the features of every token): LayerNorm (mean, centre,
    variance, normalize, scale-and-shift: 5 vector ops per element, 2 parameters per feature),
    RMSNorm (mean square, normalize, scale: 3 and 1) and MobileBERT's NoNorm (scale-and-shift
    alone: 1 and 2)."""
    shape = _single(spec, shapes)
    per_feature, ops = {"layernorm": (2, 5), "rmsnorm": (1, 3), "nonorm": (2, 1)}[spec.op]
    return Shaped(
        kind=spec.op,
        output_shape=shape,
        attrs={},
        bias_size=per_feature * shape[-1],
        vector_ops=ops * math.prod(shape),
    )


def embedding(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    """A table lookup: token ids (T,) in, one `out`-wide row of a `vocab` x `out` table per
    token out. Its weights are the whole table; an inference reads only the rows it looks up."""
    shape = _single(spec, shapes)
    if len(shape) != 1:
        raise AccelsimError(
            f"layer '{spec.name}' (embedding) needs token ids of shape (tokens,) as input, got shape {shape}"
        )
    vocab = _positive_int(spec.attrs.get("vocab"), "vocab (table rows)", spec.name)
    out = _positive_int(spec.attrs.get("out"), "out (row width)", spec.name)
    return Shaped(kind="embedding", output_shape=(shape[0], out), attrs={}, weight_shape=(vocab, out))


def learned_tokens(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    """`tokens` learned rows put before the input's (T, D) rows (ViT's class token): a copy."""
    shape = _single(spec, shapes)
    tokens = _positive_int(spec.attrs.get("tokens", 1), "tokens", spec.name)
    if len(shape) != 2:
        raise AccelsimError(f"layer '{spec.name}' (prepend) needs (tokens, features) as input, got {shape}")
    return Shaped(
        kind="prepend",
        output_shape=(shape[0] + tokens, shape[1]),
        attrs={},
        bias_size=tokens * shape[1],
        vector_ops=tokens * shape[1],
    )


def positional(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    """A learned tensor the size of the input added to it (ViT's position embedding): one
    parameter and one vector op per element."""
    shape = _single(spec, shapes)
    n = math.prod(shape)
    return Shaped(kind="positional", output_shape=shape, attrs={}, bias_size=n, vector_ops=n)


def kv_cache(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    """A key or value cache: appends this step's rows (T, D) to the `past` rows kept from
    earlier tokens and hands all of them on, (past + T, D); per head, (H, T, dh) -> (H, past +
    T, dh), as decoder exports keep it. Its output is the cache itself,
    a tensor that lives across tokens (README "Sequences and the KV cache")."""
    shape = _single(spec, shapes)
    past = spec.attrs.get("past", 0)
    if not is_int(past, 0):
        raise AccelsimError(
            f"layer '{spec.name}': past must be an integer >= 0 (earlier tokens), got {past!r}"
        )
    if len(shape) not in (2, 3):
        raise AccelsimError(
            f"layer '{spec.name}' (kv_cache) needs (tokens, features) or (heads, tokens, head size) as "
            f"input, got {shape}"
        )
    grown = (*shape[:-2], past + shape[-2], shape[-1])  # the tokens' axis grows
    return Shaped(kind="kv_cache", output_shape=grown, attrs={"past": int(past)})


def transpose(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    """Axes permuted (attention heads out of the features and back): a view, addressed by
    the next layer's reads, no data moved."""
    shape = _single(spec, shapes)
    perm = spec.attrs.get("perm")
    if not isinstance(perm, (list, tuple)) or sorted(perm) != list(range(len(shape))):
        raise AccelsimError(
            f"layer '{spec.name}': perm must be a permutation of 0..{len(shape) - 1} for input {shape}, "
            f"got {perm!r}"
        )
    return Shaped(kind="transpose", output_shape=tuple(shape[i] for i in perm), attrs={})


def split_heads(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    """(T, heads x dh) seen as (heads, T, dh), or with `transpose: true` as (heads, dh, T) (the
    keys, ready to multiply): a view. With `kv_heads` (grouped-query attention: fewer key and
    value heads than query heads), the queries of each group of heads / kv_heads heads, which
    share one key and value head, stack along the rows: (kv_heads, heads / kv_heads x T, dh),
    so one product per key head reads that head once, as GQA kernels do."""
    shape = _single(spec, shapes)
    heads = _positive_int(spec.attrs.get("heads"), "heads", spec.name)
    kv_heads = _positive_int(spec.attrs.get("kv_heads", heads), "kv_heads", spec.name)
    if heads % kv_heads:
        raise AccelsimError(
            f"layer '{spec.name}' (split_heads): {heads} heads do not divide into {kv_heads} kv_heads; "
            "expected kv_heads dividing heads"
        )
    if len(shape) != 2 or shape[1] % heads:
        raise AccelsimError(
            f"layer '{spec.name}' (split_heads): expected (tokens, features) with features divisible by "
            f"{heads} heads, got {shape}"
        )
    tokens, size = shape[0] * (heads // kv_heads), shape[1] // heads
    out = (kv_heads, size, tokens) if spec.attrs.get("transpose") else (kv_heads, tokens, size)
    return Shaped(kind="split_heads", output_shape=out, attrs={})


def merge_heads(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    """(heads, T, dh) seen as (T, heads x dh): a view. With `heads` (grouped-query attention),
    the input is (kv_heads, heads / kv_heads x T, dh), as split_heads stacked the queries."""
    shape = _single(spec, shapes)
    if len(shape) != 3:
        raise AccelsimError(f"layer '{spec.name}' (merge_heads): expected (heads, tokens, size), got {shape}")
    kv_heads, rows, size = shape
    heads = _positive_int(spec.attrs.get("heads", kv_heads), "heads", spec.name)
    if heads % kv_heads or rows % (heads // kv_heads):
        raise AccelsimError(
            f"layer '{spec.name}' (merge_heads): {shape} does not hold {heads} heads' rows; expected "
            "(kv_heads, heads / kv_heads x tokens, size) with kv_heads dividing heads"
        )
    return Shaped(kind="merge_heads", output_shape=(rows // (heads // kv_heads), heads * size), attrs={})


def rope(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    """Rotary position embedding on queries or keys (T, features) (Su et al., RoFormer 2021,
    its efficient form: x cos + rotate_half(x) sin): two multiplies and an add per element, on
    the vector unit; no parameters (the angles are computed, not learned)."""
    shape = _single(spec, shapes)
    if len(shape) != 2:
        raise AccelsimError(f"layer '{spec.name}' (rope): expected (tokens, features), got {shape}")
    return Shaped(kind="rope", output_shape=shape, attrs={}, vector_ops=3 * math.prod(shape))


def flatten(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    shape = _single(spec, shapes)
    target = spec.attrs.get("shape")
    if target is None:
        return Shaped(kind="flatten", output_shape=(math.prod(shape),), attrs={})
    if not isinstance(target, (list, tuple)) or not target or not all(is_int(d, 1) for d in target):
        raise AccelsimError(f"layer '{spec.name}': shape must be a list of positive integers, got {target!r}")
    target = tuple(target)
    if math.prod(target) != math.prod(shape):
        raise AccelsimError(f"layer '{spec.name}': cannot reshape {shape} to {target}")
    return Shaped(kind="flatten", output_shape=target, attrs={})


def passthrough(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    return Shaped(kind="dropout", output_shape=_single(spec, shapes), attrs={})


def upsample(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    c, h, w = _feature_map(spec, _single(spec, shapes))
    sh, sw = _pair(spec.attrs.get("scale", 2), "scale", spec.name)
    out = (c, h * sh, w * sw)
    return Shaped(kind=spec.op, output_shape=out, attrs=dict(scale=(sh, sw)), vector_ops=math.prod(out))


def pad(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    if "shape" in spec.attrs:  # an imported Pad: the shape its importer inferred
        return Shaped(kind="pad", output_shape=_explicit_shape(spec, None), attrs={})
    c, h, w = _feature_map(spec, _single(spec, shapes))
    out_c = spec.attrs.get("out", c)  # zero channels appended (ENet's downsampling shortcut)
    if not isinstance(out_c, int) or out_c < c:
        raise AccelsimError(f"layer '{spec.name}': pad out={out_c!r} must be an integer >= {c}")
    pt, pl, pb, pr = _padding(spec, (h, w), (1, 1), (1, 1), (1, 1))
    return Shaped(kind="pad", output_shape=(out_c, h + pt + pb, w + pl + pr), attrs={})


def matmul(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    """Activation x activation product (attention scores...): MACs, no weights."""
    if len(shapes) != 2:
        raise AccelsimError(f"layer '{spec.name}' (matmul) takes two inputs, got {len(shapes)}")
    a, b = shapes
    if len(a) < 2 or len(b) < 2 or a[-1] != b[-2] or a[:-2] != b[:-2]:
        raise AccelsimError(
            f"layer '{spec.name}' (matmul): shapes {a} and {b} do not multiply; expected (..., m, k) "
            "and (..., k, n) with the same leading axes"
        )
    out = (*a[:-1], b[-1])
    return Shaped(kind="matmul", output_shape=out, attrs={}, macs=math.prod(a) * b[-1])


def _explicit_shape(spec: LayerSpec, limit: int | None) -> Shape:
    target = spec.attrs.get("shape")
    if (
        not isinstance(target, (list, tuple))
        or not target
        or not all(isinstance(d, int) and d > 0 for d in target)
    ):
        raise AccelsimError(f"layer '{spec.name}' ({spec.op}) needs 'shape' as a list of positive integers")
    if limit is not None and math.prod(target) > limit:
        raise AccelsimError(f"layer '{spec.name}': slice shape {tuple(target)} is larger than its input")
    return tuple(target)


def part(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    """Part of a tensor (Split/Slice outputs): a view, no data moved."""
    return Shaped(
        kind="slice", output_shape=_explicit_shape(spec, math.prod(_single(spec, shapes))), attrs={}
    )


def generic(spec: LayerSpec, shapes: Sequence[Shape]) -> Shaped:
    """An element-wise function accelsim has no op of its own for (erf, sqrt, div... or an
    imported op it cannot model), kept under its own name `fn`: one vector op per output element
    and per extra input. Its output shape is `shape` if given, else its inputs' broadcast."""
    fn = spec.attrs.get("fn")
    if not isinstance(fn, str) or not fn.isidentifier():
        raise AccelsimError(
            f"layer '{spec.name}' (eltwise): fn must name the function (e.g. erf), got {fn!r}"
        )
    if "shape" in spec.attrs:
        out = _explicit_shape(spec, None)
    elif len(shapes) == 1:
        out = shapes[0]
    else:
        out = eltwise(spec, shapes).output_shape
    return Shaped(
        kind=fn.lower(), output_shape=out, attrs={}, vector_ops=math.prod(out) * max(1, len(shapes) - 1)
    )
