"""The op registry: for every op, its shape rule, the attributes it takes, where it runs,
whether it carries weights and whether --width scales its `out`. A new op is one entry here
(and its cost in map/, if it runs on the array)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from accelsim.errors import AccelsimError, closest
from accelsim.ir import rules
from accelsim.ir.engine import Engine
from accelsim.ir.network import LayerSpec, Shape

ShapeRule = Callable[[LayerSpec, Sequence[Shape]], rules.Shaped]


@dataclass(frozen=True)
class Op:
    name: str
    rule: ShapeRule
    attrs: frozenset[str] = frozenset()
    engine: Engine = Engine.VECTOR
    has_weights: bool = False  # a weight tensor of its own (BatchNorm folds into these)
    width_scalable: bool = False  # `out` is a hidden width that --width multiplies


_CONV = frozenset({"k", "stride", "pad", "dilation", "bias"})
_POOL = frozenset({"k", "stride", "pad", "ceil_mode"})
_RECURRENT = frozenset({"hidden", "bidirectional", "sequences", "recurrent_bias"})
# Activation functions, all costed as vector element-operations per output element.
ACTIVATIONS = (
    "relu",
    "relu6",
    "leaky_relu",
    "prelu",
    "sigmoid",
    "hsigmoid",
    "hswish",
    "swish",
    "tanh",
    "gelu",
)

_ALL = (
    Op("conv", rules.conv, _CONV | {"out", "groups", "keep_width"}, Engine.ARRAY, True, True),
    Op("dwconv", rules.conv, _CONV | {"multiplier"}, Engine.ARRAY, True),
    Op(
        "deconv",
        rules.deconv,
        frozenset({"out", "k", "stride", "pad", "output_pad", "groups", "bias", "keep_width"}),
        Engine.ARRAY,
        True,
        True,
    ),
    Op(
        "linear",
        rules.linear,
        frozenset({"out", "bias", "last_axis", "keep_width", "tied"}),
        Engine.ARRAY,
        True,
        True,
    ),
    Op("matmul", rules.matmul, engine=Engine.ARRAY),
    *(
        Op(cell, rules.recurrent, _RECURRENT | extra, Engine.ARRAY, True)
        for cell, extra in (("lstm", {"proj", "peepholes"}), ("gru", set()))
    ),
    Op("maxpool", rules.pool, _POOL),
    Op("avgpool", rules.pool, _POOL),
    Op("gap", rules.gap),
    Op("add", rules.eltwise),
    Op("mul", rules.eltwise),
    Op("sub", rules.eltwise),
    Op("shuffle", rules.shuffle, frozenset({"groups"})),
    Op("bn", rules.bn),
    Op("lrn", rules.lrn, frozenset({"size"})),
    Op("softmax", rules.softmax, frozenset({"mask"})),
    Op("layernorm", rules.norm),
    Op("rmsnorm", rules.norm),
    Op("nonorm", rules.norm),
    Op("embedding", rules.embedding, frozenset({"vocab", "out"})),
    Op("kv_cache", rules.kv_cache, frozenset({"past"})),
    Op("prepend", rules.learned_tokens, frozenset({"tokens"})),
    Op("positional", rules.positional),
    Op("rope", rules.rope),
    Op("upsample", rules.upsample, frozenset({"scale"})),
    Op("maxunpool", rules.upsample, frozenset({"scale"})),
    Op("pad", rules.pad, frozenset({"out", "pad", "shape"}), width_scalable=True),
    Op("eltwise", rules.generic, frozenset({"fn", "shape"})),
    *(Op(fn, rules.activation) for fn in ACTIVATIONS),
    # views: they alias their inputs' storage and move nothing
    Op("concat", rules.concat, engine=Engine.NONE),
    Op("flatten", rules.flatten, frozenset({"shape"}), Engine.NONE),
    Op("dropout", rules.passthrough, engine=Engine.NONE),
    Op("slice", rules.part, frozenset({"shape"}), Engine.NONE),
    Op("transpose", rules.transpose, frozenset({"perm"}), Engine.NONE),
    Op("split_heads", rules.split_heads, frozenset({"heads", "kv_heads", "transpose"}), Engine.NONE),
    Op("merge_heads", rules.merge_heads, frozenset({"heads"}), Engine.NONE),
)
OPS: dict[str, Op] = {op.name: op for op in _ALL}

# Spellings accepted in workload files and importers -> canonical op.
ALIASES = {
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
    "silu": "swish",
    "h_swish": "hswish",
    "hardswish": "hswish",
    "h_sigmoid": "hsigmoid",
    "hardsigmoid": "hsigmoid",
    "layer_norm": "layernorm",
    "layernormalization": "layernorm",
    "rms_norm": "rmsnorm",
    "gather": "embedding",
}

FLAGS = frozenset(
    {
        "bias",
        "ceil_mode",
        "last_axis",
        "keep_width",
        "mask",
        "transpose",
        "bidirectional",
        "sequences",
        "recurrent_bias",
        "peepholes",
    }
)  # attributes that are true or false


def canonical_op(op: str, layer: str) -> str:
    key = op.lower()
    key = ALIASES.get(key, key)
    if key not in OPS:
        raise AccelsimError(f"layer '{layer}': unknown op '{op}'{closest(op.lower(), [*OPS, *ALIASES])}")
    return key


def attribute_problems(spec: LayerSpec) -> list[str]:
    """What is wrong with a layer's attribute names and flags (all of it, not the first).
    `spec.op` must be canonical."""
    allowed = OPS[spec.op].attrs
    problems = []
    for key, value in spec.attrs.items():
        if key not in allowed:
            expected = f"expected one of: {', '.join(sorted(allowed))}" if allowed else "it takes none"
            problems.append(
                f"layer '{spec.name}' ({spec.op}): unknown attribute '{key}'{closest(str(key), allowed)}; "
                f"{expected}"
            )
        elif key in FLAGS and not isinstance(value, bool):
            problems.append(f"layer '{spec.name}': {key} must be true or false, got {value!r}")
    fn = spec.attrs.get("fn")
    if spec.op == "eltwise" and isinstance(fn, str) and (fn.lower() in OPS or fn.lower() in ALIASES):
        problems.append(
            f"layer '{spec.name}' (eltwise): fn must name the function (e.g. erf) and not a modelled op "
            f"('{fn}' is one: use op: {fn.lower()})"
        )
    return problems
