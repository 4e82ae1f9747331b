"""The network IR: layers, their shape rules in one op registry, and the builder."""

from accelsim.ir.build import build_network, fold_batchnorm
from accelsim.ir.network import INPUT, Layer, LayerSpec, Network, Shape
from accelsim.ir.ops import OPS, Op

__all__ = ["INPUT", "OPS", "Layer", "LayerSpec", "Network", "Op", "Shape", "build_network", "fold_batchnorm"]
