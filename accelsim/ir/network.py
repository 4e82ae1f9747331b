"""The network IR: a DAG of layers whose shapes are inferred from the input shape.

A network is defined by `LayerSpec`s (what the user or an importer wrote: op, inputs and
attributes) and built into `Layer`s (shapes, weight shape, parameters, MACs, vector ops).
Shapes exclude the batch: (C, H, W) for feature maps, (F,) for vectors.
The IR knows nothing of hardware.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from accelsim.errors import AccelsimError, closest
from accelsim.frozen import FrozenMap
from accelsim.ir.engine import Engine

if TYPE_CHECKING:
    import networkx as nx

Shape = tuple[int, ...]
INPUT = "input"  # the name by which layers refer to the network input
RECURRENT = ("lstm", "gru")  # ops that run one step after another over a sequence


@dataclass(frozen=True)
class LayerSpec:
    """One layer as defined: op name, producer layer names, and op attributes. `where` says
    where it was written (file:line), for error messages."""

    name: str
    op: str
    inputs: tuple[str, ...]
    attrs: Mapping[str, Any] = field(default_factory=FrozenMap)
    where: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.attrs, FrozenMap):
            object.__setattr__(self, "attrs", FrozenMap(self.attrs))


@dataclass(frozen=True)
class Layer:
    """One op with its inferred shapes and costs (batch 1). `op` is the registry's op;
    `kind` the name shown (a depthwise conv is a conv; a generic function its own name)."""

    name: str
    kind: str
    op: str
    engine: Engine
    inputs: tuple[str, ...]
    input_shapes: tuple[Shape, ...]
    output_shape: Shape
    attrs: Mapping[str, Any]
    weight_shape: Shape = ()
    bias_size: int = 0
    macs: int = 0  # one multiply-accumulate each
    vector_ops: int = 0  # element-operations on the vector unit (pool, add, activation...)

    def __post_init__(self) -> None:
        if not isinstance(self.attrs, FrozenMap):
            object.__setattr__(self, "attrs", FrozenMap(self.attrs))

    @property
    def weight_count(self) -> int:
        return math.prod(self.weight_shape) if self.weight_shape else 0

    @property
    def tied(self) -> str:
        """The layer whose weights this one uses (a language model's output layer reads its
        token embedding), or ''."""
        return str(self.attrs.get("tied", ""))

    @property
    def weight_rows(self) -> int:
        """Output rows of its weight matrices (a compressed-row index keeps one pointer each):
        a recurrent layer's gate rows and projection rows, every direction."""
        if self.op in RECURRENT:
            a = self.attrs
            return int(a["directions"] * (a["gates"] * a["hidden"] + a["proj"]))
        return self.weight_shape[0]

    @property
    def params(self) -> int:
        """Parameters of its own: a tied layer's weights are counted where they are stored."""
        return (0 if self.tied else self.weight_count) + self.bias_size

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
        import networkx as nx

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
