"""Model compression as in the seed talk: quantization, pruning with sparse index overhead,
weight sharing and Huffman coding (Han, Mao, Dally, "Deep Compression", ICLR 2016).

A `CompressionSpec` (YAML, a preset, or --wbits/--abits/--prune) gives per-layer settings;
`compress()` turns a network into stored sizes per layer: dense fp32 -> quantized -> pruned
(+ index) -> Huffman-coded. The simulator stores and moves weights at the coded size.

Storage model, per layer with W weights and B biases:
- quantized: (W + B) x bits, plus a codebook of 2^bits fp32 centroids when weights are
  shared (k-means, Deep Compression sec. 3). Biases are stored at the weight bits, as the
  uncompressed model is (params x bits); they are not pruned.
- pruned: the nonzeros N = W x density at `bits` each, plus the sparse index:
  * relative (Deep Compression sec. 2): `index_bits` per entry, the gap to the previous
    nonzero; a gap beyond 2^index_bits needs a padding zero entry. With the nonzeros spread
    at random, gaps are geometric and padding adds q / (1 - q) entries per nonzero,
    q = (1 - density)^(2^index_bits);
  * csr: a column index of ceil(log2(fan-in)) bits per nonzero, a 32-bit row pointer per
    output channel; bitmap: one bit per weight.
- coded: Huffman coding shrinks the weight and index streams by a compressibility factor
  (coded bits / fixed bits). Trained weights are not available, so the default is the
  paper's own outcome: on AlexNet, Huffman took the model from 3.7% to 2.88% of its fp32
  size (Table 4), a factor 0.78. A layer may give measured coded bits instead
  (`huffman_weight_bits`, `huffman_index_bits`: average bits per stored entry, padding zeros
  included, as Table 4 lists them). Given real weights (an ONNX file's initializers), the
  coded size is measured: magnitude pruning, a linear codebook, and the actual Huffman code
  of the weight and gap symbols.
"""

from __future__ import annotations

import fnmatch
import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator

from accelsim.errors import unknown
from accelsim.ir.network import Layer, Network
from accelsim.strict import StrictModel

DEEP_COMPRESSION_HUFFMAN = 2.88 / 3.7  # Han et al. ICLR 2016, Table 4 totals (P+Q -> P+Q+H)


class LayerSettings(StrictModel):
    """Settings for some layers; any field left out falls back to the spec's defaults."""

    weight_bits: int | None = Field(None, ge=1, le=32)
    prune: float | None = Field(None, ge=0, lt=1, description="fraction of weights removed")
    huffman: float | None = Field(None, gt=0, le=1, description="coded / fixed-width size")
    huffman_weight_bits: float | None = Field(None, gt=0, le=32, description="measured, per stored entry")
    huffman_index_bits: float | None = Field(None, ge=0, le=32, description="measured, per stored entry")


class CompressionSpec(StrictModel):
    """How a network is compressed. `layers` maps layer names, glob patterns (`fc*`) or
    kinds (`conv`, `linear`) to settings; the most specific match wins (name > glob > kind)."""

    name: str = "custom"
    source: str = ""
    weight_bits: int | None = Field(None, ge=1, le=32, description="default: the chip's precision")
    activation_bits: int | None = Field(None, ge=1, le=32, description="default: the chip's precision")
    prune: float = Field(0.0, ge=0, lt=1)
    sharing: bool = Field(False, description="k-means weight sharing: a codebook per layer")
    index: Literal["relative", "csr", "bitmap"] = "relative"
    index_bits: int = Field(4, ge=1, le=16)
    huffman: bool | float | None = Field(
        None,
        description="Huffman coding: true = Deep Compression's factor 0.78, or coded/fixed size in (0, 1]",
    )
    layers: dict[str, LayerSettings] = Field(default_factory=dict)

    @field_validator("huffman")
    @classmethod
    def _factor(cls, value: bool | float | None) -> float | None:
        if value is None or value is False:
            return None
        if value is True:
            return DEEP_COMPRESSION_HUFFMAN
        if not 0 < value <= 1:
            raise ValueError(f"a Huffman factor is coded / fixed-width size, in (0, 1]; got {value}")
        return float(value)

    def settings_for(self, layer: Layer) -> LayerSettings:
        exact = self.layers.get(layer.name)
        globbed = [
            v for k, v in self.layers.items() if k != layer.name and fnmatch.fnmatchcase(layer.name, k)
        ]
        kind = self.layers.get(layer.kind)
        merged: dict[str, Any] = {}
        for found in (kind, *globbed[:1], exact):
            if found is not None:
                merged.update(found.model_dump(exclude_none=True))
        return LayerSettings(**merged)


