"""Reading an ONNX model without its weights: a walk over the protobuf wire format that copies
everything but the data of large initializers, straight from a memory map of the file. The
weights' pages are never read, so importing a 553 MB model takes memory for its graph only;
the shapes (dims and data types) and every small constant (axes, shapes: what shape inference
and the shape-arithmetic folding need) stay."""

from __future__ import annotations

import math
import mmap
from typing import BinaryIO

MODEL_GRAPH, GRAPH_INITIALIZER = 7, 5  # onnx.proto field numbers
TENSOR_DIMS, TENSOR_EXTERNAL = 1, 14
TENSOR_DATA = frozenset({4, 5, 6, 7, 9, 10, 11})  # float, int32, string, int64, raw, double, uint64
SMALL = 64  # elements: tensors this small keep their values (shape arithmetic, axes...)


def _varint(buf: mmap.mmap | bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def _encode(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _fields(buf: mmap.mmap | bytes, start: int, end: int):  # type: ignore[no-untyped-def]
    """(field number, wire type, start of the field's key, start of its value, end of the field)."""
    pos = start
    while pos < end:
        head = pos
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            _, after = _varint(buf, pos)
        elif wire == 1:
            after = pos + 8
        elif wire == 2:
            length, pos = _varint(buf, pos)
            after = pos + length
        elif wire == 5:
            after = pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield field, wire, head, pos, after
        pos = after


def _elements(buf: mmap.mmap | bytes, start: int, end: int) -> int:
    dims = []
    for field, wire, _, value, after in _fields(buf, start, end):
        if field == TENSOR_DIMS and wire == 0:
            dims.append(_varint(buf, value)[0])
        elif field == TENSOR_DIMS and wire == 2:  # packed
            pos = value
            while pos < after:
                dim, pos = _varint(buf, pos)
                dims.append(dim)
    return math.prod(dims)


def _tensor(buf: mmap.mmap | bytes, start: int, end: int) -> bytes:
    if _elements(buf, start, end) <= SMALL:
        return bytes(buf[start:end])
    return b"".join(
        bytes(buf[head:after])
        for field, _, head, _, after in _fields(buf, start, end)
        if field not in TENSOR_DATA
    )


def _nested(field: int, payload: bytes) -> bytes:
    return _encode(field << 3 | 2) + _encode(len(payload)) + payload


def _graph(buf: mmap.mmap | bytes, start: int, end: int) -> bytes:
    out = []
    for field, wire, head, value, after in _fields(buf, start, end):
        if field == GRAPH_INITIALIZER and wire == 2:
            out.append(_nested(field, _tensor(buf, value, after)))
        else:
            out.append(bytes(buf[head:after]))
    return b"".join(out)


def read_without_weights(stream: BinaryIO) -> bytes:
    """The serialized model (an open file) with the data of every initializer above SMALL left out."""
    with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        out = []
        for field, wire, head, value, after in _fields(buf, 0, len(buf)):
            if field == MODEL_GRAPH and wire == 2:
                out.append(_nested(field, _graph(buf, value, after)))
            else:
                out.append(bytes(buf[head:after]))
        return b"".join(out)
