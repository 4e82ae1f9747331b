"""What a layer reads of its weights and writes of its output, as its op defines it: rules of
the workload, whatever chip runs it (the schedule and the mapper ask them here)."""

from __future__ import annotations

from accelsim.ir.network import Layer


def weights_read(layer: Layer, stored: float, batch: int) -> float:
    """Bytes of a layer's stored weights one batch reads: all of them, but for an embedding
    only the rows it looks up (at most the whole table)."""
    if layer.op == "embedding":
        return stored * min(1.0, layer.input_elements * batch / layer.weight_shape[0])
    return stored


def dram_outputs(layer: Layer, written: float) -> float:
    """Bytes a layer writes to its output's home, of `written`: a KV cache appends only this
    step's rows."""
    if layer.op == "kv_cache":
        return written * layer.input_elements / layer.output_elements
    return written