@dataclass(frozen=True)
class LayerSize:
    """Stored bytes of one layer's parameters at each stage of compression."""

    name: str
    params: int
    weight_bits: int
    density: float
    dense_fp32: float
    quantized: float
    pruned: float
    coded: float


@dataclass(frozen=True)
class CompressedModel:
    network: str
    spec: CompressionSpec
    layers: tuple[LayerSize, ...]

    @property
    def dense_fp32(self) -> float:
        return sum(x.dense_fp32 for x in self.layers)

    @property
    def coded(self) -> float:
        return sum(x.coded for x in self.layers)

    @property
    def ratio(self) -> float:
        return self.dense_fp32 / self.coded

    def stored(self) -> dict[str, float]:
        return {x.name: x.coded for x in self.layers}

    def density(self) -> dict[str, float]:
        return {x.name: x.density for x in self.layers}

    def to_dict(self) -> dict[str, Any]:
        total = {
            k: sum(getattr(x, k) for x in self.layers) for k in ("dense_fp32", "quantized", "pruned", "coded")
        }
        return {
            "network": self.network,
            "spec": self.spec.model_dump(),
            "bytes": total,
            "ratio": self.ratio,
            "layers": [x.__dict__ for x in self.layers],
        }


def padding_per_nonzero(density: float, index_bits: int) -> float:
    """Expected padding zeros per nonzero in relative indexing, for randomly placed nonzeros."""
    if density >= 1:
        return 0.0
    q = float((1 - density) ** (2**index_bits))
    return q / (1 - q)


