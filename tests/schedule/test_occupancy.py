"""What each buffer holds, layer by layer (issue 31): attention products tiled per head, and a
layer too big for its buffer at the finest tiling named in the result."""

from __future__ import annotations

import pytest

from accelsim import load_hw, load_net, simulate
from accelsim.pipeline import planned
from accelsim.transform.compress import store
from tests.cli_runner import run_main


@pytest.mark.parametrize(
    ("net", "chip"), [("bert_base", "eyeriss"), ("gpt2", "mcu_npu"), ("vit_b16", "shidiannao")]
)
def test_attention_fits_a_small_buffer_head_by_head(net: str, chip: str) -> None:
    """One head's operands and output at a time: BERT's 128 x 64 heads in Eyeriss's 108 KiB
    (the whole product's 1.2 MB working set did not fit)."""
    hw, network = load_hw(chip), load_net(net)
    plan = planned(network, hw, store(network, hw.weight_bits), "steady", 1)
    for step, held in zip(plan.plans, plan.occupancy(hw), strict=True):
        for name, nbytes in held.items():
            assert nbytes <= hw.level(name).capacity_bytes, (step.layer.name, name, nbytes)
    scores = next(p for p in plan.plans if p.layer.op == "matmul")
    heads = scores.layer.output_shape[0]
    assert scores.tiling.tiles >= heads  # at least a tile per head
    assert simulate(network, hw).overfilled == {}


def test_a_stem_too_big_for_a_few_kib_buffer_is_named() -> None:
    """DianNao's 4 KiB neuron buffer cannot hold one row of SqueezeNet's 7 x 7 stem over its
    input (rows are the finest tiles the search makes): the result and `run` say so."""
    r = simulate("squeezenet", "diannao")
    assert list(r.overfilled) == ["conv1"]
    buffer, held, capacity = r.overfilled["conv1"]
    assert buffer == "nb" and capacity == 4096 and held > capacity
    out = run_main("run", "--hw", "diannao", "--net", "squeezenet").stdout
    assert "note: conv1 overfills a buffer even at the finest tiling searched" in " ".join(out.split())
    assert "note:" not in run_main("run", "--hw", "2W_npu", "--net", "squeezenet").stdout
