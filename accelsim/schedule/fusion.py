"""Layer fusion: which layers run on their producer's output path instead of as layers of
their own. Eyeriss, the TPU and NVDLA apply activation functions, bias and batch-norm as
outputs leave the array; a fused layer keeps its vector-unit cycles and energy but stores
nothing and moves no bytes of its own: its output is its producer's storage.

Chip field `compute.fuse`: `activation` (default) fuses every single-input element-wise layer
(activation functions, an unfolded BatchNorm, element-wise math on one tensor such as a
quantize or a scale) into its producer when that producer has no other consumer and is not a
view; `none` runs every layer on its own (the world before fusion, for comparison)."""

from __future__ import annotations

from accelsim.hw.enums import Engine
from accelsim.ir.network import INPUT, Layer, Network

FUSE_MODES = ("none", "activation")


def _element_wise(layer: Layer) -> bool:
    return (
        layer.engine == Engine.VECTOR
        and len(layer.inputs) == 1
        and layer.input_shapes[0] == layer.output_shape
        and not layer.weight_count
        and layer.op
        not in ("maxpool", "avgpool", "gap", "shuffle", "softmax", "lrn", "upsample", "maxunpool", "pad")
    )


def fused_layers(net: Network, mode: str) -> frozenset[str]:
    """The layers that fuse into their producers under `mode`."""
    if mode == "none":
        return frozenset()
    consumers: dict[str, int] = {}
    for layer in net.layers:
        for src in layer.inputs:
            consumers[src] = consumers.get(src, 0) + 1
    by_name = {layer.name: layer for layer in net.layers}
    fused: set[str] = set()
    for layer in net.layers:
        if not _element_wise(layer) or layer.inputs[0] == INPUT:
            continue
        producer = by_name[layer.inputs[0]]
        if producer.engine != Engine.NONE and consumers[producer.name] == 1:
            fused.add(layer.name)
    return frozenset(fused)