def huffman_bits(symbols: np.ndarray) -> float:
    """Total length of the Huffman code of a symbol stream (code lengths from the counts)."""
    counts = np.bincount(symbols)
    counts = counts[counts > 0].tolist()
    if len(counts) <= 1:
        return float(sum(counts))  # one symbol: a bit each
    heap = [(c, i, [i]) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    depth = [0] * len(counts)
    while len(heap) > 1:
        c1, i1, a = heapq.heappop(heap)
        c2, _, b = heapq.heappop(heap)
        for leaf in a + b:
            depth[leaf] += 1
        heapq.heappush(heap, (c1 + c2, i1, a + b))
    return float(sum(c * d for c, d in zip(counts, depth, strict=True)))


def measured_coded_bits(
    weights: np.ndarray, bits: int, density: float, index_bits: int
) -> tuple[float, float]:
    """Huffman-coded (weight, relative-index) stream bits of real weights: magnitude pruning
    to `density`, a codebook of 2^bits levels spaced linearly between the kept weights' min
    and max (Deep Compression's linear initialization), gaps with padding zeros."""
    flat = np.asarray(weights, dtype=np.float64).ravel()
    keep = max(1, round(flat.size * density))
    order = np.argsort(-np.abs(flat), kind="stable")[:keep]
    mask = np.zeros(flat.size, dtype=bool)
    mask[order] = True
    kept = flat[mask]
    low, high = kept.min(), kept.max()
    levels = 2**bits
    symbols = (
        np.zeros(kept.size, dtype=np.int64)
        if high == low
        else np.minimum(((kept - low) / (high - low) * levels).astype(np.int64), levels - 1)
    )
    if density >= 1:
        return huffman_bits(symbols), 0.0
    gaps = np.diff(np.flatnonzero(mask), prepend=-1) - 1
    span = 2**index_bits
    paddings = gaps // span  # a padding entry per full span of zeros
    gap_symbols = np.concatenate([np.full(int(paddings.sum()), span - 1), gaps % span])
    weight_symbols = np.concatenate([symbols, np.full(int(paddings.sum()), levels)])  # padding: a zero
    return huffman_bits(weight_symbols), huffman_bits(gap_symbols.astype(np.int64))


def layer_size(
    layer: Layer, spec: CompressionSpec, default_bits: int, real_weights: np.ndarray | None = None
) -> LayerSize:
    s = spec.settings_for(layer)
    bits = s.weight_bits or spec.weight_bits or default_bits
    prune = spec.prune if s.prune is None else s.prune
    density = 1 - prune
    weights, biases = layer.weight_count, layer.bias_size
    bias_bytes = biases * bits / 8
    codebook = (2**bits) * 4 if spec.sharing and weights and bits < 32 else 0.0
    quantized = weights * bits / 8 + codebook + bias_bytes
    if not weights:
        return LayerSize(
            layer.name, layer.params, bits, 1.0, layer.params * 4.0, bias_bytes, bias_bytes, bias_bytes
        )
    nonzeros = weights * density
    if density >= 1:
        entries, index_bits_total = nonzeros, 0.0
    elif spec.index == "relative":
        entries = nonzeros * (1 + padding_per_nonzero(density, spec.index_bits))
        index_bits_total = entries * spec.index_bits
    elif spec.index == "csr":
        fan_in = weights // layer.weight_rows
        entries = nonzeros
        index_bits_total = nonzeros * math.ceil(math.log2(max(2, fan_in))) + (layer.weight_rows + 1) * 32
    else:  # bitmap
        entries, index_bits_total = nonzeros, float(weights)
    weight_stream, index_stream = entries * bits, index_bits_total
    pruned = (weight_stream + index_stream) / 8 + codebook + bias_bytes
    factor = s.huffman or spec.huffman
    coded_weights = (
        entries * s.huffman_weight_bits if s.huffman_weight_bits else weight_stream * (factor or 1)
    )
    if s.huffman_index_bits is not None and density < 1:
        coded_index = entries * s.huffman_index_bits
    else:
        coded_index = index_stream * (factor or 1)
    if factor is not None and real_weights is not None and real_weights.size == weights:
        # real weights: measure the Huffman-coded streams instead of assuming a factor
        coded_weights, measured_index = measured_coded_bits(real_weights, bits, density, spec.index_bits)
        if spec.index == "relative":
            coded_index = measured_index
    coded = (coded_weights + coded_index) / 8 + codebook + bias_bytes
    return LayerSize(layer.name, layer.params, bits, density, layer.params * 4.0, quantized, pruned, coded)


def compress(
    net: Network,
    spec: CompressionSpec,
    default_bits: int = 32,
    weights: Mapping[str, np.ndarray] | None = None,
) -> CompressedModel:
    """Stored sizes of every layer with parameters. `weights`: real arrays by layer name (from
    an ONNX file), whose Huffman-coded size is then measured rather than assumed."""
    names = {layer.name for layer in net.layers} | {layer.kind for layer in net.layers}
    for key in spec.layers:
        if key not in names and not any(fnmatch.fnmatchcase(n, key) for n in names):
            raise unknown(f"layer in compression spec '{spec.name}'", key, names)
    weights = weights or {}
    sizes = tuple(
        layer_size(layer, spec, default_bits, weights.get(layer.name)) for layer in net.layers if layer.params
    )
    return CompressedModel(net.name, spec, sizes)


@dataclass(frozen=True)
class Stored:
    """The weights as the chip stores them: bytes per layer (precision, compression), the
    fraction of weights kept after pruning (1 where absent), and the activation precision
    compression asks for (None: the chip's)."""

    bytes: Mapping[str, float]
    density: Mapping[str, float] = field(default_factory=dict)
    activation_bits: int | None = None
    compression: str | None = None  # the spec's name, for the result


def store(
    net: Network,
    weight_bits: int,
    spec: CompressionSpec | None = None,
    weights: Mapping[str, np.ndarray] | None = None,
) -> Stored:
    """How `net`'s weights are stored on a chip of `weight_bits`: every parameter at that
    precision, or as `spec` compresses them (`weights`: real arrays, for measured Huffman)."""
    if spec is None:
        return Stored({layer.name: layer.params * weight_bits / 8 for layer in net.layers if layer.params})
    model = compress(net, spec, default_bits=weight_bits, weights=weights)
    return Stored(model.stored(), model.density(), spec.activation_bits, spec.name)
