"""Generic network transforms: width multiplier (alpha) and input resolution (rho).

Both rewrite the specs and rebuild the network, so every shape is inferred again.
"""

from __future__ import annotations

from dataclasses import replace

from accelsim.errors import AccelsimError
from accelsim.ir.build import build_network
from accelsim.ir.network import LayerSpec, Network
from accelsim.ir.ops import OPS


def scale_channels(channels: int, alpha: float, groups: int = 1) -> int:
    """alpha * channels, rounded to a multiple of the layer's groups, at least one group."""
    return max(groups, round(channels * alpha / groups) * groups)


def output_layers(specs: list[LayerSpec] | tuple[LayerSpec, ...]) -> set[str]:
    """The layers that set the network's output size: walking back from each output through
    layers without channels of their own (activations, pooling, softmax...) to the first
    conv/linear/deconv. Their size is the task's (classes), not a hidden width."""
    by_name = {s.name: s for s in specs}
    consumed = {src for s in specs for src in s.inputs}
    found, stack = set(), [s.name for s in specs if s.name not in consumed]
    while stack:
        spec = by_name.get(stack.pop())
        if spec is None:
            continue
        if OPS[spec.op].width_scalable or spec.op == "concat":
            found.add(spec.name)
        else:
            stack.extend(spec.inputs)
    return found


def scale_width(net: Network, alpha: float) -> Network:
    """Scale every hidden layer's channels by alpha, as the MobileNet paper's width multiplier.

    The layers that produce the network's output keep their size (the classes), as do layers
    marked `keep_width: true`; the input image keeps its channels.
    """
    if not 0 < alpha <= 4:
        raise AccelsimError(f"width multiplier must be in (0, 4], got {alpha}")
    outputs = output_layers(net.specs)
    specs = []
    for spec in net.specs:
        attrs = dict(spec.attrs)
        if (
            OPS[spec.op].width_scalable
            and "out" in attrs
            and not attrs.get("keep_width")
            and spec.name not in outputs
        ):
            attrs["out"] = scale_channels(int(attrs["out"]), alpha, int(attrs.get("groups", 1)))
        specs.append(replace(spec, attrs=attrs))
    name = f"{net.name}@w{alpha:g}"
    try:
        return build_network(name, net.input_shape, specs, net.description, fold_bn=False)
    except AccelsimError as exc:
        raise AccelsimError(f"width multiplier {alpha:g} does not suit {net.name}: {exc}") from None


def scale_resolution(net: Network, resolution: int) -> Network:
    """Set the input's height and width to `resolution` (square)."""
    if not isinstance(resolution, int) or not 8 <= resolution <= 16384:
        raise AccelsimError(f"resolution must be an integer from 8 to 16384 pixels, got {resolution}")
    channels = net.input_shape[0]
    name = f"{net.name}@r{resolution}"
    try:
        return build_network(
            name, (channels, resolution, resolution), net.specs, net.description, fold_bn=False
        )
    except AccelsimError as exc:
        raise AccelsimError(f"resolution {resolution} does not suit {net.name}: {exc}") from None
