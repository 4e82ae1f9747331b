"""Which layers fuse into their producers, on small hand-made networks."""

from __future__ import annotations

from accelsim import LayerSpec, build_network
from accelsim.schedule.fusion import fuse

S = LayerSpec


def test_modes_and_what_each_fuses() -> None:
    net = build_network(
        "t",
        (8, 16, 16),
        [
            S("c", "conv", ("input",), {"out": 8, "k": 3, "pad": 1}),
            S("r", "relu", ("c",)),
            S("p", "maxpool", ("r",), {"k": 2}),
            S("p2", "maxpool", ("p",), {"k": 2}),  # a second pool has no output path of its own
            S("f", "flatten", ("p2",)),
            S("s", "sigmoid", ("f",)),  # after a view: nothing to fuse into
        ],
    )
    assert fuse(net, "none").layers == frozenset()
    assert fuse(net, "activation").layers == {"r"}
    everything = fuse(net, "activation+pool")
    assert everything.layers == {"r", "p"} and dict(everything.pooled) == {"c": "p"}
    assert everything.written("c") == "p" and everything.written("p2") == "p2"


def test_a_shared_output_does_not_fuse() -> None:
    net = build_network(
        "t",
        (8, 16, 16),
        [
            S("c", "conv", ("input",), {"out": 8, "k": 3, "pad": 1}),
            S("r", "relu", ("c",)),
            S("other", "conv", ("c",), {"out": 8, "k": 1}),  # c has two consumers
            S("sum", "add", ("r", "other")),
        ],
    )
    assert fuse(net, "activation+pool").layers == frozenset()
