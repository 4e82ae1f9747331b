"""Residency alone: what lives on chip, on small hand-made networks."""

from __future__ import annotations

from accelsim import LayerSpec, build_network, variant
from accelsim.hw.enums import TensorKind
from accelsim.schedule.residency import candidate_plans, fits_on_chip, peak_activation_bytes

S = LayerSpec


def chain():  # 3x32x32 input; int8 on the 2 W NPU
    return build_network(
        "chain",
        (3, 32, 32),
        [
            S("c1", "conv", ("input",), {"out": 16, "k": 3, "pad": 1}),  # 16 KiB out
            S("f", "flatten", ("c1",)),  # a view: no storage of its own
            S("fc", "linear", ("f",), {"out": 100}),
        ],
    )


def stored(net, bits: int = 8) -> dict[str, float]:
    return {layer.name: layer.params * bits / 8 for layer in net.layers if layer.params}


def test_peak_activations_follow_liveness_and_views_alias() -> None:
    net, chip = chain(), variant("2W_npu", {})
    # at c1: its input (3 KiB) and output (16 KiB) are live; the flatten adds nothing
    assert peak_activation_bytes(net, chip) == 3 * 32 * 32 + 16 * 32 * 32
    assert peak_activation_bytes(net, chip, batch=2) == 2 * (3 * 32 * 32 + 16 * 32 * 32)


def test_everything_resident_when_it_fits() -> None:
    net, chip = chain(), variant("2W_npu", {})
    (plan,) = candidate_plans(net, chip, 1, stored(net))
    assert plan.all_resident and plan.pinned == {"c1", "fc"} and plan.spilled == {"input"}
    assert plan.pinned_bytes == sum(stored(net).values())
    assert plan.roots["f"] == ("c1",)  # the flatten is c1's storage


def test_too_small_a_buffer_pins_by_reuse_and_spills() -> None:
    net = chain()
    weights = stored(net)  # c1: 448 B, fc: 1,638,500 B
    chip = variant("2W_npu", {"memory.sram.capacity": "256 KiB"})
    assert not fits_on_chip(chip, sum(weights.values()), peak_activation_bytes(net, chip))
    plans = list(candidate_plans(net, chip, 1, weights))
    assert plans and not any(p.all_resident for p in plans)
    # the conv (reuse 1024 MACs per weight) is pinned before the linear (1 MAC per weight)
    assert any(p.pinned == {"c1"} for p in plans)
    assert not any("fc" in p.pinned and "c1" not in p.pinned for p in plans)
    for plan in plans:
        assert plan.pinned_bytes <= chip.capacity_for(TensorKind.WEIGHTS)
        assert plan.pinned_bytes + plan.tile_bytes <= chip.onchip_bytes + 1e-6


def test_pinned_weights_never_shrink_as_the_buffer_grows() -> None:
    net = chain()
    weights = stored(net)
    best = []
    for kib in (192, 256, 512, 1024, 1536, 2048):
        chip = variant("2W_npu", {"memory.sram.capacity": f"{kib} KiB"})
        best.append(max(p.pinned_bytes for p in candidate_plans(net, chip, 1, weights)))
    assert best == sorted(best)
