"""Layer fusion: which layers run on their producer's output path instead of as layers of
their own. Eyeriss, the TPU and NVDLA apply activation functions, bias and batch-norm, and
often pooling, as outputs leave the array; a fused layer keeps its vector-unit cycles and
energy but moves no bytes of its own.

Chip field `compute.fuse`:
- `activation`: every single-input element-wise layer (activation functions, an unfolded
  BatchNorm, element-wise math on one tensor such as a quantize or a scale) fuses into its
  producer when that producer has no other consumer and is not a view; its output is its
  producer's storage.
- `activation+pool` (the default): also a max or average pooling whose input has no other
  consumer and comes from an array or vector layer (through fused element-wise layers): the
  producer's full output never reaches the buffer, the pooled tensor is what it stores. The
  output path holds the window's rows in a line buffer (assumed, not sized).
- `none`: every layer on its own (the world before fusion, for comparison).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from accelsim.frozen import FrozenMap
from accelsim.ir.engine import Engine
from accelsim.ir.network import INPUT, Layer, Network

FUSE_MODES = ("none", "activation", "activation+pool")
POOLS = ("maxpool", "avgpool")
# Single-input vector layers that cannot run on an output path: they reduce over the whole
# tensor or a row of it before writing anything (gap, softmax, lrn, the norms), move data
# (shuffle, upsample, unpool, pad), or write a tensor that outlives the inference (kv_cache).
NOT_FUSED = (
    "gap",
    "shuffle",
    "softmax",
    "lrn",
    "upsample",
    "maxunpool",
    "pad",
    "layernorm",
    "rmsnorm",
    "kv_cache",
)


def _element_wise(layer: Layer) -> bool:
    return (
        layer.engine == Engine.VECTOR
        and len(layer.inputs) == 1
        and layer.input_shapes[0] == layer.output_shape
        and not layer.weight_count
        and layer.op not in (*POOLS, *NOT_FUSED)
    )


@dataclass(frozen=True)
class Fusion:
    """Which layers run on their producers' output paths."""

    layers: frozenset[str] = frozenset()  # fused: they store and move nothing of their own
    pooled: Mapping[str, str] = field(default_factory=dict)  # producer -> fused pool storing instead
    into: Mapping[str, str] = field(default_factory=dict)  # fused layer -> the producer it runs beside

    def written(self, layer: str) -> str:
        """The tensor a layer writes: its own output, or the pool fused into it."""
        return self.pooled.get(layer, layer)


def fuse(net: Network, mode: str) -> Fusion:
    """The layers that fuse into their producers under `mode` (element-wise ones and pools)."""
    if mode == "none":
        return Fusion()
    consumers: dict[str, int] = {}
    for layer in net.layers:
        for src in layer.inputs:
            consumers[src] = consumers.get(src, 0) + 1
    by_name = {layer.name: layer for layer in net.layers}
    fused: set[str] = set()
    root: dict[str, str] = {}  # a fused element-wise layer -> the layer whose storage it is
    pooled: dict[str, str] = {}
    into: dict[str, str] = {}
    for layer in net.layers:
        if len(layer.inputs) != 1 or layer.inputs[0] == INPUT or consumers[layer.inputs[0]] != 1:
            continue
        source = layer.inputs[0]
        producer = by_name[root.get(source, source)]
        if producer.engine == Engine.NONE:
            continue
        if _element_wise(layer):
            fused.add(layer.name)
            root[layer.name] = producer.name
            into[layer.name] = producer.name
        elif mode == "activation+pool" and layer.op in POOLS and producer.name not in fused | pooled.keys():
            fused.add(layer.name)  # (not into a pool already fused: one output path, one pool)
            pooled[producer.name] = layer.name
            into[layer.name] = producer.name
    return Fusion(frozenset(fused), FrozenMap(pooled), FrozenMap(into))
