"""Residency alone: what lives on chip, on small hand-made networks."""

from __future__ import annotations

from typing import Any

from accelsim import LayerSpec, build_network, simulate, variant
from accelsim.hw.enums import TensorKind
from accelsim.schedule.fusion import Fusion
from accelsim.schedule.residency import Reserve, fits_on_chip, peak_activation_bytes, plan_residency

S = LayerSpec
NO_FUSION = Fusion()


def chain() -> Any:  # 3x32x32 input; int8 on the 2 W NPU
    return build_network(
        "chain",
        (3, 32, 32),
        [
            S("c1", "conv", ("input",), {"out": 16, "k": 3, "pad": 1}),  # 16 KiB out
            S("f", "flatten", ("c1",)),  # a view: no storage of its own
            S("fc", "linear", ("f",), {"out": 100}),
        ],
    )


def stored(net: Any, bits: int = 8) -> dict[str, float]:
    return {layer.name: layer.params * bits / 8 for layer in net.layers if layer.params}


def test_peak_activations_follow_liveness_and_views_alias() -> None:
    net, chip = chain(), variant("2W_npu", {})
    # at c1: its input (3 KiB) and output (16 KiB) are live; the flatten adds nothing
    assert peak_activation_bytes(net, chip) == 3 * 32 * 32 + 16 * 32 * 32
    assert peak_activation_bytes(net, chip, batch=2) == 2 * (3 * 32 * 32 + 16 * 32 * 32)


def test_everything_resident_when_it_fits() -> None:
    net, chip = chain(), variant("2W_npu", {})
    plan = plan_residency(net, chip, 1, stored(net), NO_FUSION, Reserve(0.0))
    assert plan.all_resident and plan.pinned == {"c1", "fc"} and plan.spilled == {"input"}
    assert plan.pinned_bytes == sum(stored(net).values())
    assert plan.roots["f"] == ("c1",)  # the flatten is c1's storage


def test_regions_in_priority_order() -> None:
    net = chain()
    weights = stored(net)  # c1: 448 B, fc: 1,638,500 B
    peak = peak_activation_bytes(net, variant("2W_npu", {}))
    chip = variant("2W_npu", {"memory.sram.capacity": "256 KiB"})
    assert not fits_on_chip(chip, sum(weights.values()), peak)
    plan = plan_residency(net, chip, 1, weights, NO_FUSION, Reserve(64 * 1024))
    # the reserve first; what the kept activations and pinned weights leave streams tiles too
    assert plan.tile_bytes == chip.onchip_bytes - plan.pinned_bytes - max(plan.kept_at) > 64 * 1024
    assert plan.spilled == {"input"}  # then every activation (the peak is 19 KiB)
    assert plan.pinned == {"c1"}  # then weights by reuse: the conv's, not the 1.6 MB linear's
    weights_first = variant("2W_npu", {"memory.sram.capacity": "256 KiB", "memory.priority": "weights"})
    assert plan_residency(net, weights_first, 1, weights, NO_FUSION, Reserve(250 * 1024)).spilled >= {"c1"}
    tiny = variant("2W_npu", {"memory.sram.capacity": "192 KiB"})  # all reserve
    assert plan_residency(net, tiny, 1, weights, NO_FUSION, Reserve(10**9)).tile_bytes == tiny.onchip_bytes
    assert plan.pinned_bytes <= chip.capacity_for(TensorKind.WEIGHTS) - plan.tile_bytes


def test_pinned_bytes_and_every_layers_traffic_are_monotone_in_sram() -> None:
    previous = None
    for mib in (0.25, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 8):
        r = simulate("mobilenet_v2", variant("2W_npu", {"memory.sram.capacity": int(mib * 2**20)}))
        if previous is not None:
            assert r.pinned_weight_bytes >= previous.pinned_weight_bytes
            for before, now in zip(previous.layers, r.layers, strict=True):
                assert now.dram_bytes <= before.dram_bytes * (1 + 1e-9) + 1e-9, (mib, now.name)
        previous = r
