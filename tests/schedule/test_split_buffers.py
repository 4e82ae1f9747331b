"""Every buffer's capacity respected (issue 31): on a chip with a weight buffer beside an
activation buffer, as every chip `hw import-scalesim` makes, a layer's DRAM tiles must fit the
buffer each of its tensors lives in, not only their sum."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelsim import load_hw, load_net, variant
from accelsim.hw.enums import TensorKind
from accelsim.load import chip_from_cfg, parse_hw
from accelsim.pipeline import planned
from accelsim.transform.compress import store
from tests.conftest import ROOT

FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "scalesim_v3_cycles.json").read_text())


def scalesim_chip(tmp_path: Path, filter_kib: int) -> object:
    """SCALE-Sim's config (the fixture's WS one) with its filter SRAM set, imported."""
    cfg = tmp_path / "ws.cfg"
    cfg.write_text(
        FIXTURE["configs"]["ws"].replace("filtersramszkB = 1024", f"filtersramszkB = {filter_kib}")
    )
    data, _ = chip_from_cfg(cfg)
    return parse_hw(data, str(cfg))


@pytest.mark.parametrize("net", ["googlenet", "resnet50"])
@pytest.mark.parametrize("filter_kib", [16, 64, 256, 1024])
def test_tiles_fit_the_buffer_their_tensors_live_in(net: str, filter_kib: int, tmp_path: Path) -> None:
    chip = scalesim_chip(tmp_path, filter_kib)
    assert chip.split_buffers
    network = load_net(net)
    plan = planned(network, chip, store(network, chip.weight_bits), "steady", 1)
    weight_buffer = chip.capacity_for(TensorKind.WEIGHTS)
    room = weight_buffer - plan.residency.pinned_bytes
    assert plan.residency.weight_tile_bytes == pytest.approx(room)
    overfilled = [p.layer.name for p in plan.plans if p.tiling.weight_working > room * (1 + 1e-9)]
    assert not overfilled, (len(overfilled), overfilled[:5])


def test_a_unified_buffer_is_planned_as_before() -> None:
    """One buffer holds every tile: no per-kind room is kept (the golden results pin the rest)."""
    network = load_net("resnet50")
    chip = load_hw("2W_npu")
    plan = planned(network, chip, store(network, chip.weight_bits), "steady", 1)
    assert plan.residency.weight_tile_bytes is None


@pytest.mark.parametrize("net", ["alexnet", "resnet50", "vgg16"])
@pytest.mark.parametrize("weight_kib", [8, 16, 64])
def test_a_small_weight_buffer_is_never_overfilled(net: str, weight_kib: int) -> None:
    """The TPU v1-like chip with a small weight buffer: AlexNet's FC tiles, chosen against the
    two buffers' summed room, would not fit an 8 or 16 KiB weight buffer."""
    chip = variant("tpu_v1_like", {"memory.weight_sram.capacity": f"{weight_kib} KiB"})
    network = load_net(net)
    plan = planned(network, chip, store(network, chip.weight_bits), "steady", 1)
    room = chip.capacity_for(TensorKind.WEIGHTS) - plan.residency.pinned_bytes
    assert all(p.tiling.weight_working <= room * (1 + 1e-9) for p in plan.plans)
